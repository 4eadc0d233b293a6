/**
 * Solana sync throughput against the local replay server (`test/solana-replay.ts`), through the
 * real @solana/web3.js Connection, chains/transport.ts and an in-memory PGlite database.
 *
 * The wallet is GAgnD5… (staketaxcsv's Jupiter limit-order wallet). Its history is SYNTHETIC:
 * `--count=N` made-up signatures (default 5000), each answered with a copy of one of the wallet's 11
 * recorded mainnet transactions; its two token accounts add the 11 real ones. These are replay
 * throughput figures (localhost, no network latency, no provider rate limits), not mainnet figures.
 * The replay server runs in a child process (bench/solana-replay-process.ts), as a real node is
 * another process: the sync's CPU and the server's are reported apart.
 *
 *   npm run bench -- solana-sync [--count=5000] [--concurrency=4] [--postgres | --memory] [--cpu-prof=FILE] [--dump=DIR]
 *     [--statement-cpu] [--warm] [--wasm-tier-up]
 *
 * The database is PGlite on disk, as the CLI keeps it (`<dataDir>/pgdata`). `--postgres` writes to
 * a fresh database on the test PostgreSQL server (test/services.ts) instead; `--memory` to PGlite
 * in memory, where every file extension copies the whole file (quadratic in the bytes stored, a
 * cost no user pays: see createTestDatabase).
 *
 * The fetch floor: every HTTP body the cold sync sent (recorded as it ran) is sent again to the
 * replay server, `--concurrency` at a time, and each answer read and JSON-parsed, with nothing
 * normalized or stored; the cold sync is reported as a ratio of it.
 *
 * `--dump=DIR` writes what the cold sync stored, for comparing two versions (`diff -r`): the
 * wallet's transactions and movements and the raw records (their stored bytes, hex), as text
 * files sorted by key, and each raw record's JSON text (`raw_records_text.txt`, the same whatever
 * its stored form). `fetched_at` and serial ids are left out (they differ run to run).
 *
 * `--statement-cpu` (embedded database) prints the CPU seconds the cold sync's main thread spent
 * inside PGlite's statements, by statement (bench/pglite-statement-cpu.ts: this thread's own CPU
 * time, which a loaded machine does not inflate).
 *
 * PGlite's WebAssembly is compiled as the CLI's `sync` command compiles it (src/cli/wasm-tiers.ts:
 * V8's baseline compiler only). `--wasm-tier-up` keeps V8's optimizing compiler instead, as the
 * long-running server commands do (and `sync` did before): the optimizing compiles then show in the
 * "V8's and libuv's helpers" figure.
 *
 * `--warm` syncs the wallet again into a new database in the same process after the cold sync:
 * the same work with V8's compilers done (JavaScript optimized, PGlite's WebAssembly compiled, the
 * transaction thread running). The cold sync minus this one is the process's warm-up cost, paid
 * once per process (e.g. on 2 cores at load 10: 5.07 against 2.83 CPU s, sync and server).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { resolveChain } from "../chains/registry.ts";
import { normalizeTransaction } from "../chains/solana/normalize.ts";
import { syncSolanaWallet } from "../chains/solana/sync.ts";
import { accountKeysOf } from "../chains/solana/tx-json.ts";
import type { SyncWalletResult } from "../chains/types.ts";
import { createDatabase, type Database } from "../db/client.ts";
import { selectCells } from "../db/copy.ts";
import { packedJsonSql, unpackJsonText } from "../db/packed-json.ts";
import { unpackBlob } from "../db/raw-blobs.ts";
import { cursors, transactions } from "../db/schema/index.ts";
import { ensureUser } from "../db/users.ts";
import { upsertWallet } from "../db/wallets.ts";
import { chooseWasmTiers } from "../src/cli/wasm-tiers.ts";
import { createTestCommon, createTestDatabase } from "../test/services.ts";
import { loadRecordedTransactions } from "../test/solana-replay.ts";
import { profiled, profileFlag } from "./cpu-profile.ts";
import { fetchFloor, recordingPosts } from "./fetch-floor.ts";
import { createStatementCpu } from "./pglite-statement-cpu.ts";
import { startReplayProcess } from "./solana-replay-process.ts";
import { readThreadCpu, threadCpuSince } from "./thread-cpu.ts";

/** PGlite in memory (test databases are all on disk), migrated. */
const inMemory = async (): Promise<Database> => {
  const database = await createDatabase({ kind: "pglite" });
  await database.migrate();
  return database;
};

const WALLET = "GAgnD5XviS4wN7GpcTBbgvtFAZnT6Lc1ehkbnP3qo1bz";

const flag = (args: string[], name: string, fallback: number): number => {
  const v = args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  return v ? Number(v) : fallback;
};

/** What the cold sync stored, as sorted text files in `dir` (see the header). */
const dump = async (database: Database, dir: string): Promise<void> => {
  mkdirSync(dir, { recursive: true });
  const tables: Record<string, string> = {
    transactions:
      'select wallet_id, chain, tx_hash, block_number, block_hash, tx_index, time, "from", "to", status, method, fee_payer, final, details::text from lotwise_sync.transactions order by wallet_id, chain, tx_hash',
    movements:
      "select wallet_id, chain, tx_hash, evidence, evidence_index, block_number, block_hash, tx_index, time, asset, symbol, decimals, amount, counterparty, token_id, final from lotwise_sync.movements order by wallet_id, chain, tx_hash, evidence, evidence_index",
    raw_records:
      "select chain, tx_hash, kind, index, block_number, block_hash, encode(data, 'hex') as data from lotwise_sync.raw_records order by chain, tx_hash, kind, index",
  };
  for (const [name, query] of Object.entries(tables)) {
    const rows = (await database.db.execute(sql.raw(query))) as unknown as
      | { rows: Record<string, unknown>[] }
      | Record<string, unknown>[];
    const list = Array.isArray(rows) ? rows : rows.rows;
    const text = list.map((r) =>
      JSON.stringify(Object.values(r), (_k, v) => (v instanceof Date ? v.toISOString() : v)),
    );
    writeFileSync(path.join(dir, `${name}.txt`), `${text.join("\n")}\n`);
    console.log(`dump: ${list.length} ${name} rows → ${path.join(dir, `${name}.txt`)}`);
  }
  // Each raw record's JSON text, whatever its stored form (plain, compressed or a part of a blob):
  // the same in versions that store it differently.
  const cells = await selectCells(
    database.db,
    `select chain, tx_hash, kind, index, block_number, block_hash, ${packedJsonSql("data")}
      from lotwise_sync.raw_records order by chain, tx_hash, kind, index`,
  );
  const blobs = new Map<string, Buffer>();
  try {
    for (const [id, hex] of await selectCells(
      database.db,
      "select id, encode(data, 'hex') from lotwise_sync.raw_blobs",
    ))
      blobs.set(id!, unpackBlob(Buffer.from(hex!, "hex")));
  } catch {
    // Versions before migration 0017 have no blobs.
  }
  const text = (cell: string): string => {
    if (cell.startsWith("z")) return unpackJsonText(Buffer.from(cell.slice(1), "hex"));
    if (!cell.startsWith("@")) return cell;
    const [id, start, end] = cell.slice(1).split(":");
    return blobs.get(id!)!.subarray(Number(start), Number(end)).toString("utf8");
  };
  const lines = cells.map((r) => JSON.stringify([...r.slice(0, 6), text(r[6]!)]));
  writeFileSync(path.join(dir, "raw_records_text.txt"), `${lines.join("\n")}\n`);
  console.log(`dump: ${lines.length} raw records' texts → ${path.join(dir, "raw_records_text.txt")}`);
};

export default async (args: string[]): Promise<void> => {
  const count = flag(args, "count", 5000);
  const concurrency = flag(args, "concurrency", 4);

  // Pure normalization speed over the 37 recorded transactions.
  const recorded = loadRecordedTransactions();
  const rounds = 200;
  let t = performance.now();
  for (let i = 0; i < rounds; i++)
    for (const { tx } of recorded) normalizeTransaction(tx, accountKeysOf(tx)[0]!);
  const normalizeMs = performance.now() - t;
  console.log(
    `normalize: ${((rounds * recorded.length) / (normalizeMs / 1000)).toFixed(0)} tx/s (${recorded.length} recorded txs × ${rounds}, pure CPU)`,
  );

  // Before PGlite compiles its module: the compilers the CLI's `sync` uses.
  if (!args.includes("--wasm-tier-up")) chooseWasmTiers("sync");
  const server = await startReplayProcess({ synthetic: { wallet: WALLET, count } });
  const kind = args.includes("--postgres") ? "postgres" : "pglite";
  const onDisk = kind === "pglite" && !args.includes("--memory");
  const database = onDisk || kind === "postgres" ? await createTestDatabase(kind) : await inMemory();
  console.log(
    `database: ${kind === "postgres" ? "PostgreSQL" : onDisk ? "PGlite on disk" : "PGlite in memory"}, concurrency ${concurrency}` +
      (kind === "pglite"
        ? `, WebAssembly ${args.includes("--wasm-tier-up") ? "optimized (--wasm-tier-up)" : "baseline only, as the CLI's sync"}`
        : ""),
  );
  try {
    const userId = await ensureUser(database.db, "default");
    const wallet = await upsertWallet(database.db, userId, { chain: "solana", address: WALLET });
    const common = createTestCommon({ sync: { concurrency, maxAttempts: 6, timeoutMs: 30_000 } });
    const syncInto = (into: Database, w: typeof wallet): Promise<SyncWalletResult> =>
      syncSolanaWallet({
        common,
        database: into,
        wallet: w,
        chain: resolveChain("solana"),
        rpcUrl: server.url,
        signal: new AbortController().signal,
        reportProgress: () => {},
      });
    const run = () => syncInto(database, wallet);
    const stored = async () =>
      (await database.db.select().from(transactions).where(eq(transactions.walletId, wallet.id))).length;

    let cpu0 = process.cpuUsage();
    let threads0 = readThreadCpu();
    let serverCpu0 = 0;
    /** Threads the cold sync started (its transaction threads), counted as such in later sections. */
    let txThreads = new Set<number>();
    const report = async (label: string, ms: number, r: SyncWalletResult, signatures: number) => {
      const cpu = process.cpuUsage(cpu0);
      const threads = threadCpuSince(threads0, txThreads);
      const { stats: s, cpuSeconds } = await server.stats();
      const txs = r.transactions;
      console.log(
        `${label}: ${signatures} signatures, ${txs} txs in ${(ms / 1000).toFixed(2)} s ` +
          `(${((cpu.user + cpu.system) / 1e6).toFixed(2)} CPU s in the sync's process` +
          (threads
            ? ` [${threads.main.toFixed(2)} on its main thread, ${threads.others.toFixed(2)} on others: ` +
              `${threads.started.toFixed(2)} on transaction threads, ` +
              `${(threads.others - threads.started).toFixed(2)} on V8's and libuv's helpers]`
            : "") +
          "; " +
          `${(cpuSeconds - serverCpu0).toFixed(2)} CPU s in the replay server's) → ` +
          `${(signatures / (ms / 1000)).toFixed(0)} signatures/s, ${(txs / (ms / 1000)).toFixed(0)} txs/s; ` +
          `${r.rpcCalls} RPC calls (${s.http} HTTP requests; ${JSON.stringify(s.calls)})` +
          (txs > 0 ? `, ${(r.rpcCalls / txs).toFixed(3)} calls/tx` : ""),
      );
    };

    await server.resetStats();
    serverCpu0 = (await server.stats()).cpuSeconds;
    t = performance.now();
    cpu0 = process.cpuUsage();
    threads0 = readThreadCpu();
    const statements =
      args.includes("--statement-cpu") && kind === "pglite" ? createStatementCpu() : undefined;
    const counting = statements?.start() ?? false;
    const { result: cold, bodies } = await recordingPosts(server.url, () => profiled(profileFlag(args), run));
    const coldMs = performance.now() - t;
    const statementLines = counting ? statements!.stop() : [];
    const coldThreads = threads0;
    txThreads = new Set([...(readThreadCpu()?.keys() ?? [])].filter((tid) => !coldThreads?.has(tid)));
    const signatures = await stored();
    await report(`cold (replay, synthetic ${count})`, coldMs, cold, signatures);
    for (const line of statementLines) console.log(line);
    if (args.includes("--warm")) {
      const again = onDisk || kind === "postgres" ? await createTestDatabase(kind) : await inMemory();
      try {
        const user = await ensureUser(again.db, "default");
        const w = await upsertWallet(again.db, user, { chain: "solana", address: WALLET });
        await server.resetStats();
        serverCpu0 = (await server.stats()).cpuSeconds;
        t = performance.now();
        cpu0 = process.cpuUsage();
        threads0 = readThreadCpu();
        const warmCounting = statements?.start() ?? false;
        const r = await syncInto(again, w);
        const ms = performance.now() - t;
        const lines = warmCounting ? statements!.stop() : [];
        await report("cold again in the same process (new database, compilers warm)", ms, r, r.transactions);
        for (const line of lines) console.log(line);
      } finally {
        await again.close();
      }
    }
    const floorSeconds = await fetchFloor(server.url, bodies, concurrency);
    console.log(
      `fetch floor: ${floorSeconds.toFixed(2)} s (the cold sync's ${bodies.length} HTTP bodies again, ${concurrency} at a time, ` +
        `answers parsed, nothing processed or stored) → ${(cold.transactions / floorSeconds).toFixed(0)} txs/s; ` +
        `cold sync = ${(coldMs / 1000 / floorSeconds).toFixed(2)}× floor`,
    );
    const dumpDir = args.find((a) => a.startsWith("--dump="))?.slice("--dump=".length);
    if (dumpDir) await dump(database, dumpDir);

    await server.resetStats();
    serverCpu0 = (await server.stats()).cpuSeconds;
    t = performance.now();
    cpu0 = process.cpuUsage();
    threads0 = readThreadCpu();
    const warm = await run();
    await report("warm (nothing new)", performance.now() - t, warm, 0);

    // Cursors lost: every signature is listed again, none is fetched again.
    await database.db.delete(cursors).where(eq(cursors.walletId, wallet.id));
    await server.resetStats();
    serverCpu0 = (await server.stats()).cpuSeconds;
    t = performance.now();
    cpu0 = process.cpuUsage();
    threads0 = readThreadCpu();
    const relist = await run();
    await report("re-list without cursors (all stored)", performance.now() - t, relist, signatures);
  } finally {
    await database.close();
    await server.close();
  }
};
