import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDevClient, loadArtifacts } from "../../src/devchain/contracts.ts";
import { type Anvil, startAnvil } from "../anvil.ts";
import { runInProcess } from "../cli.ts";

/** Anvil's first default account: it holds 10,000 ETH on a fresh node. */
const FUNDED = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
/** An address nothing ever touched. */
const UNUSED = "0x00000000000000000000000000000000000c0ffe";
/** Receives tokens only (no transaction of its own, no ETH). */
const TOKENS_ONLY = "0x00000000000000000000000000000000000070ce";

/** A port nothing listens on (bound once, then released). */
const closedPort = async (): Promise<number> => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
};

describe("wallets add / sync: what a new user meets", () => {
  let anvil: Anvil;
  let dir: string;
  let data = "data";
  const lotwise = (config: string, ...argv: string[]) =>
    runInProcess(
      [
        "--config",
        config,
        "--data-dir",
        path.join(dir, data),
        "--no-progress",
        "--log-level",
        "warn",
        ...argv,
      ],
      {},
      { seed: path.join(dir, data) },
    );
  const configFile = (name: string, body: object) => {
    const p = path.join(dir, name);
    writeFileSync(p, JSON.stringify(body));
    return p;
  };

  beforeAll(async () => {
    anvil = await startAnvil();
    dir = mkdtempSync(path.join(tmpdir(), "lotwise-wallets-"));
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  test("a bare 0x address is added on every configured EVM chain where it has activity; an existing wallet says so", async () => {
    const config = configFile("anvil.json", { rpc: { "evm:31337": anvil.url } });
    const bare = await lotwise(config, "wallets", "add", FUNDED);
    expect(bare).toEqual({
      code: 0,
      out: `${FUNDED}: activity on evm:31337\nadded evm:31337:${FUNDED}\n`,
      err: "",
    });
    // Chain names are case-insensitive; adding it again changes nothing and says so.
    expect(await lotwise(config, "wallets", "add", `EVM:31337:${FUNDED.toLowerCase()}`)).toEqual({
      code: 0,
      out: `evm:31337:${FUNDED} already exists (nothing changed)\n`,
      err: "",
    });
    expect((await lotwise(config, "wallets", "add", `evm:31337:${FUNDED}`, "--label", "main")).out).toBe(
      `evm:31337:${FUNDED} already exists: set label 'main'\n`,
    );
    // An address that only ever received tokens: no nonce, no ETH, but a Transfer log to it.
    const client = createDevClient(anvil.url);
    const token = await client.deploy(FUNDED, (await loadArtifacts()).TestToken, ["Test", "TT", 1000n]);
    await client.send({
      from: FUNDED,
      to: token,
      data: client.encode((await loadArtifacts()).TestToken, "transfer", [TOKENS_ONLY, 5n]),
    });
    expect(await lotwise(config, "wallets", "add", TOKENS_ONLY)).toEqual({
      code: 0,
      out: `${TOKENS_ONLY}: activity on evm:31337\nadded evm:31337:${getAddress(TOKENS_ONLY)}\n`,
      err: "",
    });
    const none = await lotwise(config, "wallets", "add", UNUSED);
    expect(none.code).toBe(2);
    expect(none.err).toBe(
      `lotwise: ${UNUSED}: no activity on the configured EVM chains (none on evm:31337); add it with its chain: <chain>:${UNUSED}\n`,
    );
    const noRpc = await lotwise(configFile("empty.json", {}), "wallets", "add", UNUSED);
    expect(noRpc.err).toBe(
      `lotwise: ${UNUSED}: a bare address needs a chain (ethereum:${UNUSED}, evm:<chain id>:${UNUSED}): no EVM RPC endpoint is configured to look for its activity\n`,
    );
  }, 120_000);

  test("sync without an RPC endpoint says so once for all wallets; an unreachable one names host and chain, never the key", async () => {
    data = "data-sync";
    const empty = configFile("none.json", { sync: { maxAttempts: 1 } });
    expect((await lotwise(empty, "wallets", "add", `evm:31337:${UNUSED}`, `evm:31337:${FUNDED}`)).code).toBe(
      0,
    );
    const r = await lotwise(empty, "sync");
    expect(r).toEqual({
      code: 2,
      out: "",
      err: 'lotwise: no RPC endpoint for evm:31337 (2 wallets): pass --rpc evm:31337=URL or set rpc["evm:31337"] in the config file\nnothing was synced\n',
    });

    const port = await closedPort();
    const secret = "k3y-s3cr3t-abcdef";
    const dead = configFile("dead.json", {
      rpc: { "evm:31337": `http://127.0.0.1:${port}/v2/${secret}` },
      sync: { maxAttempts: 1 },
    });
    const failed = await lotwise(dead, "sync", "--wallet", `evm:31337:${UNUSED}`);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain(
      `cannot connect to http://127.0.0.1:${port} (connection refused: is the node running?); check the rpc setting for evm:31337`,
    );
    expect(failed.err).not.toContain(secret);
  }, 120_000);

  test("an rpc setting that names no chain is refused with the nearest name, never ignored", async () => {
    data = "data-sync";
    const typo = configFile("typo.json", { rpc: { etherum: "http://127.0.0.1:1/v2/k3y" } });
    const r = await lotwise(typo, "sync");
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "lotwise: rpc setting 'etherum' names no chain (did you mean ethereum?): its URL would serve no wallet. Chains are named ethereum, base, arbitrum, optimism, polygon, solana or evm:<chainId> (lotwise chains lists them)\n",
    );
    expect(r.err).not.toContain("k3y");
    const flag = await lotwise(
      configFile("none2.json", {}),
      "sync",
      "--rpc",
      "evm31337=http://127.0.0.1:1/x",
    );
    expect(flag.code).toBe(2);
    expect(flag.err).toContain("rpc setting 'evm31337' names no chain");
    const check = await lotwise(typo, "check");
    expect(check.code).toBe(2);
    expect(check.err).toContain("rpc setting 'etherum' names no chain (did you mean ethereum?)");
  }, 120_000);
});
