/**
 * Federal income tax rates for estimates: the ordinary brackets (Tax Table and Tax Computation
 * Worksheet), the 0/15/20 % long-term capital gain brackets (Qualified Dividends and Capital Gain
 * Tax Worksheet) and the 3.8 % Net Investment Income Tax. Amounts are `bigint` cents; rates are
 * basis points (2200 = 22 %).
 *
 * Sources of the 2025 figures (every constant below is one of these, not derived):
 * - Ordinary brackets: Rev. Proc. 2024-40 §3.01 (10 % and 12 % thresholds) and the 2025 Form 1040
 *   instructions, Tax Computation Worksheet (thresholds from $100,000 up, and each line's
 *   subtraction amount). The subtraction amounts agree with the brackets (a test checks it).
 * - Long-term capital gain thresholds: 2025 Form 1040 instructions, Qualified Dividends and Capital
 *   Gain Tax Worksheet lines 6 and 13; Pub. 550 (2025) table of capital gain rates.
 * - NIIT: IRC §1411(b) thresholds ($250,000 MFJ, $125,000 MFS, $200,000 others), fixed by statute
 *   and not indexed for inflation.
 * - Standard deduction: 2025 Form 1040 instructions ($15,750 single/MFS, $31,500 MFJ, $23,625 HoH).
 *
 * Years without published brackets in this module (2026 and later, and anything before 2025) use
 * the 2025 tables: `taxTables(year)` says so in `published` and `note`, and every report built on
 * it must repeat that note.
 */
import { divRoundHalfUp, maxBigint, minBigint } from "./money.ts";
import type { Cents, FilingStatus } from "./types.ts";

/** One ordinary bracket: `rate` applies to taxable income up to `upTo` (the last has none). */
export type Bracket = { upTo: Cents | undefined; rateBps: number };

/** The figures of one tax year. */
export type TaxTables = {
  /** The year whose published figures these are. */
  year: number;
  /** The year asked for. */
  requestedYear: number;
  /** False when `requestedYear` has no published figures here and `year`'s are used instead. */
  published: boolean;
  /** A sentence for reports: which year's figures are used and why. */
  note: string;
  ordinary: Record<FilingStatus, readonly Bracket[]>;
  /**
   * Tax Computation Worksheet subtraction amounts (taxable income ≥ $100,000): tax = income ×
   * rate − subtraction, per bracket from 22 % up (`rateBps` → amount).
   */
  subtraction: Record<FilingStatus, ReadonlyMap<number, Cents>>;
  /** QDCGT Worksheet line 6 (top of the 0 % bracket) and line 13 (top of the 15 % bracket). */
  capitalGains: Record<FilingStatus, { zeroUpTo: Cents; fifteenUpTo: Cents }>;
  /** §1411 MAGI threshold of the 3.8 % Net Investment Income Tax. */
  niitThreshold: Record<FilingStatus, Cents>;
  standardDeduction: Record<FilingStatus, Cents>;
};

const usd = (dollars: number): Cents => BigInt(Math.round(dollars * 100));

const brackets = (thresholds: number[]): Bracket[] => {
  const rates = [1000, 1200, 2200, 2400, 3200, 3500, 3700];
  return rates.map((rateBps, i) => ({
    upTo: i < thresholds.length ? usd(thresholds[i]!) : undefined,
    rateBps,
  }));
};

const subtractions = (amounts: number[]): ReadonlyMap<number, Cents> =>
  new Map([2200, 2400, 3200, 3500, 3700].map((rate, i) => [rate, usd(amounts[i]!)]));

/** The 2025 figures (see the module comment for sources). */
export const TAX_TABLES_2025: Omit<TaxTables, "requestedYear" | "published" | "note"> = {
  year: 2025,
  ordinary: {
    single: brackets([11_925, 48_475, 103_350, 197_300, 250_525, 626_350]),
    mfj: brackets([23_850, 96_950, 206_700, 394_600, 501_050, 751_600]),
    mfs: brackets([11_925, 48_475, 103_350, 197_300, 250_525, 375_800]),
    hoh: brackets([17_000, 64_850, 103_350, 197_300, 250_500, 626_350]),
  },
  subtraction: {
    single: subtractions([5_086, 7_153, 22_937, 30_452.75, 42_979.75]),
    mfj: subtractions([10_172, 14_306, 45_874, 60_905.5, 75_937.5]),
    mfs: subtractions([5_086, 7_153, 22_937, 30_452.75, 37_968.75]),
    hoh: subtractions([6_825, 8_892, 24_676, 32_191, 44_718]),
  },
  capitalGains: {
    single: { zeroUpTo: usd(48_350), fifteenUpTo: usd(533_400) },
    mfj: { zeroUpTo: usd(96_700), fifteenUpTo: usd(600_050) },
    mfs: { zeroUpTo: usd(48_350), fifteenUpTo: usd(300_000) },
    hoh: { zeroUpTo: usd(64_750), fifteenUpTo: usd(566_700) },
  },
  niitThreshold: { single: usd(200_000), mfj: usd(250_000), mfs: usd(125_000), hoh: usd(200_000) },
  standardDeduction: { single: usd(15_750), mfj: usd(31_500), mfs: usd(15_750), hoh: usd(23_625) },
};

/** Years with published figures in this module. */
const PUBLISHED = new Map([[2025, TAX_TABLES_2025]]);

/**
 * The figures for `year`: 2025's own, or 2025's for any other year, marked `published: false`
 * with a note saying so (brackets are indexed for inflation every year; NIIT thresholds are not).
 */
export const taxTables = (year: number): TaxTables => {
  const own = PUBLISHED.get(year);
  if (own) {
    return { ...own, requestedYear: year, published: true, note: `${year} federal brackets` };
  }
  return {
    ...TAX_TABLES_2025,
    requestedYear: year,
    published: false,
    note: `no published ${year} brackets in lotwise: the 2025 brackets, capital gain thresholds and standard deduction are used (estimates for ${year} will differ by the inflation adjustment)`,
  };
};

/** Tax on `income` by the brackets (exact sum, rounded half-up to cents). */
export const bracketTax = (income: Cents, status: FilingStatus, tables: TaxTables): Cents => {
  if (income <= 0n) return 0n;
  let tax = 0n; // cents × 10,000 (basis points), exact
  let lower = 0n;
  for (const b of tables.ordinary[status]) {
    const top = b.upTo === undefined ? income : minBigint(income, b.upTo);
    if (top > lower) tax += (top - lower) * BigInt(b.rateBps);
    if (b.upTo === undefined || income <= b.upTo) break;
    lower = b.upTo;
  }
  return divRoundHalfUp(tax, 10_000n);
};

/** The rate (basis points) of the bracket `income` falls in (the next dollar's rate). */
export const marginalOrdinaryRate = (income: Cents, status: FilingStatus, tables: TaxTables): number => {
  for (const b of tables.ordinary[status]) if (b.upTo === undefined || income < b.upTo) return b.rateBps;
  return 3700;
};

const TAX_TABLE_LIMIT = usd(100_000);

/**
 * Regular tax on ordinary taxable income, as Form 1040 figures it: below $100,000 the Tax Table,
 * whose every line is the tax on the midpoint of its band ($25 bands below $3,000, $50 bands from
 * $3,000; $0–$5 is 0, $5–$15 uses $10, $15–$25 uses $20), rounded to whole dollars; from $100,000
 * the Tax Computation Worksheet (income × rate − subtraction, to the cent).
 */
export const ordinaryTax = (income: Cents, status: FilingStatus, tables: TaxTables): Cents => {
  if (income <= 0n) return 0n;
  if (income < TAX_TABLE_LIMIT) {
    if (income < 500n) return 0n;
    let midpoint: Cents;
    if (income < 1500n) midpoint = 1000n;
    else if (income < 2500n) midpoint = 2000n;
    else if (income < 300_000n) midpoint = (income / 2500n) * 2500n + 1250n;
    else midpoint = (income / 5000n) * 5000n + 2500n;
    return divRoundHalfUp(bracketTax(midpoint, status, tables), 100n) * 100n;
  }
  const rate = marginalOrdinaryRate(income, status, tables);
  const sub = tables.subtraction[status].get(rate);
  if (sub === undefined) return bracketTax(income, status, tables);
  return divRoundHalfUp(income * BigInt(rate), 10_000n) - sub;
};

/** Lines 1–25 of the Qualified Dividends and Capital Gain Tax Worksheet (2025 Form 1040). */
export type QdcgtWorksheet = Record<
  `line${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 19 | 20 | 21 | 22 | 23 | 24 | 25}`,
  Cents
>;

/**
 * The QDCGT Worksheet: the regular tax (line 25) when there is a net capital gain or qualified
 * dividends. `scheduleDLine15` and `scheduleDLine16` are Schedule D lines 15 and 16 (a loss on
 * either makes line 3 zero).
 */
export const qdcgtWorksheet = (args: {
  taxableIncome: Cents;
  qualifiedDividends?: Cents;
  scheduleDLine15: Cents;
  scheduleDLine16: Cents;
  status: FilingStatus;
  tables: TaxTables;
}): QdcgtWorksheet => {
  const { status, tables } = args;
  const z = 0n;
  const pos = (c: Cents) => maxBigint(z, c);
  const line1 = pos(args.taxableIncome);
  const line2 = args.qualifiedDividends ?? z;
  const line3 =
    args.scheduleDLine15 > z && args.scheduleDLine16 > z
      ? minBigint(args.scheduleDLine15, args.scheduleDLine16)
      : z;
  const line4 = line2 + line3;
  const line5 = pos(line1 - line4);
  const line6 = tables.capitalGains[status].zeroUpTo;
  const line7 = minBigint(line1, line6);
  const line8 = minBigint(line5, line7);
  const line9 = line7 - line8;
  const line10 = minBigint(line1, line4);
  const line11 = line9;
  const line12 = line10 - line11;
  const line13 = tables.capitalGains[status].fifteenUpTo;
  const line14 = minBigint(line1, line13);
  const line15 = line5 + line9;
  const line16 = pos(line14 - line15);
  const line17 = minBigint(line12, line16);
  const line18 = divRoundHalfUp(line17 * 15n, 100n);
  const line19 = line9 + line17;
  const line20 = line10 - line19;
  const line21 = divRoundHalfUp(line20 * 20n, 100n);
  const line22 = ordinaryTax(line5, status, tables);
  const line23 = line18 + line21 + line22;
  const line24 = ordinaryTax(line1, status, tables);
  const line25 = minBigint(line23, line24);
  return {
    line1,
    line2,
    line3,
    line4,
    line5,
    line6,
    line7,
    line8,
    line9,
    line10,
    line11,
    line12,
    line13,
    line14,
    line15,
    line16,
    line17,
    line18,
    line19,
    line20,
    line21,
    line22,
    line23,
    line24,
    line25,
  };
};

/** The long-term capital gain rate (basis points) of the next dollar of gain at `taxableIncome`. */
export const marginalCapitalGainRate = (
  taxableIncome: Cents,
  status: FilingStatus,
  tables: TaxTables,
): number => {
  const t = tables.capitalGains[status];
  return taxableIncome < t.zeroUpTo ? 0 : taxableIncome < t.fifteenUpTo ? 1500 : 2000;
};

/** NIIT rate: 3.8 % (IRC §1411(a)(1)). */
export const NIIT_RATE_BPS = 380;

/**
 * Net Investment Income Tax: 3.8 % × the lesser of net investment income and MAGI over the
 * threshold (0 when either is not positive), rounded half-up to cents.
 */
export const netInvestmentIncomeTax = (args: {
  magi: Cents;
  netInvestmentIncome: Cents;
  status: FilingStatus;
  tables: TaxTables;
}): Cents => {
  const excess = args.magi - args.tables.niitThreshold[args.status];
  const base = minBigint(args.netInvestmentIncome, excess);
  return base > 0n ? divRoundHalfUp(base * BigInt(NIIT_RATE_BPS), 10_000n) : 0n;
};
