/**
 * Public types of the tax engine: options, Form 8949 rows, the Schedule D summary, warnings and
 * the Rev. Proc. 2024-28 allocation record. USD amounts are `bigint` cents (`Cents`): exact, and
 * already rounded the way the forms are filled in.
 */

/** A USD amount in cents (negative for losses). */
export type Cents = bigint;

/** Lot order for disposals and for the lots a transfer carries. */
export type Method = "fifo" | "lifo" | "hifo";
export const METHODS: readonly Method[] = ["fifo", "lifo", "hifo"];

/**
 * Which lots a row may use.
 * - `universal`: one pool per asset across all wallets.
 * - `wallet`: one pool per (wallet, asset), as Rev. Proc. 2024-28 requires from 2025.
 * - `transition`: `universal` before 2025-01-01T00:00:00Z, then the safe-harbor allocation of
 *   the remaining lots to the wallets, then `wallet`.
 */
export type Scope = "transition" | "universal" | "wallet";
export const SCOPES: readonly Scope[] = ["transition", "universal", "wallet"];

export type FilingStatus = "single" | "mfj" | "mfs" | "hoh";
export const FILING_STATUSES: readonly FilingStatus[] = ["single", "mfj", "mfs", "hoh"];

export type Term = "short" | "long";

/**
 * Form 8949 check box. `I` (short) / `L` (long): digital-asset activity not on a Form 1099-DA
 * (the engine's rows). `G`/`J`: reported on a 1099-DA with basis reported to the IRS (box 2);
 * `H`/`K`: reported without basis reported. Only the 1099-DA reconciliation (`src/reconcile/`)
 * moves a row out of I/L.
 */
export type Form8949Box = "G" | "H" | "I" | "J" | "K" | "L";

export type GainsOptions = {
  /** First tax year to report (inclusive). */
  fromYear: number;
  /** Last tax year to report (inclusive); carryovers flow from each year into the next. */
  toYear: number;
  /** @defaultValue "fifo" */
  method?: Method | undefined;
  /** @defaultValue "transition" */
  scope?: Scope | undefined;
  /** Capital loss carryover into `fromYear` (positive cents): Schedule D lines 6 and 14. */
  carryoverIn?: { shortTerm: Cents; longTerm: Cents } | undefined;
  /** @defaultValue "single" */
  filingStatus?: FilingStatus | undefined;
  /**
   * Taxable income (Form 1040 line 15, may be negative) of every reported year, used by the
   * Capital Loss Carryover Worksheet line 1. When absent it is taken as large enough that the
   * whole deduction is used; so is it for the years before `rowsFromYear`, which are computed
   * only for the carryover they pass on.
   */
  taxableIncome?: Cents | undefined;
  /** Disposing or transferring more than a pool holds is an error instead of a warning. */
  strict?: boolean | undefined;
  /**
   * IANA time zone whose calendar dates are the dates of the rows (date acquired, date sold, tax
   * year). @defaultValue "UTC"
   */
  timeZone?: string | undefined;
  /** File name used in error messages (`FILE:LINE: column: …`). @defaultValue "ledger.csv" */
  source?: string | undefined;
  /**
   * Epoch milliseconds: rows after this instant are validated but not applied (the books as of
   * that instant, e.g. for `lotwise harvest --as-of`). @defaultValue every row is applied
   */
  until?: number | undefined;
  /** Also list every open lot after the last applied row (`GainsResult.openLots`). */
  openLots?: boolean | undefined;
  /**
   * Apply the wash-sale rule (IRC §1091, src/tax/wash.ts): to tokenized securities under current
   * law, or to every digital asset to simulate the proposed extension. @defaultValue off
   */
  washSale?: WashSaleOptions | undefined;
  /**
   * Compute the per-year totals only: the sink receives no Form 8949 row taken from a lot (the
   * summaries are the same; a planner that needs Schedule D alone skips building a million rows).
   */
  totalsOnly?: boolean | undefined;
  /**
   * Years before this one are computed for their totals only (as with `totalsOnly`): no Form
   * 8949 row of a lot and no gift of those years reaches the sink or the result. For a report of
   * later years that computes earlier ones only for the capital loss carryover.
   * @defaultValue `fromYear`
   */
  rowsFromYear?: number | undefined;
  /**
   * `computeGainsStream` only: rows dated after `toYear` are validated but not applied when none
   * of them can change a reported year or stop the run, that is without `strict`, the wash-sale
   * rule (a purchase up to 30 days later changes a loss's row), `openLots` or a sink's `lotMoved`,
   * and while no such row has a `lots` cell (the pools must satisfy it: at the first one, the run
   * starts over applying every row, as for a file out of time order). The summaries, the
   * allocation and the sink's rows are the same; the report's `positions` and `warnings` then
   * stop at the end of `toYear`. For a caller that reads neither (`lotwise gains`).
   */
  skipLaterYears?: boolean | undefined;
};

/** See src/tax/wash.ts. */
export type WashSaleOptions = {
  /** Asset ids the rule applies to. @defaultValue every asset */
  assets?: readonly string[] | undefined;
};

/** One line of Form 8949: the part of one disposal that came from one lot. */
export type Form8949Row = {
  /** The disposing row's id, or `<id>:fee` for a fee paid on a row of another type. */
  disposalId: string;
  /** The acquiring row's id; empty for a missing-basis shortfall. */
  lotId: string;
  wallet: string;
  asset: string;
  /** Exact decimal quantity. */
  quantity: string;
  /** `YYYY-MM-DD`; empty for a missing-basis shortfall. */
  dateAcquired: string;
  dateSold: string;
  /** Column (d), rounded half-up to cents. */
  proceeds: Cents;
  /** Column (e), rounded half-up to cents. */
  costBasis: Cents;
  /** Column (f): empty, or `W` for a wash-sale loss disallowed (only with `washSale`). */
  adjustmentCode: string;
  /** Column (g); `undefined` when no adjustment applies (a disallowed loss is positive). */
  adjustment: Cents | undefined;
  /** Column (h) = proceeds − cost basis + adjustment (of the rounded values). */
  gain: Cents;
  term: Term;
  /** Form 8949 check box: the engine writes `I` (short) or `L` (long); see `Form8949Box`. */
  box: Form8949Box;
  /** Column (a), e.g. `0.5 ETH`. */
  description: string;
};

/** Lots given away: removed from the pools, realizing nothing, never on Form 8949. */
export type GiftRow = {
  giftId: string;
  /** Empty for units the pool did not hold (missing basis). */
  lotId: string;
  wallet: string;
  asset: string;
  quantity: string;
  dateAcquired: string;
  dateGiven: string;
  /** The donor's basis of the units given, rounded half-up to cents. */
  costBasis: Cents;
};

/**
 * `missing_basis`, `unallocated`, `negative_balance` come from the engine; `missing_price` and
 * `unreviewed` from the stored ledger (a row valued at 0 for lack of a price, transactions still
 * waiting in the review queue), added by `lotwise gains` when it runs on the stored ledger;
 * `form_only` from imported Forms 1099-DA (a reported disposal the books do not have: Form 8949
 * is incomplete until it is resolved).
 */
export type WarningCode =
  | "missing_basis"
  | "unallocated"
  | "negative_balance"
  | "missing_price"
  | "unreviewed"
  | "form_only";

export type GainsWarning = {
  code: WarningCode;
  /** The row the warning is about (empty for allocation warnings). */
  id: string;
  /** `YYYY-MM-DD` of the row or event (in the chosen time zone). */
  date: string;
  message: string;
};

/** One line of the Rev. Proc. 2024-28 allocation record (lots → wallets on 2025-01-01). */
export type AllocationEntry = {
  asset: string;
  /** Receiving wallet; empty for units left out (`unallocated`). */
  wallet: string;
  lotId: string;
  quantity: string;
  /** The lot's original acquisition instant, ISO 8601 UTC. */
  acquired: string;
  dateAcquired: string;
  /** Unused basis allocated with these units, rounded half-up to cents. */
  costBasis: Cents;
  /** `allocated`, `missing_basis` (a zero-basis `alloc:` lot) or `unallocated`. */
  status: "allocated" | "missing_basis" | "unallocated";
};

/** Units a pool still holds after the last row (open positions). */
export type Position = {
  /** The wallet of a wallet-scope pool; empty for a universal pool. */
  wallet: string;
  asset: string;
  quantity: string;
  /** Unused basis of the units, each lot's share rounded half-up to cents. */
  costBasis: Cents;
  /** Number of lots (or lot fractions) held. */
  lots: number;
};

/**
 * One open lot (or the part of a lot one pool holds) after the last applied row. Exact figures
 * are in `exact`: the basis of `u` units (10^-quantityScale) is `lotBasis × u ÷ lotQuantity`
 * USD units of 10^-usdScale, which is what the engine uses when the units are disposed of.
 */
export type OpenLot = {
  /** The pool's wallet; empty for a universal pool. */
  wallet: string;
  asset: string;
  lotId: string;
  /** The wallet of the row that acquired the lot. */
  acquiredIn: string;
  /** Units held, exact decimal. */
  quantity: string;
  /** Acquisition instant, ISO 8601 UTC (orders FIFO/LIFO). */
  acquired: string;
  /** `YYYY-MM-DD` the holding period counts from (tacked for a wash-sale replacement). */
  dateAcquired: string;
  /** Basis of the units held, rounded half-up to cents. */
  costBasis: Cents;
  /** Acquired by `buy` or `swap` (a possible wash-sale replacement). */
  purchase: boolean;
  /** Units that replaced a wash-sale loss (basis includes it; they replace no other loss). */
  washReplacement: boolean;
  exact: {
    units: bigint;
    lotBasis: bigint;
    lotQuantity: bigint;
    quantityScale: number;
    usdScale: number;
    /** Acquisition instant and file order (the method's tie-breaks). */
    ms: number;
    ns: number;
    seq: number;
  };
};

/** Totals of one part of Form 8949 (sums of the rounded rows). */
export type PartTotals = { proceeds: Cents; costBasis: Cents; adjustments: Cents; gain: Cents; rows: number };

/**
 * Schedule D lines fed by Form 8949 boxes: 1b (G), 2 (H), 3 (I), 8b (J), 9 (K), 10 (L).
 * Present on a summary only when imported Forms 1099-DA routed some rows to G, H, J or K.
 */
export type ScheduleDLines = Record<ScheduleDLine, PartTotals>;
export type ScheduleDLine = "1b" | "2" | "3" | "8b" | "9" | "10";
/** The lines in form order (an object's integer-like keys would enumerate first). */
export const SCHEDULE_D_LINES: readonly ScheduleDLine[] = ["1b", "2", "3", "8b", "9", "10"];

/** The Schedule D figures of one tax year. */
export type GainsSummary = {
  taxYear: number;
  method: Method;
  scope: Scope;
  filingStatus: FilingStatus;
  /** Part I: box I (Schedule D line 3), or boxes G + H + I when `scheduleD` is present. */
  shortTerm: PartTotals;
  /** Part II: box L (Schedule D line 10), or boxes J + K + L when `scheduleD` is present. */
  longTerm: PartTotals;
  /** Lines 1b–3 and 8b–10 per box, when imported Forms 1099-DA routed rows to G/H/J/K. */
  scheduleD?: ScheduleDLines | undefined;
  /** Lines 6 and 14, positive. */
  carryoverIn: { shortTerm: Cents; longTerm: Cents };
  /** Line 7. */
  netShortTerm: Cents;
  /** Line 15. */
  netLongTerm: Cents;
  /** Line 16. */
  net: Cents;
  /** Line 21 as a positive amount (0 without a net loss). */
  capitalLossDeduction: Cents;
  /** Capital Loss Carryover Worksheet lines 8 and 13 for the next year. */
  carryoverOut: { shortTerm: Cents; longTerm: Cents };
  /** `income` rows dated in the year: total and per subtype (`""` for rows without one). */
  ordinaryIncome: { total: Cents; bySubtype: Record<string, Cents> };
  warnings: GainsWarning[];
};

/** Everything the engine computes for one tax year. */
export type YearResult = {
  taxYear: number;
  form8949: Form8949Row[];
  gifts: GiftRow[];
  summary: GainsSummary;
};

export type GainsResult = {
  /** One entry per year of `fromYear … toYear`, in order. */
  years: YearResult[];
  /** The allocation record when the transition allocation happened, else `undefined`. */
  allocation: AllocationEntry[] | undefined;
  /** Every warning of the run (each year's summary holds those up to its year end). */
  warnings: GainsWarning[];
  /** What the pools hold after the last row of the ledger. */
  positions: Position[];
  /** Every open lot after the last applied row, when `openLots` was asked for. */
  openLots?: OpenLot[] | undefined;
};
