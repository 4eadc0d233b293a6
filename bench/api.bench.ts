/**
 * `npm run bench -- api`: load on the HTTP API over loopback, bounded in time. 20 users with
 * 100,000 ledger rows each on PostgreSQL; a real `lotwise serve` (service mode: PostgreSQL +
 * Redis) and a real `lotwise worker` syncing a 21st user's anvil wallets while 50 concurrent
 * clients (autocannon) read: 40 fetch ledger pages of 100 rows at random places of random users'
 * ledgers, 10 fetch gains summaries of random users (served from the cache; the first summary of
 * each user, computed before the measurement, is reported separately).
 *
 * Flags: `--seconds=N` (default 20), `--rows=N` per user (default 100,000), `--users=N` (20).
 * Targets: no errors; ledger pages and gains summaries p99 < 100 ms. Needs PostgreSQL on
 * LOTWISE_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) and Redis on
 * LOTWISE_TEST_REDIS_URL (default redis://127.0.0.1:6379); creates and drops its own database.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon, { type Result } from "autocannon";
import { sql } from "drizzle-orm";
import { ensureUser } from "../db/users.ts";
import { upsertWallet } from "../db/wallets.ts";
import { createUser } from "../src/users/keys.ts";
import { rpcCall, startAnvil } from "../test/anvil.ts";
import { spawnLotwise } from "../test/processes.ts";
import { createTestDatabase, TEST_REDIS_URL } from "../test/services.ts";
import { createRandom } from "./random.ts";

const flag = (name: string, fallback: number) => {
  const f = process.argv.find((a) => a.startsWith(`--${name}=`));
  return f ? Number(f.split("=")[1]) : fallback;
};

export default async function bench(args: string[]): Promise<void> {
  const seconds = flag("seconds", 20);
  const rowsPerUser = flag("rows", 100_000);
  const userCount = flag("users", 20);
  void args;
  const t0 = Date.now();
  console.log(
    `load averages at start (uptime): ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(", ")}`,
  );
  const database = await createTestDatabase("postgres");
  const anvil = await startAnvil({ args: ["--block-base-fee-per-gas", "0", "--gas-price", "0"] });
  const dir = mkdtempSync(path.join(os.tmpdir(), "lotwise-bench-api-"));
  const procs: ReturnType<typeof spawnLotwise>[] = [];
  try {
    // 20 users × 100,000 rows, generated in the database: pairs of a buy then a sell of one of
    // ten assets, every 5 minutes through 2025 (all short term, no shortfall).
    const keys: string[] = [];
    const starts: number[] = [];
    for (let u = 0; u < userCount; u++) {
      const { userId, key } = await createUser(database.db, { name: `bench${u}` });
      keys.push(key);
      await database.db.execute(sql`
        insert into lotwise_app.ledger_rows (user_id, id, seq, origin, time, type, wallet, out_asset, out_quantity, in_asset, in_quantity, usd_value)
        select ${userId}::int, 'r' || i, 0, 'import:bench', timestamptz '2025-01-01 00:00:00+00' + i * interval '5 minutes',
          case when i % 2 = 0 then 'buy' else 'sell' end, 'wallet:' || (i % 3),
          case when i % 2 = 1 then 'A' || ((i / 2) % 10) end, case when i % 2 = 1 then 1::numeric end,
          case when i % 2 = 0 then 'A' || ((i / 2) % 10) end, case when i % 2 = 0 then 1::numeric end,
          (100 + (i % 97))::numeric
        from generate_series(0, ${rowsPerUser - 1}) as i`);
      starts.push(Date.parse("2025-01-01T00:00:00Z"));
    }
    // Sells are in wallet:(i % 3) and buys in wallet:((i-1) % 3): use universal scope for the summaries.
    await database.db.execute(sql`analyze lotwise_app.ledger_rows`);
    console.log(
      `data: ${userCount} users × ${rowsPerUser} ledger rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );

    // The 21st user's two wallets on anvil, synced by a worker during the load.
    const syncUser = await createUser(database.db, { name: "syncer" });
    const outsider = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    const addrs = [
      "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    ];
    for (let i = 0; i < 30; i++)
      await rpcCall(anvil.url, "eth_sendTransaction", [
        { from: outsider, to: addrs[i % 2], value: "0x2386f26fc10000", gasPrice: "0x0", gas: "0x5208" },
      ]);
    await rpcCall(anvil.url, "anvil_mine", ["0x100"]);
    const syncUserId = await ensureUser(database.db, "syncer");
    for (const a of addrs) await upsertWallet(database.db, syncUserId, { chain: "evm:31337", address: a });

    const config = path.join(dir, "lotwise.config.json");
    writeFileSync(
      config,
      JSON.stringify({
        rpc: { "evm:31337": anvil.url },
        assets: { tokens: { "evm:31337:native": "ETH" } },
        prices: { order: ["file"] },
        sync: { stepBlocks: 4 },
        queuePrefix: `lw-bench-${randomUUID().slice(0, 8)}`,
        logLevel: "warn",
        jsonLogs: true,
      }),
    );
    const env = { DATABASE_URL: database.url!, REDIS_URL: TEST_REDIS_URL };
    const serve = spawnLotwise(["--config", config, "serve", "--port", "0"], { cwd: dir, env });
    procs.push(serve);
    const base = (await serve.waitFor(/lotwise API on (http:\/\/\S+) /, 120_000))[1]!;
    const worker = spawnLotwise(["--config", config, "--log-level", "info", "worker"], { cwd: dir, env });
    procs.push(worker);
    await worker.waitFor(/"msg":"worker ready"/, 120_000);

    const summaryPath = "/v1/gains/summary?year=2025&scope=universal";
    // Cold summaries: each computes the user's 100,000 rows once, then the cache serves them.
    const cold: number[] = [];
    for (const k of keys) {
      const s = Date.now();
      const r = await fetch(`${base}${summaryPath}`, { headers: { authorization: `Bearer ${k}` } });
      if (!r.ok) throw new Error(`summary: HTTP ${r.status} ${await r.text()}`);
      cold.push(Date.now() - s);
    }
    cold.sort((a, b) => a - b);
    console.log(
      `cold gains summaries (cache misses, ${rowsPerUser} rows each): median ${cold[cold.length >> 1]} ms, max ${cold.at(-1)} ms`,
    );

    const random = createRandom(42);
    const span = rowsPerUser * 5 * 60_000;
    const ledgerRequest = {
      method: "GET",
      setupRequest: (req: Record<string, unknown>) => {
        const u = Math.floor(random() * keys.length);
        const from = new Date(starts[u]! + Math.floor(random() * span)).toISOString();
        return {
          ...req,
          path: `/v1/ledger?limit=100&from=${from}`,
          headers: { authorization: `Bearer ${keys[u]}` },
        };
      },
    };
    const gainsRequest = {
      method: "GET",
      setupRequest: (req: Record<string, unknown>) => ({
        ...req,
        path: summaryPath,
        headers: { authorization: `Bearer ${keys[Math.floor(random() * keys.length)]}` },
      }),
    };
    // The floor on this machine now: the same 50 connections on /healthz (no database, no auth).
    const floor = await autocannon({ url: `${base}/healthz`, connections: 50, duration: 3, timeout: 10 });
    const sync = await fetch(`${base}/v1/sync`, {
      method: "POST",
      headers: { authorization: `Bearer ${syncUser.key}` },
    });
    if (sync.status !== 202) throw new Error(`sync: HTTP ${sync.status} ${await sync.text()}`);
    const runId = ((await sync.json()) as { id: number }).id;
    const [ledger, gains] = await Promise.all([
      autocannon({
        url: base,
        connections: 40,
        duration: seconds,
        requests: [ledgerRequest] as never,
        timeout: 10,
      }),
      autocannon({
        url: base,
        connections: 10,
        duration: seconds,
        requests: [gainsRequest] as never,
        timeout: 10,
      }),
    ]);
    const run = (await (
      await fetch(`${base}/v1/sync/runs/${runId}`, { headers: { authorization: `Bearer ${syncUser.key}` } })
    ).json()) as { status: string; startedAt: string | null; finishedAt: string | null };

    // Every summary of the load came from the cache: nothing changed these users' ledgers.
    let hits = 0;
    for (const k of keys) {
      const r = await fetch(`${base}${summaryPath}`, { headers: { authorization: `Bearer ${k}` } });
      if (((await r.json()) as { cached?: boolean }).cached === true) hits++;
    }
    const line = (name: string, r: Result) =>
      `${name.padEnd(16)} ${String(r.requests.total).padStart(7)} req  ${r.requests.average.toFixed(0).padStart(6)} req/s  p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  max ${String(r.latency.max).padStart(5)} ms  errors ${r.errors}  timeouts ${r.timeouts}  non-2xx ${r.non2xx}`;
    console.log(`load: 50 connections for ${seconds} s over loopback (40 ledger pages, 10 gains summaries)`);
    console.log(line("ledger pages", ledger));
    console.log(line("gains summaries", gains));
    console.log(line("floor /healthz", floor));
    console.log(
      `ledger p99 / floor p99: ${(ledger.latency.p99 / Math.max(1, floor.latency.p99)).toFixed(1)}; load averages (uptime) ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(", ")} on ${os.cpus().length} cores`,
    );
    console.log(
      `sync during the load: run ${runId} ${run.status}${run.startedAt && run.finishedAt ? ` in ${((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1)} s` : ""}`,
    );
    const ok =
      ledger.errors + ledger.non2xx + ledger.timeouts + gains.errors + gains.non2xx + gains.timeouts === 0;
    console.log(`gains cache after the load: ${hits} of ${keys.length} users' summaries answered from it`);
    console.log(
      `targets: no errors ${ok ? "met" : "MISSED"}; ledger p99 < 100 ms ${ledger.latency.p99 < 100 ? "met" : "MISSED"} (${ledger.latency.p99} ms); gains p99 < 100 ms ${gains.latency.p99 < 100 ? "met" : "MISSED"} (${gains.latency.p99} ms)`,
    );
  } finally {
    for (const p of procs) p.child.kill("SIGTERM");
    await Promise.all(procs.map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 15_000))])));
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await anvil.stop();
    await database.close();
  }
}
