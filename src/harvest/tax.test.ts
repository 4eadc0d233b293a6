import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { carryoverWorksheet, netScheduleD } from "../tax/carryover.ts";
import { ordinaryTax, qdcgtWorksheet, taxTables } from "../tax/rates.ts";
import { FILING_STATUSES } from "../tax/types.ts";
import { taxPicture } from "./tax.ts";

const $ = (dollars: number) => BigInt(Math.round(dollars * 100));
const tables = taxTables(2025);

describe("taxPicture()", () => {
  test("property: Schedule D lines and carryovers are netScheduleD's and carryoverWorksheet's", () => {
    const cents = fc.bigInt({ min: -5_000_000_00n, max: 5_000_000_00n });
    fc.assert(
      fc.property(
        cents,
        cents,
        fc.bigInt({ min: 0n, max: 50_000_00n }),
        fc.bigInt({ min: 0n, max: 50_000_00n }),
        fc.bigInt({ min: -20_000_00n, max: 900_000_00n }),
        fc.constantFrom(...FILING_STATUSES),
        (st, lt, cst, clt, other, status) => {
          const carryoverIn = { shortTerm: cst, longTerm: clt };
          const p = taxPicture(
            { shortTermGain: st, longTermGain: lt, carryoverIn },
            { filingStatus: status, otherTaxableIncome: other, tables },
          );
          const n = netScheduleD({ shortTermGain: st, longTermGain: lt, carryoverIn, filingStatus: status });
          expect([p.line7, p.line15, p.line16, p.line21]).toEqual([n.line7, n.line15, n.line16, n.line21]);
          const taxableIncome = other + (n.line16 > 0n ? n.line16 : -n.line21);
          expect(p.taxableIncome).toBe(taxableIncome);
          const w = carryoverWorksheet({ ...n, taxableIncome });
          expect(p.carryoverOut).toEqual({ shortTerm: w.shortTerm, longTerm: w.longTerm });
          const ti = taxableIncome > 0n ? taxableIncome : 0n;
          const regular =
            n.line15 > 0n && n.line16 > 0n
              ? qdcgtWorksheet({
                  taxableIncome: ti,
                  scheduleDLine15: n.line15,
                  scheduleDLine16: n.line16,
                  status,
                  tables,
                }).line25
              : ordinaryTax(ti, status, tables);
          expect(p.regularTax).toBe(regular);
          expect(p.totalTax).toBe(p.regularTax + p.niit);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("Pub. 550: MFJ, a $7,000 loss and taxable income $26,000 → deduction $3,000, carryover $4,000", () => {
    // Other taxable income 29,000 − the 3,000 deduction = 26,000.
    const p = taxPicture(
      { shortTermGain: $(-7_000), longTermGain: 0n, carryoverIn: { shortTerm: 0n, longTerm: 0n } },
      { filingStatus: "mfj", otherTaxableIncome: $(29_000), tables },
    );
    expect(p).toMatchObject({
      line21: $(3_000),
      taxableIncome: $(26_000),
      carryoverOut: { shortTerm: $(4_000), longTerm: 0n },
    });
  });

  test("§1212(b)(2): with taxable income of −$1,000 only $2,000 of the deduction is used (reference §7.2 C)", () => {
    const p = taxPicture(
      { shortTermGain: $(-10_000), longTermGain: 0n, carryoverIn: { shortTerm: 0n, longTerm: 0n } },
      { filingStatus: "single", otherTaxableIncome: $(2_000), tables },
    );
    expect(p).toMatchObject({
      line21: $(3_000),
      taxableIncome: $(-1_000),
      carryoverOut: { shortTerm: $(8_000) },
    });
    expect(p.totalTax).toBe(0n);
  });
});
