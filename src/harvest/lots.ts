/**
 * Open lots valued at a price, and the Form 8949 rows a sale of some of them would make —
 * computed exactly as the engine computes them when the sale row is appended to the ledger:
 * proceeds = quantity × price rounded half-up to cents (the row's `usd_value`), split over the
 * lots taken as proceeds × units ÷ quantity (one lot: all of it), basis = the lot's basis × units
 * ÷ its quantity, each rounded half-up to cents, term by the holding-period rule.
 */
import { fractionDigits, pow10, toScaled } from "../ledger/decimal.ts";
import { civilFromDays } from "../ledger/instant.ts";
import { addOneYear, isLongTerm } from "../tax/dates.ts";
import { divRoundHalfUp, formatCents } from "../tax/money.ts";
import type { Cents, OpenLot, Term } from "../tax/types.ts";
import { dayOf } from "../tax/wash.ts";

/** A USD price per whole unit as an exact fraction: `numerator / 10^scale`. */
export type ExactPrice = { numerator: bigint; scale: number };

export const exactPrice = (usd: string): ExactPrice => {
  const scale = fractionDigits(usd);
  return { numerator: toScaled(usd, scale), scale };
};

/** `units` (10^-quantityScale) × price, rounded half-up to cents. */
export const valueCents = (price: ExactPrice, units: bigint, quantityScale: number): Cents =>
  divRoundHalfUp(price.numerator * units * 100n, pow10(price.scale + quantityScale));

/** Basis of `units` of an open lot, rounded half-up to cents (the engine's rule). */
export const basisCents = (lot: OpenLot, units: bigint): Cents =>
  divRoundHalfUp(lot.exact.lotBasis * units, lot.exact.lotQuantity * pow10(lot.exact.usdScale - 2));

/** `yyyymmdd` of a `YYYY-MM-DD` date. */
export const dateNumber = (date: string): number => Number(date.replaceAll("-", ""));

/** `YYYY-MM-DD` of a `yyyymmdd` date. */
export const dateText = (d: number): string =>
  `${String(Math.floor(d / 10000)).padStart(4, "0")}-${String(Math.floor(d / 100) % 100).padStart(2, "0")}-${String(d % 100).padStart(2, "0")}`;

/** The first date a lot acquired on `acquired` (`yyyymmdd`) is long term when sold. */
export const longTermFrom = (acquired: number): number => {
  return civilFromDays(dayOf(addOneYear(acquired)) + 1);
};

/** USD per unit of an open lot's basis, rounded half-up to 8 decimals, as a plain decimal. */
export const unitBasisText = (lot: OpenLot): string => {
  const e = lot.exact;
  const scaled = divRoundHalfUp(e.lotBasis * pow10(e.quantityScale + 8), e.lotQuantity * pow10(e.usdScale));
  return formatUnits(scaled, 8);
};

/** An open lot with its price, value and holding period at the as-of date. */
export type ValuedLot = OpenLot & {
  /** USD per unit of basis, rounded to 8 decimals (display). */
  unitBasis: string;
  /** Undefined when the asset has no price: such a lot is unpriced, never valued at 0. */
  price: { usd: string; source: string; time: string } | undefined;
  /** Why there is no price (when `price` is undefined). */
  unpricedReason: string | undefined;
  value: Cents | undefined;
  /** value − cost basis: the gain or loss a sale of the whole lot at the price would realize. */
  unrealized: Cents | undefined;
  /** Term if sold on the as-of date. */
  term: Term;
  daysHeld: number;
  /** 0 when already long term. */
  daysToLongTerm: number;
  /** `YYYY-MM-DD`: the first date a sale is long term. */
  longTermOn: string;
  /** Set by the planner for a lot below cost: its candidate's rank and figures. */
  candidate: { rank: number; taxSaved: Cents; carryforwardAdded: Cents } | undefined;
  /** Set by the planner for a lot below cost: its place in the plan. */
  plan: { bucket: "this_year" | "carryforward"; taxSaved: Cents } | undefined;
};

export type PriceResult =
  | { ok: true; usd: string; source: string; time: string }
  | { ok: false; reason: string };

/** Holding-period facts of one acquisition date seen from the as-of date. */
type DateFacts = { term: Term; daysHeld: number; daysToLongTerm: number; longTermOn: string };

/** Values every open lot at its asset's price on `asOfDate` (`yyyymmdd`). */
export const valueLots = (
  lots: readonly OpenLot[],
  prices: ReadonlyMap<string, PriceResult>,
  asOfDate: number,
): ValuedLot[] => {
  const asOfDay = dayOf(asOfDate);
  const byAsset = new Map<
    string,
    { price: ValuedLot["price"]; exact: ExactPrice | undefined; reason: string | undefined }
  >();
  const byDate = new Map<string, DateFacts>();
  const out: ValuedLot[] = new Array(lots.length);
  for (let i = 0; i < lots.length; i++) {
    const lot = lots[i]!;
    let facts = byDate.get(lot.dateAcquired);
    if (facts === undefined) {
      const acquired = dateNumber(lot.dateAcquired);
      const from = longTermFrom(acquired);
      const long = isLongTerm(acquired, asOfDate);
      facts = {
        term: long ? "long" : "short",
        daysHeld: asOfDay - dayOf(acquired),
        daysToLongTerm: long ? 0 : dayOf(from) - asOfDay,
        longTermOn: dateText(from),
      };
      byDate.set(lot.dateAcquired, facts);
    }
    let p = byAsset.get(lot.asset);
    if (p === undefined) {
      const r = prices.get(lot.asset);
      p = r?.ok
        ? {
            price: { usd: r.usd, source: r.source, time: r.time },
            exact: exactPrice(r.usd),
            reason: undefined,
          }
        : {
            price: undefined,
            exact: undefined,
            reason: r?.ok === false ? r.reason : "no price was looked up",
          };
      byAsset.set(lot.asset, p);
    }
    const value =
      p.exact === undefined ? undefined : valueCents(p.exact, lot.exact.units, lot.exact.quantityScale);
    out[i] = {
      wallet: lot.wallet,
      asset: lot.asset,
      lotId: lot.lotId,
      acquiredIn: lot.acquiredIn,
      quantity: lot.quantity,
      acquired: lot.acquired,
      dateAcquired: lot.dateAcquired,
      costBasis: lot.costBasis,
      purchase: lot.purchase,
      washReplacement: lot.washReplacement,
      exact: lot.exact,
      unitBasis: unitBasisText(lot),
      price: p.price,
      unpricedReason: p.reason,
      value,
      unrealized: value === undefined ? undefined : value - lot.costBasis,
      term: facts.term,
      daysHeld: facts.daysHeld,
      daysToLongTerm: facts.daysToLongTerm,
      longTermOn: facts.longTermOn,
      candidate: undefined,
      plan: undefined,
    };
  }
  return out;
};

/** One Form 8949 row a planned sale would make. */
export type PlannedRow = {
  lotId: string;
  wallet: string;
  asset: string;
  /** Exact decimal quantity. */
  quantity: string;
  units: bigint;
  dateAcquired: string;
  proceeds: Cents;
  costBasis: Cents;
  /** Form 8949 column (f): empty, or `W` when the wash-sale simulation disallowed part of the loss. */
  adjustmentCode: string;
  /** Column (g), positive for a disallowed loss; `undefined` when no adjustment applies. */
  adjustment: Cents | undefined;
  /** Column (h) = proceeds − cost basis + adjustment. */
  gain: Cents;
  term: Term;
};

/** Units taken from one lot by a sale. */
export type Take = { lot: ValuedLot; units: bigint };

/**
 * The Form 8949 rows of one sale row (one wallet and asset, one price) on the date the lots were
 * valued at, taking `takes`, exactly as the engine makes them; `proceeds` is the row's total (its
 * `usd_value`, in cents).
 */
export const saleRows = (takes: readonly Take[], proceeds: Cents): PlannedRow[] => {
  let total = 0n;
  for (const t of takes) total += t.units;
  const whole = takes.length === 1;
  return takes.map(({ lot, units }) => {
    const p = whole ? proceeds : divRoundHalfUp(proceeds * units, total);
    // The lot's cost basis is the engine's basis of all its units.
    const b = units === lot.exact.units ? lot.costBasis : basisCents(lot, units);
    return {
      lotId: lot.lotId,
      wallet: lot.wallet,
      asset: lot.asset,
      quantity: units === lot.exact.units ? lot.quantity : formatUnits(units, lot.exact.quantityScale),
      units,
      dateAcquired: lot.dateAcquired,
      proceeds: p,
      costBasis: b,
      adjustmentCode: "",
      adjustment: undefined,
      gain: p - b,
      term: lot.term,
    };
  });
};

/** Units of 10^-scale as a plain decimal string. */
export const formatUnits = (units: bigint, scale: number): string => {
  const s = units.toString().padStart(scale + 1, "0");
  if (scale === 0) return s;
  let end = s.length;
  while (end > s.length - scale && s.charCodeAt(end - 1) === 48) end--;
  const whole = s.slice(0, s.length - scale);
  return end === s.length - scale ? whole : `${whole}.${s.slice(s.length - scale, end)}`;
};

/** Short-term and long-term totals of rows. */
export const totalsOf = (rows: readonly PlannedRow[]): { shortTerm: Cents; longTerm: Cents } => {
  let shortTerm = 0n;
  let longTerm = 0n;
  for (const r of rows) {
    if (r.term === "long") longTerm += r.gain;
    else shortTerm += r.gain;
  }
  return { shortTerm, longTerm };
};

/** `lotid:qty;lotid:qty` (ledger `lots` column syntax). */
export const lotsCell = (takes: readonly { lotId: string; quantity: string }[]): string =>
  takes.map((t) => `${t.lotId}:${t.quantity}`).join(";");

/** Cents as a ledger USD amount (`1234.50`; never negative in a ledger). */
export const usdCell = (c: Cents): string => formatCents(c);
