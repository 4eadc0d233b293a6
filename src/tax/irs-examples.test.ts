/**
 * The IRS/Treasury worked examples of ../shared/reference/us-tax-rules.md §7.1 that fit the
 * ledger, run through the engine, with their published numbers.
 */
import { describe, expect, test } from "vitest";
import type { LedgerRow } from "../ledger/types.ts";
import { computeGains, computeGainsYears } from "./gains.ts";
import { buy, income, paidIn, sell, spend, swap, transfer, usdFee } from "./ledger.test-support.ts";
import { form8949Gain } from "./money.ts";
import type { GainsOptions } from "./types.ts";

const $ = (dollars: number) => BigInt(Math.round(dollars * 100));

const run = (rows: LedgerRow[], year: number, options: Partial<GainsOptions> = {}) =>
  computeGains(rows, { year, scope: "universal", ...options });

/** Gain per disposal id (all its rows). */
const gainBy = (rows: { disposalId: string; gain: bigint }[]) => {
  const out: Record<string, bigint> = {};
  for (const r of rows) out[r.disposalId] = (out[r.disposalId] ?? 0n) + r.gain;
  return out;
};

describe("Reg. §1.1001-7(b)(5) — amount realized with digital asset transaction costs", () => {
  // 10 units of A with a basis of $0.50 each.
  const a = buy("a", "2025-01-02T00:00:00Z", "w", "A", "10", "5");

  test("example 1: 10 A for services worth $10, $1 cash fee → amount realized $9, gain $4", () => {
    const r = run([a, spend("x", "2025-03-01T00:00:00Z", "w", "A", "10", "10", usdFee("1"))], 2025);
    expect(r.form8949).toHaveLength(1);
    expect(r.form8949[0]).toMatchObject({ proceeds: $(9), costBasis: $(5), gain: $(4) });
  });

  test("example 2: 10 A → 20 B worth $1 each, $2 cash fee → amount realized $18, gain $13; B's basis $20 (§1.1012-1(h)(4) ex. 1)", () => {
    const r = run(
      [
        a,
        swap("x", "2025-03-01T00:00:00Z", "w", ["A", "10"], ["B", "20"], "20", usdFee("2")),
        sell("y", "2025-04-01T00:00:00Z", "w", "B", "20", "20"),
      ],
      2025,
    );
    expect(r.form8949.find((x) => x.disposalId === "x")).toMatchObject({
      proceeds: $(18),
      costBasis: $(5),
      gain: $(13),
    });
    expect(r.form8949.find((x) => x.disposalId === "y")).toMatchObject({ costBasis: $(20), gain: 0n });
  });

  test("example 3: fee paid with 3 units of C (basis $0.50 each, FMV $1): total gain $13.50; B's basis $20 (§1.1012-1(h)(4) ex. 2)", () => {
    // The IRS splits the $3 of C between the swap ($2, to A) and C's own disposal ($1): A gains
    // $13 and C $0.50. The ledger has one fee value per row, so it reduces A's proceeds by the
    // whole $3 (A gains $12) and C is disposed of for $3 (gains $1.50): the same $13.50 in total.
    const r = run(
      [
        a,
        buy("c", "2025-01-03T00:00:00Z", "w", "C", "3", "1.5"),
        swap("x", "2025-03-01T00:00:00Z", "w", ["A", "10"], ["B", "20"], "20", paidIn("C", "3", "3")),
        sell("y", "2025-04-01T00:00:00Z", "w", "B", "20", "20"),
      ],
      2025,
    );
    const g = gainBy(r.form8949);
    expect(g.x! + g["x:fee"]!).toBe($(13.5));
    expect(r.form8949.find((x) => x.disposalId === "x:fee")).toMatchObject({
      asset: "C",
      quantity: "3",
      costBasis: $(1.5),
    });
    expect(r.form8949.find((x) => x.disposalId === "y")).toMatchObject({ costBasis: $(20) });
  });

  test("example 4: broker withholds 1 A, 9 A → 18 B: amount realized on 10 A $18, gain $13; B's basis $18 (§1.1012-1(h)(4) ex. 3)", () => {
    const r = run(
      [
        a,
        swap("x", "2025-03-01T00:00:00Z", "w", ["A", "9"], ["B", "18"], "18", paidIn("A", "1", "2")),
        sell("y", "2025-04-01T00:00:00Z", "w", "B", "18", "18"),
      ],
      2025,
    );
    const x = r.form8949.filter((row) => row.disposalId === "x");
    expect(x).toHaveLength(1);
    expect(x[0]).toMatchObject({ quantity: "10", proceeds: $(18), costBasis: $(5), gain: $(13) });
    expect(r.form8949.find((row) => row.disposalId === "y")).toMatchObject({ costBasis: $(18) });
  });

  test("example 5: broker withholds 3 B: A's amount realized $17, gain $12; the 3 B: $3 for $3 basis, gain $0", () => {
    const r = run(
      [a, swap("x", "2025-03-01T00:00:00Z", "w", ["A", "10"], ["B", "20"], "20", paidIn("B", "3", "3"))],
      2025,
    );
    expect(r.form8949.find((row) => row.disposalId === "x")).toMatchObject({
      proceeds: $(17),
      costBasis: $(5),
      gain: $(12),
    });
    expect(r.form8949.find((row) => row.disposalId === "x:fee")).toMatchObject({
      asset: "B",
      quantity: "3",
      proceeds: $(3),
      costBasis: $(3),
      gain: 0n,
    });
    expect(r.positions).toEqual([{ wallet: "", asset: "B", quantity: "17", costBasis: $(17), lots: 1 }]);
  });
});

describe("Instructions for Form 8949", () => {
  test("example 5: 1 A bought June 1 for $1,000, exchanged three years later for 1 B worth $3,000 → long-term gain $2,000", () => {
    const r = run(
      [
        buy("a", "2022-06-01T12:00:00Z", "w", "A", "1", "1000"),
        swap("x", "2025-06-01T12:00:00Z", "w", ["A", "1"], ["B", "1"], "3000"),
      ],
      2025,
    );
    expect(r.summary.longTerm).toMatchObject({ proceeds: $(3000), costBasis: $(1000), gain: $(2000) });
    expect(r.form8949[0]).toMatchObject({ term: "long", box: "L" });
  });

  test("example 6: 1 A received for services worth $10,000, sold 2 months later for $12,000 → short-term gain $2,000", () => {
    const r = run(
      [
        income("a", "2025-03-01T00:00:00Z", "w", "A", "1", "10000", { subtype: "wages" }),
        sell("x", "2025-05-01T00:00:00Z", "w", "A", "1", "12000"),
      ],
      2025,
    );
    expect(r.summary.shortTerm).toMatchObject({ proceeds: $(12_000), costBasis: $(10_000), gain: $(2000) });
    expect(r.summary.ordinaryIncome).toEqual({ total: $(10_000), bySubtype: { wages: $(10_000) } });
  });

  test("column (h) = (d) − (e) + (g)", () => {
    expect(form8949Gain($(6000), $(2000))).toBe($(4000));
    expect(form8949Gain($(6000), $(8000))).toBe($(-2000));
    expect(form8949Gain($(6000), $(2000), $(-1000))).toBe($(3000));
  });
});

describe("Pub. 550", () => {
  test("holding period: bought Jan 31, 2024; sold Jan 29, 2025 → short term; Feb 6, 2025 → long term", () => {
    const r = run(
      [
        buy("a", "2024-01-31T15:00:00Z", "w", "A", "2", "200"),
        sell("x", "2025-01-29T15:00:00Z", "w", "A", "1", "150"),
        sell("y", "2025-02-06T15:00:00Z", "w", "A", "1", "150"),
      ],
      2025,
    );
    expect(r.form8949.map((x) => [x.disposalId, x.term, x.box])).toEqual([
      ["x", "short", "I"],
      ["y", "long", "L"],
    ]);
  });

  test("capital loss: MFJ, $7,000 loss, taxable income $26,000 → deduction $3,000, carryover $4,000; the next year uses it", () => {
    const rows = [
      buy("a", "2025-01-10T00:00:00Z", "w", "A", "1", "10000"),
      sell("x", "2025-06-10T00:00:00Z", "w", "A", "1", "3000"),
      buy("b", "2026-01-10T00:00:00Z", "w", "A", "1", "1000"),
      sell("y", "2026-06-10T00:00:00Z", "w", "A", "1", "6000"),
    ];
    const r = computeGainsYears(rows, {
      fromYear: 2025,
      toYear: 2026,
      scope: "universal",
      filingStatus: "mfj",
      taxableIncome: $(26_000),
    });
    const [y2025, y2026] = r.years.map((y) => y.summary);
    expect(y2025).toMatchObject({ net: $(-7000), capitalLossDeduction: $(3000) });
    expect(y2025!.carryoverOut).toEqual({ shortTerm: $(4000), longTerm: 0n });
    // 2026: $5,000 short-term gain less the $4,000 carried in (Schedule D line 6).
    expect(y2026).toMatchObject({
      carryoverIn: { shortTerm: $(4000), longTerm: 0n },
      netShortTerm: $(1000),
      net: $(1000),
      capitalLossDeduction: 0n,
    });
  });

  test("a $2,000 loss: deduction $2,000, no carryover", () => {
    const r = run(
      [
        buy("a", "2025-01-10T00:00:00Z", "w", "A", "1", "5000"),
        sell("x", "2025-06-10T00:00:00Z", "w", "A", "1", "3000"),
      ],
      2025,
      { filingStatus: "mfj", taxableIncome: $(26_000) },
    );
    expect(r.summary).toMatchObject({
      capitalLossDeduction: $(2000),
      carryoverOut: { shortTerm: 0n, longTerm: 0n },
    });
  });
});

describe("Reg. §1.1012-1(j)(5) — lot identification", () => {
  // An unhosted wallet: 10 DE at $2 on Jan 1 of year 1, 20 DE at $5 on Jan 1 of year 2; 10 DE
  // spent at $10 each on Sept 2 of year 2.
  const rows = (lots?: string) => [
    buy("y1", "2024-01-01T12:00:00Z", "unhosted", "DE", "10", "20"),
    buy("y2", "2025-01-01T12:00:00Z", "unhosted", "DE", "20", "100"),
    spend("x", "2025-09-02T12:00:00Z", "unhosted", "DE", "10", "100", lots ? { lots } : {}),
  ];

  test("with a record naming the year-2 lot: basis $5 a unit, short term", () => {
    const r = run(rows("y2:10"), 2025, { scope: "wallet" });
    expect(r.form8949).toEqual([expect.objectContaining({ lotId: "y2", costBasis: $(50), term: "short" })]);
  });

  test("without a record: FIFO, the $2 lot of year 1, long term", () => {
    const r = run(rows(), 2025, { scope: "wallet" });
    expect(r.form8949).toEqual([expect.objectContaining({ lotId: "y1", costBasis: $(20), term: "long" })]);
  });

  test("broker: units transferred in keep their acquisition date, so FIFO picks them (transfer date disregarded)", () => {
    // 10 DE at $9 at CRX on Aug 1 of year 1, moved to BEX on Aug 1 of year 3, where 20 DE were
    // bought at $5 on Jan 1 of year 2; 10 DE sold on Sept 1 of year 3 without identification.
    const r = run(
      [
        buy("crx", "2023-08-01T12:00:00Z", "CRX", "DE", "10", "90"),
        buy("bex", "2024-01-01T12:00:00Z", "BEX", "DE", "20", "100"),
        transfer("t", "2025-08-01T12:00:00Z", "CRX", "BEX", "DE", "10"),
        sell("x", "2025-09-01T12:00:00Z", "BEX", "DE", "10", "120"),
      ],
      2025,
      { scope: "wallet" },
    );
    expect(r.form8949).toEqual([
      expect.objectContaining({ lotId: "crx", dateAcquired: "2023-08-01", costBasis: $(90), term: "long" }),
    ]);
  });
});

describe("Rev. Proc. 2024-28 examples 2–4", () => {
  // Wallet XYZ: 10 DE at $1 (7/1/2019); wallet GHI: 20 DE at $5 (9/1/2020). On 12/1/2024, 6 DE
  // are sold from XYZ identifying GHI's basis. Wallet names sort XYZ first, as the example's
  // global rule orders the wallets ("XYZ then GHI").
  const XYZ = "a:XYZ";
  const GHI = "b:GHI";
  const rows = [
    buy("xyz", "2019-07-01T12:00:00Z", XYZ, "DE", "10", "10"),
    buy("ghi", "2020-09-01T12:00:00Z", GHI, "DE", "20", "100"),
    sell("s", "2024-12-01T12:00:00Z", XYZ, "DE", "6", "60", { lots: "ghi:6" }),
    sell("m", "2025-03-01T12:00:00Z", GHI, "DE", "2", "20", { lots: "xyz:2" }),
  ];

  test("example 3: highest basis first → XYZ gets 4 @ $5; GHI gets 10 @ $5 and 10 @ $1", () => {
    const r = computeGains(rows, { year: 2025, method: "hifo", scope: "transition" });
    expect(r.allocation!.map((e) => [e.wallet, e.lotId, e.quantity, e.costBasis, e.status])).toEqual([
      [XYZ, "ghi", "4", $(20), "allocated"],
      [GHI, "ghi", "10", $(50), "allocated"],
      [GHI, "xyz", "10", $(10), "allocated"],
    ]);
    expect(r.warnings).toEqual([]);
  });

  test("example 4: the 2 DE sold from GHI on 3/1/2025 are the $1 units of 7/1/2019", () => {
    // The engine runs one method; the example's FIFO-within-GHI pick is written as an identification.
    const r = computeGains(rows, { year: 2025, method: "hifo", scope: "transition" });
    expect(r.form8949).toEqual([
      expect.objectContaining({
        disposalId: "m",
        wallet: GHI,
        lotId: "xyz",
        dateAcquired: "2019-07-01",
        costBasis: $(2),
      }),
    ]);
  });
});

describe("Rev. Rul. 2019-24 — airdrop after a hard fork", () => {
  test("25 units worth $50: ordinary income $50 and a $50 basis", () => {
    const r = run(
      [
        income("af", "2025-02-01T00:00:00Z", "w", "S", "25", "50", { subtype: "airdrop" }),
        sell("x", "2025-03-01T00:00:00Z", "w", "S", "25", "80"),
      ],
      2025,
    );
    expect(r.summary.ordinaryIncome).toEqual({ total: $(50), bySubtype: { airdrop: $(50) } });
    expect(r.form8949[0]).toMatchObject({ costBasis: $(50), gain: $(30) });
  });
});
