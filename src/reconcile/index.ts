/**
 * Form 1099-DA import and reconciliation (spec: form-1099da.md). Library functions over
 * `{ db, userId, … }` or pure data; the CLI (`lotwise forms …`, `lotwise reconcile`) and the
 * HTTP API format their results.
 *
 * - parse: `parseFormText` (1099-DA CSV v1, Coinbase gain/loss CSV, `detectFormFormat`)
 * - store: `importFormFile` / `importForms`, `loadFormRows`, `listFormImports`, `removeForms`
 * - reconcile: `reconcile` (engine + stored forms), `reconcileYear` (pure)
 * - write: `formatDiscrepanciesCsv`, `formatReconciliationJson`, `formatReconcileSummary`
 * - gains: `createGainsRouting` (boxes G/H/J/K inside `lotwise gains`)
 */
export { formAssetId, resolveFormAsset } from "./asset-names.ts";
export { createGainsRouting, type GainsRouting } from "./gains-routing.ts";
export {
  type ImportFormBytesArgs,
  type ImportFormFileArgs,
  importFormBytes,
  importFormFile,
  normalizeAccountWallet,
} from "./import-file.ts";
export { type LedgerInput, lookupLedgerRows } from "./ledger-input.ts";
export type { LedgerRowInfo } from "./model.ts";
export {
  detectFormFormat,
  FORM_1099DA_COLUMNS,
  FormFileError,
  parse1099daCsv,
  parseCoinbaseGainLoss,
  parseFormText,
} from "./parse.ts";
export { formTermOf, neededLedgerIds, type ReconcileYearInput, reconcileYear } from "./reconcile.ts";
export { computeRoutedGains, type RoutedGainsOptions } from "./routed-gains.ts";
export { type ReconcileArgs, type ReconcileRun, reconcile } from "./run.ts";
export {
  type FormImportSummary,
  formTaxYears,
  type ImportFormsResult,
  importForms,
  knownAccountWallets,
  listFormImports,
  loadFormRows,
  type RemoveFormsFilter,
  removeForms,
} from "./store.ts";
export * from "./types.ts";
export {
  DISCREPANCY_COLUMNS,
  discrepancyLine,
  formatDiscrepanciesCsv,
  formatReconciledForm8949,
  formatReconcileSummary,
  formatReconciliationJson,
  reconciliationJson,
  writeReconciliationFiles,
} from "./write.ts";
