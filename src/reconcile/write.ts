/**
 * Output formats of `lotwise reconcile` (spec §3): `form8949.csv` (the gains contract's columns),
 * `discrepancies.csv`, `reconciliation.json` and the human summary on stdout.
 */
import { randomBytes } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import {
  encodeForm8949Line,
  FORM_8949_HEADER,
  form8949Line,
  formatForm8949Csv,
  maxForm8949LineBytes,
} from "../tax/format.ts";
import { formatCents, maxBigint } from "../tax/money.ts";
import {
  type Cents,
  type Form8949Row,
  type GainsWarning,
  type PartTotals,
  SCHEDULE_D_LINES,
} from "../tax/types.ts";
import { formatCsvRow } from "../utils/csv.ts";
import { usd } from "./format-text.ts";
import type { ReconcileRun } from "./run.ts";
import { type Discrepancy, RECONCILE_CLASSES, type ReconcileResult } from "./types.ts";

/** Columns of `discrepancies.csv`, in order (spec §3). */
export const DISCREPANCY_COLUMNS = [
  "class",
  "broker",
  "account",
  "form_line",
  "ledger_ids",
  "asset",
  "date_sold",
  "units_form",
  "units_ledger",
  "proceeds_form",
  "proceeds_ledger",
  "basis_form",
  "basis_ledger",
  "term_form",
  "term_ledger",
  "adjustment_codes",
  "adjustment_amount",
  "explanation",
] as const;

const cents = (c: Cents | undefined) => (c === undefined ? "" : formatCents(c));

/** One `discrepancies.csv` record (with its newline). */
export const discrepancyLine = (d: Discrepancy): string =>
  formatCsvRow([
    d.class,
    d.broker,
    d.account,
    d.formLine,
    d.ledgerIds.join(";"),
    d.asset,
    d.dateSold,
    d.unitsForm,
    d.unitsLedger,
    cents(d.proceedsForm),
    cents(d.proceedsLedger),
    cents(d.basisForm),
    cents(d.basisLedger),
    d.termForm,
    d.termLedger,
    d.adjustmentCodes,
    cents(d.adjustment),
    d.explanation,
  ]);

/** `discrepancies.csv` text (formula-like cells escaped). */
export const formatDiscrepanciesCsv = (rows: readonly Discrepancy[]): string => {
  let out = formatCsvRow(DISCREPANCY_COLUMNS);
  for (const d of rows) out += discrepancyLine(d);
  return out;
};

/** `form8949.csv` of a reconciliation (reported rows in G/H/J/K, the rest in I/L). */
export const formatReconciledForm8949 = (r: ReconcileResult): string => formatForm8949Csv(r.form8949);

const part = (t: PartTotals) => ({
  rows: t.rows,
  proceeds: formatCents(t.proceeds),
  cost_basis: formatCents(t.costBasis),
  adjustments: formatCents(t.adjustments),
  gain: formatCents(t.gain),
});

/** The `reconciliation.json` object. USD values are strings with two places. */
export const reconciliationJson = (
  r: ReconcileResult & { warnings?: GainsWarning[] },
): Record<string, unknown> => ({
  tax_year: r.taxYear,
  method: r.method,
  scope: r.scope,
  complete: r.complete,
  incomplete_reason: r.complete
    ? null
    : `${r.classes.form_only.count} form row(s) report disposals the books do not have (form_only); Form 8949 is incomplete until they are resolved (import the missing history, or record the disposals)`,
  accounts: r.accounts,
  classes: Object.fromEntries(
    RECONCILE_CLASSES.map((c) => {
      const t = r.classes[c];
      return [
        c,
        {
          count: t.count,
          form_rows: t.formRows,
          disposals: t.disposals,
          proceeds_form: formatCents(t.proceedsForm),
          proceeds_ledger: formatCents(t.proceedsLedger),
          basis_form: formatCents(t.basisForm),
          basis_ledger: formatCents(t.basisLedger),
          adjustment: formatCents(t.adjustment),
        },
      ];
    }),
  ),
  total_adjustment: formatCents(r.adjustment),
  adjustment_by_code: Object.fromEntries(
    Object.entries(r.adjustmentByCode).map(([k, v]) => [k, formatCents(v)]),
  ),
  gain: formatCents(r.gain),
  books_gain: formatCents(r.booksGain),
  short_term: part(r.shortTerm),
  long_term: part(r.longTerm),
  schedule_d: Object.fromEntries(SCHEDULE_D_LINES.map((line) => [`line_${line}`, part(r.scheduleD[line])])),
  notes: r.notes,
  warnings: (r.warnings ?? []).map((w) => ({ code: w.code, id: w.id, date: w.date, message: w.message })),
});

export const formatReconciliationJson = (r: ReconcileResult & { warnings?: GainsWarning[] }): string =>
  `${JSON.stringify(reconciliationJson(r), null, 2)}\n`;

/** Bytes buffered per file before a write (no output is ever held whole in memory). */
const BUFFER_BYTES = 1 << 20;

/** A file written through a fixed buffer. */
const createBufferedFile = (file: string) => {
  const fd = openSync(file, "w");
  const buf = Buffer.allocUnsafe(BUFFER_BYTES);
  let used = 0;
  const flush = () => {
    let done = 0;
    while (done < used) done += writeSync(fd, buf, done, used - done);
    used = 0;
  };
  const text = (t: string) => {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (used + t.length * 3 > buf.length) {
      flush();
      if (t.length * 3 > buf.length) {
        writeSync(fd, t);
        return;
      }
    }
    used += buf.write(t, used);
  };
  const row8949 = (r: Form8949Row) => {
    const room = maxForm8949LineBytes(r);
    if (used + room > buf.length) {
      flush();
      if (room > buf.length) return text(form8949Line(r));
    }
    used = encodeForm8949Line(buf, used, r);
  };
  const close = () => {
    flush();
    closeSync(fd);
  };
  return { text, row8949, close };
};

/**
 * Writes `form8949.csv`, `discrepancies.csv` and `reconciliation.json` into `dir`, streamed, all
 * or nothing: each goes to a temporary name first and all are renamed once all are written.
 * @returns the paths written.
 */
export const writeReconciliationFiles = async (
  dir: string,
  r: ReconcileResult & { warnings?: GainsWarning[] },
): Promise<string[]> => {
  await mkdir(dir, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const names = ["form8949.csv", "discrepancies.csv", "reconciliation.json"];
  const tmp = (name: string) => path.join(dir, `.${name}.${tag}.tmp`);
  try {
    const form = createBufferedFile(tmp(names[0]!));
    form.text(FORM_8949_HEADER);
    for (const row of r.form8949) form.row8949(row);
    form.close();
    const disc = createBufferedFile(tmp(names[1]!));
    disc.text(formatCsvRow(DISCREPANCY_COLUMNS));
    for (const d of r.discrepancies) disc.text(discrepancyLine(d));
    disc.close();
    const json = createBufferedFile(tmp(names[2]!));
    json.text(formatReconciliationJson(r));
    json.close();
    for (const n of names) await rename(tmp(n), path.join(dir, n));
  } catch (e) {
    for (const n of names) await rm(tmp(n), { force: true });
    throw e;
  }
  return names.map((n) => path.join(dir, n));
};

/** How much is at stake in a discrepancy (the largest of its differences), to list the largest first. */
export const discrepancyWeight = (d: Discrepancy): bigint => {
  const a = (v: bigint | undefined) => (v === undefined ? 0n : v < 0n ? -v : v);
  const diff = (x: bigint | undefined, y: bigint | undefined) =>
    x === undefined || y === undefined ? 0n : a(x - y);
  const gain = a((d.proceedsLedger ?? 0n) - (d.basisLedger ?? 0n));
  const all = [a(d.adjustment), diff(d.proceedsForm, d.proceedsLedger), diff(d.basisForm, d.basisLedger)];
  if (d.class === "form_only") all.push(a(d.proceedsForm));
  if (d.class === "ledger_only" || d.class === "term_differs") all.push(gain);
  if (d.class === "basis_missing") all.push(a(d.basisLedger));
  return all.reduce(maxBigint, 0n);
};

/** Discrepancies shown on stdout. */
const TOP = 10;

/** The readable summary printed by `lotwise reconcile`. */
export const formatReconcileSummary = (r: ReconcileRun, files: readonly string[] = []): string => {
  const lines: string[] = [];
  lines.push(
    `Reconciliation ${r.taxYear} (method ${r.method}, scope ${r.scope}): ${r.formRows} form row(s) for ${r.accounts.length > 0 ? r.accounts.join(", ") : "no account"}`,
  );
  const table: string[][] = [
    [
      "class",
      "form rows",
      "disposals",
      "proceeds form",
      "proceeds books",
      "basis form",
      "basis books",
      "adjust (g)",
    ],
  ];
  for (const c of RECONCILE_CLASSES) {
    const t = r.classes[c];
    table.push([
      c,
      String(t.formRows),
      String(t.disposals),
      formatCents(t.proceedsForm),
      formatCents(t.proceedsLedger),
      formatCents(t.basisForm),
      formatCents(t.basisLedger),
      formatCents(t.adjustment),
    ]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table)
    lines.push(
      `  ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")}`,
    );
  const worst = r.discrepancies
    .filter((d) => d.class !== "matched")
    .map((d, i) => ({ d, i, w: discrepancyWeight(d) }))
    .sort((a, b) => (a.w > b.w ? -1 : a.w < b.w ? 1 : a.i - b.i))
    .slice(0, TOP);
  if (worst.length > 0) {
    lines.push("Largest differences first:");
    worst.forEach(({ d }, k) => {
      const where = d.formLine || d.ledgerIds.join(";");
      const adj = d.adjustment !== undefined ? ` [${d.adjustmentCodes} ${usd(d.adjustment)}]` : "";
      lines.push(`  ${k + 1}. ${d.class} ${where}${adj}: ${d.explanation}`);
    });
  } else if (r.discrepancies.length > 0) {
    lines.push("Every form row matches the books.");
  }
  const s = r.scheduleD;
  lines.push(
    `Form 8949: box G ${s["1b"].rows}, H ${s["2"].rows}, I ${s["3"].rows}, J ${s["8b"].rows}, K ${s["9"].rows}, L ${s["10"].rows} row(s); column (h) total ${usd(r.gain)}${
      r.gain === r.booksGain
        ? ", equal to lotwise gains for this year, method and scope"
        : ` (lotwise gains without the forms: ${usd(r.booksGain)}; the difference is codes W and D)`
    }.`,
  );
  lines.push(
    `Schedule D: line 1b ${usd(s["1b"].gain)}, 2 ${usd(s["2"].gain)}, 3 ${usd(s["3"].gain)}, 8b ${usd(s["8b"].gain)}, 9 ${usd(s["9"].gain)}, 10 ${usd(s["10"].gain)} (column h).`,
  );
  if (!r.complete) lines.push(`INCOMPLETE: ${r.notes[0]}`);
  for (const n of r.notes.slice(r.complete ? 0 : 1)) lines.push(n);
  if (r.warnings.length > 0) lines.push(`Warnings: ${r.warnings.length} (listed in reconciliation.json)`);
  if (files.length > 0) lines.push(`Wrote ${files.join(", ")}`);
  return `${lines.join("\n")}\n`;
};
