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
import { Decimal, plain } from "../utils/decimal.ts";

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

/** An open lot with its price, value and holding period at the as-of date. */
export type ValuedLot = OpenLot & {
  /** USD per unit of basis, rounded to 8 decimals (display). */
  unitBasis: string;
  /** Undefined when the asset has no price: such a lot is unpriced, never valued at 0. */
  price: { usd: string; source: string; time: string } | undefined;
  /** Why there is no price (when `price` is undefined). */
  unpricedReason: string | undefined;
  value: Cents | undefined;
  /** value − cost basis (what a sale of the whole lot at the price would realize, before rounding of proceeds). */
  unrealized: Cents | undefined;
  /** Term if sold on the as-of date. */
  term: Term;
  daysHeld: number;
  /** 0 when already long term. */
  daysToLongTerm: number;
  /** `YYYY-MM-DD`: the first date a sale is long term. */
  longTermOn: string;
};

export type PriceResult =
  | { ok: true; usd: string; source: string; time: string }
  | { ok: false; reason: string };

/** Values every open lot at its asset's price on `asOfDate` (`yyyymmdd`). */
export const valueLots = (
  lots: readonly OpenLot[],
  prices: ReadonlyMap<string, PriceResult>,
  asOfDate: number,
): ValuedLot[] => {
  const asOfDay = dayOf(asOfDate);
  const exact = new Map<string, ExactPrice>();
  return lots.map((lot) => {
    const acquired = dateNumber(lot.dateAcquired);
    const from = longTermFrom(acquired);
    const long = isLongTerm(acquired, asOfDate);
    const p = prices.get(lot.asset);
    let price: ValuedLot["price"];
    let value: Cents | undefined;
    let unpricedReason: string | undefined;
    if (p?.ok) {
      let e = exact.get(lot.asset);
      if (e === undefined) {
        e = exactPrice(p.usd);
        exact.set(lot.asset, e);
      }
      price = { usd: p.usd, source: p.source, time: p.time };
      value = valueCents(e, lot.exact.units, lot.exact.quantityScale);
    } else unpricedReason = p?.reason ?? "no price was looked up";
    const unitBasis = new Decimal(lot.exact.lotBasis.toString())
      .div(pow10(lot.exact.usdScale).toString())
      .div(new Decimal(lot.exact.lotQuantity.toString()).div(pow10(lot.exact.quantityScale).toString()));
    return {
      ...lot,
      unitBasis: plain(unitBasis.toDecimalPlaces(8, Decimal.ROUND_HALF_UP)),
      price,
      unpricedReason,
      value,
      unrealized: value === undefined ? undefined : value - lot.costBasis,
      term: long ? "long" : "short",
      daysHeld: asOfDay - dayOf(acquired),
      daysToLongTerm: long ? 0 : dayOf(from) - asOfDay,
      longTermOn: dateText(from),
    };
  });
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
  gain: Cents;
  term: Term;
};

/** Units taken from one lot by a sale. */
export type Take = { lot: ValuedLot; units: bigint };

/**
 * The Form 8949 rows of one sale row (one wallet and asset, one price) taking `takes`, exactly as
 * the engine makes them; `proceeds` is the row's total (its `usd_value`, in cents).
 */
export const saleRows = (takes: readonly Take[], proceeds: Cents, asOfDate: number): PlannedRow[] => {
  let total = 0n;
  for (const t of takes) total += t.units;
  const whole = takes.length === 1;
  return takes.map(({ lot, units }) => {
    const p = whole ? proceeds : divRoundHalfUp(proceeds * units, total);
    const b = basisCents(lot, units);
    return {
      lotId: lot.lotId,
      wallet: lot.wallet,
      asset: lot.asset,
      quantity: formatUnits(units, lot.exact.quantityScale),
      units,
      dateAcquired: lot.dateAcquired,
      proceeds: p,
      costBasis: b,
      gain: p - b,
      term: isLongTerm(dateNumber(lot.dateAcquired), asOfDate) ? "long" : "short",
    };
  });
};

/** Units of 10^-scale as a plain decimal string. */
export const formatUnits = (units: bigint, scale: number): string => {
  const s = units.toString().padStart(scale + 1, "0");
  if (scale === 0) return s;
  const whole = s.slice(0, -scale);
  const frac = s.slice(-scale).replace(/0+$/, "");
  return frac === "" ? whole : `${whole}.${frac}`;
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
