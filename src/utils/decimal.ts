import { Decimal as DecimalJs } from "decimal.js";

/**
 * The exact decimal type for classification and pricing. Quantities have up to 18 (EVM) or 9
 * (Solana) decimals and USD values a handful; 80 significant digits keep every sum and product
 * exact and every quotient far beyond any rounding a report does. Never exponent notation.
 */
export const Decimal = DecimalJs.clone({
  precision: 80,
  rounding: DecimalJs.ROUND_HALF_UP,
  toExpNeg: -200,
  toExpPos: 200,
});
export type Decimal = DecimalJs;

export const ZERO = new Decimal(0);

/** A plain decimal string (no exponent, no trailing zeros after the point). */
export const plain = (d: DecimalJs): string => {
  const s = d.toFixed();
  // Ending in neither a zero nor a point: nothing to strip (most values; no scan, no regex).
  const last = s.charCodeAt(s.length - 1);
  if (last !== 48 && last !== 46) return s;
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
};

/**
 * Raw integer units → whole units, exactly (`1500000n`, 6 → `1.5`): the digits with a decimal
 * exponent, parsed exactly (no division; a ledger build does this for every movement).
 */
export const fromRaw = (raw: bigint, decimals: number): DecimalJs =>
  new Decimal(decimals === 0 ? raw.toString() : `${raw}e-${decimals}`);

/** Rounds to `places` fraction digits (half-up) for display and USD cents; reports only. */
export const roundTo = (d: DecimalJs, places: number): string =>
  d.toDecimalPlaces(places, DecimalJs.ROUND_HALF_UP).toFixed(places);

/**
 * USD places written to exports (ledger CSV `usd_value`, `fee_usd`): a hundred-millionth of a
 * dollar, far below a cent, so a value rounded here never moves a reported cent, while a pool
 * price times an 18-decimal quantity no longer prints 40 meaningless digits. Gains on the stored
 * ledger round the same way, so they equal gains on its export.
 */
export const EXPORT_USD_PLACES = 8;

/** A USD value as exports write it: at most `EXPORT_USD_PLACES` decimals (half-up), no trailing zeros. */
export const exportUsd = (value: string): string => {
  const d = new Decimal(value);
  return plain(d.toDecimalPlaces(EXPORT_USD_PLACES, DecimalJs.ROUND_HALF_UP));
};
