/**
 * `npm run bench ledger`: classification + pricing + ledger write on 100,000 movements.
 *
 * Data (synthetic, deterministic): two EVM wallets of one user with transactions of the kinds a
 * real history has — swaps ETH↔token and token↔USDC (2 value movements + gas), transfers between
 * the two wallets (2 + gas), approvals (gas only) and unmatched sends (1 + gas) — written straight
 * into the sync tables, and hourly prices for every asset in a price file. Figures:
 * - full build: movements classified, priced and written per second;
 * - incremental build after 1,000 new movements: what a sync's rebuild costs.
 *
 * Flags: `--movements=N` (default 100,000), `--postgres` (also on the test PostgreSQL server),
 * `--postgres-only`, `--cpu-prof=FILE` (a CPU profile of the full build alone, per database:
 * `FILE` gets the database's name as a suffix).
 */
import { performance } from "node:perf_hooks";
import { movements, transactions, wallets } from "../db/schema/index.ts";
import { ensureUser } from "../db/users.ts";
import { buildLedger } from "../src/books/build.ts";
import { createServicePricer } from "../src/books/pricer.ts";
import { DEFAULT_CLASSIFY_SETTINGS } from "../src/classify/settings.ts";
import { replaceSourcePrices } from "../src/prices/cache.ts";
import { createPriceService } from "../src/prices/service.ts";
import { createTestCommon, createTestDatabase, type DatabaseKind } from "../test/services.ts";
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

type Tx = typeof transactions.$inferInsert;
type Move = typeof movements.$inferInsert;

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

const insert = async (db: Awaited<ReturnType<typeof createTestDatabase>>["db"], txs: Tx[], moves: Move[]) => {
  for (let i = 0; i < txs.length; i += 1000)
    await db
      .insert(transactions)
      .values(txs.slice(i, i + 1000))
      .onConflictDoNothing();
  for (let i = 0; i < moves.length; i += 1000) await db.insert(movements).values(moves.slice(i, i + 1000));
};

const benchOne = async (kind: DatabaseKind, target: number, profile: string | undefined) => {
  const database = await createTestDatabase(kind, { onDisk: true });
  try {
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
    const common = createTestCommon({
      prices: { order: ["file", "stablecoin"] },
      assets: { tokens: { [`${CHAIN}:native`]: "ETH", [`${CHAIN}:${USDC}`]: "USDC" } },
    });
    const service = createPriceService({ common, database });
    const build = (full: boolean) =>
      buildLedger({
        db,
        userId,
        settings: DEFAULT_CLASSIFY_SETTINGS,
        resolveAsset: service.identity.resolveMovementAsset,
        pricer: createServicePricer(service, common.config.prices.order),
        full,
      });
    const t0 = performance.now();
    const full = await profiled(profile && `${profile}.${kind}.cpuprofile`, () => build(true));
    const fullMs = performance.now() - t0;
    // A sync adds 1,000 new movements at the end of the history.
    const more = generate({ a: wa!.id, b: wb!.id }, 1000, 10_000_000, "b");
    await insert(db, more.txs, more.moves);
    const t1 = performance.now();
    const incr = await build(false);
    const incrMs = performance.now() - t1;
    console.log(
      `${kind.padEnd(8)} full: ${full.movements} movements, ${full.transactions} txs → ${full.rows} rows in ${(fullMs / 1000).toFixed(2)} s = ${Math.round((full.movements * 1000) / fullMs)} movements/s` +
        ` | incremental (+${more.moves.length} movements): ${incr.mode}, ${incr.movements} movements redone in ${(incrMs / 1000).toFixed(2)} s`,
    );
    console.log(
      `         phases (ms) full ${JSON.stringify(full.timings)} incremental ${JSON.stringify(incr.timings)}`,
    );
  } finally {
    await database.close();
  }
};

export default async (args: string[]) => {
  const target = flag(args, "movements", 100_000);
  const profile = profileFlag(args);
  if (!args.includes("--postgres-only")) await benchOne("pglite", target, profile);
  if (args.includes("--postgres") || args.includes("--postgres-only"))
    await benchOne("postgres", target, profile);
};
