import { and, desc, eq, inArray, lt, sql } from "drizzle-orm";
import { walletKey } from "../../chains/registry.ts";
import type { DbOrTx } from "../../db/client.ts";
import { isUniqueViolation } from "../../db/copy.ts";
import { syncRuns, syncRunWallets, wallets } from "../../db/schema/index.ts";
import { NonRetryableError, UserInputError } from "../errors.ts";

/**
 * Sync runs: one sync of a user's wallets (per-wallet jobs, then one ledger rebuild), recorded in
 * `sync_runs` / `sync_run_wallets` so the API shows live state and history with each wallet's
 * error. Plain functions over `db`; starting the jobs is the dispatcher's part (workers/flow.ts).
 */

export const ACTIVE_RUN_STATUSES = ["queued", "running"] as const;
export const FINAL_RUN_STATUSES = ["completed", "partial", "failed", "cancelled"] as const;
export type RunTrigger = "api" | "schedule" | "retry" | "cli";

/** Another run of the user is queued or running (one user's sync never runs twice at once). */
export class SyncRunningError extends UserInputError {
  override name = "SyncRunningError";
  readonly runId: number;
  constructor(runId: number) {
    super(`a sync of this user is already queued or running (run ${runId})`);
    this.runId = runId;
  }
}

export type RunWallet = {
  walletId: number;
  wallet: string;
  state: string;
  attempts: number;
  error: string | undefined;
  result: unknown;
  updatedAt: Date;
};

export type SyncRun = {
  id: number;
  userId: number;
  trigger: string;
  status: string;
  retryOf: number | undefined;
  ledger: unknown;
  error: string | undefined;
  createdAt: Date;
  startedAt: Date | undefined;
  finishedAt: Date | undefined;
  wallets: RunWallet[];
};

/** Starts jobs for a created run. BullMQ: a flow; in-process: the same processors right away. */
export type SyncDispatcher = {
  dispatch: (run: { runId: number; userId: number; walletIds: number[] }) => Promise<void>;
  /** False when the run's jobs are gone (Redis flushed, the embedded server restarted). */
  isAlive: (runId: number) => Promise<boolean>;
  /** Removes the run's jobs that have not started. */
  cancel: (runId: number) => Promise<void>;
};

/** The user's active run, if any. */
export const activeRun = async (db: DbOrTx, userId: number): Promise<number | undefined> => {
  const [row] = await db
    .select({ id: syncRuns.id })
    .from(syncRuns)
    .where(and(eq(syncRuns.userId, userId), inArray(syncRuns.status, [...ACTIVE_RUN_STATUSES])));
  return row?.id;
};

/**
 * Creates a run for the user's own wallets (`walletIds`: a subset; all when absent) and
 * dispatches it. A run left active by jobs that no longer exist is closed as failed first.
 *
 * @throws SyncRunningError when another run of the user is active; UserInputError when the
 * user has no wallet to sync or a wallet id is not theirs (the message never says whose).
 */
export const startSyncRun = async (args: {
  db: DbOrTx;
  dispatcher: SyncDispatcher;
  userId: number;
  trigger: RunTrigger;
  walletIds?: readonly number[] | undefined;
  retryOf?: number | undefined;
}): Promise<SyncRun> => {
  const { db, userId } = args;
  let targets = (await db.select().from(wallets).where(eq(wallets.userId, userId))).filter(
    (w) => w.kind === "own",
  );
  if (args.walletIds) {
    const wanted = new Set(args.walletIds);
    for (const id of wanted)
      if (!targets.some((w) => w.id === id)) throw new WalletNotFoundError(`no wallet ${id}`);
    targets = targets.filter((w) => wanted.has(w.id));
  }
  if (targets.length === 0) throw new UserInputError("no wallets to sync: add a wallet first");

  const create = () =>
    db.transaction(async (tx) => {
      const [run] = await tx
        .insert(syncRuns)
        .values({ userId, trigger: args.trigger, retryOf: args.retryOf ?? null })
        .returning();
      await tx
        .insert(syncRunWallets)
        .values(
          targets.map((w) => ({ runId: run!.id, walletId: w.id, wallet: walletKey(w.chain, w.address) })),
        );
      return run!;
    });

  let run: typeof syncRuns.$inferSelect;
  try {
    run = await create();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const other = await activeRun(db, userId);
    if (other === undefined || (await args.dispatcher.isAlive(other))) throw new SyncRunningError(other ?? 0);
    await finishRun(db, other, {
      status: "failed",
      error: "interrupted: its jobs no longer exist (restart)",
    });
    run = await create();
  }
  try {
    await args.dispatcher.dispatch({ runId: run.id, userId, walletIds: targets.map((w) => w.id) });
  } catch (error) {
    await finishRun(db, run.id, {
      status: "failed",
      error: `could not queue the jobs: ${(error as Error).message}`,
    });
    throw error;
  }
  return (await getRun(db, userId, run.id))!;
};

export class WalletNotFoundError extends NonRetryableError {
  override name = "WalletNotFoundError";
}

const toRun = (r: typeof syncRuns.$inferSelect, ws: (typeof syncRunWallets.$inferSelect)[]): SyncRun => ({
  id: r.id,
  userId: r.userId,
  trigger: r.trigger,
  status: r.status,
  retryOf: r.retryOf ?? undefined,
  ledger: r.ledger ?? undefined,
  error: r.error ?? undefined,
  createdAt: r.createdAt,
  startedAt: r.startedAt ?? undefined,
  finishedAt: r.finishedAt ?? undefined,
  wallets: ws
    .sort((a, b) => a.wallet.localeCompare(b.wallet))
    .map((w) => ({
      walletId: w.walletId,
      wallet: w.wallet,
      state: w.state,
      attempts: w.attempts,
      error: w.error ?? undefined,
      result: w.result ?? undefined,
      updatedAt: w.updatedAt,
    })),
});

/** One run of the user, or undefined when it does not exist or is another user's. */
export const getRun = async (db: DbOrTx, userId: number, runId: number): Promise<SyncRun | undefined> => {
  const [run] = await db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.id, runId), eq(syncRuns.userId, userId)));
  if (!run) return undefined;
  const ws = await db.select().from(syncRunWallets).where(eq(syncRunWallets.runId, runId));
  return toRun(run, ws);
};

/** The user's runs, newest first (`before`: a run id, for paging). */
export const listRuns = async (
  db: DbOrTx,
  userId: number,
  page: { limit: number; before?: number | undefined; trigger?: string | undefined },
): Promise<SyncRun[]> => {
  const conds = [eq(syncRuns.userId, userId)];
  if (page.before !== undefined) conds.push(lt(syncRuns.id, page.before));
  if (page.trigger !== undefined) conds.push(eq(syncRuns.trigger, page.trigger));
  const runs = await db
    .select()
    .from(syncRuns)
    .where(and(...conds))
    .orderBy(desc(syncRuns.id))
    .limit(page.limit);
  if (runs.length === 0) return [];
  const ws = await db
    .select()
    .from(syncRunWallets)
    .where(
      inArray(
        syncRunWallets.runId,
        runs.map((r) => r.id),
      ),
    );
  return runs.map((r) =>
    toRun(
      r,
      ws.filter((w) => w.runId === r.id),
    ),
  );
};

/** The run's status (no user check: for processors, which get the run id from their own job). */
export const runStatus = async (db: DbOrTx, runId: number): Promise<string | undefined> => {
  const [row] = await db.select({ status: syncRuns.status }).from(syncRuns).where(eq(syncRuns.id, runId));
  return row?.status;
};

/** Marks the run running (first job started). */
export const markRunStarted = async (db: DbOrTx, runId: number): Promise<void> => {
  await db
    .update(syncRuns)
    .set({ status: "running", startedAt: sql`coalesce(${syncRuns.startedAt}, now())` })
    .where(and(eq(syncRuns.id, runId), eq(syncRuns.status, "queued")));
};

export const updateRunWallet = async (
  db: DbOrTx,
  runId: number,
  walletId: number,
  patch: { state: string; attempts?: number; error?: string | null; result?: unknown },
): Promise<void> => {
  await db
    .update(syncRunWallets)
    .set({
      state: patch.state,
      ...(patch.attempts !== undefined ? { attempts: patch.attempts } : {}),
      ...(patch.error !== undefined ? { error: patch.error } : {}),
      ...(patch.result !== undefined ? { result: patch.result } : {}),
      updatedAt: new Date(),
    })
    .where(and(eq(syncRunWallets.runId, runId), eq(syncRunWallets.walletId, walletId)));
};

/** Closes a run (only an active one: a cancelled run stays cancelled). */
export const finishRun = async (
  db: DbOrTx,
  runId: number,
  outcome: { status: (typeof FINAL_RUN_STATUSES)[number]; error?: string | undefined; ledger?: unknown },
): Promise<boolean> => {
  const rows = await db
    .update(syncRuns)
    .set({
      status: outcome.status,
      error: outcome.error ?? null,
      ...(outcome.ledger !== undefined ? { ledger: outcome.ledger } : {}),
      finishedAt: new Date(),
    })
    .where(and(eq(syncRuns.id, runId), inArray(syncRuns.status, [...ACTIVE_RUN_STATUSES])))
    .returning({ id: syncRuns.id });
  return rows.length > 0;
};

/**
 * Cancels the user's active run: its unstarted jobs are removed, a wallet sync in progress
 * finishes its current step and the ledger is not rebuilt. Returns false when the run is not the
 * user's or not active.
 */
export const cancelRun = async (args: {
  db: DbOrTx;
  dispatcher: SyncDispatcher;
  userId: number;
  runId: number;
}): Promise<boolean> => {
  const run = await getRun(args.db, args.userId, args.runId);
  if (!run || !(ACTIVE_RUN_STATUSES as readonly string[]).includes(run.status)) return false;
  const closed = await finishRun(args.db, run.id, { status: "cancelled", error: "cancelled by the user" });
  if (!closed) return false;
  await args.db
    .update(syncRunWallets)
    .set({ state: "cancelled", updatedAt: new Date() })
    .where(and(eq(syncRunWallets.runId, run.id), inArray(syncRunWallets.state, ["queued", "retrying"])));
  await args.dispatcher.cancel(run.id);
  return true;
};

/** Closes runs left active by a process that ran them in-process and stopped (embedded mode start-up). */
export const failOrphanedRuns = async (db: DbOrTx, reason: string): Promise<number> => {
  const rows = await db
    .update(syncRuns)
    .set({ status: "failed", error: reason, finishedAt: new Date() })
    .where(inArray(syncRuns.status, [...ACTIVE_RUN_STATUSES]))
    .returning({ id: syncRuns.id });
  return rows.length;
};

/** The wallet rows of a run (one wallet when `walletId` is given). */
export const getRunWallets = (db: DbOrTx, runId: number, walletId?: number) =>
  db
    .select()
    .from(syncRunWallets)
    .where(
      walletId === undefined
        ? eq(syncRunWallets.runId, runId)
        : and(eq(syncRunWallets.runId, runId), eq(syncRunWallets.walletId, walletId)),
    );
