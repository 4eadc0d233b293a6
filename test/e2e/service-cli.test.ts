import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { apiKeys, users } from "../../db/schema/index.ts";
import { createBullQueue } from "../../workers/bullmq.ts";
import { syncWalletJob } from "../../workers/processors/sync-wallet.ts";
import { runCliInProcess } from "../cli.ts";
import { createTestCommon, createTestDatabase, TEST_REDIS_URL } from "../services.ts";

/**
 * The service-mode CLI: `lotwise sync` with REDIS_URL and no worker says so instead of waiting
 * forever, `--in-process` runs the jobs itself, `lotwise jobs list|cancel` shows and removes
 * queued jobs, `lotwise users` issues keys shown once and stored as hashes, and
 * `lotwise schedule` shows and changes the nightly sync.
 */

let database: Database & { url?: string };
let dir: string;
let config: string;
const prefix = `lotwise-test-${randomUUID().slice(0, 8)}`;
let env: Record<string, string>;
// In this process (runCliInProcess): what the commands do and say is under test here;
// test/e2e/service.test.ts runs real `serve` and `worker` children.
const cli = (...args: string[]) => runCliInProcess(["--config", config, "--no-progress", ...args], env);

beforeAll(async () => {
  database = await createTestDatabase("postgres");
  dir = mkdtempSync(path.join(os.tmpdir(), "lotwise-service-cli-"));
  config = path.join(dir, "lotwise.config.json");
  // The RPC points at a closed port: the in-process sync fails fast, but it runs here.
  writeFileSync(
    config,
    JSON.stringify({
      queuePrefix: prefix,
      rpc: { "evm:31337": "http://127.0.0.1:9/" },
      sync: { maxAttempts: 1, timeoutMs: 2000 },
    }),
  );
  env = { DATABASE_URL: database.url!, REDIS_URL: TEST_REDIS_URL };
});
afterAll(async () => {
  await database?.close();
});

describe("service mode on the command line", () => {
  test("sync without a worker says so at once and queues nothing; --in-process runs the jobs here", {
    timeout: 240_000,
  }, async () => {
    expect((await cli("wallets", "add", "evm:31337:0x70997970C51812dc3A010C7d01b50e0d17dc79C8")).code).toBe(
      0,
    );
    const r = await cli("sync");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "lotwise: no worker is consuming the 'sync-wallet' queue (REDIS_URL is set, so jobs go to Redis): start one with 'lotwise worker' (same DATABASE_URL and REDIS_URL), or run the jobs in this process with --in-process",
    );
    expect((await cli("jobs", "list")).stdout).toBe("no jobs\n");
    const local = await cli("sync", "--in-process");
    // It ran here: the (unreachable) RPC was tried, and the failure names the chain, not the URL.
    expect(local.stderr).toContain("evm:31337");
    expect(local.stderr).not.toContain("no worker");
  });

  test("jobs left queued by an interrupted sync are listed and cancelled", { timeout: 180_000 }, async () => {
    const common = createTestCommon({ redisUrl: TEST_REDIS_URL, queuePrefix: prefix });
    const queue = createBullQueue({ common, redisUrl: TEST_REDIS_URL, prefix });
    const handle = await queue.enqueue(syncWalletJob, { walletId: 424242 });
    await queue.close();
    const listed = await cli("jobs", "list");
    expect(listed.stdout).toContain(`sync-wallet/${handle.id}\twaiting\t{"walletId":424242}`);
    const cancelled = await cli("jobs", "cancel", `sync-wallet/${handle.id}`, "sync-wallet/nope");
    expect(cancelled.stdout).toBe("cancelled 1 job(s)\n");
    expect(cancelled.code).toBe(2);
    expect(cancelled.stderr).toContain("sync-wallet/nope: no such job");
    expect((await cli("jobs", "list")).stdout).toBe("no jobs\n");
  });

  test("users: a key is printed once and only its hash is stored; revoke; list", {
    timeout: 180_000,
  }, async () => {
    const created = await cli("users", "create", "dora", "--tz", "Europe/Paris");
    expect(created.code, created.stderr).toBe(0);
    const key = /store it now\): (lw_[A-Za-z0-9_-]{43})\n/.exec(created.stdout)![1]!;
    const [stored] = await database.db
      .select({ keyHash: apiKeys.keyHash })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .where(eq(users.name, "dora"));
    const hash = stored!.keyHash;
    const { createHash } = await import("node:crypto");
    expect(hash).toBe(createHash("sha256").update(key).digest("hex"));
    expect(hash).not.toContain(key);
    expect((await cli("users", "create", "dora")).stderr).toContain("user 'dora' already exists");
    expect((await cli("users", "list")).stdout).toMatch(/^dora\t1 active key\(s\)\tlast used never$/m);
    expect((await cli("users", "revoke", "dora")).stdout).toBe("revoked 1 key(s) of dora\n");
    // The user's zone is the zone of their nightly sync.
    const shown = JSON.parse((await cli("--user", "dora", "schedule", "show", "--json")).stdout);
    expect(shown).toMatchObject({
      cron: "0 3 * * *",
      time_zone: "Europe/Paris",
      paused: false,
      last_run: null,
    });
  });

  test("schedule set / pause / resume", { timeout: 180_000 }, async () => {
    const set = await cli("schedule", "set", "--cron", "30 2 * * *", "--tz", "America/Chicago");
    expect(set.code, set.stderr).toBe(0);
    // 02:30 in Chicago is 07:30 or 08:30 UTC (daylight saving time or not).
    expect(set.stdout).toMatch(
      /^nightly sync set to '30 2 \* \* \*' in America\/Chicago; next run \S+T0[78]:30:00\.000Z\n$/,
    );
    expect((await cli("schedule", "pause")).stdout).toBe("nightly sync paused\n");
    expect(JSON.parse((await cli("schedule", "show", "--json")).stdout)).toMatchObject({
      cron: "30 2 * * *",
      time_zone: "America/Chicago",
      paused: true,
      next_run: null,
    });
    const bad = await cli("schedule", "set", "--cron", "61 * * * *");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("cron expression '61 * * * *'");
  });
});
