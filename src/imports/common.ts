import { createHash } from "node:crypto";
import { Decimal, plain } from "../utils/decimal.ts";
import { type ParsedAmount, parseAmount, simpleAbsAmount } from "./amount.ts";
import type { RowReader } from "./table.ts";
import type { Amount, ImportKind } from "./types.ts";

/** Fiat codes lotwise takes as USD cash (a U.S. taxpayer's exports). */
export const isUsd = (code: string): boolean => /^(USD|ZUSD|US\$|\$)$/i.test(code.trim());

/** An asset code as the ledger names it: upper-case, `USD` for U.S. dollars. */
export const assetCode = (code: string): string => (isUsd(code) ? "USD" : code.trim().toUpperCase());

/**
 * The value of `a`, read from `column`'s `text`; fails when the text names a currency (a symbol
 * or a code) other than `unit`, the currency the column is in (`€280` or `0.5 ETH` in a USD
 * column is never read as dollars). Without `unit` any currency written passes.
 */
const inUnit = (
  r: RowReader,
  column: string,
  text: string,
  a: ParsedAmount | undefined,
  unit: string | undefined,
): Decimal | undefined => {
  if (a?.unit !== undefined && unit && assetCode(a.unit) !== assetCode(unit))
    r.fail(column, `'${text}' is in ${a.unit}, but the column is in ${assetCode(unit)}`);
  return a?.value;
};

/** A signed amount cell (`column`), or undefined when empty; `unit`: the column's currency, if known. */
export const signed = (r: RowReader, column: string, unit?: string): Decimal | undefined => {
  const text = r.get(column);
  return inUnit(r, column, text, parseAmount(text, r.where(column)), unit);
};

/** A required amount cell; fails when empty. `unit`: the column's currency, if known. */
export const required = (r: RowReader, column: string, unit?: string): Decimal => {
  const v = signed(r, column, unit);
  if (v === undefined) r.fail(column, "empty (an amount is needed)");
  return v!;
};

/** An amount of `asset` (absolute value), undefined for an empty cell or zero. */
export const amountOf = (asset: string, q: Decimal | undefined): Amount | undefined =>
  q === undefined || q.isZero() ? undefined : { asset: assetCode(asset), quantity: plain(q.abs()) };

/**
 * An amount cell's absolute value as a plain decimal string (`"0"` for zero; what `absPlain` of
 * `signed` gives), or undefined when empty: the simple forms read from the text, the others by
 * `parseAmount` (and its errors).
 */
export const absCell = (r: RowReader, column: string, unit?: string): string | undefined =>
  absText(r, column, r.get(column), unit);

/** `absCell` of a cell that must not be empty (`required`'s error). */
export const requiredAbs = (r: RowReader, column: string, unit?: string): string => {
  const v = absCell(r, column, unit);
  if (v === undefined) r.fail(column, "empty (an amount is needed)");
  return v!;
};

/** An amount text's absolute value as `absCell` reads it; `column` names it in errors. */
export const absText = (r: RowReader, column: string, text: string, unit?: string): string | undefined => {
  // The simple forms name no currency but `$` (USD): those are read here unless `unit` is another.
  const v = !unit || isUsd(unit) || !text.includes("$") ? simpleAbsAmount(text) : null;
  return v !== null ? v : absPlain(inUnit(r, column, text, parseAmount(text, r.where(column)), unit));
};

/** `amountOf` of an absolute plain quantity (`absCell`): undefined for none or zero. */
export const amountOfAbs = (asset: string, abs: string | undefined): Amount | undefined =>
  abs === undefined || abs === "0" ? undefined : { asset: assetCode(asset), quantity: abs };

/** Absolute plain string, or undefined. */
export const absPlain = (q: Decimal | undefined): string | undefined =>
  q === undefined ? undefined : plain(q.abs());

/** The start of a digest id (`digestIds`). */
export const DIGEST_ID = "row-";

/** Whether a stored id is a digest id: `row-…`, or `row:…` as imports before it wrote them. */
export const isDigestId = (id: string): boolean => id.startsWith(DIGEST_ID) || id.startsWith("row:");

/**
 * An id for a row of a format without ids: `row-` and a digest of its cells plus how many
 * identical rows came before it in the file (two identical rows stay two rows). No `:` in it: a
 * row is named `import:<account>:<id>` and such names are split at their last `:`.
 */
export const digestIds = () => {
  const seen = new Map<string, number>();
  return (cells: readonly string[]): string => {
    const d = createHash("sha256").update(cells.join("\u001f")).digest("hex").slice(0, 24);
    const n = seen.get(d) ?? 0;
    seen.set(d, n + 1);
    return `${DIGEST_ID}${d}${n ? `-${n}` : ""}`;
  };
};

export const ZERO = new Decimal(0);

/** An EVM (`0x` + 40 hex) or base58 (Solana, Bitcoin) address in free text such as a Notes cell. */
export const addressIn = (text: string): string | undefined =>
  /\b(0x[0-9a-fA-F]{40})\b/.exec(text)?.[1] ?? /\b([1-9A-HJ-NP-Za-km-z]{32,44})\b/.exec(text)?.[1];

/** A transaction hash in free text (`0x` + 64 hex). */
export const txHashIn = (text: string): string | undefined => /\b(0x[0-9a-fA-F]{64})\b/.exec(text)?.[1];

/**
 * The kind of a tax tool's row (Koinly, CoinTracker) from what it sent (`o`), received (`i`) and
 * paid as a fee (`f`): both sides a trade (a buy or sell when one side is USD); one side a fiat
 * deposit or withdrawal when in USD, else income or a spend when the row's label says so
 * (`income`, `spend`), else a deposit or withdrawal to be matched; a fee alone a fee. Fails on
 * `column` when the row moves nothing.
 */
export const toolRowKind = (
  r: RowReader,
  column: string,
  moved: { o: Amount | undefined; i: Amount | undefined; f: Amount | undefined },
  label: { income: boolean; spend: boolean },
): ImportKind => {
  const { o, i, f } = moved;
  if (o && i) return o.asset === "USD" ? "buy" : i.asset === "USD" ? "sell" : "trade";
  if (i) return i.asset === "USD" ? "fiat_deposit" : label.income ? "income" : "deposit";
  if (o) return o.asset === "USD" ? "fiat_withdrawal" : label.spend ? "spend" : "withdrawal";
  if (f) return "fee";
  return r.fail(column, "no Sent, Received or Fee amount");
};
