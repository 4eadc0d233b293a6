import { and, eq, sql } from "drizzle-orm";
import { type BulkColumns, bulkInsert } from "../../db/bulk.ts";
import type { DbOrTx } from "../../db/client.ts";
import {
  type CopyOptions,
  clientOf,
  copyLines,
  copyTextCell,
  onPglite,
  pgRunner,
  selectCells,
} from "../../db/copy.ts";
import { dropIndexesForLoad } from "../../db/deferred-indexes.ts";
import { classifications, reviewItems } from "../../db/schema/index.ts";
import type { TxClassification } from "../classify/types.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { carrySnapshotForward, lockSnapshotVersion } from "./ledger-snapshot.ts";
import type { BuiltRow } from "./rows.ts";
import { splitTxKey } from "./tx-key.ts";

/** Columns of `lotwise_app.ledger_rows` written by a build. */
export const LEDGER_ROW_COLUMNS: BulkColumns = {
  user_id: "integer",
  id: "text",
  seq: "integer",
  origin: "text",
  time: "timestamptz",
  type: "text",
  wallet: "text",
  out_asset: "text",
  out_quantity: "numeric",
  in_asset: "text",
  in_quantity: "numeric",
  usd_value: "numeric",
  fee_asset: "text",
  fee_quantity: "numeric",
  fee_usd: "numeric",
  to_wallet: "text",
  lots: "text",
  subtype: "text",
  tx: "text",
  note: "text",
  price_sources: "jsonb",
  warnings: "jsonb",
};

/** Columns of `lotwise_app.classifications` written by a build. */
export const CLASSIFICATION_COLUMNS: BulkColumns = {
  user_id: "integer",
  chain: "text",
  tx_hash: "text",
  kind: "text",
  source: "text",
  uncertain: "boolean",
  details: "jsonb",
};

/** A ledger row with what the table stores beside it. */
export type StoredRowInput = {
  row: LedgerRow;
  userId: number;
  /** Order among rows of the same time. */
  seq: number;
  /** `chain` or `import:<name>`. */
  origin: string;
  priceSources: Record<string, string>;
  warnings?: readonly string[];
};

/**
 * A row's time as stored: the column keeps microseconds and PostgreSQL would round the digits
 * beyond them, which can carry `2025-12-31T23:59:59.9999996Z` into the next day and year. The
 * digits beyond the microsecond are dropped instead (the instant moves back by less than 1 µs,
 * never onto another date).
 */
const storedTime = (time: string): string =>
  // No fraction (a chain row's time: whole seconds): nothing to drop, no regex.
  time.includes(".") ? time.replace(/(\.\d{6})\d+/, "$1") : time;

/** One `ledger_rows` record (`LEDGER_ROW_COLUMNS`) of a stored row. */
export const storedRecord = ({ row: r, userId, seq, origin, priceSources, warnings }: StoredRowInput) => ({
  user_id: userId,
  id: r.id,
  seq,
  origin,
  time: storedTime(r.time),
  type: r.type,
  wallet: r.wallet,
  out_asset: r.outAsset ?? null,
  out_quantity: r.outQuantity ?? null,
  in_asset: r.inAsset ?? null,
  in_quantity: r.inQuantity ?? null,
  usd_value: r.usdValue ?? null,
  fee_asset: r.feeAsset ?? null,
  fee_quantity: r.feeQuantity ?? null,
  fee_usd: r.feeUsd ?? null,
  to_wallet: r.toWallet ?? null,
  lots: r.lots ?? null,
  subtype: r.subtype ?? null,
  tx: r.tx ?? null,
  note: r.note ?? null,
  price_sources: priceSources,
  warnings: warnings ?? [],
});

/** A text (numeric) cell of a stored row's line. */
const textCell = (v: string | undefined) => copyTextCell(v, "text");
const numericCell = (v: string | undefined) => copyTextCell(v, "numeric");

/** `price_sources` cells made so far, by the sources' names and values in order (rows share a handful). */
const sourceCells = new Map<string, string>();
/** Most `sourceCells` kept (a build's rows name a handful of sources; more are printed each time). */
const SOURCE_CELLS_KEPT = 1024;

/**
 * A `price_sources` cell, printed as `copyTextCell` prints it, once per distinct sources (not a
 * JSON text per row): the key lists each name and value in the order `JSON.stringify` writes them.
 */
const priceSourcesCell = (sources: Record<string, string>): string => {
  let key = "";
  for (const name in sources) {
    const value = sources[name];
    if (typeof value !== "string" || name.includes("\u0000") || value.includes("\u0000"))
      return copyTextCell(sources, "jsonb");
    key += `${name}\u0000${value}\u0000`;
  }
  let cell = sourceCells.get(key);
  if (cell === undefined) {
    cell = copyTextCell(sources, "jsonb");
    if (sourceCells.size < SOURCE_CELLS_KEPT) sourceCells.set(key, cell);
  }
  return cell;
};

/**
 * The COPY text line of a stored row: `storedRecord`'s cells in `LEDGER_ROW_COLUMNS` order, each
 * printed as `copyRows` prints it, without the record object in between.
 */
export const storedLine = ({ row: r, userId, seq, origin, priceSources, warnings }: StoredRowInput): string =>
  [
    copyTextCell(userId, "integer"),
    textCell(r.id),
    copyTextCell(seq, "integer"),
    textCell(origin),
    copyTextCell(storedTime(r.time), "timestamptz"),
    textCell(r.type),
    textCell(r.wallet),
    textCell(r.outAsset),
    numericCell(r.outQuantity),
    textCell(r.inAsset),
    numericCell(r.inQuantity),
    numericCell(r.usdValue),
    textCell(r.feeAsset),
    numericCell(r.feeQuantity),
    numericCell(r.feeUsd),
    textCell(r.toWallet),
    textCell(r.lots),
    textCell(r.subtype),
    textCell(r.tx),
    textCell(r.note),
    priceSourcesCell(priceSources),
    // No warnings (almost every row): `[]`, as `copyTextCell` prints an empty array.
    warnings === undefined || warnings.length === 0 ? "[]" : copyTextCell(warnings, "jsonb"),
  ].join("\t");

/** The `classifications` record (`CLASSIFICATION_COLUMNS`) a build writes for `x`. */
export const classificationRecord = (userId: number, x: TxClassification) => ({
  user_id: userId,
  chain: x.chain,
  tx_hash: x.txHash,
  kind: x.kind,
  source: x.source,
  uncertain: x.reviews.length > 0,
  details: { entries: x.entries.length, ...(x.details ?? {}) },
});

/**
 * `classificationRecord`'s COPY text line, each cell printed as `copyRows` prints it: no record
 * object, and no details copy when the classification keeps none.
 */
export const classificationLine = (userId: number, x: TxClassification): string =>
  [
    copyTextCell(userId, "integer"),
    textCell(x.chain),
    textCell(x.txHash),
    textCell(x.kind),
    textCell(x.source),
    x.reviews.length > 0 ? "t" : "f",
    x.details
      ? copyTextCell({ entries: x.entries.length, ...x.details }, "jsonb")
      : `{"entries":${x.entries.length}}`,
  ].join("\t");

/**
 * Writes ledger rows in bulk (COPY, see db/bulk.ts): the one place rows become table records.
 * `rows` may be a generator: with COPY its rows are made as they are sent (the server stores a
 * batch while the next is made); a driver without COPY gets them in one array.
 */
export const insertLedgerRows = async (
  db: DbOrTx,
  rows: Iterable<StoredRowInput>,
  options: CopyOptions = {},
): Promise<void> => {
  function* lines() {
    for (const r of rows) yield storedLine(r);
  }
  if (await copyLines(db, "lotwise_app.ledger_rows", Object.keys(LEDGER_ROW_COLUMNS), lines(), options))
    return;
  await bulkInsert(db, "lotwise_app.ledger_rows", LEDGER_ROW_COLUMNS, [...rows].map(storedRecord));
};

/**
 * Declares that the current database transaction writes `ledger_rows` of `userId` only: the
 * statement triggers on `ledger_rows` then bump that user's ledger version once per statement
 * (undeclared writes bump every user's, never missing a change). Transaction-scoped: call it
 * inside the transaction that writes, and write no other user's rows in it.
 */
export const declareLedgerWriter = async (tx: DbOrTx, userId: number): Promise<void> => {
  await tx.execute(sql`select set_config('lotwise.ledger_user', ${String(userId)}, true)`);
};

/** `<chain>:<hash>` keys as the JSON array of `{ c, h }` that `jsonb_to_recordset` reads. */
const keysJson = (txKeys: readonly string[]): string =>
  JSON.stringify(
    txKeys.map((k) => {
      const { chain, txHash } = splitTxKey(k);
      return { c: chain, h: txHash };
    }),
  );

/**
 * `classified` in the order of the classifications' primary key after the user: chain, then hash
 * (as JavaScript compares strings: the "C" collation's byte order but for astral characters, where
 * it only costs the speed-up). Copied in that order, the key built after a full build's load sorts
 * presorted rows: 0.1 s instead of 0.4-0.6 s CPU for 125,000 on PGlite, for 0.1-0.2 s of sorting
 * here. Any order stores the same rows.
 */
const inKeyOrder = (classified: readonly TxClassification[]): TxClassification[] => {
  const byChain = new Map<string, TxClassification[]>();
  for (const c of classified) {
    const list = byChain.get(c.chain);
    if (list) list.push(c);
    else byChain.set(c.chain, [c]);
  }
  const out: TxClassification[] = [];
  for (const chain of [...byChain.keys()].sort()) {
    const list = byChain.get(chain)!;
    list.sort((a, b) => (a.txHash < b.txHash ? -1 : a.txHash > b.txHash ? 1 : 0));
    for (const c of list) out.push(c);
  }
  return out;
};

/** Most COPY lines of ledger rows made ahead while the server stores the classifications (memory bound: some 15 MB). */
const AHEAD_LINES = 50_000;
/** Lines made between two looks at the connection (one piece of COPY text). */
const AHEAD_SLICE = 500;

/**
 * COPY text of the first `inputs` rows, made a slice at a time until `busy` settles (the
 * connection can take the rows' COPY) or `AHEAD_LINES` are made: one piece of UTF-8 bytes per
 * slice, off the JavaScript heap (the garbage collector neither scans nor moves it). Between
 * slices the event loop runs, so the connection sends what `busy` waits on and hears the server.
 */
const linesAhead = async (inputs: Iterator<StoredRowInput>, busy: Promise<unknown>) => {
  const pieces: Uint8Array[] = [];
  let settled = false;
  busy.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  let done = false;
  let made = 0;
  // First let the connection send the statement's data.
  await new Promise<void>((resolve) => setImmediate(resolve));
  while (!settled && !done && made < AHEAD_LINES) {
    let text = "";
    for (let i = 0; i < AHEAD_SLICE; i++) {
      const next = inputs.next();
      if (next.done) {
        done = true;
        break;
      }
      text += `${storedLine(next.value)}\n`;
      made++;
    }
    if (text !== "") pieces.push(Buffer.from(text, "utf8"));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return pieces;
};

/** Review reasons written by classification and pricing (user-imported rows have none). */
export type ReviewRow = { chain: string; txHash: string; reason: string; message: string };

/** Review items by (chain, transaction, reason), in the order first seen, messages of one key joined by a newline. */
const mergeReviews = (list: readonly ReviewRow[]): Map<string, ReviewRow> => {
  const merged = new Map<string, ReviewRow>();
  for (const r of list) {
    const k = `${r.chain}\u0000${r.txHash}\u0000${r.reason}`;
    const prev = merged.get(k);
    merged.set(k, prev ? { ...prev, message: `${prev.message}\n${r.message}` } : r);
  }
  return merged;
};

/** Writes review items (one per key), each open with its message, over any stored one of its key. */
const writeReviews = (tx: DbOrTx, userId: number, list: readonly ReviewRow[]): Promise<void> =>
  bulkInsert(
    tx,
    "lotwise_app.review_items",
    { user_id: "integer", chain: "text", tx_hash: "text", reason: "text", message: "text" },
    list.map((r) => ({
      user_id: userId,
      chain: r.chain,
      tx_hash: r.txHash,
      reason: r.reason,
      message: r.message,
    })),
    "on conflict (user_id, chain, tx_hash, reason) do update set message = excluded.message, status = 'open'",
  );

/**
 * Replaces the chain-built part of the ledger from `from` on (all of it when `from` is undefined)
 * with `rows`, and the classifications and review items of the transactions in `txKeys`
 * (`<chain>:<hash>`), in one database transaction: a failure leaves the previous ledger intact.
 */
export const replaceChainLedger = async (
  db: DbOrTx,
  args: {
    userId: number;
    from: Date | undefined;
    /**
     * The rows with their order among rows of the same time (`seq`), possibly a generator making
     * them as they are written (see `insertLedgerRows`).
     */
    rows: Iterable<{ row: BuiltRow; seq: number }>;
    classified: readonly TxClassification[];
    /**
     * The review items known before any row is made (classification's): on PostgreSQL written
     * while the first rows are made. They come before those of `reviews`.
     */
    knownReviews?: readonly ReviewRow[] | undefined;
    /** The other review items, asked for once every row is written (making rows adds some). */
    reviews: () => readonly ReviewRow[];
    /**
     * Transactions whose classification must go (rebuilt or no longer on chain), or what makes
     * them when asked (a full build asks only when the user has balance items to keep).
     */
    txKeys: readonly string[] | (() => readonly string[]);
  },
): Promise<void> => {
  const { userId } = args;
  await db.transaction(async (tx) => {
    await declareLedgerWriter(tx, userId);
    const snapshotHeld = await lockSnapshotVersion(tx, userId);
    const [gone] = await selectCells(
      tx,
      `with gone as (delete from lotwise_app.ledger_rows where user_id = ${Number(userId)} and origin = 'chain'${
        args.from ? ` and time >= '${args.from.toISOString()}'::timestamptz` : ""
      } returning 1) select count(*) from gone`,
    );
    // The transactions' classifications and review items go in one statement each (their keys as
    // one JSON parameter), not a round trip per few hundred keys.
    let keys: string | undefined;
    const inKeys = (table: string) => {
      keys ??= keysJson(typeof args.txKeys === "function" ? args.txKeys() : args.txKeys);
      return sql
        .raw(`(${table}.chain, ${table}.tx_hash) in (select c, h from jsonb_to_recordset(`)
        .append(sql`${keys}::jsonb) as k(c text, h text))`);
    };
    if (args.from) {
      await tx.execute(
        sql`delete from lotwise_app.classifications where user_id = ${userId} and `.append(
          inKeys("classifications"),
        ),
      );
      await tx.execute(
        sql`delete from lotwise_app.review_items where user_id = ${userId} and `.append(
          inKeys("review_items"),
        ),
      );
    } else {
      await tx.delete(classifications).where(eq(classifications.userId, userId));
      // Balance differences belong to the balance check (src/check), which replaces its own, except
      // those of the rebuilt transactions. Those are looked up by key only when the user has any
      // left (the keys of a full build name every transaction: a large parameter to send and parse).
      await tx.execute(
        sql`delete from lotwise_app.review_items where user_id = ${userId} and reason <> 'balance_difference'`,
      );
      const [balance] = await selectCells(
        tx,
        `select 1 from lotwise_app.review_items where user_id = ${Number(userId)} and reason = 'balance_difference' limit 1`,
      );
      if (balance)
        await tx.execute(
          sql`delete from lotwise_app.review_items where user_id = ${userId} and reason = 'balance_difference' and `.append(
            inKeys("review_items"),
          ),
        );
    }
    // Every classification of these transactions was deleted above, so none conflicts: plain
    // COPY (one classification per transaction; a duplicate would fail as the upsert did, or when
    // the key is built again after a full build's load), each record made as it is sent (no array
    // of records). Written before the rows: on PostgreSQL the server stores them while the first
    // rows are made (below).
    const classified = args.classified;
    const rebuildClassificationIndexes = args.from
      ? undefined
      : await dropIndexesForLoad(tx, "lotwise_app.classifications", classified.length);
    // With the key dropped, in key order: it is then built from sorted rows.
    const ordered = rebuildClassificationIndexes ? inKeyOrder(classified) : classified;
    function* classificationLines() {
      for (const x of ordered) yield classificationLine(userId, x);
    }
    const classificationsStored =
      classified.length > 0
        ? copyLines(
            tx,
            "lotwise_app.classifications",
            Object.keys(CLASSIFICATION_COLUMNS),
            classificationLines(),
            { freeze: rebuildClassificationIndexes?.truncated },
          ).then(async (copied) => {
            if (!copied)
              await bulkInsert(
                tx,
                "lotwise_app.classifications",
                CLASSIFICATION_COLUMNS,
                classified.map((x) => classificationRecord(userId, x)),
              );
          })
        : Promise.resolve();
    const rows = args.rows;
    let inserted = 0;
    const inputs = (function* (): Generator<StoredRowInput> {
      for (const { row, seq } of rows) {
        inserted++;
        yield { row, userId, seq, origin: "chain", priceSources: row.priceSources, warnings: row.warnings };
      }
    })();
    // On PostgreSQL the server stores the classifications (a few hundred ms per 100,000, its CPU)
    // while this process makes the first rows' COPY lines, a slice at a time between which the
    // connection is answered, until the server is done (or `AHEAD_LINES` are made): the rows'
    // COPY then starts with those lines. PGlite runs in this process: nothing to overlap.
    const pipelined = !onPglite(tx) && pgRunner(clientOf(tx)) !== undefined;
    // On PostgreSQL the known review items go in after the classifications, also while rows are made.
    const early = pipelined ? mergeReviews(args.knownReviews ?? []) : undefined;
    const stored = classificationsStored.then(() =>
      early && early.size > 0 ? writeReviews(tx, userId, [...early.values()]) : undefined,
    );
    const ahead = pipelined ? await linesAhead(inputs, stored) : undefined;
    await stored;
    await rebuildClassificationIndexes?.();
    // A full build into a table holding fewer rows than it writes (a user's first build, a single
    // user's rebuild on the embedded database): the indexes are built once after the rows are in
    // (db/deferred-indexes.ts; the count of transactions stands for the rows', which come a few a
    // transaction).
    const rebuildRowIndexes = args.from
      ? undefined
      : await dropIndexesForLoad(tx, "lotwise_app.ledger_rows", args.classified.length);
    await insertLedgerRows(tx, inputs, { freeze: rebuildRowIndexes?.truncated, leading: ahead });
    await rebuildRowIndexes?.();
    // No row deleted or written: the rows are those of the snapshot's version, which the
    // statements above moved on.
    if (snapshotHeld !== undefined && gone?.[0] === "0" && inserted === 0)
      await carrySnapshotForward(tx, userId, snapshotHeld);
    // One review item per (transaction, reason): messages of the same reason are joined (those
    // known before the rows first). One written early takes the later ones' messages after its own.
    if (early) {
      const late = mergeReviews(args.reviews());
      await writeReviews(
        tx,
        userId,
        [...late.entries()].map(([k, r]) => {
          const before = early.get(k);
          return before ? { ...r, message: `${before.message}\n${r.message}` } : r;
        }),
      );
    } else
      await writeReviews(tx, userId, [
        ...mergeReviews([...(args.knownReviews ?? []), ...args.reviews()]).values(),
      ]);
  });
};

/**
 * The stored time as `toISOString` prints it, less `.000` (formatted in UTC by PostgreSQL). One
 * `to_char` and a `replace` per row: the same text as two `to_char`s and two `date_trunc`s (what
 * it was), at about half the CPU of printing the time (0.3 s of 200,000 rows on PGlite), which
 * `lotwise gains` pays on the stored ledger's first read.
 */
export const TIME_TEXT = `replace(to_char(time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '.000Z', 'Z')`;

/**
 * Every ledger row of the user (chain-built and imported), in ledger order, optionally before an
 * instant. Read as text cells (`selectCells`: one COPY out on PGlite, no per-row protocol
 * messages or driver mapping), numerics as PostgreSQL prints them, as the query builder gave them.
 */
export const loadLedgerRows = async (
  db: DbOrTx,
  userId: number,
  before?: Date,
): Promise<(LedgerRow & { warnings: string[]; priceSources: Record<string, string>; origin: string })[]> => {
  const cells = await selectCells(
    db,
    `select id, ${TIME_TEXT}, type, wallet, out_asset, out_quantity, in_asset, in_quantity, usd_value,
       fee_asset, fee_quantity, fee_usd, to_wallet, lots, subtype, tx, note, warnings, price_sources, origin
     from lotwise_app.ledger_rows where user_id = ${Number(userId)}${before ? ` and time < '${before.toISOString()}'::timestamptz` : ""}
     order by time, seq, id`,
  );
  const u = (c: string | null | undefined) => c ?? undefined;
  return cells.map((c) => ({
    id: c[0]!,
    time: c[1]!,
    type: c[2] as LedgerRow["type"],
    wallet: c[3]!,
    outAsset: u(c[4]),
    outQuantity: u(c[5]),
    inAsset: u(c[6]),
    inQuantity: u(c[7]),
    usdValue: u(c[8]),
    feeAsset: u(c[9]),
    feeQuantity: u(c[10]),
    feeUsd: u(c[11]),
    toWallet: u(c[12]),
    lots: u(c[13]),
    subtype: u(c[14]),
    tx: u(c[15]),
    note: u(c[16]),
    warnings: c[17] === null || c[17] === "[]" ? [] : (JSON.parse(c[17]!) as string[]),
    priceSources: c[18] === null ? {} : (JSON.parse(c[18]!) as Record<string, string>),
    origin: c[19]!,
  }));
};

/**
 * `rows` (as `loadLedgerRows` gives them) with each imported transfer row's `tx` naming the chain
 * transactions it was paired with (`pairedRows` in their classifications: the arrival of a
 * withdrawal written as a ledger CSV v1 `transfer` row writes no row of its own), so that every
 * synced transaction is named by a row of the export. Hashes the row already names stay once.
 */
export const withPairedTx = async <R extends { id: string; tx?: string | undefined; origin: string }>(
  db: DbOrTx,
  userId: number,
  rows: R[],
): Promise<R[]> => {
  if (!rows.some((r) => r.origin !== "chain")) return rows;
  const cells = await selectCells(
    db,
    `select tx_hash, details->'pairedRows' from lotwise_app.classifications
     where user_id = ${Number(userId)} and details ? 'pairedRows' order by chain, tx_hash`,
  );
  if (cells.length === 0) return rows;
  const byRow = new Map<string, string[]>();
  for (const [hash, ids] of cells) {
    for (const id of JSON.parse(ids!) as string[]) {
      const list = byRow.get(id);
      if (list) list.push(hash!);
      else byRow.set(id, [hash!]);
    }
  }
  return rows.map((r) => {
    const hashes = r.origin === "chain" ? undefined : byRow.get(r.id);
    if (!hashes) return r;
    const named = r.tx ? r.tx.split(";") : [];
    const known = new Set(named.map((h) => h.toLowerCase()));
    const added = hashes.filter((h) => !known.has(h.toLowerCase()));
    return added.length > 0 ? { ...r, tx: [...named, ...added].join(";") } : r;
  });
};

/** Open review items of the user. */
export const countOpenReviews = async (db: DbOrTx, userId: number): Promise<number> => {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(reviewItems)
    .where(and(eq(reviewItems.userId, userId), eq(reviewItems.status, "open")));
  return Number(row?.n ?? 0);
};
