import { UserInputError } from "../errors.ts";

/**
 * Reads a date-time cell as exports write them. Forms (date first, then an optional time, then
 * an optional zone):
 * - dates `2025-01-10`, `2025/01/10`, `01/10/2025` (month first, as U.S. exports write it);
 * - times `15:04`, `15:04:05`, `15:04:05.123`, after a space or `T`; no time means 00:00;
 * - zones `Z`, `UTC`, `GMT`, an offset (`+02:00`, `-0500`, `+02`) or an IANA name
 *   (`America/New_York`, `Europe/Berlin`; summer time applies). No zone means `defaultZone`.
 * @throws UserInputError `where: not a date-time` otherwise, `where: "…" is not a calendar date` for
 *   an impossible date.
 */
export const parseTime = (cell: string, where: string, defaultZone = "UTC"): Date => {
  const s = cell.trim();
  const m =
    /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(.*)$/.exec(
      s,
    ) ??
    /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(.*)$/.exec(s);
  if (!m) throw new UserInputError(`${where}: not a date-time: '${cell}'`);
  const usOrder = m[3]!.length === 4;
  const [y, mo, d] = usOrder
    ? [Number(m[3]), Number(m[1]), Number(m[2])]
    : [Number(m[1]), Number(m[2]), Number(m[3])];
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const sec = Number(m[6] ?? 0);
  const ms = Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3));
  const local = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  const check = new Date(Date.UTC(y, mo - 1, d));
  // An impossible date reads as in every other reader (ledger, prices, Form 1099-DA).
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    throw new UserInputError(`${where}: "${cell}" is not a calendar date`);
  if (h > 23 || mi > 59 || sec > 59) throw new UserInputError(`${where}: no such time of day: '${cell}'`);
  const zone = (m[8] ?? "").trim() || defaultZone;
  return new Date(local - offsetMs(zone, local, `${where}: '${cell}'`));
};

/** Offset of `zone` from UTC in ms at the wall-clock instant `local` (given as if it were UTC). */
const offsetMs = (zone: string, local: number, where: string): number => {
  if (/^(Z|UTC|GMT)$/i.test(zone)) return 0;
  const off = /^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})?$/i.exec(zone);
  if (off) {
    const v = (Number(off[2]) * 60 + Number(off[3] ?? 0)) * 60_000;
    return off[1] === "-" ? -v : v;
  }
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
  } catch {
    throw new UserInputError(
      `${where}: unknown time zone '${zone}' (use an offset such as +02:00 or an IANA name)`,
    );
  }
  const at = (t: number) => {
    const p = Object.fromEntries(fmt.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    return (
      Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!) -
      Math.floor(t / 1000) * 1000
    );
  };
  // Two passes settle the offset across a summer-time change.
  const first = at(local);
  return at(local - first);
};
