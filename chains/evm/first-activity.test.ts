import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cursors, movements } from "../../db/schema/index.ts";
import { createDevClient, type DevClient, loadArtifacts } from "../../src/devchain/contracts.ts";
import { silentLogger } from "../../src/logger.ts";
import { type Anvil, startAnvil } from "../../test/anvil.ts";
import { createEvmHarness } from "../../test/evm-harness.ts";
import { startFaultProxy } from "../../test/fault-proxy.ts";
import { createHttpTransport, type RpcTransport } from "../transport.ts";
import { findHistoryStart } from "./first-activity.ts";

/**
 * First-activity search on anvil, whose dev accounts start empty here (`--balance 0`): 300 empty
 * blocks, then an ETH-funded wallet, a token-only wallet (nonce 0, no ETH) and a wallet that got
 * tokens before its first ETH. The expected blocks are the blocks the node mined those
 * transactions in.
 */

const E18 = 10n ** 18n;
let anvil: Anvil;
let dev: DevClient;
let rpc: RpcTransport;
let head: bigint;
let ethWallet: string;
let tokenOnly: string;
let tokensFirst: string;
let never: string;
const blocks: Record<string, bigint> = {};

beforeAll(async () => {
  anvil = await startAnvil({ args: ["--balance", "0"] });
  dev = createDevClient(anvil.url);
  const art = await loadArtifacts();
  const accounts = await dev.accounts();
  const funder = accounts[0]!;
  [ethWallet, tokenOnly, tokensFirst, never] = accounts.slice(1, 5) as [string, string, string, string];
  await dev.request("anvil_setBalance", [funder, `0x${(100n * E18).toString(16)}`]);
  const token = await dev.deploy(funder, art.TestToken, ["T", "T", 1000n * E18]);
  await dev.request("anvil_mine", ["0x12c"]); // 300 empty blocks
  const at = async (p: Promise<{ blockNumber: string }>) => BigInt((await p).blockNumber);
  blocks.eth = await at(dev.send({ from: funder, to: ethWallet as `0x${string}`, value: E18 }));
  await dev.send({ from: ethWallet as `0x${string}`, to: funder, value: E18 / 10n });
  await dev.request("anvil_mine", ["0x64"]);
  const transfer = (to: string) =>
    dev.send({ from: funder, to: token, data: dev.encode(art.TestToken, "transfer", [to, E18]) });
  blocks.tokenOnly = await at(transfer(tokenOnly));
  blocks.tokensFirst = await at(transfer(tokensFirst));
  await dev.request("anvil_mine", ["0x32"]);
  blocks.tokensFirstEth = await at(dev.send({ from: funder, to: tokensFirst as `0x${string}`, value: E18 }));
  await dev.request("anvil_mine", ["0x0a"]);
  head = BigInt(await dev.request<string>("eth_blockNumber"));
  rpc = createHttpTransport({ chain: "evm:31337", url: anvil.url, logger: silentLogger });
}, 60_000);

afterAll(async () => {
  await anvil?.stop();
});

describe("findHistoryStart()", () => {
  test("an ETH wallet starts at the block that first gave it a balance (archive state search)", async () => {
    expect(blocks.eth).toBeGreaterThan(300n);
    const start = await findHistoryStart({ rpc, address: ethWallet, head });
    expect(start).toMatchObject({ block: blocks.eth!.toString(), method: "state" });
    expect(start.reason).toMatch(/first nonce or balance in block/);
  });

  test("a token-only wallet (nonce 0, no ETH) starts at its first token transfer", async () => {
    const start = await findHistoryStart({ rpc, address: tokenOnly, head });
    expect(start).toMatchObject({ block: blocks.tokenOnly!.toString(), method: "state" });
    expect(start.reason).toMatch(/first token transfer.*no nonce or ETH/);
  });

  test("tokens before the first ETH: the token transfer wins", async () => {
    expect(blocks.tokensFirstEth).toBeGreaterThan(blocks.tokensFirst!);
    const start = await findHistoryStart({ rpc, address: tokensFirst, head });
    expect(start.block).toBe(blocks.tokensFirst!.toString());
  });

  test("a never-used address starts at the head; --from-block wins over any search", async () => {
    expect(await findHistoryStart({ rpc, address: never, head })).toMatchObject({ block: head.toString() });
    expect(await findHistoryStart({ rpc, address: ethWallet, head, fromBlock: 7n })).toEqual({
      block: "7",
      method: "from-block",
      reason: "given with --from-block",
    });
  });

  test("a node without historical state falls back to block 0 and says why", async () => {
    const pruned = await startFaultProxy(anvil.url, { prunedBelow: head - 5n });
    try {
      const t = createHttpTransport({
        chain: "evm:31337",
        url: pruned.url,
        logger: silentLogger,
        maxAttempts: 1,
      });
      const start = await findHistoryStart({ rpc: t, address: ethWallet, head });
      expect(start).toMatchObject({ block: "0", method: "genesis" });
      expect(start.reason).toMatch(/cannot answer historical state/);
    } finally {
      await pruned.close();
    }
  });
});

describe("first sync from the first activity", () => {
  test("scans from the found block, keeps why in the cursor, and records the same movements as a scan from 0", async () => {
    const late = await createEvmHarness({ addresses: [ethWallet] });
    const full = await createEvmHarness({ addresses: [ethWallet] });
    try {
      const r = await late.sync(ethWallet, anvil.url);
      expect(r.historyStart).toMatchObject({ block: blocks.eth!.toString(), method: "state" });
      const [cursor] = await late.database.db.select().from(cursors);
      expect((cursor!.position as { start: { block: string } }).start.block).toBe(blocks.eth!.toString());
      const r0 = await full.sync(ethWallet, anvil.url, { fromBlock: 0n });
      expect(r0.historyStart).toMatchObject({ block: "0", method: "from-block" });
      const moves = async (h: typeof late) =>
        (await h.database.db.select().from(movements)).map((m) => [m.txHash, m.evidence, m.amount]).sort();
      expect(await moves(late)).toEqual(await moves(full));
      expect((await moves(late)).length).toBe(3); // 1 ETH in; 0.1 ETH out and its gas
      // A second run keeps the remembered start and asks nothing about history.
      expect((await late.sync(ethWallet, anvil.url)).historyStart?.block).toBe(blocks.eth!.toString());
    } finally {
      await late.close();
      await full.close();
    }
  });
});
