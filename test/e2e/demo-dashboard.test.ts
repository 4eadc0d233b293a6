import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, describe, expect, test } from "vitest";
import { ARTIFACTS, launchBrowser } from "../browser.ts";
import { type LotwiseProcess, spawnLotwise } from "../processes.ts";

/**
 * `lotwise demo` without `--no-serve`: after the files it serves the dashboard on the demo
 * database, printing the URL and an API key, until SIGINT. The demo's books (three wallets, the
 * Coinbase import and 1099-DA, year-end prices) are then what the dashboard shows: screenshots of
 * its pages with real data go to test/artifacts/demo/.
 */
let demo: LotwiseProcess | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  if (demo && demo.child.exitCode === null && demo.child.signalCode === null) demo.child.kill("SIGKILL");
  await demo?.exited;
});

describe("lotwise demo serves the dashboard", () => {
  test("prints the URL and a key; the dashboard shows the demo's books; Ctrl-C stops it (exit 130)", {
    timeout: 600_000,
  }, async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "lotwise-demo-serve-"));
    demo = spawnLotwise(["demo", "--no-progress", "--port", "0"], { cwd, env: {} });
    const url = (await demo.waitFor(/dashboard on (http:\/\/\S+)\/\n/, 480_000))[1]!;
    const key = /sign in with this API key:\n\s+(lw_\S+)\n/.exec(demo.output())?.[1];
    expect(key, demo.output().slice(-2000)).toBeDefined();

    const index = await fetch(`${url}/`);
    expect(index.headers.get("content-type")).toContain("text/html");
    expect(await index.text()).toContain('<div id="root">');
    const wallets = await fetch(`${url}/v1/wallets`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await wallets.json()) as { wallets: { label: string }[] };
    expect(body.wallets.map((w) => w.label).sort()).toEqual(["coinbase:main", "cold", "hot"]);

    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${url}/`);
    await page.getByLabel("API key").fill(key!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Wallets", level: 1 }).waitFor();
    const shots = path.join(ARTIFACTS, "demo");
    // [page, what shows it is loaded, whether it has a tax-year picker (set to the demo's 2025)]
    for (const [link, ready, hasYear] of [
      ["Wallets", "table tbody tr", false],
      ["Review", "h1", true],
      ["Ledger", "table tbody tr", false],
      ["Gains", ".recharts-bar-rectangle", true],
      ["1099-DA", "span.badge", true],
    ] as const) {
      await page.getByRole("link", { name: link, exact: true }).click();
      await page.locator(ready).first().waitFor({ timeout: 60_000 });
      // Asked of a page without one, the picker was waited for until Playwright's 30 s timeout.
      const year = page.getByLabel("Tax year");
      if (hasYear) await year.first().selectOption("2025");
      else expect(await year.count()).toBe(0);
      await page.waitForLoadState("networkidle");
      await page.screenshot({ path: path.join(shots, `${link.toLowerCase()}.png`), fullPage: true });
    }
    // The demo's Coinbase 1099-DA reconciles with one proceeds difference (code E) and one basis difference.
    const classes = await page
      .getByRole("region", { name: "Discrepancies", exact: true })
      .locator("tbody tr.disc td:first-child")
      .allTextContents();
    expect(classes).toContain("proceeds_differ");
    expect(classes).toContain("basis_differs");
    await page.getByRole("link", { name: "Harvest" }).click();
    await page.getByRole("button", { name: "Show candidates" }).click();
    await page
      .getByRole("region", { name: "Candidates", exact: true })
      .locator("tbody tr")
      .first()
      .waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(shots, "harvest.png"), fullPage: true });
    expect(errors).toEqual([]);

    // Ctrl-C: the CLI's interrupt handling closes everything and exits 130, as for `lotwise serve`.
    demo.child.kill("SIGINT");
    expect(await demo.exited).toBe(130);
    expect(demo.output()).toContain(
      "lotwise demo: interrupted (SIGINT): the demo chain (anvil) and the dashboard are stopped",
    );
  });
});
