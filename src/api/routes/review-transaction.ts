import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { resolveChain } from "../../../chains/registry.ts";
import { classifications, movements, transactions, wallets } from "../../../db/schema/index.ts";
import { splitTxKey } from "../../books/tx-key.ts";
import { Decimal } from "../../utils/decimal.ts";
import { notFound } from "../errors.ts";
import { errors, iso } from "../schemas.ts";
import type { RegisterRoutes } from "../types.ts";

/** A transaction hash or signature: hex (EVM) or base58 (Solana). */
const HASH = /^(0x[0-9a-fA-F]{64}|[1-9A-HJ-NP-Za-km-z]{32,100})$/;
/** A synthetic transaction: `rebase:<token>:<YYYY-MM-DD>` or `reward:<stake account>:<epoch>` (no explorer page). */
const SYNTHETIC = /^(rebase:0x[0-9a-fA-F]{40}:\d{4}-\d{2}-\d{2}|reward:[1-9A-HJ-NP-Za-km-z]{32,44}:\d+)$/;

const Movement = z.object({
  wallet: z.string().describe("<chain>:<address> of your wallet"),
  label: z.string(),
  direction: z.enum(["in", "out"]),
  asset: z.string().describe("chain asset id, e.g. evm:1:native or <chain>:<contract>"),
  symbol: z.string().nullable(),
  quantity: z.string().describe("decimal units; raw integer units when the decimals are unknown"),
  decimalsKnown: z.boolean(),
  counterparty: z.string().nullable().describe("sender of an inflow, recipient of an outflow"),
  evidence: z.string().describe("native, internal, erc20, erc721, gas, sol, spl, …"),
});

/** Block explorer page of a transaction, when the chain has a public explorer. */
export const explorerTxUrl = (chain: string, hash: string): string | null => {
  try {
    const c = resolveChain(chain);
    if (c.family === "solana") return `https://explorer.solana.com/tx/${hash}`;
    const url = c.explorer?.url;
    return url ? `${url.replace(/\/$/, "")}/tx/${hash}` : null;
  } catch {
    return null;
  }
};

/**
 * One transaction as the review queue shows it: what your wallets saw move (asset, quantity,
 * direction, counterparty), its classification, and an explorer link. The dashboard's Review page
 * reads it to say why an item needs attention and to build "apply to all like this" rules.
 */
export const registerReviewTransaction: RegisterRoutes = (app, ctx) => {
  const db = ctx.database.db;
  app.get(
    "/review/transaction",
    {
      schema: {
        tags: ["review"],
        summary: "A transaction's movements in your wallets, its classification and explorer link",
        querystring: z.object({ tx: z.string().min(3).max(200).describe("<chain>:<hash>") }),
        response: {
          200: z.object({
            tx: z.string(),
            chain: z.string(),
            hash: z.string(),
            time: z.string().nullable(),
            status: z.string().nullable().describe("success or failed"),
            explorerUrl: z.string().nullable(),
            classification: z.object({ kind: z.string(), source: z.string() }).nullable(),
            movements: z.array(Movement),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const spec = request.query.tx;
      // `<chain>:<hash>`, the hash possibly a synthetic one holding `:` (a rebasing token's day,
      // a staking reward: the review items of negative rebases name them).
      const { chain, txHash: hash } = splitTxKey(spec);
      const synthetic = SYNTHETIC.test(hash);
      if (!chain || !(HASH.test(hash) || synthetic)) throw notFound(`transaction ${spec}`);
      const userId = request.userId;
      const moves = await db
        .select({
          address: wallets.address,
          label: wallets.label,
          asset: movements.asset,
          symbol: movements.symbol,
          decimals: movements.decimals,
          amount: movements.amount,
          counterparty: movements.counterparty,
          evidence: movements.evidence,
        })
        .from(movements)
        .innerJoin(wallets, eq(wallets.id, movements.walletId))
        .where(and(eq(wallets.userId, userId), eq(movements.chain, chain), eq(movements.txHash, hash)))
        .orderBy(asc(movements.walletId), asc(movements.evidence), asc(movements.evidenceIndex));
      const [txRow] = await db
        .select({ time: transactions.time, status: transactions.status })
        .from(transactions)
        .innerJoin(wallets, eq(wallets.id, transactions.walletId))
        .where(and(eq(wallets.userId, userId), eq(transactions.chain, chain), eq(transactions.txHash, hash)))
        .limit(1);
      const [cls] = await db
        .select({ kind: classifications.kind, source: classifications.source })
        .from(classifications)
        .where(
          and(
            eq(classifications.userId, userId),
            eq(classifications.chain, chain),
            eq(classifications.txHash, hash),
          ),
        );
      // Another user's transaction answers exactly like one that does not exist.
      if (!txRow && moves.length === 0 && !cls) throw notFound(`transaction ${spec}`);
      return {
        tx: `${chain}:${hash}`,
        chain,
        hash,
        time: iso(txRow?.time),
        status: txRow?.status ?? null,
        explorerUrl: synthetic ? null : explorerTxUrl(chain, hash),
        classification: cls ?? null,
        movements: moves.map((m) => {
          const raw = new Decimal(m.amount.toString());
          const abs = raw.abs();
          return {
            wallet: `${chain}:${m.address}`,
            label: m.label,
            direction: raw.isNegative() ? ("out" as const) : ("in" as const),
            asset: m.asset,
            symbol: m.symbol,
            quantity:
              m.decimals === null ? abs.toFixed() : abs.div(new Decimal(10).pow(m.decimals)).toFixed(),
            decimalsKnown: m.decimals !== null,
            counterparty: m.counterparty,
            evidence: m.evidence,
          };
        }),
      };
    },
  );
};
