import { UserInputError } from "../../errors.ts";
import { parseAmount } from "../amount.ts";
import {
  absPlain,
  addressIn,
  amountOf,
  assetCode,
  digestIds,
  isUsd,
  required,
  signed,
  txHashIn,
} from "../common.ts";
import { hasColumns, rowsOf } from "../table.ts";
import { parseTime } from "../time.ts";
import type { ImportFormat, ImportKind, ImportRecord } from "../types.ts";
import { coinbaseAsset, REBATE_TYPES, rebateReview } from "./rebates.ts";

/**
 * Coinbase "Transaction history" CSV (Reports → Generate report → CSV). A few preamble lines
 * ("Transactions", "User,<name>,<id>") come before the header
 * `ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,
 * Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes`; older exports have
 * no `ID` and say `Spot Price Currency`/`Spot Price at Transaction`. Money cells carry `$` and
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

export const coinbase: ImportFormat = {
  name: "coinbase",
  label: "Coinbase transaction history CSV",
  looksLike: "a Coinbase transaction history export",
  family: "coinbase",
  isHeader: (cells) =>
    hasColumns(cells, ["Timestamp", "Transaction Type", "Asset", "Quantity Transacted", "Subtotal"]),
  parse: (table) => {
    const out: ImportRecord[] = [];
    const digest = digestIds();
    const priceCurrencyColumn = table.header.some((h) => h.toLowerCase() === "price currency")
      ? "Price Currency"
      : "Spot Price Currency";
    for (const r of rowsOf(table)) {
      const typeText = r.get("Transaction Type");
      const type = TYPES[typeText.toLowerCase()];
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
      const currency = r.get(priceCurrencyColumn) || "USD";
      if (!isUsd(currency))
        r.fail(
          priceCurrencyColumn,
          `'${currency}': only exports in USD are supported (set Coinbase's currency to USD)`,
        );
      const qty = required(r, "Quantity Transacted");
      const subtotal = absPlain(signed(r, "Subtotal"));
      const fee = absPlain(signed(r, "Fees and/or Spread"));
      const notes = r.get("Notes");
      const id = r.get("ID") || digest(r.cells);
      const base: ImportRecord = {
        line: r.line,
        id,
        time: parseTime(r.get("Timestamp"), r.where("Timestamp")),
        kind: type as ImportKind,
        subtype: SUBTYPES[typeText.toLowerCase()],
        note: notes || undefined,
      };
      const usdFee = fee && fee !== "0" ? { fee: { asset: "USD", quantity: fee }, feeUsd: fee } : {};
      const fiat = isUsd(asset);
      switch (type) {
        case "buy":
        case "sell": {
          if (!subtotal) r.fail("Subtotal", "empty (a buy or sell needs its USD value)");
          const market = /\bon ([A-Z0-9]+)-([A-Z0-9]+)\b/.exec(notes);
          const quote = market?.[2];
          if (quote && !isUsd(quote)) {
            // An Advanced Trade on a crypto-quoted market (ETH-USDC): a trade against the quote asset.
            const m = /\bfor ([\d,.]+(?:[eE][-+]?\d+)?) ([A-Z0-9]+)/.exec(notes);
            if (!m) r.fail("Notes", `no 'for <amount> ${quote}' to read the ${quote} side of the trade from`);
            const quoteQty = absPlain(parseAmount(m![1]!, r.where("Notes"))!.value)!;
            const side = { asset: assetCode(quote), quantity: quoteQty };
            const mine = amountOf(asset, qty)!;
            out.push({
              ...base,
              kind: "trade",
              out: type === "buy" ? side : mine,
              in: type === "buy" ? mine : side,
              usdValue: subtotal,
              ...usdFee,
            });
            break;
          }
          const usd = { asset: "USD", quantity: subtotal! };
          out.push({
            ...base,
            out: type === "buy" ? usd : amountOf(asset, qty),
            in: type === "buy" ? amountOf(asset, qty) : usd,
            usdValue: subtotal,
            ...usdFee,
          });
          break;
        }
        case "trade": {
          // "Converted 0.5 ETH to 1,512.30 USDC"
          const m = /Converted ([\d,.]+(?:[eE][-+]?\d+)?) (\S+) to ([\d,.]+(?:[eE][-+]?\d+)?) (\S+)/i.exec(
            notes,
          );
          if (!m) r.fail("Notes", "a Convert row needs 'Converted <amount> <asset> to <amount> <asset>'");
          const toQty = parseAmount(m![3]!, r.where("Notes"))!.value;
          out.push({
            ...base,
            out: amountOf(asset, qty),
            in: amountOf(m![4]!, toQty),
            usdValue: subtotal,
            ...usdFee,
          });
          break;
        }
        case "income":
          out.push({
            ...base,
            in: amountOf(asset, qty),
            usdValue: subtotal,
            ...(REBATE_TYPES[typeText.toLowerCase()] ? { review: rebateReview(typeText) } : {}),
          });
          break;
        case "withdrawal":
        case "deposit":
          if (fiat) {
            out.push({
              ...base,
              kind: type === "deposit" ? "fiat_deposit" : "fiat_withdrawal",
              [type === "deposit" ? "in" : "out"]: amountOf("USD", qty),
            });
            break;
          }
          out.push({
            ...base,
            [type === "deposit" ? "in" : "out"]: amountOf(asset, qty),
            address: addressIn(notes),
            txHash: txHashIn(notes),
            usdValue: subtotal,
          });
          break;
        default:
          throw new UserInputError(`${r.where("Transaction Type")}: unhandled '${typeText}'`);
      }
    }
    return out;
  },
};
