/**
 * The engine's entry points: ledger rows in; Form 8949 rows, Schedule D summaries, warnings and
 * the Rev. Proc. 2024-28 allocation record out. Pure: no I/O, no database. The service calls
 * `computeGains`/`computeGainsYears` on rows it holds; the CLI streams a file through
 * `computeGainsStream` so neither the text rows nor the Form 8949 rows are all in memory.
 *
 * Errors: every row is validated before any computation error is reported, so a malformed row
 * is always reported as such, whatever the row order.
 */
import { UserInputError } from "../errors.ts";
import { pow10 } from "../ledger/decimal.ts";
import type { RawRecordHandler } from "../ledger/read.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { carryoverWorksheet, netScheduleD } from "./carryover.ts";
import { createDateOf, isTimeZone, startOfYearIn } from "./dates.ts";
import type { DecodedBatch, ThreadIds } from "./decoded-batch.ts";
import { createGainsEngine, type EngineOutput, type GainsEngine, type GainsSink } from "./engine.ts";
import {
  createRowPreparer,
  emptyPreparedRow,
  type PreparedRow,
  prepareLedger,
  rescaleRow,
} from "./prepare.ts";
import {
  type AllocationEntry,
  type Cents,
  FILING_STATUSES,
  type Form8949Row,
  type GainsOptions,
  type GainsResult,
  type GainsSummary,
  type GainsWarning,
  type GiftRow,
  METHODS,
  type OpenLot,
  type PartTotals,
  type Position,
  SCOPES,
  type YearResult,
} from "./types.ts";

export type { GainsSink, LotMove } from "./engine.ts";

/**
 * The first tax year the engine takes, and where a run starts when the loss carried into a year is
 * computed from the ledger's earlier years (every earlier row is then applied).
 */
export const FIRST_TAX_YEAR = 1900;

const checkOptions = (o: GainsOptions) => {
  if (!Number.isInteger(o.fromYear) || !Number.isInteger(o.toYear) || o.fromYear > o.toYear) {
    throw new UserInputError(`invalid year range ${o.fromYear}-${o.toYear}`);
  }
  if (o.fromYear < FIRST_TAX_YEAR || o.toYear > 9999)
    throw new UserInputError(`year out of range: ${o.fromYear}-${o.toYear}`);
  if (o.method !== undefined && !METHODS.includes(o.method)) {
    throw new UserInputError(`unknown method "${o.method}" (expected ${METHODS.join(", ")})`);
  }
  if (o.scope !== undefined && !SCOPES.includes(o.scope)) {
    throw new UserInputError(`unknown scope "${o.scope}" (expected ${SCOPES.join(", ")})`);
  }
  if (o.filingStatus !== undefined && !FILING_STATUSES.includes(o.filingStatus)) {
    throw new UserInputError(
      `unknown filing status "${o.filingStatus}" (expected ${FILING_STATUSES.join(", ")})`,
    );
  }
  if (o.timeZone !== undefined && !isTimeZone(o.timeZone))
    throw new UserInputError(`unknown time zone "${o.timeZone}"`);
  const c = o.carryoverIn;
  if (c && (c.shortTerm < 0n || c.longTerm < 0n)) throw new UserInputError("carryovers are positive amounts");
  if (o.until !== undefined && !Number.isFinite(o.until)) throw new UserInputError("invalid as-of instant");
};

const createEngine = (
  options: GainsOptions,
  scales: { quantityScale: number; usdScale: number },
  sink: GainsSink,
  isKnownLot?: (id: string) => boolean,
  nameKeys?: Readonly<Int32Array>,
): GainsEngine =>
  createGainsEngine({
    method: options.method ?? "fifo",
    scope: options.scope ?? "transition",
    strict: options.strict ?? false,
    fromYear: options.fromYear,
    toYear: options.toYear,
    dateOf: createDateOf(options.timeZone ?? "UTC"),
    source: options.source ?? "ledger.csv",
    quantityScale: scales.quantityScale,
    usdScale: scales.usdScale,
    sink,
    isKnownLot,
    openLots: options.openLots,
    washSale: options.washSale,
    totalsOnly: options.totalsOnly,
    rowsFromYear: options.rowsFromYear,
    nameKeys,
  });

/** Whether a row falls after `options.until` (validated, never applied). */
const afterUntil = (options: GainsOptions): ((ms: number, ns: number) => boolean) => {
  const until = options.until;
  if (until === undefined) return () => false;
  return (ms, ns) => ms > until || (ms === until && ns > 0);
};

const emptyTotals = (): PartTotals => ({ proceeds: 0n, costBasis: 0n, adjustments: 0n, gain: 0n, rows: 0 });

/** Schedule D of every reported year, carryovers flowing from each year into the next. */
const summarize = (engine: EngineOutput, options: GainsOptions): GainsSummary[] => {
  const method = options.method ?? "fifo";
  const scope = options.scope ?? "transition";
  const filingStatus = options.filingStatus ?? "single";
  const summaries: GainsSummary[] = [];
  let carryoverIn = options.carryoverIn ?? { shortTerm: 0n, longTerm: 0n };
  for (let year = options.fromYear; year <= options.toYear; year++) {
    const totals = engine.totals.get(year) ?? { short: emptyTotals(), long: emptyTotals() };
    const netting = netScheduleD({
      shortTermGain: totals.short.gain,
      longTermGain: totals.long.gain,
      carryoverIn,
      filingStatus,
    });
    // `taxableIncome` is the reported years' (Form 1040 line 15); a year computed only for the
    // carryover it passes on (before `rowsFromYear`) is taken to use its full deduction.
    const reported = year >= (options.rowsFromYear ?? options.fromYear);
    const worksheet = carryoverWorksheet({
      ...netting,
      taxableIncome: reported ? options.taxableIncome : undefined,
    });
    const bySubtype: Record<string, Cents> = {};
    let incomeTotal = 0n;
    const income = [...(engine.income.get(year) ?? new Map<string, Cents>())];
    for (const [k, v] of income.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      bySubtype[k] = v;
      incomeTotal += v;
    }
    const yearEnd = year * 10000 + 1231;
    const summary: GainsSummary = {
      taxYear: year,
      method,
      scope,
      filingStatus,
      shortTerm: totals.short,
      longTerm: totals.long,
      carryoverIn,
      netShortTerm: netting.line7,
      netLongTerm: netting.line15,
      net: netting.line16,
      capitalLossDeduction: netting.line21,
      carryoverOut: { shortTerm: worksheet.shortTerm, longTerm: worksheet.longTerm },
      ordinaryIncome: { total: incomeTotal, bySubtype },
      warnings: engine.warnings.filter((w) => w.dateNumber <= yearEnd).map(({ dateNumber: _, ...w }) => w),
    };
    summaries.push(summary);
    carryoverIn = summary.carryoverOut;
  }
  return summaries;
};

/**
 * Computes every tax year of `fromYear … toYear`. The whole ledger is applied (rows after the
 * last year too, so any error in the ledger stops the run); each year's capital loss carryover
 * out is the next year's carryover in.
 *
 * @throws UserInputError `FILE:LINE: column: what is wrong` for an invalid row, a `lots` cell the
 * pools cannot satisfy, or (with `strict`) a shortfall; or for invalid options.
 */
export const computeGainsYears = (rows: Iterable<LedgerRow>, options: GainsOptions): GainsResult => {
  checkOptions(options);
  const prepared = prepareLedger(rows, options.source ?? "ledger.csv");
  const form8949 = new Map<number, Form8949Row[]>();
  const gifts = new Map<number, GiftRow[]>();
  const push = <T>(m: Map<number, T[]>, year: number, item: T) => {
    const list = m.get(year);
    if (list) list.push(item);
    else m.set(year, [item]);
  };
  const engine = createEngine(options, prepared, {
    form8949: (year, row) => push(form8949, year, row),
    gift: (year, gift) => push(gifts, year, gift),
  });
  const after = afterUntil(options);
  for (const r of prepared.rows) if (!after(r.ms, r.ns)) engine.apply(r);
  const out = engine.finish();
  const years: YearResult[] = summarize(out, options).map((summary) => ({
    taxYear: summary.taxYear,
    form8949: form8949.get(summary.taxYear) ?? [],
    gifts: gifts.get(summary.taxYear) ?? [],
    summary,
  }));
  return {
    years,
    allocation: out.allocation,
    warnings: out.warnings.map(({ dateNumber: _, ...w }) => w),
    positions: out.positions,
    ...(out.openLots ? { openLots: out.openLots } : {}),
  };
};

/** Computes one tax year (`computeGainsYears` with `fromYear = toYear = year`). */
export const computeGains = (
  rows: Iterable<LedgerRow>,
  options: Omit<GainsOptions, "fromYear" | "toYear"> & { year: number },
): YearResult & {
  allocation: AllocationEntry[] | undefined;
  warnings: GainsWarning[];
  positions: Position[];
  openLots?: OpenLot[] | undefined;
} => {
  const { year, ...rest } = options;
  const result = computeGainsYears(rows, { ...rest, fromYear: year, toYear: year });
  return {
    ...result.years[0]!,
    allocation: result.allocation,
    warnings: result.warnings,
    positions: result.positions,
    ...(result.openLots ? { openLots: result.openLots } : {}),
  };
};

/**
 * The capital loss carried out of the ledger's years before `year` into it (zero when none), and the
 * earliest of those years with a Form 8949 row: what `lotwise report` and the API's gains use when
 * no carryover is given, as `lotwise gains` computes it (each earlier year taken to use its full
 * deduction, within its filing status's limit).
 */
export const carryoverFromEarlierYears = (
  rows: Iterable<LedgerRow>,
  options: Omit<GainsOptions, "fromYear" | "toYear" | "rowsFromYear" | "carryoverIn"> & { year: number },
): { carryoverIn: { shortTerm: Cents; longTerm: Cents }; earliestPrior: number | undefined } => {
  const { year, ...rest } = options;
  const earlier = computeGainsYears(rows, {
    ...rest,
    fromYear: FIRST_TAX_YEAR,
    toYear: year - 1,
    rowsFromYear: year,
  });
  return {
    carryoverIn: earlier.years.at(-1)?.summary.carryoverOut ?? { shortTerm: 0n, longTerm: 0n },
    earliestPrior: earlier.years.find((y) => y.summary.shortTerm.rows + y.summary.longTerm.rows > 0)?.taxYear,
  };
};

/** A sink the streaming run may have to start over (see `computeGainsStream`). */
export type ResettableSink = GainsSink & {
  /** Forgets every row received so far. */
  reset: () => void;
};

/** What a streaming run returns besides the rows its sink received. */
export type GainsReport = {
  summaries: GainsSummary[];
  allocation: AllocationEntry[] | undefined;
  warnings: GainsWarning[];
  positions: Position[];
  /** Every open lot after the last applied row, when `openLots` was asked for. */
  openLots?: OpenLot[] | undefined;
};

/**
 * Hands every ledger row, in file order, to `row` (or, for a plain record read as bytes, first to
 * `raw`, which answers `false` to have it sent to `row` decoded). A feed reading on a thread
 * (src/tax/parse-thread.ts) instead hands every row over in batches to `batch`, then what the
 * thread found of the ids to `threadIds`. It may be called twice.
 */
export type LedgerFeed = (handlers: {
  row: (row: LedgerRow) => void;
  raw: RawRecordHandler;
  /** Every row of `batch`, in order; `names` is the thread's name list so far. */
  batch: (batch: DecodedBatch, names: readonly string[]) => void;
  threadIds: (ids: ThreadIds) => void;
}) => Promise<void>;

/**
 * Streams rows from `feed` through the engine. While rows arrive in time order they are applied
 * at once and dropped (with `skipLaterYears`, rows after `toYear` only validated); if a row
 * arrives earlier than its predecessor (or a later year's row has a `lots` cell, with
 * `skipLaterYears`), the sink is reset and `feed` is called a second time to hold, sort and apply
 * every row.
 *
 * @throws UserInputError as `computeGainsYears`.
 */
export const computeGainsStream = async (
  feed: LedgerFeed,
  options: GainsOptions,
  sink: ResettableSink,
): Promise<GainsReport> => {
  checkOptions(options);
  const source = options.source ?? "ledger.csv";
  const report = (out: EngineOutput): GainsReport => ({
    summaries: summarize(out, options),
    allocation: out.allocation,
    warnings: out.warnings.map(({ dateNumber: _, ...w }) => w),
    positions: out.positions,
    ...(out.openLots ? { openLots: out.openLots } : {}),
  });

  // Pass 1: apply in arrival order. A computation error is held until the end of the file:
  // it only stands if the file turns out to be in time order, and validation errors come first.
  let engine: GainsEngine | undefined;
  const preparer = createRowPreparer(source, (q, u) => engine?.rescale(q, u));
  // Pass 1 applies each row as soon as it is prepared: the engine reads its name numbers.
  engine = createEngine(options, preparer, sink, preparer.isKnownLot, preparer.nameKeys);
  // The instant of the last row found in time order: [ms, ns]. In a typed array: a double stored
  // in a closure's variable is a new heap number each time (one per row).
  const last = new Float64Array([Number.NEGATIVE_INFINITY, 0]);
  let ordered = true;
  let heldError: unknown;
  // Rows are applied at once and kept by nothing, so the fast path refills one object.
  const scratch = emptyPreparedRow();
  const after = afterUntil(options);
  // Rows from this instant on (the start of the year after `toYear`) are not applied (see
  // `GainsOptions.skipLaterYears`); never when the option is off or a condition of it fails.
  const skipFrom =
    options.skipLaterYears === true &&
    options.strict !== true &&
    options.washSale === undefined &&
    options.openLots !== true &&
    sink.lotMoved === undefined
      ? startOfYearIn(options.toYear + 1, options.timeZone ?? "UTC")
      : Number.POSITIVE_INFINITY;
  /** Whether a row at this instant is applied: not after `until` and in time order. */
  const inOrder = (ms: number, ns: number): boolean => {
    if (!ordered || after(ms, ns)) return false;
    const lastMs = last[0]!;
    if (ms < lastMs || (ms === lastMs && ns < last[1]!)) {
      ordered = false;
      return false;
    }
    last[0] = ms;
    last[1] = ns;
    return true;
  };
  const take = (p: PreparedRow) => {
    if (!inOrder(p.ms, p.ns)) return;
    if (p.ms >= skipFrom) {
      // A `lots` cell of a later year is checked against the pools, which needs every row before
      // it applied: pass 2 applies every row (the rows are in time order: the same order).
      if (p.lots !== undefined) ordered = false;
      return;
    }
    if (heldError !== undefined) return;
    try {
      engine!.apply(p);
    } catch (e) {
      heldError = e;
    }
  };
  await feed({
    row: (row) => take(preparer.prepare(row)),
    raw: (raw) => {
      const p = preparer.prepareRaw(raw, scratch);
      if (p === undefined) return false;
      take(p);
      return true;
    },
    batch: (b, names) => {
      const ms = b.ms;
      for (let i = 0, g = 0; i < b.count; i++) {
        // A later year's decoded row (see `skipFrom`; it has no `lots` cell): not even made.
        if (ms[i]! >= skipFrom && preparer.passBatchRow(b, i)) {
          inOrder(ms[i]!, b.ns[i]!);
          continue;
        }
        take(preparer.prepareBatchRow(b, i, b.general[i] === 1 ? g++ : -1, names, scratch));
      }
    },
    threadIds: preparer.threadIds,
  });
  preparer.checkLotReferences();
  if (ordered) {
    if (heldError !== undefined) throw heldError;
    return report(engine.finish());
  }

  // Pass 2: out of time order (or a later year's `lots` cell, see `skipFrom`). Hold every row,
  // sort, apply.
  sink.reset();
  const rows: PreparedRow[] = [];
  let scales = { quantityScale: 0, usdScale: 0 };
  const again = createRowPreparer(source, (q, u) => {
    const qf = pow10(q - scales.quantityScale);
    const uf = pow10(u - scales.usdScale);
    for (const r of rows) rescaleRow(r, qf, uf);
    scales = { quantityScale: q, usdScale: u };
  });
  scales = { quantityScale: again.quantityScale, usdScale: again.usdScale };
  await feed({
    row: (row) => {
      rows.push(again.prepare(row));
    },
    raw: (raw) => {
      const p = again.prepareRaw(raw);
      if (p === undefined) return false;
      rows.push(p);
      return true;
    },
    batch: (b, names) => {
      for (let i = 0, g = 0; i < b.count; i++)
        rows.push(again.prepareBatchRow(b, i, b.general[i] === 1 ? g++ : -1, names));
    },
    threadIds: again.threadIds,
  });
  again.checkLotReferences();
  rows.sort((a, b) => a.ms - b.ms || a.ns - b.ns || a.seq - b.seq);
  const sorted = createEngine(options, again, sink, again.isKnownLot);
  for (const r of rows) if (!after(r.ms, r.ns)) sorted.apply(r);
  return report(sorted.finish());
};
