/**
 * The federal tax picture of one tax year from its Schedule D: netting (lines 7, 15, 16, 21), the
 * Capital Loss Carryover Worksheet, the regular tax (Tax Table / Tax Computation Worksheet, or the
 * Qualified Dividends and Capital Gain Tax Worksheet when there is a net capital gain) and the
 * 3.8 % NIIT. All amounts are cents.
 *
 * Assumptions (stated in docs/harvest.md and every report):
 * - `otherTaxableIncome` is Form 1040 line 15 without this ledger's capital gains and losses
 *   (wages, interest, the ledger's ordinary income, … minus deductions). Form 1040 line 15 is that
 *   plus line 16 when it is a gain, or minus line 21 when it is a loss.
 * - No qualified dividends, collectibles (28 %) or unrecaptured §1250 gain.
 * - MAGI for the NIIT = taxable income + the standard deduction (no itemized deductions, no foreign
 *   income exclusion); net investment income = this year's net capital gain (line 16, if positive).
 */
import { carryoverWorksheet, lossLimit, netScheduleD } from "../tax/carryover.ts";
import {
  marginalCapitalGainRate,
  marginalOrdinaryRate,
  netInvestmentIncomeTax,
  ordinaryTax,
  qdcgtWorksheet,
  type TaxTables,
} from "../tax/rates.ts";
import type { Cents, FilingStatus } from "../tax/types.ts";

/** A year's Schedule D and the tax on it. */
export type TaxPicture = {
  /** Form 8949 totals: short-term and long-term gain (column h). */
  shortTermGain: Cents;
  longTermGain: Cents;
  carryoverIn: { shortTerm: Cents; longTerm: Cents };
  /** Schedule D lines 7, 15, 16 and 21 (21 positive). */
  line7: Cents;
  line15: Cents;
  line16: Cents;
  line21: Cents;
  /** Capital loss carried to the next year (worksheet lines 8 and 13). */
  carryoverOut: { shortTerm: Cents; longTerm: Cents };
  /** Form 1040 line 15 estimate (may be negative). */
  taxableIncome: Cents;
  regularTax: Cents;
  niit: Cents;
  /** Regular tax + NIIT. */
  totalTax: Cents;
  /** Rates of the next dollar (basis points) and whether the NIIT applies. */
  marginal: { ordinaryBps: number; longTermBps: number; niit: boolean };
};

export type TaxContext = {
  filingStatus: FilingStatus;
  /** Form 1040 line 15 without this ledger's capital gains and losses. */
  otherTaxableIncome: Cents;
  tables: TaxTables;
};

const pos = (c: Cents): Cents => (c > 0n ? c : 0n);
const min = (a: Cents, b: Cents): Cents => (a < b ? a : b);

/** The scalar figures of `taxPicture` (what ranking a candidate needs), in one flat object. */
export type TaxFigures = {
  line7: Cents;
  line15: Cents;
  line16: Cents;
  line21: Cents;
  carryoverShort: Cents;
  carryoverLong: Cents;
  taxableIncome: Cents;
  regularTax: Cents;
  niit: Cents;
  totalTax: Cents;
};

/**
 * Schedule D lines 7/15/16/21 (as `netScheduleD`), lines 4–13 of the Capital Loss Carryover
 * Worksheet (as `carryoverWorksheet`; a test checks both agree), the regular tax (the QDCGT
 * Worksheet only with a net capital gain) and the NIIT of a year with these Form 8949 totals.
 * @dev One pass of scalar arithmetic: the planner evaluates it twice per lot below cost.
 */
export const taxFigures = (
  shortTermGain: Cents,
  longTermGain: Cents,
  carryoverIn: { shortTerm: Cents; longTerm: Cents },
  ctx: TaxContext,
): TaxFigures => {
  const { filingStatus: status, tables } = ctx;
  const line7 = shortTermGain - carryoverIn.shortTerm;
  const line15 = longTermGain - carryoverIn.longTerm;
  const line16 = line7 + line15;
  const line21 = line16 < 0n ? min(-line16, lossLimit(status)) : 0n;
  const taxableIncome = ctx.otherTaxableIncome + (line16 > 0n ? line16 : -line21);
  let carryoverShort = 0n;
  let carryoverLong = 0n;
  if (line16 < 0n) {
    const l4 = min(line21, pos(taxableIncome + line21));
    const l5 = line7 < 0n ? -line7 : 0n;
    if (line7 < 0n) carryoverShort = pos(l5 - (l4 + pos(line15)));
    if (line15 < 0n) carryoverLong = pos(-line15 - (pos(line7) + pos(l4 - l5)));
  }
  const ti = pos(taxableIncome);
  const regularTax =
    line15 > 0n && line16 > 0n
      ? qdcgtWorksheet({
          taxableIncome: ti,
          scheduleDLine15: line15,
          scheduleDLine16: line16,
          status,
          tables,
        }).line25
      : ordinaryTax(ti, status, tables);
  const niit = netInvestmentIncomeTax({
    magi: taxableIncome + tables.standardDeduction[status],
    netInvestmentIncome: pos(line16),
    status,
    tables,
  });
  return {
    line7,
    line15,
    line16,
    line21,
    carryoverShort,
    carryoverLong,
    taxableIncome,
    regularTax,
    niit,
    totalTax: regularTax + niit,
  };
};

/** The tax picture of a year whose Form 8949 totals are `shortTermGain` and `longTermGain`. */
export const taxPicture = (
  year: { shortTermGain: Cents; longTermGain: Cents; carryoverIn: { shortTerm: Cents; longTerm: Cents } },
  ctx: TaxContext,
): TaxPicture => {
  const f = taxFigures(year.shortTermGain, year.longTermGain, year.carryoverIn, ctx);
  const { filingStatus: status, tables } = ctx;
  const ti = pos(f.taxableIncome);
  return {
    shortTermGain: year.shortTermGain,
    longTermGain: year.longTermGain,
    carryoverIn: year.carryoverIn,
    line7: f.line7,
    line15: f.line15,
    line16: f.line16,
    line21: f.line21,
    carryoverOut: { shortTerm: f.carryoverShort, longTerm: f.carryoverLong },
    taxableIncome: f.taxableIncome,
    regularTax: f.regularTax,
    niit: f.niit,
    totalTax: f.totalTax,
    marginal: {
      ordinaryBps: marginalOrdinaryRate(ti, status, tables),
      longTermBps: marginalCapitalGainRate(ti, status, tables),
      niit: f.taxableIncome + tables.standardDeduction[status] > tables.niitThreshold[status],
    },
  };
};

/** One year of a carryforward projection. */
export type CarryforwardYear = {
  year: number;
  carryoverIn: { shortTerm: Cents; longTerm: Cents };
  /** Schedule D line 21 of that year (positive). */
  deduction: Cents;
  carryoverOut: { shortTerm: Cents; longTerm: Cents };
};

/**
 * How a carryforward is used up when later years have no other capital gains or losses and
 * enough taxable income for the full deduction: each year deducts up to $3,000 ($1,500 MFS),
 * short-term first. At most `maxYears` rows (the rest is still carried after the last).
 * @example $4,000 single → 2026: deduct 3,000, carry 1,000; 2027: deduct 1,000, carry 0.
 */
export const projectCarryforward = (args: {
  firstYear: number;
  carryover: { shortTerm: Cents; longTerm: Cents };
  filingStatus: FilingStatus;
  maxYears?: number;
}): CarryforwardYear[] => {
  const out: CarryforwardYear[] = [];
  let carry = args.carryover;
  const max = args.maxYears ?? 10;
  for (let year = args.firstYear; out.length < max && carry.shortTerm + carry.longTerm > 0n; year++) {
    const netting = netScheduleD({
      shortTermGain: 0n,
      longTermGain: 0n,
      carryoverIn: carry,
      filingStatus: args.filingStatus,
    });
    const w = carryoverWorksheet(netting);
    const next = { shortTerm: w.shortTerm, longTerm: w.longTerm };
    out.push({ year, carryoverIn: carry, deduction: netting.line21, carryoverOut: next });
    carry = next;
  }
  return out;
};
