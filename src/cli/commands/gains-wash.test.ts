import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { runInProcess } from "../../../test/cli.ts";

const work = mkdtempSync(path.join(tmpdir(), "lotwise-gains-wash-"));

const HEADER = "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value";
// Form 1099-DA instructions, box 1i: 100 units bought for $1,000, sold for $600, 75 bought back.
const LEDGER = [
  HEADER,
  "b,2026-09-01T15:00:00Z,buy,acct,,,TSEC,100,1000",
  "s,2026-10-01T15:00:00Z,sell,acct,TSEC,100,,,600",
  "r,2026-10-15T15:00:00Z,buy,acct,,,TSEC,75,450",
  "e1,2026-09-01T15:00:00Z,buy,acct,,,ETH,1,3000",
  "e2,2026-10-01T15:00:00Z,sell,acct,ETH,1,,,2000",
  "e3,2026-10-02T15:00:00Z,buy,acct,,,ETH,1,2000",
].join("\n");

const gains = (args: string[]) =>
  runInProcess(["gains", ...args], { LOTWISE_DATA_DIR: path.join(work, "data") });

describe("lotwise gains --wash-sale", () => {
  const ledger = path.join(work, "ledger.csv");
  mkdirSync(work, { recursive: true });
  writeFileSync(ledger, LEDGER);

  test("--wash-sale TSEC: the tokenized security's loss is partly disallowed (code W); ETH's stands", async () => {
    const out = path.join(work, "out-tsec");
    const r = await gains([
      "--ledger",
      ledger,
      "--year",
      "2026",
      "--scope",
      "universal",
      "--wash-sale",
      "TSEC",
      "--out",
      out,
    ]);
    expect(r.err).toBe("");
    const form = readFileSync(path.join(out, "form8949.csv"), "utf8").trim().split("\n");
    expect(form).toContain(
      "s,b,acct,TSEC,100,2026-09-01,2026-10-01,600.00,1000.00,W,300.00,-100.00,short,I,100 TSEC",
    );
    expect(form).toContain("e2,e1,acct,ETH,1,2026-09-01,2026-10-01,2000.00,3000.00,,,-1000.00,short,I,1 ETH");
    const summary = JSON.parse(readFileSync(path.join(out, "summary.json"), "utf8"));
    expect(summary.short_term).toMatchObject({ adjustments: "300.00", gain: "-1100.00" });
  });

  test("--wash-sale alone applies the rule to every asset; without it nothing is disallowed", async () => {
    const all = path.join(work, "out-all");
    expect(
      (
        await gains([
          "--ledger",
          ledger,
          "--year",
          "2026",
          "--scope",
          "universal",
          "--wash-sale",
          "--out",
          all,
        ])
      ).code,
    ).toBe(0);
    expect(readFileSync(path.join(all, "form8949.csv"), "utf8")).toContain(
      "e2,e1,acct,ETH,1,2026-09-01,2026-10-01,2000.00,3000.00,W,1000.00,0.00,short,I,1 ETH",
    );
    const off = path.join(work, "out-off");
    expect(
      (await gains(["--ledger", ledger, "--year", "2026", "--scope", "universal", "--out", off])).code,
    ).toBe(0);
    expect(readFileSync(path.join(off, "form8949.csv"), "utf8")).not.toContain(",W,");
    const bad = await gains(["--ledger", ledger, "--year", "2026", "--wash-sale", "TSEC,", "--out", off]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--wash-sale expects asset ids separated by commas, got "TSEC,"');
  });
});
