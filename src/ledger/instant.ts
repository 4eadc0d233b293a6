/**
 * ISO 8601 instants of the ledger's `time` column: `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by
 * `Z` or an offset (`+HH:MM`, `+HHMM`, `+HH`). A time without an offset is rejected: it names no
 * instant.
 */

/**
 * An instant as milliseconds since the Unix epoch plus the sub-millisecond part, so fractions
 * finer than a millisecond (up to nanoseconds) still order rows correctly.
 */
export type Instant = {
  /** Whole milliseconds since 1970-01-01T00:00:00Z (floor). */
  ms: number;
  /** Nanoseconds within the millisecond, 0 … 999 999. */
  ns: number;
};

const D0 = 48; // "0"

const digits = (s: string, from: number, count: number): number => {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - D0;
    // NaN past the end of `s` fails this test too.
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
};

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Days in month `m` (1-12) of year `y`. */
export const daysInMonth = (y: number, m: number): number =>
  m === 2 && isLeap(y) ? 29 : (DAYS_IN_MONTH[m - 1] ?? 0);

/** Days from 1970-01-01 to the civil date (proleptic Gregorian; H. Hinnant's algorithm). */
export const daysFromCivil = (y: number, m: number, d: number): number => {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
};

/** The civil date of day number `days` since 1970-01-01, as `yyyymmdd` (e.g. 20250131). */
export const civilFromDays = (days: number): number => {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return y * 10000 + m * 100 + d;
};

/**
 * Parses an ISO 8601 instant with an offset. Returns `undefined` when `s` is not one
 * (`explainInstant` says why).
 */
export const parseInstant = (s: string): Instant | undefined => {
  const n = s.length;
  if (n < 17) return undefined;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const t = s.charCodeAt(10);
  if (
    y < 0 ||
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    h < 0 ||
    h > 23 ||
    mi < 0 ||
    mi > 59 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    (t !== 84 && t !== 116) || // T t
    s.charCodeAt(13) !== 58
  ) {
    return undefined;
  }
  if (d > daysInMonth(y, mo)) return undefined;
  let i = 16;
  let sec = 0;
  let ns = 0;
  if (s.charCodeAt(i) === 58) {
    sec = digits(s, i + 1, 2);
    if (sec < 0 || sec > 59) return undefined;
    i += 3;
    const c = s.charCodeAt(i);
    if (c === 46 || c === 44) {
      // fraction: 1-9 digits (nanoseconds)
      i++;
      const from = i;
      let frac = 0;
      while (i < n) {
        const dd = s.charCodeAt(i) - D0;
        if (dd < 0 || dd > 9) break;
        frac = frac * 10 + dd;
        i++;
      }
      const len = i - from;
      if (len < 1 || len > 9) return undefined;
      ns = frac * 10 ** (9 - len);
    }
  }
  // offset
  let offsetMin = 0;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    // Z z
    if (i + 1 !== n) return undefined;
  } else if (z === 43 || z === 45) {
    const sign = z === 45 ? -1 : 1;
    const oh = digits(s, i + 1, 2);
    if (oh < 0 || oh > 23) return undefined;
    let om = 0;
    const rest = n - (i + 3);
    if (rest === 0) om = 0;
    else if (rest === 3 && s.charCodeAt(i + 3) === 58) om = digits(s, i + 4, 2);
    else if (rest === 2) om = digits(s, i + 3, 2);
    else return undefined;
    if (om < 0 || om > 59) return undefined;
    offsetMin = sign * (oh * 60 + om);
  } else {
    return undefined;
  }
  const days = daysFromCivil(y, mo, d);
  const ms = ((days * 24 + h) * 60 + mi - offsetMin) * 60_000 + sec * 1000 + Math.floor(ns / 1_000_000);
  return { ms, ns: ns % 1_000_000 };
};

/** Two ASCII digits at `at` as 0-99, or ≥ 1000 when either is not a digit. */
const twoBytes = (buf: Uint8Array, at: number): number => {
  const a = buf[at]! - D0;
  const b = buf[at + 1]! - D0;
  return a >>> 0 > 9 || b >>> 0 > 9 ? 1000 : a * 10 + b;
};

/**
 * Nanoseconds per unit of a fraction of `k` digits (10^(9-k), k = 1 … 9): a table lookup
 * instead of `10 ** (9 - k)`, which called the C library's pow for every row.
 */
const NS_PER_UNIT = [0, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 100, 10, 1];

/** The date part (`YYYY-MM-DD`) of the last instant `parseUtcInstantBytes` read, and its day number. */
const lastDate = Uint8Array.from("1970-01-01", (c) => c.charCodeAt(0));
let lastDays = 0;

/**
 * The common form `YYYY-MM-DDTHH:MM:SS[.fraction]Z` read straight from bytes `buf[s, e)` into
 * `into` (no string, no new object): the same instant `parseInstant` gives for that text.
 * @returns false when the bytes are not in that form (the caller then uses `parseInstant`, which
 * accepts or rejects the text exactly as always).
 */
export const parseUtcInstantBytes = (buf: Uint8Array, s: number, e: number, into: Instant): boolean => {
  const n = e - s;
  if (n < 20 || n > 30 || buf[s + n - 1] !== 90) return false; // ...Z
  if (buf[s + 4] !== 45 || buf[s + 7] !== 45 || buf[s + 10] !== 84) return false; // - - T
  if (buf[s + 13] !== 58 || buf[s + 16] !== 58) return false; // : :
  // Rows in time order mostly share the previous row's date: its bytes and day number are kept.
  let days: number;
  if (
    buf[s] === lastDate[0] &&
    buf[s + 1] === lastDate[1] &&
    buf[s + 2] === lastDate[2] &&
    buf[s + 3] === lastDate[3] &&
    buf[s + 5] === lastDate[5] &&
    buf[s + 6] === lastDate[6] &&
    buf[s + 8] === lastDate[8] &&
    buf[s + 9] === lastDate[9]
  ) {
    days = lastDays;
  } else {
    const century = twoBytes(buf, s);
    const yy = twoBytes(buf, s + 2);
    const mo = twoBytes(buf, s + 5);
    const d = twoBytes(buf, s + 8);
    // A non-digit makes twoBytes 1000: every range test below fails.
    if (century > 99 || yy > 99 || mo < 1 || mo > 12 || d < 1) return false;
    const y = century * 100 + yy;
    if (d > daysInMonth(y, mo)) return false;
    days = daysFromCivil(y, mo, d);
    for (let k = 0; k < 10; k++) lastDate[k] = buf[s + k]!;
    lastDays = days;
  }
  const h = twoBytes(buf, s + 11);
  const mi = twoBytes(buf, s + 14);
  const sec = twoBytes(buf, s + 17);
  if (h > 23 || mi > 59 || sec > 59) return false;
  let ns = 0;
  if (n > 20) {
    // `.` then 1-9 digits, then the final Z.
    if (buf[s + 19] !== 46 || n === 21) return false;
    let frac = 0;
    for (let k = s + 20; k < e - 1; k++) {
      const dd = buf[k]! - D0;
      if (dd < 0 || dd > 9) return false;
      frac = frac * 10 + dd;
    }
    ns = frac * NS_PER_UNIT[n - 21]!;
  } else if (buf[s + 19] !== 90) return false;
  into.ms = ((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + Math.floor(ns / 1_000_000);
  into.ns = ns % 1_000_000;
  return true;
};

/** Why `s` is not an instant `parseInstant` accepts (for error messages). */
export const explainInstant = (s: string): string => {
  const date = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ]|$)/.exec(s);
  if (date) {
    const [y, mo, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return `"${s}" is not a calendar date`;
  }
  if (/^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(s)) {
    return `"${s}" has no UTC offset (add Z or an offset such as +00:00)`;
  }
  if (/\.\d{10,}/.test(s)) return `"${s}" has more than 9 fractional second digits`;
  if (/^\d{4}-\d{2}-\d{2} /.test(s)) return `"${s}" needs a T between date and time`;
  return `"${s}" is not an ISO 8601 instant such as 2025-03-04T15:20:00Z`;
};

/** Orders instants: negative when `a` is earlier. */
export const compareInstants = (a: Instant, b: Instant): number => a.ms - b.ms || a.ns - b.ns;

/** `YYYY-MM-DDT` of the last day `isoMs` formatted (instants in a ledger share days). */
let isoDay = Number.NaN;
let isoDayText = "";
const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: later instants (and those before 1970) take `toISOString`. */
const ISO_FAST_END_MS = 253_402_300_800_000;
const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** `new Date(ms).toISOString()`, without a Date for instants from 1970 to 9999. */
const isoMs = (ms: number): string => {
  if (!(ms >= 0 && ms < ISO_FAST_END_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== isoDay) {
    const d = civilFromDays(day);
    isoDay = day;
    isoDayText = `${String(Math.floor(d / 10000)).padStart(4, "0")}-${pad2(Math.floor(d / 100) % 100)}-${pad2(d % 100)}T`;
  }
  let rest = ms - day * DAY_MS;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const sec = rest % 60;
  rest = (rest - sec) / 60;
  const min = rest % 60;
  const hour = (rest - min) / 60;
  return `${isoDayText}${pad2(hour)}:${pad2(min)}:${pad2(sec)}.${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z`;
};

/** `2025-01-01T00:00:00.000Z`-style text, with up to 9 fraction digits when `ns` is set. */
export const formatInstant = (t: Instant): string => {
  const base = isoMs(t.ms); // …T00:00:00.000Z
  if (t.ns === 0) return base;
  return `${base.slice(0, -1)}${String(t.ns).padStart(6, "0").replace(/0+$/, "")}Z`;
};
