import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { findMulticall3, MULTICALL3_CANONICAL, readEvmBalances } from "../../chains/evm/balances.ts";
import { resolveChain } from "../../chains/registry.ts";
import { createHttpTransport, type RpcTransport } from "../../chains/transport.ts";
import { reviewItems } from "../../db/schema/index.ts";
import { type Anvil, startAnvil } from "../../test/anvil.ts";
import { createEvmHarness, type EvmHarness } from "../../test/evm-harness.ts";
import { startFaultProxy } from "../../test/fault-proxy.ts";
import { createAssetIdentity } from "../assets/identity.ts";
import { buildLedger } from "../books/build.ts";
import { DEFAULT_CLASSIFY_SETTINGS } from "../classify/settings.ts";
import { createDevClient, type DevClient, loadArtifacts } from "../devchain/contracts.ts";
import { installMulticall3 } from "../devchain/multicall.ts";
import { Decimal } from "../utils/decimal.ts";
import { checkBalances, saveBalanceReviews } from "./index.ts";
import type { WalletCheck } from "./types.ts";

/**
 * The balance check against a real anvil: anvil's dev accounts start empty (`--balance 0`), so
 * every wei a wallet holds came from a transaction of this file. Five wallets, one case each:
 * a clean history (zero difference), a rebasing token, a node without traces, a spam token the
 * classifier excluded, and a token whose Transfer event indexes nothing. Expected numbers are the
 * amounts sent below; the check's own code computes none of them.
 */

const E18 = 10n ** 18n;
const CHAIN = "evm:31337";
let anvil: Anvil;
let dev: DevClient;
let h: EvmHarness;
let rpc: RpcTransport;
let funder: `0x${string}`;
let clean: string;
let rebased: string;
let untraced: string;
let spammed: string;
let unindexed: string;
const c: Record<string, string> = {};
let cleanGas = 0n;

const identity = createAssetIdentity({});
const deps = () => ({
  db: h.database.db,
  userId: h.userId,
  canonicalAsset: identity.canonicalAsset,
  displaySymbol: identity.displaySymbol,
  rpcFor: () => rpc,
  chainOptions: {},
  extraTokens: () => [c.old!],
  // ETH at $2,000; everything else unpriced.
  price: async (qs: readonly { asset: string }[]) =>
    qs.map((q) => (q.asset === "ETH" ? new Decimal(2000) : undefined)),
});

const rebuild = () =>
  buildLedger({
    db: h.database.db,
    userId: h.userId,
    // Unknown senders and recipients become income / spends, so a clean history has a full ledger.
    settings: { ...DEFAULT_CLASSIFY_SETTINGS, unmatchedInflow: "income", unmatchedOutflow: "spend" },
    resolveAsset: identity.resolveMovementAsset,
    pricer: { prepare: async () => () => undefined },
    full: true,
  });

const assetOf = (w: WalletCheck, asset: string) => w.assets.find((a) => a.asset === asset);

beforeAll(async () => {
  anvil = await startAnvil({ args: ["--balance", "0"] });
  dev = createDevClient(anvil.url);
  const art = await loadArtifacts();
  const accounts = await dev.accounts();
  [funder] = accounts as [`0x${string}`];
  [clean, rebased, untraced, spammed, unindexed] = accounts.slice(1, 6) as [
    string,
    string,
    string,
    string,
    string,
  ];
  await dev.request("anvil_setBalance", [funder, `0x${(1000n * E18).toString(16)}`]);
  await installMulticall3(dev, funder);

  // Clean: 2 ETH and 100 TST in, 0.5 ETH out (plus gas).
  c.tst = await dev.deploy(funder, art.TestToken, ["Test", "TST", 1000n * E18]);
  await dev.send({ from: funder, to: clean as `0x${string}`, value: 2n * E18 });
  await dev.send({
    from: funder,
    to: c.tst as `0x${string}`,
    data: dev.encode(art.TestToken, "transfer", [clean, 100n * E18]),
  });
  const out = await dev.send({ from: clean as `0x${string}`, to: funder, value: E18 / 2n });
  cleanGas = BigInt(out.gasUsed) * BigInt(out.effectiveGasPrice);

  // Rebasing: 100 RBT minted, then the index goes to 1.01 (balance 101, no event).
  c.rbt = await dev.deploy(funder, art.RebasingToken, ["Rebasing", "RBT"]);
  await dev.send({
    from: funder,
    to: c.rbt as `0x${string}`,
    data: dev.encode(art.RebasingToken, "mint", [rebased, 100n * E18]),
  });
  await dev.send({
    from: funder,
    to: c.rbt as `0x${string}`,
    data: dev.encode(art.RebasingToken, "rebase", [(101n * E18) / 100n]),
  });

  // No traces: 1 ETH paid out by a contract (an internal transfer only traces show).
  const fwd = await dev.deploy(funder, art.Forwarder);
  await dev.send({
    from: funder,
    to: fwd,
    data: dev.encode(art.Forwarder, "forward", [untraced]),
    value: E18,
  });

  // Spam: 1,000 tokens with an advertising symbol, sent by a stranger.
  c.spam = await dev.deploy(funder, art.TestToken, ["Reward", "claim-reward.com", 10_000n * E18]);
  await dev.send({
    from: funder,
    to: c.spam as `0x${string}`,
    data: dev.encode(art.TestToken, "transfer", [spammed, 1000n * E18]),
  });

  // Unindexed Transfer: 5 OLD minted with an event that indexes no address.
  c.old = await dev.deploy(funder, art.UnindexedToken);
  await dev.send({
    from: funder,
    to: c.old as `0x${string}`,
    data: dev.encode(art.UnindexedToken, "mint", [unindexed, 5n * E18]),
  });

  h = await createEvmHarness({ addresses: [clean, rebased, untraced, spammed, unindexed] });
  for (const a of [clean, rebased, spammed, unindexed]) await h.sync(a, anvil.url);
  const noTraces = await startFaultProxy(anvil.url, {
    unsupported: ["trace_filter", "trace_transaction", "debug_traceBlockByNumber", "debug_traceTransaction"],
  });
  try {
    await h.sync(untraced, noTraces.url);
  } finally {
    await noTraces.close();
  }
  await rebuild();
  rpc = createHttpTransport({ chain: CHAIN, url: anvil.url, logger: h.common.logger });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await anvil?.stop();
});

describe("checkBalances() on anvil", () => {
  test("a clean history reconciles to zero, read through Multicall3", async () => {
    const report = await checkBalances({ ...deps(), wallets: [`${CHAIN}:${clean}`] });
    const w = report.wallets[0]!;
    expect(w.method).toBe("multicall3");
    expect(w.differences).toBe(0);
    const eth = assetOf(w, "ETH")!;
    const expected = new Decimal((2n * E18 - E18 / 2n - cleanGas).toString()).div(1e18).toFixed();
    expect(eth).toMatchObject({
      chain: expected,
      indexed: expected,
      ledger: expected,
      difference: "0",
      causes: [],
    });
    expect(assetOf(w, `${CHAIN}:${c.tst}`)).toMatchObject({ chain: "100", ledger: "100", difference: "0" });
  });

  test("a rebasing token: +1 RBT the ledger never saw, cause rebasing, no USD price", async () => {
    const report = await checkBalances({ ...deps(), wallets: [`${CHAIN}:${rebased}`] });
    const rbt = assetOf(report.wallets[0]!, `${CHAIN}:${c.rbt}`)!;
    expect(rbt).toMatchObject({
      chain: "101",
      indexed: "100",
      ledger: "100",
      difference: "1",
      unpriced: true,
    });
    expect(rbt.differenceUsd).toBeNull();
    expect(rbt.causes.map((x) => [x.code, x.amount])).toEqual([["rebasing", "1"]]);
    expect(rbt.causes[0]!.message).toMatch(/no Transfer event/);
  });

  test("a node without traces: 1 ETH of internal transfers unseen, $2,000", async () => {
    const report = await checkBalances({ ...deps(), wallets: [`${CHAIN}:${untraced}`] });
    const eth = assetOf(report.wallets[0]!, "ETH")!;
    expect(eth).toMatchObject({
      chain: "1",
      indexed: "0",
      ledger: "0",
      difference: "1",
      differenceUsd: "2000.00",
    });
    expect(eth.causes.map((x) => [x.code, x.amount])).toEqual([["no_traces", "1"]]);
  });

  test("a spam token the classifier excluded: 1,000 on chain, none in the ledger", async () => {
    const report = await checkBalances({ ...deps(), wallets: [`${CHAIN}:${spammed}`] });
    const spam = assetOf(report.wallets[0]!, `${CHAIN}:${c.spam}`)!;
    expect(spam).toMatchObject({ chain: "1000", indexed: "1000", ledger: "0", difference: "1000" });
    expect(spam.causes.map((x) => [x.code, x.amount])).toEqual([["spam", "1000"]]);
  });

  test("a Transfer event without indexed addresses: 5 OLD the topic filters cannot see", async () => {
    const report = await checkBalances({ ...deps(), wallets: [`${CHAIN}:${unindexed}`] });
    const old = assetOf(report.wallets[0]!, `${CHAIN}:${c.old}`)!;
    expect(old).toMatchObject({ chain: "5", indexed: "0", ledger: "0", difference: "5" });
    expect(old.causes.map((x) => x.code)).toEqual(["unindexed_transfer"]);
  });

  test("every difference becomes one review item; re-running is idempotent and a fixed one disappears", async () => {
    const report = await checkBalances(deps());
    expect(report.differences).toBe(4);
    expect(report.differenceUsd).toBe("2000.00");
    await saveBalanceReviews(h.database.db, h.userId, report);
    await saveBalanceReviews(h.database.db, h.userId, report);
    const items = (await h.database.db.select().from(reviewItems)).filter(
      (r) => r.reason === "balance_difference",
    );
    expect(items.map((r) => r.txHash).sort()).toEqual(
      [
        `balance:${rebased}:${CHAIN}:${c.rbt}`,
        `balance:${untraced}:ETH`,
        `balance:${spammed}:${CHAIN}:${c.spam}`,
        `balance:${unindexed}:${CHAIN}:${c.old}`,
      ].sort(),
    );
    expect(items.find((r) => r.txHash.includes(untraced))!.message).toMatch(
      /difference 1 \(≈ \$2000\.00\).*no_traces/,
    );
    // The rebasing wallet's difference goes away once nothing differs any more.
    const fixed = {
      ...report,
      wallets: report.wallets.map((w) =>
        w.address === rebased
          ? { ...w, differences: 0, assets: w.assets.map((a) => ({ ...a, difference: "0" })) }
          : w,
      ),
    };
    await saveBalanceReviews(h.database.db, h.userId, fixed);
    const after = (await h.database.db.select().from(reviewItems)).filter(
      (r) => r.reason === "balance_difference",
    );
    expect(after).toHaveLength(3);
  });
});

describe("readEvmBalances()", () => {
  test("Multicall3 and plain batched calls give the same balances; Multicall3 is found by its code", async () => {
    const head = BigInt(await dev.request<string>("eth_blockNumber"));
    const chain = resolveChain(CHAIN);
    expect(await findMulticall3(rpc, chain, head)).toBe(MULTICALL3_CANONICAL);
    // A chain whose Multicall3 is created later than the block asked about: plain calls.
    const later = { ...chain, multicall3: { address: MULTICALL3_CANONICAL, blockCreated: Number(head) + 1 } };
    expect(await findMulticall3(rpc, later, head)).toBeUndefined();
    const tokens = [c.tst!, c.rbt!, c.old!];
    const viaMulticall = await readEvmBalances({
      rpc,
      address: clean,
      block: head,
      tokens,
      multicall: MULTICALL3_CANONICAL,
    });
    const plain = await readEvmBalances({ rpc, address: clean, block: head, tokens });
    expect(viaMulticall.method).toBe("multicall3");
    expect(plain.method).toBe("rpc");
    expect(viaMulticall.native).toBe(2n * E18 - E18 / 2n - cleanGas);
    expect(viaMulticall).toEqual({ ...plain, method: "multicall3" });
    expect(viaMulticall.tokens.get(c.tst! as string)).toBe(100n * E18);
  });
});
