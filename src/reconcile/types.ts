/**
 * Types of the Form 1099-DA reconciliation: form rows as read and stored, the classes a form row
 * or a disposal ends in, and the results the CLI and the HTTP API format.
 *
 * USD amounts on form rows are exact decimal strings as the broker wrote them; results are
 * `Cents` (bigint), rounded half-up once, like the tax engine's.
 */
import type { Cents, Form8949Row, Method, PartTotals, ScheduleDLines, Scope, Term } from "../tax/types.ts";

/** Input formats of `lotwise forms import`. */
export type FormFormat = "1099da" | "coinbase-gainloss";
export const FORM_FORMATS: readonly FormFormat[] = ["1099da", "coinbase-gainloss"];

/** Box 6 of Form 1099-DA. `ordinary` is checked for non-USD transactions (§988) besides ST/LT. */
export type FormTerm = "short" | "long" | "ordinary";

/** "Applicable checkbox on Form 8949"; `X` (I8949-25's letter) is read as `Y` (holding period unknown). */
export type FormCheckbox = "G" | "H" | "J" | "K" | "Y";

/** One row of a broker file, validated and normalized (before it is tied to an account). */
export type ParsedFormRow = {
  /** Physical line in the file (1-based; the header and any preamble count). */
  line: number;
  broker: string;
  /** The broker's account number (not a wallet address). */
  brokerAccount: string;
  checkbox: FormCheckbox | undefined;
  /** Box 1a: DTI (9 characters) or `999999999`. */
  assetCode: string | undefined;
  /** Box 1b as written. */
  assetName: string;
  /** Canonical ledger asset id box 1b maps to (`ETH`, `USDC`, `base:0x…`, or the name as written). */
  asset: string;
  /** Box 1c: plain positive decimal (whole units). */
  units: string;
  /** Box 1d: `YYYY-MM-DD`, `VARIOUS`, or undefined when blank. */
  dateAcquired: string | undefined;
  /** Box 1e: `YYYY-MM-DD`. */
  dateSold: string;
  /** Box 1f: exact decimal USD, net of transaction costs. */
  proceeds: string;
  /** Box 1g: exact decimal USD; undefined when not reported (`0` is a reported zero basis). */
  costBasis: string | undefined;
  /** Box 1h. */
  accruedMarketDiscount: string | undefined;
  /** Box 1i. */
  washSaleDisallowed: string | undefined;
  /** Box 2 checked: basis reported to the IRS. */
  basisReported: boolean;
  /** Box 4. */
  federalWithheld: string | undefined;
  /** Box 6; undefined when blank. */
  term: FormTerm | undefined;
  /** Box 9 checked. */
  noncovered: boolean;
  /** Box 12a. */
  transferredInUnits: string | undefined;
  /** Box 12b: `YYYY-MM-DD`. */
  transferredInDate: string | undefined;
  /** The broker's transaction id (supplements carry it; not a box of the form). */
  transactionId: string | undefined;
  /** The row's cells by column name, as read. */
  raw: Record<string, string>;
};

/** A parsed broker file. */
export type ParsedFormFile = {
  format: FormFormat;
  rows: ParsedFormRow[];
};

/** A stored form row: what reconciliation reads. */
export type FormRow = ParsedFormRow & {
  id: number;
  importId: number;
  /** The ledger wallet whose disposals the row reports, e.g. `coinbase:main`. */
  accountWallet: string;
  /** The file it came from, as given on import. */
  sourceFile: string;
  taxYear: number;
};

/** Form 8949 column (f) codes the reconciliation writes. */
export type AdjustmentCode = "B" | "D" | "E" | "T" | "W";
export const ADJUSTMENT_CODES: readonly AdjustmentCode[] = ["B", "D", "E", "T", "W"];

/** Classes of the spec, in precedence order: a row's class is the first that applies. */
export const RECONCILE_CLASSES = [
  "form_only",
  "ledger_only",
  "term_differs",
  "basis_differs",
  "proceeds_differ",
  "basis_missing",
  "matched",
] as const;
export type ReconcileClass = (typeof RECONCILE_CLASSES)[number];

/** One line of `discrepancies.csv`: a form row, or a disposal no form row reports. */
export type Discrepancy = {
  class: ReconcileClass;
  broker: string;
  /** Broker account number(s). */
  account: string;
  /** The account wallet the row belongs to. */
  accountWallet: string;
  /** `FILE:LINE` of the form row; empty for `ledger_only`. */
  formLine: string;
  /** Form row id in the database; undefined for `ledger_only`. */
  formRowId: number | undefined;
  /** Disposal ids (ledger row ids, `<id>:fee` for a fee disposal). */
  ledgerIds: string[];
  asset: string;
  dateSold: string;
  unitsForm: string;
  unitsLedger: string;
  proceedsForm: Cents | undefined;
  proceedsLedger: Cents | undefined;
  /** Box 1g; undefined when not reported (or `ledger_only`). */
  basisForm: Cents | undefined;
  basisLedger: Cents | undefined;
  /** Box 6 (or the checkbox's term): `short`, `long`, `ordinary` or empty. */
  termForm: string;
  /** The books' term(s): `short`, `long`, `short;long`, or empty (`form_only`). */
  termLedger: string;
  /** Column (f) codes of the row's Form 8949 lines, alphabetical, no separators. */
  adjustmentCodes: string;
  /** Sum of the row's column (g) amounts; undefined when there is no code. */
  adjustment: Cents | undefined;
  explanation: string;
};

/** Per class: how many form rows and disposals, and their proceeds and basis on both sides. */
export type ClassTotals = {
  /** Lines of `discrepancies.csv` in the class (form rows, or unreported disposals). */
  count: number;
  formRows: number;
  disposals: number;
  proceedsForm: Cents;
  proceedsLedger: Cents;
  basisForm: Cents;
  basisLedger: Cents;
  adjustment: Cents;
};

/** A Form 8949 line of the reconciled return (the engine's row, routed and adjusted). */
export type ReconciledRow = Form8949Row & {
  /** The form row that reports it; absent for rows in box I or L (the engine's rows as they are). */
  formRowId?: number | undefined;
};

/** Everything `reconcileYear` computes. */
export type ReconcileResult = {
  taxYear: number;
  method: Method;
  scope: Scope;
  /** Account wallets with at least one form row for the year. */
  accounts: string[];
  /** Form 8949 in disposal order: reported rows in G/H/J/K, the rest in I/L; no `form_only` row. */
  form8949: ReconciledRow[];
  /** One per form row (file order) then one per unreported disposal of a reported account (disposal order). */
  discrepancies: Discrepancy[];
  classes: Record<ReconcileClass, ClassTotals>;
  /** Schedule D lines 1b, 2, 3, 8b, 9, 10 from `form8949`. */
  scheduleD: ScheduleDLines;
  /** Part I (G+H+I) and Part II (J+K+L) totals. */
  shortTerm: PartTotals;
  longTerm: PartTotals;
  /** Sum of column (h) over `form8949`. */
  gain: Cents;
  /** The books' gain (the engine's rows before routing): equals `gain` minus codes W and D. */
  booksGain: Cents;
  /** Column (g) total. */
  adjustment: Cents;
  /**
   * Column (g) split by what each part corrects: `B` reported − correct basis (G/J), `E` books −
   * reported proceeds, `W` box 1i, `D` −box 1h, `T` always 0. The parts add up to `adjustment`.
   */
  adjustmentByCode: Record<AdjustmentCode, Cents>;
  /** False while a form row has no disposal in the books (`form_only`): Form 8949 is incomplete. */
  complete: boolean;
  /** Short sentences the summary prints (incomplete return, unresolvable assets, …). */
  notes: string[];
};

/** Terms of an engine row, for typing the books' side. */
export type BooksTerm = Term;
