/**
 * Outputs of `lotwise harvest`: `harvest.csv` (one row per open lot), `harvest.json` (the whole
 * report; USD amounts as strings with two places) and the table printed on stdout.
 */
import { formatCents } from "../tax/money.ts";
import type { Cents } from "../tax/types.ts";
import { formatCsvRow } from "../utils/csv.ts";
import { type ByteWriter, createByteWriter } from "./bytes.ts";
import type { PlannedRow } from "./lots.ts";
import type { Candidate, PlannedLot } from "./plan.ts";
import type { HarvestReport } from "./run.ts";
import type { CarryforwardYear, TaxPicture } from "./tax.ts";

export const HARVEST_CSV_COLUMNS = [
  "wallet",
  "asset",
  "lot_id",
  "acquired_in",
  "quantity",
  "date_acquired",
  "term",
  "days_held",
  "days_to_long_term",
  "long_term_on",
  "cost_basis",
  "unit_basis",
  "price",
  "price_source",
  "value",
  "unrealized",
  "status",
  "candidate_rank",
  "tax_saved",
  "carryforward_added",
  "plan",
  "wash_replacement",
] as const;

const c = (v: Cents | undefined): string => (v === undefined ? "" : formatCents(v));
/** A large array whose elements are written straight as JSON bytes, one per line. */
class JsonItems {
  constructor(
    readonly length: number,
    readonly item: (i: number, w: ByteWriter) => void,
  ) {}
  toJSON(): unknown {
    const out: unknown[] = [];
    for (let i = 0; i < this.length; i++) {
      const w = createByteWriter();
      this.item(i, w);
      out.push(JSON.parse(w.done().toString("utf8")));
    }
    return out;
  }
}

/** Candidates listed in `harvest.json`: the best `JSON_CANDIDATES`, and every whole position. */
export const JSON_CANDIDATES = 100;
const listed = new WeakMap<HarvestReport, Candidate[]>();
const jsonCandidates = (r: HarvestReport): Candidate[] => {
  let list = listed.get(r);
  if (list === undefined) {
    list = r.candidates.filter((k, i) => i < JSON_CANDIDATES || k.kind === "position");
    listed.set(r, list);
  }
  return list;
};

/** Plan lots listed in `harvest.json`: those sold this year (the rest are marked on `lots`). */
const planned = new WeakMap<HarvestReport, PlannedLot[]>();
const planLots = (r: HarvestReport): PlannedLot[] => {
  let list = planned.get(r);
  if (list === undefined) {
    list = r.plan.lots.filter((p) => p.bucket === "this_year");
    planned.set(r, list);
  }
  return list;
};

/** `"1234.50"` or `null`. */
const jsonCents = (w: ByteWriter, v: Cents | undefined) => {
  if (v === undefined) w.ascii("null");
  else {
    w.ascii('"');
    w.cents(v);
    w.ascii('"');
  }
};

/** `harvest.csv` bytes: one row per open lot (spreadsheet formulas defused). */
export const writeHarvestCsv = (r: HarvestReport): Buffer => harvestCsvWriter(r).done();

/** `harvest.csv` as the buffers it was written into (no copy into one buffer; for a file). */
export const writeHarvestCsvChunks = (r: HarvestReport): Buffer[] => harvestCsvWriter(r).chunks();

const harvestCsvWriter = (r: HarvestReport): ByteWriter => {
  const w = createByteWriter();
  w.text(formatCsvRow(HARVEST_CSV_COLUMNS));
  for (const l of r.lots) {
    // Numbers, dates and fixed words need no quoting or escaping (a loss like -12.50 stays a number).
    w.csvCell(l.wallet);
    w.ascii(",");
    w.csvCell(l.asset);
    w.ascii(",");
    w.csvCell(l.lotId);
    w.ascii(",");
    w.csvCell(l.acquiredIn);
    // Separate pieces, not template strings: a joined string is built and flattened per lot.
    w.ascii(",");
    w.ascii(l.quantity);
    w.ascii(",");
    w.ascii(l.dateAcquired);
    w.ascii(",");
    w.ascii(l.term);
    w.ascii(",");
    w.int(l.daysHeld);
    w.ascii(",");
    w.int(l.daysToLongTerm);
    w.ascii(",");
    w.ascii(l.longTermOn);
    w.ascii(",");
    w.cents(l.costBasis);
    w.ascii(",");
    w.ascii(l.unitBasis);
    w.ascii(",");
    if (l.price) {
      w.ascii(l.price.usd);
      w.ascii(",");
      w.csvCell(l.price.source);
      w.ascii(",");
      w.cents(l.value!);
      w.ascii(",");
      w.cents(l.unrealized!);
      w.ascii(",priced,");
    } else w.ascii(",,,,unpriced,");
    if (l.candidate) {
      w.int(l.candidate.rank);
      w.ascii(",");
      w.cents(l.candidate.taxSaved);
      w.ascii(",");
      w.cents(l.candidate.carryforwardAdded);
    } else w.ascii(",,");
    w.ascii(",");
    if (l.plan) w.ascii(l.plan.bucket);
    w.ascii(l.washReplacement ? ",yes\n" : ",\n");
  }
  return w;
};

/** `harvest.csv` as text. */
export const formatHarvestCsv = (r: HarvestReport): string => writeHarvestCsv(r).toString("utf8");

const pair = (p: { shortTerm: Cents; longTerm: Cents }) => ({
  short_term: formatCents(p.shortTerm),
  long_term: formatCents(p.longTerm),
});

const pictureJson = (t: TaxPicture) => ({
  short_term_gain: formatCents(t.shortTermGain),
  long_term_gain: formatCents(t.longTermGain),
  carryover_in: pair(t.carryoverIn),
  net_short_term: formatCents(t.line7),
  net_long_term: formatCents(t.line15),
  net: formatCents(t.line16),
  capital_loss_deduction: formatCents(t.line21),
  carryover_out: pair(t.carryoverOut),
  taxable_income: formatCents(t.taxableIncome),
  regular_tax: formatCents(t.regularTax),
  niit: formatCents(t.niit),
  total_tax: formatCents(t.totalTax),
  marginal: {
    ordinary_rate: `${t.marginal.ordinaryBps / 100}%`,
    long_term_rate: `${t.marginal.longTermBps / 100}%`,
    niit: t.marginal.niit,
  },
});

/**
 * "tax saved this year: X; added to the carryforward: short Y, long Z" — a what-if that sells at a
 * gain adds tax and uses carryforward, and says so rather than showing negative savings.
 */
const savedAndCarried = (saved: Cents, carry: { shortTerm: Cents; longTerm: Cents }): string => {
  const tax =
    saved < 0n ? `tax added this year: ${formatCents(-saved)}` : `tax saved this year: ${formatCents(saved)}`;
  const used = carry.shortTerm < 0n || carry.longTerm < 0n;
  const abs = (c: Cents) => formatCents(used ? -c : c);
  return used && carry.shortTerm <= 0n && carry.longTerm <= 0n
    ? `${tax}; used from the carryforward: short ${abs(carry.shortTerm)}, long ${abs(carry.longTerm)}`
    : `${tax}; added to the carryforward: short ${formatCents(carry.shortTerm)}, long ${formatCents(carry.longTerm)}`;
};

const rowJson = (r: PlannedRow | import("../tax/types.ts").Form8949Row) => ({
  lot_id: r.lotId,
  wallet: r.wallet,
  asset: r.asset,
  quantity: r.quantity,
  date_acquired: r.dateAcquired,
  proceeds: formatCents(r.proceeds),
  cost_basis: formatCents(r.costBasis),
  adjustment_code: r.adjustmentCode,
  adjustment_amount: c(r.adjustment),
  gain: formatCents(r.gain),
  term: r.term,
});

const carryJson = (rows: readonly CarryforwardYear[]) =>
  rows.map((y) => ({
    year: y.year,
    carryover_in: pair(y.carryoverIn),
    deduction: formatCents(y.deduction),
    carryover_out: pair(y.carryoverOut),
  }));

/** The `harvest.json` object. */
export const harvestJson = (r: HarvestReport): Record<string, unknown> => ({
  as_of: r.asOf,
  tax_year: r.taxYear,
  method: r.method,
  scope: r.scope,
  filing_status: r.filingStatus,
  assumptions: {
    taxable_income: formatCents(r.assumptions.taxableIncome),
    taxable_income_assumed: r.assumptions.taxableIncomeAssumed,
    brackets_year: r.assumptions.tables.year,
    brackets_published: r.assumptions.tables.published,
    wash_sale_simulation: r.assumptions.washSale,
    notes: r.assumptions.notes,
  },
  prices: r.prices,
  positions: r.positions.map((p) => ({
    wallet: p.wallet,
    asset: p.asset,
    quantity: p.quantity,
    lots: p.lots,
    cost_basis: formatCents(p.costBasis),
    value: c(p.value) || null,
    unrealized: c(p.unrealized) || null,
    lots_below_cost: p.lotsBelowCost,
    unpriced_lots: p.unpricedLots,
  })),
  lots: (() => {
    return new JsonItems(r.lots.length, (i, w) => {
      const l = r.lots[i]!;
      w.ascii('{"wallet":');
      w.jsonString(l.wallet);
      w.ascii(',"asset":');
      w.jsonString(l.asset);
      w.ascii(',"lot_id":');
      w.jsonString(l.lotId);
      w.ascii(',"acquired_in":');
      w.jsonString(l.acquiredIn);
      // Separate pieces, not template strings: a joined string is built and flattened per lot.
      w.ascii(',"quantity":"');
      w.ascii(l.quantity);
      w.ascii('","acquired":"');
      w.ascii(l.acquired);
      w.ascii('","date_acquired":"');
      w.ascii(l.dateAcquired);
      w.ascii('","term":"');
      w.ascii(l.term);
      w.ascii('","days_held":');
      w.int(l.daysHeld);
      w.ascii(',"days_to_long_term":');
      w.int(l.daysToLongTerm);
      w.ascii(',"long_term_on":"');
      w.ascii(l.longTermOn);
      w.ascii('","cost_basis":');
      jsonCents(w, l.costBasis);
      w.ascii(',"unit_basis":"');
      w.ascii(l.unitBasis);
      w.ascii('","price":');
      if (l.price) {
        w.ascii('"');
        w.ascii(l.price.usd);
        w.ascii('"');
      } else w.ascii("null");
      w.ascii(',"value":');
      jsonCents(w, l.value);
      w.ascii(',"unrealized":');
      jsonCents(w, l.unrealized);
      w.ascii(l.price ? ',"status":"priced","candidate_rank":' : ',"status":"unpriced","candidate_rank":');
      if (l.candidate) w.int(l.candidate.rank);
      else w.ascii("null");
      w.ascii(',"tax_saved":');
      jsonCents(w, l.candidate?.taxSaved);
      w.ascii(',"carryforward_added":');
      jsonCents(w, l.candidate?.carryforwardAdded);
      w.ascii(',"plan":');
      if (l.plan) {
        w.ascii('"');
        w.ascii(l.plan.bucket);
        w.ascii('"');
      } else w.ascii("null");
      w.ascii(l.washReplacement ? ',"wash_replacement":true}' : ',"wash_replacement":false}');
    });
  })(),
  year_so_far: {
    short_term_rows: r.yearSoFar.shortTermRows,
    long_term_rows: r.yearSoFar.longTermRows,
    ...pictureJson(r.yearSoFar),
  },
  candidates: new JsonItems(jsonCandidates(r).length, (i, w) => {
    const k = jsonCandidates(r)[i]!;
    w.ascii('{"rank":');
    w.int(k.rank);
    w.ascii(`,"kind":"${k.kind}","wallet":`);
    w.jsonString(k.wallet);
    w.ascii(',"asset":');
    w.jsonString(k.asset);
    w.ascii(',"lots":');
    w.jsonString(k.lots);
    w.ascii(`,"quantity":"${k.quantity}","proceeds":`);
    jsonCents(w, k.proceeds);
    w.ascii(',"cost_basis":');
    jsonCents(w, k.costBasis);
    w.ascii(',"gain":');
    jsonCents(w, k.gain);
    w.ascii(',"short_term_gain":');
    jsonCents(w, k.shortTermGain);
    w.ascii(',"long_term_gain":');
    jsonCents(w, k.longTermGain);
    w.ascii(',"tax_saved":');
    jsonCents(w, k.taxSaved);
    w.ascii(',"carryforward_added":{"short_term":');
    jsonCents(w, k.carryforwardAdded.shortTerm);
    w.ascii(',"long_term":');
    jsonCents(w, k.carryforwardAdded.longTerm);
    w.ascii('},"wash_disallowed":');
    jsonCents(w, k.washDisallowed);
    w.ascii(',"note":');
    w.jsonString(k.note);
    w.ascii("}");
  }),
  plan: {
    sales: r.plan.sales.map((s) => ({
      id: s.row.id,
      time: s.row.time,
      wallet: s.wallet,
      asset: s.asset,
      quantity: s.quantity,
      proceeds: formatCents(s.proceeds),
      lots: s.lots,
    })),
    lots: new JsonItems(planLots(r).length, (i, w) => {
      const p = planLots(r)[i]!;
      w.ascii('{"lot_id":');
      w.jsonString(p.lotId);
      w.ascii(',"wallet":');
      w.jsonString(p.wallet);
      w.ascii(',"asset":');
      w.jsonString(p.asset);
      w.ascii(`,"quantity":"${p.quantity}","gain":`);
      jsonCents(w, p.gain);
      w.ascii(`,"term":"${p.term}","tax_saved":`);
      jsonCents(w, p.taxSaved);
      w.ascii(`,"bucket":"${p.bucket}"}`);
    }),
    form8949: r.plan.rows.map(rowJson),
    after: pictureJson(r.plan.after),
    tax_saved: formatCents(r.plan.taxSaved),
    carryforward_added: pair(r.plan.carryforwardAdded),
    wash_disallowed: c(r.plan.washDisallowed) || null,
  },
  what_if: r.whatIf
    ? {
        sales: r.whatIf.sales.map((s) => ({ ...s, proceeds: formatCents(s.proceeds) })),
        form8949: r.whatIf.rows.map(rowJson),
        before: pictureJson(r.whatIf.before),
        after: pictureJson(r.whatIf.after),
        tax_saved: formatCents(r.whatIf.taxSaved),
        carryforward_added: pair(r.whatIf.carryforwardAdded),
        buy_backs: r.whatIf.buyBacks.map((b) => ({
          wallet: b.wallet,
          asset: b.asset,
          quantity: b.quantity,
          cost: formatCents(b.cost),
          basis: formatCents(b.basis),
          holding_period: b.holdingPeriod,
          parts: b.parts.map((p) => ({
            quantity: p.quantity,
            cost_basis: formatCents(p.costBasis),
            date_acquired: p.dateAcquired,
            long_term_on: p.longTermOn,
            wash_replacement: p.washReplacement,
          })),
        })),
      }
    : null,
  carryforward: {
    if_nothing_sold: carryJson(r.carryforward.ifNothingSold),
    after_plan: carryJson(r.carryforward.afterPlan),
  },
  warnings: r.warnings.map((w) => ({ code: w.code, id: w.id, date: w.date, message: w.message })),
});

/**
 * Writes JSON with objects indented and each element of an array of objects on one line (a
 * report of 100,000 lots stays readable line by line, and a fraction of fully indented JSON).
 */
const emitJson = (w: ByteWriter, v: unknown, indent: string): void => {
  const inner = `${indent}  `;
  if (v instanceof JsonItems) {
    if (v.length === 0) {
      w.ascii("[]");
      return;
    }
    w.ascii("[");
    const first = `\n${inner}`;
    const next = `,\n${inner}`;
    for (let i = 0; i < v.length; i++) {
      w.ascii(i === 0 ? first : next);
      v.item(i, w);
    }
    w.ascii(`\n${indent}]`);
    return;
  }
  if (Array.isArray(v)) {
    if (v.length === 0 || !v.every((x) => x !== null && typeof x === "object")) {
      w.text(JSON.stringify(v));
      return;
    }
    w.ascii("[");
    v.forEach((x, i) => {
      w.ascii(i === 0 ? `\n${inner}` : `,\n${inner}`);
      w.text(JSON.stringify(x));
    });
    w.ascii(`\n${indent}]`);
    return;
  }
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v);
    if (entries.length === 0) {
      w.ascii("{}");
      return;
    }
    w.ascii("{");
    entries.forEach(([k, x], i) => {
      w.ascii(i === 0 ? `\n${inner}` : `,\n${inner}`);
      w.text(`${JSON.stringify(k)}: `);
      emitJson(w, x, inner);
    });
    w.ascii(`\n${indent}}`);
    return;
  }
  w.text(JSON.stringify(v) ?? "null");
};

/** `harvest.json` bytes. */
export const writeHarvestJson = (r: HarvestReport): Buffer => harvestJsonWriter(r).done();

/** `harvest.json` as the buffers it was written into (no copy into one buffer; for a file). */
export const writeHarvestJsonChunks = (r: HarvestReport): Buffer[] => harvestJsonWriter(r).chunks();

const harvestJsonWriter = (r: HarvestReport): ByteWriter => {
  const w = createByteWriter();
  emitJson(w, harvestJson(r), "");
  w.ascii("\n");
  return w;
};

/** `harvest.json` as text. */
export const formatHarvestJson = (r: HarvestReport): string => writeHarvestJson(r).toString("utf8");

/** Negative amounts in parentheses, as on the forms. */
const usd = (v: Cents | undefined): string =>
  v === undefined ? "—" : v < 0n ? `(${formatCents(-v)})` : formatCents(v);

/** Columns padded: the first `left` columns left-aligned, the rest right-aligned. */
const table = (rows: string[][], left: number): string[] => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) =>
    `  ${r.map((cell, i) => (i < left ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")}`.trimEnd(),
  );
};

const pct = (bps: number) => `${bps / 100}%`;

/** A price for the table: at most 8 decimals (the CSV and JSON keep every digit). */
const shortPrice = (usd: string): string => {
  const dot = usd.indexOf(".");
  return dot < 0 || usd.length - dot - 1 <= 8 ? usd : usd.slice(0, dot + 9).replace(/0+$/, "");
};

const pictureLines = (t: TaxPicture): string[] =>
  table(
    [
      ["line 7", "net short-term gain or (loss)", usd(t.line7)],
      ["line 15", "net long-term gain or (loss)", usd(t.line15)],
      ["line 16", "net gain or (loss)", usd(t.line16)],
      ["line 21", "capital loss deduction", usd(t.line21 === 0n ? 0n : -t.line21)],
      [
        "",
        "carryforward to next year (short / long)",
        `${formatCents(t.carryoverOut.shortTerm)} / ${formatCents(t.carryoverOut.longTerm)}`,
      ],
      ["", "taxable income (estimate)", usd(t.taxableIncome)],
      [
        "",
        "federal tax: regular + NIIT",
        `${formatCents(t.regularTax)} + ${formatCents(t.niit)} = ${formatCents(t.totalTax)}`,
      ],
      [
        "",
        "marginal rates",
        `ordinary ${pct(t.marginal.ordinaryBps)}, long-term ${pct(t.marginal.longTermBps)}${t.marginal.niit ? " + 3.8% NIIT" : ""}`,
      ],
    ],
    2,
  );

/** Lots listed on stdout at most (all are in harvest.csv). */
export const STDOUT_LOTS = 60;
/** Candidates listed on stdout at most. */
export const STDOUT_CANDIDATES = 15;

/** The human report printed on stdout. */
export const formatHarvestTable = (r: HarvestReport): string => {
  const out: string[] = [];
  out.push(
    `Tax-loss harvesting as of ${r.asOf}: tax year ${r.taxYear}, method ${r.method}, scope ${r.scope}, filing status ${r.filingStatus}`,
  );
  for (const n of r.assumptions.notes) out.push(`  note: ${n}`);
  out.push("", `Positions (${r.positions.length}) and open lots (${r.lots.length})`);
  out.push(
    ...table(
      [
        ["wallet", "asset", "lots", "quantity", "cost basis", "value", "unrealized"],
        ...r.positions.map((p) => [
          p.wallet || "(all wallets)",
          p.asset,
          String(p.lots),
          p.quantity,
          formatCents(p.costBasis),
          p.unpricedLots > 0 ? `unpriced (${p.unpricedLots} lot(s))` : usd(p.value),
          usd(p.unrealized),
        ]),
      ],
      2,
    ),
  );
  if (r.lots.length > 0) {
    out.push("");
    const shown = r.lots.slice(0, STDOUT_LOTS);
    out.push(
      ...table(
        [
          [
            "wallet",
            "asset",
            "lot",
            "quantity",
            "acquired",
            "term",
            "to long",
            "basis",
            "per unit",
            "price",
            "value",
            "unrealized",
          ],
          ...shown.map((l) => [
            l.wallet || "(all)",
            l.asset,
            l.lotId,
            l.quantity,
            l.dateAcquired,
            l.term,
            l.term === "long" ? "" : `${l.daysToLongTerm} d`,
            formatCents(l.costBasis),
            l.unitBasis,
            l.price ? shortPrice(l.price.usd) : "unpriced",
            usd(l.value),
            usd(l.unrealized),
          ]),
        ],
        3,
      ),
    );
    if (r.lots.length > shown.length)
      out.push(`  … ${r.lots.length - shown.length} more lot(s) in harvest.csv`);
  }
  out.push("", "Year so far (Schedule D if nothing more is sold)");
  out.push(
    `  realized: short-term ${usd(r.yearSoFar.shortTermGain)} (${r.yearSoFar.shortTermRows} rows), long-term ${usd(r.yearSoFar.longTermGain)} (${r.yearSoFar.longTermRows} rows); carryover in: short ${formatCents(r.yearSoFar.carryoverIn.shortTerm)}, long ${formatCents(r.yearSoFar.carryoverIn.longTerm)}`,
  );
  out.push(...pictureLines(r.yearSoFar));
  out.push("", `Candidates (${r.candidates.length}, ranked by federal tax saved this year)`);
  if (r.candidates.length === 0) out.push("  none: no priced lot is below cost");
  else {
    out.push(
      ...table(
        [
          [
            "#",
            "kind",
            "wallet",
            "asset",
            "quantity",
            "gain/(loss)",
            "tax saved",
            "carryforward +",
            "lots",
            "note",
          ],
          ...r.candidates
            .slice(0, STDOUT_CANDIDATES)
            .map((k) => [
              String(k.rank),
              k.kind,
              k.wallet,
              k.asset,
              k.quantity,
              usd(k.gain),
              formatCents(k.taxSaved),
              formatCents(k.carryforwardAdded.shortTerm + k.carryforwardAdded.longTerm),
              k.lots.length > 40 ? `${k.lots.slice(0, 37)}...` : k.lots,
              k.note +
                (k.washDisallowed ? `; wash rule would disallow ${formatCents(k.washDisallowed)}` : ""),
            ]),
        ],
        0,
      ).map((line) => line),
    );
    if (r.candidates.length > STDOUT_CANDIDATES)
      out.push(`  … ${r.candidates.length - STDOUT_CANDIDATES} more in harvest.json`);
  }
  out.push("", "Plan");
  if (r.plan.sales.length === 0) out.push("  nothing to sell: no sale lowers this year's tax");
  else {
    out.push("  record these sales (ledger rows with specific identification in the lots column):");
    for (const s of r.plan.sales)
      out.push(
        `  sell ${s.quantity} ${s.asset} from ${s.wallet} for ${formatCents(s.proceeds)}: lots ${s.lots}`,
      );
    out.push(...pictureLines(r.plan.after));
    out.push(`  ${savedAndCarried(r.plan.taxSaved, r.plan.carryforwardAdded)}`);
    if (r.plan.washDisallowed !== undefined)
      out.push(
        `  wash-sale simulation: ${formatCents(r.plan.washDisallowed)} of the plan's losses disallowed`,
      );
  }
  const rest = r.plan.rest;
  if (rest.lots > 0) {
    out.push(
      rest.carryforwardAdded === rest.loss
        ? `  ${rest.lots} more lot(s) below cost (${formatCents(rest.loss)}) would only add to the carryforward`
        : `  ${rest.lots} more lot(s) below cost (${formatCents(rest.loss)}) would not lower this year's tax; selling them too would add ${formatCents(rest.carryforwardAdded)} to the carryforward`,
    );
  }
  if (r.whatIf) {
    const w = r.whatIf;
    out.push("", "What-if");
    for (const s of w.sales)
      out.push(`  sell ${s.quantity} ${s.asset} from ${s.wallet} at ${s.price} = ${formatCents(s.proceeds)}`);
    out.push(
      ...table(
        [
          ["lot", "quantity", "acquired", "proceeds", "basis", "adj.", "gain/(loss)", "term"],
          ...w.rows.map((x) => [
            x.lotId || "(no basis)",
            x.quantity,
            x.dateAcquired,
            formatCents(x.proceeds),
            formatCents(x.costBasis),
            x.adjustment === undefined ? "" : `${x.adjustmentCode} ${formatCents(x.adjustment)}`,
            usd(x.gain),
            x.term,
          ]),
        ],
        1,
      ),
    );
    out.push("  before:", ...pictureLines(w.before), "  after:", ...pictureLines(w.after));
    out.push(`  ${savedAndCarried(w.taxSaved, w.carryforwardAdded)}`);
    for (const b of w.buyBacks) {
      out.push(
        `  buy back ${b.quantity} ${b.asset} in ${b.wallet} for ${formatCents(b.cost)}: new basis ${formatCents(b.basis)}, holding period ${b.holdingPeriod === "restarts" ? "restarts" : "tacked (wash-sale rule)"}`,
      );
      for (const p of b.parts)
        out.push(
          `    ${p.quantity} acquired ${p.dateAcquired} (long-term from ${p.longTermOn}), basis ${formatCents(p.costBasis)}`,
        );
    }
  }
  if (r.carryforward.afterPlan.length > 0) {
    out.push("", "Carryforward after the plan (no other gains, full deduction each year)");
    out.push(
      ...table(
        [
          ["year", "carried in", "deducted", "carried out"],
          ...r.carryforward.afterPlan.map((y) => [
            String(y.year),
            formatCents(y.carryoverIn.shortTerm + y.carryoverIn.longTerm),
            formatCents(y.deduction),
            formatCents(y.carryoverOut.shortTerm + y.carryoverOut.longTerm),
          ]),
        ],
        1,
      ),
    );
  }
  out.push("", `Warnings: ${r.warnings.length}`);
  for (const w of r.warnings.slice(0, 20)) out.push(`  ${w.code}: ${w.message}`);
  if (r.warnings.length > 20) out.push(`  … ${r.warnings.length - 20} more in harvest.json`);
  return `${out.join("\n")}\n`;
};
