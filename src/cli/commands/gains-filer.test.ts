import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { runInProcess } from "../../../test/cli.ts";

const TKA = "evm:31337:0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const W = "evm:31337:0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/**
 * Hand-derived: 1 ETH bought for 2,000.00 (2,000.00 per ETH). Three approvals on 2025-03-01 pay
 * 0.0001 ETH of gas each, worth 0.30, 0.31 and 0.32: basis 0.20 each, gains 0.10, 0.11, 0.12.
 * One swap gives 500 TKA for 0.1 ETH worth 250.00, paying 0.0002 ETH gas: the gas leaves with the
 * swapped units (fee rule 1), one disposal of 0.1002 ETH, proceeds 250.00, basis 200.40, gain
 * 49.60. Then 500 TKA are sold on 2025-04-01 for 300.00 (basis 250.00, gain 50.00). Combined:
 * 0.0003 ETH, proceeds 0.93, basis 0.60, gain 0.33.
 */
const LEDGER = [
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype",
  `b1,2025-01-02T00:00:00Z,buy,${W},,,ETH,1,2000,,,,,,`,
  `f1,2025-03-01T01:00:00Z,fee,${W},,,,,,ETH,0.0001,0.30,,,approval`,
  `f2,2025-03-01T02:00:00Z,fee,${W},,,,,,ETH,0.0001,0.31,,,approval`,
  `x1,2025-03-01T03:00:00Z,swap,${W},ETH,0.1,${TKA},500,250,ETH,0.0002,0.50,,,`,
  `f3,2025-03-01T04:00:00Z,fee,${W},,,,,,ETH,0.0001,0.32,,,approval`,
  `s1,2025-04-01T00:00:00Z,sell,${W},${TKA},500,,,300,,,,,,`,
].join("\n");

describe("gains: Form 8949 a filer can attach", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "lotwise-filer-"));
  const ledger = path.join(dir, "ledger.csv");
  writeFileSync(ledger, `${LEDGER}\n`);
  const config = path.join(dir, "config.json");
  writeFileSync(config, JSON.stringify({ assets: { tokens: { [TKA]: { symbol: "TKA" } } } }));
  const lotwise = (...argv: string[]) =>
    runInProcess(["--config", config, "--data-dir", path.join(dir, "data"), ...argv]);
  const rowsOf = (out: string) =>
    readFileSync(path.join(out, "form8949.csv"), "utf8").trim().split("\n").slice(1);

  test("descriptions use the configured symbol; --combine-fees puts the day's gas on one code-M row with a statement, totals unchanged", async () => {
    const plainOut = path.join(dir, "plain");
    expect((await lotwise("gains", "--ledger", ledger, "--year", "2025", "--out", plainOut)).code).toBe(0);
    const plain = rowsOf(plainOut);
    expect(plain).toHaveLength(5);
    // Before: `500 evm:31337:0xe7f1…` although the token's symbol is configured.
    expect(plain.at(-1)).toBe(
      `s1,x1,${W},${TKA},500,2025-03-01,2025-04-01,300.00,250.00,,,50.00,short,I,500 TKA`,
    );

    const combinedOut = path.join(dir, "combined");
    const r = await lotwise(
      "gains",
      "--ledger",
      ledger,
      "--year",
      "2025",
      "--combine-fees",
      "--out",
      combinedOut,
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("fee-statement.csv");
    expect(rowsOf(combinedOut)).toEqual([
      `x1,b1,${W},ETH,0.1002,2025-01-02,2025-03-01,250.00,200.40,,,49.60,short,I,0.1002 ETH`,
      `s1,x1,${W},${TKA},500,2025-03-01,2025-04-01,300.00,250.00,,,50.00,short,I,500 TKA`,
      `fees:ETH:2025-03-01,b1,${W},ETH,0.0003,2025-01-02,2025-03-01,0.93,0.60,M,,0.33,short,I,0.0003 ETH (3 network fees; see statement)`,
    ]);
    const statement = readFileSync(path.join(combinedOut, "fee-statement.csv"), "utf8").trim().split("\n");
    expect(statement[0]).toMatch(/^combined_row,disposal_id,lot_id,/);
    expect(statement.slice(1).map((l) => l.split(",").slice(0, 2).join(","))).toEqual([
      "fees:ETH:2025-03-01,f1",
      "fees:ETH:2025-03-01,f2",
      "fees:ETH:2025-03-01,f3",
    ]);
    // The tax effect is nil: the summaries are identical.
    const summary = (d: string) => readFileSync(path.join(d, "summary.json"), "utf8");
    expect(summary(combinedOut)).toBe(summary(plainOut));
  });
});
