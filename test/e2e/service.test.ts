import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { cursors, syncRuns, wallets } from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { upsertWallet } from "../../db/wallets.ts";
import { replaceSourcePrices } from "../../src/prices/cache.ts";
import { addRule } from "../../src/review/decisions.ts";
import { getRun, startSyncRun } from "../../src/sync/runs.ts";
import { createSyncDispatcher } from "../../workers/flow.ts";
import { type Anvil, rpcCall, sendAt, startAnvil } from "../anvil.ts";
import { runCli } from "../cli.ts";
import { type Snapshot, snapshotRows } from "../evm-harness.ts";
import { startFaultProxy } from "../fault-proxy.ts";
import { type LotwiseProcess, readSse, spawnLotwise } from "../processes.ts";
import { createTestCommon, createTestDatabase, TEST_REDIS_URL } from "../services.ts";

/**
 * The docker-compose topology with real processes: one `lotwise serve`, two `lotwise worker`s,
 * PostgreSQL and Redis. Two anvil wallets are pasted through the API, synced as a BullMQ flow,
 * and the gains read back; then a worker is SIGKILLed mid-job and another SIGTERMed mid-job, and
 * the rows come out the same as the clean run.
 *
 * The chain (anvil, zero gas price so no fee rows): an outsider sends A 2 ETH on 2025-03-01 12:00
 * (a rule makes it airdrop income), A sends B 1 ETH on 2025-06-01 12:00, B sends the outsider
 * 0.5 ETH on 2025-06-02 (a rule makes it a sale). Prices: ETH $2,000 on 2025-03-01, $3,000 from
 * 2025-06-01. By hand: income 2 × $2,000 = $4,000.00; the sale's proceeds 0.5 × $3,000 =
 * $1,500.00, its basis 0.5 × $2,000 = $1,000.00 (the lot moved to B with its basis), a short-term
 * gain of $500.00.
 */

const OUTSIDER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const ADMIN_KEY = `admin-${randomUUID()}`;
const ETH = 10n ** 18n;
const PRICES = [
  "asset,time,usd",
  "ETH,2025-03-01T00:00:00Z,2000",
  "ETH,2025-06-01T00:00:00Z,3000",
  "ETH,2025-06-01T23:00:00Z,3000",
  "",
].join("\n");
/** Empty blocks mined after the three transactions (blocks 1–3). */
const EMPTY_BLOCKS = 20;
const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);

let anvil: Anvil;
let dir: string;
let clean: Snapshot;
let cleanLedger: unknown[];
const procs: LotwiseProcess[] = [];
const databases: Database[] = [];

/** Mined at `time` before the next one is sent (see `sendAt`). */
const send = (from: string, to: string, wei: bigint, time: string) =>
  sendAt(anvil.url, { from, to, value: wei }, at(time));

const writeConfig = (name: string, extra: Record<string, unknown>) => {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({
      dataDir: path.join(dir, ".lotwise"),
      assets: { tokens: { "evm:31337:native": "ETH" } },
      prices: { order: ["file"] },
      server: { adminKey: ADMIN_KEY },
      jsonLogs: true,
      ...extra,
    }),
  );
  return file;
};

const ledgerOf = async (database: Database): Promise<unknown[]> => {
  const result = (await database.db.execute(
    sql`select id, time, type, wallet, out_asset, out_quantity, in_asset, in_quantity, usd_value, fee_asset, fee_quantity, to_wallet, subtype, tx from lotwise_app.ledger_rows order by id`,
  )) as unknown as { rows: unknown[] };
  return result.rows;
};

/** Rows without per-database ids (wallets by address) and without scan intervals (they depend on step sizes). */
const comparable = (s: Snapshot) => {
  const { scans: _s, ...rest } = s;
  const strip = (rows: Record<string, unknown>[]) =>
    rows.map((r) => ("wallet" in r ? { ...r, wallet: String(r.wallet).split("/")[1] } : r));
  return Object.fromEntries(Object.entries(rest).map(([k, rows]) => [k, strip(rows)]));
};

beforeAll(async () => {
  anvil = await startAnvil({
    timestamp: at("2025-03-01T00:00:00Z"),
    args: ["--block-base-fee-per-gas", "0", "--gas-price", "0"],
  });
  await send(OUTSIDER, A, 2n * ETH, "2025-03-01T12:00:00Z");
  await send(A, B, ETH, "2025-06-01T12:00:00Z");
  await send(B, OUTSIDER, ETH / 2n, "2025-06-02T00:00:00Z");
  // Empty blocks after the history, so a sync in small steps takes long enough to be interrupted.
  // (Each one-block step through the slow proxy below takes about 0.2 s: 20 of them leave the
  // kill and the SIGTERM seconds of margin; 40 doubled the waits for nothing.)
  await rpcCall(anvil.url, "anvil_mine", [`0x${EMPTY_BLOCKS.toString(16)}`, "0x3c"]);
  dir = mkdtempSync(path.join(os.tmpdir(), "lotwise-service-"));
}, 120_000);

afterAll(async () => {
  for (const p of procs)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  await Promise.all(procs.map((p) => p.exited));
  for (const d of databases) await d.close().catch(() => {});
  await anvil?.stop();
});

describe("service topology: serve + two workers + PostgreSQL + Redis", () => {
  test("wallets pasted through the API sync as a flow and the gains come back", {
    timeout: 300_000,
  }, async () => {
    const database = await createTestDatabase("postgres");
    databases.push(database);
    const prefix = `lw-e2e-${randomUUID().slice(0, 8)}`;
    const config = writeConfig("service.json", { rpc: { "evm:31337": anvil.url }, queuePrefix: prefix });
    const env = { DATABASE_URL: database.url!, REDIS_URL: TEST_REDIS_URL };
    const created = await runCli(
      ["--config", config, "users", "create", "alice", "--tz", "America/New_York"],
      { cwd: dir, env },
    );
    expect(created.code, created.stderr).toBe(0);
    const key = /API key \(shown once, store it now\): (lw_\S+)/.exec(created.stdout)![1]!;
    const auth = { authorization: `Bearer ${key}` };

    const serve = spawnLotwise(["--config", config, "serve", "--port", "0"], { cwd: dir, env });
    const workers = [0, 1].map(() => spawnLotwise(["--config", config, "worker"], { cwd: dir, env }));
    procs.push(serve, ...workers);
    const base = (await serve.waitFor(/lotwise API on (http:\/\/\S+) /))[1]!;
    await Promise.all(workers.map((w) => w.waitFor(/"msg":"worker ready"/)));

    const api = async (
      method: string,
      url: string,
      body?: unknown,
      headers: Record<string, string> = auth,
    ) => {
      const res = await fetch(`${base}${url}`, {
        method,
        headers: {
          ...headers,
          ...(typeof body === "string"
            ? { "content-type": "text/csv" }
            : body
              ? { "content-type": "application/json" }
              : {}),
        },
        ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : text };
    };

    expect((await api("GET", "/readyz")).body).toEqual({ database: "ok", redis: "ok" });
    const pasted = await api("POST", "/v1/wallets", {
      wallets: `${A}\n${B.toLowerCase()}`,
      chain: "evm:31337",
    });
    expect(pasted.status).toBe(201);
    expect(pasted.body.added).toBe(2);
    for (const [direction, as] of [
      ["in", "income"],
      ["out", "sell"],
    ] as const) {
      const r = await api("POST", "/v1/review/rules", {
        match: { counterparty: OUTSIDER, direction },
        action: { as, ...(as === "income" ? { subtype: "airdrop" } : {}) },
      });
      expect(r.status).toBe(201);
    }
    expect((await api("PUT", "/admin/prices/imports/eth", PRICES)).status).toBe(401);
    const imported = await api("PUT", "/admin/prices/imports/eth", PRICES, {
      authorization: `Bearer ${ADMIN_KEY}`,
    });
    expect(imported.body).toEqual({ source: "file:eth.csv", rows: 3, replaced: 0 });

    const started = await api("POST", "/v1/sync");
    expect(started.status).toBe(202);
    const runId = started.body.id as number;
    expect((await api("POST", "/v1/sync")).status).toBe(409);
    const events = await readSse(`${base}/v1/sync/runs/${runId}/events`, auth, "run");
    expect(events[0]!.event).toBe("snapshot");
    expect(events.at(-1)).toEqual({ event: "run", data: { type: "run", runId, status: "completed" } });
    // Live progress reached the API unless the run had already finished when the stream opened.
    const liveWallets = events
      .filter((e) => e.event === "wallet")
      .map((e) => (e.data as { state: string }).state);
    if (events.length > 2) expect(liveWallets).toContain("completed");

    const run = (await api("GET", `/v1/sync/runs/${runId}`)).body;
    expect(run.status).toBe("completed");
    expect(
      run.wallets.map((w: { wallet: string; state: string; error: string | null }) => [
        w.wallet,
        w.state,
        w.error,
      ]),
    ).toEqual([
      [`evm:31337:${B}`, "completed", null],
      [`evm:31337:${A}`, "completed", null],
    ]);
    expect(run.ledger.rows).toBeGreaterThan(0);

    const gains = (await api("GET", "/v1/gains/summary?year=2025")).body;
    expect(gains.summary.short_term).toEqual({
      proceeds: "1500.00",
      cost_basis: "1000.00",
      adjustments: "0.00",
      gain: "500.00",
    });
    expect(gains.summary.long_term.gain).toBe("0.00");
    expect(gains.summary.ordinary_income).toEqual({
      total: "4000.00",
      airdrop: "4000.00",
      by_subtype: { airdrop: "4000.00" },
    });
    expect(gains.summary.warnings).toEqual([]);

    const schedule = (await api("GET", "/v1/schedule")).body;
    expect(schedule).toMatchObject({ cron: "0 3 * * *", timeZone: "America/New_York", paused: false });
    // 03:00 in New York is 07:00 or 08:00 UTC depending on daylight saving time.
    expect(schedule.nextRun).toMatch(/T0[78]:00:00\.000Z$/);

    const board = await fetch(`${base}/admin/queues`, {
      headers: { authorization: `Basic ${Buffer.from(`x:${ADMIN_KEY}`).toString("base64")}` },
    });
    expect(board.status).toBe(200);
    expect(await board.text()).toContain("<html");
    expect((await fetch(`${base}/admin/queues`)).status).toBe(401);

    // Job data in Redis holds ids only: no RPC URL.
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}:sync-run-wallet:run-*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) {
        const data = await redis.hget(k, "data");
        if (data !== null) expect(data).not.toContain("http");
      }
    } finally {
      redis.disconnect();
    }
    for (const p of [serve, ...workers]) {
      expect(p.output()).not.toContain(ADMIN_KEY);
      expect(p.output()).not.toContain(key);
    }

    clean = await snapshotRows(database);
    cleanLedger = await ledgerOf(database);
    expect(cleanLedger.length).toBeGreaterThan(0);

    // SIGTERM: every process drains and exits cleanly.
    for (const p of [serve, ...workers]) p.child.kill("SIGTERM");
    expect(await Promise.all([serve, ...workers].map((p) => p.exited))).toEqual([0, 0, 0]);
  });

  test("a worker SIGKILLed mid-job loses nothing; one SIGTERMed mid-job finishes its job and exits", {
    timeout: 300_000,
  }, async () => {
    expect(clean, "the topology test must run first").toBeDefined();
    const database = await createTestDatabase("postgres");
    databases.push(database);
    const prefix = `lw-e2e-${randomUUID().slice(0, 8)}`;
    // Slow answers and one-block steps: the sync commits many steps, and the kill lands between them.
    const proxy = await startFaultProxy(anvil.url, { delayMs: 30 });
    const config = writeConfig("kill.json", {
      rpc: { "evm:31337": proxy.url },
      sync: { stepBlocks: 1, concurrency: 1 },
      queuePrefix: prefix,
      queues: { lockMs: 2000, drainMs: 60_000, syncConcurrency: 1 },
    });
    const env = { DATABASE_URL: database.url!, REDIS_URL: TEST_REDIS_URL };
    const common = createTestCommon({
      databaseUrl: database.url,
      redisUrl: TEST_REDIS_URL,
      queuePrefix: prefix,
    });
    try {
      const userId = await ensureUser(database.db, "alice");
      for (const address of [A, B]) await upsertWallet(database.db, userId, { chain: "evm:31337", address });
      await addRule(
        { db: database.db, userId },
        {
          match: { counterparty: OUTSIDER, direction: "in" },
          action: { as: "income", subtype: "airdrop" },
        },
      );
      await addRule(
        { db: database.db, userId },
        {
          match: { counterparty: OUTSIDER, direction: "out" },
          action: { as: "sell" },
        },
      );
      await replaceSourcePrices(database.db, "file:eth.csv", [
        { asset: "ETH", time: new Date("2025-03-01T00:00:00Z"), usd: "2000" },
        { asset: "ETH", time: new Date("2025-06-01T00:00:00Z"), usd: "3000" },
        { asset: "ETH", time: new Date("2025-06-01T23:00:00Z"), usd: "3000" },
      ]);
      const w1 = spawnLotwise(["--config", config, "worker"], { cwd: dir, env });
      procs.push(w1);
      await w1.waitFor(/"msg":"worker ready"/);
      const dispatcher = createSyncDispatcher({ common });
      const run = await startSyncRun({ db: database.db, dispatcher, userId, trigger: "api" });

      const progress = async () =>
        (await database.db.select({ position: cursors.position }).from(cursors)).map((r) =>
          Number((r.position as { finalTo?: string }).finalTo ?? 0),
        );
      const waitUntil = async (what: string, ok: () => Promise<boolean>, ms = 120_000) => {
        const deadline = Date.now() + ms;
        while (!(await ok())) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 25));
        }
      };
      // Kill the first worker once it has committed some, not all, steps of the first wallet.
      await waitUntil("a few committed steps", async () => (await progress()).some((n) => n >= 5));
      const before = Math.max(...(await progress()));
      w1.child.kill("SIGKILL");
      expect(await w1.exited).toBe("SIGKILL");
      expect(before).toBeLessThan(EMPTY_BLOCKS);

      // The second worker takes the stalled job over once its lock lapses, resumes, and is asked to stop mid-job.
      const w2 = spawnLotwise(["--config", config, "worker"], { cwd: dir, env });
      procs.push(w2);
      await waitUntil(
        "the second worker progressing",
        async () => Math.max(0, ...(await progress())) > before + 2,
      );
      w2.child.kill("SIGTERM");
      await w2.waitFor(/"msg":"draining"/);
      expect(await w2.exited).toBe(0);
      expect(w2.output()).toMatch(/"msg":"drained"/);
      // The job it was running finished (drained), not failed.
      const mid = (await getRun(database.db, userId, run.id))!;
      expect(mid.wallets.filter((w) => w.state === "failed")).toEqual([]);
      expect(mid.wallets.some((w) => w.state === "completed")).toBe(true);

      const w3 = spawnLotwise(["--config", config, "worker"], { cwd: dir, env });
      procs.push(w3);
      await waitUntil(
        "the run to finish",
        async () =>
          (await database.db.select().from(syncRuns).where(eq(syncRuns.id, run.id)))[0]!.status !==
            "running" &&
          (await database.db.select().from(syncRuns).where(eq(syncRuns.id, run.id)))[0]!.status !== "queued",
        180_000,
      );
      const done = (await getRun(database.db, userId, run.id))!;
      expect(done.status).toBe("completed");
      expect(done.wallets.map((w) => w.state)).toEqual(["completed", "completed"]);
      expect(comparable(await snapshotRows(database))).toEqual(comparable(clean));
      expect(await ledgerOf(database)).toEqual(cleanLedger);
      expect((await database.db.select().from(wallets)).length).toBe(2);
      w3.child.kill("SIGTERM");
      expect(await w3.exited).toBe(0);
    } finally {
      await common.shutdown.close();
      await proxy.close();
    }
  });
});
