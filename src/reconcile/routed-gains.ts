/**
 * One tax year's gains with the imported Forms 1099-DA applied, as `lotwise gains` computes them:
 * without form rows for the year it is `computeGains`; with them the year's Form 8949 rows are
 * reconciled against the forms (boxes G–L, codes B/E/T/W) and Schedule D is recomputed from the
 * routed rows (src/reconcile/gains-routing.ts). `lotwise report`, the API's gains and reports use
 * this, so every output routes the same rows to the same boxes.
 */
import type { LedgerRow } from "../ledger/types.ts";
import { computeGains, computeGainsStream, type ResettableSink } from "../tax/gains.ts";
import type { Form8949Row, GainsOptions, GiftRow, YearResult } from "../tax/types.ts";
import { createGainsRouting } from "./gains-routing.ts";
import type { FormRow } from "./types.ts";

export type RoutedGainsOptions = Omit<GainsOptions, "fromYear" | "toYear"> & {
  year: number;
  /** The user's stored form rows (any years; those of `year` route its rows). */
  forms: readonly FormRow[];
  /** Display symbol of an asset id (explanations). @defaultValue the id */
  displaySymbol?: ((asset: string) => string) | undefined;
};

/** `computeGains` for one year, routed through the year's forms. @throws UserInputError as `computeGains` */
export const computeRoutedGains = async (
  rows: readonly LedgerRow[],
  options: RoutedGainsOptions,
): Promise<YearResult & { routed: boolean }> => {
  const { forms, displaySymbol, year, ...gains } = options;
  const method = gains.method ?? "fifo";
  const scope = gains.scope ?? "transition";
  const routing = createGainsRouting({ forms, fromYear: year, toYear: year, method, scope, displaySymbol });
  if (!routing) {
    const r = computeGains(rows, { ...gains, year });
    return { taxYear: r.taxYear, form8949: r.form8949, gifts: r.gifts, summary: r.summary, routed: false };
  }
  let form8949: Form8949Row[] = [];
  let gifts: GiftRow[] = [];
  const sink: ResettableSink = {
    form8949: (_year, row) => form8949.push(row),
    gift: (_year, gift) => gifts.push(gift),
    reset: () => {
      form8949 = [];
      gifts = [];
    },
  };
  const report = await computeGainsStream(
    async (h) => {
      for (const r of rows) h.row(r);
    },
    { ...gains, method, scope, fromYear: year, toYear: year },
    routing.wrap(sink),
  );
  const routed = await routing.finish(
    report,
    { kind: "rows", rows, source: gains.source },
    {
      carryoverIn: gains.carryoverIn ?? { shortTerm: 0n, longTerm: 0n },
      filingStatus: gains.filingStatus ?? "single",
      taxableIncome: gains.taxableIncome,
    },
  );
  const result = routed.results.get(year);
  return {
    taxYear: year,
    form8949: result ? result.form8949 : form8949,
    gifts,
    summary: routed.summaries[0]!,
    routed: true,
  };
};
