/**
 * `lotwise gains --ledger FILE` with a file of 4 MiB or more: the CLI's entry starts the file's
 * reading thread before the CLI's modules load (src/tax/parse-thread-start.ts). The real process
 * (bin) gives what the command started in-process (its own thread, started by the command) gives,
 * and a command that fails before reading still exits: the unused thread keeps nothing alive.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { runCli, runInProcess } from "../../../test/cli.ts";

const work = mkdtempSync(path.join(tmpdir(), "lotwise-gains-thread-"));
const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype";

/** A buy and a sell of ETH every half hour of 2024 and 2025 (35,040 pairs: about 4.9 MB). */
const bigLedger = (): string => {
  const lines = [HEADER];
  const start = Date.UTC(2024, 0, 1);
  const at = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
  for (let h = 0; h < 2 * 365 * 48; h++) {
    const t = start + h * 1_800_000;
    const usd = (1000 + (h % 977)).toString();
    lines.push(`b${h},${at(t)},buy,cb:main,,,ETH,1.25,${usd},USD,,1.5,,,`);
    lines.push(`s${h},${at(t + 600_000)},sell,cb:main,ETH,0.75,,,${usd}.37,USD,,0.5,,,`);
  }
  const file = path.join(work, "big.csv");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
};

test("a ledger of 4 MiB or more: the thread started by the CLI's entry gives the same files; a command failing before reading exits", async () => {
  const ledger = bigLedger();
  expect(readFileSync(ledger).length).toBeGreaterThanOrEqual(4 << 20);
  const early = path.join(work, "early");
  const own = path.join(work, "own");
  const args = (out: string) => ["gains", "--ledger", ledger, "--year", "2025", "--out", out];
  const a = await runCli(args(early), { timeoutMs: 60_000 });
  expect(a.code, a.stderr).toBe(0);
  const b = await runInProcess(args(own));
  expect(b.code, b.err).toBe(0);
  for (const f of ["form8949.csv", "summary.json"]) {
    const text = readFileSync(path.join(early, f), "utf8");
    expect(text).toBe(readFileSync(path.join(own, f), "utf8"));
    if (f === "form8949.csv") expect(text.split("\n").length).toBeGreaterThan(8000);
  }
  // No --out: commander refuses the command before it reads; the started thread must not hold the
  // process (the timeout's SIGKILL would show as no exit code).
  const failed = await runCli(["gains", "--ledger", ledger, "--year", "2025"], { timeoutMs: 20_000 });
  expect(failed.code).toBe(2);
  expect(failed.stderr).toContain("required option '--out <dir>'");
}, 120_000);
