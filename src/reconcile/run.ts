/**
 * `reconcile({ db, userId, year, … })`: the stored forms of a tax year against the books. Runs
 * the tax engine on the ledger (streamed), keeps the year's Form 8949 rows and the lots
 * transfers carried into reported accounts, looks up the ledger rows explanations need, and
 * hands everything to the pure `reconcileYear`.
 */
import type { DbOrTx } from "../../db/client.ts";
import {
  type AllocationEntry,
  computeGainsStream,
  type Form8949Row,
  type GainsSummary,
  type GainsWarning,
  type LotMove,
  type Method,
  type Scope,
} from "../tax/index.ts";
import { type LedgerInput, ledgerFeed, ledgerSourceName, lookupLedgerRows } from "./ledger-input.ts";
import { neededLedgerIds, reconcileYear } from "./reconcile.ts";
import { loadFormRows } from "./store.ts";
import type { FormRow, ReconcileResult } from "./types.ts";

export type ReconcileArgs = {
  /** Where stored form rows are read (unused when `forms` is given). */
  db?: DbOrTx | undefined;
  userId: number;
  /** The tax year (forms and disposals dated in it). */
  year: number;
  /** @defaultValue "fifo" */
  method?: Method | undefined;
  /** @defaultValue "transition" */
  scope?: Scope | undefined;
  /** Fail on a pool shortfall instead of warning (as `lotwise gains --strict`). */
  strict?: boolean | undefined;
  ledger: LedgerInput;
  /** Display symbol of an asset id. @defaultValue the id */
  displaySymbol?: ((asset: string) => string) | undefined;
  /**
   * Form rows to use instead of the stored ones (tests, previews). A promise lets the engine's
   * pass over the ledger start before they are loaded (`lotwise reconcile --ledger` in its thread).
   */
  forms?: readonly FormRow[] | Promise<readonly FormRow[]> | undefined;
};

/** A reconciliation with what the engine reported beside it. */
export type ReconcileRun = ReconcileResult & {
  /** The engine's warnings up to the year end (missing basis, allocation). */
  warnings: GainsWarning[];
  /** The Rev. Proc. 2024-28 allocation record, when one was made. */
  allocation: AllocationEntry[] | undefined;
  /** The books' Schedule D of the year (before routing). */
  summary: GainsSummary;
  /** Form rows of the year. */
  formRows: number;
};

/**
 * Reconciles the stored Form 1099-DA rows of `year` with the books.
 * @throws UserInputError for an invalid ledger (as `lotwise gains`).
 */
export const reconcile = async (args: ReconcileArgs): Promise<ReconcileRun> => {
  const method = args.method ?? "fifo";
  const scope = args.scope ?? "transition";
  let rows: Form8949Row[] = [];
  let moves: LotMove[] = [];
  const given = args.forms;
  let forms: readonly FormRow[] | undefined =
    given === undefined
      ? await loadFormRows(args.db!, args.userId, { taxYear: args.year })
      : Array.isArray(given)
        ? given
        : undefined;
  // The reported accounts: the lots moved into them are kept (all moves until the forms come).
  let accounts = forms ? new Set(forms.map((f) => f.accountWallet)) : undefined;
  const formsLater = forms === undefined ? (given as Promise<readonly FormRow[]>) : undefined;
  formsLater?.then(
    (fs) => {
      accounts = new Set(fs.map((f) => f.accountWallet));
      moves = moves.filter((m) => accounts!.has(m.to));
    },
    () => {},
  );
  const report = await computeGainsStream(
    ledgerFeed(args.ledger),
    {
      fromYear: args.year,
      toYear: args.year,
      method,
      scope,
      strict: args.strict ?? false,
      source: ledgerSourceName(args.ledger),
    },
    {
      form8949: (_year, row) => rows.push(row),
      gift: () => {},
      lotMoved: (m) => {
        if (accounts === undefined || accounts.has(m.to)) moves.push(m);
      },
      reset: () => {
        rows = [];
        moves = [];
      },
    },
  );
  if (formsLater) {
    forms = await formsLater;
    const reported = new Set(forms.map((f) => f.accountWallet));
    accounts = reported;
    moves = moves.filter((m) => reported.has(m.to));
  }
  const ledger = await lookupLedgerRows(args.ledger, neededLedgerIds(rows, accounts!, moves));
  const result = reconcileYear({
    taxYear: args.year,
    method,
    scope,
    forms: forms!,
    form8949: rows,
    ledger,
    moves,
    allocation: report.allocation,
    displaySymbol: args.displaySymbol,
  });
  const summary = report.summaries[0]!;
  return {
    ...result,
    warnings: summary.warnings,
    allocation: report.allocation,
    summary,
    formRows: forms!.length,
  };
};
