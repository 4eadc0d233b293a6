import { describe, expect, test } from "vitest";
import { carryoverWorksheet, lossLimit, netScheduleD } from "./carryover.ts";

const usd = (dollars: number) => BigInt(dollars) * 100n;

/** Schedule D lines of a prior year as the worksheet reads them. */
const priorYear = (line7: number, line15: number, filingStatus: "single" | "mfs" = "single") =>
  netScheduleD({
    shortTermGain: usd(line7),
    longTermGain: usd(line15),
    carryoverIn: { shortTerm: 0n, longTerm: 0n },
    filingStatus,
  });

describe("netScheduleD()", () => {
  test("lines 7, 15, 16 and 21 (loss limited to $3,000, $1,500 married filing separately)", () => {
    expect(priorYear(-5000, 1000)).toEqual({
      line7: usd(-5000),
      line15: usd(1000),
      line16: usd(-4000),
      line21: usd(3000),
    });
    expect(priorYear(-1000, -500).line21).toBe(usd(1500));
    expect(priorYear(-5000, 0, "mfs").line21).toBe(usd(1500));
    expect(priorYear(2000, -500).line21).toBe(0n);
    expect(lossLimit("mfj")).toBe(usd(3000));
    expect(lossLimit("hoh")).toBe(usd(3000));
  });

  test("carryovers in enter lines 6 and 14 (reducing lines 7 and 15)", () => {
    const n = netScheduleD({
      shortTermGain: usd(1000),
      longTermGain: usd(5000),
      carryoverIn: { shortTerm: usd(4000), longTerm: usd(500) },
      filingStatus: "single",
    });
    expect(n).toEqual({ line7: usd(-3000), line15: usd(4500), line16: usd(1500), line21: 0n });
  });
});

describe("carryoverWorksheet() — Capital Loss Carryover Worksheet", () => {
  // us-tax-rules.md §7.2 A–C: derived by applying the IRS worksheet (not IRS-published numbers).
  test("derived A: short-term loss partly absorbed by a long-term gain", () => {
    const w = carryoverWorksheet({ ...priorYear(-5000, 1000), taxableIncome: usd(50_000) });
    expect([w.line1, w.line2, w.line3, w.line4, w.line5, w.line6, w.line7, w.line8].map(Number)).toEqual(
      [50_000, 3000, 53_000, 3000, 5000, 1000, 4000, 1000].map((d) => d * 100),
    );
    expect(w.shortTerm).toBe(usd(1000));
    expect(w.longTerm).toBe(0n);
  });

  test("derived B: short-term loss used first, the rest of the deduction absorbs long-term loss", () => {
    const w = carryoverWorksheet({ ...priorYear(-2000, -6000), taxableIncome: usd(20_000) });
    expect([w.line1, w.line2, w.line3, w.line4, w.line5, w.line6, w.line7, w.line8].map(Number)).toEqual(
      [20_000, 3000, 23_000, 3000, 2000, 0, 3000, 0].map((d) => d * 100),
    );
    expect([w.line9, w.line10, w.line11, w.line12, w.line13].map(Number)).toEqual(
      [6000, 0, 1000, 1000, 5000].map((d) => d * 100),
    );
    expect(w).toMatchObject({ shortTerm: 0n, longTerm: usd(5000) });
  });

  test("derived C: negative taxable income uses only part of the deduction (§1212(b)(2))", () => {
    const w = carryoverWorksheet({ ...priorYear(-10_000, 0), taxableIncome: usd(-1000) });
    expect([w.line1, w.line2, w.line3, w.line4, w.line5, w.line6, w.line7, w.line8].map(Number)).toEqual(
      [-1000, 3000, 2000, 2000, 10_000, 0, 2000, 8000].map((d) => d * 100),
    );
    expect(w).toMatchObject({ shortTerm: usd(8000), longTerm: 0n });
  });

  test("Pub. 550: MFJ, $7,000 loss, taxable income $26,000 → deduction $3,000, carryover $4,000", () => {
    const n = netScheduleD({
      shortTermGain: usd(-7000),
      longTermGain: 0n,
      carryoverIn: { shortTerm: 0n, longTerm: 0n },
      filingStatus: "mfj",
    });
    expect(n.line21).toBe(usd(3000));
    const w = carryoverWorksheet({ ...n, taxableIncome: usd(26_000) });
    expect(w.shortTerm + w.longTerm).toBe(usd(4000));
  });

  test("Pub. 550: a $2,000 loss is deducted whole and nothing carries over", () => {
    const n = priorYear(-2000, 0);
    expect(n.line21).toBe(usd(2000));
    expect(carryoverWorksheet({ ...n, taxableIncome: usd(26_000) })).toMatchObject({
      shortTerm: 0n,
      longTerm: 0n,
    });
  });

  test("keeps character: a long-term loss carries over as long term", () => {
    const w = carryoverWorksheet(priorYear(0, -10_000));
    expect(w).toMatchObject({ shortTerm: 0n, longTerm: usd(7000) });
  });

  test("without taxable income the full deduction counts as used", () => {
    expect(carryoverWorksheet(priorYear(-10_000, 0))).toMatchObject({ shortTerm: usd(7000), longTerm: 0n });
  });

  test("no carryover without a net loss", () => {
    expect(carryoverWorksheet(priorYear(-5000, 6000))).toMatchObject({ shortTerm: 0n, longTerm: 0n });
  });
});
