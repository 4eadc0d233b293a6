/**
 * Output formats of `lotwise gains`: `form8949.csv`, `summary.json`, `allocation.csv`,
 * `gifts.csv`, and the human summary printed on stdout.
 */
import { asBuffer, type Bytes } from "../utils/bytes.ts";
import { formatCsvCell, formatCsvRow, isFormulaLike } from "../utils/csv.ts";
import { formatCents } from "./money.ts";
import {
  type AllocationEntry,
  type Cents,
  type Form8949Row,
  type GainsSummary,
  type GiftRow,
  type PartTotals,
  SCHEDULE_D_LINES,
} from "./types.ts";

/** Columns of `form8949.csv`, in order (spec "Output"). */
export const FORM_8949_COLUMNS = [
  "disposal_id",
  "lot_id",
  "wallet",
  "asset",
  "quantity",
  "date_acquired",
  "date_sold",
  "proceeds",
  "cost_basis",
  "adjustment_code",
  "adjustment_amount",
  "gain",
  "term",
  "box",
  "description",
] as const;

/** Formatted wallet and asset cells: few distinct values, one per row each. */
const cellCache = new Map<string, string>();
/** Bound on `cellCache` (a ledger with more distinct names just formats the rest each time). */
const CELL_CACHE_MAX = 4096;

const cachedCell = (v: string): string => {
  let c = cellCache.get(v);
  if (c === undefined) {
    c = formatCsvCell(v);
    if (cellCache.size < CELL_CACHE_MAX) cellCache.set(v, c);
  }
  return c;
};

/** One `form8949.csv` record (with its newline). */
export const form8949Line = (r: Form8949Row): string =>
  // Quantities, dates, amounts, term and box are plain tokens that never need quoting or
  // escaping (amounts like -12.50 are plain numbers); only the free-text cells go through the writer.
  `${formatCsvCell(r.disposalId)},${formatCsvCell(r.lotId)},${cachedCell(r.wallet)},${cachedCell(r.asset)},${r.quantity},${r.dateAcquired},${r.dateSold},${formatCents(r.proceeds)},${formatCents(r.costBasis)},${r.adjustmentCode === "" ? "" : formatCsvCell(r.adjustmentCode)},${r.adjustment === undefined ? "" : formatCents(r.adjustment)},${formatCents(r.gain)},${r.term},${r.box},${formatCsvCell(r.description)}\n`;

/** The header line of `form8949.csv`. */
export const FORM_8949_HEADER = formatCsvRow(FORM_8949_COLUMNS);

/** The whole `form8949.csv` text. */
export const formatForm8949Csv = (rows: readonly Form8949Row[]): string => {
  let out = FORM_8949_HEADER;
  for (const r of rows) out += form8949Line(r);
  return out;
};

export const ALLOCATION_COLUMNS = [
  "asset",
  "wallet",
  "lot_id",
  "quantity",
  "acquired",
  "date_acquired",
  "cost_basis",
  "status",
] as const;

/** `allocation.csv`: the Rev. Proc. 2024-28 allocation record, one line per (lot, wallet). */
export const formatAllocationCsv = (entries: readonly AllocationEntry[]): string => {
  let out = formatCsvRow(ALLOCATION_COLUMNS);
  for (const e of entries) {
    out += formatCsvRow([
      e.asset,
      e.wallet,
      e.lotId,
      e.quantity,
      e.acquired,
      e.dateAcquired,
      formatCents(e.costBasis),
      e.status,
    ]);
  }
  return out;
};

export const GIFT_COLUMNS = [
  "gift_id",
  "lot_id",
  "wallet",
  "asset",
  "quantity",
  "date_acquired",
  "date_given",
  "cost_basis",
] as const;

/** One `gifts.csv` record (with its newline). */
export const giftLine = (g: GiftRow): string =>
  formatCsvRow([
    g.giftId,
    g.lotId,
    g.wallet,
    g.asset,
    g.quantity,
    g.dateAcquired,
    g.dateGiven,
    formatCents(g.costBasis),
  ]);

export const GIFTS_HEADER = formatCsvRow(GIFT_COLUMNS);

/** `gifts.csv`: lots given away (never on Form 8949), with the donor's basis. */
export const formatGiftsCsv = (gifts: readonly GiftRow[]): string => {
  let out = GIFTS_HEADER;
  for (const g of gifts) out += giftLine(g);
  return out;
};

const part = (t: PartTotals) => ({
  proceeds: formatCents(t.proceeds),
  cost_basis: formatCents(t.costBasis),
  adjustments: formatCents(t.adjustments),
  gain: formatCents(t.gain),
});

const pair = (p: { shortTerm: Cents; longTerm: Cents }) => ({
  short_term: formatCents(p.shortTerm),
  long_term: formatCents(p.longTerm),
});

/**
 * `ordinary_income`: `total` and one key per subtype, as the ledger contract lists it, plus the
 * same split under `by_subtype` (which also holds rows without a subtype, key `""`, and a subtype
 * named `total` or `by_subtype`, which cannot be a key of its own).
 */
const ordinaryIncomeJson = (o: GainsSummary["ordinaryIncome"]): Record<string, unknown> => {
  const bySubtype = Object.fromEntries(Object.entries(o.bySubtype).map(([k, v]) => [k, formatCents(v)]));
  const flat = Object.entries(bySubtype).filter(([k]) => k !== "" && k !== "total" && k !== "by_subtype");
  return { total: formatCents(o.total), ...Object.fromEntries(flat), by_subtype: bySubtype };
};

/** The `summary.json` object (spec "Output"; USD values are strings with two places). */
export const summaryJson = (s: GainsSummary): Record<string, unknown> => ({
  tax_year: s.taxYear,
  method: s.method,
  scope: s.scope,
  filing_status: s.filingStatus,
  short_term: part(s.shortTerm),
  long_term: part(s.longTerm),
  carryover_in: pair(s.carryoverIn),
  net_short_term: formatCents(s.netShortTerm),
  net_long_term: formatCents(s.netLongTerm),
  net: formatCents(s.net),
  capital_loss_deduction: formatCents(s.capitalLossDeduction),
  carryover_out: pair(s.carryoverOut),
  ordinary_income: ordinaryIncomeJson(s.ordinaryIncome),
  warnings: s.warnings.map((w) => ({ code: w.code, id: w.id, date: w.date, message: w.message })),
  // Only when imported Forms 1099-DA routed rows to boxes G/H/J/K (the ledger contract's keys stay as they are otherwise).
  ...(s.scheduleD
    ? {
        schedule_d: Object.fromEntries(
          SCHEDULE_D_LINES.map((line) => [
            `line_${line}`,
            { ...part(s.scheduleD![line]), rows: s.scheduleD![line].rows },
          ]),
        ),
      }
    : {}),
});

export const formatSummaryJson = (s: GainsSummary): string => `${JSON.stringify(summaryJson(s), null, 2)}\n`;

const ZERO: PartTotals = { proceeds: 0n, costBasis: 0n, adjustments: 0n, gain: 0n, rows: 0 };

/** Warnings printed under the human summary; the rest are counted (all are in summary.json). */
const SHOWN_WARNINGS = 20;

/** Negative amounts in parentheses, as on the forms. */
const usd = (c: Cents): string => (c < 0n ? `(${formatCents(-c)})` : formatCents(c));

/**
 * The human summary: Schedule D lines 1b–3, 6, 7, 8b–10, 14, 15, 16, 21 and the carryovers.
 * Lines 1b/2 and 8b/9 (Form 1099-DA boxes G, H, J, K) are zero unless imported Forms 1099-DA
 * routed rows there (`scheduleD`); without forms every row is box I or L.
 */
export const formatHumanSummary = (s: GainsSummary): string => {
  const d = s.scheduleD;
  const rows: [string, string, PartTotals | undefined, Cents | undefined][] = [
    ["1b", "Form 8949 box G (short, 1099-DA basis reported)", d?.["1b"] ?? ZERO, undefined],
    ["2", "Form 8949 box H (short, 1099-DA basis not reported)", d?.["2"] ?? ZERO, undefined],
    ["3", "Form 8949 box I (short, no 1099-DA)", d?.["3"] ?? s.shortTerm, undefined],
    ["6", "short-term capital loss carryover", undefined, -s.carryoverIn.shortTerm],
    ["7", "net short-term gain or (loss)", undefined, s.netShortTerm],
    ["8b", "Form 8949 box J (long, 1099-DA basis reported)", d?.["8b"] ?? ZERO, undefined],
    ["9", "Form 8949 box K (long, 1099-DA basis not reported)", d?.["9"] ?? ZERO, undefined],
    ["10", "Form 8949 box L (long, no 1099-DA)", d?.["10"] ?? s.longTerm, undefined],
    ["14", "long-term capital loss carryover", undefined, -s.carryoverIn.longTerm],
    ["15", "net long-term gain or (loss)", undefined, s.netLongTerm],
    ["16", "net gain or (loss)", undefined, s.net],
    ["21", "capital loss deduction", undefined, s.capitalLossDeduction === 0n ? 0n : -s.capitalLossDeduction],
  ];
  const table: string[][] = [["line", "", "proceeds (d)", "cost (e)", "adjust (g)", "gain or (loss) (h)"]];
  for (const [line, label, t, v] of rows) {
    if (t)
      table.push([
        line,
        `${label}, ${t.rows} rows`,
        usd(t.proceeds),
        usd(t.costBasis),
        usd(t.adjustments),
        usd(t.gain),
      ]);
    else table.push([line, label, "", "", "", usd(v ?? 0n)]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = table.map((r) =>
    r
      .map((c, i) => (i <= 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
  const income = Object.entries(s.ordinaryIncome.bySubtype)
    .map(([k, v]) => `${k === "" ? "(no subtype)" : k} ${usd(v)}`)
    .join(", ");
  return [
    `Tax year ${s.taxYear}: method ${s.method}, scope ${s.scope}, filing status ${s.filingStatus}`,
    "Schedule D",
    ...lines.map((l) => `  ${l}`),
    `Carryover to ${s.taxYear + 1}: short-term ${formatCents(s.carryoverOut.shortTerm)}, long-term ${formatCents(s.carryoverOut.longTerm)}`,
    `Ordinary income: ${usd(s.ordinaryIncome.total)}${income ? ` (${income})` : ""}`,
    `Warnings: ${s.warnings.length}${s.warnings.length > 0 ? " (also in summary.json)" : ""}`,
    ...s.warnings
      .slice(0, SHOWN_WARNINGS)
      .map(
        (w) =>
          `  ${[w.date, w.id].filter((x) => x !== "").join(" ")}${w.date || w.id ? ": " : ""}${w.message}`,
      ),
    ...(s.warnings.length > SHOWN_WARNINGS
      ? [`  … and ${s.warnings.length - SHOWN_WARNINGS} more in summary.json`]
      : []),
    "",
  ].join("\n");
};

/** Bytes a `form8949.csv` record of `r` may take at most (quoting doubles, UTF-8 triples). */
export const maxForm8949LineBytes = (r: Form8949Row): number =>
  6 *
    (r.disposalId.length +
      r.lotId.length +
      r.wallet.length +
      2 * r.asset.length +
      2 * r.quantity.length +
      r.adjustmentCode.length +
      r.dateAcquired.length +
      r.dateSold.length) +
  256;

/** Encoded wallet and asset cells; `plain` when the cell is the value itself (no quote or escape). */
type EncodedCell = { bytes: Buffer; plain: boolean };
const encodedCells = new Map<string, EncodedCell>();

const encodedCell = (v: string): EncodedCell => {
  let e = encodedCells.get(v);
  if (e === undefined) {
    const cell = formatCsvCell(v);
    e = { bytes: Buffer.from(cell, "utf8"), plain: cell === v };
    if (encodedCells.size < CELL_CACHE_MAX) encodedCells.set(v, e);
  }
  return e;
};

/** Writes ASCII text that needs no quoting (dates, quantities); returns the new position. */
const putPlain = (buf: Buffer, pos: number, s: string): number => {
  for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
  return pos;
};

const putBytes = (buf: Buffer, pos: number, b: Buffer): number => {
  const n = b.length;
  // A loop for a few bytes; `set` (a memory copy) beyond: 16 ns for a 45-byte wallet, not 100.
  if (n > 8) {
    buf.set(b, pos);
    return pos + n;
  }
  for (let i = 0; i < n; i++) buf[pos++] = b[i]!;
  return pos;
};

/** Writes a free-text cell as `formatCsvCell` would, with a fast path for plain ASCII. */
const putCell = (buf: Buffer, pos: number, s: string): number => {
  if (s.length > 0 && !isFormulaLike(s)) {
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || c === 44 || c === 34 || c === 10 || c === 13) break;
      buf[pos + i] = c;
    }
    if (i === s.length) return pos + i;
  }
  return pos + asBuffer(buf).write(formatCsvCell(s), pos);
};

const MAX_SAFE_CENTS = BigInt(Number.MAX_SAFE_INTEGER);

/** Writes cents as `-1234.50`. */
const putCents = (buf: Buffer, pos: number, c: bigint): number => {
  if (c > MAX_SAFE_CENTS || c < -MAX_SAFE_CENTS) return putPlain(buf, pos, formatCents(c));
  return putCentsNumber(buf, pos, Number(c));
};

/** Cents up to this take the int32 path of `putCentsNumber` (divisions by 10 done as integers). */
const INT32_CENTS = 2 ** 31 - 1;

/** Writes cents given as a safe integer (|v| ≤ 2^53 − 1) as `-1234.50`. */
const putCentsNumber = (buf: Buffer, pos: number, v: number): number => {
  if (v < 0) {
    buf[pos++] = 45;
    v = -v;
  }
  if (v <= INT32_CENTS) {
    // In int32s, `(x / 10) | 0` and `x % 10` compile to integer operations (a multiply and a
    // shift), not the double divisions and floors of the general path: most amounts are here.
    const x = v | 0;
    let whole = (x / 100) | 0;
    const frac = x - whole * 100;
    let digits = 1;
    for (let w = whole; w >= 10; w = (w / 10) | 0) digits++;
    const end = pos + digits + 3;
    buf[end - 1] = 48 + (frac % 10);
    buf[end - 2] = 48 + ((frac / 10) | 0);
    buf[end - 3] = 46;
    let at = end - 4;
    do {
      buf[at--] = 48 + (whole % 10);
      whole = (whole / 10) | 0;
    } while (whole > 0);
    return end;
  }
  const frac = v % 100;
  let whole = (v - frac) / 100;
  // digits of `whole`, most significant first
  let digits = 1;
  for (let w = whole; w >= 10; w = Math.floor(w / 10)) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    buf[pos + i] = 48 + (whole % 10);
    whole = Math.floor(whole / 10);
  }
  pos += digits;
  buf[pos++] = 46;
  buf[pos++] = 48 + Math.floor(frac / 10);
  buf[pos++] = 48 + (frac % 10);
  return pos;
};

/**
 * Encodes `form8949.csv`'s record for `r` (the bytes of `form8949Line(r)`) into `buf` at `pos`,
 * without building the line as a string. The caller makes room for `maxForm8949LineBytes(r)`.
 * @returns the position after the record.
 */
export const encodeForm8949Line = (buf: Bytes, pos: number, r: Form8949Row): number => {
  pos = putCell(buf, pos, r.disposalId);
  buf[pos++] = 44;
  pos = putCell(buf, pos, r.lotId);
  buf[pos++] = 44;
  pos = putBytes(buf, pos, encodedCell(r.wallet).bytes);
  buf[pos++] = 44;
  const asset = encodedCell(r.asset);
  pos = putBytes(buf, pos, asset.bytes);
  buf[pos++] = 44;
  pos = putPlain(buf, pos, r.quantity);
  buf[pos++] = 44;
  pos = putPlain(buf, pos, r.dateAcquired);
  buf[pos++] = 44;
  pos = putPlain(buf, pos, r.dateSold);
  buf[pos++] = 44;
  pos = putCents(buf, pos, r.proceeds);
  buf[pos++] = 44;
  pos = putCents(buf, pos, r.costBasis);
  buf[pos++] = 44;
  if (r.adjustmentCode !== "") pos = putCell(buf, pos, r.adjustmentCode);
  buf[pos++] = 44;
  if (r.adjustment !== undefined) pos = putCents(buf, pos, r.adjustment);
  buf[pos++] = 44;
  pos = putCents(buf, pos, r.gain);
  buf[pos++] = 44;
  pos = putPlain(buf, pos, r.term);
  buf[pos++] = 44;
  pos = putPlain(buf, pos, r.box);
  buf[pos++] = 44;
  // The description is `<quantity> <asset>`: written as is when the asset cell is the asset itself.
  const d = r.description;
  const q = r.quantity;
  if (
    asset.plain &&
    d.length === q.length + 1 + r.asset.length &&
    d.charCodeAt(q.length) === 32 &&
    d.startsWith(q) &&
    d.endsWith(r.asset)
  ) {
    pos = putPlain(buf, pos, r.quantity);
    buf[pos++] = 32;
    pos = putBytes(buf, pos, asset.bytes);
  } else {
    pos = putCell(buf, pos, r.description);
  }
  buf[pos++] = 10;
  return pos;
};

/**
 * Bytes `encodeForm8949Parts` may take at most for a row with these cells and a quantity of
 * `digits` digits at `scale` (quoting doubles, UTF-8 triples).
 */
export const maxForm8949PartsBytes = (
  disposalId: string,
  lotId: string,
  wallet: string,
  asset: string,
  digits: number,
  scale: number,
): number =>
  6 * (disposalId.length + lotId.length + wallet.length + 2 * asset.length + 2 * (digits + scale + 2) + 20) +
  256;

/**
 * Units at most this (2^53 − 1) may be given to `encodeForm8949Parts` as a number: every integer
 * up to it is exact as a double.
 */
export const MAX_NUMBER_UNITS = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Writes `formatScaled(units, scale)` from the digits of units (`units.toString()`, units > 0):
 * integer digits (at least "0"), then the fraction digits without trailing zeros, if any.
 */
const putUnitsDigits = (buf: Bytes, pos: number, digits: string, scale: number): number => {
  const n = digits.length;
  const intDigits = n - scale;
  let end = n;
  const fracFrom = Math.max(intDigits, 0);
  while (end > fracFrom && digits.charCodeAt(end - 1) === 48) end--;
  if (intDigits > 0) for (let i = 0; i < intDigits; i++) buf[pos++] = digits.charCodeAt(i);
  else buf[pos++] = 48;
  if (end > fracFrom) {
    buf[pos++] = 46;
    for (let i = intDigits; i < 0; i++) buf[pos++] = 48;
    for (let i = fracFrom; i < end; i++) buf[pos++] = digits.charCodeAt(i);
  }
  return pos;
};

/** Digits of the units `putUnitsNumber` and `putUnitsLimbs` write, least significant first (2^128 − 1 has 39). */
const unitDigits = new Uint8Array(40);

/**
 * `putUnitsDigits` for units given as a number: an integer, 0 ≤ units ≤ 2^53 − 1. Its digits come
 * from two int32 halves (below 10^8 each), so every division is exact integer arithmetic.
 */
const putUnitsNumber = (buf: Bytes, pos: number, units: number, scale: number): number => {
  // units = hi·10^8 + lo with 0 ≤ lo < 10^8: `hi·1e8` is exact (< 2^53), and the rounded quotient
  // is corrected should it ever be one off.
  let hi = Math.floor(units / 1e8);
  let lo = units - hi * 1e8;
  if (lo < 0) {
    hi--;
    lo += 1e8;
  } else if (lo >= 1e8) {
    hi++;
    lo -= 1e8;
  }
  const d = unitDigits;
  let n = 0;
  // lo's digits, least significant first: all 8, zeros included, when hi follows; then hi's
  // (hi < 2^53 / 10^8 < 2^27).
  const loDigits = hi > 0 ? 8 : 1;
  let l = lo | 0;
  do {
    const q = (l / 10) | 0;
    d[n++] = l - q * 10;
    l = q;
  } while (l > 0 || n < loDigits);
  for (let h = hi | 0; h > 0; ) {
    const q = (h / 10) | 0;
    d[n++] = h - q * 10;
    h = q;
  }
  return putScaledDigits(buf, pos, n, scale);
};

/** Appends the digits of `v` (an integer, 0 ≤ v < 10^8) to `unitDigits` from `n`, least significant first: all 8 when `all`, else up to its first. */
const pushDigits8 = (n: number, v: number, all: boolean): number => {
  const d = unitDigits;
  let x = v | 0;
  const until = n + 8;
  do {
    const q = (x / 10) | 0;
    d[n++] = x - q * 10;
    x = q;
  } while (all ? n < until : x > 0);
  return n;
};

/** The quotient of an integer 0 ≤ v < 2^53 divided by 10^8, rounded down (the division is rounded, then corrected). */
const divmod1e8 = (v: number): number => {
  let q = Math.floor(v / 1e8);
  const r = v - q * 1e8;
  if (r < 0) q--;
  else if (r >= 1e8) q++;
  return q;
};

/** 16-bit limbs of the units `putUnitsWords` writes (up to 128 bits), most significant first. */
const unitLimbs = new Uint32Array(8);

/**
 * `putUnitsDigits` for units given as their 32-bit words, most significant first: two (units
 * below 2^64; at least 2^53) or four (below 2^128). No bigint, no string.
 */
export const putUnitsWords = (buf: Bytes, pos: number, words: Uint32Array, scale: number): number => {
  for (let i = 0; i < words.length; i++) {
    unitLimbs[2 * i] = words[i]! >>> 16;
    unitLimbs[2 * i + 1] = words[i]! & 0xffff;
  }
  return putUnitsLimbs(buf, pos, unitLimbs, 2 * words.length, scale);
};

/**
 * `putUnitsDigits` for units given as 16-bit limbs, most significant first (`limbs[0, count)`,
 * each 0 ≤ limb < 65536; units > 0, at most 2^128 − 1): no bigint, no string. While the units
 * are 2^53 or more, a long division by 10^8 in 16-bit steps, in doubles (every step below
 * 10^8 · 65536 < 2^53: exact), gives 8 more digits; the quotient left is then a number.
 * `limbs` is consumed.
 */
const putUnitsLimbs = (buf: Bytes, pos: number, limbs: Uint32Array, count: number, scale: number): number => {
  let n = 0;
  let first = 0;
  while (first < count && limbs[first] === 0) first++;
  // 2^53 or more: more than 4 limbs left, or 4 with the first at least 2^5.
  while (count - first > 4 || (count - first === 4 && limbs[first]! >= 32)) {
    let r = 0;
    for (let i = first; i < count; i++) {
      const cur = r * 65536 + limbs[i]!;
      const q = divmod1e8(cur);
      limbs[i] = q;
      r = cur - q * 1e8;
    }
    n = pushDigits8(n, r, true);
    while (limbs[first] === 0) first++;
  }
  let rest = 0;
  for (let i = first; i < count; i++) rest = rest * 65536 + limbs[i]!;
  // rest < 2^53: its digits in pieces of 8.
  while (rest >= 1e8) {
    const q = divmod1e8(rest);
    n = pushDigits8(n, rest - q * 1e8, true);
    rest = q;
  }
  if (rest > 0 || n === 0) n = pushDigits8(n, rest, false);
  return putScaledDigits(buf, pos, n, scale);
};

/**
 * Writes the `n` digits in `unitDigits` (least significant first, the most significant non-zero
 * unless n = 1) as a quantity of 10^-scale units: as `formatScaled`.
 */
const putScaledDigits = (buf: Bytes, pos: number, n: number, scale: number): number => {
  const d = unitDigits;
  // d[0, fraction) are the fraction's digits (the last ones of the number), d[fraction, n) the
  // integer's; trailing zeros of the fraction (d[0], d[1], …) are dropped.
  const fraction = Math.min(scale, n);
  let zeros = 0;
  while (zeros < fraction && d[zeros] === 0) zeros++;
  if (n > scale) for (let i = n - 1; i >= scale; i--) buf[pos++] = 48 + d[i]!;
  else buf[pos++] = 48;
  if (zeros < fraction) {
    buf[pos++] = 46;
    for (let i = n; i < scale; i++) buf[pos++] = 48;
    for (let i = fraction - 1; i >= zeros; i--) buf[pos++] = 48 + d[i]!;
  }
  return pos;
};

/** The wallet and asset cells `encodeForm8949Parts` wrote last (strings compared, so always right). */
let lastWallet: string | undefined;
let lastWalletCell: EncodedCell | undefined;
let lastAsset: string | undefined;
let lastAssetCell: EncodedCell | undefined;

/**
 * Whether `asset`'s `form8949.csv` cell is the asset itself (no quote, no escape): the rows
 * `encodeForm8949Parts` and `encodeForm8949PartsRest` can write.
 */
export const isPlainAssetCell = (asset: string): boolean => assetCellOf(asset).plain;

/**
 * `asset`'s and `wallet`'s cells: the disposal's other lots repeat its wallet and asset, so the
 * last of each is kept (no lookup).
 */
const assetCellOf = (asset: string): EncodedCell => {
  if (asset !== lastAsset) {
    lastAsset = asset;
    lastAssetCell = encodedCell(asset);
  }
  return lastAssetCell!;
};
const walletCellOf = (wallet: string): EncodedCell => {
  if (wallet !== lastWallet) {
    lastWallet = wallet;
    lastWalletCell = encodedCell(wallet);
  }
  return lastWalletCell!;
};

/**
 * Encodes the `form8949.csv` record of an engine row given as parts (`GainsSink.form8949Parts`):
 * the bytes `encodeForm8949Line` writes for that row, without building the row, its quantity or
 * its description as strings. `units` (> 0, in 10^-scale) is either `units.toString()` or, when
 * at most `MAX_NUMBER_UNITS`, the units as a number (exact there: no string is made for it), or
 * (from 2^53 on, below 2^128) their 32-bit words, most significant first (`putUnitsWords`);
 * `proceeds` and `costBasis` are cents, integers of at most 2^50 in magnitude (so their
 * difference is exact).
 * The caller makes room for `maxForm8949PartsBytes`.
 * @returns the position after the record, or -1 (nothing written) when the asset's cell is not
 * the asset itself (quoted or escaped: the description then takes the general path).
 */
export const encodeForm8949Parts = (
  buf: Bytes,
  pos: number,
  disposalId: string,
  lotId: string,
  wallet: string,
  asset: string,
  units: string | number | Uint32Array,
  scale: number,
  dateAcquired: string,
  dateSold: string,
  proceeds: number,
  costBasis: number,
  long: boolean,
): number => {
  if (!isPlainAssetCell(asset)) return -1;
  pos = putCell(buf, pos, disposalId);
  buf[pos++] = 44;
  pos = putCell(buf, pos, lotId);
  buf[pos++] = 44;
  return encodeForm8949PartsRest(
    buf,
    pos,
    wallet,
    asset,
    units,
    scale,
    dateAcquired,
    dateSold,
    proceeds,
    costBasis,
    long,
  );
};

/**
 * The record `encodeForm8949Parts` writes from its wallet cell on (after `disposal_id,lot_id,`),
 * to the newline: for a writer that has the id cells as bytes already. `asset` must pass
 * `isPlainAssetCell`. Same units, cents and room as `encodeForm8949Parts`; `units` may also be
 * the units' 32-bit words (`putUnitsWords`).
 * @returns the position after the record.
 */
export const encodeForm8949PartsRest = (
  buf: Bytes,
  pos: number,
  wallet: string,
  asset: string,
  units: string | number | Uint32Array,
  scale: number,
  dateAcquired: string,
  dateSold: string,
  proceeds: number,
  costBasis: number,
  long: boolean,
): number => {
  const assetCell = assetCellOf(asset);
  pos = putBytes(buf, pos, walletCellOf(wallet).bytes);
  buf[pos++] = 44;
  pos = putBytes(buf, pos, assetCell.bytes);
  buf[pos++] = 44;
  const quantityStart = pos;
  pos =
    typeof units === "number"
      ? putUnitsNumber(buf, pos, units, scale)
      : typeof units === "string"
        ? putUnitsDigits(buf, pos, units, scale)
        : putUnitsWords(buf, pos, units, scale);
  const quantityEnd = pos;
  buf[pos++] = 44;
  pos = putPlain(buf, pos, dateAcquired);
  buf[pos++] = 44;
  pos = putPlain(buf, pos, dateSold);
  buf[pos++] = 44;
  pos = putCentsNumber(buf, pos, proceeds);
  buf[pos++] = 44;
  pos = putCentsNumber(buf, pos, costBasis);
  // No adjustment code, no adjustment.
  buf[pos++] = 44;
  buf[pos++] = 44;
  buf[pos++] = 44;
  pos = putCentsNumber(buf, pos, proceeds - costBasis);
  buf[pos++] = 44;
  if (long) {
    buf[pos++] = 108; // long,L
    buf[pos++] = 111;
    buf[pos++] = 110;
    buf[pos++] = 103;
    buf[pos++] = 44;
    buf[pos++] = 76;
  } else {
    buf[pos++] = 115; // short,I
    buf[pos++] = 104;
    buf[pos++] = 111;
    buf[pos++] = 114;
    buf[pos++] = 116;
    buf[pos++] = 44;
    buf[pos++] = 73;
  }
  buf[pos++] = 44;
  // The description `<quantity> <asset>` (the asset cell is the asset itself).
  if (quantityEnd - quantityStart > 8) {
    buf.copyWithin(pos, quantityStart, quantityEnd);
    pos += quantityEnd - quantityStart;
  } else for (let i = quantityStart; i < quantityEnd; i++) buf[pos++] = buf[i]!;
  buf[pos++] = 32;
  pos = putBytes(buf, pos, assetCell.bytes);
  buf[pos++] = 10;
  return pos;
};
