import { performance } from "node:perf_hooks";
import { and, eq, gte, inArray, like, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import {
  classifications,
  ledgerRows,
  ledgerState,
  POSITION_ROWS_SQL,
  transactions,
} from "../../db/schema/index.ts";
import { classifyAll } from "../classify/classify.ts";
import {
  type AssetResolver,
  addressKey,
  type ClassifyContext,
  type PositionBook,
} from "../classify/context.ts";
import { isPositionAccount } from "../classify/decoders/position.ts";
import { replayLpOwed } from "../classify/decoders/uniswap-v3/decoder.ts";
import { matchingWindowHours } from "../classify/settings.ts";
import type { Leg, TxClassification, UnmatchedHalf } from "../classify/types.ts";
import type { ProgressTask } from "../ui/progress.ts";
import { Decimal } from "../utils/decimal.ts";
import {
  type DetectArgs,
  detectLedgerChanges,
  type LedgerChanges,
  snapshotSql,
  unchangedBuild,
} from "./detect.ts";
import { loadTxGroups } from "./load.ts";
import { type BuiltRow, buildRows, type PriceLookup, type RowsResult } from "./rows.ts";
import { type ReviewRow, replaceChainLedger } from "./store.ts";

/** Prices legs in batches, then answers lookups synchronously. */
export type Pricer = {
  prepare: (items: readonly { leg: Leg; time: Date; blockNumber: bigint }[]) => Promise<PriceLookup>;
};

export type BuildArgs = DetectArgs & {
  resolveAsset: AssetResolver;
  pricer: Pricer;
  progress?: ProgressTask | undefined;
  /**
   * What `detectLedgerChanges` found for these arguments, when the caller asked it first (to load
   * the build's tools only when there is something to build); else the build asks it.
   */
  changes?: LedgerChanges | undefined;
};

export type BuildResult = {
  /** `full`, `incremental` or `unchanged`. */
  mode: "full" | "incremental" | "unchanged";
  /** Instant the rebuild started from (undefined for a full rebuild). */
  from?: string | undefined;
  transactions: number;
  movements: number;
  rows: number;
  reviews: number;
  missingPrices: number;
  /**
   * Milliseconds per phase: `detect`, `load`, `classify`, `price`, `write` (which makes the rows
   * while it writes them: the server stores each batch while the next is made).
   */
  timings: Record<string, number>;
  /**
   * CPU milliseconds of this process per phase (same keys; on a shared machine steadier than
   * `timings`; PGlite's work is in this process, a PostgreSQL server's is not).
   */
  cpuTimings: Record<string, number>;
};

/** Balances of position accounts from the stored chain rows before `before` (for an incremental rebuild). */
const positionsBefore = async (db: DbOrTx, userId: number, before: Date): Promise<PositionBook> => {
  const book: PositionBook = new Map();
  const add = (account: string, asset: string, q: Decimal) => {
    const m = book.get(account) ?? new Map<string, Decimal>();
    m.set(asset, (m.get(asset) ?? new Decimal(0)).add(q));
    book.set(account, m);
  };
  // Only rows that touch a position account matter: the partial index `ledger_rows_position_idx`
  // holds them (its predicate, verbatim, so the planner uses it), not a scan of the whole ledger.
  const rows = await db
    .select({
      type: ledgerRows.type,
      wallet: ledgerRows.wallet,
      toWallet: ledgerRows.toWallet,
      outAsset: ledgerRows.outAsset,
      outQuantity: ledgerRows.outQuantity,
      inAsset: ledgerRows.inAsset,
      inQuantity: ledgerRows.inQuantity,
    })
    .from(ledgerRows)
    .where(and(eq(ledgerRows.userId, userId), lt(ledgerRows.time, before), sql.raw(POSITION_ROWS_SQL)));
  for (const r of rows) {
    if (r.type === "transfer" && isPositionAccount(r.toWallet ?? undefined))
      add(r.toWallet!, r.outAsset!, new Decimal(r.outQuantity!));
    if (r.type === "transfer" && isPositionAccount(r.wallet))
      add(r.wallet, r.outAsset!, new Decimal(r.outQuantity!).neg());
    if (r.type === "income" && isPositionAccount(r.wallet))
      add(r.wallet, r.inAsset!, new Decimal(r.inQuantity!));
  }
  return book;
};

/** Stored transfers owned by transactions before `before` whose other side may be in this build's range. */
const pairsBefore = async (db: DbOrTx, userId: number, before: Date, reachMs: number) => {
  const rows = await db
    .select({
      tx: ledgerRows.tx,
      wallet: ledgerRows.wallet,
      toWallet: ledgerRows.toWallet,
      outAsset: ledgerRows.outAsset,
    })
    .from(ledgerRows)
    .where(
      and(
        eq(ledgerRows.userId, userId),
        eq(ledgerRows.origin, "chain"),
        eq(ledgerRows.type, "transfer"),
        lt(ledgerRows.time, before),
        gte(ledgerRows.time, new Date(before.getTime() - reachMs)),
        like(ledgerRows.tx, "%;%"),
      ),
    );
  const keys = new Set<string>();
  for (const r of rows) {
    const linked = r.tx!.slice(r.tx!.indexOf(";") + 1);
    // The linked half is the arrival (into to_wallet) or, for an owner that is the arrival, the departure.
    keys.add(`${linked}\u0000${r.outAsset}\u0000in\u0000${r.toWallet}`);
    keys.add(`${linked}\u0000${r.outAsset}\u0000out\u0000${r.wallet}`);
  }
  return (h: UnmatchedHalf) =>
    keys.has(`${h.txHash}\u0000${h.leg.asset}\u0000${h.direction}\u0000${h.wallet.key}`);
};

/** Uniswap V3 liquidity removed but not collected before `before`, from the stored classifications' facts. */
const lpOwedBefore = async (db: DbOrTx, userId: number, ownIds: readonly number[], before: Date) => {
  const rows = await db
    .selectDistinctOn([classifications.chain, classifications.txHash], {
      details: classifications.details,
      time: transactions.time,
      block: transactions.blockNumber,
      index: transactions.txIndex,
    })
    .from(classifications)
    .innerJoin(
      transactions,
      // The own wallets' rows (the primary key's prefix), not every user's.
      and(
        inArray(transactions.walletId, ownIds.length ? [...ownIds] : [-1]),
        eq(transactions.chain, classifications.chain),
        eq(transactions.txHash, classifications.txHash),
      ),
    )
    .where(
      and(
        eq(classifications.userId, userId),
        lt(transactions.time, before),
        sql`(${classifications.details} ? 'lpDecrease' or ${classifications.details} ? 'lpCollect')`,
      ),
    );
  rows.sort(
    (a, b) =>
      a.time.getTime() - b.time.getTime() ||
      (a.block < b.block ? -1 : a.block > b.block ? 1 : 0) ||
      a.index - b.index,
  );
  return replayLpOwed(rows.map((r) => r.details as Parameters<typeof replayLpOwed>[0][number]));
};

/**
 * The resolver, asked once per distinct (chain, chain asset, symbol) of the build: answers kept
 * by chain asset, then chain, then symbol (no key text made per movement).
 */
const memoResolver = (resolve: AssetResolver): AssetResolver => {
  const known = new Map<string, Map<string, Map<string | null, ReturnType<AssetResolver>>>>();
  return (m) => {
    let byChain = known.get(m.chainAsset);
    if (!byChain) {
      byChain = new Map();
      known.set(m.chainAsset, byChain);
    }
    let bySymbol = byChain.get(m.chain);
    if (!bySymbol) {
      bySymbol = new Map();
      byChain.set(m.chain, bySymbol);
    }
    let r = bySymbol.get(m.symbol);
    if (!r) {
      // Asked with those three alone (`m` may be a whole movement).
      r = resolve({ chain: m.chain, chainAsset: m.chainAsset, symbol: m.symbol });
      bySymbol.set(m.symbol, r);
    }
    return r;
  };
};

/**
 * Classifications whose rows are made per batch while the rows before are written: small enough
 * that the server stores one batch while the next is made, large enough to cost nothing per batch.
 */
const ROWS_BATCH = 2000;

/**
 * Builds (or brings up to date) the chain part of the user's ledger: classify every transaction
 * of the user's wallets, price the legs, write ledger rows, classifications and review items.
 *
 * What is rebuilt:
 * - everything, when the settings, rules, wallets, protocol contracts or asset mappings differ
 *   from the last build's (or `full`), or when decisions or imports changed without a dirty mark;
 * - otherwise from the earliest of: a new (or vanished, e.g. reorged) transaction minus the
 *   matching window (so pairs straddling it still match), and the dirty mark (`markLedgerDirty`:
 *   a price import marks from its earliest changed instant minus the price staleness window, a
 *   decision from its transaction minus the matching window, an import from its earliest changed
 *   row minus the matching window);
 * - nothing when none of that happened.
 * Transfers a previous build paired across the range's start keep their pairing.
 */
export const buildLedger = async (args: BuildArgs): Promise<BuildResult> => {
  const { db, userId, settings } = args;
  const timings: Record<string, number> = {};
  const cpuTimings: Record<string, number> = {};
  const cpuNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let mark = performance.now();
  let cpuMark = cpuNow();
  const lap = (phase: string) => {
    const now = performance.now();
    timings[phase] = Math.round(now - mark);
    mark = now;
    const cpu = cpuNow();
    cpuTimings[phase] = Math.round(cpu - cpuMark);
    cpuMark = cpu;
  };
  const windowMs = matchingWindowHours(settings) * 3600_000;
  const changes = args.changes ?? (await detectLedgerChanges(args));
  if (changes.unchanged) return unchangedBuild(changes);
  const { startedAt, seen, inputsHash, changesHash, wallets, ownIds, overrides, books, imported, from } =
    changes;
  const staleKeys = changes.staleKeys;
  timings.detect = changes.took.ms;
  cpuTimings.detect = changes.took.cpuMs;
  mark = performance.now();
  cpuMark = cpuNow();
  const positions = from ? await positionsBefore(db, userId, from) : new Map();
  const preMatched = from ? await pairsBefore(db, userId, from, 2 * windowMs) : undefined;
  const lpOwed = from ? await lpOwedBefore(db, userId, ownIds, from) : undefined;
  const ctx: ClassifyContext = {
    settings,
    contracts: args.contracts,
    wallets,
    byAddress: new Map(wallets.map((w) => [addressKey(w.chain, w.address), w])),
    resolveAsset: memoResolver(args.resolveAsset),
    positions,
    lpOwed,
  };
  const groups = await loadTxGroups(db, wallets, from);
  const movementCount = groups.reduce((n, g) => n + g.movements.length, 0);
  args.progress?.update({ total: groups.length, done: 0, detail: "classifying" });
  lap("load");
  // Imported halves that can still pair with something in range; only those in range get rows.
  const inRange = from ? imported.filter((h) => h.time.getTime() >= from.getTime() - windowMs) : imported;
  const classified = [
    ...classifyAll(
      groups,
      ctx,
      { perTx: overrides.perTx, rules: overrides.rules, links: overrides.links },
      inRange,
      preMatched ? { preMatched } : {},
    ),
    ...books.classifications,
  ]
    .filter((c) => !from || c.time >= from)
    // Imported rows join the chain's in time order (a stable sort keeps chain position within an instant).
    .sort((a, b) => a.time.getTime() - b.time.getTime());
  lap("classify");
  args.progress?.update({ done: Math.floor(groups.length / 2), detail: "pricing" });

  // Every leg to price, with its transaction's instant, in order (outs, ins, fee, gap per entry).
  // A file's own USD values come first (`file:<name>`); the price providers value the rest.
  const items: { leg: Leg; time: Date; blockNumber: bigint }[] = [];
  const fileValued = books.fileValues.size > 0;
  const add = (leg: Leg, time: Date, blockNumber: bigint) => {
    if (!fileValued || !books.fileValues.has(leg)) items.push({ leg, time, blockNumber });
  };
  for (const c of classified) {
    const { time, blockNumber } = c;
    for (const e of c.entries) {
      for (const leg of e.outs) add(leg, time, blockNumber);
      for (const leg of e.ins) add(leg, time, blockNumber);
      if (e.fee) add(e.fee, time, blockNumber);
      if (e.gap) add(e.gap, time, blockNumber);
    }
  }
  const priced = await args.pricer.prepare(items);
  const lookup: PriceLookup = Object.assign(
    (leg: Leg, at: { time: Date; blockNumber: bigint }) => books.fileValues.get(leg) ?? priced(leg, at),
    priced.explain ? { explain: priced.explain } : {},
  );
  lap("price");
  // Rows of one instant keep chain position order: the transaction's rank among same-time ones
  // (a classification per transaction, so its index in `classified` names it).
  const rankOf = new Array<number>(classified.length);
  let prevTime = Number.NaN;
  let rank = 0;
  for (let k = 0; k < classified.length; k++) {
    const t = Math.floor(classified[k]!.time.getTime() / 1000);
    rank = t === prevTime ? rank + 1 : 0;
    prevTime = t;
    rankOf[k] = rank;
  }
  // Rows are made a batch of classifications at a time while the write sends them (COPY): the
  // server stores one batch while the next is made. A batch's rows are let go once sent (only
  // their count is kept: no row lives until the end of the build); `built` holds the review
  // items once every row is written.
  const built: RowsResult = { rows: [], owners: [], missing: [], reviews: [] };
  let rowCount = 0;
  function* madeRows(): Generator<{ row: BuiltRow; seq: number }> {
    for (let k = 0; k < classified.length; k += ROWS_BATCH) {
      buildRows(classified, lookup, {
        from: k,
        to: Math.min(k + ROWS_BATCH, classified.length),
        into: built,
      });
      const { rows, owners } = built;
      // A row's number within its classification (its id's last part, `<chain>:<hash>:<n>`): rows
      // of one classification are made in that order and lie side by side.
      let owner = -1;
      let n = 0;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        n = owners[i] === owner ? n + 1 : 0;
        owner = owners[i]!;
        yield { row, seq: rankOf[owner]! * 1000 + n };
      }
      rowCount += rows.length;
      rows.length = 0;
      owners.length = 0;
    }
  }
  // Classification's review items, known before any row is made (on PostgreSQL written while the
  // rows are made); pricing's come once every row is made.
  const knownReviews: ReviewRow[] = [];
  for (const c of classified)
    for (const r of c.reviews) knownReviews.push({ chain: c.chain, txHash: c.txHash, ...r });
  const pricingReviews = (): ReviewRow[] => [
    ...built.missing.map((m) => ({
      chain: m.chain,
      txHash: m.txHash,
      reason: "missing_price",
      message: m.message,
    })),
    ...built.reviews,
  ];
  await replaceChainLedger(db, {
    userId,
    from,
    rows: madeRows(),
    classified,
    knownReviews,
    reviews: pricingReviews,
    // Made only when the write needs them (an incremental build, or balance items to keep): a full
    // build deletes by user, and 100,000 keys are 100,000 strings.
    txKeys: () => [
      ...classified.map((c: TxClassification) => `${c.chain}:${c.txHash}`),
      ...staleKeys,
      // Imported halves in range: one paired now loses the review item it had while unpaired.
      ...inRange.filter((h) => !from || h.time >= from).map((h) => `${h.chain}:${h.txHash}`),
    ],
  });
  await db
    .insert(ledgerState)
    .values({ userId, inputsHash, changesHash, seenSnapshot: seen })
    .onConflictDoUpdate({
      target: ledgerState.userId,
      set: {
        inputsHash,
        changesHash,
        seenSnapshot: seen,
        builtAt: new Date(),
        // A mark made while this build ran may describe a change it did not see: keep it.
        dirtyFrom: sql`case when ${ledgerState.dirtyAt} is null or ${ledgerState.dirtyAt} <= ${startedAt} then null else ${ledgerState.dirtyFrom} end`,
      },
    });
  // Removals this build saw are done with: every later build's snapshot sees them too (each
  // wallet belongs to this user alone). Visibility, not `removed_xid < xmin`: the snapshot's xmin
  // is held back by any open transaction on the server, even one in another database.
  if (ownIds.length > 0)
    await db.execute(
      sql.raw(
        `delete from lotwise_sync.removed_transactions where wallet_id in (${ownIds.map(Number).join(", ")}) and pg_visible_in_snapshot(removed_xid, ${snapshotSql(seen).snapshot})`,
      ),
    );
  lap("write");
  args.progress?.finish(`${rowCount} ledger rows`);
  return {
    mode: from ? "incremental" : "full",
    from: from?.toISOString(),
    transactions: groups.length,
    movements: movementCount,
    rows: rowCount,
    reviews: knownReviews.length + built.missing.length + built.reviews.length,
    missingPrices: built.missing.length,
    timings,
    cpuTimings,
  };
};
