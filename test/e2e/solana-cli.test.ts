import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../cli.ts";
import { seedDataDir } from "../pglite-template.ts";
import { type ReplayServer, replayError, startSolanaReplay } from "../solana-replay.ts";

/**
 * Offline prices: the default order would ask DefiLlama for SOL, and no test may reach the
 * internet (the CLI child exits with 97 if it tries; test/no-network.mjs).
 */
const offlineDir = () => {
  const cwd = mkdtempSync(path.join(tmpdir(), "lotwise-sol-"));
  writeFileSync(
    path.join(cwd, "lotwise.config.json"),
    JSON.stringify({ prices: { order: ["file", "stablecoin"] } }),
  );
  return cwd;
};

/** `lotwise wallets add solana:… && lotwise sync --rpc solana=…` in a temp dir (embedded PGlite, in-process queue). */
describe("lotwise CLI with a Solana wallet", () => {
  let server: ReplayServer;
  beforeAll(async () => {
    server = await startSolanaReplay();
  });
  afterAll(async () => {
    await server?.close();
  });

  test("wallets add + sync prints the summary; a second sync finds nothing new", async () => {
    const cwd = offlineDir();
    const wallet = "solana:3xTPAZxmpwd8GrNEKApaTw6VH4jqJ31WFXUvQzgwhR7c";
    const add = await runCli(["wallets", "add", wallet], { cwd });
    expect(add.stderr).toBe(
      `info  setting up the embedded database in ${path.join(cwd, ".lotwise", "pgdata")} (first run; takes a few seconds)\n`,
    );
    expect(add.stdout).toBe(`added ${wallet}\n`);

    const sync = await runCli(["sync", "--rpc", `solana=${server.url}`], { cwd });
    // stderr may hold the progress line; it must not report a failure.
    expect(sync.stderr).not.toMatch(/error|fail/i);
    expect(sync.code).toBe(0);
    // One swap: SOL, USDC and fee movements; the replay's head slot is 353107528.
    expect(sync.stdout).toMatch(
      new RegExp(
        `^${wallet}: 1 transactions, 3 movements, \\d+ RPC calls, 0 cached, final through 353107528$`,
        "m",
      ),
    );
    const again = await runCli(["sync", "--rpc", `solana=${server.url}`], { cwd });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^${wallet}: 0 transactions, 0 movements, \\d+ RPC calls`, "m"));
  }, 180_000); // three CLI runs, the first creating the embedded database: slow on a loaded machine

  test("a malformed Solana address is refused with a clear message", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "lotwise-sol-"));
    const r = await runCli(["wallets", "add", "solana:0OIlnotbase58"], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid solana address '0OIlnotbase58': expected a base58 public key/);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  test("an endpoint without getSlot and getTokenAccountsByOwner still syncs the wallet's own history", async () => {
    const cwd = offlineDir();
    const wallet = "solana:3xTPAZxmpwd8GrNEKApaTw6VH4jqJ31WFXUvQzgwhR7c";
    server.onAnswer((method, _params, result) =>
      method === "getSlot" || method === "getTokenAccountsByOwner"
        ? replayError(-32601, "Method not found")
        : result,
    );
    // The first run is the first test's: this one starts with the embedded database in place.
    await seedDataDir(path.join(cwd, ".lotwise"));
    try {
      expect((await runCli(["wallets", "add", wallet], { cwd })).code).toBe(0);
      const sync = await runCli(["sync", "--rpc", `solana=${server.url}`], { cwd });
      expect(sync.code).toBe(0);
      expect(sync.stdout).toMatch(
        new RegExp(`^${wallet}: 1 transactions, 3 movements, \\d+ RPC calls, 0 cached$`, "m"),
      );
      expect(sync.stderr).toMatch(/getTokenAccountsByOwner is not supported by this endpoint/);
    } finally {
      server.onAnswer(undefined);
    }
  });
});
