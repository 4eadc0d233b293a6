import { getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { syncEvmWallet } from "../../chains/evm/sync.ts";
import { resolveChain } from "../../chains/registry.ts";
import { movements, transactions } from "../../db/schema/index.ts";
import { createDevClient, loadArtifacts } from "../../src/devchain/contracts.ts";
import { NonRetryableError } from "../../src/errors.ts";
import type { Anvil } from "../anvil.ts";
import { rpcCall } from "../anvil.ts";
import { createEvmHarness, type EvmHarness, type Snapshot, snapshotRows } from "../evm-harness.ts";
import { type ScenarioResult, type ScenarioTxs, startScenarioChain } from "../evm-scenario.ts";
import { startFakeExplorer } from "../fake-explorer.ts";
import { startFaultProxy } from "../fault-proxy.ts";

/**
 * The EVM worker against a real anvil node running the two-wallet scenario: exact movements and
 * fees, idempotent and incremental re-syncs, crash resume, faults, adaptive ranges, the trace
 * fallbacks and the explorer accelerator. Expected values come from the scenario's known amounts,
 * the node's receipts and the chain state, never from the worker's own code.
 */

const CHAIN = "evm:31337";
const ZERO = "0x0000000000000000000000000000000000000000";

let anvil: Anvil;
let sc: ScenarioResult;
let clean: EvmHarness;
let cleanSnapshot: Snapshot;
let a: string;
let b: string;

type Move = {
  wallet: "a" | "b";
  tx: keyof ScenarioTxs;
  evidence: string;
  asset: string;
  amount: bigint;
  counterparty: string | null;
  tokenId?: string | null;
};

const syncBoth = async (h: EvmHarness, url: string, options: Parameters<EvmHarness["sync"]>[2] = {}) => {
  const ra = await h.sync(a, url, options);
  const rb = await h.sync(b, url, options);
  return [ra, rb] as const;
};

beforeAll(async () => {
  ({ anvil, scenario: sc } = await startScenarioChain());
  a = sc.accounts.a;
  b = sc.accounts.b;
  clean = await createEvmHarness({ addresses: [a, b] });
  await syncBoth(clean, anvil.url);
  cleanSnapshot = await snapshotRows(clean.database);
});

afterAll(async () => {
  await clean?.close();
  await anvil?.stop();
});

/** Movements of the scenario's wallets, keyed by scenario step name. */
const actualMoves = async (h: EvmHarness): Promise<Move[]> => {
  const names = new Map(Object.entries(sc.txs).map(([k, v]) => [v.toLowerCase(), k as keyof ScenarioTxs]));
  const ids = new Map(
    [...h.wallets].map(([addr, w]) => [w.id, addr === a ? ("a" as const) : ("b" as const)]),
  );
  const rows = await h.database.db.select().from(movements);
  return rows.map((r) => ({
    wallet: ids.get(r.walletId)!,
    tx: names.get(r.txHash)!,
    evidence: r.evidence,
    asset: r.asset,
    amount: r.amount,
    counterparty: r.counterparty,
    tokenId: r.tokenId,
  }));
};

const sortMoves = (m: Move[]) =>
  [...m]
    .map((x) => ({ ...x, tokenId: x.tokenId ?? null }))
    .sort((x, y) => JSON.stringify(x, big).localeCompare(JSON.stringify(y, big)));
const big = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

describe("EVM sync of the two-wallet scenario on anvil", () => {
  test("records every movement and fee exactly", async () => {
    const c = sc.contracts;
    const m = sc.amounts;
    const native = `${CHAIN}:native`;
    const tka = `${CHAIN}:${c.token}`;
    const lp = `${CHAIN}:${c.pair}`;
    const weth = `${CHAIN}:${c.weth}`;
    const o = sc.accounts.outsider;
    const expected: Move[] = [
      { wallet: "a", tx: "ethIn", evidence: "native", asset: native, amount: m.ethIn, counterparty: o },
      { wallet: "a", tx: "ethAtoB", evidence: "native", asset: native, amount: -m.ethAtoB, counterparty: b },
      { wallet: "b", tx: "ethAtoB", evidence: "native", asset: native, amount: m.ethAtoB, counterparty: a },
      { wallet: "a", tx: "tokenIn", evidence: "erc20", asset: tka, amount: m.tokenIn, counterparty: o },
      { wallet: "a", tx: "tokenAtoB", evidence: "erc20", asset: tka, amount: -m.tokenAtoB, counterparty: b },
      { wallet: "b", tx: "tokenAtoB", evidence: "erc20", asset: tka, amount: m.tokenAtoB, counterparty: a },
      {
        wallet: "a",
        tx: "addLiquidity",
        evidence: "native",
        asset: native,
        amount: -m.liquidityEth,
        counterparty: c.router,
      },
      {
        wallet: "a",
        tx: "addLiquidity",
        evidence: "erc20",
        asset: tka,
        amount: -m.liquidityToken,
        counterparty: c.pair,
      },
      {
        wallet: "a",
        tx: "addLiquidity",
        evidence: "erc20",
        asset: lp,
        amount: m.lpMinted,
        counterparty: ZERO,
      },
      {
        wallet: "b",
        tx: "swapEthForTokens",
        evidence: "native",
        asset: native,
        amount: -m.swapEthIn,
        counterparty: c.router,
      },
      {
        wallet: "b",
        tx: "swapEthForTokens",
        evidence: "erc20",
        asset: tka,
        amount: m.swapTokensOut,
        counterparty: c.pair,
      },
      {
        wallet: "a",
        tx: "swapTokensForEth",
        evidence: "erc20",
        asset: tka,
        amount: -m.swapTokensIn,
        counterparty: c.pair,
      },
      {
        wallet: "a",
        tx: "swapTokensForEth",
        evidence: "internal",
        asset: native,
        amount: m.swapEthOut,
        counterparty: c.router,
      },
      {
        wallet: "a",
        tx: "removeLiquidity",
        evidence: "erc20",
        asset: lp,
        amount: -m.lpRemoved,
        counterparty: c.pair,
      },
      {
        wallet: "a",
        tx: "removeLiquidity",
        evidence: "erc20",
        asset: tka,
        amount: m.removedToken,
        counterparty: c.router,
      },
      {
        wallet: "a",
        tx: "removeLiquidity",
        evidence: "internal",
        asset: native,
        amount: m.removedEth,
        counterparty: c.router,
      },
      { wallet: "b", tx: "wrap", evidence: "native", asset: native, amount: -m.wrap, counterparty: c.weth },
      {
        wallet: "b",
        tx: "wrap",
        evidence: "weth_deposit",
        asset: weth,
        amount: m.wrap,
        counterparty: c.weth,
      },
      {
        wallet: "b",
        tx: "unwrap",
        evidence: "weth_withdrawal",
        asset: weth,
        amount: -m.unwrap,
        counterparty: c.weth,
      },
      {
        wallet: "b",
        tx: "unwrap",
        evidence: "internal",
        asset: native,
        amount: m.unwrap,
        counterparty: c.weth,
      },
      {
        wallet: "a",
        tx: "internalPayout",
        evidence: "internal",
        asset: native,
        amount: m.split / 2n,
        counterparty: c.forwarder,
      },
      {
        wallet: "b",
        tx: "internalPayout",
        evidence: "internal",
        asset: native,
        amount: m.split - m.split / 2n,
        counterparty: c.forwarder,
      },
      {
        wallet: "a",
        tx: "nftMint",
        evidence: "erc721",
        asset: `${CHAIN}:${c.nft}`,
        amount: 1n,
        counterparty: ZERO,
        tokenId: "1",
      },
      {
        wallet: "a",
        tx: "nftAtoB",
        evidence: "erc721",
        asset: `${CHAIN}:${c.nft}`,
        amount: -1n,
        counterparty: b,
        tokenId: "1",
      },
      {
        wallet: "b",
        tx: "nftAtoB",
        evidence: "erc721",
        asset: `${CHAIN}:${c.nft}`,
        amount: 1n,
        counterparty: a,
        tokenId: "1",
      },
      ...m.multiIds.map(
        (id, i): Move => ({
          wallet: "b",
          tx: "multiMint",
          evidence: "erc1155",
          asset: `${CHAIN}:${c.multi}`,
          amount: m.multiValues[i]!,
          counterparty: ZERO,
          tokenId: id.toString(),
        }),
      ),
      {
        wallet: "b",
        tx: "multiBtoA",
        evidence: "erc1155",
        asset: `${CHAIN}:${c.multi}`,
        amount: -m.multiBtoA,
        counterparty: a,
        tokenId: "1",
      },
      {
        wallet: "a",
        tx: "multiBtoA",
        evidence: "erc1155",
        asset: `${CHAIN}:${c.multi}`,
        amount: m.multiBtoA,
        counterparty: b,
        tokenId: "1",
      },
      {
        wallet: "a",
        tx: "bytes32In",
        evidence: "erc20",
        asset: `${CHAIN}:${c.bytes32Token}`,
        amount: m.bytes32In,
        counterparty: o,
      },
      {
        wallet: "a",
        tx: "revertingIn",
        evidence: "erc20",
        asset: `${CHAIN}:${c.revertingToken}`,
        amount: m.revertingIn,
        counterparty: o,
      },
      {
        wallet: "a",
        tx: "selfSend",
        evidence: "native",
        asset: native,
        amount: -m.selfSend,
        counterparty: a,
      },
      { wallet: "a", tx: "selfSend", evidence: "native", asset: native, amount: m.selfSend, counterparty: a },
      {
        wallet: "b",
        tx: "forwardBtoA",
        evidence: "native",
        asset: native,
        amount: -m.forwardBtoA,
        counterparty: c.forwarder,
      },
      {
        wallet: "a",
        tx: "forwardBtoA",
        evidence: "internal",
        asset: native,
        amount: m.forwardBtoA,
        counterparty: c.forwarder,
      },
    ];
    // Gas: every transaction a wallet sent, from the node's receipt (failed ones too).
    for (const [name, hash] of Object.entries(sc.txs) as [keyof ScenarioTxs, string][]) {
      const r = await rpcCall<{ from: string; gasUsed: string; effectiveGasPrice: string }>(
        anvil.url,
        "eth_getTransactionReceipt",
        [hash],
      );
      const sender = getAddress(r.from);
      if (sender !== a && sender !== b) continue;
      const fee = BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice);
      expected.push({
        wallet: sender === a ? "a" : "b",
        tx: name,
        evidence: "gas",
        asset: native,
        amount: -fee,
        counterparty: null,
      });
    }
    expect(sortMoves(await actualMoves(clean))).toEqual(sortMoves(expected));
  });

  test("movement sums equal each wallet's balance change on chain", async () => {
    const art = await loadArtifacts();
    const dev = createDevClient(anvil.url);
    const rows = await clean.database.db.select().from(movements);
    for (const addr of [a, b]) {
      const wid = clean.wallets.get(addr)!.id;
      const sum = (asset: string, tokenId?: string) =>
        rows
          .filter(
            (r) =>
              r.walletId === wid && r.asset === asset && (tokenId === undefined || r.tokenId === tokenId),
          )
          .reduce((s, r) => s + r.amount, 0n);
      const genesis = BigInt(await rpcCall<string>(anvil.url, "eth_getBalance", [addr, "0x0"]));
      const now = BigInt(await rpcCall<string>(anvil.url, "eth_getBalance", [addr, "latest"]));
      expect(sum(`${CHAIN}:native`)).toBe(now - genesis);
      const c = sc.contracts;
      for (const token of [c.token, c.pair, c.weth, c.bytes32Token, c.revertingToken]) {
        expect(sum(`${CHAIN}:${token}`)).toBe(
          await dev.call<bigint>(token, art.TestToken, "balanceOf", [addr]),
        );
      }
      expect(sum(`${CHAIN}:${c.nft}`)).toBe(await dev.call<bigint>(c.nft, art.TestNFT, "balanceOf", [addr]));
      for (const id of sc.amounts.multiIds) {
        expect(sum(`${CHAIN}:${c.multi}`, id.toString())).toBe(
          await dev.call<bigint>(c.multi, art.TestMulti, "balanceOf", [addr, id]),
        );
      }
    }
  });

  test("stores one transaction row per touching transaction, failed ones included", async () => {
    const names = new Map(Object.entries(sc.txs).map(([k, v]) => [v.toLowerCase(), k]));
    const rows = await clean.database.db.select().from(transactions);
    const of = (addr: string) =>
      rows
        .filter((r) => r.walletId === clean.wallets.get(addr)!.id)
        .map((r) => `${names.get(r.txHash)}:${r.status}`)
        .sort();
    expect(of(a)).toEqual(
      [
        "ethIn",
        "ethAtoB",
        "tokenIn",
        "tokenAtoB",
        "approveRouter",
        "addLiquidity",
        "swapTokensForEth",
        "approveLp",
        "removeLiquidity",
        "internalPayout",
        "revertedPayout",
        "nftMint",
        "nftAtoB",
        "multiBtoA",
        "bytes32In",
        "revertingIn",
        "selfSend",
        "forwardBtoA",
      ]
        .map((n) => `${n}:success`)
        .concat("failed:failed")
        .sort(),
    );
    expect(of(b)).toEqual(
      [
        "ethAtoB",
        "tokenAtoB",
        "swapEthForTokens",
        "wrap",
        "unwrap",
        "internalPayout",
        "nftAtoB",
        "multiMint",
        "multiBtoA",
        "forwardBtoA",
      ]
        .map((n) => `${n}:success`)
        .sort(),
    );
    const failed = rows.find((r) => r.txHash === sc.txs.failed.toLowerCase())!;
    expect(failed).toMatchObject({
      from: a,
      to: sc.contracts.forwarder,
      feePayer: a,
      final: true,
      method: "0xa9cc4718",
    });
    const snapA = cleanSnapshot.rawRecords.filter((r) => r.txHash === sc.txs.swapTokensForEth.toLowerCase());
    expect(snapA.map((r) => r.kind).sort()).toEqual(expect.arrayContaining(["receipt", "trace", "tx"]));
    // The receipt is stored whole: every log of the swap, for protocol decoders.
    const receipt = snapA.find((r) => r.kind === "receipt")!.data as {
      logs: { transactionHash: string; logIndex: string }[];
    };
    expect(receipt.logs.length).toBeGreaterThan(1);
    expect(receipt.logs.every((l) => l.transactionHash === sc.txs.swapTokensForEth.toLowerCase())).toBe(true);
  });

  test("token metadata: bytes32 symbols decoded, reverting metadata recorded as a problem", () => {
    const byAddress = new Map(cleanSnapshot.tokens.map((t) => [t.address, t]));
    expect(byAddress.get(sc.contracts.bytes32Token)).toMatchObject({
      symbol: "B32",
      name: "Bytes32 Token",
      decimals: 9,
      problem: null,
    });
    expect(byAddress.get(sc.contracts.revertingToken)).toMatchObject({
      symbol: null,
      decimals: null,
      problem: "symbol() reverted; name() reverted; decimals() reverted",
    });
    expect(byAddress.get(sc.contracts.token)).toMatchObject({
      symbol: "TKA",
      decimals: 18,
      standard: "erc20",
    });
    expect(byAddress.get(sc.contracts.pair)).toMatchObject({ symbol: "UNI-V2", decimals: 18 });
    expect(byAddress.get(sc.contracts.nft)).toMatchObject({ symbol: "TNFT", standard: "erc721" });
    expect(byAddress.get(sc.contracts.multi)).toMatchObject({ standard: "erc1155", problem: null });
  });

  test("an endpoint serving another chain is refused before anything is written", async () => {
    const wallet = { ...clean.wallets.get(a)!, chain: "ethereum" };
    const error = await syncEvmWallet({
      common: clean.common,
      database: clean.database,
      wallet,
      chain: resolveChain("ethereum"),
      rpcUrl: anvil.url,
      signal: new AbortController().signal,
      reportProgress: () => {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect((error as Error).message).toBe("the RPC endpoint for ethereum serves chain id 31337, not 1");
    expect(await snapshotRows(clean.database)).toEqual(cleanSnapshot);
  });

  test("a second sync changes nothing and calls the node only for the head", async () => {
    const [ra, rb] = await syncBoth(clean, anvil.url);
    for (const r of [ra, rb]) expect(r.rpcCalls).toBe(2); // eth_chainId + eth_blockNumber
    expect(await snapshotRows(clean.database)).toEqual(cleanSnapshot);
  });

  test("a full re-sync of final history is answered from the database caches", async () => {
    // Another user tracks the same addresses: no cursor, but the RPC and discovery caches apply.
    const other = await createEvmHarness({ addresses: [a, b], database: clean.database, user: "bob" });
    const before = await snapshotRows(clean.database);
    for (const addr of [a, b]) {
      const r = await other.sync(addr, anvil.url);
      expect(r.rpcCalls).toBe(2);
      expect(r.cacheHits).toBeGreaterThan(0);
    }
    const after = await snapshotRows(clean.database);
    const strip = (rows: Record<string, unknown>[], user: number) =>
      rows
        .filter((r) => String(r.wallet).startsWith(`${user}/`))
        .map((r) => ({ ...r, wallet: String(r.wallet).split("/")[1] }));
    expect(strip(after.movements, other.userId)).toEqual(strip(before.movements, clean.userId));
    expect(strip(after.transactions, other.userId)).toEqual(strip(before.transactions, clean.userId));
    expect(after.rawRecords).toEqual(before.rawRecords);
  });

  test("a sync killed halfway resumes to rows identical to a clean run", async () => {
    const h = await createEvmHarness({ addresses: [a, b] });
    try {
      const controller = new AbortController();
      let reports = 0;
      await expect(
        h.sync(a, anvil.url, {
          stepBlocks: 4,
          signal: controller.signal,
          onProgress: () => {
            if (++reports === 3) controller.abort(new Error("killed"));
          },
        }),
      ).rejects.toThrow("killed");
      const partial = await snapshotRows(h.database);
      expect(partial.transactions.length).toBeGreaterThan(0);
      expect(partial.transactions.length).toBeLessThan(
        cleanSnapshot.transactions.filter((t) => String(t.wallet).endsWith(a)).length,
      );
      await h.sync(a, anvil.url, { stepBlocks: 4 });
      await h.sync(b, anvil.url, { stepBlocks: 4 });
      const resumed = await snapshotRows(h.database);
      const { scans: _s1, ...rest } = resumed;
      const { scans: _s2, ...cleanRest } = cleanSnapshot;
      expect(rest).toEqual(cleanRest);
    } finally {
      await h.close();
    }
  });

  test("429s, timeouts, dropped connections and garbled answers leave the rows identical", async () => {
    const proxy = await startFaultProxy(anvil.url, {
      status429: 3,
      status503: 2,
      timeouts: 2,
      holdMs: 1000,
      drops: 3,
      garbled: 2,
      every: 2,
    });
    const h = await createEvmHarness({ addresses: [a, b] });
    try {
      await syncBoth(h, proxy.url, { timeoutMs: 300, maxAttempts: 8, maxBatch: 10 });
      expect(proxy.injected).toEqual({ status429: 3, status503: 2, timeouts: 2, drops: 3, garbled: 2 });
      expect(await snapshotRows(h.database)).toEqual(cleanSnapshot);
    } finally {
      await h.close();
      await proxy.close();
    }
  });

  test("eth_getLogs and trace_filter ranges shrink on refusals and grow after successes", async () => {
    const proxy = await startFaultProxy(anvil.url, { maxRange: 4, rangeStyles: ["results"] });
    const h = await createEvmHarness({ addresses: [a, b] });
    try {
      await syncBoth(h, proxy.url);
      const { scans: _s, ...rows } = await snapshotRows(h.database);
      const { scans: _c, ...cleanRows } = cleanSnapshot;
      expect(rows).toEqual(cleanRows);
      const ranges = proxy.calls
        .filter((c) => c.method === "eth_getLogs")
        .map((c) => {
          const f = c.params[0] as { fromBlock: string; toBlock: string };
          return {
            size: Number(BigInt(f.toBlock) - BigInt(f.fromBlock)) + 1,
            refused: c.refused === "range",
          };
        });
      expect(ranges.some((r) => r.refused)).toBe(true);
      expect(ranges.filter((r) => !r.refused).every((r) => r.size <= 4)).toBe(true);
      // After a success the next range is larger (growth), then shrinks again when refused.
      const grew = ranges.some((r, i) => i > 0 && !ranges[i - 1]!.refused && r.size > ranges[i - 1]!.size);
      expect(grew).toBe(true);
    } finally {
      await h.close();
      await proxy.close();
    }
  });

  test("ranges follow a provider's stated limit and suggested range", async () => {
    const proxy = await startFaultProxy(anvil.url, { maxRange: 5, rangeStyles: ["quicknode", "alchemy"] });
    const h = await createEvmHarness({ addresses: [a] });
    try {
      await h.sync(a, proxy.url);
      const size = (c: (typeof proxy.calls)[number]) => {
        const f = c.params[0] as { fromBlock: string; toBlock: string };
        return Number(BigInt(f.toBlock) - BigInt(f.fromBlock)) + 1;
      };
      const ranged = proxy.calls.filter((c) => c.method === "eth_getLogs" || c.method === "trace_filter");
      const refused = ranged.filter((c) => c.refused);
      // Only the first, full-range attempt of each parallel query is refused: the stated limit or
      // the suggested range is then respected for the rest of the run.
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((c) => size(c) === 34)).toBe(true);
      expect(ranged.filter((c) => !c.refused).every((c) => size(c) <= 5)).toBe(true);
      const rows = await snapshotRows(h.database);
      expect(rows.movements).toEqual(cleanSnapshot.movements.filter((m) => String(m.wallet).endsWith(a)));
    } finally {
      await h.close();
      await proxy.close();
    }
  });

  test("a node without trace_* (geth-style) gives identical movements via debug_traceBlockByNumber", async () => {
    const proxy = await startFaultProxy(anvil.url, {
      unsupported: ["trace_filter", "trace_transaction", "trace_block"],
    });
    const h = await createEvmHarness({ addresses: [a, b] });
    try {
      await syncBoth(h, proxy.url);
      const rows = await snapshotRows(h.database);
      expect(rows.movements).toEqual(cleanSnapshot.movements);
      expect(rows.transactions).toEqual(cleanSnapshot.transactions);
      expect(proxy.calls.some((c) => c.method === "debug_traceBlockByNumber")).toBe(true);
      expect(rows.rawRecords.some((r) => r.kind === "call_trace")).toBe(true);
    } finally {
      await h.close();
      await proxy.close();
    }
  });

  test("a node without any trace method records everything but internal transfers", async () => {
    const proxy = await startFaultProxy(anvil.url, {
      unsupported: [
        "trace_filter",
        "trace_transaction",
        "debug_traceBlockByNumber",
        "debug_traceTransaction",
      ],
    });
    const h = await createEvmHarness({ addresses: [a, b] });
    try {
      await syncBoth(h, proxy.url);
      const rows = await snapshotRows(h.database);
      // Also unverifiable without traces: a Withdrawal from a WETH the registry does not know
      // (the ETH it pays out is an internal transfer), see chains/evm/README.md.
      const withoutInternal = cleanSnapshot.movements.filter(
        (m) => m.evidence !== "internal" && m.evidence !== "weth_withdrawal",
      );
      // Transactions found only through an internal transfer are invisible without traces.
      const hashes = new Set(rows.transactions.map((t) => `${t.wallet}/${t.txHash}`));
      expect(rows.movements).toEqual(withoutInternal.filter((m) => hashes.has(`${m.wallet}/${m.txHash}`)));
      expect(rows.movements.some((m) => m.evidence === "internal")).toBe(false);
      expect(rows.transactions.some((t) => t.txHash === sc.txs.internalPayout.toLowerCase())).toBe(false);
    } finally {
      await h.close();
      await proxy.close();
    }
  });

  test("the explorer accelerator pages by block; amounts still come from receipts and traces", async () => {
    const explorer = await startFakeExplorer({
      rpcUrl: anvil.url,
      chainId: 31337,
      apiKey: "secret-key-123",
      rateLimited: 1,
    });
    // trace_filter refused: discovery of calls must come from the explorer.
    const proxy = await startFaultProxy(anvil.url, { unsupported: ["trace_filter"] });
    const h = await createEvmHarness({ addresses: [a, b] });
    try {
      const options = {
        explorer: { url: explorer.url, apiKey: "secret-key-123" },
        explorerPageSize: 3,
        explorerMinIntervalMs: 0,
      };
      await syncBoth(h, proxy.url, options);
      const rows = await snapshotRows(h.database);
      expect(rows.movements).toEqual(cleanSnapshot.movements);
      expect(rows.transactions).toEqual(cleanSnapshot.transactions);
      expect(proxy.calls.some((c) => c.method === "trace_filter")).toBe(false);
      const txlist = explorer.requests.filter((r) => r.action === "txlist");
      expect(txlist.length).toBeGreaterThan(3); // paged: 3 rows per answer
      // Block-cursor paging: each page starts at the previous page's last block.
      expect(new Set(txlist.map((r) => r.startblock)).size).toBeGreaterThan(2);
      expect(rows.scans.some((s) => s.source === "explorer")).toBe(true);
    } finally {
      await h.close();
      await proxy.close();
      await explorer.close();
    }
  });
});
