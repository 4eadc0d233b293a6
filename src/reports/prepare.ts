/** From ledger rows to a report's input: one tax year through the tax engine, plus its provenance. */
import type { LedgerRow } from "../ledger/types.ts";
import { computeRoutedGains } from "../reconcile/routed-gains.ts";
import type { FormRow } from "../reconcile/types.ts";
import { computeGains } from "../tax/gains.ts";
import type { GainsOptions, GainsWarning } from "../tax/types.ts";
import type { ReportInput } from "./types.ts";

/** Ledger columns naming where a row's `usd_value` and `fee_usd` came from (`lotwise ledger export`). */
const PRICE_SOURCE_COLUMNS = ["x_price_source", "x_fee_price_source"] as const;

/**
 * Counts the price sources of the rows dated up to the end of `taxYear` (by the date written in
 * `time`), from their `x_price_source` / `x_fee_price_source` cells: source → number of values.
 */
export const priceSourcesOf = (rows: Iterable<LedgerRow>, taxYear: number): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const r of rows) {
    if (!r.extra || Number(r.time.slice(0, 4)) > taxYear) continue;
    for (const column of PRICE_SOURCE_COLUMNS) {
      const source = r.extra[column];
      if (source) counts[source] = (counts[source] ?? 0) + 1;
    }
  }
  return counts;
};

export type PrepareReportOptions = Omit<GainsOptions, "fromYear" | "toYear"> & {
  year: number;
  /** Warnings the ledger's store knows of (missing prices, open reviews), added to the year's. */
  extraWarnings?: readonly GainsWarning[] | undefined;
  /** Printed on the cover when given (ISO 8601). */
  generatedAt?: string | undefined;
};

/**
 * Computes `options.year` from `rows` (the whole ledger: earlier years make the lots) and
 * returns what the renderers need.
 * @throws UserInputError as `computeGains` (invalid rows `FILE:LINE: column: …`, bad options).
 */
export const prepareReport = (rows: readonly LedgerRow[], options: PrepareReportOptions): ReportInput => {
  const { extraWarnings, generatedAt, ...gains } = options;
  const result = computeGains(rows, gains);
  const summary = { ...result.summary, warnings: [...result.summary.warnings, ...(extraWarnings ?? [])] };
  return {
    taxYear: options.year,
    rows: result.form8949,
    summary,
    priceSources: priceSourcesOf(rows, options.year),
    ledgerSource: options.source ?? "ledger.csv",
    timeZone: options.timeZone,
    generatedAt,
  };
};

/**
 * `prepareReport` with the user's imported Forms 1099-DA applied: the year's rows go to boxes
 * G–L exactly as `lotwise gains` and `lotwise reconcile` route them (without form rows for the
 * year, the same as `prepareReport`).
 */
export const prepareRoutedReport = async (
  rows: readonly LedgerRow[],
  options: PrepareReportOptions & {
    forms: readonly FormRow[];
    displaySymbol?: ((asset: string) => string) | undefined;
  },
): Promise<ReportInput> => {
  const { extraWarnings, generatedAt, ...gains } = options;
  const result = await computeRoutedGains(rows, gains);
  const summary = { ...result.summary, warnings: [...result.summary.warnings, ...(extraWarnings ?? [])] };
  return {
    taxYear: options.year,
    rows: result.form8949,
    summary,
    priceSources: priceSourcesOf(rows, options.year),
    ledgerSource: options.source ?? "ledger.csv",
    timeZone: options.timeZone,
    generatedAt,
  };
};
