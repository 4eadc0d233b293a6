/**
 * The wash-sale option (src/tax/wash.ts) on the published examples: Pub. 550 (2025) wash-sale
 * examples (reference §7.1 items 8–10, the partial one also Reg. §1.1091-1(h) example 2) and the
 * Form 1099-DA instructions' box 1i example (item 11). Expected figures are the publications'.
 */
import { describe, expect, test } from "vitest";
import type { LedgerRow } from "../ledger/types.ts";
import { computeGains, computeGainsYears } from "./gains.ts";
import { buy, sell, swap, transfer } from "./ledger.test-support.ts";
import type { GainsOptions } from "./types.ts";

const $ = (dollars: number) => BigInt(Math.round(dollars * 100));

const run = (rows: LedgerRow[], year: number, options: Partial<GainsOptions> = {}) =>
  computeGains(rows, { year, scope: "universal", washSale: {}, openLots: true, ...options });

const lot = (r: ReturnType<typeof run>, id: string) => {
  const found = r.openLots!.filter((l) => l.lotId === id);
  expect(found, id).toHaveLength(1);
  return found[0]!;
};

describe("wash sales — Pub. 550 examples", () => {
  test("full replacement (Pub. 550 ex. 1): loss $250 disallowed, new basis $1,050, holding period tacked", () => {
    const rows = [
      buy("b1", "2025-01-06T15:00:00Z", "w", "X", "100", "1000"),
      sell("s1", "2025-03-03T15:00:00Z", "w", "X", "100", "750"),
      buy("b2", "2025-03-20T15:00:00Z", "w", "X", "100", "800"),
    ];
    const r = run(rows, 2025);
    expect(r.form8949).toHaveLength(1);
    expect(r.form8949[0]).toMatchObject({
      disposalId: "s1",
      proceeds: $(750),
      costBasis: $(1000),
      adjustmentCode: "W",
      adjustment: $(250),
      gain: 0n,
      term: "short",
    });
    expect(r.summary.shortTerm).toMatchObject({ adjustments: $(250), gain: 0n });
    // Held 2025-01-06 → 2025-03-03: 56 days; 2025-03-20 − 56 days = 2025-01-23.
    expect(lot(r, "b2")).toMatchObject({ costBasis: $(1050), dateAcquired: "2025-01-23", quantity: "100" });
  });

  test("the tacked holding period turns the replacement long term a year after 2025-01-23", () => {
    const rows = [
      buy("b1", "2025-01-06T15:00:00Z", "w", "X", "100", "1000"),
      sell("s1", "2025-03-03T15:00:00Z", "w", "X", "100", "750"),
      buy("b2", "2025-03-20T15:00:00Z", "w", "X", "100", "800"),
      sell("s2", "2026-01-24T15:00:00Z", "w", "X", "100", "900"),
    ];
    const r = computeGainsYears(rows, { fromYear: 2025, toYear: 2026, scope: "universal", washSale: {} });
    expect(r.years[1]!.form8949[0]).toMatchObject({
      dateAcquired: "2025-01-23",
      costBasis: $(1050),
      gain: $(-150),
      term: "long",
    });
    // Without the rule: basis $800, acquired 2025-03-20, short term.
    const off = computeGainsYears(rows, { fromYear: 2025, toYear: 2026, scope: "universal" });
    expect(off.years[0]!.form8949[0]).toMatchObject({
      adjustmentCode: "",
      adjustment: undefined,
      gain: $(-250),
    });
    expect(off.years[1]!.form8949[0]).toMatchObject({ costBasis: $(800), gain: $(100), term: "short" });
  });

  test("partial replacement (Pub. 550; Reg. §1.1091-1(h) ex. 2): $750 disallowed, $250 deductible, bases $3,250 and $1,375", () => {
    const rows = [
      buy("b100", "2024-09-20T15:00:00Z", "w", "X", "100", "5000"),
      buy("b50", "2024-12-13T15:00:00Z", "w", "X", "50", "2750"),
      buy("b25", "2024-12-20T15:00:00Z", "w", "X", "25", "1125"),
      sell("s", "2025-01-03T15:00:00Z", "w", "X", "100", "4000", { lots: "b100:100" }),
    ];
    const r = run(rows, 2025);
    expect(r.form8949).toEqual([
      expect.objectContaining({
        lotId: "b100",
        proceeds: $(4000),
        costBasis: $(5000),
        adjustmentCode: "W",
        adjustment: $(750),
        gain: $(-250),
      }),
    ]);
    expect(r.summary.net).toBe($(-250));
    // The sold lot was held 105 days (2024-09-20 → 2025-01-03).
    expect(lot(r, "b50")).toMatchObject({
      costBasis: $(3250),
      dateAcquired: "2024-08-30",
      washReplacement: true,
    });
    expect(lot(r, "b25")).toMatchObject({
      costBasis: $(1375),
      dateAcquired: "2024-09-06",
      washReplacement: true,
    });
  });

  test("more replacements than units sold (Pub. 550 ex. 2): the Feb 3 and Feb 4 lots carry $500 each", () => {
    const rows = [
      buy("b0", "2024-11-01T15:00:00Z", "w", "X", "100", "3000"),
      sell("s", "2025-01-29T15:00:00Z", "w", "X", "100", "2000"),
      buy("f3", "2025-02-03T15:00:00Z", "w", "X", "50", "1000"),
      buy("f4", "2025-02-04T15:00:00Z", "w", "X", "50", "1000"),
      buy("f5", "2025-02-05T15:00:00Z", "w", "X", "50", "1000"),
      buy("f6", "2025-02-06T15:00:00Z", "w", "X", "50", "1000"),
    ];
    const r = run(rows, 2025);
    expect(r.form8949[0]).toMatchObject({ adjustment: $(1000), gain: 0n });
    expect(lot(r, "f3").costBasis).toBe($(1500));
    expect(lot(r, "f4").costBasis).toBe($(1500));
    expect(lot(r, "f5")).toMatchObject({
      costBasis: $(1000),
      dateAcquired: "2025-02-05",
      washReplacement: false,
    });
    expect(lot(r, "f6").costBasis).toBe($(1000));
  });

  test("Form 1099-DA box 1i example (tokenized security): loss $400, $300 disallowed onto the 75 new units", () => {
    const rows = [
      buy("b", "2026-09-01T15:00:00Z", "acct", "TSEC", "100", "1000"),
      sell("s", "2026-10-01T15:00:00Z", "acct", "TSEC", "100", "600"),
      buy("r", "2026-10-15T15:00:00Z", "acct", "TSEC", "75", "450"),
      // ETH is not a security: with the rule limited to TSEC, its loss stands.
      buy("e1", "2026-09-01T15:00:00Z", "acct", "ETH", "1", "3000"),
      sell("e2", "2026-10-01T15:00:00Z", "acct", "ETH", "1", "2000"),
      buy("e3", "2026-10-02T15:00:00Z", "acct", "ETH", "1", "2000"),
    ];
    const r = run(rows, 2026, { washSale: { assets: ["TSEC"] } });
    expect(r.form8949.find((x) => x.disposalId === "s")).toMatchObject({
      proceeds: $(600),
      costBasis: $(1000),
      adjustmentCode: "W",
      adjustment: $(300),
      gain: $(-100),
    });
    expect(r.form8949.find((x) => x.disposalId === "e2")).toMatchObject({
      adjustmentCode: "",
      gain: $(-1000),
    });
    expect(lot(r, "r").costBasis).toBe($(750));
    expect(lot(r, "e3").costBasis).toBe($(2000));
  });
});

describe("wash sales — matching rules", () => {
  test("off by default: no adjustment, bases unchanged", () => {
    const rows = [
      buy("b1", "2025-01-06T15:00:00Z", "w", "X", "1", "100"),
      sell("s1", "2025-02-03T15:00:00Z", "w", "X", "1", "60"),
      buy("b2", "2025-02-04T15:00:00Z", "w", "X", "1", "60"),
    ];
    const r = computeGains(rows, { year: 2025, scope: "universal", openLots: true });
    expect(r.form8949[0]).toMatchObject({ adjustmentCode: "", gain: $(-40) });
    expect(lot(r, "b2").costBasis).toBe($(60));
  });

  test("a purchase on day 31 after the sale is no replacement; day 30 is", () => {
    const base = [
      buy("b1", "2025-01-06T15:00:00Z", "w", "X", "1", "100"),
      sell("s1", "2025-03-01T15:00:00Z", "w", "X", "1", "60"),
    ];
    const day30 = run([...base, buy("b2", "2025-03-31T23:00:00Z", "w", "X", "1", "60")], 2025);
    expect(day30.form8949[0]!.adjustment).toBe($(40));
    const day31 = run([...base, buy("b2", "2025-04-01T00:00:00Z", "w", "X", "1", "60")], 2025);
    expect(day31.form8949[0]!.adjustment).toBeUndefined();
    // And 30 days before: a purchase on 2025-01-30 replaces a sale on 2025-03-01 (30 days later).
    const before = run(
      [
        buy("b0", "2025-01-01T15:00:00Z", "w", "X", "1", "100"),
        buy("b1", "2025-01-30T15:00:00Z", "w", "X", "1", "100"),
        sell("s1", "2025-03-01T15:00:00Z", "w", "X", "1", "60", { lots: "b0:1" }),
      ],
      2025,
    );
    expect(before.form8949[0]!.adjustment).toBe($(40));
    expect(lot(before, "b1").costBasis).toBe($(140));
  });

  test("units of the lot sold are not its replacement (Rev. Rul. 56-602); income is not a purchase", () => {
    const rows = [
      buy("b", "2025-05-01T15:00:00Z", "w", "X", "100", "1000"),
      sell("s", "2025-05-10T15:00:00Z", "w", "X", "50", "400"),
      { ...buy("i", "2025-05-12T15:00:00Z", "w", "X", "5", "40"), type: "income" as const },
    ];
    const r = run(rows, 2025);
    expect(r.form8949[0]).toMatchObject({ adjustmentCode: "", gain: $(-100) });
    expect(lot(r, "b").costBasis).toBe($(500));
  });

  test("losses are matched in order of disposition; a replacement serves one loss only", () => {
    const rows = [
      buy("b1", "2025-01-02T15:00:00Z", "w", "X", "1", "100"),
      buy("b2", "2025-01-02T16:00:00Z", "w", "X", "1", "100"),
      sell("s1", "2025-03-01T15:00:00Z", "w", "X", "1", "70"),
      sell("s2", "2025-03-02T15:00:00Z", "w", "X", "1", "50"),
      buy("r", "2025-03-10T15:00:00Z", "w", "X", "1", "55"),
    ];
    const r = run(rows, 2025);
    expect(r.form8949.map((x) => [x.disposalId, x.adjustment, x.gain])).toEqual([
      ["s1", $(30), 0n],
      ["s2", undefined, $(-50)],
    ]);
    expect(lot(r, "r").costBasis).toBe($(85));
  });

  test("a loss split over three replacements: the cents add up to the loss", () => {
    const rows = [
      buy("b", "2025-01-02T15:00:00Z", "w", "X", "3", "300"),
      sell("s", "2025-03-01T15:00:00Z", "w", "X", "3", "200"),
      buy("r1", "2025-03-02T15:00:00Z", "w", "X", "1", "60"),
      buy("r2", "2025-03-03T15:00:00Z", "w", "X", "1", "60"),
      buy("r3", "2025-03-04T15:00:00Z", "w", "X", "1", "60"),
    ];
    const r = run(rows, 2025);
    expect(r.form8949[0]!.adjustment).toBe($(100));
    // Cumulative rounding: 33.33, 66.67, 100.00.
    expect([lot(r, "r1"), lot(r, "r2"), lot(r, "r3")].map((l) => l.costBasis)).toEqual([
      $(93.33),
      $(93.34),
      $(93.33),
    ]);
  });

  test("replacements in another wallet count (per taxpayer); a swap into the asset is a purchase", () => {
    const rows = [
      buy("b", "2025-06-01T15:00:00Z", "a", "X", "2", "200"),
      buy("u", "2025-06-01T15:00:00Z", "b", "USDC", "500", "500"),
      sell("s", "2025-07-01T15:00:00Z", "a", "X", "2", "120"),
      swap("x", "2025-07-05T15:00:00Z", "b", ["USDC", "130"], ["X", "2"], "130"),
      transfer("t", "2025-07-06T15:00:00Z", "b", "a", "X", "2"),
    ];
    const r = run(rows, 2025, { scope: "wallet" });
    expect(r.form8949.find((x) => x.disposalId === "s")!.adjustment).toBe($(80));
    // The replacement moved to wallet a with its adjusted basis and tacked date (held 30 days).
    expect(lot(r, "x")).toMatchObject({ wallet: "a", costBasis: $(210), dateAcquired: "2025-06-05" });
  });

  test("a loss at year end replaced in January: the adjustment is in the year of the sale; rows stay in disposal order", () => {
    const rows = [
      buy("b", "2025-06-01T15:00:00Z", "w", "X", "1", "100"),
      buy("g", "2025-06-01T15:00:00Z", "w", "Y", "1", "10"),
      sell("s", "2025-12-20T15:00:00Z", "w", "X", "1", "40"),
      sell("t", "2025-12-21T15:00:00Z", "w", "Y", "1", "30"),
      buy("r", "2026-01-05T15:00:00Z", "w", "X", "1", "45"),
    ];
    const r = computeGainsYears(rows, { fromYear: 2025, toYear: 2026, scope: "universal", washSale: {} });
    expect(r.years[0]!.form8949.map((x) => [x.disposalId, x.adjustment, x.gain])).toEqual([
      ["s", $(60), 0n],
      ["t", undefined, $(20)],
    ]);
    expect(r.years[0]!.summary).toMatchObject({ net: $(20) });
    expect(r.years[0]!.summary.shortTerm.adjustments).toBe($(60));
    // Reporting 2026 alone still applies the 2025 sale's disallowance to the January lot.
    const only2026 = computeGains([...rows, sell("z", "2026-02-01T15:00:00Z", "w", "X", "1", "50")], {
      year: 2026,
      scope: "universal",
      washSale: {},
    });
    expect(only2026.form8949[0]).toMatchObject({ costBasis: $(105), gain: $(-55) });
  });
});
