import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../db/client.ts";
import { ensureUser } from "../db/users.ts";
import { upsertWallet } from "../db/wallets.ts";
import type { Common } from "../src/common.ts";
import { type RunEvent, runEventsFor } from "../src/sync/events.ts";
import { getRun, SyncRunningError, startSyncRun } from "../src/sync/runs.ts";
import { type Anvil, startAnvil } from "../test/anvil.ts";
import { createTestCommon, createTestDatabase, TEST_REDIS_URL } from "../test/services.ts";
import { startBullWorkers } from "./bullmq.ts";
import { createSyncDispatcher, runJobIds } from "./flow.ts";
import { JOB_DEFINITIONS } from "./registry.ts";

/**
 * Sync runs as BullMQ flows on real Redis and PostgreSQL: a wallet that fails (no RPC for its
 * chain) is reported with its error while the others sync and the ledger is rebuilt; its failed
 * job keeps the error and the run can be retried; a user's second run is refused while one is
 * active; and with a global limit of one wallet sync at a time, two worker processes' worth of
 * workers never run two at once.
 */

let anvil: Anvil;
let database: Database & { url?: string };
let common: Common;
let workers: { close: () => Promise<void> }[] = [];
const prefix = `lotwise-test-${randomUUID()}`;
const ADDRESSES = [
  "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
  "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
];

beforeAll(async () => {
  anvil = await startAnvil();
  database = await createTestDatabase("postgres");
  common = createTestCommon({
    databaseUrl: database.url,
    redisUrl: TEST_REDIS_URL,
    rpc: { "evm:31337": anvil.url },
    queuePrefix: prefix,
    queues: { syncGlobalConcurrency: 1, syncConcurrency: 2 },
  });
  // Two workers, as two processes would run them (each with per-process concurrency 2).
  workers = [0, 1].map(() =>
    startBullWorkers({ common, database, redisUrl: TEST_REDIS_URL, prefix, definitions: JOB_DEFINITIONS }),
  );
}, 60_000);

afterAll(async () => {
  for (const w of workers) await w.close();
  await common?.shutdown.close();
  await database?.close();
  await anvil?.stop();
});

describe("sync runs on BullMQ", () => {
  test("a failing wallet is reported, the others sync, the ledger is rebuilt, and the run can be retried", {
    timeout: 120_000,
  }, async () => {
    const userId = await ensureUser(database.db, "fiona");
    for (const address of ADDRESSES) await upsertWallet(database.db, userId, { chain: "evm:31337", address });
    // No RPC is configured for chain 999: this wallet fails at once, without retries.
    const broken = await upsertWallet(database.db, userId, { chain: "evm:999", address: ADDRESSES[0]! });
    const dispatcher = createSyncDispatcher({ common });
    const events: RunEvent[] = [];
    const finished = new Promise<void>((resolve) => {
      void runEventsFor(common).subscribe(userId, (e) => {
        events.push(e);
        if (e.type === "run") resolve();
      });
    });
    const run = await startSyncRun({ db: database.db, dispatcher, userId, trigger: "api" });
    await expect(startSyncRun({ db: database.db, dispatcher, userId, trigger: "api" })).rejects.toThrow(
      SyncRunningError,
    );
    await finished;

    const done = (await getRun(database.db, userId, run.id))!;
    expect(done.status).toBe("partial");
    expect(done.error).toBe("1 of 4 wallet syncs failed");
    const byWallet = Object.fromEntries(done.wallets.map((w) => [w.wallet, [w.state, w.error]]));
    expect(byWallet[`evm:999:${ADDRESSES[0]}`]).toEqual([
      "failed",
      `no RPC endpoint for evm:999 (wallet evm:999:${ADDRESSES[0]}): pass --rpc evm:999=URL or set rpc.evm:999 in the config file`,
    ]);
    for (const a of ADDRESSES) expect(byWallet[`evm:31337:${a}`]).toEqual(["completed", undefined]);
    expect(done.ledger).toMatchObject({ mode: expect.any(String) });

    // The failed job keeps its error in Redis (attempted once: the error is not retryable).
    const queue = new Queue("sync-run-wallet", { connection: { url: TEST_REDIS_URL }, prefix });
    try {
      const job = await queue.getJob(runJobIds.wallet(run.id, broken.id));
      expect(await job!.getState()).toBe("failed");
      expect(job!.failedReason).toContain("no RPC endpoint for evm:999");
      expect(job!.attemptsMade).toBe(1);
      expect(job!.data).toEqual({ runId: run.id, userId, walletId: broken.id });
    } finally {
      await queue.close();
    }

    // Wallet syncs never overlapped: the global limit is one at a time across both workers.
    const spans = new Map<string, { start?: number; end?: number }>();
    events.forEach((e, i) => {
      if (e.type !== "wallet") return;
      const s = spans.get(e.wallet) ?? {};
      if (e.state === "active") s.start = i;
      if (e.state === "completed" || e.state === "failed") s.end = i;
      spans.set(e.wallet, s);
    });
    const sorted = [...spans.values()]
      .filter((s) => s.start !== undefined)
      .sort((a, b) => a.start! - b.start!);
    expect(sorted).toHaveLength(4);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start!).toBeGreaterThan(sorted[i - 1]!.end!);
    // The ledger rebuild started after every wallet finished.
    const ledgerStart = events.findIndex((e) => e.type === "ledger" && e.state === "active");
    expect(ledgerStart).toBeGreaterThan(Math.max(...sorted.map((s) => s.end!)));

    // Retrying the run syncs the failed wallet only (and it fails the same way: every wallet of the run failed).
    const retry = await startSyncRun({
      db: database.db,
      dispatcher,
      userId,
      trigger: "retry",
      walletIds: [broken.id],
      retryOf: run.id,
    });
    const deadline = Date.now() + 60_000;
    let r = retry;
    while (r.status === "queued" || r.status === "running") {
      if (Date.now() > deadline) throw new Error("retry did not finish");
      await new Promise((x) => setTimeout(x, 100));
      r = (await getRun(database.db, userId, retry.id))!;
    }
    expect(r.retryOf).toBe(run.id);
    expect(r.wallets.map((w) => w.wallet)).toEqual([`evm:999:${ADDRESSES[0]}`]);
    expect(r.status).toBe("failed");
    expect(r.error).toBe("every wallet sync failed (1); the ledger was not rebuilt");
  });
});
