import { describe, expect, test } from "vitest";
import { parseLedgerCsv } from "../ledger/read.ts";
import { computeGainsStream, type Form8949Row, type ResettableSink } from "../tax/index.ts";
import { createGainsRouting } from "./gains-routing.ts";
import { formsFrom, LEDGER_HEADER } from "./reconcile.test-support.ts";

const CB = "coinbase:main";

describe("createGainsRouting", () => {
  test("routes only years with forms; netting and carryovers follow the routed (h), W included", async () => {
    const rows = parseLedgerCsv(
      [
        LEDGER_HEADER,
        // 2024: 2 ETH for 10,000 sold for 3,000: −7,000 short; 3,000 deducted, 4,000 carried.
        `b1,2024-01-10T10:00:00Z,buy,${CB},,,ETH,2,10000,,,,,`,
        `s1,2024-06-01T10:00:00Z,sell,${CB},ETH,2,,,3000,,,,,`,
        // 2025: 1 ETH for 2,000 sold for 2,500: +500 short; the form adds a 100 wash-sale disallowance.
        `b2,2025-01-10T10:00:00Z,buy,${CB},,,ETH,1,2000,,,,,`,
        `s2,2025-03-01T10:00:00Z,sell,${CB},ETH,1,,,2500,,,,,`,
      ].join("\n"),
    );
    const forms = formsFrom(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,wash_sale_disallowed\nCoinbase,1,ETH,1,2025-03-01,2500,2000,true,100",
      CB,
    );
    const routing = createGainsRouting({
      forms,
      fromYear: 2024,
      toYear: 2025,
      method: "fifo",
      scope: "transition",
    })!;
    expect([...routing.years]).toEqual([2025]);
    const written = new Map<number, Form8949Row[]>();
    const files: ResettableSink = {
      form8949: (y, r) => written.set(y, [...(written.get(y) ?? []), r]),
      gift: () => {},
      reset: () => written.clear(),
    };
    const report = await computeGainsStream(
      async (h) => {
        for (const r of rows) h.row(r);
      },
      { fromYear: 2024, toYear: 2025 },
      routing.wrap(files),
    );
    // 2024 went straight through; 2025 was held back for routing.
    expect([...written.keys()]).toEqual([2024]);
    const { results, summaries } = await routing.finish(
      report,
      { kind: "rows", rows },
      { carryoverIn: { shortTerm: 0n, longTerm: 0n }, filingStatus: "single" },
    );
    expect(results.get(2025)!.form8949.map((r) => [r.box, r.adjustmentCode, r.adjustment, r.gain])).toEqual([
      ["G", "W", 10000n, 60000n],
    ]);
    const [y2024, y2025] = summaries;
    expect(y2024!.scheduleD).toBeUndefined();
    expect(y2024!.carryoverOut).toEqual({ shortTerm: 400000n, longTerm: 0n });
    // 2025: line 7 = 600 − 4,000 = −3,400; 3,000 deducted; 400 carried (500 without the W).
    expect(y2025!.shortTerm.gain).toBe(60000n);
    expect(y2025!.shortTerm.adjustments).toBe(10000n);
    expect(y2025!.scheduleD!["1b"]).toMatchObject({ rows: 1, gain: 60000n });
    expect(y2025!.netShortTerm).toBe(-340000n);
    expect(y2025!.capitalLossDeduction).toBe(300000n);
    expect(y2025!.carryoverOut).toEqual({ shortTerm: 40000n, longTerm: 0n });
  });

  test("no routing without form rows in the years asked for", () => {
    const forms = formsFrom("broker,account,asset_name,units,date_sold,proceeds\nB,1,ETH,1,2023-03-01,1", CB);
    expect(
      createGainsRouting({ forms, fromYear: 2024, toYear: 2025, method: "fifo", scope: "wallet" }),
    ).toBeUndefined();
  });
});
