import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDevClient } from "../../src/devchain/contracts.ts";
import { type Anvil, startAnvil } from "../anvil.ts";
import { runInProcess } from "../cli.ts";

/**
 * `lotwise sync` ends with the balance check, and `lotwise check` explains it: a wallet that got
 * 3 ETH from a stranger has 3 ETH on chain but nothing in the ledger until the inflow is decided
 * (an open review item); deciding it (`review set … --as income`) makes the check come out even.
 */

const E18 = 10n ** 18n;
let anvil: Anvil;
let dir: string;
let wallet: string;
let tx: string;
let config: string;

const cli = (...argv: string[]) => runInProcess([...argv, "--data-dir", dir], {}, { seed: dir });

beforeAll(async () => {
  anvil = await startAnvil({ args: ["--balance", "0"] });
  const dev = createDevClient(anvil.url);
  const [funder, w] = await dev.accounts();
  wallet = w!;
  await dev.request("anvil_setBalance", [funder, `0x${(10n * E18).toString(16)}`]);
  tx = (await dev.send({ from: funder!, to: w!, value: 3n * E18 })).transactionHash;
  dir = mkdtempSync(path.join(os.tmpdir(), "lotwise-check-"));
  // Anvil's ETH is priced as ETH: from the user's price file only (no HTTP provider in tests).
  config = path.join(dir, "lotwise.config.json");
  writeFileSync(config, JSON.stringify({ prices: { order: ["file", "stablecoin"] } }));
  const prices = path.join(dir, "prices.csv");
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");
  writeFileSync(prices, `asset,time,usd\nETH,${hourAgo},2000\n`);
  expect((await cli("prices", "import", prices)).code).toBe(0);
});

afterAll(async () => {
  await anvil?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("lotwise check", () => {
  test("sync prints the check's summary; check names the cause; deciding the item reconciles", async () => {
    expect((await cli("wallets", "add", `evm:31337:${wallet}`)).code).toBe(0);
    const rpc = `evm:31337=${anvil.url}`;
    const sync = await cli("sync", "--rpc", rpc);
    expect(sync.code).toBe(0);
    // Anvil's ETH is ETH for prices: 3 ETH × $2,000.
    expect(sync.out).toContain(
      "check: 1 wallet, 1 asset against the chain: 1 difference (≈ $6000.00; lotwise check for details)\n",
    );

    const json = await cli("check", "--rpc", rpc, "--json");
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out);
    expect(report.wallets[0]).toMatchObject({ wallet: `evm:31337:${wallet}`, method: "rpc", differences: 1 });
    expect(report.wallets[0].assets).toEqual([
      expect.objectContaining({
        asset: "ETH",
        chain: "3",
        indexed: "3",
        ledger: "0",
        difference: "3",
        differenceUsd: "6000.00",
        unpriced: false,
        causes: [expect.objectContaining({ code: "unreviewed", amount: "3" })],
      }),
    ]);
    const text = await cli("check", "--rpc", rpc);
    expect(text.out).toContain("  ETH: chain 3, ledger 0 (indexed 3), difference +3 (≈ $6000.00)\n");
    expect(text.out).toMatch(/- unreviewed \(3\): 1 transaction\(s\) wait for your decision/);
    const items = await cli("review", "list", "--json");
    expect(JSON.parse(items.out)).toEqual(
      expect.arrayContaining([expect.objectContaining({ reason: "balance_difference" })]),
    );

    expect((await cli("review", "set", `evm:31337:${tx}`, "--as", "income")).code).toBe(0);
    const after = await cli("check", "--rpc", rpc);
    expect(after.out).toContain("no differences");
    const left = JSON.parse((await cli("review", "list", "--json")).out) as { reason: string }[];
    expect(left.filter((r) => r.reason === "balance_difference")).toEqual([]);
    // `--all` shows the decided transaction as resolved (before: decided items vanished from every list).
    const all = JSON.parse((await cli("review", "list", "--all", "--json")).out) as unknown[];
    expect(all).toContainEqual({
      chain: "evm:31337",
      tx,
      reason: "decision",
      message: "decided: income",
      status: "resolved",
    });
    expect((await cli("review", "list", "--all")).out).toContain(
      `evm:31337:${tx}  [decision] resolved\n  decided: income\n`,
    );
  }, 300_000); // a dozen CLI processes: each can take 10+ s on a loaded machine

  test("an unknown wallet is a user error (exit 2)", async () => {
    const r = await cli("check", "--wallet", "evm:31337:0x0000000000000000000000000000000000000001");
    expect(r.code).toBe(2);
    expect(r.err).toContain("no such wallet: evm:31337:0x0000000000000000000000000000000000000001");
  });
});
