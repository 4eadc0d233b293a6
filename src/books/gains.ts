import type { DbOrTx } from "../../db/client.ts";
import { computeRoutedGains } from "../reconcile/routed-gains.ts";
import { loadFormRows } from "../reconcile/store.ts";
import { carryoverFromEarlierYears } from "../tax/gains.ts";
import type { Cents, FilingStatus, Method, Scope, YearResult } from "../tax/types.ts";
import { loadStoredRows } from "./query.ts";
import { missingPriceHint } from "./rows.ts";
import { countOpenReviews } from "./store.ts";

/**
 * Gains on the user's stored ledger (what `lotwise gains` computes without `--ledger`), with the
 * stored ledger's own warnings: rows valued at 0 for lack of a price (`missing_price`, from that
 * row's date on) and transactions waiting in review (`unreviewed`).
 */

export type StoredGainsOptions = {
  year: number;
  method: Method;
  scope: Scope;
  filingStatus: FilingStatus;
  /**
   * Capital loss carryover into the year (positive cents: Schedule D lines 6 and 14).
   * @defaultValue computed from the ledger's earlier years, as `lotwise gains` does without
   * `--carryover-st`/`--carryover-lt` (each earlier year taken to use its full deduction)
   */
  carryoverIn?: { shortTerm: Cents; longTerm: Cents } | undefined;
  /** IANA zone of the dates. @defaultValue UTC */
  timeZone?: string | undefined;
};

export type StoredGains = YearResult & {
  ledgerRows: number;
  /** True when imported Forms 1099-DA of the year routed its rows to boxes G–L. */
  routed: boolean;
};

/**
 * The year's Form 1099-DA rows route its Form 8949 rows to boxes G–L as in `lotwise gains`
 * (src/reconcile/routed-gains.ts).
 * @throws UserInputError when the stored ledger does not satisfy the engine (as `lotwise gains`).
 */
export const computeStoredGains = async (
  db: DbOrTx,
  userId: number,
  options: StoredGainsOptions,
  extra: { displaySymbol?: ((asset: string) => string) | undefined } = {},
): Promise<StoredGains> => {
  const stored = await loadStoredRows(db, userId);
  const forms = await loadFormRows(db, userId, { taxYear: options.year });
  const openReviews = await countOpenReviews(db, userId);
  const missing: { id: string; date: string; message: string }[] = [];
  const rows = stored.map(({ warnings, priceSources: _p, origin: _o, ...row }) => {
    for (const w of warnings) {
      if (w.startsWith("missing_price:"))
        missing.push({
          id: row.id,
          date: row.time.slice(0, 10),
          message: `row ${row.id}: no USD price for ${w.slice("missing_price:".length)}; valued at 0 (${missingPriceHint(w.slice("missing_price:".length), row.time)})`,
        });
    }
    return row;
  });
  const carryoverIn =
    options.carryoverIn ??
    carryoverFromEarlierYears(rows, {
      year: options.year,
      method: options.method,
      scope: options.scope,
      filingStatus: options.filingStatus,
      timeZone: options.timeZone,
      source: "stored ledger",
    }).carryoverIn;
  const result = await computeRoutedGains(rows, {
    forms,
    displaySymbol: extra.displaySymbol,
    year: options.year,
    method: options.method,
    scope: options.scope,
    filingStatus: options.filingStatus,
    carryoverIn,
    timeZone: options.timeZone,
    source: "stored ledger",
  });
  const yearEnd = `${options.year}-12-31`;
  for (const m of missing)
    if (m.date <= yearEnd) result.summary.warnings.push({ code: "missing_price", ...m });
  if (openReviews > 0)
    result.summary.warnings.push({
      code: "unreviewed",
      id: "",
      date: "",
      message: `${openReviews} transaction(s) await review and may be missing from the ledger or valued by a guess`,
    });
  return {
    taxYear: result.taxYear,
    form8949: result.form8949,
    gifts: result.gifts,
    summary: result.summary,
    ledgerRows: rows.length,
    routed: result.routed,
  };
};
