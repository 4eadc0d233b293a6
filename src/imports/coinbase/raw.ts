import { UserInputError } from "../../errors.ts";
import { type Decimal, plain } from "../../utils/decimal.ts";
import { amountOf, assetCode, isUsd, signed } from "../common.ts";
import { hasColumns, type RowReader, rowProblems, rowsOf } from "../table.ts";
import { parseTime } from "../time.ts";
import type { Amount, CsvTable, ImportFormat, ImportKind, ImportRecord } from "../types.ts";
import { coinbaseAsset, REBATE_TYPES, rebateReview } from "./rebates.ts";

/**
 * Coinbase "Raw transaction report" CSV (Taxes → Documents → Custom reports → Raw transaction
 * report; files named like `Coinbase-…-CB-RAWTX_….csv`). One header line, no preamble:
 * `Transaction ID,Transaction Type,Date & time,Asset Acquired,Quantity Acquired (Bought, Received, etc),
 * Cost Basis (incl. fees and/or spread) (USD),Data Source,Asset Disposed (Sold, Sent, etc),
 * Quantity Disposed,Proceeds (excl. fees and/or spread) (USD)`. Older reports say
 * `Cost Basis (incl. fees paid) (USD)` and `Proceeds (excl. fees paid) (USD)`; the `(USD)` is the
 * report's fiat currency.
 *
 * Its quirks, each handled below:
 * - a row fills either the acquired side or the disposed side (an old single-row `Convert` fills
 *   both); there is no fee column: the cost basis includes fees and spread, the proceeds exclude them;
 * - `Data Source` `Coinbase` means Coinbase knows the cost basis; `Not available` (or empty) means it
 *   does not, and the `0` written in `Cost Basis` then is no value at all (coins received from outside);
 * - a conversion is two rows with their own ids, `Converted from` (the disposal, with its proceeds)
 *   and `Converted to` (the acquisition, with its cost basis), not always at the same second;
 * - `Advanced trade trade` rows are one side of an Advanced Trade fill each (acquired: a buy at its
 *   cost basis; disposed: a sale for its proceeds), and several fills of one order may repeat an id;
 * - USD values are the exporter's binary floats printed in full (`838.0499999999999992456`,
 *   `4.6500000000000004`): a double holds 15 significant decimal digits, so each USD cell is read
 *   to 15 significant digits (`838.05`, `4.65`; `0.032737` stays `0.032737`), never through a float;
 * - times are ISO UTC (`2025-01-10T15:30:00Z`, sometimes with milliseconds).
 */
type Rule = {
  /** What the row is; `side-*`: by the side it fills (acquired: a buy or deposit; disposed: a sale or withdrawal). */
  kind: ImportKind | "side-trade" | "side-transfer" | "skip";
  subtype?: string;
};

const TYPES: Record<string, Rule> = {
  buy: { kind: "buy" },
  sell: { kind: "sell" },
  "advanced trade trade": { kind: "side-trade", subtype: "advanced_trade" },
  "advanced trade buy": { kind: "buy", subtype: "advanced_trade" },
  "advanced trade sell": { kind: "sell", subtype: "advanced_trade" },
  "converted from": { kind: "sell", subtype: "convert" },
  "converted to": { kind: "buy", subtype: "convert" },
  convert: { kind: "trade", subtype: "convert" },
  send: { kind: "withdrawal" },
  withdrawal: { kind: "withdrawal" },
  receive: { kind: "deposit" },
  deposit: { kind: "deposit" },
  incoming: { kind: "deposit" },
  transfer: { kind: "side-transfer" },
  reward: { kind: "income", subtype: "reward" },
  rewards: { kind: "income", subtype: "reward" },
  "rewards income": { kind: "income", subtype: "reward" },
  "staking income": { kind: "income", subtype: "staking" },
  "inflation reward": { kind: "income", subtype: "staking" },
  "learning reward": { kind: "income", subtype: "reward" },
  "coinbase earn": { kind: "income", subtype: "reward" },
  interest: { kind: "income", subtype: "interest" },
  airdrop: { kind: "income", subtype: "airdrop" },
  fork: { kind: "income", subtype: "fork" },
  ...Object.fromEntries(
    Object.entries(REBATE_TYPES).map(([t, subtype]) => [t, { kind: "income" as const, subtype }]),
  ),
  spend: { kind: "spend" },
  // Coins moved into or out of Coinbase's staking: still the account's, nothing to book.
  stake: { kind: "skip" },
  unstake: { kind: "skip" },
};

const COLUMNS = {
  id: "Transaction ID",
  type: "Transaction Type",
  time: "Date & time",
  acqAsset: "Asset Acquired",
  acqQty: "Quantity Acquired (Bought, Received, etc)",
  source: "Data Source",
  dispAsset: "Asset Disposed (Sold, Sent, etc)",
  dispQty: "Quantity Disposed",
} as const;

/** The `Cost Basis (…) (USD)` and `Proceeds (…) (USD)` column names as this report writes them. */
const moneyColumns = (table: CsvTable) => {
  const find = (prefix: string) => {
    const name = table.header.find((h) => h.toLowerCase().startsWith(prefix.toLowerCase()));
    if (!name) throw new UserInputError(`${table.file}:${table.headerLine}: header: no '${prefix}…' column`);
    const currency = /\(([A-Za-z]{3,5})\)\s*$/.exec(name)?.[1];
    if (!currency || !isUsd(currency))
      throw new UserInputError(
        `${table.file}:${table.headerLine}: ${name}: '${currency ?? "no currency"}': only reports in USD are supported (set Coinbase's currency to USD)`,
      );
    return name;
  };
  return { cost: find("Cost Basis ("), proceeds: find("Proceeds (") };
};

export const coinbaseRaw: ImportFormat = {
  name: "coinbase-raw",
  label: "Coinbase raw transaction report CSV",
  looksLike: "a Coinbase raw transaction report",
  family: "coinbase",
  variantOf: "coinbase",
  isHeader: (cells) =>
    hasColumns(cells, [
      COLUMNS.id,
      COLUMNS.type,
      COLUMNS.time,
      COLUMNS.acqAsset,
      COLUMNS.acqQty,
      COLUMNS.dispAsset,
      COLUMNS.dispQty,
    ]) && cells.some((c) => /^\s*proceeds \(/i.test(c)),
  parse: (table) => {
    const money = moneyColumns(table);
    const out: ImportRecord[] = [];
    const seenIds = new Map<string, number>();
    const problems = rowProblems(table.file);
    for (const r of rowsOf(table)) {
      try {
        const typeText = r.get(COLUMNS.type);
        const rule = TYPES[typeText.toLowerCase()];
        if (!rule)
          r.fail(
            COLUMNS.type,
            `unknown type '${typeText}' (known: ${Object.keys(TYPES)
              .map((t) => t.replace(/^\w/, (c) => c.toUpperCase()))
              .join(", ")})`,
          );
        const rawId = r.get(COLUMNS.id);
        if (!rawId) r.fail(COLUMNS.id, "empty (every row of this report has Coinbase's id)");
        // Several fills of one Advanced Trade order may share an id: the 2nd, 3rd … get `#2`, `#3`.
        const n = (seenIds.get(rawId) ?? 0) + 1;
        seenIds.set(rawId, n);
        const id = n === 1 ? rawId : `${rawId}#${n}`;
        const time = parseTime(r.get(COLUMNS.time), r.where(COLUMNS.time));
        const acq = side(r, COLUMNS.acqAsset, COLUMNS.acqQty);
        const disp = side(r, COLUMNS.dispAsset, COLUMNS.dispQty);
        const source = r.get(COLUMNS.source);
        // The cost basis is a value only where Coinbase says it knows it.
        const basisKnown = /^coinbase\b/i.test(source);
        const cost = usd(r, money.cost);
        const proceeds = usd(r, money.proceeds);
        const base = { line: r.line, id, time, subtype: rule!.subtype };
        const need = (s: Amount | undefined, column: string, what: string): Amount => {
          if (!s) r.fail(column, `empty (a ${typeText} row ${what})`);
          return s!;
        };
        let kind = rule!.kind;
        if (kind === "skip") continue;
        if (kind === "side-trade" || kind === "side-transfer") {
          if (acq && disp)
            r.fail(
              COLUMNS.dispAsset,
              `a ${typeText} row fills one side, this one both (${acq.asset}, ${disp.asset})`,
            );
          if (!acq && !disp) r.fail(COLUMNS.acqAsset, `empty, and so is ${COLUMNS.dispAsset}`);
          kind = kind === "side-trade" ? (acq ? "buy" : "sell") : acq ? "deposit" : "withdrawal";
        }
        switch (kind) {
          case "buy": {
            const got = need(acq, COLUMNS.acqAsset, "acquires an asset");
            if (!cost || !basisKnown)
              r.fail(
                money.cost,
                `${cost ? `'${r.get(money.cost)}' with Data Source '${source}'` : "empty"} (a ${typeText} needs the USD it cost)`,
              );
            out.push({
              ...base,
              kind: "buy",
              out: { asset: "USD", quantity: cost! },
              in: got,
              usdValue: cost,
              note: `${typeText}: cost basis includes Coinbase's fees and spread`,
            });
            break;
          }
          case "sell":
          case "spend": {
            const gave = need(disp, COLUMNS.dispAsset, "disposes of an asset");
            if (!proceeds) r.fail(money.proceeds, `empty (a ${typeText} needs its USD proceeds)`);
            out.push({
              ...base,
              kind,
              out: gave,
              ...(kind === "sell" ? { in: { asset: "USD", quantity: proceeds! } } : {}),
              usdValue: proceeds,
              note: `${typeText}: proceeds net of Coinbase's fees and spread`,
            });
            break;
          }
          case "trade": {
            // An old single-row Convert: both sides, valued by the disposal's proceeds.
            const gave = need(disp, COLUMNS.dispAsset, "disposes of an asset");
            const got = need(acq, COLUMNS.acqAsset, "acquires an asset");
            out.push({
              ...base,
              kind: "trade",
              out: gave,
              in: got,
              usdValue: proceeds ?? (basisKnown ? cost : undefined),
            });
            break;
          }
          case "income": {
            const got = need(acq, COLUMNS.acqAsset, "receives an asset");
            // Coinbase's cost basis of a reward is its value when received; unknown → priced like chain rows.
            out.push({
              ...base,
              kind: "income",
              in: got,
              usdValue: basisKnown && cost && cost !== "0" ? cost : undefined,
              ...(REBATE_TYPES[typeText.toLowerCase()] ? { review: rebateReview(typeText) } : {}),
            });
            break;
          }
          case "deposit":
          case "withdrawal": {
            const isIn = kind === "deposit";
            const moved = isIn
              ? need(acq, COLUMNS.acqAsset, "receives an asset")
              : need(disp, COLUMNS.dispAsset, "sends an asset");
            if (moved.asset === "USD") {
              out.push({
                ...base,
                kind: isIn ? "fiat_deposit" : "fiat_withdrawal",
                [isIn ? "in" : "out"]: moved,
              });
              break;
            }
            out.push({
              ...base,
              kind,
              [isIn ? "in" : "out"]: moved,
              note:
                isIn && !basisKnown
                  ? `${typeText}: Coinbase has no cost basis for it (Data Source '${source || "empty"}')`
                  : undefined,
            });
            break;
          }
          default:
            throw new UserInputError(`${r.where(COLUMNS.type)}: unhandled '${typeText}'`);
        }
      } catch (e) {
        problems.take(e);
      }
    }
    problems.throwIfAny();
    return out;
  },
};

/** One side (asset and quantity) of a row, or undefined when both cells are empty. */
const side = (r: RowReader, assetColumn: string, qtyColumn: string): Amount | undefined => {
  const asset = r.get(assetColumn);
  const q: Decimal | undefined = signed(r, qtyColumn);
  if (!asset && (q === undefined || q.isZero())) return undefined;
  if (!asset) r.fail(assetColumn, `empty, but ${qtyColumn} is ${r.get(qtyColumn)}`);
  if (q === undefined || q.isZero())
    r.fail(qtyColumn, `${q === undefined ? "empty" : "zero"}, but ${assetColumn} is ${asset}`);
  return amountOf(assetCode(coinbaseAsset(asset)), q)!;
};

/** A USD cell to 15 significant digits (what the exporter's double holds), absolute, or undefined. */
const usd = (r: RowReader, column: string): string | undefined => {
  const v = signed(r, column, "USD");
  return v === undefined ? undefined : plain(v.abs().toSignificantDigits(15));
};
