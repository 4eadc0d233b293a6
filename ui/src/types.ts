/** Response shapes of the `/v1` routes the dashboard reads (the OpenAPI document has them all). */

export type Me = { id: number; name: string; createdAt: string };

export type Wallet = {
  id: number;
  wallet: string;
  chain: string;
  address: string;
  label: string;
  kind: "own" | "exchange";
};

export type RunWalletState = "queued" | "active" | "retrying" | "completed" | "failed" | "cancelled";

export type RunWallet = {
  walletId: number;
  wallet: string;
  state: RunWalletState;
  attempts: number;
  error: string | null;
  result: { transactions: number; movements: number } | null;
};

export type SyncRun = {
  id: number;
  trigger: string;
  status: "queued" | "running" | "completed" | "partial" | "failed" | "cancelled";
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  wallets: RunWallet[];
};

/** A `wallet` event of `/v1/sync/runs/{id}/events`. */
export type WalletEvent = {
  type: "wallet";
  walletId: number;
  wallet: string;
  state: "active" | "progress" | "retrying" | "completed" | "failed";
  attempt?: number;
  error?: string;
  progress?: { done: number; total: number; unit: string; detail?: string };
};

export type ReviewItem = {
  tx: string;
  chain: string;
  reason: string;
  message: string;
  status: string;
  createdAt: string;
};

export type LedgerRow = {
  id: string;
  time: string;
  type: string;
  wallet: string;
  outAsset: string | null;
  outQuantity: string | null;
  inAsset: string | null;
  inQuantity: string | null;
  usdValue: string | null;
  feeAsset: string | null;
  feeQuantity: string | null;
  feeUsd: string | null;
  toWallet: string | null;
  lots: string | null;
  subtype: string | null;
  tx: string | null;
  note: string | null;
  priceSources: Record<string, string>;
  warnings: string[];
  origin: string;
};

type Part = { proceeds: string; cost_basis: string; adjustments: string; gain: string };
type Pair = { short_term: string; long_term: string };

export type GainsSummary = {
  tax_year: number;
  method: string;
  scope: string;
  filing_status: string;
  short_term: Part;
  long_term: Part;
  carryover_in: Pair;
  net_short_term: string;
  net_long_term: string;
  net: string;
  capital_loss_deduction: string;
  carryover_out: Pair;
  ordinary_income: { total: string; by_subtype: Record<string, string> };
  warnings: { code: string; id: string; date: string; message: string }[];
};

export type SummaryResponse = {
  summary: GainsSummary;
  form8949Rows: number;
  ledgerRows: number;
  cached: boolean;
};

export type Form8949Row = {
  disposalId: string;
  lotId: string;
  wallet: string;
  asset: string;
  quantity: string;
  dateAcquired: string;
  dateSold: string;
  proceeds: string;
  costBasis: string;
  adjustmentCode: string;
  adjustment: string | null;
  gain: string;
  term: "short" | "long";
  box: string;
  description: string;
};

export type Report = {
  id: number;
  kind: string;
  taxYear: number | null;
  params: Record<string, unknown>;
  createdAt: string;
  files: string[];
};

export type TxMovement = {
  wallet: string;
  label: string;
  direction: "in" | "out";
  asset: string;
  symbol: string | null;
  quantity: string;
  decimalsKnown: boolean;
  counterparty: string | null;
  evidence: string;
};

export type TxDetail = {
  tx: string;
  chain: string;
  hash: string;
  time: string | null;
  status: string | null;
  explorerUrl: string | null;
  classification: { kind: string; source: string } | null;
  movements: TxMovement[];
};

export type Decision = {
  id: number;
  tx: string | null;
  rule: { counterparty?: string; asset?: string; chain?: string; direction?: "in" | "out" } | null;
  action: { as: string; to?: string; subtype?: string; note?: string };
  createdAt: string;
};

export type FormImport = {
  id: number;
  file: string;
  format: string;
  accountWallet: string;
  createdAt: string;
  rows: number;
  brokers: string[];
  brokerAccounts: string[];
  taxYears: number[];
};

export type FormImportResult = {
  importId: number | null;
  file: string;
  format: string;
  accountWallet: string;
  rows: number;
  inserted: number;
  replaced: number;
  unchanged: number;
  taxYears: number[];
};

export type Discrepancy = {
  class: string;
  broker: string;
  account: string;
  accountWallet: string;
  formLine: string;
  formRowId: number | null;
  ledgerIds: string[];
  asset: string;
  dateSold: string;
  unitsForm: string;
  unitsLedger: string;
  proceedsForm: string | null;
  proceedsLedger: string | null;
  basisForm: string | null;
  basisLedger: string | null;
  termForm: string;
  termLedger: string;
  adjustmentCodes: string;
  adjustment: string | null;
  explanation: string;
};

type ClassTotals = {
  count: number;
  form_rows: number;
  disposals: number;
  proceeds_form: string;
  proceeds_ledger: string;
  basis_form: string;
  basis_ledger: string;
  adjustment: string;
};

export type Reconciliation = {
  tax_year: number;
  complete: boolean;
  incomplete_reason: string | null;
  classes: Record<string, ClassTotals>;
  total_adjustment: string;
  adjustment_by_code: Record<string, string>;
  gain: string;
  books_gain: string;
  schedule_d: Record<
    string,
    { rows: number; proceeds: string; cost_basis: string; adjustments: string; gain: string }
  >;
  notes: unknown[];
  warnings: { code: string; id: string; date: string; message: string }[];
};

export type ReconcileResponse = {
  reconciliation: Reconciliation;
  discrepancies: Discrepancy[];
  total: number;
};

export type TaxPicture = {
  short_term_gain: string;
  long_term_gain: string;
  net: string;
  capital_loss_deduction: string;
  carryover_out: { short_term: string; long_term: string };
  taxable_income: string;
  regular_tax: string;
  niit: string;
  total_tax: string;
  marginal: { ordinary_rate: string; long_term_rate: string; niit: boolean };
};

export type HarvestReport = {
  as_of: string;
  tax_year: number;
  assumptions: { taxable_income: string; taxable_income_assumed: boolean; notes: string[] };
  prices: { asset: string; usd: string; source: string; time: string }[];
  positions: {
    wallet: string;
    asset: string;
    quantity: string;
    lots: number;
    cost_basis: string;
    value: string | null;
    unrealized: string | null;
    lots_below_cost: number;
    unpriced_lots: number;
  }[];
  year_so_far: TaxPicture;
  candidates: {
    rank: number;
    kind: string;
    wallet: string;
    asset: string;
    lots: string;
    quantity: string;
    proceeds: string;
    cost_basis: string;
    gain: string;
    tax_saved: string;
    carryforward_added: { short_term: string; long_term: string };
    note: string;
  }[];
  plan: {
    sales: { id: string; wallet: string; asset: string; quantity: string; proceeds: string; lots: string }[];
    after: TaxPicture;
    tax_saved: string;
    carryforward_added: { short_term: string; long_term: string };
  };
  what_if: {
    sales: { wallet: string; asset: string; quantity: string; proceeds: string }[];
    form8949: {
      lot_id: string;
      wallet: string;
      asset: string;
      quantity: string;
      date_acquired: string;
      proceeds: string;
      cost_basis: string;
      gain: string;
      term: string;
    }[];
    before: TaxPicture;
    after: TaxPicture;
    tax_saved: string;
    buy_backs: {
      wallet: string;
      asset: string;
      quantity: string;
      cost: string;
      basis: string;
      holding_period: string;
    }[];
  } | null;
  warnings: { code: string; id: string; date: string; message: string }[];
};
