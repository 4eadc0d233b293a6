/**
 * Display helpers. Amounts arrive as decimal strings ("-1234.5") and are only re-punctuated here,
 * never parsed into JS numbers, so what the page shows is exactly what the API computed.
 */
export const usd = (s: string | null | undefined): string => {
  if (s === null || s === undefined || s === "") return "—";
  const negative = s.startsWith("-");
  const [int = "0", frac = ""] = (negative ? s.slice(1) : s).split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "−" : ""}$${grouped}.${frac.padEnd(2, "0").slice(0, 2)}`;
};

/**
 * A positive amount that Schedule D enters as a loss (a carryover in, the line 21 deduction), as the
 * form writes it: "($1,500.00)"; zero is "$0.00", not "($0.00)".
 */
export const usdLoss = (s: string | null | undefined): string => {
  const shown = usd(s);
  return s === null || s === undefined || s === "" || /^-?0*(\.0*)?$/.test(s) ? shown : `(${shown})`;
};

/** A plotting value for charts only (never shown as a figure: the tables show the strings). */
export const plot = (s: string | null | undefined): number => (s ? Number(s) : 0);

/** A USD decimal string with at most two places as exact bigint cents. */
export const cents = (s: string): bigint => {
  const negative = s.startsWith("-");
  const [i = "0", f = ""] = (negative ? s.slice(1) : s).split(".");
  const c = BigInt(i || "0") * 100n + BigInt((f + "00").slice(0, 2));
  return negative ? -c : c;
};

export const fromCents = (c: bigint): string => {
  const a = c < 0n ? -c : c;
  return `${c < 0n ? "-" : ""}${a / 100n}.${(a % 100n).toString().padStart(2, "0")}`;
};

/** Difference of two USD decimal strings, exact. */
export const diffUsd = (after: string, before: string): string => fromCents(cents(after) - cents(before));

export const shortAddress = (s: string): string => {
  const i = s.lastIndexOf(":");
  const addr = i >= 0 ? s.slice(i + 1) : s;
  return addr.length > 14 ? `${s.slice(0, i + 1)}${addr.slice(0, 6)}…${addr.slice(-4)}` : s;
};

export const dateTime = (iso: string | null | undefined): string =>
  iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC") : "—";

/** A chart axis tick in whole dollars: "$1,200", "−$750". */
export const axisUsd = (v: number): string =>
  `${v < 0 ? "−" : ""}$${Math.abs(v).toLocaleString("en-US", { maximumFractionDigits: 0 })}`;

/** Chart value axes always include zero, so bars start at $0. */
export const withZero: [(min: number) => number, (max: number) => number] = [
  (min) => Math.min(0, min),
  (max) => Math.max(0, max),
];
