import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT, runInProcess } from "../cli.ts";

/**
 * `lotwise import` of the report variants and rows the first importers did not read, through the
 * CLI (no chain: the files' own rows only): Coinbase's raw transaction report; Kraken's margin,
 * rollover, settlement, adjustment and credit rows.
 */
const SAMPLES = path.join(ROOT, "test", "samples", "imports");
let dir: string;

const cli = (...argv: string[]) =>
  runInProcess(
    [...argv, "--data-dir", path.join(dir, "data"), "--config", path.join(dir, "lotwise.config.json")],
    {},
    { seed: path.join(dir, "data") },
  );

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "lotwise-i17-formats-"));
  writeFileSync(
    path.join(dir, "lotwise.config.json"),
    JSON.stringify({ prices: { order: ["file", "stablecoin"] } }),
  );
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("lotwise import: Coinbase raw transaction report", () => {
  test("is detected, stored once, and a bad row stops it with exit 2 storing nothing", async () => {
    const file = path.join(SAMPLES, "coinbase-raw.csv");
    const first = await cli("import", file, "--account", "main");
    expect(first.err).not.toContain("error");
    expect(first.code).toBe(0);
    expect(first.out).toContain(
      `${file}: detected Coinbase raw transaction report CSV (--format coinbase-raw); 11 rows into coinbase:main: 11 added, 0 replaced, 0 unchanged`,
    );
    const again = await cli("import", file, "--account", "coinbase:main", "--format", "coinbase");
    expect(again.code).toBe(0);
    expect(again.out).toContain(
      "read as Coinbase raw transaction report CSV (--format coinbase-raw); 11 rows into coinbase:main: 0 added, 0 replaced, 11 unchanged",
    );
    expect(again.out).toContain("ledger: up to date");

    // A later report: one new row and one whose proceeds are written wrong.
    const bad = path.join(dir, "raw-bad.csv");
    writeFileSync(
      bad,
      `${readFileSync(file, "utf8")}3f1c2a10-6b1e-5c4d-9e8f-0a1b2c3d4e0b,Buy,2025-03-20T12:00:00Z,ETH,0.1,201.5,Coinbase,,,\n` +
        "3f1c2a10-6b1e-5c4d-9e8f-0a1b2c3d4e0c,Sell,2025-03-21T12:00:00Z,,,,,ETH,0.1,1.2.3\n",
    );
    const r = await cli("import", bad, "--account", "coinbase:main");
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}:14: Proceeds (excl. fees and/or spread) (USD): not a number: '1.2.3'`);
    // Nothing of that file was stored: the original is still all there is.
    const after = await cli("import", file, "--account", "coinbase:main");
    expect(after.out).toContain("11 rows into coinbase:main: 0 added, 0 replaced, 11 unchanged");
  }, 120_000);
});

describe("lotwise import: Kraken margin rows", () => {
  test("do not stop the import: fees are booked, profits and losses listed for review until closed", async () => {
    const prices = path.join(dir, "btc.csv");
    writeFileSync(
      prices,
      "asset,time,usd\nBTC,2025-03-02T10:00:00Z,90000\nBTC,2025-03-02T18:00:07Z,90000\nBTC,2025-03-03T08:12:45Z,91000\n",
    );
    expect((await cli("prices", "import", prices)).code).toBe(0);
    const file = path.join(SAMPLES, "kraken-margin.csv");
    const r = await cli("import", file, "--account", "main");
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `${file}: detected Kraken ledgers CSV (--format kraken); 13 rows into kraken:main: 13 added`,
    );
    const list = await cli("review", "list");
    expect(list.code).toBe(0);
    expect(list.out).toContain("import:kraken:main:LMRG02-AAAAA-GGGGGG  [margin_pnl]");
    expect(list.out).toContain("Kraken margin position profit of +84.1979 USD");
    expect(list.out).toContain("import:kraken:main:LMRG04-AAAAA-IIIIII  [margin_pnl]");
    expect(list.out).toContain("import:kraken:main:LCRD01-AAAAA-QQQQQQ  [exchange_credit]");
    // The gains engine takes the fee rows (USD and BTC) and the settlement's buy.
    const gains = await cli("gains", "--year", "2025", "--out", path.join(dir, "reports"));
    expect(gains.err).not.toMatch(/error/i);
    expect(gains.code).toBe(0);
    const set = await cli("review", "set", "import:kraken:main:LMRG02-AAAAA-GGGGGG", "--as", "ignore");
    expect(set.code).toBe(0);
    const after = await cli("review", "list");
    expect(after.out).not.toContain("LMRG02-AAAAA-GGGGGG");
    expect(after.out).toContain("LMRG04-AAAAA-IIIIII  [margin_pnl]");
  }, 180_000);
});
