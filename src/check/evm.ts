import { eq, sql } from "drizzle-orm";
import { getAddress } from "viem";
import { countUnindexedTransfers, findMulticall3, readEvmBalances } from "../../chains/evm/balances.ts";
import { getBlockHeaders } from "../../chains/evm/rpc.ts";
import type { EvmCursor } from "../../chains/evm/sync.ts";
import { ensureTokens, type TokenStandard } from "../../chains/evm/tokens.ts";
import { walletKey } from "../../chains/registry.ts";
import { getCursor } from "../../chains/store.ts";
import type { RpcTransport } from "../../chains/transport.ts";
import type { ChainInfo, WalletRef } from "../../chains/types.ts";
import type { DbOrTx } from "../../db/client.ts";
import { transactions } from "../../db/schema/index.ts";
import { fromRaw } from "../utils/decimal.ts";
import { indexedAssets } from "./books.ts";
import { type AssetRead, type CompareDeps, compareWallet } from "./compare.ts";
import type { Cause, WalletCheck } from "./types.ts";

/**
 * The balance check of one EVM wallet: the chain's balances at the wallet's synced (final) block,
 * read with `eth_getBalance` / `balanceOf` through Multicall3 where the chain has it, against the
 * indexed movements and the ledger; differences get the causes the chain itself can show.
 */

const assetAddress = (chainAsset: string) => chainAsset.slice(chainAsset.lastIndexOf(":") + 1);

export type EvmCheckArgs = CompareDeps & {
  db: DbOrTx;
  userId: number;
  wallet: WalletRef;
  chain: ChainInfo;
  rpc: RpcTransport;
  /** Token contracts to read even without movements (configured assets on this chain). */
  extraTokens?: readonly string[];
  /** Chain asset ids known to rebase (registry + configuration). */
  rebasing?: ReadonlySet<string>;
};

export const checkEvmWallet = async (args: EvmCheckArgs): Promise<WalletCheck> => {
  const { db, wallet, chain, rpc } = args;
  const address = getAddress(wallet.address);
  const key = walletKey(chain.id, address);
  const base = { wallet: key, chain: chain.id, address, assets: [], differences: 0 };
  const cursor = await getCursor<EvmCursor>(db, wallet.id, "evm:calls");
  if (!cursor) {
    // A sync that found transactions but no final block yet (a chain younger than its finality
    // depth, a local node run under a mainnet's chain id) wrote rows and no cursor: say why.
    const [stored] = await db
      .select({ one: sql<number>`1` })
      .from(transactions)
      .where(eq(transactions.walletId, wallet.id))
      .limit(1);
    return {
      ...base,
      skipped: stored
        ? `no final block synced yet: every synced block is within ${chain.name}'s finality depth (${chain.finalityDepth} blocks; finality.${chain.id} in the configuration sets it); the check runs at the final block`
        : "not synced yet (lotwise sync)",
    };
  }
  const height = BigInt(cursor.finalTo);
  if (height < 0n) return { ...base, skipped: "no final block synced yet" };
  const header = (await getBlockHeaders(rpc, [height], { safe: height })).get(height)!;
  const time = new Date(Number(BigInt(header.timestamp)) * 1000);

  // ERC-1155 balances need a token id per call; they are left out (see docs).
  const indexed = (await indexedAssets(db, wallet.id, height)).filter((a) => !a.evidence.includes("erc1155"));
  const nativeId = `${chain.id}:native`;
  const byId = new Map(indexed.map((a) => [a.chainAsset, a]));
  const tokenIds = new Set(indexed.map((a) => a.chainAsset).filter((id) => id !== nativeId));
  for (const t of args.extraTokens ?? []) tokenIds.add(`${chain.id}:${getAddress(t)}`);
  const tokens = [...tokenIds].map(assetAddress);

  // Decimals of tokens the wallet never moved (configured ones): from the token cache or the chain.
  const unknown = tokens.filter((t) => !byId.has(`${chain.id}:${t}`));
  const meta = unknown.length
    ? await ensureTokens({
        db,
        rpc,
        chain: chain.id,
        wanted: new Map(unknown.map((t) => [t, "erc20" as TokenStandard])),
      })
    : new Map();

  const multicall = await findMulticall3(rpc, chain, height);
  const balances = await readEvmBalances({ rpc, address, block: height, tokens, multicall });

  const noTraces = cursor.traceMethod === "none" || cursor.callsMode === "block_txs";
  const reads: AssetRead[] = [];
  const gapOf = new Map<string, bigint>();
  for (const id of [nativeId, ...tokenIds]) {
    const ix = byId.get(id);
    const isNative = id === nativeId;
    const decimals = isNative
      ? chain.nativeDecimals
      : (ix?.decimals ?? meta.get(assetAddress(id))?.decimals ?? null);
    const raw = isNative ? balances.native : balances.tokens.get(assetAddress(id));
    if (raw === undefined) {
      reads.push({
        chainAsset: id,
        symbol: ix?.symbol ?? null,
        decimals,
        chainRaw: undefined,
        indexedRaw: ix?.sum ?? 0n,
        indexGap: [],
      });
      continue;
    }
    const indexedRaw = ix?.sum ?? 0n;
    gapOf.set(id, raw - indexedRaw);
    reads.push({
      chainAsset: id,
      symbol: ix?.symbol ?? meta.get(assetAddress(id))?.symbol ?? null,
      decimals,
      chainRaw: raw,
      indexedRaw,
      indexGap: [],
    });
  }

  // Causes of chain ≠ indexed, per chain asset, from what the chain shows.
  const rebasingProbe = reads.filter((r) => {
    const gap = gapOf.get(r.chainAsset) ?? 0n;
    const ix = byId.get(r.chainAsset);
    return gap !== 0n && r.chainAsset !== nativeId && ix && ix.movements > 0;
  });
  const atLast = new Map<string, bigint | undefined>();
  for (const block of new Set(rebasingProbe.map((r) => byId.get(r.chainAsset)!.lastBlock))) {
    const group = rebasingProbe.filter((r) => byId.get(r.chainAsset)!.lastBlock === block);
    const mc = await findMulticall3(rpc, chain, block);
    const then = await readEvmBalances({
      rpc,
      address,
      block,
      tokens: group.map((r) => assetAddress(r.chainAsset)),
      multicall: mc,
    });
    for (const r of group) atLast.set(r.chainAsset, then.tokens.get(assetAddress(r.chainAsset)));
  }
  // What the wallet held just before its history scan started (`--from-block`, the explorer's first
  // transaction, the state search): a scan that started after the wallet's first activity misses
  // it. Read only when a difference remains and the scan did not start at genesis.
  const startBlock = cursor.start ? BigInt(cursor.start.block) : 0n;
  const beforeStart = new Map<string, bigint>();
  const differing = reads.filter((r) => (gapOf.get(r.chainAsset) ?? 0n) !== 0n && r.chainRaw !== undefined);
  if (startBlock > 0n && differing.length > 0) {
    const block = startBlock - 1n;
    const then = await readEvmBalances({
      rpc,
      address,
      block,
      tokens: differing.filter((r) => r.chainAsset !== nativeId).map((r) => assetAddress(r.chainAsset)),
      multicall: await findMulticall3(rpc, chain, block),
    }).catch(() => undefined);
    for (const r of differing) {
      const raw = r.chainAsset === nativeId ? then?.native : then?.tokens.get(assetAddress(r.chainAsset));
      if (raw) beforeStart.set(r.chainAsset, raw);
    }
  }
  for (const r of reads) {
    let gap = gapOf.get(r.chainAsset) ?? 0n;
    if (gap === 0n || r.chainRaw === undefined) continue;
    const causes: Cause[] = r.indexGap;
    const held = beforeStart.get(r.chainAsset);
    if (held) {
      const h = fromRaw(held, r.decimals ?? 0).toFixed();
      causes.push({
        code: "history_gap",
        amount: h,
        message: `the address already held ${h} ${r.chainAsset === nativeId ? chain.nativeSymbol : (r.symbol ?? r.chainAsset)} at block ${startBlock - 1n}, before its history scan started at block ${startBlock} (${cursor.start!.reason}): transactions before it are not indexed`,
      });
      gap -= held;
      if (gap === 0n) continue;
    }
    const units = fromRaw(gap, r.decimals ?? 0);
    const amount = units.toFixed();
    const label = r.symbol ?? r.chainAsset;
    if (r.chainAsset === nativeId) {
      // A genesis allocation (dev chains, early mainnet sales) is a balance no transaction shows.
      const genesis = (await readEvmBalances({ rpc, address, block: 0n, tokens: [] }).catch(() => undefined))
        ?.native;
      let rest = gap;
      if (genesis !== undefined && genesis !== 0n && chain.local) {
        // A local dev chain pre-funds its accounts: a known opening balance, not an acquisition.
        // Exactly the block-0 balance is recognized; anything else stays a difference.
        const g = fromRaw(genesis, chain.nativeDecimals).toFixed();
        r.openingRaw = genesis;
        causes.push({
          code: "opening_balance",
          amount: g,
          message: `the local dev chain pre-funded the address with ${g} ${chain.nativeSymbol} at genesis (block 0): a known opening balance, kept out of the ledger (no acquisition, no basis)`,
        });
        rest = gap - genesis;
        if (rest === 0n) continue;
      } else if (genesis !== undefined && genesis !== 0n && genesis === gap) {
        causes.push({
          code: "history_gap",
          amount,
          message: `the address was given ${units.toFixed()} ${chain.nativeSymbol} at genesis (block 0), which no transaction shows`,
        });
        continue;
      }
      const restUnits = fromRaw(rest, chain.nativeDecimals).toFixed();
      causes.push(
        noTraces
          ? {
              code: "no_traces",
              amount: restUnits,
              message:
                `the node has no trace method (discovery: ${cursor.callsMode ?? "unknown"}, traces: ${cursor.traceMethod ?? "unknown"}): ` +
                `internal ${chain.nativeSymbol} transfers of ${restUnits} were not seen; use a tracing node or an explorer`,
            }
          : {
              code: "unknown",
              amount: restUnits,
              message: `the ${chain.nativeSymbol} balance differs from the indexed movements by ${restUnits}`,
            },
      );
      continue;
    }
    const ix = byId.get(r.chainAsset);
    const then = atLast.get(r.chainAsset);
    if (args.rebasing?.has(r.chainAsset) || (ix && then !== undefined && then === ix.sum)) {
      causes.push({
        code: "rebasing",
        amount,
        message: ix
          ? `${label}'s balance changed by ${units.toFixed()} after block ${ix.lastBlock} with no Transfer event: a rebasing or interest-bearing token`
          : `${label} is a rebasing token: its balance changes with no Transfer event`,
      });
      continue;
    }
    const unindexed = await countUnindexedTransfers({
      rpc,
      token: assetAddress(r.chainAsset),
      address,
      fromBlock: 0n,
      toBlock: height,
    });
    if (unindexed) {
      causes.push({
        code: "unindexed_transfer",
        amount,
        message: `${label} logs ${unindexed} Transfer event(s) naming this wallet without indexed addresses: lotwise's topic filters cannot find them`,
      });
      continue;
    }
    causes.push({
      code: "unknown",
      amount,
      message: `the ${label} balance differs from the indexed movements by ${units.toFixed()}`,
    });
  }

  return compareWallet(args, {
    ...base,
    walletId: wallet.id,
    height,
    time,
    method: balances.method,
    reads,
  });
};
