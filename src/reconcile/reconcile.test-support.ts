/**
 * Test support: reconcile a ledger written as CSV text against form rows written as CSV text,
 * without a database (the forms are given to `reconcile` directly).
 */
import { parseLedgerCsv } from "../ledger/read.ts";
import type { Method, Scope } from "../tax/types.ts";
import { parseFormText } from "./parse.ts";
import { type ReconcileRun, reconcile } from "./run.ts";
import type { FormFormat, FormRow } from "./types.ts";

let nextId = 1;

/** Form rows of a broker file's text, as stored for `accountWallet`. */
export const formsFrom = (
  text: string,
  accountWallet: string,
  options: { source?: string; format?: FormFormat } = {},
): FormRow[] => {
  const source = options.source ?? "form.csv";
  const importId = nextId++;
  return parseFormText(text, { source, format: options.format }).rows.map((r) => ({
    ...r,
    id: nextId++,
    importId,
    accountWallet,
    sourceFile: source,
    taxYear: Number(r.dateSold.slice(0, 4)),
  }));
};

/** Reconciles `forms` with the ledger in `ledgerCsv`. */
export const reconcileCsv = (
  ledgerCsv: string,
  forms: readonly FormRow[],
  options: { year: number; method?: Method; scope?: Scope; displaySymbol?: (asset: string) => string },
): Promise<ReconcileRun> =>
  reconcile({
    // Forms are given: the database is never touched.
    db: undefined as never,
    userId: 0,
    year: options.year,
    method: options.method,
    scope: options.scope,
    forms,
    ledger: { kind: "rows", rows: parseLedgerCsv(ledgerCsv, "ledger.csv") },
    displaySymbol: options.displaySymbol,
  });

/** A Form 8949 line as a compact tuple: box, (d), (e), (f), (g), (h). */
export const line = (r: {
  box: string;
  proceeds: bigint;
  costBasis: bigint;
  adjustmentCode: string;
  adjustment: bigint | undefined;
  gain: bigint;
}) => [r.box, r.proceeds, r.costBasis, r.adjustmentCode, r.adjustment, r.gain];

export const LEDGER_HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,tx";
