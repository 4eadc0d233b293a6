import { and, asc, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { classifications, overrides, reviewItems } from "../../db/schema/index.ts";
import type { OverrideAction, OverrideRule } from "../classify/overrides.ts";
import { NonRetryableError, UserInputError } from "../errors.ts";

/**
 * The review queue and the user's decisions (per transaction, or rules matching movements), as
 * plain functions over `{ db, userId }`. Decisions are stored in `overrides` and survive re-syncs;
 * the caller rebuilds the ledger afterwards (they change it).
 */

export const REVIEW_ACTIONS = ["spend", "sell", "gift", "income", "transfer", "ignore", "spam"] as const;

/** A transaction or decision the user does not have (never says whether another user has it). */
export class ReviewNotFoundError extends NonRetryableError {
  override name = "ReviewNotFoundError";
}

export type ReviewItem = {
  chain: string;
  tx: string;
  reason: string;
  message: string;
  status: string;
  createdAt: Date;
};

export const listReviewItems = async (
  db: DbOrTx,
  userId: number,
  args: { status: "open" | "resolved" | "all"; limit: number; offset: number },
): Promise<{ items: ReviewItem[]; total: number }> => {
  const where =
    args.status === "all"
      ? eq(reviewItems.userId, userId)
      : and(eq(reviewItems.userId, userId), eq(reviewItems.status, args.status));
  const rows = await db
    .select()
    .from(reviewItems)
    .where(where)
    .orderBy(
      asc(reviewItems.createdAt),
      asc(reviewItems.chain),
      asc(reviewItems.txHash),
      asc(reviewItems.reason),
    )
    .limit(args.limit)
    .offset(args.offset);
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(reviewItems).where(where);
  return {
    items: rows.map((r) => ({
      chain: r.chain,
      tx: r.txHash,
      reason: r.reason,
      message: r.message,
      status: r.status,
      createdAt: r.createdAt,
    })),
    total: Number(count?.n ?? 0),
  };
};

/** Checks an action. @throws UserInputError */
export const checkAction = (action: OverrideAction): OverrideAction => {
  if (!(REVIEW_ACTIONS as readonly string[]).includes(action.as))
    throw new UserInputError(`as must be one of ${REVIEW_ACTIONS.join(", ")}`);
  if (action.as === "transfer" && !action.to)
    throw new UserInputError(
      "a transfer needs 'to': the account it went to or came from, e.g. coinbase:main",
    );
  return action;
};

export type Decision = {
  id: number;
  chain: string | undefined;
  tx: string | undefined;
  rule: OverrideRule["match"] | undefined;
  action: OverrideAction;
  note: string;
  createdAt: Date;
};

const toDecision = (r: typeof overrides.$inferSelect): Decision => ({
  id: r.id,
  chain: r.chain ?? undefined,
  tx: r.txHash ?? undefined,
  rule: (r.rule as OverrideRule["match"] | null) ?? undefined,
  action: r.action as OverrideAction,
  note: r.note,
  createdAt: r.createdAt,
});

/**
 * Decides one classified transaction (`<chain>:<hash>` or a bare hash), replacing an earlier
 * decision on it. @throws ReviewNotFoundError when the user has no such transaction;
 * UserInputError when a bare hash is on several chains.
 */
export const decideTransaction = async (
  db: DbOrTx,
  userId: number,
  args: { tx: string; action: OverrideAction },
): Promise<Decision> => {
  const action = checkAction(args.action);
  const i = args.tx.lastIndexOf(":");
  const chain = i > 0 ? args.tx.slice(0, i) : undefined;
  const txHash = i > 0 ? args.tx.slice(i + 1) : args.tx;
  const known = await db
    .select({ chain: classifications.chain })
    .from(classifications)
    .where(and(eq(classifications.userId, userId), eq(classifications.txHash, txHash)));
  const match = known.filter((k) => !chain || k.chain === chain);
  if (match.length === 0) throw new ReviewNotFoundError(`unknown transaction ${args.tx}: sync first`);
  if (match.length > 1)
    throw new UserInputError(
      `${txHash} exists on ${match.map((m) => m.chain).join(" and ")}: write <chain>:${txHash}`,
    );
  const on = match[0]!.chain;
  return db.transaction(async (tx) => {
    await tx
      .delete(overrides)
      .where(and(eq(overrides.userId, userId), eq(overrides.chain, on), eq(overrides.txHash, txHash)));
    const [row] = await tx
      .insert(overrides)
      .values({ userId, chain: on, txHash, action, note: action.note ?? "" })
      .returning();
    return toDecision(row!);
  });
};

/** Adds a rule deciding every matching unmatched movement, now and in future syncs. @throws UserInputError */
export const addRule = async (
  db: DbOrTx,
  userId: number,
  args: { match: OverrideRule["match"]; action: OverrideAction },
): Promise<Decision> => {
  const action = checkAction(args.action);
  const match = Object.fromEntries(Object.entries(args.match).filter(([, v]) => v !== undefined && v !== ""));
  if (Object.keys(match).length === 0)
    throw new UserInputError("a rule needs at least one of counterparty, asset, chain, direction");
  const [row] = await db
    .insert(overrides)
    .values({ userId, rule: match, action, note: action.note ?? "" })
    .returning();
  return toDecision(row!);
};

export const listDecisions = async (db: DbOrTx, userId: number): Promise<Decision[]> =>
  (await db.select().from(overrides).where(eq(overrides.userId, userId)).orderBy(asc(overrides.id))).map(
    toDecision,
  );

/** Removes one of the user's decisions. Returns false when the user has no such decision. */
export const removeDecision = async (db: DbOrTx, userId: number, id: number): Promise<boolean> =>
  (
    await db
      .delete(overrides)
      .where(and(eq(overrides.userId, userId), eq(overrides.id, id)))
      .returning({ id: overrides.id })
  ).length > 0;
