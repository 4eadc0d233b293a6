import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Anvil } from "../anvil.ts";
import { runInProcess } from "../cli.ts";
import { type ScenarioResult, startScenarioChain } from "../evm-scenario.ts";
import { type FaultProxy, startFaultProxy } from "../fault-proxy.ts";

/**
 * The CLI path on the embedded database: `lotwise wallets add evm:31337:0x…` then
 * `lotwise sync --rpc evm:31337=<url>` against anvil, in a temporary data dir. The RPC URL carries
 * a key (in its path, as Alchemy/Infura URLs do) that must never be printed, even at debug level.
 */

const SECRET = "k3y-5ecret-abcdef";
let anvil: Anvil;
let sc: ScenarioResult;
let proxy: FaultProxy;
let dir: string;

const cli = (...argv: string[]) =>
  runInProcess(
    [...argv, "--data-dir", dir, "--config", path.join(dir, "lotwise.config.json")],
    {},
    { seed: dir },
  );

beforeAll(async () => {
  ({ anvil, scenario: sc } = await startScenarioChain());
  proxy = await startFaultProxy(anvil.url);
  dir = mkdtempSync(path.join(os.tmpdir(), "lotwise-cli-"));
  // Offline prices: no test reaches the internet (the default order asks DefiLlama).
  writeFileSync(
    path.join(dir, "lotwise.config.json"),
    JSON.stringify({ prices: { order: ["file", "stablecoin"] } }),
  );
});

afterAll(async () => {
  await proxy?.close();
  await anvil?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("lotwise wallets add + sync (EVM, embedded database)", () => {
  test("rejects malformed and mis-checksummed addresses with a clear message", async () => {
    const short = await cli("wallets", "add", "evm:31337:0x1234");
    expect(short.code).toBe(2);
    expect(short.err).toContain(
      "invalid evm:31337 address '0x1234': expected 0x followed by 40 hexadecimal characters",
    );
    // Flip the case of the last letter of a checksummed address: still mixed case, checksum wrong.
    const i = sc.accounts.a.search(/[a-fA-F][^a-fA-F]*$/);
    const ch = sc.accounts.a[i]!;
    const typo = `${sc.accounts.a.slice(0, i)}${ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()}${sc.accounts.a.slice(i + 1)}`;
    const bad = await cli("wallets", "add", `evm:31337:${typo}`);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("mixed-case checksum does not match (EIP-55)");
  });

  test("adds both wallets and syncs them, printing a summary without the RPC key", async () => {
    const added = await cli(
      "wallets",
      "add",
      `evm:31337:${sc.accounts.a.toLowerCase()}`,
      `evm:31337:${sc.accounts.b}`,
    );
    expect(added.code).toBe(0);
    expect(added.out).toBe(`added evm:31337:${sc.accounts.a}\nadded evm:31337:${sc.accounts.b}\n`);

    const rpc = `evm:31337=${proxy.url}/v3/${SECRET}`;
    const first = await cli("sync", "--rpc", rpc, "--log-level", "debug");
    // The capture is the stream the logger writes to: debug lines are in it, the key is not.
    expect(first.err).toMatch(/^debug /m);
    expect(first.err).not.toContain(SECRET);
    expect(first.out).not.toContain(SECRET);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      new RegExp(
        `^evm:31337:${sc.accounts.a}: 19 transactions, 31 movements, \\d+ RPC calls, \\d+ cached, final through 33$`,
        "m",
      ),
    );
    expect(first.out).toMatch(
      new RegExp(
        `^evm:31337:${sc.accounts.b}: 10 transactions, 19 movements, \\d+ RPC calls, \\d+ cached, final through 33$`,
        "m",
      ),
    );

    const second = await cli("sync", "--rpc", rpc, "--wallet", `evm:31337:${sc.accounts.b}`);
    expect(second.code).toBe(0);
    // Incremental: nothing new on chain, so only eth_chainId + eth_blockNumber.
    expect(second.out.split("\n")[0]).toBe(
      `evm:31337:${sc.accounts.b}: 10 transactions, 19 movements, 2 RPC calls, 0 cached, final through 33`,
    );
  });
});
