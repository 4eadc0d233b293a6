import { describe, expect, test } from "vitest";
import {
  bracketTax,
  marginalCapitalGainRate,
  marginalOrdinaryRate,
  netInvestmentIncomeTax,
  ordinaryTax,
  qdcgtWorksheet,
  taxTables,
} from "./rates.ts";
import { FILING_STATUSES } from "./types.ts";

const $ = (dollars: number) => BigInt(Math.round(dollars * 100));
const t2025 = taxTables(2025);

describe("taxTables()", () => {
  test("2025 is published; other years use 2025's figures and say so", () => {
    expect(t2025).toMatchObject({ year: 2025, requestedYear: 2025, published: true });
    const t2026 = taxTables(2026);
    expect(t2026).toMatchObject({ year: 2025, requestedYear: 2026, published: false });
    expect(t2026.note).toContain("no published 2026 brackets");
    expect(t2026.note).toContain("2025");
    expect(t2026.ordinary).toEqual(t2025.ordinary);
  });

  test("the Tax Computation Worksheet subtraction amounts agree with the brackets (S = tax by brackets at any income in the band)", () => {
    for (const status of FILING_STATUSES) {
      for (const b of t2025.ordinary[status]) {
        const sub = t2025.subtraction[status].get(b.rateBps);
        if (sub === undefined) continue;
        // A whole-dollar point inside the band, ≥ $100,000.
        const income = b.upTo === undefined ? $(900_000) : b.upTo - 100n;
        if (income < $(100_000)) continue;
        const formula = (income * BigInt(b.rateBps)) / 10_000n - sub;
        expect(bracketTax(income, status, t2025), `${status} ${b.rateBps}`).toBe(formula);
      }
    }
  });
});

describe("ordinaryTax()", () => {
  test("Tax Computation Worksheet (reference §7.2 D): single, $200,000 → $41,063; $250,000 → $57,063", () => {
    // 200,000 × 0.32 − 22,937 and 250,000 × 0.32 − 22,937 (250,000 is under the 35 % threshold 250,525).
    expect(ordinaryTax($(200_000), "single", t2025)).toBe($(41_063));
    expect(ordinaryTax($(250_000), "single", t2025)).toBe($(57_063));
    // MFJ, $450,000 is in the 32 % band (394,600–501,050): 144,000 − 45,874 = 98,126;
    // $600,000 in the 35 % band: 210,000 − 60,905.50 = 149,094.50.
    expect(ordinaryTax($(450_000), "mfj", t2025)).toBe($(98_126));
    expect(ordinaryTax($(600_000), "mfj", t2025)).toBe($(149_094.5));
    // HoH, $700,000: 37 % → 259,000 − 44,718 = 214,282.
    expect(ordinaryTax($(700_000), "hoh", t2025)).toBe($(214_282));
  });

  test("below $100,000 the Tax Table: tax on the band's midpoint, whole dollars", () => {
    // $50,000–$50,050, single: midpoint 50,025 → 1,192.50 + 4,386 + 0.22 × 1,550 = 5,919.50 → 5,920.
    expect(ordinaryTax($(50_010), "single", t2025)).toBe($(5_920));
    // $26,000–$26,050, MFJ: midpoint 26,025 → 2,385 + 0.12 × 2,175 = 2,646.
    expect(ordinaryTax($(26_000), "mfj", t2025)).toBe($(2_646));
    // $25–$50: midpoint 37.50 → 3.75 → 4; $0–$5 → 0; $5–$15 → 1.
    expect(ordinaryTax($(30), "single", t2025)).toBe($(4));
    expect(ordinaryTax($(4), "single", t2025)).toBe(0n);
    expect(ordinaryTax($(12), "single", t2025)).toBe($(1));
    expect(ordinaryTax($(-500), "single", t2025)).toBe(0n);
  });

  test("marginal rates", () => {
    expect(marginalOrdinaryRate($(48_474), "single", t2025)).toBe(1200);
    expect(marginalOrdinaryRate($(48_475), "single", t2025)).toBe(2200);
    expect(marginalOrdinaryRate($(1_000_000), "mfs", t2025)).toBe(3700);
    expect(marginalCapitalGainRate($(48_000), "single", t2025)).toBe(0);
    expect(marginalCapitalGainRate($(96_000), "mfj", t2025)).toBe(0);
    expect(marginalCapitalGainRate($(300_000), "mfs", t2025)).toBe(2000);
    expect(marginalCapitalGainRate($(300_000), "single", t2025)).toBe(1500);
  });
});

describe("qdcgtWorksheet()", () => {
  test("reference §7.2 D (derived from the 2025 worksheet): single, taxable income 250,000 with 50,000 net capital gain", () => {
    const w = qdcgtWorksheet({
      taxableIncome: $(250_000),
      scheduleDLine15: $(50_000),
      scheduleDLine16: $(50_000),
      status: "single",
      tables: t2025,
    });
    expect(w).toEqual({
      line1: $(250_000),
      line2: 0n,
      line3: $(50_000),
      line4: $(50_000),
      line5: $(200_000),
      line6: $(48_350),
      line7: $(48_350),
      line8: $(48_350),
      line9: 0n,
      line10: $(50_000),
      line11: 0n,
      line12: $(50_000),
      line13: $(533_400),
      line14: $(250_000),
      line15: $(200_000),
      line16: $(50_000),
      line17: $(50_000),
      line18: $(7_500),
      line19: $(50_000),
      line20: 0n,
      line21: 0n,
      line22: $(41_063),
      line23: $(48_563),
      line24: $(57_063),
      line25: $(48_563),
    });
  });

  test("gains partly in the 0 % bracket; a loss on line 15 or 16 taxes everything as ordinary", () => {
    // MFJ, taxable income 100,000 of which 20,000 long-term gain: ordinary 80,000 (Tax Table
    // 80,000–80,050: midpoint 80,025 → 2,385 + 0.12 × 56,175 = 9,126), 16,700 at 0 %, 3,300 at 15 % = 495.
    const w = qdcgtWorksheet({
      taxableIncome: $(100_000),
      scheduleDLine15: $(20_000),
      scheduleDLine16: $(20_000),
      status: "mfj",
      tables: t2025,
    });
    expect([w.line9, w.line17, w.line18, w.line22, w.line25]).toEqual([
      $(16_700),
      $(3_300),
      $(495),
      $(9_126),
      $(9_621),
    ]);
    const loss = qdcgtWorksheet({
      taxableIncome: $(100_000),
      scheduleDLine15: $(20_000),
      scheduleDLine16: $(-1_000),
      status: "mfj",
      tables: t2025,
    });
    expect(loss.line3).toBe(0n);
    expect(loss.line25).toBe(ordinaryTax($(100_000), "mfj", t2025));
  });

  test("above the 15 % threshold the rest is at 20 %", () => {
    // Single, taxable income 600,000, 100,000 LT gain: ordinary 500,000 → ×0.35 − 30,452.75 =
    // 144,547.25; 15 %: 533,400 − 500,000 = 33,400 → 5,010; 20 %: 66,600 → 13,320.
    const w = qdcgtWorksheet({
      taxableIncome: $(600_000),
      scheduleDLine15: $(100_000),
      scheduleDLine16: $(100_000),
      status: "single",
      tables: t2025,
    });
    expect([w.line17, w.line18, w.line20, w.line21, w.line22, w.line25]).toEqual([
      $(33_400),
      $(5_010),
      $(66_600),
      $(13_320),
      $(144_547.25),
      $(162_877.25),
    ]);
  });
});

describe("netInvestmentIncomeTax()", () => {
  test("reference §7.2 E: single, MAGI 250,000, NII 50,000 → $1,900", () => {
    expect(
      netInvestmentIncomeTax({
        magi: $(250_000),
        netInvestmentIncome: $(50_000),
        status: "single",
        tables: t2025,
      }),
    ).toBe($(1_900));
  });

  test("the lesser of NII and the excess; thresholds $250,000 MFJ, $125,000 MFS; nothing below", () => {
    expect(
      netInvestmentIncomeTax({
        magi: $(260_000),
        netInvestmentIncome: $(50_000),
        status: "mfj",
        tables: t2025,
      }),
    ).toBe($(380));
    expect(
      netInvestmentIncomeTax({
        magi: $(130_000),
        netInvestmentIncome: $(2_000),
        status: "mfs",
        tables: t2025,
      }),
    ).toBe($(76));
    expect(
      netInvestmentIncomeTax({
        magi: $(190_000),
        netInvestmentIncome: $(50_000),
        status: "hoh",
        tables: t2025,
      }),
    ).toBe(0n);
    expect(
      netInvestmentIncomeTax({
        magi: $(400_000),
        netInvestmentIncome: $(-5_000),
        status: "single",
        tables: t2025,
      }),
    ).toBe(0n);
  });
});
