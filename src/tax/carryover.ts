/**
 * Schedule D netting (lines 7, 15, 16, 21) and the IRS Capital Loss Carryover Worksheet
 * (Schedule D instructions; Pub. 550 Worksheet 4-1), in cents.
 *
 * The worksheet keeps each loss's character and uses short-term losses first: the deduction
 * (line 21) and any net long-term gain absorb the short-term loss before the long-term loss.
 */
import { maxBigint, minBigint } from "./money.ts";
import type { Cents, FilingStatus } from "./types.ts";

/** Capital loss deductible against other income per year: $3,000, $1,500 married filing separately. */
export const lossLimit = (status: FilingStatus): Cents => (status === "mfs" ? 150_000n : 300_000n);

export type ScheduleDNetting = {
  /** Line 7: short-term gain minus the short-term carryover in. */
  line7: Cents;
  /** Line 15: long-term gain minus the long-term carryover in. */
  line15: Cents;
  /** Line 16 = line 7 + line 15. */
  line16: Cents;
  /** Line 21 as a positive number: the smaller of the net loss and the limit (0 without a loss). */
  line21: Cents;
};

/** Nets the year's gains with the carryovers in. */
export const netScheduleD = (args: {
  shortTermGain: Cents;
  longTermGain: Cents;
  carryoverIn: { shortTerm: Cents; longTerm: Cents };
  filingStatus: FilingStatus;
}): ScheduleDNetting => {
  const line7 = args.shortTermGain - args.carryoverIn.shortTerm;
  const line15 = args.longTermGain - args.carryoverIn.longTerm;
  const line16 = line7 + line15;
  const line21 = line16 < 0n ? minBigint(-line16, lossLimit(args.filingStatus)) : 0n;
  return { line7, line15, line16, line21 };
};

/** Lines 1–13 of the Capital Loss Carryover Worksheet (0 for lines the worksheet skips). */
export type CarryoverWorksheet = Record<
  `line${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13}`,
  Cents
> & {
  /** Line 8: short-term capital loss carryover to next year. */
  shortTerm: Cents;
  /** Line 13: long-term capital loss carryover to next year. */
  longTerm: Cents;
};

/**
 * Computes next year's carryovers from this year's Schedule D.
 * @param taxableIncome - this year's Form 1040 line 15 (negative allowed); `undefined` means large
 * enough that the whole deduction is used (line 4 = line 2).
 */
export const carryoverWorksheet = (
  args: ScheduleDNetting & { taxableIncome?: Cents | undefined },
): CarryoverWorksheet => {
  const z = 0n;
  const lines = {
    line1: z,
    line2: z,
    line3: z,
    line4: z,
    line5: z,
    line6: z,
    line7: z,
    line8: z,
    line9: z,
    line10: z,
    line11: z,
    line12: z,
    line13: z,
  };
  if (args.line16 >= 0n) return { ...lines, shortTerm: z, longTerm: z };
  lines.line2 = args.line21;
  if (args.taxableIncome === undefined) {
    lines.line1 = z;
    lines.line3 = z;
    lines.line4 = lines.line2;
  } else {
    lines.line1 = args.taxableIncome;
    lines.line3 = maxBigint(z, lines.line1 + lines.line2);
    lines.line4 = minBigint(lines.line2, lines.line3);
  }
  if (args.line7 < 0n) {
    lines.line5 = -args.line7;
    lines.line6 = maxBigint(z, args.line15);
    lines.line7 = lines.line4 + lines.line6;
    lines.line8 = maxBigint(z, lines.line5 - lines.line7);
  }
  if (args.line15 < 0n) {
    lines.line9 = -args.line15;
    lines.line10 = maxBigint(z, args.line7);
    lines.line11 = maxBigint(z, lines.line4 - lines.line5);
    lines.line12 = lines.line10 + lines.line11;
    lines.line13 = maxBigint(z, lines.line9 - lines.line12);
  }
  return { ...lines, shortTerm: lines.line8, longTerm: lines.line13 };
};
