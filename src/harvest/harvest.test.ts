/**
 * The planner on small ledgers with hand-computed figures. Tax figures use the 2025 brackets
 * (reference §3.3–3.5): Tax Computation Worksheet from $100,000 (income × rate − subtraction),
 * the Tax Table (tax on the $50 band's midpoint, whole dollars) below.
 */
import { describe, expect, test } from "vitest";
import type { LedgerRow } from "../ledger/types.ts";
import { computeGains } from "../tax/gains.ts";
import { buy, sell } from "../tax/ledger.test-support.ts";
import type { GainsOptions } from "../tax/types.ts";
import { formatHarvestTable, writeHarvestJson } from "./format.ts";
import type { PriceResult } from "./lots.ts";
import { type HarvestOptions, planHarvest } from "./run.ts";
import { projectCarryforward } from "./tax.ts";

const $ = (dollars: number) => BigInt(Math.round(dollars * 100));

const AS_OF = new Date("2025-12-20T23:59:59.999Z");

const prices =
  (table: Record<string, string>) =>
  async (assets: readonly string[]): Promise<Map<string, PriceResult>> =>
    new Map(
      assets.map((a): [string, PriceResult] => [
        a,
        table[a] === undefined
          ? { ok: false, reason: `no test price for ${a}` }
          : { ok: true, usd: table[a]!, source: "test", time: "2025-12-20T00:00:00.000Z" },
      ]),
    );

const plan = (rows: LedgerRow[], table: Record<string, string>, options: Partial<HarvestOptions> = {}) =>
  planHarvest(
    {
      feed: async (h) => {
        for (const r of rows) h.row({ ...r });
      },
      prices: prices(table),
    },
    { asOf: AS_OF, scope: "universal", taxableIncome: $(100_000), ...options },
  );

const W = "coinbase:main";

describe("the guide's scenarios", () => {
  test("a $10,000 BTC gain and a $7,000 ETH loss net to $3,000; the loss saves $1,673 at 24 %/22 %", async () => {
    const rows = [
      buy("btc", "2025-02-01T10:00:00Z", W, "BTC", "1", "50000"),
      sell("btc-sale", "2025-06-01T10:00:00Z", W, "BTC", "1", "60000"),
      buy("eth", "2025-03-01T10:00:00Z", W, "ETH", "5", "17000"),
    ];
    const r = await plan(rows, { ETH: "2000" });
    // Year so far: short-term 10,000; taxable income 110,000 → 110,000 × 0.24 − 7,153 = 19,247.
    expect(r.yearSoFar).toMatchObject({
      shortTermGain: $(10_000),
      line16: $(10_000),
      taxableIncome: $(110_000),
      totalTax: $(19_247),
    });
    // Sell the ETH lot: 10,000 − 7,000 = 3,000; 103,000 × 0.22 − 5,086 = 17,574; saved 1,673.
    expect(r.candidates).toHaveLength(1);
    expect(r.candidates[0]).toMatchObject({
      kind: "lot",
      lotIds: ["eth"],
      proceeds: $(10_000),
      costBasis: $(17_000),
      gain: $(-7_000),
      taxSaved: $(1_673),
      carryforwardAdded: { shortTerm: 0n, longTerm: 0n },
      lots: "eth:5",
    });
    expect(r.plan.after).toMatchObject({
      line7: $(3_000),
      line16: $(3_000),
      line21: 0n,
      totalTax: $(17_574),
    });
    expect(r.plan.taxSaved).toBe($(1_673));
  });

  test("$5,000 of gains and $12,000 of losses: a $3,000 deduction and a $4,000 carryforward", async () => {
    const rows = [
      buy("a", "2025-01-10T10:00:00Z", W, "BTC", "1", "20000"),
      sell("a-sale", "2025-05-10T10:00:00Z", W, "BTC", "1", "25000"),
      buy("e", "2025-02-10T10:00:00Z", W, "ETH", "4", "16000"),
    ];
    const r = await plan(rows, { ETH: "1000" });
    expect(r.plan.after).toMatchObject({
      line7: $(-7_000),
      line16: $(-7_000),
      line21: $(3_000),
      carryoverOut: { shortTerm: $(4_000), longTerm: 0n },
      taxableIncome: $(97_000),
    });
    // Before: 105,000 × 0.24 − 7,153 = 18,047. After: Tax Table 97,000–97,050, midpoint 97,025:
    // 1,192.50 + 4,386 + 0.22 × 48,550 = 16,259.50 → 16,260. Saved 1,787; $4,000 carried forward.
    expect(r.candidates[0]).toMatchObject({
      taxSaved: $(1_787),
      carryforwardAdded: { shortTerm: $(4_000), longTerm: 0n },
      note: "saves tax this year and adds to the carryforward",
    });
    expect(r.carryforward.afterPlan).toEqual([
      {
        year: 2026,
        carryoverIn: { shortTerm: $(4_000), longTerm: 0n },
        deduction: $(3_000),
        carryoverOut: { shortTerm: $(1_000), longTerm: 0n },
      },
      {
        year: 2027,
        carryoverIn: { shortTerm: $(1_000), longTerm: 0n },
        deduction: $(1_000),
        carryoverOut: { shortTerm: 0n, longTerm: 0n },
      },
    ]);
    expect(r.carryforward.ifNothingSold).toEqual([]);
  });

  test("the three-year carryforward table: a $12,000 net loss is deducted $3,000 a year", () => {
    // 2025 deducts 3,000 and carries 9,000 (long-term here); 2026–2028 deduct 3,000 each.
    const t = projectCarryforward({
      firstYear: 2026,
      carryover: { shortTerm: 0n, longTerm: $(9_000) },
      filingStatus: "single",
    });
    expect(t.map((y) => [y.year, y.carryoverIn.longTerm, y.deduction, y.carryoverOut.longTerm])).toEqual([
      [2026, $(9_000), $(3_000), $(6_000)],
      [2027, $(6_000), $(3_000), $(3_000)],
      [2028, $(3_000), $(3_000), 0n],
    ]);
    // Short-term carryforward is used first.
    const mixed = projectCarryforward({
      firstYear: 2026,
      carryover: { shortTerm: $(2_000), longTerm: $(2_500) },
      filingStatus: "single",
    });
    expect(mixed.map((y) => [y.carryoverOut.shortTerm, y.carryoverOut.longTerm])).toEqual([
      [0n, $(1_500)],
      [0n, 0n],
    ]);
  });

  test("married filing separately: $1,500 limit", async () => {
    const rows = [buy("e", "2025-02-10T10:00:00Z", W, "ETH", "4", "16000")];
    const r = await plan(rows, { ETH: "1000" }, { filingStatus: "mfs" });
    expect(r.plan.after).toMatchObject({
      line16: $(-12_000),
      line21: $(1_500),
      carryoverOut: { shortTerm: $(10_500), longTerm: 0n },
    });
    // Before: 100,000 × 0.22 − 5,086 = 16,914. After: Tax Table 98,500–98,550 (midpoint 98,525):
    // 1,192.50 + 4,386 + 0.22 × 50,050 = 16,589.50 → 16,590. Saved 324.
    expect(r.plan.taxSaved).toBe($(324));
    expect(r.carryforward.afterPlan.map((y) => y.deduction)).toEqual(Array(7).fill($(1_500)));
  });
});

describe("the carryover into the year", () => {
  // 2024: a short-term loss of 10,000 (deduction 3,000, 7,000 carried into 2025); 2025: a
  // short-term gain of 10,000; an ETH lot 5,000 below cost.
  const rows = [
    buy("b1", "2024-01-10T12:00:00Z", W, "BTC", "1", "20000"),
    sell("s1", "2024-06-01T12:00:00Z", W, "BTC", "1", "10000"),
    buy("b2", "2025-01-10T12:00:00Z", W, "BTC", "1", "20000"),
    sell("s2", "2025-06-01T12:00:00Z", W, "BTC", "1", "30000"),
    buy("e1", "2025-02-01T12:00:00Z", W, "ETH", "10", "10000"),
  ];

  test("without carryoverIn it is computed from the ledger's earlier years, as lotwise gains does", async () => {
    const r = await plan(rows, { ETH: "500" }, { taxableIncome: $(150_000) });
    // Line 6 = 7,000: line 7 = 10,000 − 7,000 = 3,000; 153,000 × 0.24 − 7,153 = 29,567.
    expect(r.yearSoFar).toMatchObject({
      carryoverIn: { shortTerm: $(7_000), longTerm: 0n },
      line7: $(3_000),
      line16: $(3_000),
      totalTax: $(29_567),
    });
    // Selling ETH: 3,000 − 5,000 = (2,000), all deductible: 148,000 × 0.24 − 7,153 = 28,367; saved 1,200.
    expect(r.plan.after).toMatchObject({ line16: $(-2_000), line21: $(2_000), totalTax: $(28_367) });
    expect(r.plan.taxSaved).toBe($(1_200));
    expect(r.assumptions.notes.join("\n")).toContain(
      "capital loss carryover into 2025 computed from the ledger's 2024: short-term 7000.00, long-term 0.00",
    );
    // The engine on the ledger with the plan's sales agrees.
    const g = computeGains([...rows, ...r.plan.sales.map((s) => s.row)], {
      year: 2025,
      scope: "universal",
      carryoverIn: r.yearSoFar.carryoverIn,
    });
    expect(g.summary.net).toBe(r.plan.after.line16);
  });

  test("a given carryoverIn replaces the computed one", async () => {
    const r = await plan(
      rows,
      { ETH: "500" },
      {
        taxableIncome: $(150_000),
        carryoverIn: { shortTerm: 0n, longTerm: $(1_000) },
      },
    );
    expect(r.yearSoFar).toMatchObject({
      carryoverIn: { shortTerm: 0n, longTerm: $(1_000) },
      line16: $(9_000),
    });
    expect(r.assumptions.notes.join("\n")).not.toContain("computed from the ledger");
  });
});

describe("netting order and marginal rates", () => {
  // Other taxable income 200,000 (single); realized: short-term +5,000, long-term +5,000.
  const rows = [
    buy("st-gain", "2025-01-05T10:00:00Z", W, "BTC", "1", "10000"),
    sell("st-sale", "2025-04-05T10:00:00Z", W, "BTC", "1", "15000"),
    buy("lt-gain", "2023-01-05T10:00:00Z", W, "SOL", "100", "5000"),
    sell("lt-sale", "2025-04-05T10:00:00Z", W, "SOL", "100", "10000"),
    buy("st-loss", "2025-06-01T10:00:00Z", W, "ETH", "5", "15000"),
    buy("lt-loss", "2023-06-01T10:00:00Z", W, "LINK", "1000", "10000"),
  ];
  const table = { ETH: "2000", LINK: "5" };

  test("a short-term loss goes against the short-term gain first and saves more than a long-term one", async () => {
    const r = await plan(rows, table, { taxableIncome: $(200_000) });
    // Before: TI 210,000; QDCGT: ordinary 205,000 → 65,600 − 22,937 = 42,663, plus 15 % of 5,000
    // = 750 → 43,413; NIIT 3.8 % × min(10,000, 225,750 − 200,000) = 380. Total 43,793.
    expect(r.yearSoFar).toMatchObject({ regularTax: $(43_413), niit: $(380), totalTax: $(43_793) });
    // Sell the ETH lot (short-term −5,000): line 7 = 0, line 15 = 5,000 keeps its 15 % rate.
    // 41,063 + 750 = 41,813; NIIT 3.8 % × 5,000 = 190 → 42,003: saves 1,790.
    // Sell the LINK lot (long-term −5,000): line 7 = 5,000, line 15 = 0: all ordinary, 42,663;
    // NIIT 190 → 42,853: saves 940.
    expect(r.candidates.map((c) => [c.lotIds[0], c.taxSaved])).toEqual([
      ["st-loss", $(1_790)],
      ["lt-loss", $(940)],
    ]);
    expect(r.plan.lots.map((p) => [p.lotId, p.term, p.taxSaved, p.bucket])).toEqual([
      ["st-loss", "short", $(1_790), "this_year"],
      ["lt-loss", "long", $(940), "this_year"],
    ]);
    // Both: TI 200,000 → 41,063, no NIIT (no net gain). Saved 2,730.
    expect(r.plan.after).toMatchObject({ line7: 0n, line15: 0n, totalTax: $(41_063), niit: 0n });
    expect(r.plan.taxSaved).toBe($(2_730));
    expect(r.yearSoFar.marginal).toEqual({ ordinaryBps: 3200, longTermBps: 1500, niit: true });
  });

  test("once the gains are offset and $3,000 deducted, more losses only add to the carryforward", async () => {
    const more = [...rows, buy("big", "2025-07-01T10:00:00Z", W, "UNI", "1000", "30000")];
    const r = await plan(more, { ...table, UNI: "10" }, { taxableIncome: $(200_000) });
    const big = r.plan.lots.find((p) => p.lotId === "big")!;
    // UNI alone (short-term −20,000): line 16 = −10,000, deduction 3,000, TI 197,000 → 47,280 −
    // 7,153 = 40,127: saves 3,666, 0.18 per dollar; ETH saves 0.358 and LINK 0.188 per dollar.
    // In that order: ETH 1,790, LINK 940, then UNI 41,063 − 40,127 = 936 (the deduction).
    expect(r.plan.lots.map((p) => [p.lotId, p.taxSaved])).toEqual([
      ["st-loss", $(1_790)],
      ["lt-loss", $(940)],
      ["big", $(936)],
    ]);
    expect(big.bucket).toBe("this_year");
    // Line 7 = 5,000 − 5,000 − 20,000; line 15 = 5,000 − 5,000: carryforward 20,000 − 3,000.
    expect(r.plan.after).toMatchObject({
      line7: $(-20_000),
      line15: 0n,
      line16: $(-20_000),
      line21: $(3_000),
      carryoverOut: { shortTerm: $(17_000), longTerm: 0n },
    });
    // A long-term AAVE lot 50,000 below cost: alone it would save 3,666 (0.07 per dollar, last);
    // after the others the deduction is used: it only adds to the carryforward.
    const yetMore = [...more, buy("extra", "2023-07-02T10:00:00Z", W, "AAVE", "10", "60000")];
    const r2 = await plan(yetMore, { ...table, UNI: "10", AAVE: "1000" }, { taxableIncome: $(200_000) });
    expect(r2.plan.lots.at(-1)).toMatchObject({ lotId: "extra", taxSaved: 0n, bucket: "carryforward" });
    expect(r2.candidates.find((c) => c.lotIds[0] === "extra")).toMatchObject({ taxSaved: $(3_666) });
    expect(r2.plan.sales.some((s) => s.asset === "AAVE")).toBe(false);
  });
});

describe("positions", () => {
  test("every open lot with basis, price, value, unrealized, term and days until long-term", async () => {
    const rows = [
      buy("old", "2024-06-01T10:00:00Z", "w1", "ETH", "1.5", "4500"),
      // Acquired 2024-12-29: long term from 2025-12-30, 10 days after the as-of date 2025-12-20.
      buy("soon", "2024-12-29T10:00:00Z", "w1", "ETH", "2", "8000"),
      buy("sol", "2025-03-01T10:00:00Z", "w2", "SOL", "10", "2000"),
    ];
    const r = await plan(rows, { ETH: "3000.5" });
    expect(
      r.lots.map((l) => [
        l.lotId,
        l.quantity,
        l.costBasis,
        l.unitBasis,
        l.value,
        l.unrealized,
        l.term,
        l.daysToLongTerm,
        l.longTermOn,
      ]),
    ).toEqual([
      ["old", "1.5", $(4_500), "3000", $(4_500.75), $(0.75), "long", 0, "2025-06-02"],
      ["soon", "2", $(8_000), "4000", $(6_001), $(-1_999), "short", 10, "2025-12-30"],
      ["sol", "10", $(2_000), "200", undefined, undefined, "short", 72, "2026-03-02"],
    ]);
    expect(r.lots[1]!.daysHeld).toBe(356);
    // The lot about to turn long-term is flagged on its candidate.
    expect(r.candidates[0]!.note).toContain("lot soon turns long-term in 10 day(s), on 2025-12-30");
  });

  test("a lot without a price is listed as unpriced, never valued at 0, and is no candidate", async () => {
    const rows = [
      buy("sol", "2025-03-01T10:00:00Z", W, "SOL", "10", "2000"),
      buy("eth", "2025-03-01T10:00:00Z", W, "ETH", "1", "3000"),
    ];
    const r = await plan(rows, { ETH: "2500" });
    const sol = r.lots.find((l) => l.lotId === "sol")!;
    expect(sol).toMatchObject({ price: undefined, value: undefined, unrealized: undefined });
    expect(sol.unpricedReason).toBe("no test price for SOL");
    expect(r.positions.find((p) => p.asset === "SOL")).toMatchObject({ value: undefined, unpricedLots: 1 });
    expect(r.candidates.map((c) => c.asset)).toEqual(["ETH"]);
    expect(r.warnings).toContainEqual(
      expect.objectContaining({ code: "missing_price", message: expect.stringContaining("SOL") }),
    );
    expect(r.prices).toContainEqual({ asset: "SOL", missing: "no test price for SOL" });
  });

  test("the books stop at the as-of instant: later rows are left out", async () => {
    const rows = [
      buy("e1", "2025-03-01T10:00:00Z", W, "ETH", "2", "8000"),
      sell("later", "2025-12-21T10:00:00Z", W, "ETH", "2", "4000"),
    ];
    const r = await plan(rows, { ETH: "2000" });
    expect(r.lots.map((l) => [l.lotId, l.quantity])).toEqual([["e1", "2"]]);
    expect(r.yearSoFar.shortTermRows).toBe(0);
  });
});

describe("specific identification and the engine", () => {
  // Two wallets (per-wallet pools from 2025), fractional quantities, a price with cents.
  const rows = [
    buy("a1", "2025-01-15T10:00:00Z", "hot", "ETH", "0.123456789", "401.17"),
    buy("a2", "2025-02-15T10:00:00Z", "hot", "ETH", "1.3", "2900.33"),
    buy("a3", "2025-03-15T10:00:00Z", "hot", "ETH", "0.7", "3100.01"),
    buy("a4", "2025-04-15T10:00:00Z", "hot", "ETH", "2.000000001", "4300"),
    buy("c1", "2024-11-15T10:00:00Z", "cold", "ETH", "3.333333333", "11000"),
    buy("b1", "2025-02-01T10:00:00Z", "hot", "BTC", "0.05", "4000"),
    sell("b1s", "2025-08-01T10:00:00Z", "hot", "BTC", "0.05", "5123.45"),
  ];
  const table = { ETH: "2279.94" };

  test("the plan names the loss lots (lotid:qty;…) and leaves the gain lot", async () => {
    const r = await plan(rows, table, { scope: "transition" });
    // hot: a1 ≈ 3249.54/unit, a2 2231.02, a3 4428.59, a4 2150.00 at 2279.94: a1 and a3 are below cost.
    expect(r.plan.sales.map((s) => [s.wallet, s.asset, s.quantity, s.lots])).toEqual([
      ["cold", "ETH", "3.333333333", "c1:3.333333333"],
      ["hot", "ETH", "0.823456789", "a1:0.123456789;a3:0.7"],
    ]);
    expect(r.plan.sales[1]!.row).toMatchObject({
      type: "sell",
      wallet: "hot",
      outAsset: "ETH",
      outQuantity: "0.823456789",
      // 0.823456789 × 2279.94 = 1877.4321 → 1877.43
      usdValue: "1877.43",
      lots: "a1:0.123456789;a3:0.7",
      time: "2025-12-20T23:59:59.999Z",
    });
  });

  test("recording the suggested sales gives exactly the predicted Schedule D", async () => {
    for (const method of ["fifo", "hifo", "lifo"] as const) {
      const r = await plan(rows, table, { scope: "transition", method });
      const withSales = [...rows, ...r.plan.sales.map((s) => s.row)];
      const options: Omit<GainsOptions, "fromYear" | "toYear"> & { year: number } = {
        year: 2025,
        method,
        scope: "transition",
        taxableIncome: r.plan.after.taxableIncome,
      };
      const g = computeGains(withSales, options);
      expect(g.summary.shortTerm.gain, method).toBe(r.plan.after.shortTermGain);
      expect(g.summary.longTerm.gain, method).toBe(r.plan.after.longTermGain);
      expect(g.summary.net).toBe(r.plan.after.line16);
      expect(g.summary.capitalLossDeduction).toBe(r.plan.after.line21);
      expect(g.summary.carryoverOut).toEqual(r.plan.after.carryoverOut);
      const sold = g.form8949.filter((x) => x.disposalId.startsWith("harvest-"));
      expect(sold.map((x) => [x.lotId, x.quantity, x.proceeds, x.costBasis, x.gain, x.term])).toEqual(
        r.plan.rows.map((x) => [x.lotId, x.quantity, x.proceeds, x.costBasis, x.gain, x.term]),
      );
    }
  });

  test("the proceeds of a multi-lot row are split as the engine splits them (hand-checked)", async () => {
    const r = await plan(rows, table, { scope: "transition" });
    const hot = r.plan.rows.filter((x) => x.wallet === "hot");
    // 1877.43 × 0.123456789 / 0.823456789 = 281.4724… → 281.47; × 0.7 / 0.823456789 = 1595.9575… → 1595.96.
    // Bases: 401.17 and 3100.01 (whole lots).
    expect(hot.map((x) => [x.lotId, x.proceeds, x.costBasis, x.gain])).toEqual([
      ["a1", $(281.47), $(401.17), $(-119.7)],
      ["a3", $(1_595.96), $(3_100.01), $(-1_504.05)],
    ]);
  });
});

describe("what-if and the wash-sale simulation", () => {
  const rows = [
    buy("e1", "2025-03-01T10:00:00Z", W, "ETH", "2", "8000"),
    buy("e2", "2025-12-01T10:00:00Z", W, "ETH", "1", "2500"),
  ];

  test("--sell shows Schedule D before and after; --buy-back restarts the holding period at the price paid", async () => {
    const r = await plan(rows, { ETH: "2000" }, { sells: [{ asset: "ETH", quantity: "2" }], buyBack: true });
    const w = r.whatIf!;
    expect(w.sales).toEqual([
      { id: "whatif-sell-1", wallet: W, asset: "ETH", quantity: "2", price: "2000", proceeds: $(4_000) },
    ]);
    expect(w.rows.map((x) => [x.lotId, x.proceeds, x.costBasis, x.gain, x.adjustmentCode])).toEqual([
      ["e1", $(4_000), $(8_000), $(-4_000), ""],
    ]);
    expect(w.before.line16).toBe(0n);
    expect(w.after).toMatchObject({
      line16: $(-4_000),
      line21: $(3_000),
      carryoverOut: { shortTerm: $(1_000), longTerm: 0n },
    });
    // 100,000 × 0.22 − 5,086 = 16,914 → Tax Table 97,000–97,050: 16,260. Saved 654.
    expect(w.taxSaved).toBe($(654));
    expect(w.buyBacks).toEqual([
      {
        wallet: W,
        asset: "ETH",
        quantity: "2",
        cost: $(4_000),
        basis: $(4_000),
        holdingPeriod: "restarts",
        parts: [
          {
            quantity: "2",
            costBasis: $(4_000),
            dateAcquired: "2025-12-20",
            longTermOn: "2026-12-21",
            washReplacement: false,
          },
        ],
      },
    ]);
  });

  test("with the simulated wash-sale rule the loss moves into the buy-back's basis and its holding period is tacked", async () => {
    const r = await plan(
      rows,
      { ETH: "2000" },
      { sells: [{ asset: "ETH", quantity: "2" }], buyBack: true, washSale: true },
    );
    const w = r.whatIf!;
    // e2 (bought 2025-12-01, 19 days before) already replaces 1 of the 2 units sold: $2,000 of
    // the $4,000 loss is disallowed onto e2; the buy-back replaces the other unit: $2,000 more.
    expect(w.rows.map((x) => [x.lotId, x.gain, x.adjustmentCode, x.adjustment])).toEqual([
      ["e1", 0n, "W", $(4_000)],
    ]);
    expect(w.after.line16).toBe(0n);
    expect(w.taxSaved).toBe(0n);
    // e1 was held 2025-03-01 → 2025-12-20 (294 days): the replaced unit of the buy-back counts from
    // 2025-12-20 − 294 days = 2025-03-01; the other buy-back unit restarts.
    expect(w.buyBacks[0]).toMatchObject({ basis: $(6_000), holdingPeriod: "tacked" });
    expect(w.buyBacks[0]!.parts).toEqual([
      {
        quantity: "1",
        costBasis: $(4_000),
        dateAcquired: "2025-03-01",
        longTermOn: "2026-03-02",
        washReplacement: true,
      },
      {
        quantity: "1",
        costBasis: $(2_000),
        dateAcquired: "2025-12-20",
        longTermOn: "2026-12-21",
        washReplacement: false,
      },
    ]);
  });

  test("the simulation estimates the loss a recent purchase would wash on each candidate", async () => {
    const r = await plan(rows, { ETH: "2000" }, { washSale: true });
    // e1 (2 units, loss 4,000): e2's 1 unit bought 19 days ago replaces half → 2,000 disallowed.
    const e1 = r.candidates.find((c) => c.kind === "lot" && c.lotIds[0] === "e1")!;
    expect(e1).toMatchObject({ washDisallowed: $(2_000), gain: $(-2_000) });
    // The plan sells both lots; e2 is sold too, so it replaces nothing: the engine confirms 0.
    expect(r.plan.sales.map((s) => s.lots)).toEqual(["e1:2;e2:1"]);
    expect(r.plan.washDisallowed).toBe(0n);
    expect(r.plan.after.line16).toBe($(-4_500));
  });

  test("a lot split by the simulation (two bases, one id) is a candidate but not in the plan's lots cells", async () => {
    const split = [
      buy("b0", "2025-10-01T10:00:00Z", W, "ETH", "1", "4000"),
      buy("b1", "2025-11-01T10:00:00Z", W, "ETH", "2", "6000"),
      // Sells b0 (FIFO) at a $1,500 loss: one unit of b1, bought 19 days before, replaces it.
      sell("s", "2025-11-20T10:00:00Z", W, "ETH", "1", "2500"),
    ];
    const r = await plan(split, { ETH: "2000" }, { washSale: true });
    // b1's parts: the replacement unit (basis 3,000 + 1,500; b0 was held 50 days, so it counts
    // from 2025-11-01 − 50 days = 2025-09-12) and the other unit (3,000).
    expect(r.lots.map((l) => [l.lotId, l.costBasis, l.washReplacement, l.dateAcquired])).toEqual([
      ["b1", $(4_500), true, "2025-09-12"],
      ["b1", $(3_000), false, "2025-11-01"],
    ]);
    expect(r.yearSoFar).toMatchObject({ shortTermGain: 0n });
    expect(r.plan.sales).toEqual([]);
    expect(r.candidates.filter((c) => c.kind === "lot").map((c) => c.note)).toEqual([
      expect.stringContaining("not in the plan"),
      expect.stringContaining("not in the plan"),
    ]);
  });

  test("what-if errors name the order", async () => {
    await expect(plan(rows, { ETH: "2000" }, { sells: [{ asset: "ETH", quantity: "5" }] })).rejects.toThrow(
      "--sell ETH:5: the pool holds only 3 ETH as of 2025-12-20T23:59:59.999Z",
    );
    await expect(plan(rows, {}, { sells: [{ asset: "ETH", quantity: "1" }] })).rejects.toThrow(
      "--sell ETH:1: no USD price for ETH",
    );
    await expect(plan(rows, { ETH: "1" }, { sells: [{ asset: "BTC", quantity: "1" }] })).rejects.toThrow(
      "--sell BTC:1: no open lot of BTC",
    );
    await expect(plan(rows, { ETH: "1" }, { sells: [{ asset: "ETH", quantity: "-1" }] })).rejects.toThrow(
      "positive plain decimal",
    );
    const twoWallets = [...rows, buy("x", "2025-03-01T10:00:00Z", "other", "ETH", "1", "100")];
    await expect(
      plan(twoWallets, { ETH: "1" }, { scope: "wallet", sells: [{ asset: "ETH", quantity: "1" }] }),
    ).rejects.toThrow(`ETH is held in 2 wallets (${W}, other); name one: ETH:1@WALLET`);
  });
});

describe("the plan under the wash-sale simulation", () => {
  test("its Form 8949 rows keep the engine's W adjustment, so (h) = (d) − (e) + (g) on each", async () => {
    // eA: 10 ETH for 30,000 (a 7,000 loss at 2,300); eB: 2 ETH bought 15 days before the plan
    // in another wallet: it replaces 2 of eA's 10 units, so 1,400 of eA's loss moves to eB.
    const rows = [
      buy("eA", "2025-02-01T12:00:00Z", "w1", "ETH", "10", "30000"),
      buy("eB", "2025-12-05T12:00:00Z", "w2", "ETH", "2", "4800"),
    ];
    const r = await plan(rows, { ETH: "2300" }, { scope: "transition", washSale: true });
    expect(
      r.plan.rows.map((x) => [x.lotId, x.proceeds, x.costBasis, x.adjustmentCode, x.adjustment, x.gain]),
    ).toEqual([
      ["eA", $(23_000), $(30_000), "W", $(1_400), $(-5_600)],
      // eB's basis holds the 1,400 moved onto it: 4,800 + 1,400.
      ["eB", $(4_600), $(6_200), "", undefined, $(-1_600)],
    ]);
    const json = JSON.parse(writeHarvestJson(r).toString("utf8"));
    expect(json.plan.form8949[0]).toMatchObject({
      lot_id: "eA",
      proceeds: "23000.00",
      cost_basis: "30000.00",
      adjustment_code: "W",
      adjustment_amount: "1400.00",
      gain: "-5600.00",
    });
    expect(json.plan.form8949[1]).toMatchObject({ lot_id: "eB", adjustment_code: "", adjustment_amount: "" });
  });
});

describe("lots left out of the plan", () => {
  test("the table says what selling them too would add to the carryforward: nothing when they meet 0 % gains", async () => {
    // A long-term gain of 10,000 within the 0 % bracket (taxable income 30,000 + 10,000 ≤ 48,350)
    // and a long-term ETH lot 5,000 below cost: its loss would only offset gains taxed at 0 %.
    const rows = [
      buy("b1", "2023-01-10T12:00:00Z", W, "BTC", "1", "20000"),
      sell("s1", "2025-06-01T12:00:00Z", W, "BTC", "1", "30000"),
      buy("e1", "2023-02-01T12:00:00Z", W, "ETH", "10", "10000"),
    ];
    const zero = await plan(rows, { ETH: "500" }, { taxableIncome: $(30_000) });
    expect(zero.plan.sales).toEqual([]);
    expect(zero.plan.rest).toEqual({ lots: 1, loss: $(5_000), carryforwardAdded: 0n });
    const text = formatHarvestTable(zero);
    expect(text).toContain(
      "1 more lot(s) below cost (5000.00) would not lower this year's tax; selling them too would add 0.00 to the carryforward",
    );
    expect(text).not.toContain("would only add to the carryforward");
    // With a 5,000 short-term carryover in and no gains the deduction is used already: all of the
    // loss would carry forward.
    const used = await plan(
      rows.slice(2),
      { ETH: "500" },
      {
        taxableIncome: $(30_000),
        carryoverIn: { shortTerm: $(5_000), longTerm: 0n },
      },
    );
    expect(used.plan.rest).toEqual({ lots: 1, loss: $(5_000), carryforwardAdded: $(5_000) });
    // The plan's rows split one sale's proceeds over its lots (0.1 X at 0.29 = 0.029 → 0.03, then
    // 0.015 → 0.02 per lot) where each lot alone is 0.0145 → 0.01: the left-out lot's effect is
    // measured on the lots' own figures, so all of its 50,000 is what it would add, not 50,000.02.
    const split = await plan(
      [
        buy("g", "2025-01-02T00:00:00Z", W, "G", "1", "100"),
        sell("gs", "2025-02-01T00:00:00Z", W, "G", "1", "200"),
        buy("a", "2025-03-01T00:00:00Z", W, "X", "0.05", "10"),
        buy("b", "2025-03-02T00:00:00Z", W, "X", "0.05", "10"),
        buy("c", "2025-03-03T00:00:00Z", W, "Y", "1", "10000.50"),
        buy("d", "2025-03-04T00:00:00Z", W, "Z", "1", "50000.50"),
      ],
      { X: "0.29", Y: "0.50", Z: "0.50" },
      { taxableIncome: $(150_000) },
    );
    expect(split.plan.sales.map((s) => s.lots)).toEqual(["a:0.05;b:0.05", "c:1"]);
    expect(split.plan.rest).toEqual({ lots: 1, loss: $(50_000), carryforwardAdded: $(50_000) });
    expect(formatHarvestTable(split)).toContain(
      "1 more lot(s) below cost (50000.00) would only add to the carryforward",
    );
    expect(formatHarvestTable(used)).toContain(
      "1 more lot(s) below cost (5000.00) would only add to the carryforward",
    );
  });
});

describe("scope universal", () => {
  test("from 2025 the report says per-wallet tracking is the rule and where a pooled sale is dated", async () => {
    const rows = [
      buy("x1", "2025-02-01T12:00:00Z", "w1", "DOGE", "1000", "1000"),
      buy("x2", "2025-03-01T12:00:00Z", "w2", "DOGE", "1000", "2000"),
    ];
    const r = await plan(rows, { DOGE: "0.5" }, { scope: "universal" });
    // One pool: one sale of both lots, dated in w1 (x1's wallet), which holds only 1,000 of them.
    expect(r.plan.sales.map((s) => [s.wallet, s.quantity, s.lots])).toEqual([
      ["w1", "2000", "x1:1000;x2:1000"],
    ]);
    expect(r.assumptions.notes.join("\n")).toContain(
      "scope universal pools every wallet's lots together; from 2025 on, Treas. Reg. §1.1012-1(j) and Rev. Proc. 2024-28 require per-wallet tracking",
    );
    expect(r.assumptions.notes.join("\n")).toContain("which may no longer hold the units");
    const t = await plan(rows, { DOGE: "0.5" }, { scope: "transition" });
    expect(t.assumptions.notes.join("\n")).not.toContain("scope universal");
  });
});

describe("a what-if sale at a gain", () => {
  test("the table says tax added and carryforward used, not negative savings", async () => {
    // A 5,000 short-term carryover in; selling BTC at a 6,000 gain: line 16 (5,000) → 1,000.
    // Before: TI 147,000 → 28,127; after: 151,000 → 36,240 − 7,153 = 29,087: 960 more tax, and
    // the 2,000 that would have carried forward is used.
    const r = await plan(
      [buy("g", "2025-02-01T10:00:00Z", W, "BTC", "1", "1000")],
      { BTC: "7000" },
      {
        taxableIncome: $(150_000),
        carryoverIn: { shortTerm: $(5_000), longTerm: 0n },
        sells: [{ asset: "BTC", quantity: "1" }],
      },
    );
    expect(r.whatIf!.taxSaved).toBe($(-960));
    expect(r.whatIf!.carryforwardAdded).toEqual({ shortTerm: $(-2_000), longTerm: 0n });
    const text = formatHarvestTable(r);
    expect(text).toContain(
      "tax added this year: 960.00; used from the carryforward: short 2000.00, long 0.00",
    );
    expect(text).not.toContain("tax saved this year: -");
  });
});
