import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createBullQueue, startBullWorkers } from "../../workers/bullmq.ts";
import { syncWalletJob } from "../../workers/processors/sync-wallet.ts";
import { JOB_DEFINITIONS } from "../../workers/registry.ts";
import type { Anvil } from "../anvil.ts";
import { runCliInProcess } from "../cli.ts";
import { type ScenarioResult, startScenarioChain } from "../evm-scenario.ts";
import { type FaultProxy, startFaultProxy } from "../fault-proxy.ts";
import { seedDataDir } from "../pglite-template.ts";
import { createTestCommon, createTestDatabase, TEST_REDIS_URL } from "../services.ts";

/**
 * The ledger pipeline in service mode: `lotwise sync` with PostgreSQL and Redis, the sync and
 * ledger-build jobs on a real BullMQ queue served by two workers, then `ledger export` and `gains`
 * on the stored ledger — the same ledger, byte for byte, as the embedded path (PGlite, jobs
 * in-process). The `--rpc` URL carries a key; it must not be stored in the jobs' data.
 */
const SECRET = "rpc-k3y-never-stored";
let anvil: Anvil;
let sc: ScenarioResult;
let proxy: FaultProxy;

/** What decides the rows: the CLI and the workers (each reads its own configuration) share it. */
const settings = () => {
  const c = sc.contracts;
  return {
    assets: { tokens: { "evm:31337:native": "ETH", [`evm:31337:${c.weth}`]: "ETH" } },
    prices: { order: ["file", "stablecoin"] as ("file" | "stablecoin")[] },
    classify: { contracts: { "evm:31337": { weth: [c.weth], uniswapV2Routers: [c.router] } } },
  };
};

const setup = (dir: string) => {
  writeFileSync(
    path.join(dir, "lotwise.config.json"),
    JSON.stringify({ dataDir: path.join(dir, ".lotwise"), ...settings() }),
  );
  // Test price (not market data) for the day the scenario runs.
  writeFileSync(
    path.join(dir, "prices.csv"),
    ["asset,time,usd", `ETH,${new Date().toISOString().slice(0, 10)},3000`, ""].join("\n"),
  );
};

beforeAll(async () => {
  ({ anvil, scenario: sc } = await startScenarioChain());
  proxy = await startFaultProxy(anvil.url);
});
afterAll(async () => {
  await proxy?.close();
  await anvil?.stop();
});

describe("ledger on PostgreSQL with BullMQ workers", () => {
  test("sync → build-ledger job on the queue → export and gains equal the embedded path", {
    timeout: 900_000,
  }, async () => {
    const rpc = `evm:31337=${proxy.url}/v3/${SECRET}`;
    const wallets = [`evm:31337:${sc.accounts.a}`, `evm:31337:${sc.accounts.b}`];

    // Embedded (PGlite, in-process jobs).
    const local = mkdtempSync(path.join(tmpdir(), "lotwise-embedded-"));
    setup(local);
    await seedDataDir(path.join(local, ".lotwise"));
    // The commands run in this process (runCliInProcess), so file arguments are absolute paths.
    const cliLocal = (...args: string[]) =>
      runCliInProcess(["--config", path.join(local, "lotwise.config.json"), "--no-progress", ...args]);
    const steps = (dir: string) => [
      ["wallets", "add", ...wallets],
      ["prices", "import", path.join(dir, "prices.csv"), "--name", "prices.csv"],
      ["sync", "--rpc", rpc],
      ["ledger", "export", "--out", path.join(dir, "ledger.csv")],
    ];
    for (const args of steps(local)) {
      const r = await cliLocal(...args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
    }

    // Service (PostgreSQL, BullMQ, two workers).
    const database = await createTestDatabase("postgres");
    const prefix = `lotwise-test-${randomUUID()}`;
    const common = createTestCommon({ databaseUrl: database.url, redisUrl: TEST_REDIS_URL, ...settings() });
    const workers = [1, 2].map(() =>
      startBullWorkers({ common, redisUrl: TEST_REDIS_URL, prefix, database, definitions: JOB_DEFINITIONS }),
    );
    const redis = new Redis(TEST_REDIS_URL);
    const remote = mkdtempSync(path.join(tmpdir(), "lotwise-service-"));
    setup(remote);
    const env = { DATABASE_URL: database.url!, REDIS_URL: TEST_REDIS_URL, LOTWISE_QUEUE_PREFIX: prefix };
    const cli = (...args: string[]) =>
      runCliInProcess(["--config", path.join(remote, "lotwise.config.json"), "--no-progress", ...args], env);
    try {
      for (const args of steps(remote)) {
        const r = await cli(...args);
        expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
        expect(r.stderr).not.toContain(SECRET);
      }
      expect(readFileSync(path.join(remote, "ledger.csv"), "utf8")).toBe(
        readFileSync(path.join(local, "ledger.csv"), "utf8"),
      );

      // The jobs ran on the queue: two sync jobs and a ledger build, none holding the URL.
      const queue = createBullQueue({ common, redisUrl: TEST_REDIS_URL, prefix });
      try {
        const keys = await redis.keys(`${prefix}:*`);
        expect(keys.some((k) => k.startsWith(`${prefix}:build-ledger:`))).toBe(true);
        const jobKeys = keys.filter(
          (k) =>
            /^.*:sync-wallet:[^:]+$/.test(k) &&
            !/:(id|meta|events|completed|failed|wait|active|marker|stalled-check|delayed|prioritized|paused|pc)$/.test(
              k,
            ),
        );
        expect(jobKeys.length).toBeGreaterThanOrEqual(2);
        for (const k of jobKeys) {
          const job = await redis.hgetall(k);
          expect(JSON.stringify(job)).not.toContain(SECRET);
          expect(JSON.parse(job.data!)).toEqual({ walletId: expect.any(Number) });
        }
        // The secrets' own keys are gone once the jobs ended.
        expect(keys.filter((k) => k.includes(":secrets:"))).toEqual([]);
        const status = await queue.status(syncWalletJob, jobKeys[0]!.slice(jobKeys[0]!.lastIndexOf(":") + 1));
        expect(status?.state).toBe("completed");
      } finally {
        await queue.close();
      }

      // gains on the stored ledger runs through the queue too and matches the embedded figures.
      const year = new Date().getUTCFullYear().toString();
      const g1 = await cli("gains", "--year", year, "--out", path.join(remote, "out"));
      const g2 = await cliLocal("gains", "--year", year, "--out", path.join(local, "out"));
      expect(g1.code).toBe(0);
      expect(g2.code).toBe(0);
      expect(readFileSync(path.join(remote, "out", "form8949.csv"), "utf8")).toBe(
        readFileSync(path.join(local, "out", "form8949.csv"), "utf8"),
      );
    } finally {
      redis.disconnect();
      for (const w of workers) await w.close();
      await common.shutdown.close();
      await database.close();
    }
  });
});
