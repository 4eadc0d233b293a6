/**
 * Calendar dates of instants and the holding period.
 *
 * Dates are `yyyymmdd` integers (20250131) in the engine: they compare with `<` and convert to
 * `YYYY-MM-DD` only for output.
 */
import { civilFromDays } from "../ledger/instant.ts";

const DAY_MS = 86_400_000;
/** Offsets are looked up once per 15-minute bucket: every real-world zone transition falls on one. */
const BUCKET_MS = 15 * 60_000;

/** Returns the `yyyymmdd` calendar date of an instant (epoch ms) in one time zone. */
export type DateOf = (ms: number) => number;

/**
 * A function giving the calendar date of an instant in `timeZone` (IANA name; `UTC` by default).
 * @throws RangeError when the time zone is unknown.
 */
export const createDateOf = (timeZone = "UTC"): DateOf => {
  if (timeZone === "UTC" || timeZone === "Etc/UTC") {
    // Rows come in time order, so most share the previous row's day.
    let lastDay = Number.NaN;
    let lastDate = 0;
    return (ms) => {
      const day = Math.floor(ms / DAY_MS);
      if (day !== lastDay) {
        lastDay = day;
        lastDate = civilFromDays(day);
      }
      return lastDate;
    };
  }
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const offsetAt = (ms: number): number => {
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(ms))) {
      if (part.type !== "literal") p[part.type] = Number(part.value);
    }
    const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    return local - (ms - (((ms % 1000) + 1000) % 1000));
  };
  const cache = new Map<number, number>();
  return (ms) => {
    const bucket = Math.floor(ms / BUCKET_MS);
    let offset = cache.get(bucket);
    if (offset === undefined) {
      const start = bucket * BUCKET_MS;
      const a = offsetAt(start);
      const b = offsetAt(start + BUCKET_MS - 1);
      if (a === b) cache.set(bucket, a);
      offset = a === b ? a : offsetAt(ms);
    }
    return civilFromDays(Math.floor((ms + offset) / DAY_MS));
  };
};

/** Validates an IANA time zone name. */
export const isTimeZone = (timeZone: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
};

/** `20250131` → `2025-01-31`. */
export const formatDate = (d: number): string => {
  const y = Math.floor(d / 10000);
  const m = Math.floor(d / 100) % 100;
  const day = d % 100;
  return `${String(y).padStart(4, "0")}-${m < 10 ? "0" : ""}${m}-${day < 10 ? "0" : ""}${day}`;
};

/**
 * The same calendar date one year later; 29 February becomes 28 February. One addition for both
 * cases: the engine's optimized code runs this for every take, and a ledger may reach its first
 * 29 February only after years of rows (a branch of its own would then be code never run before,
 * which makes V8 throw away and recompile the engine's disposal code).
 */
export const addOneYear = (d: number): number => d + (d % 10000 === 229 ? 9999 : 10000);

/**
 * Long term iff the date sold is after the acquisition date plus one calendar year: acquired
 * 2024-01-31, sold 2025-01-31 is short term and 2025-02-01 long term (IRS: count from the day
 * after acquisition, include the day of disposal, "more than one year").
 */
export const isLongTerm = (dateAcquired: number, dateSold: number): boolean =>
  dateSold > addOneYear(dateAcquired);

/** The tax year of a `yyyymmdd` date. */
export const yearOf = (d: number): number => Math.floor(d / 10000);

/**
 * The first instant (epoch ms) whose calendar date in `timeZone` is 1 January of `year`: where a
 * tax year of `lotwise gains --tz` starts (2026 in America/New_York: 2026-01-01T05:00:00Z).
 * @throws RangeError when the time zone is unknown.
 */
export const startOfYearIn = (year: number, timeZone = "UTC"): number => {
  const dateOf = createDateOf(timeZone);
  const target = year * 10000 + 101;
  // Every zone's offset is within ±15 hours of UTC, and a local date only moves forward.
  let lo = Date.UTC(year, 0, 1) - 15 * 3_600_000;
  let hi = Date.UTC(year, 0, 1) + 15 * 3_600_000;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (dateOf(mid) >= target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
};
