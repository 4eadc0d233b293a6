/**
 * `npm run bench ledger`: classification + pricing + ledger write on 100,000 movements.
 *
 * Data (synthetic, deterministic): two EVM wallets of one user with transactions of the kinds a
 * real history has — swaps ETH↔token and token↔USDC (2 value movements + gas), transfers between
 * the two wallets (2 + gas), approvals (gas only) and unmatched sends (1 + gas) — written straight
 * into the sync tables, and hourly prices for every asset in a price file. Figures:
 * - full build: movements classified, priced and written per second;
 * - incremental build after 1,000 new movements: what a sync's rebuild costs.
 * Each with the CPU seconds of this process (steadier than wall time on a shared machine).
 * PGlite runs on disk, in a temporary folder, as `lotwise` runs it.
 *
 * On PostgreSQL the server's CPU seconds (the database's backends, read from /proc) are printed
 * beside the process's.
 *
 * Flags: `--movements=N` (default 100,000), `--postgres` (also on the test PostgreSQL server, in a
 * process of its own: see below), `--postgres-only`, `--cpu-prof=FILE` (a CPU profile of the full build alone, per database:
 * `FILE` gets the database's name as a suffix), `--reuse` (PostgreSQL: keep the data and its
 * full build in a template database `lotwise_bench_ledger_<N>_<schema>_v<build version>` and
 * start each run from a copy of it, so a 1,000,000-movement incremental figure costs seconds, not
 * the set-up; the template is made on the first run, after a migration and after a change of
 * `LEDGER_BUILD_VERSION`; `--reuse=fresh` remakes it),
 * `--dump=DIR` (after each build, the stored ledger rows, classifications and review items as
 * `DIR/<database>-<full|incremental>.txt`, to `cmp` before and after a change).
 *
 * Each database's builds run in a process of their own, as a `lotwise` command runs one: a build
 * run after another in the same process finds its code already compiled by V8's optimizing tier
 * and showed 48,682 movements/s on PostgreSQL where a cold process showed 39,218–42,240/s.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import pg from "pg";
import { createDatabase, type Database } from "../db/client.ts";
import { copyLines, copyRows, copyTextCell, forEachCells, selectCells } from "../db/copy.ts";
import { wallets } from "../db/schema/index.ts";
import { ensureUser } from "../db/users.ts";
import { buildLedger } from "../src/books/build.ts";
import { LEDGER_BUILD_VERSION } from "../src/books/detect.ts";
import { createServicePricer } from "../src/books/pricer.ts";
import { loadLedgerRows } from "../src/books/store.ts";
import { DEFAULT_CLASSIFY_SETTINGS } from "../src/classify/settings.ts";
import { replaceSourcePrices } from "../src/prices/cache.ts";
import { createPriceService } from "../src/prices/service.ts";
import {
  createTestCommon,
  createTestDatabase,
  type DatabaseKind,
  TEST_POSTGRES_URL,
} from "../test/services.ts";
import { profiled, profileFlag } from "./cpu-profile.ts";

const A = "0x1111111111111111111111111111111111111111";
const B = "0x2222222222222222222222222222222222222222";
const TOKEN = "0x3333333333333333333333333333333333333333";
const USDC = "0x4444444444444444444444444444444444444444";
const OTHER = "0x9999999999999999999999999999999999999999";
const CHAIN = "evm:31337";
const START = Date.parse("2025-01-01T00:00:00Z");
const E = 10n ** 18n;

const flag = (args: string[], name: string, fallback: number) => {
  const f = args.find((a) => a.startsWith(`--${name}=`));
  return f ? Number(f.split("=")[1]) : fallback;
};

type Tx = {
  walletId: number;
  chain: string;
  txHash: string;
  blockNumber: bigint;
  txIndex: number;
  time: Date;
  from: string;
  to: string;
  status: string;
  final: boolean;
};
type Move = {
  walletId: number;
  chain: string;
  txHash: string;
  evidence: string;
  evidenceIndex: string;
  blockNumber: bigint;
  txIndex: number;
  time: Date;
  asset: string;
  symbol: string | null;
  decimals: number;
  amount: bigint;
  counterparty: string;
};

/** Transactions until `target` movements exist; tx `i` happens `i` minutes after `START + offsetMin`. */
const generate = (ids: { a: number; b: number }, target: number, offsetMin: number, prefix: string) => {
  const txs: Tx[] = [];
  const moves: Move[] = [];
  let i = 0;
  while (moves.length < target) {
    const hash = `0x${prefix}${i.toString(16).padStart(62 - prefix.length, "0")}`;
    const time = new Date(START + (offsetMin + i) * 60_000);
    const walletId = i % 2 === 0 ? ids.a : ids.b;
    const kind = i % 10;
    txs.push({
      walletId,
      chain: CHAIN,
      txHash: hash,
      blockNumber: BigInt(offsetMin + i + 1),
      txIndex: 0,
      time,
      from: walletId === ids.a ? A : B,
      to: TOKEN,
      status: "success",
      final: true,
    });
    const m = (
      w: number,
      evidence: string,
      idx: string,
      asset: string,
      amount: bigint,
      counterparty: string,
      decimals = 18,
    ): Move => ({
      walletId: w,
      chain: CHAIN,
      txHash: hash,
      evidence,
      evidenceIndex: idx,
      blockNumber: BigInt(offsetMin + i + 1),
      txIndex: 0,
      time,
      asset: `${CHAIN}:${asset}`,
      symbol: null,
      decimals,
      amount,
      counterparty,
    });
    moves.push(m(walletId, "gas", "0", "native", -(21_000n * 10n ** 9n), ""));
    if (kind < 4) {
      moves.push(
        m(walletId, "native", "0", "native", -E / 100n, TOKEN),
        m(walletId, "erc20", "1", TOKEN, 3n * E, TOKEN),
      );
    } else if (kind < 6) {
      moves.push(
        m(walletId, "erc20", "1", TOKEN, -2n * E, TOKEN),
        m(walletId, "erc20", "2", USDC, 5_000_000n, TOKEN, 6),
      );
    } else if (kind < 8) {
      const other = walletId === ids.a ? ids.b : ids.a;
      if (kind === 6) txs.push({ ...txs[txs.length - 1]!, walletId: other });
      moves.push(m(walletId, "native", "0", "native", -E / 1000n, walletId === ids.a ? B : A));
      if (kind === 6) moves.push(m(other, "native", "0", "native", E / 1000n, walletId === ids.a ? A : B));
    } else if (kind === 8) {
      // approval: gas only
    } else {
      moves.push(m(walletId, "erc20", "3", USDC, -1_000_000n, OTHER, 6));
    }
    i++;
  }
  return { txs, moves };
};

/** The synthetic rows, written with COPY (the set-up of 1,000,000 movements in seconds). */
const insert = async (db: Database["db"], txs: Tx[], moves: Move[]) => {
  const txRecord = (t: Tx) => ({
    wallet_id: t.walletId,
    chain: t.chain,
    tx_hash: t.txHash,
    block_number: t.blockNumber,
    tx_index: t.txIndex,
    time: t.time,
    from: t.from,
    to: t.to,
    status: t.status,
    final: t.final,
  });
  const moveRecord = (m: Move) => ({
    wallet_id: m.walletId,
    chain: m.chain,
    tx_hash: m.txHash,
    evidence: m.evidence,
    evidence_index: m.evidenceIndex,
    block_number: m.blockNumber,
    tx_index: m.txIndex,
    time: m.time,
    asset: m.asset,
    symbol: m.symbol,
    decimals: m.decimals,
    amount: m.amount,
    counterparty: m.counterparty,
  });
  await copyRows(
    db,
    "lotwise_sync.transactions",
    {
      wallet_id: "integer",
      chain: "text",
      tx_hash: "text",
      block_number: "numeric",
      tx_index: "integer",
      time: "timestamptz",
      from: "text",
      to: "text",
      status: "text",
      final: "boolean",
    },
    txs.map(txRecord),
  );
  await copyRows(
    db,
    "lotwise_sync.movements",
    {
      wallet_id: "integer",
      chain: "text",
      tx_hash: "text",
      evidence: "text",
      evidence_index: "text",
      block_number: "numeric",
      tx_index: "integer",
      time: "timestamptz",
      asset: "text",
      symbol: "text",
      decimals: "integer",
      amount: "numeric",
      counterparty: "text",
    },
    moves.map(moveRecord),
  );
};

/** `fn` on a connection to the test server's default database (to create and drop others). */
const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
  const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
};

const urlOf = (name: string) => {
  const u = new URL(TEST_POSTGRES_URL);
  u.pathname = `/${name}`;
  return u.toString();
};

/**
 * The newest migration's tag and the ledger build's version: a template made under another schema,
 * or whose full build another build version made (the next build would redo it all), is not reused.
 */
const schemaTag = () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const journal = JSON.parse(readFileSync(path.join(root, "db/migrations/meta/_journal.json"), "utf8")) as {
    entries: { idx: number; when: number }[];
  };
  const last = journal.entries[journal.entries.length - 1]!;
  return `${last.idx}_${last.when % 1_000_000}_v${LEDGER_BUILD_VERSION}`;
};

/**
 * CPU seconds the PostgreSQL server spent for this database since `start()`: the user and system
 * ticks of its backends (/proc/<pid>/stat; the server runs on this machine). NaN elsewhere.
 */
const serverCpu = (database: Database) => {
  const ticksOf = (pid: number): number => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return Number.NaN;
    }
  };
  const pids = async () =>
    database.kind === "postgres"
      ? (
          (await database.db.execute(
            sql`select pid from pg_stat_activity where datname = current_database()`,
          )) as unknown as { rows: { pid: number }[] }
        ).rows.map((r) => Number(r.pid))
      : [];
  return async () => {
    const before = new Map((await pids()).map((p) => [p, ticksOf(p)]));
    return async () => {
      if (database.kind !== "postgres") return Number.NaN;
      let ticks = 0;
      for (const p of new Set([...before.keys(), ...(await pids())])) {
        const now = ticksOf(p);
        if (Number.isFinite(now)) ticks += now - (before.get(p) ?? 0);
      }
      return ticks / 100; // USER_HZ
    };
  };
};

type Prepared = { database: Database; userId: number; a: number; b: number; close: () => Promise<void> };

/** A new database with the synthetic data (no ledger built yet). */
const prepare = async (database: Database, target: number, close: () => Promise<void>): Promise<Prepared> => {
  const db = database.db;
  const userId = await ensureUser(db, "bench");
  const [wa] = await db.insert(wallets).values({ userId, chain: CHAIN, address: A }).returning();
  const [wb] = await db.insert(wallets).values({ userId, chain: CHAIN, address: B }).returning();
  const { txs, moves } = generate({ a: wa!.id, b: wb!.id }, target, 0, "a");
  await insert(db, txs, moves);
  // Hourly prices for the year for every asset (the user's price file).
  const hours = 366 * 24;
  for (const asset of ["ETH", `${CHAIN}:${TOKEN}`, "USDC"]) {
    await replaceSourcePrices(
      db,
      `file:${asset.replace(/\W/g, "_")}.csv`,
      Array.from({ length: hours }, (_, h) => ({
        asset,
        time: new Date(START - 3_600_000 + h * 3_600_000),
        usd: asset === "ETH" ? `${3000 + (h % 500)}.25` : asset === "USDC" ? "1" : `1.${h % 97}`,
      })),
    );
  }
  if (database.kind === "postgres") await db.execute(sql`analyze`);
  return { database, userId, a: wa!.id, b: wb!.id, close };
};

/** Opens (a copy of) the prepared PostgreSQL database `name`: the bench user and wallets. */
const openCopy = async (template: string): Promise<Prepared> => {
  const name = `lotwise_bench_${Math.random().toString(16).slice(2, 12)}`;
  await admin((c) => c.query(`create database ${name} template ${template}`));
  const database = await createDatabase({ kind: "postgres", url: urlOf(name), poolSize: 4 });
  await database.migrate();
  const [u] = (
    (await database.db.execute(sql`select id from lotwise_app.users where name = 'bench'`)) as unknown as {
      rows: { id: number }[];
    }
  ).rows;
  const ws = (
    (await database.db.execute(
      sql`select id, address from lotwise_app.wallets where user_id = ${u!.id}`,
    )) as unknown as { rows: { id: number; address: string }[] }
  ).rows;
  return {
    database,
    userId: Number(u!.id),
    a: Number(ws.find((w) => w.address === A)!.id),
    b: Number(ws.find((w) => w.address === B)!.id),
    close: async () => {
      await database.close();
      await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
};

/** The user's stored ledger rows, classifications and review items as text, in a stable order. */
const dumpOf = async (run: Prepared): Promise<string> => {
  const rows = await loadLedgerRows(run.database.db, run.userId);
  const cells = async (query: string) =>
    (await selectCells(run.database.db, query)).map((r) => r.map((c) => c ?? "\\N").join("\t"));
  return [
    ...rows.map((r) => JSON.stringify(r)),
    ...(await cells(
      `select chain, tx_hash, kind, source, uncertain, details from lotwise_app.classifications where user_id = ${run.userId} order by chain, tx_hash`,
    )),
    ...(await cells(
      `select chain, tx_hash, reason, message, status from lotwise_app.review_items where user_id = ${run.userId} order by chain, tx_hash, reason`,
    )),
  ].join("\n");
};

const benchOne = async (
  kind: DatabaseKind,
  target: number,
  profile: string | undefined,
  reuse: "no" | "yes" | "fresh",
  dump: string | undefined,
) => {
  const template = `lotwise_bench_ledger_${target}_${schemaTag()}`;
  let run: Prepared;
  let full: { figures: string; timings: unknown; cpu: unknown } | undefined;
  if (kind === "postgres" && reuse !== "no") {
    const exists = await admin(
      async (c) => (await c.query("select 1 from pg_database where datname = $1", [template])).rowCount === 1,
    );
    if (!exists || reuse === "fresh") {
      await admin((c) => c.query(`drop database if exists ${template} with (force)`));
      await admin((c) => c.query(`create database ${template}`));
      const database = await createDatabase({ kind: "postgres", url: urlOf(template), poolSize: 4 });
      await database.migrate();
      const made = await prepare(database, target, () => database.close());
      full = await measureBuild(made, true, profile && `${profile}.${kind}.cpuprofile`);
      await made.close();
      console.log(`(template ${template} made; later runs with --reuse start from a copy of it)`);
    } else console.log(`(from a copy of template ${template}: data and full build as prepared)`);
    run = await openCopy(template);
  } else {
    const database = await createTestDatabase(kind);
    run = await prepare(database, target, () => database.close());
    full = await measureBuild(run, true, profile && `${profile}.${kind}.cpuprofile`);
    if (dump) writeFileSync(`${dump}/${kind}-full.txt`, await dumpOf(run));
  }
  try {
    // A sync adds 1,000 new movements at the end of the history.
    const more = generate({ a: run.a, b: run.b }, 1000, 10_000_000, "b");
    await insert(run.database.db, more.txs, more.moves);
    const incr = await measureBuild(run, false, undefined);
    if (dump) writeFileSync(`${dump}/${kind}-incremental.txt`, await dumpOf(run));
    console.log(
      `${kind.padEnd(8)} ${full ? `full: ${full.figures} | ` : ""}incremental (+${more.moves.length} movements): ${incr.figures}`,
    );
    console.log(
      `         phases (ms)${full ? ` full ${JSON.stringify(full.timings)}` : ""} incremental ${JSON.stringify(incr.timings)}`,
    );
    console.log(
      `         process CPU per phase (ms)${full ? ` full ${JSON.stringify(full.cpu)}` : ""} incremental ${JSON.stringify(incr.cpu)}`,
    );
  } finally {
    await run.close();
  }
};

/**
 * The I/O floor of the full build just made: read every movement of the user's wallets, and write
 * the build's ledger rows and classifications again by COPY into scratch tables shaped like theirs
 * (same columns, defaults and indexes), with nothing classified, priced or made. The lines are
 * made from the stored rows before the clock starts. Seconds.
 */
const ioFloor = async (run: Prepared): Promise<number> => {
  const db = run.database.db;
  const linesOf = async (query: string) =>
    (await selectCells(db, query)).map((r) =>
      r.map((c) => (c === null ? "\\N" : copyTextCell(c, "text"))).join("\t"),
    );
  const columns = async (table: string) =>
    (
      (await db.execute(
        sql.raw(
          `select column_name from information_schema.columns where table_schema = 'lotwise_app' and table_name = '${table}' order by ordinal_position`,
        ),
      )) as unknown as { rows: { column_name: string }[] }
    ).rows.map((r) => r.column_name);
  const outputs: [string, string[], string[]][] = [];
  for (const table of ["ledger_rows", "classifications"]) {
    const names = await columns(table);
    const lines = await linesOf(
      `select ${names.map((n) => `"${n}"`).join(", ")} from lotwise_app.${table} where user_id = ${run.userId}`,
    );
    await db.execute(
      sql.raw(`create temporary table floor_${table} (like lotwise_app.${table} including all)`),
    );
    outputs.push([table, names, lines]);
  }
  const t0 = performance.now();
  let read = 0;
  await forEachCells(
    db,
    `select * from lotwise_sync.movements where wallet_id in (${run.a}, ${run.b})`,
    () => {
      read++;
    },
  );
  await db.transaction(async (tx) => {
    for (const [table, names, lines] of outputs) await copyLines(tx, `floor_${table}`, names, lines);
  });
  const seconds = (performance.now() - t0) / 1000;
  for (const [table] of outputs) await db.execute(sql.raw(`drop table floor_${table}`));
  if (read === 0) throw new Error("ledger bench floor: no movements read");
  return seconds;
};

/** One build, timed: wall, this process's CPU and (PostgreSQL) the server's CPU. */
const measureBuild = async (run: Prepared, full: boolean, profile: string | undefined) => {
  const common = createTestCommon({
    prices: { order: ["file", "stablecoin"] },
    assets: { tokens: { [`${CHAIN}:native`]: "ETH", [`${CHAIN}:${USDC}`]: "USDC" } },
  });
  const service = createPriceService({ common, database: run.database });
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const server = await serverCpu(run.database)();
  const c0 = cpu();
  const t0 = performance.now();
  const result = await profiled(profile, () =>
    buildLedger({
      db: run.database.db,
      userId: run.userId,
      settings: DEFAULT_CLASSIFY_SETTINGS,
      resolveAsset: service.identity.resolveMovementAsset,
      pricer: createServicePricer(service, common.config.prices.order),
      full,
    }),
  );
  const ms = performance.now() - t0;
  const own = cpu() - c0;
  const serverS = await server();
  const serverText = Number.isFinite(serverS) ? `, server ${serverS.toFixed(2)} s CPU` : "";
  const floor = full ? await ioFloor(run) : 0;
  const figures = full
    ? `${result.movements} movements, ${result.transactions} txs → ${result.rows} rows in ${(ms / 1000).toFixed(2)} s = ${Math.round((result.movements * 1000) / ms)} movements/s (${own.toFixed(2)} s CPU in this process = ${Math.round(result.movements / own)}/CPU s${serverText}); ` +
      `I/O floor ${floor.toFixed(2)} s (the movements read, the same rows and classifications COPYed into tables like theirs, nothing computed) = ${Math.round((result.movements * 1000) / (floor * 1000))} movements/s; build = ${(ms / 1000 / floor).toFixed(2)}× floor`
    : `${result.mode}, ${result.movements} movements redone in ${(ms / 1000).toFixed(2)} s (${own.toFixed(2)} s CPU${serverText})`;
  return { figures, timings: result.timings, cpu: result.cpuTimings };
};

/** This folder (bench/). */
const here = path.dirname(fileURLToPath(import.meta.url));

export default async (args: string[]) => {
  const [l1, l5] = loadavg();
  console.log(
    `load average ${l1!.toFixed(2)} ${l5!.toFixed(2)} (1, 5 min); CPU is this process's (PGlite runs in it, a PostgreSQL server does not)`,
  );
  const target = flag(args, "movements", 100_000);
  const profile = profileFlag(args);
  const reuseFlag = args.find((a) => a === "--reuse" || a.startsWith("--reuse="));
  const reuse = !reuseFlag ? "no" : reuseFlag === "--reuse=fresh" ? "fresh" : "yes";
  const dump = args.find((a) => a.startsWith("--dump="))?.slice("--dump=".length);
  if (args.includes("--postgres-only")) {
    await benchOne("postgres", target, profile, reuse, dump);
    return;
  }
  await benchOne("pglite", target, profile, "no", dump);
  if (!args.includes("--postgres")) return;
  // PostgreSQL in a new process (see the top): `npm run bench -- ledger --postgres-only`, same flags.
  const child = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      path.join(here, "run.ts"),
      "ledger",
      "--postgres-only",
      ...args.filter((a) => a !== "--postgres"),
    ],
    { stdio: "inherit" },
  );
  if (child.status !== 0)
    throw new Error(`ledger bench on PostgreSQL exited with ${child.status ?? child.signal}`);
};
