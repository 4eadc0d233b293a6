import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { parseLedgerCsv } from "../../src/ledger/read.ts";
import { runCli } from "../cli.ts";

/** `lotwise demo`, the README's first command: a local chain, the whole pipeline, files on disk. */
describe("lotwise demo", () => {
  test("plays the history, syncs, classifies, prices and writes the ledger, Form 8949, summary and harvest plan", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "lotwise-demo-"));
    const r = await runCli(["demo", "--no-serve", "--no-progress"], { cwd, timeoutMs: 170_000 });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const dir = path.join(cwd, "lotwise-demo");
    for (const step of [
      "wallets add",
      "ledger import",
      "sync",
      "review list",
      "review set",
      "ledger export",
      "gains",
      "prices import",
      "harvest",
    ]) {
      expect(r.stdout).toContain(`$ lotwise ${step}`);
    }

    const ledger = parseLedgerCsv(readFileSync(path.join(dir, "ledger.csv"), "utf8"), "ledger.csv");
    // Every row built from chain data names its transaction and where its USD values came from.
    for (const row of ledger.filter((x) => x.extra?.x_origin === "chain")) {
      expect(row.tx, row.id).toMatch(/^0x[0-9a-f]{64}/);
      if (row.usdValue !== undefined)
        expect(row.extra?.x_price_source, row.id).toMatch(/^(onchain:evm:31337:|stablecoin|file:)/);
      expect(row.extra?.x_warnings ?? "", row.id).toBe("");
    }
    const types = new Set(ledger.map((x) => x.type));
    for (const t of ["buy", "transfer", "swap", "fee", "income", "spend"]) expect(types, t).toContain(t);
    expect(ledger.some((x) => x.subtype === "lp_deposit")).toBe(true);
    expect(ledger.some((x) => x.subtype === "lp_withdrawal")).toBe(true);
    // The Coinbase deposit address is an exchange account: the 1,000 USDC sent there is a transfer to it.
    expect(
      ledger.some(
        (x) =>
          x.type === "transfer" &&
          x.toWallet === "coinbase:main" &&
          x.outAsset === "USDC" &&
          x.outQuantity === "1000",
      ),
    ).toBe(true);

    const summary = JSON.parse(readFileSync(path.join(dir, "summary.json"), "utf8"));
    expect(summary).toMatchObject({ tax_year: 2025, method: "fifo", scope: "transition", warnings: [] });
    // ETH bought in 2023 and sold in 2025 is long term; the 2025 purchase is short term.
    expect(Number(summary.long_term.proceeds)).toBeGreaterThan(0);
    expect(Number(summary.short_term.proceeds)).toBeGreaterThan(0);
    expect(summary.ordinary_income.total).not.toBe("0.00");
    const form = readFileSync(path.join(dir, "form8949.csv"), "utf8").trim().split("\n");
    expect(form.length).toBeGreaterThan(10);
    // The 2023 Coinbase lot moved to the hot wallet on 2025-01-01 (Rev. Proc. 2024-28 record).
    expect(readFileSync(path.join(dir, "allocation.csv"), "utf8")).toContain("cb-1");

    // The harvest step: open lots at the pools' year-end prices (imported, then read through the
    // configured providers); ETH bought at $3,400 in January ended the year near $2,300.
    const harvest = JSON.parse(readFileSync(path.join(dir, "harvest.json"), "utf8"));
    expect(harvest).toMatchObject({ as_of: "2025-12-31T23:59:59.999Z", tax_year: 2025, scope: "transition" });
    const eth = harvest.prices.find((p: { asset: string }) => p.asset === "ETH");
    expect(eth.source).toBe("file:year-end-prices.csv");
    expect(Number(eth.usd)).toBeGreaterThan(2000);
    expect(Number(eth.usd)).toBeLessThan(2600);
    expect(harvest.prices.filter((p: { missing?: string }) => p.missing !== undefined)).toEqual([]);
    const below = harvest.lots.filter((l: { unrealized: string | null }) => Number(l.unrealized) < 0);
    expect(
      below.some((l: { lot_id: string; asset: string }) => l.lot_id === "cb-3" && l.asset === "ETH"),
    ).toBe(true);
    expect(harvest.candidates.length).toBeGreaterThan(0);
    // The year so far has gains, so harvesting the January ETH saves tax this year.
    expect(Number(harvest.year_so_far.net)).toBeGreaterThan(0);
    expect(Number(harvest.plan.tax_saved)).toBeGreaterThan(0);
    expect(harvest.plan.sales[0].lots).toMatch(/cb-3:/);
    const csv = readFileSync(path.join(dir, "harvest.csv"), "utf8").trim().split("\n");
    expect(csv.length - 1).toBe(harvest.lots.length);
    expect(r.stdout).toContain("Tax-loss harvesting as of 2025-12-31");
  }, 200_000);
});
