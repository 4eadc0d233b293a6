/**
 * Test support: rp2's U.S. golden cases (../shared/fixtures/rp2) converted to ledger CSV v1 by
 * the rules of ../shared/fixtures/README.md.
 *
 * - IN BUY/GIFT/DONATE → `buy`; other IN types → `income` (subtype = the rp2 type);
 *   OUT SELL → `sell`; OUT FEE → `fee`; OUT GIFT/DONATE → `gift`; INTRA → `transfer` whose fee is
 *   `crypto_amount − crypto_received` worth that × `spot_price`; a `crypto_fee` is paid in the row's
 *   own asset. OUT STAKING (rp2's "negative staking") is not in the rules: it becomes a `spend`,
 *   and rp2 files it under category "Staking", so the comparison leaves it out like rp2 does.
 * - rp2 defaults: `fiat_in_no_fee` = amount × spot, a crypto fee's fiat value = fee × spot;
 *   `fiat_in_with_fee` must equal `fiat_in_no_fee + fiat_fee` (it does in every fixture).
 * - Order: rp2 lets a taxable event use every lot whose timestamp is not later than the event, and
 *   processes taxable events of equal timestamps IN, then OUT, then INTRA. Rows are written by
 *   (instant, IN < OUT < INTRA, sheet row) so the ledger's "equal times keep file order" agrees.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { formatScaled, fractionDigits, toScaled } from "../ledger/decimal.ts";
import { parseInstant } from "../ledger/instant.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { parseCsv } from "../utils/csv.ts";
import { divRoundHalfUp, formatCents } from "./money.ts";
import type { Form8949Row, Method } from "./types.ts";

/** rp2's golden cases, copied unchanged from shared/fixtures/rp2 (see test/fixtures/README.md). */
export const RP2_DIR = path.resolve(import.meta.dirname, "../../test/fixtures/rp2");

const readCsvObjects = (file: string): Record<string, string>[] => {
  const [header, ...records] = parseCsv(readFileSync(file, "utf8"));
  return records.map((r) => Object.fromEntries(header!.cells.map((h, i) => [h, r.cells[i] ?? ""])));
};

export type Rp2Case = {
  name: string;
  input: string;
  method: string;
  /** rp2's `-f` / `-t`: the report lists taxable events dated in [from, to]; lots use all rows. */
  fromDate: string | undefined;
  toDate: string | undefined;
};

export const readRp2Cases = (): Rp2Case[] =>
  readCsvObjects(path.join(RP2_DIR, "cases.csv")).map((c) => ({
    name: c.case!,
    input: c.input!,
    method: c.method!,
    fromDate: c.from_date || undefined,
    toDate: c.to_date || undefined,
  }));

const mul = (a: string, b: string): string => {
  const fa = fractionDigits(a);
  const fb = fractionDigits(b);
  return formatScaled(toScaled(a, fa) * toScaled(b, fb), fa + fb);
};

const sub = (a: string, b: string): string => {
  const f = Math.max(fractionDigits(a), fractionDigits(b));
  return formatScaled(toScaled(a, f) - toScaled(b, f), f);
};

const add = (a: string, b: string): string => {
  const f = Math.max(fractionDigits(a), fractionDigits(b));
  return formatScaled(toScaled(a, f) + toScaled(b, f), f);
};

const nonZero = (v: string | undefined): v is string => v !== undefined && v !== "" && /[1-9]/.test(v);

/** rp2 timestamps (`2020-01-01 00:00:00 +0000`, `2020-01-01T03:41-0700`, …) as ISO 8601. */
export const rp2Time = (ts: string): string =>
  ts.replace(/^(\d{4}-\d{2}-\d{2}) /, "$1T").replace(/ ([+-]\d)/, "$1");

const TABLE_RANK: Record<string, number> = { IN: 0, OUT: 1, INTRA: 2 };

/** rp2 report category of each disposal id the conversion produces. */
export type Rp2Conversion = { rows: LedgerRow[]; categoryOf: Map<string, string> };

/** Converts one rp2 input (`ledger/<input>.csv`) to ledger rows. */
export const convertRp2Input = (input: string): Rp2Conversion => {
  const records = readCsvObjects(path.join(RP2_DIR, "ledger", `${input}.csv`)).map((r) => {
    const time = rp2Time(r.timestamp!);
    const t = parseInstant(time);
    if (!t) throw new Error(`rp2 timestamp not converted: ${r.timestamp}`);
    return { r, time, t };
  });
  records.sort(
    (a, b) =>
      a.t.ms - b.t.ms ||
      a.t.ns - b.t.ns ||
      TABLE_RANK[a.r.table!]! - TABLE_RANK[b.r.table!]! ||
      Number(a.r.sheet_row) - Number(b.r.sheet_row),
  );
  const rows: LedgerRow[] = [];
  const categoryOf = new Map<string, string>();
  for (const { r, time } of records) {
    const id = `${r.asset_sheet}-${r.sheet_row}`;
    const wallet = `${r.exchange}/${r.holder}`;
    const asset = r.asset!;
    const spot = r.spot_price || "0";
    const amount = r.crypto_amount!;
    const base = { id, time, wallet, note: `${r.table} ${r.type} row ${r.sheet_row}` };
    if (r.table === "IN") {
      const usdValue = r.fiat_in_no_fee || mul(amount, spot);
      let fee: Partial<LedgerRow> = {};
      if (nonZero(r.crypto_fee)) {
        if (r.fiat_fee) throw new Error(`${id}: both crypto_fee and fiat_fee`);
        fee = { feeAsset: asset, feeQuantity: r.crypto_fee, feeUsd: mul(r.crypto_fee, spot) };
      } else if (nonZero(r.fiat_fee)) {
        fee = { feeAsset: "USD", feeUsd: r.fiat_fee };
      }
      if (r.fiat_in_with_fee && r.fiat_in_with_fee !== add(usdValue, fee.feeUsd ?? "0")) {
        const a = toScaled(r.fiat_in_with_fee, 20);
        const b = toScaled(add(usdValue, fee.feeUsd ?? "0"), 20);
        if (a !== b) throw new Error(`${id}: fiat_in_with_fee ≠ fiat_in_no_fee + fee`);
      }
      const isBuy = r.type === "BUY" || r.type === "GIFT" || r.type === "DONATE";
      rows.push({
        ...base,
        type: isBuy ? "buy" : "income",
        inAsset: asset,
        inQuantity: amount,
        usdValue,
        ...fee,
        ...(isBuy ? {} : { subtype: r.type!.toLowerCase() }),
      });
      continue;
    }
    if (r.table === "OUT") {
      if (r.crypto_out_with_fee || nonZero(r.fiat_fee)) throw new Error(`${id}: unsupported OUT columns`);
      const fee: Partial<LedgerRow> = nonZero(r.crypto_fee)
        ? { feeAsset: asset, feeQuantity: r.crypto_fee, feeUsd: mul(r.crypto_fee, spot) }
        : {};
      const usdValue = r.fiat_out_no_fee || mul(amount, spot);
      switch (r.type) {
        case "SELL":
        case "STAKING":
          rows.push({
            ...base,
            type: r.type === "SELL" ? "sell" : "spend",
            outAsset: asset,
            outQuantity: amount,
            usdValue,
            ...fee,
          });
          categoryOf.set(id, r.type === "SELL" ? "Capital Gains" : "Staking");
          break;
        case "FEE":
          rows.push({ ...base, type: "fee", ...fee });
          categoryOf.set(id, "Investment Expenses");
          break;
        case "GIFT":
        case "DONATE":
          // rp2 folds a gift's crypto fee into the gift; the ledger would dispose of it apart.
          if (fee.feeQuantity)
            throw new Error(`${id}: gift with a crypto fee is not representable identically`);
          rows.push({ ...base, type: "gift", outAsset: asset, outQuantity: amount, usdValue });
          break;
        default:
          throw new Error(`${id}: unknown OUT type ${r.type}`);
      }
      continue;
    }
    // INTRA
    const received = r.crypto_received!;
    const feeQuantity = sub(amount, received);
    const fee: Partial<LedgerRow> = nonZero(feeQuantity)
      ? { feeAsset: asset, feeQuantity, feeUsd: mul(feeQuantity, spot) }
      : {};
    if (nonZero(received)) {
      rows.push({
        ...base,
        type: "transfer",
        outAsset: asset,
        outQuantity: received,
        toWallet: `${r.to_exchange}/${r.to_holder}`,
        ...fee,
      });
      if (fee.feeQuantity) categoryOf.set(`${id}:fee`, "Investment Expenses");
    } else if (fee.feeQuantity) {
      rows.push({ ...base, type: "fee", ...fee });
      categoryOf.set(id, "Investment Expenses");
    }
  }
  // A crypto fee on an IN row is disposed of as `<id>:fee`: rp2's artificial "OUT / FEE".
  for (const row of rows)
    if (row.feeQuantity && row.type !== "fee") categoryOf.set(`${row.id}:fee`, "Investment Expenses");
  return { rows, categoryOf };
};

/** One compared row: category, dates, quantity and amounts to the cent, term. */
export type ComparableRow = {
  category: string;
  asset: string;
  dateSold: string;
  dateAcquired: string;
  quantity: string;
  proceeds: string;
  costBasis: string;
  term: string;
};

export const CAPITAL_CATEGORIES = new Set(["Capital Gains", "Investment Expenses"]);

const usDate = (d: string): string => {
  const [m, day, y] = d.split("/");
  return `${y}-${m}-${day}`;
};

/** rp2 prints full-precision decimals (`9.090909090909092`): round them half-up to cents. */
const rp2Cents = (v: string): string => {
  const neg = v.startsWith("-");
  const abs = neg ? v.slice(1) : v;
  const f = fractionDigits(abs);
  const c =
    divRoundHalfUp(toScaled(abs, f), 10n ** BigInt(Math.max(0, f - 2))) * (f < 2 ? 10n ** BigInt(2 - f) : 1n);
  return formatCents(neg ? -c : c);
};

const normalizeQuantity = (q: string): string =>
  formatScaled(toScaled(q, fractionDigits(q)), fractionDigits(q));

/** rp2's capital rows (Capital Gains, Investment Expenses) of one case. */
export const readRp2Expected = (caseName: string): ComparableRow[] =>
  readCsvObjects(path.join(RP2_DIR, "expected", `${caseName}__8949.csv`))
    .filter((r) => CAPITAL_CATEGORIES.has(r.category!))
    .map((r) => ({
      category: r.category!,
      asset: r.asset!,
      dateSold: usDate(r.date_sold!),
      dateAcquired: usDate(r.date_acquired!),
      quantity: normalizeQuantity(r.amount!),
      proceeds: rp2Cents(r.proceeds!),
      costBasis: rp2Cents(r.cost_basis!),
      term: r.term!.toLowerCase(),
    }));

/** Our Form 8949 rows in the same shape, keeping the categories rp2 counts as capital. */
export const comparableRows = (
  rows: readonly Form8949Row[],
  categoryOf: ReadonlyMap<string, string>,
  range: { from?: string | undefined; to?: string | undefined } = {},
): ComparableRow[] =>
  rows
    .filter(
      (r) =>
        (range.from === undefined || r.dateSold >= range.from) &&
        (range.to === undefined || r.dateSold <= range.to),
    )
    .map((r) => ({
      category: categoryOf.get(r.disposalId) ?? "(unknown)",
      asset: r.asset,
      dateSold: r.dateSold,
      dateAcquired: r.dateAcquired,
      quantity: r.quantity,
      proceeds: formatCents(r.proceeds),
      costBasis: formatCents(r.costBasis),
      term: r.term,
    }))
    .filter((r) => CAPITAL_CATEGORIES.has(r.category));

/** Sorted copy for order-insensitive comparison. */
export const sortRows = (rows: readonly ComparableRow[]): ComparableRow[] =>
  [...rows].sort((a, b) => {
    const x = JSON.stringify(a);
    const y = JSON.stringify(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });

export const isSpecMethod = (m: string): m is Method => m === "fifo" || m === "lifo" || m === "hifo";

/** The calendar years the rows span (to run every year in one go). */
export const yearsOf = (rows: readonly LedgerRow[]): { fromYear: number; toYear: number } => {
  const years = rows.map((r) => new Date(parseInstant(r.time)!.ms).getUTCFullYear());
  return { fromYear: Math.min(...years), toYear: Math.max(...years) };
};
