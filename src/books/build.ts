import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { and, eq, inArray, like, lt, ne, notExists, or, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import {
  classifications,
  ledgerRows,
  ledgerState,
  overrides as overridesTable,
  transactions,
} from "../../db/schema/index.ts";
import { classifyAll } from "../classify/classify.ts";
import {
  type AssetResolver,
  addressKey,
  type ClassifyContext,
  type PositionBook,
  type ProtocolContracts,
} from "../classify/context.ts";
import { isPositionAccount, POSITION_PROTOCOLS } from "../classify/decoders/position.ts";
import type { OverrideAction, OverrideRule } from "../classify/overrides.ts";
import type { ClassifySettings } from "../classify/settings.ts";
import type { Leg, TxClassification, UnmatchedHalf, WalletInfo } from "../classify/types.ts";
import type { ProgressTask } from "../ui/progress.ts";
import { Decimal } from "../utils/decimal.ts";
import { loadTxGroups, loadWallets } from "./load.ts";
import { buildRows, type PriceLookup } from "./rows.ts";
import { type ReviewRow, replaceChainLedger } from "./store.ts";

/** Prices legs in batches, then answers lookups synchronously. */
export type Pricer = {
  prepare: (items: readonly { leg: Leg; time: Date; blockNumber: bigint }[]) => Promise<PriceLookup>;
};

export type BuildArgs = {
  db: DbOrTx;
  userId: number;
  settings: ClassifySettings;
  contracts?: Readonly<Record<string, ProtocolContracts>> | undefined;
  resolveAsset: AssetResolver;
  pricer: Pricer;
  /** Rebuild everything even when nothing changed. */
  full?: boolean;
  progress?: ProgressTask | undefined;
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
  /** Milliseconds per phase: `detect`, `load`, `classify`, `price`, `rows`, `write`. */
  timings: Record<string, number>;
};

const loadOverrides = async (db: DbOrTx, userId: number) => {
  const rows = await db
    .select()
    .from(overridesTable)
    .where(eq(overridesTable.userId, userId))
    .orderBy(overridesTable.id);
  const perTx = new Map<string, { id: number; action: OverrideAction }>();
  const rules: OverrideRule[] = [];
  for (const r of rows) {
    if (r.txHash && r.chain)
      perTx.set(`${r.chain}:${r.txHash}`, { id: r.id, action: r.action as OverrideAction });
    else if (r.rule)
      rules.push({ id: r.id, match: r.rule as OverrideRule["match"], action: r.action as OverrideAction });
  }
  return { perTx, rules, fingerprint: rows.map((r) => [r.id, r.chain, r.txHash, r.rule, r.action]) };
};

/** Balances of position accounts from the stored chain rows before `before` (for an incremental rebuild). */
const positionsBefore = async (db: DbOrTx, userId: number, before: Date): Promise<PositionBook> => {
  const book: PositionBook = new Map();
  const add = (account: string, asset: string, q: Decimal) => {
    const m = book.get(account) ?? new Map<string, Decimal>();
    m.set(asset, (m.get(asset) ?? new Decimal(0)).add(q));
    book.set(account, m);
  };
  // Only rows that touch a position account matter: filter in the query, not over the whole ledger.
  const touching = POSITION_PROTOCOLS.flatMap((p) => [
    like(ledgerRows.wallet, `${p}:%`),
    like(ledgerRows.toWallet, `${p}:%`),
  ]);
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
    .where(
      and(
        eq(ledgerRows.userId, userId),
        eq(ledgerRows.origin, "chain"),
        lt(ledgerRows.time, before),
        or(...touching),
      ),
    );
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
  const rows = await db
    .select()
    .from(ledgerRows)
    .where(
      and(eq(ledgerRows.userId, userId), eq(ledgerRows.type, "transfer"), ne(ledgerRows.origin, "chain")),
    );
  return rows
    .filter((r) => r.toWallet && own.has(r.toWallet) && r.outAsset && r.outQuantity)
    .map((r) => {
      const target = own.get(r.toWallet!)!;
      return {
        direction: "out",
        imported: true,
        toWallet: target.key,
        wallet: { id: -1, chain: r.wallet, address: r.wallet, key: r.wallet, kind: "own", label: r.wallet },
        leg: {
          asset: r.outAsset!,
          chainAsset: r.outAsset!,
          chain: target.chain,
          quantity: new Decimal(r.outQuantity!),
          symbol: r.outAsset!,
        },
        counterparty: null,
        chain: "import",
        txHash: r.id,
        time: r.time,
      } satisfies UnmatchedHalf;
    });
};

/**
 * Builds (or brings up to date) the chain part of the user's ledger: classify every transaction
 * of the user's wallets, price the legs, write ledger rows, classifications and review items.
 *
 * Incremental: when the settings, overrides and wallets are what the last build used, only
 * transactions from the earliest new (or vanished, e.g. reorged) one on are redone — from that
 * instant minus the bridge-matching window, so cross-chain pairs straddling it still match.
 */
export const buildLedger = async (args: BuildArgs): Promise<BuildResult> => {
  const { db, userId, settings } = args;
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (phase: string) => {
    const now = performance.now();
    timings[phase] = Math.round(now - mark);
    mark = now;
  };
  const wallets = await loadWallets(db, userId);
  const overrides = await loadOverrides(db, userId);
  const imported = await importedTransferHalves(db, userId, wallets);
  const inputsHash = createHash("sha256")
    .update(
      JSON.stringify({
        settings,
        contracts: args.contracts ?? {},
        overrides: overrides.fingerprint,
        wallets: wallets.map((w) => [w.id, w.key, w.kind]),
        imported: imported.map((h) => [h.txHash, h.leg.quantity.toFixed(), h.time.toISOString()]),
      }),
    )
    .digest("hex");

  const [state] = await db.select().from(ledgerState).where(eq(ledgerState.userId, userId));
  let from: Date | undefined;
  let staleKeys: string[] = [];
  if (!args.full && state && state.inputsHash === inputsHash) {
    const ownIds = wallets.filter((w) => w.kind === "own").map((w) => w.id);
    const classifiedTx = (chain: typeof transactions.chain, txHash: typeof transactions.txHash) =>
      db
        .select({ one: sql`1` })
        .from(classifications)
        .where(
          and(
            eq(classifications.userId, userId),
            eq(classifications.chain, chain),
            eq(classifications.txHash, txHash),
          ),
        );
    // New transactions: stored but not yet classified (an anti-join, not a scan in JavaScript).
    const [fresh] = ownIds.length
      ? await db
          .select({ earliest: sql<Date | null>`min(${transactions.time})`.mapWith(transactions.time) })
          .from(transactions)
          .where(
            and(
              inArray(transactions.walletId, ownIds),
              notExists(classifiedTx(transactions.chain, transactions.txHash)),
            ),
          )
      : [];
    let earliest = fresh?.earliest ?? undefined;
    // Vanished transactions (a reorg rolled them back, a wallet was removed): classified but gone.
    const stale = await db
      .select({ chain: classifications.chain, txHash: classifications.txHash })
      .from(classifications)
      .where(
        and(
          eq(classifications.userId, userId),
          notExists(
            db
              .select({ one: sql`1` })
              .from(transactions)
              .where(
                and(
                  inArray(transactions.walletId, ownIds.length ? ownIds : [-1]),
                  eq(transactions.chain, classifications.chain),
                  eq(transactions.txHash, classifications.txHash),
                ),
              ),
          ),
        ),
      );
    staleKeys = stale.map((k) => `${k.chain}:${k.txHash}`);
    for (const key of staleKeys) {
      const [row] = await db
        .select({ time: sql<Date | null>`min(${ledgerRows.time})`.mapWith(ledgerRows.time) })
        .from(ledgerRows)
        .where(
          and(eq(ledgerRows.userId, userId), eq(ledgerRows.origin, "chain"), like(ledgerRows.id, `${key}:%`)),
        );
      const t = row?.time ?? new Date(0);
      if (!earliest || t < earliest) earliest = t;
    }
    if (!earliest) {
      lap("detect");
      return {
        mode: "unchanged",
        transactions: 0,
        movements: 0,
        rows: 0,
        reviews: 0,
        missingPrices: 0,
        timings,
      };
    }
    from = new Date(earliest.getTime() - settings.bridgeWindowHours * 3600_000);
  }

  lap("detect");
  const positions = from ? await positionsBefore(db, userId, from) : new Map();
  const ctx: ClassifyContext = {
    settings,
    contracts: args.contracts,
    wallets,
    byAddress: new Map(wallets.map((w) => [addressKey(w.chain, w.address), w])),
    resolveAsset: args.resolveAsset,
    positions,
  };
  const groups = await loadTxGroups(db, wallets, from);
  const movementCount = groups.reduce((n, g) => n + g.movements.length, 0);
  args.progress?.update({ total: groups.length, done: 0, detail: "classifying" });
  lap("load");
  const classified = classifyAll(groups, ctx, overrides, imported);
  lap("classify");
  args.progress?.update({ done: Math.floor(groups.length / 2), detail: "pricing" });

  const items = classified.flatMap((c) =>
    c.entries.flatMap((e) =>
      [...e.outs, ...e.ins, ...(e.fee ? [e.fee] : []), ...(e.gap ? [e.gap] : [])].map((leg) => ({
        leg,
        time: c.time,
        blockNumber: c.blockNumber,
      })),
    ),
  );
  const lookup = await args.pricer.prepare(items);
  lap("price");
  const { rows, missing } = buildRows(classified, lookup);
  lap("rows");

  const reviews: ReviewRow[] = [
    ...classified.flatMap((c) => c.reviews.map((r) => ({ chain: c.chain, txHash: c.txHash, ...r }))),
    ...missing.map((m) => ({
      chain: m.chain,
      txHash: m.txHash,
      reason: "missing_price",
      message: m.message,
    })),
  ];
  const txIndexOf = new Map(groups.map((g) => [`${g.chain}:${g.txHash}`, g.txIndex]));
  const seqOf = (row: { id: string }) => {
    const i = row.id.lastIndexOf(":");
    return (txIndexOf.get(row.id.slice(0, i)) ?? 0) * 1000 + Number(row.id.slice(i + 1));
  };
  await replaceChainLedger(db, {
    userId,
    from,
    rows,
    seqOf,
    classified,
    reviews,
    txKeys: [...classified.map((c: TxClassification) => `${c.chain}:${c.txHash}`), ...staleKeys],
  });
  await db
    .insert(ledgerState)
    .values({ userId, inputsHash })
    .onConflictDoUpdate({ target: ledgerState.userId, set: { inputsHash, builtAt: new Date() } });
  lap("write");
  args.progress?.finish(`${rows.length} ledger rows`);
  return {
    mode: from ? "incremental" : "full",
    from: from?.toISOString(),
    transactions: groups.length,
    movements: movementCount,
    rows: rows.length,
    reviews: reviews.length,
    missingPrices: missing.length,
    timings,
  };
};
