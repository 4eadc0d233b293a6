import type { SyncWalletResult } from "../../chains/types.ts";
import type { BuildResult } from "../../src/books/build.ts";
import { withLedgerLock } from "../../src/books/lock.ts";
import { secretsOf } from "../../src/config.ts";
import { BaseError, NonRetryableError } from "../../src/errors.ts";
import { createRedactor } from "../../src/logger.ts";
import { runEventsFor } from "../../src/sync/events.ts";
import { finishRun, getRunWallets, markRunStarted, runStatus, updateRunWallet } from "../../src/sync/runs.ts";
import { attemptsOf, shouldRetry } from "../policy.ts";
import type { AnyJobDefinition, JobContext, JobDefinition, JobProgress } from "../types.ts";
import { type BuildLedgerData, buildLedgerJob } from "./build-ledger.ts";
import { syncWalletJob } from "./sync-wallet.ts";

/**
 * The jobs of a sync run (src/sync/runs.ts): one `sync-run-wallet` per wallet, then one
 * `sync-run-ledger` once all of them finished, failed ones included (on BullMQ a flow whose
 * children ignore their failures). Both are thin wrappers over the plain `sync-wallet` and
 * `build-ledger` processors that record each step in the run's rows and publish live events.
 * Job data holds ids only: RPC URLs come from the worker's own configuration.
 */

export type SyncRunWalletData = { runId: number; userId: number; walletId: number };
export type SyncRunLedgerData = { runId: number; userId: number };

const ids = (data: unknown, keys: readonly string[], job: string): Record<string, number> => {
  const d = (data ?? {}) as Record<string, unknown>;
  const out: Record<string, number> = {};
  for (const k of keys) {
    const v = d[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0)
      throw new NonRetryableError(`${job}: ${k} must be a positive integer`);
    out[k] = v;
  }
  return out;
};

/** An error as stored and shown: the short message, secrets redacted. */
const messageOf = (ctx: JobContext, error: unknown): string => {
  const text =
    error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return createRedactor(secretsOf(ctx.common.config))(text);
};

/** At most one progress event per job every 250 ms. */
const throttle = (fn: (p: JobProgress) => void) => {
  let last = 0;
  return (p: JobProgress) => {
    const now = Date.now();
    if (now - last < 250 && (p.total === undefined || p.done < p.total)) return;
    last = now;
    fn(p);
  };
};

const isFinalAttempt = (definition: AnyJobDefinition, ctx: JobContext, error: unknown) =>
  !shouldRetry(error) || ctx.attempt >= attemptsOf(definition) || ctx.signal.aborted;

export const syncRunWalletJob: JobDefinition<SyncRunWalletData, SyncWalletResult | { skipped: string }> = {
  name: "sync-run-wallet",
  attempts: 4,
  backoffMs: 5000,
  queueLimits: (config) => ({
    concurrency: config.queues.syncConcurrency,
    globalConcurrency: config.queues.syncGlobalConcurrency,
    limiter: { max: config.queues.syncStartsPerMinute, duration: 60_000 },
  }),
  parse: (data) => ids(data, ["runId", "userId", "walletId"], "sync-run-wallet") as SyncRunWalletData,
  process: async (data, ctx) => {
    const db = ctx.database.db;
    const events = runEventsFor(ctx.common);
    const [row] = await getRunWallets(db, data.runId, data.walletId);
    if (!row)
      throw new NonRetryableError(`sync-run-wallet: run ${data.runId} has no wallet ${data.walletId}`);
    const status = await runStatus(db, data.runId);
    if (status !== "queued" && status !== "running") {
      // Cancelled (or closed) meanwhile: nothing to do.
      await events.publish(data.userId, {
        type: "wallet",
        runId: data.runId,
        walletId: data.walletId,
        wallet: row.wallet,
        state: "skipped",
      });
      return { skipped: `run ${status}` };
    }
    await markRunStarted(db, data.runId);
    await updateRunWallet(db, data.runId, data.walletId, { state: "active", attempts: ctx.attempt });
    await events.publish(data.userId, {
      type: "wallet",
      runId: data.runId,
      walletId: data.walletId,
      wallet: row.wallet,
      state: "active",
      attempt: ctx.attempt,
    });
    const publishProgress = throttle(
      (p) =>
        void events.publish(data.userId, {
          type: "wallet",
          runId: data.runId,
          walletId: data.walletId,
          wallet: row.wallet,
          state: "progress",
          progress: { done: p.done, total: p.total, unit: p.unit, detail: p.detail },
        }),
    );
    try {
      const result = await syncWalletJob.process(
        { walletId: data.walletId },
        {
          ...ctx,
          reportProgress: (p) => {
            ctx.reportProgress(p);
            publishProgress(p);
          },
        },
      );
      await updateRunWallet(db, data.runId, data.walletId, { state: "completed", error: null, result });
      await events.publish(data.userId, {
        type: "wallet",
        runId: data.runId,
        walletId: data.walletId,
        wallet: row.wallet,
        state: "completed",
        result,
      });
      return result;
    } catch (error) {
      const final = isFinalAttempt(syncRunWalletJob, ctx, error);
      const message = messageOf(ctx, error);
      await updateRunWallet(db, data.runId, data.walletId, {
        state: final ? "failed" : "retrying",
        error: message,
      });
      await events.publish(data.userId, {
        type: "wallet",
        runId: data.runId,
        walletId: data.walletId,
        wallet: row.wallet,
        state: final ? "failed" : "retrying",
        attempt: ctx.attempt,
        error: message,
      });
      throw error;
    }
  },
};

export const syncRunLedgerJob: JobDefinition<SyncRunLedgerData, BuildResult | { skipped: string }> = {
  name: "sync-run-ledger",
  attempts: 3,
  backoffMs: 5000,
  // Price-API budgets are kept per process: one rebuild at a time across the workers keeps them.
  queueLimits: () => ({ globalConcurrency: 1 }),
  parse: (data) => ids(data, ["runId", "userId"], "sync-run-ledger") as SyncRunLedgerData,
  process: async (data, ctx) => {
    const db = ctx.database.db;
    const events = runEventsFor(ctx.common);
    const status = await runStatus(db, data.runId);
    if (status !== "queued" && status !== "running") return { skipped: `run ${status}` };
    const walletRows = await getRunWallets(db, data.runId);
    const failed = walletRows.filter((w) => w.state !== "completed");
    if (failed.length === walletRows.length) {
      const error = `every wallet sync failed (${failed.length}); the ledger was not rebuilt`;
      await finishRun(db, data.runId, { status: "failed", error });
      await events.publish(data.userId, { type: "run", runId: data.runId, status: "failed", error });
      return { skipped: error };
    }
    await events.publish(data.userId, { type: "ledger", runId: data.runId, state: "active" });
    const publishProgress = throttle(
      (p) =>
        void events.publish(data.userId, {
          type: "ledger",
          runId: data.runId,
          state: "progress",
          progress: { done: p.done, total: p.total, detail: p.detail },
        }),
    );
    let result: BuildResult;
    try {
      result = await lockedBuildLedgerJob.process(
        { userId: data.userId },
        {
          ...ctx,
          reportProgress: (p) => {
            ctx.reportProgress(p);
            publishProgress(p);
          },
        },
      );
    } catch (error) {
      const message = messageOf(ctx, error);
      if (isFinalAttempt(syncRunLedgerJob, ctx, error)) {
        await finishRun(db, data.runId, { status: "failed", error: `ledger rebuild failed: ${message}` });
        await events.publish(data.userId, {
          type: "run",
          runId: data.runId,
          status: "failed",
          error: message,
        });
      } else {
        await events.publish(data.userId, {
          type: "ledger",
          runId: data.runId,
          state: "retrying",
          error: message,
        });
      }
      throw error;
    }
    const outcome = failed.length > 0 ? "partial" : "completed";
    const error =
      failed.length > 0 ? `${failed.length} of ${walletRows.length} wallet syncs failed` : undefined;
    await finishRun(db, data.runId, { status: outcome, error, ledger: result });
    await events.publish(data.userId, { type: "ledger", runId: data.runId, state: "completed", result });
    await events.publish(data.userId, { type: "run", runId: data.runId, status: outcome, error });
    return result;
  },
};

/**
 * `build-ledger` holding the user's ledger lock (src/books/lock.ts): what workers run, so a
 * rebuild after a review decision and a sync run's rebuild never overlap for one user.
 */
export const lockedBuildLedgerJob: JobDefinition<BuildLedgerData, BuildResult> = {
  ...buildLedgerJob,
  queueLimits: () => ({ globalConcurrency: 1 }),
  process: (data, ctx) => withLedgerLock(ctx.database, data.userId, () => buildLedgerJob.process(data, ctx)),
};
