import { and, asc, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { overrides, reviewItems } from "../../db/schema/index.ts";
import * as books from "../books/decisions.ts";
import type { OverrideAction, OverrideRule } from "../classify/overrides.ts";
import { UserInputError } from "../errors.ts";

/**
 * The review queue and the user's decisions (per transaction, rules matching movements, links),
 * as the API uses them. Every change goes through src/books/decisions.ts, the CLI's path (stored
 * in `overrides`, surviving re-syncs, marking the ledger dirty where it changes); this module adds
 * the listings and returns the stored decision. The caller rebuilds the ledger afterwards.
 */

export const REVIEW_ACTIONS = ["spend", "sell", "gift", "income", "transfer", "ignore", "spam"] as const;

/** A transaction or decision the user does not have (never says whether another user has it). */
export const ReviewNotFoundError = books.DecisionNotFoundError;

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

export type DecisionContext = {
  db: DbOrTx;
  userId: number;
  /** The matching window decisions mark the ledger dirty around, in hours (config `classify`). */
  windowHours: number;
};

const byId = async (db: DbOrTx, userId: number, id: number): Promise<Decision> => {
  const [row] = await db
    .select()
    .from(overrides)
    .where(and(eq(overrides.userId, userId), eq(overrides.id, id)));
  return toDecision(row!);
};

/**
 * Decides one classified transaction (`<chain>:<hash>`, a bare hash or an import row id),
 * replacing an earlier decision on it: `lotwise review set`'s path (src/books/decisions.ts), which
 * marks the ledger dirty around it. @throws ReviewNotFoundError when the user has no such
 * transaction; UserInputError when a bare hash is on several chains.
 */
export const decideTransaction = async (
  ctx: DecisionContext,
  args: { tx: string; action: OverrideAction },
): Promise<Decision> => {
  const action = checkAction(args.action);
  const r = await books.setTxDecision({ ...ctx, ref: args.tx, action, note: action.note });
  return byId(ctx.db, ctx.userId, r.id);
};

/** Adds a rule (`lotwise review rule`'s path). @throws UserInputError */
export const addRule = async (
  ctx: Omit<DecisionContext, "windowHours">,
  args: { match: OverrideRule["match"]; action: OverrideAction },
): Promise<Decision> => {
  const action = checkAction(args.action);
  const r = await books.addRule({ ...ctx, match: args.match, action, note: action.note });
  return byId(ctx.db, ctx.userId, r.id);
};

/** Links (or unlinks) two transactions' halves (`lotwise review link/unlink`'s path). */
export const linkTransactions = async (
  ctx: DecisionContext,
  args: { a: string; b: string; unlink: boolean },
): Promise<Decision> => {
  const r = await books.setLink({ ...ctx, ...args });
  return byId(ctx.db, ctx.userId, r.id);
};

export const listDecisions = async (db: DbOrTx, userId: number): Promise<Decision[]> =>
  (await db.select().from(overrides).where(eq(overrides.userId, userId)).orderBy(asc(overrides.id))).map(
    toDecision,
  );

/**
 * Removes one of the user's decisions (`lotwise review unset`'s path).
 * @throws ReviewNotFoundError when the user has no such decision.
 */
export const removeDecision = (ctx: DecisionContext, id: number): Promise<void> =>
  books.removeDecision({ ...ctx, id });
