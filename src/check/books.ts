import { and, eq, gt, inArray, or, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { classifications, ledgerRows, movements, reviewItems, transactions } from "../../db/schema/index.ts";
import { Decimal } from "../utils/decimal.ts";

/**
 * What lotwise's own records say about one wallet: the indexed movements per chain asset and the
 * ledger's holdings per canonical asset, both up to a height, and the transactions that explain a
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
 * (not final when the balances were read) are left out.
 */
export const ledgerHoldings = async (
  db: DbOrTx,
  args: { userId: number; walletId: number; chain: string; walletKey: string; height: bigint },
): Promise<Map<string, Decimal>> => {
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
  const out = new Map<string, Decimal>();
  const add = (asset: string | null, q: string | null, sign: 1 | -1) => {
    if (!asset || !q) return;
    out.set(asset, (out.get(asset) ?? new Decimal(0)).add(sign === 1 ? q : new Decimal(q).neg()));
  };
  for (const r of rows) {
    const i = r.id.lastIndexOf(":");
    if (i > 0 && skip.has(r.id.slice(0, i + 1))) continue;
    if (r.wallet === args.walletKey) {
      add(r.outAsset, r.outQuantity, -1);
      add(r.inAsset, r.inQuantity, 1);
      add(r.feeAsset, r.feeQuantity, -1);
    }
    if (r.type === "transfer" && r.toWallet === args.walletKey) add(r.outAsset, r.outQuantity, 1);
  }
  return out;
};

/** Per chain asset: raw units of the wallet's movements in transactions of one kind. */
export type ExplainedMoves = Map<string, { sum: bigint; txs: string[] }>;

const FEE_EVIDENCE = ["gas", "l1_fee", "sol_fee"];

const grouped = (rows: { chainAsset: string; txHash: string; amount: bigint }[]): ExplainedMoves => {
  const out: ExplainedMoves = new Map();
  for (const r of rows) {
    const e = out.get(r.chainAsset) ?? { sum: 0n, txs: [] };
    e.sum += r.amount;
    if (!e.txs.includes(r.txHash)) e.txs.push(r.txHash);
    out.set(r.chainAsset, e);
  }
  return out;
};

/**
 * The wallet's value movements (fees excluded) up to `height` in transactions that have no ledger
 * rows for them: classified `spam` or `ignored` (`excluded`), waiting for a decision (an open
 * `unmatched_*` review item: `unreviewed`), or decoded into a protocol position whose receipt
 * token is no lot (`position`: the decoder's source with a position-account row in the ledger).
 */
export const explainedMoves = async (
  db: DbOrTx,
  args: { userId: number; walletId: number; chain: string; height: bigint },
): Promise<{ excluded: ExplainedMoves; unreviewed: ExplainedMoves; position: ExplainedMoves }> => {
  const base = and(
    eq(movements.walletId, args.walletId),
    eq(movements.chain, args.chain),
    sql`${movements.blockNumber} <= ${args.height.toString()}`,
    sql`${movements.evidence} not in (${sql.join(
      FEE_EVIDENCE.map((e) => sql`${e}`),
      sql`, `,
    )})`,
  );
  const pick = { chainAsset: movements.asset, txHash: movements.txHash, amount: movements.amount };
  const excluded = await db
    .select(pick)
    .from(movements)
    .innerJoin(
      classifications,
      and(
        eq(classifications.userId, args.userId),
        eq(classifications.chain, movements.chain),
        eq(classifications.txHash, movements.txHash),
      ),
    )
    .where(and(base, inArray(classifications.kind, ["spam", "ignored"])));
  const unreviewed = await db
    .selectDistinct(pick)
    .from(movements)
    .innerJoin(
      reviewItems,
      and(
        eq(reviewItems.userId, args.userId),
        eq(reviewItems.chain, movements.chain),
        eq(reviewItems.txHash, movements.txHash),
      ),
    )
    .where(
      and(
        base,
        eq(reviewItems.status, "open"),
        inArray(reviewItems.reason, ["unmatched_inflow", "unmatched_outflow"]),
        // Only the direction the review item is about.
        sql`((${reviewItems.reason} = 'unmatched_inflow' and ${movements.amount} > 0) or (${reviewItems.reason} = 'unmatched_outflow' and ${movements.amount} < 0))`,
      ),
    );
  const position = await db
    .select(pick)
    .from(movements)
    .innerJoin(
      classifications,
      and(
        eq(classifications.userId, args.userId),
        eq(classifications.chain, movements.chain),
        eq(classifications.txHash, movements.txHash),
      ),
    )
    .where(
      and(
        base,
        sql`(${classifications.source} like 'decoder:aave-v3:%' or ${classifications.source} like 'decoder:lido:%' or ${classifications.source} like 'decoder:uniswap-v2:%')`,
        sql`exists (select 1 from ${ledgerRows} where ${ledgerRows.userId} = ${args.userId} and ${ledgerRows.id} like ${movements.chain} || ':' || ${movements.txHash} || ':%' and (${ledgerRows.wallet} like '%@%' or ${ledgerRows.toWallet} like 'aave-v3:%' or ${ledgerRows.toWallet} like 'lido:%' or ${ledgerRows.toWallet} like 'uniswap-v2:%' or ${ledgerRows.wallet} like 'aave-v3:%' or ${ledgerRows.wallet} like 'lido:%' or ${ledgerRows.wallet} like 'uniswap-v2:%'))`,
      ),
    );
  return { excluded: grouped(excluded), unreviewed: grouped(unreviewed), position: grouped(position) };
};
