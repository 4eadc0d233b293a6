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
import { carryoverWorksheet, netScheduleD } from "../tax/carryover.ts";
import { maxBigint } from "../tax/money.ts";
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

/** The tax picture of a year whose Form 8949 totals are `shortTermGain` and `longTermGain`. */
export const taxPicture = (
  year: { shortTermGain: Cents; longTermGain: Cents; carryoverIn: { shortTerm: Cents; longTerm: Cents } },
  ctx: TaxContext,
): TaxPicture => {
  const { filingStatus: status, tables } = ctx;
  const netting = netScheduleD({
    shortTermGain: year.shortTermGain,
    longTermGain: year.longTermGain,
    carryoverIn: year.carryoverIn,
    filingStatus: status,
  });
  const capital = netting.line16 > 0n ? netting.line16 : -netting.line21;
  const taxableIncome = ctx.otherTaxableIncome + capital;
  const worksheet = carryoverWorksheet({ ...netting, taxableIncome });
  const ti = maxBigint(0n, taxableIncome);
  const regularTax =
    netting.line15 > 0n && netting.line16 > 0n
      ? qdcgtWorksheet({
          taxableIncome: ti,
          scheduleDLine15: netting.line15,
          scheduleDLine16: netting.line16,
          status,
          tables,
        }).line25
      : ordinaryTax(ti, status, tables);
  const magi = taxableIncome + tables.standardDeduction[status];
  const nii = maxBigint(0n, netting.line16);
  const niit = netInvestmentIncomeTax({ magi, netInvestmentIncome: nii, status, tables });
  return {
    shortTermGain: year.shortTermGain,
    longTermGain: year.longTermGain,
    carryoverIn: year.carryoverIn,
    line7: netting.line7,
    line15: netting.line15,
    line16: netting.line16,
    line21: netting.line21,
    carryoverOut: { shortTerm: worksheet.shortTerm, longTerm: worksheet.longTerm },
    taxableIncome,
    regularTax,
    niit,
    totalTax: regularTax + niit,
    marginal: {
      ordinaryBps: marginalOrdinaryRate(ti, status, tables),
      longTermBps: marginalCapitalGainRate(ti, status, tables),
      niit: magi > tables.niitThreshold[status],
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
