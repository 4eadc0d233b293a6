import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cursors } from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { upsertWallet } from "../../db/wallets.ts";
import { createBullQueue, startBullWorkers } from "../../workers/bullmq.ts";
import { syncWalletJob } from "../../workers/processors/sync-wallet.ts";
import type { Anvil } from "../anvil.ts";
import { createEvmHarness, type Snapshot, snapshotRows } from "../evm-harness.ts";
import { type ScenarioResult, startScenarioChain } from "../evm-scenario.ts";
import { startFaultProxy } from "../fault-proxy.ts";
import { createTestCommon, createTestDatabase, TEST_REDIS_URL } from "../services.ts";

/**
 * The service path: PostgreSQL plus BullMQ workers run the same sync job as the embedded CLI and
 * store the same rows; and a `lotwise sync` process killed with SIGKILL mid-way resumes to the
 * rows of a clean run.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let anvil: Anvil;
let sc: ScenarioResult;
let clean: Snapshot;

/** Rows without per-database ids: wallets by address, scan intervals aside (they depend on step sizes). */
const comparable = (s: Snapshot) => {
  const { scans: _s, ...rest } = s;
  const strip = (rows: Record<string, unknown>[]) =>
    rows.map((r) => ("wallet" in r ? { ...r, wallet: String(r.wallet).split("/")[1] } : r));
  return Object.fromEntries(Object.entries(rest).map(([k, rows]) => [k, strip(rows)]));
};

beforeAll(async () => {
  ({ anvil, scenario: sc } = await startScenarioChain());
  const h = await createEvmHarness({ addresses: [sc.accounts.a, sc.accounts.b] });
  await h.sync(sc.accounts.a, anvil.url);
  await h.sync(sc.accounts.b, anvil.url);
  clean = await snapshotRows(h.database);
  await h.close();
});

afterAll(async () => {
  await anvil?.stop();
});

describe("EVM sync on PostgreSQL", () => {
  test("BullMQ workers run the sync jobs and store the same rows as the embedded path", async () => {
    const database = await createTestDatabase("postgres");
    const common = createTestCommon({ databaseUrl: database.url, redisUrl: TEST_REDIS_URL });
    const prefix = `lotwise-test-${randomUUID()}`;
    const workers = startBullWorkers({
      common,
      redisUrl: TEST_REDIS_URL,
      prefix,
      database,
      definitions: [syncWalletJob],
    });
    const queue = createBullQueue({ common, redisUrl: TEST_REDIS_URL, prefix });
    try {
      const userId = await ensureUser(database.db, "alice");
      const ids: number[] = [];
      for (const address of [sc.accounts.a, sc.accounts.b]) {
        ids.push((await upsertWallet(database.db, userId, { chain: "evm:31337", address })).id);
      }
      const handles = await Promise.all(
        ids.map((walletId) => queue.enqueue(syncWalletJob, { walletId, rpcUrl: anvil.url })),
      );
      const results = await Promise.all(handles.map((h) => h.result()));
      expect(results.map((r) => [r.wallet, r.transactions, r.movements, r.syncedTo])).toEqual([
        [`evm:31337:${sc.accounts.a}`, 19, 31, "33"],
        [`evm:31337:${sc.accounts.b}`, 10, 19, "33"],
      ]);
      expect(comparable(await snapshotRows(database))).toEqual(comparable(clean));
    } finally {
      await queue.close();
      await workers.close();
      await common.shutdown.close();
      await database.close();
    }
  });

  test("a lotwise sync process killed with SIGKILL mid-way resumes to identical rows", {
    timeout: 150_000,
  }, async () => {
    const database = await createTestDatabase("postgres");
    const dir = mkdtempSync(path.join(os.tmpdir(), "lotwise-kill-"));
    // Slow answers and tiny steps: the sync commits many steps, and the kill lands between them.
    const proxy = await startFaultProxy(anvil.url, { delayMs: 25 });
    try {
      const userId = await ensureUser(database.db, "default");
      for (const address of [sc.accounts.a, sc.accounts.b])
        await upsertWallet(database.db, userId, { chain: "evm:31337", address });
      const configFile = path.join(dir, "lotwise.config.json");
      writeFileSync(configFile, JSON.stringify({ sync: { stepBlocks: 2 } }));
      const child = spawn(
        process.execPath,
        [
          path.join(root, "bin/lotwise.js"),
          "sync",
          "--config",
          configFile,
          "--rpc",
          `evm:31337=${proxy.url}`,
          "--no-progress",
        ],
        {
          cwd: dir,
          env: { ...process.env, DATABASE_URL: database.url, LOTWISE_DATA_DIR: dir },
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let stderr = "";
      child.stderr!.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      let ended = false;
      const exited = new Promise<void>((resolve) =>
        child.once("exit", () => {
          ended = true;
          resolve();
        }),
      );
      // Kill once some, but not all, steps are committed (the process may take a while to start on a busy machine).
      let killedAt: bigint | undefined;
      const deadline = Date.now() + 90_000;
      while (killedAt === undefined && !ended && Date.now() < deadline) {
        const rows = await database.db.select({ position: cursors.position }).from(cursors);
        const done = rows.map((r) => BigInt((r.position as { finalTo: string }).finalTo));
        if (done.some((n) => n >= 8n && n < 30n)) {
          child.kill("SIGKILL");
          killedAt = done.sort((x, y) => (x < y ? 1 : -1))[0];
        } else await new Promise((r) => setTimeout(r, 25));
      }
      if (killedAt === undefined) child.kill("SIGKILL");
      await exited;
      if (killedAt === undefined)
        throw new Error(`the sync process was not caught mid-way (ended: ${ended}):\n${stderr}`);
      const partial = await snapshotRows(database);
      expect(partial.transactions.length).toBeLessThan(clean.transactions.length);

      const h = await createEvmHarness({
        addresses: [sc.accounts.a, sc.accounts.b],
        database,
        user: "default",
      });
      await h.sync(sc.accounts.a, anvil.url);
      await h.sync(sc.accounts.b, anvil.url);
      expect(comparable(await snapshotRows(database))).toEqual(comparable(clean));
    } finally {
      await proxy.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
