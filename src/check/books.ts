import { and, eq, gt, inArray, or, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { classifications, ledgerRows, movements, reviewItems, transactions } from "../../db/schema/index.ts";
import { nftCollectionOf } from "../assets/nft.ts";
import { POSITION_PROTOCOLS } from "../classify/decoders/position.ts";
import { Decimal } from "../utils/decimal.ts";

/**
 * What lotwise's own records say about one wallet: the indexed movements per chain asset and the
 * ledger's holdings per canonical asset (an NFT's token ids under their collection), both up to a height, and the transactions that explain a
 * difference between them (spam, waiting for review, moved into a position account).
 */

/** Σ of a wallet's movements per chain asset, up to `height` (block / slot). */
export type IndexedAsset = {
  chainAsset: string;
  symbol: string | null;
  decimals: number | null;
  /** Raw units. */
  sum: bigint;
  movements: number;
  /** Highest block with a movement of the asset (≤ height). */
  lastBlock: bigint;
  /** Evidence kinds seen (`erc20`, `native`, `erc721`, …). */
  evidence: string[];
};

export const indexedAssets = async (
  db: DbOrTx,
  walletId: number,
  height: bigint,
): Promise<IndexedAsset[]> => {
  const rows = await db
    .select({
      chainAsset: movements.asset,
      symbol: sql<string | null>`max(${movements.symbol})`,
      decimals: sql<number | null>`max(${movements.decimals})`,
      sum: sql<string>`sum(${movements.amount})::text`,
      count: sql<number>`count(*)::int`,
      lastBlock: sql<string>`max(${movements.blockNumber})::text`,
      evidence: sql<string[]>`array_agg(distinct ${movements.evidence})`,
    })
    .from(movements)
    .where(and(eq(movements.walletId, walletId), sql`${movements.blockNumber} <= ${height.toString()}`))
    .groupBy(movements.asset);
  return rows.map((r) => ({
    chainAsset: r.chainAsset,
    symbol: r.symbol,
    decimals: r.decimals === null ? null : Number(r.decimals),
    sum: BigInt(r.sum),
    movements: Number(r.count),
    lastBlock: BigInt(r.lastBlock),
    evidence: r.evidence,
  }));
};

/**
 * The ledger's holding per asset in the wallet `walletKey`: + what comes in (buy, swap, income,
 * transfers to it), − what goes out and fees paid from it. Rows of transactions above `height`
 * (not final when the balances were read) are left out. `byTx` is each transaction's effect
 * (`<chain>:<hash>`), fees included, to tell which of its movements have no ledger row: fees count
 * on both sides, because a row's fee may hold value movements too (a cost paid to a third party
 * inside a trade, a bridge's gap).
 */
export const ledgerHoldings = async (
  db: DbOrTx,
  args: { userId: number; walletId: number; chain: string; walletKey: string; height: bigint },
): Promise<{ holdings: Map<string, Decimal>; byTx: Map<string, Map<string, Decimal>> }> => {
  const later = await db
    .select({ txHash: transactions.txHash })
    .from(transactions)
    .where(and(eq(transactions.walletId, args.walletId), gt(transactions.blockNumber, args.height)));
  const skip = new Set(later.map((t) => `${args.chain}:${t.txHash}:`));
  const rows = await db
    .select({
      id: ledgerRows.id,
      wallet: ledgerRows.wallet,
      toWallet: ledgerRows.toWallet,
      type: ledgerRows.type,
      outAsset: ledgerRows.outAsset,
      outQuantity: ledgerRows.outQuantity,
      inAsset: ledgerRows.inAsset,
      inQuantity: ledgerRows.inQuantity,
      feeAsset: ledgerRows.feeAsset,
      feeQuantity: ledgerRows.feeQuantity,
    })
    .from(ledgerRows)
    .where(
      and(
        eq(ledgerRows.userId, args.userId),
        or(eq(ledgerRows.wallet, args.walletKey), eq(ledgerRows.toWallet, args.walletKey)),
      ),
    );
  const holdings = new Map<string, Decimal>();
  const byTx = new Map<string, Map<string, Decimal>>();
  // An NFT's token ids count toward their collection, as the chain's balanceOf does.
  const add = (into: Map<string, Decimal>, token: string | null, q: string | null, sign: 1 | -1) => {
    if (!token || !q) return;
    const asset = nftCollectionOf(token);
    into.set(asset, (into.get(asset) ?? new Decimal(0)).add(sign === 1 ? q : new Decimal(q).neg()));
  };
  for (const r of rows) {
    const i = r.id.lastIndexOf(":");
    const tx = i > 0 ? r.id.slice(0, i) : r.id;
    if (skip.has(`${tx}:`)) continue;
    const effect = byTx.get(tx) ?? new Map<string, Decimal>();
    byTx.set(tx, effect);
    for (const into of [holdings, effect]) {
      if (r.wallet === args.walletKey) {
        add(into, r.outAsset, r.outQuantity, -1);
        add(into, r.inAsset, r.inQuantity, 1);
      }
      if (r.type === "transfer" && r.toWallet === args.walletKey) add(into, r.outAsset, r.outQuantity, 1);
    }
    if (r.wallet === args.walletKey)
      for (const into of [holdings, effect]) add(into, r.feeAsset, r.feeQuantity, -1);
  }
  return { holdings, byTx };
};

/** One wallet movement sum per (chain asset, transaction), raw units, fees included. */
export type TxMoves = { chainAsset: string; txHash: string; sum: bigint }[];

/**
 * The wallet's movements (fees included) up to `height`, summed per transaction and chain
 * asset, in transactions the ledger may leave (partly) out: classified `spam` or `ignored`
 * (`excluded`), with an open review item (`unreviewed`: waiting for a decision), or decoded into
 * a protocol position whose receipt token is no lot (`position`: Aave, Lido, Uniswap V2 decoders).
 * The caller subtracts each transaction's ledger effect to size what is really missing.
 */
export const explainedMoves = async (
  db: DbOrTx,
  args: { userId: number; walletId: number; chain: string; height: bigint },
): Promise<{ excluded: TxMoves; unreviewed: TxMoves; position: TxMoves; deferred: TxMoves }> => {
  // Fees included, as in the ledger side (`ledgerHoldings`' byTx): a cost the trade paid a third
  // party is a value movement on the chain and part of the fee in the ledger.
  const base = and(
    eq(movements.walletId, args.walletId),
    eq(movements.chain, args.chain),
    sql`${movements.blockNumber} <= ${args.height.toString()}`,
  );
  const pick = {
    chainAsset: movements.asset,
    txHash: movements.txHash,
    sum: sql<string>`sum(${movements.amount})::text`,
  };
  const classified = and(
    eq(classifications.userId, args.userId),
    eq(classifications.chain, movements.chain),
    eq(classifications.txHash, movements.txHash),
  );
  const toMoves = (rows: { chainAsset: string; txHash: string; sum: string }[]): TxMoves =>
    rows.map((r) => ({ chainAsset: r.chainAsset, txHash: r.txHash, sum: BigInt(r.sum) }));
  const excluded = await db
    .select(pick)
    .from(movements)
    .innerJoin(classifications, classified)
    .where(and(base, inArray(classifications.kind, ["spam", "ignored"])))
    .groupBy(movements.asset, movements.txHash);
  const unreviewed = await db
    .select(pick)
    .from(movements)
    .where(
      and(
        base,
        sql`exists (select 1 from ${reviewItems} where ${reviewItems.userId} = ${args.userId} and ${reviewItems.chain} = ${movements.chain} and ${reviewItems.txHash} = ${movements.txHash} and ${reviewItems.status} = 'open')`,
      ),
    )
    .groupBy(movements.asset, movements.txHash);
  const position = await db
    .select(pick)
    .from(movements)
    .innerJoin(classifications, classified)
    .where(
      and(
        base,
        or(...POSITION_PROTOCOLS.map((p) => sql`${classifications.source} like ${`decoder:${p}:%`}`)),
      ),
    )
    .groupBy(movements.asset, movements.txHash);
  const deferred = await db
    .select(pick)
    .from(movements)
    .innerJoin(classifications, classified)
    .where(and(base, sql`${classifications.source} like 'decoder:rebase:deferred%'`))
    .groupBy(movements.asset, movements.txHash);
  return {
    excluded: toMoves(excluded),
    unreviewed: toMoves(unreviewed),
    position: toMoves(position),
    deferred: toMoves(deferred),
  };
};
