/**
 * `npm run bench prices`: `priceMany` on 100,000 queries answered from the database — the
 * user's price file and prices cached from an HTTP provider — on embedded PGlite (in memory) and,
 * with `--postgres`, on the test PostgreSQL server too.
 *
 * Data: 8 assets with hourly file prices over 2024 (70,272 rows) plus DefiLlama-cached hourly
 * points for 4 more assets; 100,000 queries at deterministic pseudo-random instants of 2024
 * (10 % duplicates). Every query must be priced; the figure is distinct queries per second,
 * including the batched reads of the `prices` table.
 *
 * Flags: `--queries=N` (default 100,000), `--runs=N` (default 3; the fastest is shown), `--postgres`.
 */

import { prices as pricesTable } from "../db/schema/index.ts";
import { replaceSourcePrices } from "../src/prices/cache.ts";
import { createPriceService } from "../src/prices/service.ts";
import type { PriceQuery } from "../src/prices/types.ts";
import { createTestCommon, createTestDatabase, type DatabaseKind } from "../test/services.ts";
import { createRandom } from "./random.ts";

const FILE_ASSETS = [
  "ETH",
  "BTC",
  "SOL",
  "POL",
  "WBTC",
  "WETH",
  "evm:31337:0x5FbDB2315678afecb367f032d93F642f64180aa3",
  "FOO",
];
const CACHED_ASSETS = ["ARB", "OP", "LINK", "UNI"];
const YEAR_START = Date.parse("2024-01-01T00:00:00Z");
const HOURS = 366 * 24;

const flag = (args: string[], name: string, fallback: number) => {
  const f = args.find((a) => a.startsWith(`--${name}=`));
  return f ? Number(f.split("=")[1]) : fallback;
};

const benchOne = async (kind: DatabaseKind, queryCount: number, runs: number) => {
  const database = await createTestDatabase(kind);
  try {
    const usd = (i: number, h: number) => `${1000 + i * 13}.${String((h * 7919) % 100_000).padStart(5, "0")}`;
    for (const [i, asset] of FILE_ASSETS.entries()) {
      const rows = Array.from({ length: HOURS }, (_, h) => ({
        asset,
        time: new Date(YEAR_START + h * 3_600_000),
        usd: usd(i, h),
      }));
      await replaceSourcePrices(database.db, `file:bench-${i}.csv`, rows);
    }
    for (const [i, asset] of CACHED_ASSETS.entries()) {
      const rows = Array.from({ length: HOURS }, (_, h) => ({
        asset,
        time: new Date(YEAR_START + h * 3_600_000 + 120_000),
        usd: usd(i + 50, h),
        source: "defillama",
      }));
      for (let k = 0; k < rows.length; k += 1000)
        await database.db.insert(pricesTable).values(rows.slice(k, k + 1000));
    }

    const random = createRandom(20240101);
    const assets = [...FILE_ASSETS, ...CACHED_ASSETS];
    const queries: PriceQuery[] = [];
    for (let k = 0; k < queryCount; k++) {
      if (k > 0 && random() < 0.1) {
        queries.push(queries[Math.floor(random() * queries.length)]!);
        continue;
      }
      const asset = assets[Math.floor(random() * assets.length)]!;
      const time = new Date(YEAR_START + 3_600_000 + Math.floor(random() * (HOURS - 1) * 3_600_000));
      queries.push({ asset, time });
    }

    let best = Number.POSITIVE_INFINITY;
    let distinct = 0;
    for (let r = 0; r < runs; r++) {
      // No HTTP: a DefiLlama URL that cannot answer, so any request would show up as missing.
      const common = createTestCommon({
        prices: {
          order: ["file", "stablecoin", "defillama"],
          defillamaUrl: "http://127.0.0.1:9",
          maxAttempts: 1,
          timeoutMs: 200,
        },
      });
      const service = createPriceService({ common, database });
      const started = performance.now();
      const { results, missing } = await service.priceMany(queries);
      const ms = performance.now() - started;
      const stats = service.stats();
      if (missing.length > 0 || results.some((x) => !x.ok))
        throw new Error(`${missing.length} prices missing`);
      if ((stats.httpRequests.defillama ?? 0) > 0) throw new Error("the benchmark made an HTTP request");
      distinct = stats.queries;
      best = Math.min(best, ms);
    }
    console.log(
      `${kind.padEnd(8)} ${queryCount.toLocaleString("en-US")} queries (${distinct.toLocaleString("en-US")} distinct): ` +
        `${best.toFixed(0)} ms, ${Math.round((queryCount / best) * 1000).toLocaleString("en-US")} queries/s`,
    );
  } finally {
    await database.close();
  }
};

export default async (args: string[]): Promise<void> => {
  const queryCount = flag(args, "queries", 100_000);
  const runs = flag(args, "runs", 3);
  await benchOne("pglite", queryCount, runs);
  if (args.includes("--postgres")) await benchOne("postgres", queryCount, runs);
};
