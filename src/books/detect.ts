/**
 * What changed since the user's last ledger build, and so what the next build redoes: the first
 * step of `buildLedger` (src/books/build.ts), on its own so that a caller can ask it before it
 * loads the classifiers, the price service and the chain clients (viem, web3.js): when nothing
 * changed, a build is this check alone. Reads only.
 */
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { selectCells } from "../../db/copy.ts";
import {
  classifications,
  ledgerRows,
  ledgerState,
  overrides as overridesTable,
} from "../../db/schema/index.ts";
import type { ProtocolContracts } from "../classify/context.ts";
import type { LinkDecision } from "../classify/match.ts";
import type { OverrideAction, OverrideRule } from "../classify/overrides.ts";
import { type ClassifySettings, matchingWindowHours } from "../classify/settings.ts";
import type { UnmatchedHalf, WalletInfo } from "../classify/types.ts";
import { type ImportedBooks, loadImportedBooks } from "../imports/books.ts";
import { Decimal } from "../utils/decimal.ts";
import type { BuildResult } from "./build.ts";
import { loadWallets } from "./load.ts";

/**
 * The version of what a build writes for the same inputs: classification, decoders, the valuing
 * of legs and the making of rows. Raise it with every change that alters the rows an existing
 * ledger would get (a decoder fixed, a row valued differently): a stored ledger records the version
 * that built it, and the next build after an upgrade is then a full one, so no command reads rows
 * an older lotwise made. 2: stop 23 (priced legs of partly priced trades, Jupiter keeper fills).
 * 3: stop 24 (each NFT token id its own asset, `<collection>#<id>`).
 * 4: a link between two exports' halves (lotwise review link) makes the transfer row; Koinly and
 * CoinTracker rows labelled gift or donation are gifts.
 * 5: an inflow decided (or ruled) `gift` is a gift received — a transfer from `gift:<chain>:<sender>`
 * with no basis — not `income`; a pairing on amount and time names the command that confirms it;
 * a decision or rule `income` no longer swallows an outflow (it stays in review).
 * 6: a chain transaction paired with an imported `transfer` row names that row
 * (`classifications.details.pairedRows`), so the export's `tx` names the chain transaction.
 * 7: Koinly and CoinTracker rows labelled lost or stolen are gift rows (nothing realized), not spends;
 * a withdrawal and a deposit in two exports that name the same transaction hash are one transfer.
 * 8: an export's withdrawal to a deposit address registered for another account is a transfer to
 * that account, paired with its deposit by evidence.
 */
export const LEDGER_BUILD_VERSION = 8;

/** What decides whether (and from when) the ledger is rebuilt: `BuildArgs` without the build's tools. */
export type DetectArgs = {
  db: DbOrTx;
  userId: number;
  settings: ClassifySettings;
  contracts?: Readonly<Record<string, ProtocolContracts>> | undefined;
  /** Rebuild everything even when nothing changed. */
  full?: boolean | undefined;
  /** What else decides rows (e.g. the configuration's asset mappings): a change means a full rebuild. */
  fingerprint?: unknown;
  /** The build code's version (tests only: another value stands for another lotwise). @defaultValue LEDGER_BUILD_VERSION */
  buildVersion?: number | undefined;
  /**
   * Imported halves beyond the ledger CSV transfers (exchange deposits and withdrawals an importer
   * stored): see `UnmatchedHalf`. Loaded on every build; their importer marks the ledger dirty.
   */
  loadImportedHalves?:
    | ((db: DbOrTx, userId: number, wallets: readonly WalletInfo[]) => Promise<UnmatchedHalf[]>)
    | undefined;
};

/** The user's overrides, sorted into what the classifier and the change check read. */
export type LoadedOverrides = Awaited<ReturnType<typeof loadOverrides>>;

/**
 * What `detectLedgerChanges` found, and what it read on the way (the build reads it once).
 * `unchanged`: nothing to redo. Otherwise `from` is the instant the rebuild starts from, or
 * undefined for a full rebuild.
 */
export type LedgerChanges = {
  unchanged: boolean;
  from: Date | undefined;
  /** `<chain>:<hash>` of transactions whose classifications go (vanished, or imported halves gone). */
  staleKeys: string[];
  /** When the check started: a dirty mark made later may describe a change the build did not see. */
  startedAt: Date;
  /** The snapshot (`pg_snapshot` text) the build's reads see at least: the next check reads from it. */
  seen: string;
  inputsHash: string;
  changesHash: string;
  wallets: WalletInfo[];
  ownIds: number[];
  overrides: LoadedOverrides;
  books: ImportedBooks;
  /** Imported transfer halves: ledger CSV transfers into own wallets, exchange ones, `loadImportedHalves`'. */
  imported: UnmatchedHalf[];
  /** What the check took: milliseconds of wall time and of this process's CPU (`BuildResult`'s `detect`). */
  took: { ms: number; cpuMs: number };
};

/** The result of a build that found nothing to do (`changes.unchanged`). */
export const unchangedBuild = (changes: LedgerChanges): BuildResult => ({
  mode: "unchanged",
  transactions: 0,
  movements: 0,
  rows: 0,
  reviews: 0,
  missingPrices: 0,
  timings: { detect: changes.took.ms },
  cpuTimings: { detect: changes.took.cpuMs },
});

/** CPU milliseconds this process used so far (user and system). */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const loadOverrides = async (db: DbOrTx, userId: number) => {
  const rows = await db
    .select()
    .from(overridesTable)
    .where(eq(overridesTable.userId, userId))
    .orderBy(overridesTable.id);
  const perTx = new Map<string, { id: number; action: OverrideAction }>();
  const rules: OverrideRule[] = [];
  const links: LinkDecision[] = [];
  const unlinks: LinkDecision[] = [];
  for (const r of rows) {
    const rule = r.rule as { link?: [string, string]; unlink?: [string, string] } | null;
    if (r.txHash && r.chain)
      perTx.set(`${r.chain}:${r.txHash}`, { id: r.id, action: r.action as OverrideAction });
    else if (rule?.link) links.push({ id: r.id, a: rule.link[0], b: rule.link[1] });
    else if (rule?.unlink) unlinks.push({ id: r.id, a: rule.unlink[0], b: rule.unlink[1] });
    else if (r.rule)
      rules.push({ id: r.id, match: r.rule as OverrideRule["match"], action: r.action as OverrideAction });
  }
  return {
    perTx,
    rules,
    links: { links, unlinks },
    /** Rules change what any transaction becomes: a full rebuild. */
    rulesFingerprint: rows
      .filter(
        (r) =>
          !r.txHash &&
          !(r.rule as { link?: unknown; unlink?: unknown } | null)?.link &&
          !(r.rule as { unlink?: unknown } | null)?.unlink,
      )
      .map((r) => [r.id, r.rule, r.action]),
    /** Per-transaction decisions and links: their changes mark the ledger dirty from the transaction on. */
    decisionsFingerprint: rows
      .filter(
        (r) =>
          r.txHash ||
          (r.rule as { link?: unknown; unlink?: unknown } | null)?.link ||
          (r.rule as { unlink?: unknown } | null)?.unlink,
      )
      .map((r) => [r.id, r.chain, r.txHash, r.rule, r.action]),
  };
};

/**
 * Transfers the user imported from an exchange export into one of their chain wallets: each is
 * the departure half of a withdrawal whose arrival is on chain, so that arrival is not an
 * unexplained inflow.
 */
const importedTransferHalves = async (
  db: DbOrTx,
  userId: number,
  wallets: readonly WalletInfo[],
): Promise<UnmatchedHalf[]> => {
  const own = new Map(wallets.filter((w) => w.kind === "own").map((w) => [w.key, w]));
  // Only transfers into an own wallet are halves: filtered here, not after reading every imported
  // transfer (a 200,000-row import has tens of thousands, read on every `gains`).
  if (own.size === 0) return [];
  const rows = await db
    .select({
      id: ledgerRows.id,
      origin: ledgerRows.origin,
      time: ledgerRows.time,
      wallet: ledgerRows.wallet,
      outAsset: ledgerRows.outAsset,
      outQuantity: ledgerRows.outQuantity,
      toWallet: ledgerRows.toWallet,
      tx: ledgerRows.tx,
    })
    .from(ledgerRows)
    .where(
      // `origin <> 'chain'` as a constant: the partial index `ledger_rows_imported_idx`.
      and(
        eq(ledgerRows.userId, userId),
        eq(ledgerRows.type, "transfer"),
        sql`${ledgerRows.origin} <> 'chain'`,
        inArray(ledgerRows.toWallet, [...own.keys()]),
      ),
    );
  return rows
    .filter((r) => r.toWallet && own.has(r.toWallet) && r.outAsset && r.outQuantity)
    .map((r) => {
      const target = own.get(r.toWallet!)!;
      return {
        direction: "out",
        imported: true,
        hasRow: true,
        toWallet: target.key,
        ...(r.tx ? { evidence: { txHashes: r.tx.split(";").filter(Boolean) } } : {}),
        wallet: { id: -1, chain: r.wallet, address: r.wallet, key: r.wallet, kind: "own", label: r.wallet },
        leg: {
          asset: r.outAsset!,
          chainAsset: r.outAsset!,
          chain: target.chain,
          quantity: new Decimal(r.outQuantity!),
          symbol: r.outAsset!,
        },
        counterparty: null,
        chain: r.origin,
        txHash: r.id,
        time: r.time,
      } satisfies UnmatchedHalf;
    });
};

/** A snapshot taken now (`pg_snapshot` text `xmin:xmax:xip,…`): the transactions it sees. */
const currentSnapshot = async (db: DbOrTx): Promise<string> => {
  const [row] = await selectCells(db, "select pg_current_snapshot()");
  return row![0]!;
};

/** `snapshot` as an SQL literal, and its `xmin` as one (an `xid8`: the index range's start). */
export const snapshotSql = (snapshot: string) => {
  if (!/^\d+:\d+:[\d,]*$/.test(snapshot)) throw new Error(`not a snapshot: ${snapshot}`);
  return {
    snapshot: `'${snapshot}'::pg_snapshot`,
    xmin: `'${snapshot.slice(0, snapshot.indexOf(":"))}'::xid8`,
  };
};

/**
 * What changed in the user's own wallets' transactions since the build that started from
 * `seen` (its snapshot), by index range scans on `inserted_xid` and `removed_xid` from the
 * snapshot's `xmin` (not anti-joins of every transaction with every classification): the earliest
 * time of a transaction written or removed unseen, the removed ones (`<chain>:<hash>`: their
 * classifications go) and, of those, the ones no wallet of the user holds any more (`gone`: their
 * rows may predate the removed row's time). An upsert keeps a row's `inserted_xid`: a re-sync of
 * the same history changes nothing.
 */
const chainChangesSince = async (
  db: DbOrTx,
  userId: number,
  ownIds: readonly number[],
  seen: string,
): Promise<{ earliest: Date | undefined; vanished: string[]; gone: string[] }> => {
  if (ownIds.length === 0) {
    // No own wallet: every chain classification is stale.
    const rows = await selectCells(
      db,
      `select chain || ':' || tx_hash from lotwise_app.classifications where user_id = ${Number(userId)} and chain not like 'import:%'`,
    );
    const keys = rows.map((r) => r[0]!);
    return { earliest: undefined, vanished: keys, gone: keys };
  }
  const ids = ownIds.map(Number).join(", ");
  const { snapshot, xmin } = snapshotSql(seen);
  const [fresh] = await selectCells(
    db,
    `select floor(extract(epoch from min(time)) * 1000)::int8 from lotwise_sync.transactions
      where wallet_id in (${ids}) and inserted_xid >= ${xmin}
        and not pg_visible_in_snapshot(inserted_xid, ${snapshot})`,
  );
  let earliest = fresh?.[0] ? new Date(Number(fresh[0])) : undefined;
  const removed = await selectCells(
    db,
    `select r.chain || ':' || r.tx_hash, floor(extract(epoch from min(r.time)) * 1000)::int8,
            not exists (select 1 from lotwise_sync.transactions t
                         where t.wallet_id in (${ids}) and t.chain = r.chain and t.tx_hash = r.tx_hash)
       from lotwise_sync.removed_transactions r
      where r.wallet_id in (${ids}) and r.removed_xid >= ${xmin}
        and not pg_visible_in_snapshot(r.removed_xid, ${snapshot})
      group by r.chain, r.tx_hash`,
  );
  const vanished: string[] = [];
  const gone: string[] = [];
  for (const [key, ms, absent] of removed) {
    const t = new Date(Number(ms));
    if (!earliest || t < earliest) earliest = t;
    vanished.push(key!);
    if (absent === "t") gone.push(key!);
  }
  return { earliest, vanished, gone };
};

/**
 * The earliest chain ledger row of each of the transactions `keys` (`<chain>:<hash>`): one scan
 * of the user's chain rows, made only when a transaction vanished.
 */
const earliestRowsOf = async (
  db: DbOrTx,
  userId: number,
  keys: readonly string[],
): Promise<Map<string, Date>> => {
  const out = new Map<string, Date>();
  if (keys.length === 0) return out;
  const key = sql<string>`left(${ledgerRows.id}, length(${ledgerRows.id}) - strpos(reverse(${ledgerRows.id}), ':'))`;
  const rows = await db
    .select({ key, time: sql<Date>`min(${ledgerRows.time})`.mapWith(ledgerRows.time) })
    .from(ledgerRows)
    .where(
      and(
        eq(ledgerRows.userId, userId),
        eq(ledgerRows.origin, "chain"),
        sql`${key} in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`,
      ),
    )
    .groupBy(key);
  for (const r of rows) out.set(String(r.key), r.time);
  return out;
};

const hashOf = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex");

/**
 * What the next build of the user's ledger redoes (see `buildLedger`):
 * - everything, when the settings, rules, wallets, protocol contracts or asset mappings differ
 *   from the last build's (or `full`), or when decisions or imports changed without a dirty mark;
 * - otherwise from the earliest of: a new (or vanished, e.g. reorged) transaction minus the
 *   matching window (so pairs straddling it still match), and the dirty mark (`markLedgerDirty`);
 * - nothing (`unchanged`) when none of that happened.
 */
export const detectLedgerChanges = async (args: DetectArgs): Promise<LedgerChanges> => {
  const { db, userId, settings } = args;
  const startedAt = new Date();
  const wall0 = performance.now();
  const cpu0 = cpuMs();
  const took = () => ({ ms: Math.round(performance.now() - wall0), cpuMs: Math.round(cpuMs() - cpu0) });
  const windowMs = matchingWindowHours(settings) * 3600_000;
  const wallets = await loadWallets(db, userId);
  const overrides = await loadOverrides(db, userId);
  // Exchange and tool imports (`lotwise import`): deposits and withdrawals to match, trades to add.
  const books = await loadImportedBooks(db, userId, overrides.perTx);
  const imported = [
    ...(await importedTransferHalves(db, userId, wallets)),
    ...books.halves,
    ...((await args.loadImportedHalves?.(db, userId, wallets)) ?? []),
  ];
  const inputsHash = hashOf({
    settings,
    contracts: args.contracts ?? {},
    rules: overrides.rulesFingerprint,
    wallets: wallets.map((w) => [w.id, w.key, w.kind]),
    fingerprint: args.fingerprint ?? null,
    buildVersion: args.buildVersion ?? LEDGER_BUILD_VERSION,
  });
  const changesHash = hashOf({
    decisions: overrides.decisionsFingerprint,
    importedRows: books.fingerprint,
    imported: imported.map((h) => [
      h.chain,
      h.txHash,
      h.direction,
      h.wallet.key,
      h.leg.asset,
      h.leg.quantity.toFixed(),
      h.time.toISOString(),
      h.toWallet ?? null,
      h.evidence ?? null,
    ]),
  });

  // Every transaction row this snapshot sees (written or removed) is visible to the reads below
  // (later statements see at least as much): the next build reads only the rows it did not see.
  const seen = await currentSnapshot(db);
  const [state] = await db.select().from(ledgerState).where(eq(ledgerState.userId, userId));
  const marked = state?.dirtyFrom ?? undefined;
  const fullBuild =
    args.full ||
    !state?.seenSnapshot ||
    state.inputsHash !== inputsHash ||
    (state.changesHash !== changesHash && !marked);
  let from: Date | undefined;
  let staleKeys: string[] = [];
  const ownIds = wallets.filter((w) => w.kind === "own").map((w) => w.id);
  const found = { startedAt, seen, inputsHash, changesHash, wallets, ownIds, overrides, books, imported };
  if (fullBuild) return { ...found, unchanged: false, from, staleKeys, took: took() };
  const changed = await chainChangesSince(db, userId, ownIds, state.seenSnapshot!);
  let earliest = changed.earliest;
  staleKeys = changed.vanished;
  // Classifications of imported halves whose import row is gone.
  const present = new Set([
    ...imported.map((h) => `${h.chain}:${h.txHash}`),
    ...books.classifications.map((c) => `${c.chain}:${c.txHash}`),
  ]);
  const importKeys = await db
    .select({ chain: classifications.chain, txHash: classifications.txHash })
    .from(classifications)
    .where(and(eq(classifications.userId, userId), sql`${classifications.chain} like 'import:%'`));
  const importStale = importKeys.map((k) => `${k.chain}:${k.txHash}`).filter((k) => !present.has(k));
  staleKeys.push(...importStale);
  // Their rows from the last build (a vanished transaction's removed row has its time; an
  // imported half's is gone with its import row: without rows, the whole ledger is redone).
  const rowTimes = await earliestRowsOf(db, userId, [...changed.gone, ...importStale]);
  for (const t of rowTimes.values()) if (!earliest || t < earliest) earliest = t;
  if (importStale.some((k) => !rowTimes.has(k))) earliest = new Date(0);
  if (earliest) from = new Date(earliest.getTime() - windowMs);
  if (marked && (!from || marked < from)) from = marked;
  return { ...found, unchanged: !from, from, staleKeys, took: took() };
};
