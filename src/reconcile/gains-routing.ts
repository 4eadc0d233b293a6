/**
 * Imported Forms 1099-DA inside `lotwise gains`: the rows of a year that has forms are held back
 * from the sink, reconciled like `lotwise reconcile` does (same matching, boxes, codes and
 * amounts), and the Schedule D summaries are recomputed from the routed rows: Part I / Part II
 * totals, lines 1b/2/3/8b/9/10, and the netting and carryovers (which change only through codes
 * W and D). Years without forms stream through untouched.
 */
import {
  carryoverWorksheet,
  type FilingStatus,
  type Form8949Row,
  type GainsReport,
  type GainsSummary,
  type LotMove,
  type Method,
  netScheduleD,
  type ResettableSink,
  type Scope,
} from "../tax/index.ts";
import type { Cents } from "../tax/types.ts";
import { type LedgerInput, lookupLedgerRows } from "./ledger-input.ts";
import { neededLedgerIds, reconcileYear } from "./reconcile.ts";
import type { FormRow, ReconcileResult } from "./types.ts";

export type GainsRoutingArgs = {
  /** Stored form rows (any years; only those of `fromYear … toYear` route rows). */
  forms: readonly FormRow[];
  fromYear: number;
  toYear: number;
  method: Method;
  scope: Scope;
  displaySymbol?: ((asset: string) => string) | undefined;
};

export type GainsRouting = {
  /** Years whose rows are routed. */
  years: ReadonlySet<number>;
  /** The sink to give the engine: buffers routed years' rows, records lots moved into reported accounts. */
  wrap: (sink: ResettableSink) => ResettableSink;
  /**
   * Reconciles every routed year and recomputes the summaries (in place order, carryovers chained).
   * `options` are the run's netting options.
   */
  finish: (
    report: GainsReport,
    ledger: LedgerInput,
    options: {
      carryoverIn: { shortTerm: Cents; longTerm: Cents };
      filingStatus: FilingStatus;
      taxableIncome?: Cents | undefined;
    },
  ) => Promise<{ results: Map<number, ReconcileResult>; summaries: GainsSummary[] }>;
};

/** Routing for the years of `forms` in range; undefined when no form row falls in it. */
export const createGainsRouting = (args: GainsRoutingArgs): GainsRouting | undefined => {
  const inRange = args.forms.filter((f) => f.taxYear >= args.fromYear && f.taxYear <= args.toYear);
  if (inRange.length === 0) return undefined;
  const years = new Set(inRange.map((f) => f.taxYear));
  const accounts = new Set(inRange.map((f) => f.accountWallet));
  const buffers = new Map<number, Form8949Row[]>();
  let moves: LotMove[] = [];

  const wrap = (sink: ResettableSink): ResettableSink => ({
    form8949: (year, row) => {
      if (!years.has(year)) return sink.form8949(year, row);
      let b = buffers.get(year);
      if (!b) {
        b = [];
        buffers.set(year, b);
      }
      b.push(row);
    },
    gift: (year, gift) => sink.gift(year, gift),
    lotMoved: (m) => {
      if (accounts.has(m.to)) moves.push(m);
    },
    reset: () => {
      buffers.clear();
      moves = [];
      sink.reset();
    },
  });

  const finish: GainsRouting["finish"] = async (report, ledgerInput, options) => {
    const all = [...buffers.values()].flat();
    const ledger = await lookupLedgerRows(ledgerInput, neededLedgerIds(all, accounts, moves));
    const results = new Map<number, ReconcileResult>();
    for (const year of [...years].sort()) {
      results.set(
        year,
        reconcileYear({
          taxYear: year,
          method: args.method,
          scope: args.scope,
          forms: inRange,
          form8949: buffers.get(year) ?? [],
          ledger,
          moves,
          allocation: report.allocation,
          displaySymbol: args.displaySymbol,
        }),
      );
    }
    // Part totals from the routed rows, then the netting again, carryovers chained year to year.
    const summaries: GainsSummary[] = [];
    let carryoverIn = options.carryoverIn;
    for (const s of report.summaries) {
      const r = results.get(s.taxYear);
      const shortTerm = r ? r.shortTerm : s.shortTerm;
      const longTerm = r ? r.longTerm : s.longTerm;
      const netting = netScheduleD({
        shortTermGain: shortTerm.gain,
        longTermGain: longTerm.gain,
        carryoverIn,
        filingStatus: options.filingStatus,
      });
      const worksheet = carryoverWorksheet({ ...netting, taxableIncome: options.taxableIncome });
      const warnings = [...s.warnings];
      if (r)
        for (const d of r.discrepancies)
          if (d.class === "form_only")
            warnings.push({ code: "form_only", id: d.formLine, date: d.dateSold, message: d.explanation });
      const next: GainsSummary = {
        ...s,
        shortTerm,
        longTerm,
        ...(r ? { scheduleD: r.scheduleD } : {}),
        carryoverIn,
        netShortTerm: netting.line7,
        netLongTerm: netting.line15,
        net: netting.line16,
        capitalLossDeduction: netting.line21,
        carryoverOut: { shortTerm: worksheet.shortTerm, longTerm: worksheet.longTerm },
        warnings,
      };
      summaries.push(next);
      carryoverIn = next.carryoverOut;
    }
    return { results, summaries };
  };

  return { years, wrap, finish };
};
