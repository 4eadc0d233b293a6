import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Anvil, rpcCall, sendAt, startAnvil } from "../anvil.ts";
import { ARTIFACTS, launchBrowser } from "../browser.ts";
import { runCli } from "../cli.ts";
import { seedDataDir } from "../pglite-template.ts";
import { pdfText, renderedPageCount } from "../poppler.ts";
import { type LotwiseProcess, spawnLotwise } from "../processes.ts";

/**
 * The dashboard in a real browser (Debian's chromium via playwright-core) against a real
 * `lotwise serve` (embedded: PGlite, in-process jobs) and a real anvil chain. Everything goes
 * through the pages, as a filer would: paste two wallets, watch the sync finish, decide the two
 * review items (one as a rule), see the gains change, and download the Form 8949 PDF. Each page is
 * screenshotted at laptop and phone sizes into test/artifacts/dashboard/.
 *
 * The chain (zero gas price, so no fee rows): an outsider sends A 2 ETH on 2025-03-01 12:00, A
 * sends B 1 ETH on 2025-06-01 12:00, B sends the outsider 0.5 ETH on 2025-06-02 00:00. Prices:
 * ETH $2,000 from 2025-03-01, $3,000 from 2025-06-01. By hand: before any decision both outsider
 * transfers are unmatched (not in the ledger): no gain, no income. Deciding A's inflow as airdrop
 * income (a rule on the outsider) gives ordinary income 2 × $2,000 = $4,000.00. Deciding B's
 * outflow as a sale: proceeds 0.5 × $3,000 = $1,500.00, basis 0.5 × $2,000 = $1,000.00 (the lot
 * moved from A to B with its basis): short-term gain $500.00.
 *
 * A Form 1099-DA for B reports that sale with proceeds $1,490.00 and basis $1,000.00 (box 2
 * checked): class proceeds_differ, code E, column (g) = books − form = $1,500.00 − $1,490.00 =
 * $10.00, and (h) stays $500.00.
 *
 * Harvest at the end of 2025 (ETH $1,500): A holds 1 ETH with basis $2,000 (loss $500), B 0.5 ETH
 * with basis $1,000 (loss $250). Other taxable income $100,000 (the default), single: the year's
 * $500 short-term gain is taxed at 22 %. Selling A's lot alone cancels the gain: saves $500 × 22 % =
 * $110.00; B's alone saves $250 × 22 % = $55.00; the plan sells both: the $750 loss cancels the
 * gain and deducts $250 from ordinary income: taxable income 100,500 → 99,750. Tax on 100,500 (tax
 * computation worksheet): 1,192.50 + 4,386.00 + 22 % × 52,025 = $17,024.00. Below $100,000 the IRS
 * Tax Table applies: the midpoint of the $50 row, 99,775: 1,192.50 + 4,386.00 + 22 % × 51,300 =
 * 16,864.50, rounded to $16,865: the plan saves $159.00.
 */

const OUTSIDER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const ADMIN_KEY = `admin-${randomUUID()}`;
const ETH = 10n ** 18n;
const PRICES = [
  "asset,time,usd",
  "ETH,2025-03-01T00:00:00Z,2000",
  "ETH,2025-06-01T00:00:00Z,3000",
  "ETH,2025-06-01T23:00:00Z,3000",
  "ETH,2025-12-31T12:00:00Z,1500",
  "",
].join("\n");
const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const SHOTS = path.join(ARTIFACTS, "dashboard");
const FORM_1099DA = [
  "broker,account,transaction_id,asset_name,units,date_acquired,date_sold,proceeds,cost_basis,basis_reported,term,noncovered",
  "Acme Exchange,AX-77,ax-1,Ethereum,0.5,03/01/2025,06/02/2025,1490.00,1000.00,true,short,",
  "",
].join("\n");
const ROOT = path.resolve(import.meta.dirname, "../..");

let anvil: Anvil;
let dir: string;
let browser: Browser;
let serve: LotwiseProcess | undefined;

/** Mined at `time` before the next one is sent (see `sendAt`). */
const send = (from: string, to: string, wei: bigint, time: string) =>
  sendAt(anvil.url, { from, to, value: wei }, at(time));

/** Screenshots of the current page at laptop and phone widths. */
const shoot = async (page: Page, name: string) => {
  // From the top: a full-page shot of a scrolled page paints the sticky header mid-page.
  await page.evaluate("window.scrollTo(0, 0)");
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.screenshot({ path: path.join(SHOTS, `${name}-laptop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SHOTS, `${name}-phone.png`), fullPage: true });
  // At 390 px nothing widens the page; a table too wide for it scrolls inside a focusable,
  // labelled region so keyboard users can scroll it too.
  // (The page's own code, as text: this file is typechecked without the DOM library.)
  const phone = await page.evaluate(`({
    page: document.documentElement.scrollWidth,
    unreachable: [...document.querySelectorAll("table")]
      .map((t) => t.parentElement)
      .filter((w) => w.scrollWidth > w.clientWidth)
      .filter((w) => !(w.matches("section.table-wrap[aria-label]") && w.tabIndex === 0))
      .map((w) => w.outerHTML.slice(0, 80)),
  })`);
  expect(phone, name).toEqual({ page: 390, unreachable: [] });
  await page.setViewportSize({ width: 1280, height: 860 });
};

beforeAll(async () => {
  anvil = await startAnvil({
    timestamp: at("2025-03-01T00:00:00Z"),
    args: ["--block-base-fee-per-gas", "0", "--gas-price", "0"],
  });
  await send(OUTSIDER, A, 2n * ETH, "2025-03-01T12:00:00Z");
  await send(A, B, ETH, "2025-06-01T12:00:00Z");
  await send(B, OUTSIDER, ETH / 2n, "2025-06-02T00:00:00Z");
  await rpcCall(anvil.url, "anvil_mine", ["0x10", "0x3c"]);
  dir = mkdtempSync(path.join(os.tmpdir(), "lotwise-dashboard-"));
  // The dashboard as `npm run build:ui` builds it, into this test's own folder.
  const build = spawnSync(
    process.execPath,
    [
      path.join(ROOT, "node_modules/vite/bin/vite.js"),
      "build",
      "--config",
      path.join(ROOT, "vite.ui.config.ts"),
      "--outDir",
      path.join(dir, "ui"),
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
  expect(build.status, build.stderr).toBe(0);
  expect(existsSync(path.join(dir, "ui", "index.html"))).toBe(true);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (serve && serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill("SIGTERM");
  await serve?.exited;
  await anvil?.stop();
});

describe("web dashboard in chromium", () => {
  test("paste wallets, sync, decide the review, gains change, download the Form 8949 PDF", {
    timeout: 400_000,
  }, async () => {
    const config = path.join(dir, "lotwise.json");
    writeFileSync(
      config,
      JSON.stringify({
        dataDir: path.join(dir, ".lotwise"),
        rpc: { "evm:31337": anvil.url },
        assets: { tokens: { "evm:31337:native": "ETH" } },
        prices: { order: ["file"] },
        server: { adminKey: ADMIN_KEY },
      }),
    );
    // Not a test of the first run: the embedded database exists already (test/pglite-template.ts).
    await seedDataDir(path.join(dir, ".lotwise"));
    const created = await runCli(["--config", config, "users", "create", "filer"], { cwd: dir, env: {} });
    expect(created.code, created.stderr).toBe(0);
    const key = /API key \(shown once, store it now\): (lw_\S+)/.exec(created.stdout)![1]!;

    serve = spawnLotwise(["--config", config, "serve", "--port", "0", "--ui-dir", path.join(dir, "ui")], {
      cwd: dir,
      env: {},
    });
    const base = (await serve.waitFor(/lotwise API on (http:\/\/\S+) /))[1]!;
    const prices = await fetch(`${base}/admin/prices/imports/eth`, {
      method: "PUT",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "text/csv" },
      body: PRICES,
    });
    expect(prices.status).toBe(200);

    const context = await browser.newContext({
      acceptDownloads: true,
      viewport: { width: 1280, height: 860 },
    });
    const page = await context.newPage();
    // Browser errors: uncaught exceptions and console errors other than the failed loads, which
    // are checked one by one below (only the expected answers may fail).
    const consoleErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource"))
        consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    const failed: string[] = [];
    page.on("response", (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });

    // Login: a wrong key is refused, the right one opens the Wallets page.
    await page.goto(`${base}/`);
    await shoot(page, "00-login");
    await page.getByLabel("API key").fill("lw_wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not valid");
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Wallets", level: 1 }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('lotwise.apiKey')")).toBe(key);

    // Wallets: validated as typed, chain detected; then the two are added.
    const paste = page.getByLabel(/Addresses/);
    await paste.fill(`${A}\n0x1234`);
    await expect.poll(() => page.locator(".paste-check").textContent()).toContain("40 hex digits");
    expect(await page.getByRole("button", { name: /^Add/ }).isDisabled()).toBe(true);
    await page.getByLabel("Chain of bare 0x addresses").fill("evm:31337");
    await paste.fill(`${A}\n${B.toLowerCase()}`);
    await expect.poll(() => page.locator(".paste-check li.ok").count()).toBe(2);
    expect(await page.locator(".paste-check").textContent()).toContain("evm:31337");
    await page.getByRole("button", { name: "Add 2 wallets" }).click();
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("Added 2");
    await expect.poll(() => page.locator("table tbody tr").count()).toBe(2);

    // Sync, with live progress from the SSE stream, until the run completes.
    await page.getByRole("button", { name: "Sync all wallets" }).click();
    await page.locator(".sync-progress").waitFor();
    await expect
      .poll(() => page.locator(".sync-progress p").first().textContent(), { timeout: 120_000 })
      .toMatch(/Sync run \d+: completed/);
    expect(await page.locator(".progress-list li").count()).toBe(2);
    await expect
      .poll(() => page.locator(".sync-progress").textContent())
      .toContain("Ledger rebuild: completed");
    await shoot(page, "01-wallets");

    // Review: two unmatched transfers, each with its movements.
    await page.getByRole("link", { name: "Review" }).click();
    await page.getByLabel("Tax year").first().selectOption("2025");
    await expect.poll(() => page.locator("article.review-item").count()).toBe(2);
    const inflow = page.locator("article.review-item", { hasText: "Received from an address" });
    const outflow = page.locator("article.review-item", { hasText: "Sent to an address" });
    await expect.poll(() => inflow.locator("table").textContent()).toContain("received");
    expect(await inflow.locator("table").textContent()).toContain(OUTSIDER);
    await shoot(page, "02-review");

    // The inflow as airdrop income, as a rule for everything from the outsider.
    await inflow.getByRole("checkbox", { name: /Apply to all like this/ }).check();
    await inflow.getByRole("button", { name: "Income: airdrop" }).click();
    const effect = page.locator(".effect");
    await expect
      .poll(() => effect.textContent(), { timeout: 120_000 })
      .toContain("2025 ordinary income: $0.00 → $4,000.00 (+$4,000.00)");
    expect(await effect.textContent()).toContain("the ledger was rebuilt");

    // The outflow as a sale: the year's gain goes from $0.00 to $500.00.
    await expect.poll(() => page.locator("article.review-item").count()).toBe(1);
    await outflow.getByRole("button", { name: "Sold" }).click();
    await expect
      .poll(() => effect.textContent(), { timeout: 120_000 })
      .toContain("2025 net capital gain: $0.00 → $500.00 (+$500.00)");
    expect(await effect.textContent()).toContain("2025 short-term gain: $0.00 → $500.00");
    await expect.poll(() => page.locator("article.review-item").count()).toBe(0);
    await shoot(page, "03-review-decided");

    // Gains: Schedule D and the Form 8949 row, by hand.
    await page.getByRole("link", { name: "Gains" }).click();
    await expect.poll(() => page.locator("dl.figures").textContent()).toContain("$500.00");
    const row8949 = page.getByRole("region", { name: "Form 8949 rows", exact: true }).locator("tbody tr");
    await expect.poll(() => row8949.count()).toBe(1);
    const cells = await row8949.first().locator("td").allTextContents();
    // Box I: short-term digital asset sale without a Form 1099-DA (2025 Form 8949).
    expect(cells.slice(0, 9)).toEqual([
      "I",
      "0.5 ETH",
      "2025-03-01",
      "2025-06-02",
      "$1,500.00",
      "$1,000.00",
      "",
      "",
      "$500.00",
    ]);
    expect(await page.locator("dl.figures").textContent()).toContain("$4,000.00");
    await page.locator(".recharts-surface").first().waitFor();
    await shoot(page, "04-gains");

    // Ledger: filter to sales, open the row: its transaction and price source.
    await page.getByRole("link", { name: "Ledger" }).click();
    await expect
      .poll(() => page.getByRole("region", { name: "Ledger rows", exact: true }).locator("tbody tr").count())
      .toBe(3);
    await page.getByLabel("Type").selectOption("sell");
    await expect
      .poll(() => page.getByRole("region", { name: "Ledger rows", exact: true }).locator("tbody tr").count())
      .toBe(1);
    await page.getByRole("region", { name: "Ledger rows", exact: true }).locator("tbody tr").first().click();
    const detail = page.getByRole("region", { name: /^Row / });
    await expect.poll(() => detail.textContent()).toContain("price source: file:eth.csv");
    await expect.poll(() => detail.locator("table").textContent()).toContain(OUTSIDER);
    await shoot(page, "05-ledger");

    // 1099-DA: upload a form for B, then the reconciliation row by row.
    await page.getByRole("link", { name: "1099-DA" }).click();
    await expect
      .poll(() => page.locator("section", { hasText: "Reconciliation" }).last().textContent())
      .toContain("No Form 1099-DA rows for 2025");
    await shoot(page, "06-1099da-empty");
    const formFile = path.join(dir, "acme-1099da-2025.csv");
    writeFileSync(formFile, FORM_1099DA);
    await page.getByLabel("Form CSV file").setInputFiles(formFile);
    await page.getByLabel("Account it reports").fill(`evm:31337:${B}`);
    await page.getByRole("button", { name: "Upload" }).click();
    await expect
      .poll(() => page.getByRole("status").first().textContent())
      .toContain("1 rows for evm:31337:");
    const discrepancies = page
      .getByRole("region", { name: "Discrepancies", exact: true })
      .locator("tbody tr.disc");
    await expect.poll(() => discrepancies.count(), { timeout: 60_000 }).toBe(1);
    const d = await discrepancies.first().locator("td").allTextContents();
    expect(d[0]).toBe("proceeds_differ");
    expect(d[0 + 4]).toBe("$1,490.00 / $1,500.00");
    expect(d[5]).toBe("$1,000.00 / $1,000.00");
    expect(d[7]).toBe("E $10.00");
    const explanation = page
      .getByRole("region", { name: "Discrepancies", exact: true })
      .locator("tbody tr.explain-row");
    expect(await explanation.first().textContent()).toContain("Acme Exchange reports proceeds $1,490.00");
    const classes = page.getByRole("region", { name: "Classes", exact: true });
    expect(
      await classes.locator("tr", { hasText: "proceeds_differ" }).locator("td").first().textContent(),
    ).toBe("1");
    expect(await page.getByLabel("Reconciliation totals").textContent()).toContain("$500.00");
    await shoot(page, "06-1099da");

    // Harvest: the candidates, the plan and a what-if, by hand.
    await page.getByRole("link", { name: "Harvest" }).click();
    await page.getByRole("button", { name: "Show candidates" }).click();
    const candidates = page.getByRole("region", { name: "Candidates", exact: true }).locator("tbody tr");
    await candidates.first().waitFor({ timeout: 60_000 });
    await shoot(page, "07-harvest-plan");
    expect(await candidates.count(), (await candidates.allTextContents()).join("\n")).toBe(2);
    const first = await candidates.nth(0).locator("td").allTextContents();
    const second = await candidates.nth(1).locator("td").allTextContents();
    expect([first[2], first[5], first[6]]).toEqual(["1 ETH", "−$500.00", "$110.00"]);
    expect([second[2], second[5], second[6]]).toEqual(["0.5 ETH", "−$250.00", "$55.00"]);
    expect(await page.getByLabel("Plan figures").textContent()).toContain(
      "Tax saved by the plan (2025)$159.00",
    );
    await page.getByLabel("Asset").fill("ETH");
    await page.getByLabel("Quantity").fill("1");
    await page.getByLabel(/From wallet/).fill(`evm:31337:${A}`);
    await page.getByRole("button", { name: "Show the what-if" }).click();
    await expect
      .poll(() => page.locator("section", { hasText: "What if I sell" }).getByRole("status").textContent(), {
        timeout: 60_000,
      })
      .toContain("Tax saved: $110.00");
    await shoot(page, "07-harvest");

    // Gains again: the unrealized chart has ETH at the year-end price.
    await page.getByRole("link", { name: "Gains" }).click();
    await page
      .locator("#chart-unrealized + .recharts-responsive-container .recharts-bar-rectangle")
      .first()
      .waitFor();
    await shoot(page, "04-gains");

    // Reports: generate the 2025 report and download its Form 8949 PDF.
    await page.getByRole("link", { name: "Reports" }).click();
    await page.getByRole("button", { name: "Generate the 2025 report" }).click();
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("net gain $500.00");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page
        .getByRole("button", { name: /Download Form 8949 \(PDF/ })
        .first()
        .click(),
    ]);
    const pdf = path.join(SHOTS, "form8949.pdf");
    await download.saveAs(pdf);
    expect(download.suggestedFilename()).toMatch(/^gains-2025-\d+-.*\.pdf$/);
    expect(renderedPageCount(pdf)).toBeGreaterThanOrEqual(2);
    const text = pdfText(pdf);
    // With the form imported the sale is reported in box G: (d) 1,490.00, (e) 1,000.00, E 10.00, (h) 500.00.
    expect(text).toMatch(/1,490\.00\s+1,000\.00\s+E\s+10\.00\s+500\.00/);
    await shoot(page, "08-reports");

    // Wallets: a Coinbase export (test/samples/imports/coinbase.csv, 10 rows after its preamble)
    // uploaded into coinbase:main under a browser's name for a second download; a broken copy
    // first, which stores nothing; then the file twice, which adds nothing the second time.
    await page.getByRole("link", { name: "Wallets" }).click();
    const exports = page.getByRole("region", { name: "Exchange exports" });
    await expect.poll(() => exports.textContent()).toContain("No exchange export imported yet.");
    const sample = readFileSync(path.join(ROOT, "test/samples/imports/coinbase.csv"), "utf8");
    const broken = path.join(dir, "broken", "Coinbase history (1).csv");
    mkdirSync(path.dirname(broken), { recursive: true });
    writeFileSync(broken, sample.replace('"$4,000.00"', '"$4,0.00"'));
    await page.getByLabel("Export CSV file").setInputFiles(broken);
    await page.getByLabel("Exchange account").fill("coinbase:main");
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await expect
      .poll(() => exports.getByRole("alert").textContent())
      .toMatch(/^Coinbase history \(1\)\.csv:6: Subtotal: /);
    expect(await exports.textContent()).toContain("No exchange export imported yet.");
    const good = path.join(dir, "Coinbase history (1).csv");
    writeFileSync(good, sample);
    await page.getByLabel("Export CSV file").setInputFiles(good);
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await expect
      .poll(() => exports.getByRole("status").textContent())
      .toContain("10 rows into coinbase:main: 10 added, 0 replaced, 0 unchanged");
    const accounts = exports.getByRole("region", { name: "Exchange accounts" }).locator("tbody tr");
    await expect.poll(() => accounts.count()).toBe(1);
    expect(await accounts.first().locator("td").allTextContents()).toEqual([
      "coinbase:main",
      "coinbase",
      "10",
      "Remove",
    ]);
    await page.getByLabel("Export CSV file").setInputFiles(good);
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await expect
      .poll(() => exports.getByRole("status").textContent())
      .toContain("10 rows into coinbase:main: 0 added, 0 replaced, 10 unchanged");
    await shoot(page, "09-wallets-exports");

    expect(consoleErrors).toEqual([]);
    // The wrong key, the reconciliation before any form was uploaded, the broken export.
    expect(failed).toEqual(["401 /v1/me", "404 /v1/reconcile", "400 /v1/imports/coinbase%3Amain"]);
    await context.close();
  });
});
