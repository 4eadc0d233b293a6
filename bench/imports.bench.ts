/**
 * `npm run bench -- imports`: an exchange export of 100,000 rows imported and matched against
 * 100,000 chain movements.
 *
 * Data (synthetic, deterministic): a Coinbase transaction history CSV (with its preamble, `$` and
 * thousands separators) of buys, sells, sends to the user's wallet W (the notes name W) and
 * receives, one row every 5 minutes; on chain, each send arrives in W two minutes later and each
 * receive left W for the user's registered Coinbase deposit address five minutes before (each
 * departure with its gas), plus gas-only transactions up to the movement count. Amounts vary so a
 * transfer has a handful of candidates inside the matching window, as real histories do.
 *
 * Figures: parse (rows/s), store (rows/s, batched inserts), the ledger build that matches every
 * transfer (the `classify` phase holds matching), the whole import + match, and a floor measured in
 * the same run (reading the file and splitting its lines) to compare runs on a loaded machine.
 * Checks: every send and receive paired, none for review.
 *
 * PGlite runs on disk, in a temporary folder, as `lotwise` runs it.
 *
 * Flags: `--rows=N` (default 100,000), `--movements=N` (default 100,000), `--cpu-prof=FILE` (CPU
 * profiles of the parse, the store and the build, each alone: `FILE.<phase>.cpuprofile`),
 * `--evidence=none` (no evidence: the sends do not name W and D is no labelled deposit address, so
 * every pair is made on amount and time or left ambiguous for review), `--dump=DIR` (the ledger
 * rows, classifications and review items written to `DIR/*.jsonl`, sorted, without timestamps of
 * when they were written: `cmp` them across versions to show outputs unchanged).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/client.ts";
import { movements, reviewItems, transactions, wallets } from "../db/schema/index.ts";
import { ensureUser } from "../db/users.ts";
import { buildLedger } from "../src/books/build.ts";
import { DEFAULT_CLASSIFY_SETTINGS } from "../src/classify/settings.ts";
import { IMPORT_FORMATS } from "../src/imports/registry.ts";
import { storeImport } from "../src/imports/store.ts";
import { readTable } from "../src/imports/table.ts";
import { Decimal } from "../src/utils/decimal.ts";
import { createTestDatabase } from "../test/services.ts";
import { profiled, profileFlag } from "./cpu-profile.ts";
import { createLineFile } from "./line-file.ts";

const W = "0x1111111111111111111111111111111111111111";
const D = "0x2222222222222222222222222222222222222222";
const HOT = "0x9999999999999999999999999999999999999999";
const CHAIN = "evm:31337";
const START = Date.parse("2025-01-01T00:00:00Z");
const E15 = 10n ** 15n;

const flag = (args: string[], name: string, fallback: number) => {
  const f = args.find((a) => a.startsWith(`--${name}=`));
  return f ? Number(f.split("=")[1]) : fallback;
};

/** Milli-ETH of row `i`: 10 to 9,999, scattered (a handful fit any one transfer within 5 %). */
const milli = (i: number) => 10 + ((i * 7919) % 9990);
const money = (usd: number) =>
  `"$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}"`;
/** Every row of `table` (schema lotwise_app) as a JSON line, in `order`, less the `*_at` columns. */
const dumpTable = async (db: DbOrTx, dir: string, table: string, order: string) => {
  const result = (await db.execute(sql.raw(`select * from lotwise_app.${table} order by ${order}`))) as
    | { rows: Record<string, unknown>[] }
    | Record<string, unknown>[];
  const rows = Array.isArray(result) ? result : result.rows;
  const lines = rows.map((r) =>
    JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => !k.endsWith("_at")))),
  );
  writeFileSync(path.join(dir, `${table}.jsonl`), `${lines.join("\n")}\n`);
  return rows.length;
};

const stamp = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace(".000Z", " UTC");

export default async (args: string[]) => {
  const rows = flag(args, "rows", 100_000);
  const target = flag(args, "movements", 100_000);
  const blind = args.includes("--evidence=none");
  const dumpDir = args.find((a) => a.startsWith("--dump="))?.slice("--dump=".length);
  const dir = await mkdtemp(path.join(tmpdir(), "lotwise-bench-imports-"));
  const database = await createTestDatabase("pglite");
  try {
    const file = path.join(dir, "coinbase.csv");
    const out = createLineFile(file);
    await out.line("");
    await out.line("Transactions");
    await out.line("User,Bench,00000000-0000-4000-8000-000000000000");
    await out.line(
      "ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes",
    );
    type ChainTx = { hash: string; time: Date; amount: bigint; cp: string; gas: boolean };
    const chain: ChainTx[] = [];
    let sends = 0;
    let receives = 0;
    for (let i = 0; i < rows; i++) {
      const t = START + i * 300_000;
      const q = milli(i);
      const qty = new Decimal(q).div(1000).toFixed();
      const usd = q * 3;
      const id = `bench-${i}`;
      switch (i % 4) {
        case 0:
          await out.line(
            `${id},${stamp(t)},Buy,ETH,${qty},USD,"$3,000.00",${money(usd)},${money(usd + 1)},$1.00,Bought`,
          );
          break;
        case 1:
          sends++;
          await out.line(
            `${id},${stamp(t)},Send,ETH,-${qty},USD,"$3,000.00",${money(usd)},${money(usd)},$0.00,Sent ${qty} ETH${blind ? "" : ` to ${W}`}`,
          );
          chain.push({
            hash: `0xa${i.toString(16).padStart(63, "0")}`,
            time: new Date(t + 120_000),
            amount: BigInt(q) * E15,
            cp: HOT,
            gas: false,
          });
          break;
        case 2:
          receives++;
          await out.line(
            `${id},${stamp(t)},Receive,ETH,${qty},USD,"$3,000.00",${money(usd)},${money(usd)},$0.00,Received ${qty} ETH`,
          );
          chain.push({
            hash: `0xb${i.toString(16).padStart(63, "0")}`,
            time: new Date(t - 300_000),
            amount: -BigInt(q) * E15,
            cp: D,
            gas: true,
          });
          break;
        default:
          await out.line(
            `${id},${stamp(t)},Sell,ETH,-${qty},USD,"$3,000.00",${money(usd)},${money(usd - 1)},$1.00,Sold`,
          );
      }
    }
    await out.close();
    // Gas-only transactions (approvals) until the chain side has `target` movements.
    let count = chain.reduce((n, c) => n + (c.gas ? 2 : 1), 0);
    for (let k = 0; count < target; k++, count++)
      chain.push({
        hash: `0xc${k.toString(16).padStart(63, "0")}`,
        time: new Date(START + k * 300_000 + 60_000),
        amount: 0n,
        cp: "",
        gas: true,
      });

    const db = database.db;
    const userId = await ensureUser(db, "bench");
    const [w] = await db.insert(wallets).values({ userId, chain: CHAIN, address: W }).returning();
    if (!blind)
      await db
        .insert(wallets)
        .values({ userId, chain: CHAIN, address: D, kind: "exchange", label: "coinbase:main" });
    const txRows: (typeof transactions.$inferInsert)[] = [];
    const moveRows: (typeof movements.$inferInsert)[] = [];
    chain.forEach((c, n) => {
      txRows.push({
        walletId: w!.id,
        chain: CHAIN,
        txHash: c.hash,
        blockNumber: BigInt(n + 1),
        txIndex: 0,
        time: c.time,
        from: c.amount > 0n ? HOT : W,
        to: c.amount > 0n ? W : D,
        status: "success",
        final: true,
      });
      const m = {
        walletId: w!.id,
        chain: CHAIN,
        txHash: c.hash,
        blockNumber: BigInt(n + 1),
        txIndex: 0,
        time: c.time,
        asset: `${CHAIN}:native`,
        symbol: "ETH",
        decimals: 18,
      };
      if (c.amount !== 0n)
        moveRows.push({ ...m, evidence: "native", evidenceIndex: "0", amount: c.amount, counterparty: c.cp });
      if (c.gas)
        moveRows.push({
          ...m,
          evidence: "gas",
          evidenceIndex: "0",
          amount: -21_000n * 10n ** 9n,
          counterparty: "",
        });
    });
    for (let i = 0; i < txRows.length; i += 2000)
      await db.insert(transactions).values(txRows.slice(i, i + 2000));
    for (let i = 0; i < moveRows.length; i += 2000)
      await db.insert(movements).values(moveRows.slice(i, i + 2000));

    // Floor: read the file and split it into lines.
    const f0 = performance.now();
    const lines = readFileSync(file, "utf8").split("\n").length;
    const floorMs = performance.now() - f0;

    const cpu = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const c0 = cpu();
    const t0 = performance.now();
    const profile = profileFlag(args);
    const records = await profiled(profile && `${profile}.parse.cpuprofile`, async () => {
      const { table, format } = readTable(readFileSync(file, "utf8"), "coinbase.csv", IMPORT_FORMATS);
      return format.parse(table);
    });
    const t1 = performance.now();
    const c1 = cpu();
    const stored = await profiled(profile && `${profile}.store.cpuprofile`, () =>
      storeImport(db, {
        userId,
        account: "coinbase:main",
        family: "coinbase",
        format: "coinbase",
        file: "coinbase.csv",
        records,
      }),
    );
    const t2 = performance.now();
    const c2 = cpu();
    const built = await profiled(profile && `${profile}.build.cpuprofile`, () =>
      buildLedger({
        db,
        userId,
        settings: DEFAULT_CLASSIFY_SETTINGS,
        resolveAsset: ({ chainAsset, symbol }) =>
          chainAsset.endsWith(":native")
            ? { asset: "ETH", symbol: "ETH" }
            : { asset: chainAsset, symbol: symbol ?? chainAsset },
        // Every value of the import comes from the file; chain legs (gas) at a fixed $3,000.
        pricer: { prepare: async () => () => ({ usd: new Decimal(3000), source: "bench", rank: 0 }) },
        full: true,
      }),
    );
    const t3 = performance.now();
    const c3 = cpu();
    const again = await storeImport(db, {
      userId,
      account: "coinbase:main",
      family: "coinbase",
      format: "coinbase",
      file: "coinbase.csv",
      records,
    });
    const t4 = performance.now();

    const open = await db
      .select({ reason: reviewItems.reason })
      .from(reviewItems)
      .where(and(eq(reviewItems.userId, userId)));
    const unpaired = open.filter(
      (r) => r.reason.startsWith("unmatched") || r.reason.endsWith("_match"),
    ).length;
    if (dumpDir) {
      mkdirSync(dumpDir, { recursive: true });
      const counts = [
        await dumpTable(db, dumpDir, "ledger_rows", "id"),
        await dumpTable(db, dumpDir, "classifications", "chain, tx_hash"),
        await dumpTable(db, dumpDir, "review_items", "chain, tx_hash, reason"),
      ];
      console.log(`dump: ${counts.join(" + ")} ledger rows, classifications, review items in ${dumpDir}`);
    }
    const s = (ms: number) => (ms / 1000).toFixed(2);
    const [l1, l5] = loadavg();
    console.log(`load average ${l1!.toFixed(2)} ${l5!.toFixed(2)} (1, 5 min)`);
    console.log(
      `${rows} exchange rows (${sends} sends, ${receives} receives), ${moveRows.length} chain movements in ${txRows.length} transactions`,
    );
    console.log(
      `floor: read + split ${lines} lines in ${s(floorMs)} s (wall); CPU seconds below are this process's (PGlite runs in it)`,
    );
    console.log(
      `parse: ${records.length} records in ${s(t1 - t0)} s = ${Math.round((rows * 1000) / (t1 - t0))} rows/s, ${s(c1 - c0)} s CPU`,
    );
    console.log(
      `store: ${stored.added} added in ${s(t2 - t1)} s = ${Math.round((rows * 1000) / (t2 - t1))} rows/s, ${s(c2 - c1)} s CPU (again: ${again.unchanged} unchanged in ${s(t4 - t3)} s)`,
    );
    console.log(
      `build + match: ${built.rows} ledger rows, ${built.transactions} transactions in ${s(t3 - t2)} s, ${s(c3 - c2)} s CPU; phases (ms, wall) ${JSON.stringify(built.timings)}, (ms, CPU) ${JSON.stringify(built.cpuTimings)}`,
    );
    console.log(
      `import + match: ${s(t3 - t0)} s = ${Math.round((rows * 1000) / (t3 - t0))} rows/s, ${s(c3 - c0)} s CPU = ${Math.round((rows * 1000) / (c3 - c0))} rows per CPU second (target < 10 s); ${unpaired} sends/receives left unpaired or for review`,
    );
  } finally {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
};
