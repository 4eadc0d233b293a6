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
    const r = await runCli(["demo", "--no-serve", "--no-progress"], { cwd, timeoutMs: 420_000 });
    // Its only diagnostic: the first step creates the embedded database.
    expect(r.stderr).toBe(
      `info  setting up the embedded database in ${path.join(cwd, "lotwise-demo", ".lotwise", "pgdata")} (first run; takes a few seconds)\n`,
    );
    expect(r.code).toBe(0);
    const dir = path.join(cwd, "lotwise-demo");
    for (const step of [
      "wallets add",
      "ledger import",
      "sync",
      "review list",
      "review set",
      "check",
      "ledger export",
      "forms import",
      "gains",
      "reconcile",
      "prices import",
      "harvest",
    ]) {
      expect(r.stdout).toContain(`$ lotwise ${step}`);
    }

    // The balance check after the sync: anvil's 10,000 ETH genesis pre-funding of each wallet is a
    // recognized opening balance; the two differences are the two transactions waiting for review
    // (0.05 ETH from the friend, 200 USDC to the merchant). After the decisions, none is left.
    expect(r.stdout).toMatch(
      /check: 2 wallets, 7 assets against the chain: 2 differences \(≈ \$[\d.]+; lotwise check for details\), 2 opening balances recognized\n/,
    );
    expect(r.stdout).toMatch(
      /ETH at block \d+: chain [\d.]+, opening balance 10000 \(kept out of the ledger\), ledger [\d.]+, difference 0\.05 /,
    );
    expect(r.stdout).toMatch(/USDC at block \d+: chain [\d.]+, ledger [\d.]+, difference -200 /);
    const checkOut = r.stdout.slice(r.stdout.indexOf("$ lotwise check"));
    expect(checkOut).toMatch(
      /ETH: chain [\d.]+, opening 10000, ledger [\d.]+ \(indexed [\d.]+\), no difference\n/,
    );
    expect(checkOut).toContain(
      "check: 2 wallets, 7 assets against the chain: no differences, 2 opening balances recognized\n",
    );

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

    // Coinbase's 1099-DA differs twice. cb-6: 0.4 ETH of the 2025-03-10 buy (2,750 + 10 fee:
    // basis 0.4 × 2,760 = 1,104) sold for 1,640 − 6.50 fee = 1,633.50; the form says 1,640: E, −6.50.
    // cb-7: 500 USDC that came from the hot wallet, reported with basis 0: B on box H, (g) 0.
    expect(form).toContain(
      "cb-6,cb-5,coinbase:main,ETH,0.4,2025-03-10,2025-08-20,1640.00,1104.00,E,-6.50,529.50,short,H,0.4 ETH",
    );
    const usdcSale = form.find((l) => l.startsWith("cb-7,"));
    expect(usdcSale).toMatch(
      /^cb-7,[^,]+,coinbase:main,USDC,500,2025-\d\d-\d\d,2025-12-18,500\.00,\d+\.\d\d,B,0\.00,/,
    );
    expect(usdcSale).toMatch(/,short,H,500 USDC$/);
    const discrepancies = readFileSync(path.join(dir, "discrepancies.csv"), "utf8");
    expect(discrepancies).toContain("proceeds_differ,Coinbase,DEMO-4417,");
    expect(discrepancies).toContain("basis_differs,Coinbase,DEMO-4417,");
    expect(discrepancies).toMatch(
      /Coinbase reports basis \$0\.00 for 500 USDC sold 2025-12-18: these units came in from your wallet evm:31337:0x[0-9a-fA-F]{40} on 2025-12-15 \(tx 0x[0-9a-f]{64}\)/,
    );
    const rec = JSON.parse(readFileSync(path.join(dir, "reconciliation.json"), "utf8"));
    expect(rec).toMatchObject({ complete: true, accounts: ["coinbase:main"] });
    expect(rec.classes.proceeds_differ.count).toBe(1);
    expect(rec.classes.basis_differs.count).toBe(1);
    expect(rec.adjustment_by_code.E).toBe("-6.50");
    // Column (h) equals lotwise gains (the routed summary).
    const cents = (v: string) => BigInt(v.replace(".", ""));
    expect(cents(rec.gain)).toBe(cents(summary.short_term.gain) + cents(summary.long_term.gain));
    expect(rec.gain).toBe(rec.books_gain);
    expect(summary.schedule_d.line_2.rows).toBe(2);

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
    // Two ETH lots are below cost: the January hot-wallet lot (cb-3) and the rest of the March
    // Coinbase buy (cb-5, 0.6 ETH at $2,760); the plan sells both pools.
    const planLots = harvest.plan.sales.map((s: { lots: string }) => s.lots).join(";");
    expect(planLots).toMatch(/cb-3:/);
    expect(planLots).toMatch(/cb-5:0\.6/);
    const csv = readFileSync(path.join(dir, "harvest.csv"), "utf8").trim().split("\n");
    expect(csv.length - 1).toBe(harvest.lots.length);
    expect(r.stdout).toContain("Tax-loss harvesting as of 2025-12-31");
  }, 450_000);
});
