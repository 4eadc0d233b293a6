import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { parseLedgerCsv } from "../../src/ledger/read.ts";
import { runCli } from "../cli.ts";

/** `lotwise demo`, the README's first command: a local chain, the whole pipeline, files on disk. */
describe("lotwise demo", () => {
  test("plays the history, syncs, classifies, prices and writes the ledger, Form 8949 and summary", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "lotwise-demo-"));
    const r = await runCli(["demo", "--no-serve", "--no-progress"], { cwd, timeoutMs: 420_000 });
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
  }, 450_000);
});
