import { UserInputError } from "../../errors.ts";
import {
  absCell,
  absText,
  addressIn,
  amountOfAbs,
  assetCode,
  digestIds,
  isUsd,
  requiredAbs,
  txHashIn,
} from "../common.ts";
import { hasColumns, rowProblems, rowsOf } from "../table.ts";
import { parseTime } from "../time.ts";
import type { Amount, ImportFormat, ImportKind, ImportRecord } from "../types.ts";
import { coinbaseAsset, REBATE_TYPES, rebateReview } from "./rebates.ts";

/**
 * Coinbase "Transaction history" CSV (Reports → Generate report → CSV). A few preamble lines
 * ("Transactions", "User,<name>,<id>") come before the header
 * `ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,
 * Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes`; older exports have
 * no `ID`, say `Spot Price Currency`/`Spot Price at Transaction`, and before 2023 `Total (inclusive
 * of fees)`/`Fees`. Money cells carry `$` and
 * thousands separators; newer exports write sends and sells with negative quantities.
 */
const TYPES: Record<string, ImportKind | "skip"> = {
  buy: "buy",
  "advanced trade buy": "buy",
  sell: "sell",
  "advanced trade sell": "sell",
  convert: "trade",
  send: "withdrawal",
  withdrawal: "withdrawal",
  receive: "deposit",
  deposit: "deposit",
  "staking income": "income",
  "rewards income": "income",
  "learning reward": "income",
  "coinbase earn": "income",
  "inflation reward": "income",
  "interest income": "income",
  "reward income": "income",
  "incentives rewards payout": "income",
  ...Object.fromEntries(Object.keys(REBATE_TYPES).map((t) => [t, "income" as const])),
  // Moves between Coinbase and its own Pro/Exchange books, its staking book and its portfolios,
  // and ETH2 turned back into ETH: no change of the account's holdings.
  "pro deposit": "skip",
  "pro withdrawal": "skip",
  "exchange deposit": "skip",
  "exchange withdrawal": "skip",
  "retail staking transfer": "skip",
  "retail unstaking transfer": "skip",
  "retail eth2 deprecation": "skip",
  "portfolio transfer": "skip",
};

const SUBTYPES: Record<string, string> = {
  "staking income": "staking",
  "rewards income": "reward",
  "learning reward": "reward",
  "coinbase earn": "reward",
  "inflation reward": "staking",
  "interest income": "interest",
  "reward income": "reward",
  "incentives rewards payout": "reward",
  ...REBATE_TYPES,
  convert: "convert",
  "advanced trade buy": "advanced_trade",
  "advanced trade sell": "advanced_trade",
};

/** The subtotal column, `Subtotal` or, in 2021's exports, with the currency first (`USD Subtotal`). */
const SUBTOTAL = /^\s*(?:([A-Za-z]{3}) )?subtotal\s*$/i;

export const coinbase: ImportFormat = {
  name: "coinbase",
  label: "Coinbase transaction history CSV",
  looksLike: "a Coinbase transaction history export",
  family: "coinbase",
  isHeader: (cells) =>
    hasColumns(cells, ["Timestamp", "Transaction Type", "Asset", "Quantity Transacted"]) &&
    cells.some((c) => SUBTOTAL.test(c)),
  parse: (table) => {
    const out: ImportRecord[] = [];
    const digest = digestIds();
    const priceCurrencyColumn = table.header.some((h) => h.toLowerCase() === "price currency")
      ? "Price Currency"
      : "Spot Price Currency";
    // Exports of 2021 name the currency in the money columns (`USD Subtotal`, `USD Fees`).
    const subtotalColumn = table.header.find((h) => SUBTOTAL.test(h))!;
    const money = SUBTOTAL.exec(subtotalColumn)![1]?.toUpperCase();
    // Exports before 2023 name the fee column `Fees` (next to `Total (inclusive of fees)`).
    const feeColumn = table.header.some((h) => h.toLowerCase() === "fees and/or spread")
      ? "Fees and/or Spread"
      : money
        ? `${money} Fees`
        : "Fees";
    // A file holds a handful of type names and assets: each read once (lower-cased, coded).
    const lowered = new Map<string, string>();
    const lower = (text: string): string => {
      let l = lowered.get(text);
      if (l === undefined) {
        l = text.toLowerCase();
        lowered.set(text, l);
      }
      return l;
    };
    const codes = new Map<string, string>();
    const code = (asset: string): string => {
      let c = codes.get(asset);
      if (c === undefined) {
        c = assetCode(asset);
        codes.set(asset, c);
      }
      return c;
    };
    /** An amount of `asset` from an absolute plain quantity: undefined for none or zero. */
    const amount = (asset: string, abs: string | undefined): Amount | undefined =>
      abs === undefined || abs === "0" ? undefined : { asset: code(asset), quantity: abs };
    const problems = rowProblems(table.file);
    for (const r of rowsOf(table)) {
      try {
        const typeText = r.get("Transaction Type");
        const typeKey = lower(typeText);
        const type = TYPES[typeKey];
        if (!type)
          r.fail(
            "Transaction Type",
            `unknown type '${typeText}' (known: ${Object.keys(TYPES)
              .map((t) => t.replace(/\b\w/g, (c) => c.toUpperCase()))
              .join(", ")})`,
          );
        if (type === "skip") continue;
        const asset = coinbaseAsset(r.get("Asset"));
        if (!asset) r.fail("Asset", "empty");
        const currency = money ?? (r.get(priceCurrencyColumn) || "USD");
        if (currency !== "USD" && !isUsd(currency))
          r.fail(
            money ? subtotalColumn : priceCurrencyColumn,
            `'${currency}': only exports in USD are supported (set Coinbase's currency to USD)`,
          );
        // Absolute values as plain decimal strings (every use of a quantity drops its sign).
        const qty = requiredAbs(r, "Quantity Transacted");
        const subtotal = absCell(r, subtotalColumn, "USD");
        const fee = absCell(r, feeColumn, "USD");
        const notes = r.get("Notes");
        const id = r.get("ID") || digest(r.cells);
        // Every record's members in one order (the stored fingerprint digests its JSON): line, id,
        // time, kind, subtype, note, then the kind's own.
        const line = r.line;
        const time = parseTime(r.get("Timestamp"), r.where("Timestamp"));
        const kind = type as ImportKind;
        const subtype = SUBTYPES[typeKey];
        const note = notes || undefined;
        const withFee = (rec: ImportRecord): ImportRecord => {
          if (fee && fee !== "0") {
            rec.fee = { asset: "USD", quantity: fee };
            rec.feeUsd = fee;
          }
          return rec;
        };
        const fiat = isUsd(asset);
        switch (type) {
          case "buy":
          case "sell": {
            if (!subtotal) r.fail(subtotalColumn, "empty (a buy or sell needs its USD value)");
            const market = /\bon ([A-Z0-9]+)-([A-Z0-9]+)\b/.exec(notes);
            const quote = market?.[2];
            if (quote && !isUsd(quote)) {
              // An Advanced Trade on a crypto-quoted market (ETH-USDC): a trade against the quote asset.
              const m = /\bfor ([\d,.]+(?:[eE][-+]?\d+)?) ([A-Z0-9]+)/.exec(notes);
              if (!m)
                r.fail("Notes", `no 'for <amount> ${quote}' to read the ${quote} side of the trade from`);
              const quoteQty = absText(r, "Notes", m![1]!)!;
              const side = { asset: assetCode(quote), quantity: quoteQty };
              const mine = amount(asset, qty)!;
              out.push(
                withFee({
                  line,
                  id,
                  time,
                  kind: "trade",
                  subtype,
                  note,
                  out: type === "buy" ? side : mine,
                  in: type === "buy" ? mine : side,
                  usdValue: subtotal,
                }),
              );
              break;
            }
            const usd = { asset: "USD", quantity: subtotal! };
            out.push(
              withFee({
                line,
                id,
                time,
                kind,
                subtype,
                note,
                out: type === "buy" ? usd : amount(asset, qty),
                in: type === "buy" ? amount(asset, qty) : usd,
                usdValue: subtotal,
              }),
            );
            break;
          }
          case "trade": {
            // "Converted 0.5 ETH to 1,512.30 USDC"
            const m = /Converted ([\d,.]+(?:[eE][-+]?\d+)?) (\S+) to ([\d,.]+(?:[eE][-+]?\d+)?) (\S+)/i.exec(
              notes,
            );
            if (!m) r.fail("Notes", "a Convert row needs 'Converted <amount> <asset> to <amount> <asset>'");
            const toQty = absText(r, "Notes", m![3]!);
            out.push(
              withFee({
                line,
                id,
                time,
                kind,
                subtype,
                note,
                out: amount(asset, qty),
                in: amountOfAbs(m![4]!, toQty),
                usdValue: subtotal,
              }),
            );
            break;
          }
          case "income": {
            const rec: ImportRecord = {
              line,
              id,
              time,
              kind,
              subtype,
              note,
              in: amount(asset, qty),
              usdValue: subtotal,
            };
            if (REBATE_TYPES[typeKey]) rec.review = rebateReview(typeText);
            out.push(rec);
            break;
          }
          case "withdrawal":
          case "deposit":
            if (fiat) {
              const cash = amountOfAbs("USD", qty);
              out.push(
                type === "deposit"
                  ? { line, id, time, kind: "fiat_deposit", subtype, note, in: cash }
                  : { line, id, time, kind: "fiat_withdrawal", subtype, note, out: cash },
              );
              break;
            }
            out.push(
              type === "deposit"
                ? {
                    line,
                    id,
                    time,
                    kind,
                    subtype,
                    note,
                    in: amount(asset, qty),
                    address: addressIn(notes),
                    txHash: txHashIn(notes),
                    usdValue: subtotal,
                  }
                : {
                    line,
                    id,
                    time,
                    kind,
                    subtype,
                    note,
                    out: amount(asset, qty),
                    address: addressIn(notes),
                    txHash: txHashIn(notes),
                    usdValue: subtotal,
                  },
            );
            break;
          default:
            throw new UserInputError(`${r.where("Transaction Type")}: unhandled '${typeText}'`);
        }
      } catch (e) {
        problems.take(e);
      }
    }
    problems.throwIfAny();
    return out;
  },
};
