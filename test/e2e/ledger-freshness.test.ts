import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseLedgerCsv } from "../../src/ledger/read.ts";
import { runCliInProcess } from "../cli.ts";
import { seedDataDir } from "../pglite-template.ts";
import { type ReplayServer, startSolanaReplay } from "../solana-replay.ts";

/**
 * Prices imported after a sync reach the stored ledger: `prices import` marks the ledger dirty
 * from the earliest changed price instant minus the staleness window and the next command that
 * reads the ledger (`sync`, `gains`, `ledger export`) rebuilds that range. The wallet is the
 * recorded mainnet Raydium swap (SOL → Wormhole WETH) of staketaxcsv's `test_raydium_v4_swap`.
 */
const WALLET = "solana:Bdky9P44ETXheH3KTTURodpeaV7QdPJyofS4brK1656o";
const SIG = "5dk9JQExmdT635xMYA1RvdMTt7thpFoUXAi1MgtMzpEnADiq7TMMjpTG3wN8RHJ3ZqfuvtjsbDV5SHAWqRwiu51F";
const WEWETH = "solana:7vfCXTUXx5WJV5JADk17DUJ4ksgau7utNKj4b963voxs";

describe("prices imported after a sync reach the ledger", () => {
  let server: ReplayServer;
  let dir: string;
  // In this process (runCliInProcess): the pipeline is under test, not the process.
  const cli = (...args: string[]) =>
    runCliInProcess(["--config", path.join(dir, "lotwise.config.json"), "--no-progress", ...args]);
  const swapRow = async () => {
    expect((await cli("ledger", "export", "--out", path.join(dir, "ledger.csv"))).code).toBe(0);
    const rows = parseLedgerCsv(readFileSync(path.join(dir, "ledger.csv"), "utf8"), "ledger.csv");
    return rows.find((r) => r.id === `solana:${SIG}:0`)!;
  };

  beforeAll(async () => {
    server = await startSolanaReplay();
    dir = mkdtempSync(path.join(tmpdir(), "lotwise-fresh-"));
    writeFileSync(
      path.join(dir, "lotwise.config.json"),
      JSON.stringify({
        dataDir: path.join(dir, ".lotwise"),
        rpc: { solana: server.url },
        prices: { order: ["file"] },
      }),
    );
    // Not a test of the first run: the embedded database exists already (test/pglite-template.ts).
    await seedDataDir(path.join(dir, ".lotwise"));
  });
  afterAll(async () => {
    await server?.close();
  });

  test("prices import then sync: the swap gets its value; a corrected price file reprices it for gains", {
    timeout: 600_000,
  }, async () => {
    expect((await cli("wallets", "add", WALLET)).code).toBe(0);
    expect((await cli("sync")).code).toBe(0);
    // No price yet: a zero with a warning.
    expect(await swapRow()).toMatchObject({ usdValue: "0", feeUsd: "0" });

    // The swap is at 2024-04-03T21:54:39Z; the prices are 54 minutes older (within 24 h).
    writeFileSync(
      path.join(dir, "prices.csv"),
      ["asset,time,usd", "SOL,2024-04-03T21:00:00Z,180", `${WEWETH},2024-04-03T21:00:00Z,3300`, ""].join(
        "\n",
      ),
    );
    const imported = await cli("prices", "import", path.join(dir, "prices.csv"));
    expect(imported.code).toBe(0);
    // The earliest changed price is 2024-04-03T21:00:00Z; minus the 24 h staleness window.
    expect(imported.stdout).toContain("ledger: incremental rebuild from 2024-04-02T21:00:00.000Z");
    const sync = await cli("sync");
    expect(sync.code).toBe(0);
    expect(sync.stdout).toContain("ledger: up to date");
    // 0.969676388 SOL × $180 = 174.54174984; fee 0.00002 × 180 = 0.0036.
    expect(await swapRow()).toMatchObject({ usdValue: "174.54174984", feeUsd: "0.0036" });

    // A corrected file (SOL $200) reaches `gains` on the stored ledger, with no explicit rebuild.
    writeFileSync(
      path.join(dir, "prices.csv"),
      ["asset,time,usd", "SOL,2024-04-03T21:00:00Z,200", `${WEWETH},2024-04-03T21:00:00Z,3300`, ""].join(
        "\n",
      ),
    );
    // Stored directly in the table by a second process would not mark; the import does.
    expect((await cli("prices", "import", path.join(dir, "prices.csv"))).code).toBe(0);
    const gains = await cli("gains", "--year", "2024", "--out", path.join(dir, "out"));
    expect(gains.code).toBe(0);
    const form = readFileSync(path.join(dir, "out", "form8949.csv"), "utf8")
      .trim()
      .split("\n");
    // Proceeds 0.969676388 × $200 = 193.9352776 → 193.94 (no basis: the SOL came from nowhere).
    expect(form[1]).toContain(",193.94,");
  });

  test("a price file that changes nothing triggers no rebuild", { timeout: 120_000 }, async () => {
    const again = await cli("prices", "import", path.join(dir, "prices.csv"));
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain("ledger:");
  });

  test("a changed asset mapping or price setting in the config reaches the ledger with no explicit rebuild", {
    timeout: 600_000,
  }, async () => {
    const config = path.join(dir, "lotwise.config.json");
    const base = JSON.parse(readFileSync(config, "utf8")) as Record<string, unknown>;
    expect(await swapRow()).toMatchObject({ inAsset: WEWETH, usdValue: "193.9352776" });
    try {
      // Wormhole WETH mapped to the asset ETH (`assets.tokens`, docs/prices.md): the swap's
      // acquisition is ETH from the next command on.
      writeFileSync(config, JSON.stringify({ ...base, assets: { tokens: { [WEWETH]: "ETH" } } }));
      expect(await swapRow()).toMatchObject({ inAsset: "ETH" });
      // A price order without the file: nothing prices the swap any more (0, with a warning).
      writeFileSync(config, JSON.stringify({ ...base, prices: { order: ["stablecoin"] } }));
      expect(await swapRow()).toMatchObject({ inAsset: WEWETH, usdValue: "0" });
    } finally {
      writeFileSync(config, JSON.stringify(base));
    }
    // Back to the first settings: the first values again.
    expect(await swapRow()).toMatchObject({ inAsset: WEWETH, usdValue: "193.9352776" });
  });
});
