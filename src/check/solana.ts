import { and, asc, eq, sql } from "drizzle-orm";
import { walletKey } from "../../chains/registry.ts";
import { SOL_DECIMALS, WSOL_MINT } from "../../chains/solana/normalize.ts";
import {
  accountKeysOf,
  type SolanaTransactionResponse,
  type TokenBalance,
} from "../../chains/solana/tx-json.ts";
import { getRawRecords } from "../../chains/store.ts";
import type { ChainInfo, WalletRef } from "../../chains/types.ts";
import { movements, solanaTokenAccounts, transactions } from "../../db/schema/index.ts";
import { STAKING_REWARD_EVIDENCE } from "../classify/decoders/rebase/decoder.ts";
import { fromRaw } from "../utils/decimal.ts";
import { indexedAssets } from "./books.ts";
import { type AssetRead, type CompareDeps, compareWallet } from "./compare.ts";
import type { Cause, WalletCheck } from "./types.ts";

/**
 * The balance check of one Solana wallet, at the slot of its newest synced transaction. Solana
 * nodes cannot answer "balance at slot N", but every transaction records the balances it left:
 * the chain's balance of each of the wallet's accounts (the wallet and its token accounts) is the
 * post-balance of the newest stored transaction that touched it. SOL = the lamports of the wallet
 * and its token accounts (rent and wrapped SOL included, as the movements count them); each mint
 * = the token amounts of its accounts. Walking the transactions in order also shows where a
 * balance changed between two stored transactions (`history_gap`: a transaction the sync missed,
 * or history before the first stored one). Staking rewards (`staking_reward` movements) are
 * credited to the wallet's stake accounts, which no transaction of the wallet shows: they are
 * added to the chain's SOL as the node reported them (`getInflationReward`).
 */

type AccountState = { post: bigint; slot: bigint; signature: string };
type Gap = {
  account: string;
  asset: string;
  amount: bigint;
  afterSlot: bigint | undefined;
  beforeSlot: bigint;
};

export const checkSolanaWallet = async (
  args: CompareDeps & { wallet: WalletRef; chain: ChainInfo },
): Promise<WalletCheck> => {
  const { db, wallet, chain } = args;
  const me = wallet.address;
  const key = walletKey(chain.id, me);
  const base = { wallet: key, chain: chain.id, address: me, assets: [], differences: 0 };
  const txs = await db
    .select({ txHash: transactions.txHash, slot: transactions.blockNumber, time: transactions.time })
    .from(transactions)
    .where(eq(transactions.walletId, wallet.id))
    .orderBy(asc(transactions.blockNumber), asc(transactions.txHash));
  if (txs.length === 0) return { ...base, skipped: "no synced transactions yet (lotwise sync)" };
  const known = new Set(
    (
      await db
        .select({ address: solanaTokenAccounts.address })
        .from(solanaTokenAccounts)
        .where(eq(solanaTokenAccounts.walletId, wallet.id))
    ).map((r) => r.address),
  );

  const raw = (await getRawRecords(db, {
    chain: chain.id,
    kind: "solana_tx",
    index: -1,
    hashes: txs.map((t) => t.txHash),
  })) as Map<string, SolanaTransactionResponse>;

  // Per account: lamports; per (token account): token amount of its mint. Walk in slot order.
  const lamports = new Map<string, AccountState>();
  const tokens = new Map<string, AccountState & { mint: string; decimals: number }>();
  const gaps: Gap[] = [];
  const step = <S extends AccountState>(
    states: Map<string, S>,
    account: string,
    asset: string,
    pre: bigint,
    next: S,
  ) => {
    const last = states.get(account);
    const before = last?.post ?? 0n;
    if (pre !== before) {
      gaps.push({ account, asset, amount: pre - before, afterSlot: last?.slot, beforeSlot: next.slot });
    }
    states.set(account, next);
  };
  for (const t of txs) {
    const tx = raw.get(t.txHash);
    if (!tx?.meta) continue;
    const keys = accountKeysOf(tx);
    const owned = new Set<number>();
    const isMine = (b: TokenBalance) =>
      b.owner === me || (b.owner === undefined && known.has(keys[b.accountIndex]!));
    const preTok = new Map<number, TokenBalance>();
    const postTok = new Map<number, TokenBalance>();
    for (const [list, into] of [
      [tx.meta.preTokenBalances ?? [], preTok],
      [tx.meta.postTokenBalances ?? [], postTok],
    ] as const) {
      for (const b of list) {
        if (!isMine(b)) continue;
        owned.add(b.accountIndex);
        into.set(b.accountIndex, b);
      }
    }
    const walletIndex = keys.indexOf(me);
    const lamportIndexes = [...(walletIndex >= 0 ? [walletIndex] : []), ...owned];
    for (const i of lamportIndexes) {
      const pre = BigInt(tx.meta.preBalances[i] ?? 0);
      const post = BigInt(tx.meta.postBalances[i] ?? 0);
      step(lamports, keys[i]!, "SOL", pre, { post, slot: t.slot, signature: t.txHash });
    }
    for (const i of owned) {
      const b = postTok.get(i) ?? preTok.get(i)!;
      if (b.mint === WSOL_MINT) continue; // its lamports are counted above
      const pre = BigInt(preTok.get(i)?.uiTokenAmount.amount ?? "0");
      const post = BigInt(postTok.get(i)?.uiTokenAmount.amount ?? "0");
      step(tokens, `${keys[i]}:${b.mint}`, b.mint, pre, {
        post,
        slot: t.slot,
        signature: t.txHash,
        mint: b.mint,
        decimals: b.uiTokenAmount.decimals,
      });
    }
  }
  const newest = txs[txs.length - 1]!;
  const height = newest.slot;

  const chainRaw = new Map<string, bigint>();
  const decimalsOf = new Map<string, number>();
  const solId = `${chain.id}:native`;
  // Inflation rewards sit in the wallet's stake accounts (no transaction moves them): they are
  // the wallet's, so its SOL on the chain counts them (from getInflationReward, per epoch).
  const [rewarded] = await db
    .select({ sum: sql<string | null>`sum(${movements.amount})::text` })
    .from(movements)
    .where(
      and(
        eq(movements.walletId, wallet.id),
        eq(movements.evidence, STAKING_REWARD_EVIDENCE),
        sql`${movements.blockNumber} <= ${height.toString()}`,
      ),
    );
  chainRaw.set(solId, [...lamports.values()].reduce((s, a) => s + a.post, 0n) + BigInt(rewarded?.sum ?? "0"));
  decimalsOf.set(solId, SOL_DECIMALS);
  for (const t of tokens.values()) {
    const id = `${chain.id}:${t.mint}`;
    chainRaw.set(id, (chainRaw.get(id) ?? 0n) + t.post);
    decimalsOf.set(id, t.decimals);
  }
  const indexed = new Map((await indexedAssets(db, wallet.id, height)).map((a) => [a.chainAsset, a]));
  const reads: AssetRead[] = [];
  for (const id of new Set([...chainRaw.keys(), ...indexed.keys()])) {
    const ix = indexed.get(id);
    const decimals = decimalsOf.get(id) ?? ix?.decimals ?? null;
    const causes: Cause[] = [];
    const asset = id === solId ? "SOL" : id.slice(chain.id.length + 1);
    const assetGaps = gaps.filter((g) => g.asset === asset);
    const chainValue = chainRaw.get(id) ?? 0n;
    if (chainValue !== (ix?.sum ?? 0n) && assetGaps.length > 0) {
      for (const g of assetGaps.slice(0, 5)) {
        const units = fromRaw(g.amount, decimals ?? 0).toFixed();
        causes.push({
          code: "history_gap",
          amount: units,
          message:
            g.afterSlot === undefined
              ? `account ${g.account} already held ${units} before its first synced transaction (slot ${g.beforeSlot}): earlier history is missing`
              : `account ${g.account} changed by ${units} between slots ${g.afterSlot} and ${g.beforeSlot} with no synced transaction`,
        });
      }
    } else if (chainValue !== (ix?.sum ?? 0n)) {
      causes.push({
        code: "unknown",
        amount: fromRaw(chainValue - (ix?.sum ?? 0n), decimals ?? 0).toFixed(),
        message: "the post-balances differ from the indexed movements",
      });
    }
    reads.push({
      chainAsset: id,
      symbol: ix?.symbol ?? (id === solId ? "SOL" : null),
      decimals,
      chainRaw: chainValue,
      indexedRaw: ix?.sum ?? 0n,
      indexGap: causes,
    });
  }
  return compareWallet(args, {
    wallet: key,
    chain: chain.id,
    address: me,
    walletId: wallet.id,
    height,
    time: newest.time,
    method: "post-balances",
    reads,
  });
};
