import { and, eq, inArray, like, ne, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import {
  CellReader,
  copyBytes,
  forEachPackedLine,
  onPglite,
  selectCells,
  sqlLiteral,
} from "../../db/copy.ts";
import { dropIndexesForLoad } from "../../db/deferred-indexes.ts";
import { ledgerRows } from "../../db/schema/index.ts";
import { locatedProblems, UserInputError } from "../errors.ts";
import type { ExternalLotReference, LedgerBatches } from "../ledger/read.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { CREATES_LOT } from "../ledger/validate.ts";
import { markLedgerDirty } from "./dirty.ts";
import { createEngineCsvPacker } from "./engine-csv.ts";
import { createImportBatch } from "./import-batch.ts";
import type { ImportThread, ImportThreadBatch } from "./import-thread.ts";
import { lockSnapshotVersion, readLedgerSnapshot, writeLedgerSnapshot } from "./ledger-snapshot.ts";
import { ledgerVersion } from "./query.ts";
import { createRowSpan, type RowSpan } from "./row-span.ts";
import { declareLedgerWriter, insertLedgerRows, LEDGER_ROW_COLUMNS } from "./store.ts";

const CHUNK = 400;

/**
 * The first row of `rows` whose id another origin already uses, as the error the import reports.
 * Only run after the insert failed (a clash breaks the primary key): the happy path pays nothing.
 */
const findClash = async (
  db: DbOrTx,
  args: { userId: number; rows: readonly { id: string; line?: number | undefined }[]; file: string },
  origin: string,
): Promise<UserInputError | undefined> => {
  const ids = args.rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += CHUNK) {
    const clash = await db
      .select({ id: ledgerRows.id, origin: ledgerRows.origin })
      .from(ledgerRows)
      .where(
        and(
          eq(ledgerRows.userId, args.userId),
          ne(ledgerRows.origin, origin),
          inArray(ledgerRows.id, ids.slice(i, i + CHUNK)),
        ),
      );
    if (clash.length > 0) {
      const row = args.rows.find((r) => r.id === clash[0]!.id)!;
      return new UserInputError(
        `${args.file}:${row.line ?? "?"}: id: '${row.id}' is already used by ${clash[0]!.origin === "chain" ? "a row built from chain data" : `the import '${clash[0]!.origin.slice(7)}'`}`,
        { located: true },
      );
    }
  }
  return undefined;
};

/** The stored columns a ledger row sets (after id, seq and time), with its field. */
const ROW_CELLS: readonly (readonly [string, keyof LedgerRow])[] = [
  ["type", "type"],
  ["wallet", "wallet"],
  ["out_asset", "outAsset"],
  ["out_quantity", "outQuantity"],
  ["in_asset", "inAsset"],
  ["in_quantity", "inQuantity"],
  ["usd_value", "usdValue"],
  ["fee_asset", "feeAsset"],
  ["fee_quantity", "feeQuantity"],
  ["fee_usd", "feeUsd"],
  ["to_wallet", "toWallet"],
  ["lots", "lots"],
  ["subtype", "subtype"],
  ["tx", "tx"],
  ["note", "note"],
];
/** Cell index of a column in the stored cells (id, seq, time, then `ROW_CELLS`, then the jsonb check). */
const cellOf = (column: string) => 3 + ROW_CELLS.findIndex((c) => c[0] === column);
const TO_WALLET = cellOf("to_wallet");
const OUT_ASSET = cellOf("out_asset");
const OUT_QUANTITY = cellOf("out_quantity");
const TX = cellOf("tx");
const JSON_CHECK = 3 + ROW_CELLS.length;

/**
 * Whether the stored cells are exactly what importing `row` at `seq` stores: every column as the
 * same text (PostgreSQL keeps a numeric's digits as given), the same instant to the microsecond
 * (a time with more than 3 fractional digits counts as changed: `Date.parse` keeps milliseconds).
 * Unsure means different: the row is then rewritten, as every row used to be.
 */
const identical = (old: readonly (string | null)[], row: LedgerRow, seq: number, ms: number): boolean => {
  if (old[1] !== String(seq) || old[JSON_CHECK] !== "t") return false;
  if (Number(old[2]) !== ms * 1000 || /\.\d{4}/.test(row.time)) return false;
  for (let i = 0; i < ROW_CELLS.length; i++)
    if ((old[3 + i] ?? undefined) !== row[ROW_CELLS[i]![1]]) return false;
  return true;
};

/**
 * The earlier import's rows under their id, each as its line of COPY text (`forEachPackedLine`:
 * on PGlite a slice of the text the server packed `PACK_ROWS` rows a value, so the 200,000 rows
 * of a re-import are some 30 MB of text, not a string of their own each, and no Blob part each as
 * a `COPY … TO` read gives them): id, seq, time (epoch µs), every column a row sets, then whether
 * price_sources and warnings are what an import stores. `storedCells` reads one.
 */
const loadStoredImport = async (tx: DbOrTx, where: string, origin: string) => {
  const stored = new Map<string, string>();
  const reader = new CellReader();
  await forEachPackedLine(
    tx,
    [
      "id",
      "seq",
      "(extract(epoch from time) * 1000000)::bigint",
      ...ROW_CELLS.map((c) => c[0]),
      `price_sources = ${sqlLiteral(JSON.stringify({ usd_value: origin }))}::jsonb and warnings = '[]'::jsonb`,
    ],
    `from lotwise_app.ledger_rows where ${where}`,
    `seq / ${PACK_ROWS}`,
    (line) => {
      stored.set(reader.reset(line).next()!, line);
    },
  );
  return stored;
};

/** Rows of the earlier import per packed value `loadStoredImport` reads (1-2 MB of text each). */
const PACK_ROWS = 10_000;

/**
 * The cells of a `loadStoredImport` line, as `identical` compares them, into `into` (one array
 * for every row, refilled: no array per row), which it returns.
 */
const storedCells = (() => {
  const reader = new CellReader();
  return (line: string, into: (string | null)[]): (string | null)[] => {
    reader.reset(line);
    for (let i = 0; i <= JSON_CHECK; i++) into[i] = reader.next();
    return into;
  };
})();

/**
 * A ledger file to import, read on the import thread (`startImportThread`, started before the
 * database opened) when none of the import's rows is stored yet (a first import) on PGlite, else by
 * `batches` on this thread (a re-import compares each row with the stored one; the thread stops).
 * `batches` also reads when `thread` is undefined (no thread script).
 */
export type LedgerFileRows = { thread: ImportThread | undefined; batches: LedgerBatches };

/** The COPY columns of `importLedgerRows`' rows. */
const COPY_COLUMNS = Object.keys(LEDGER_ROW_COLUMNS);

/** A thread batch's ids and lines, as `findClash` looks them up. */
const batchRows = (b: ImportThreadBatch) => b.ids.split("\u0000").map((id, i) => ({ id, line: b.lines[i] }));

/**
 * Stores rows the user imported (an exchange's history written as ledger CSV v1) under
 * `origin = import:<name>`, replacing an earlier import of the same name: importing a file twice
 * leaves the same rows. Their ids must not collide with rows built from chain data or other imports.
 *
 * `rows` is every row, or a file read a batch at a time (`readLedgerFileBatches`: the file is
 * never held whole), or such a file with the import thread started for it (`LedgerFileRows`: a
 * first import's rows on PGlite are then parsed, checked and made into COPY text and snapshot
 * lines there, while this thread writes the batch before). In one transaction: the earlier import's rows are read (only what the change
 * detection compares, as text), each batch's new and changed rows go in with COPY (a changed
 * row's stored one deleted first), the stored rows the file no longer has are deleted, and the
 * ledger is marked dirty from the earliest row that changed. A problem in the file (the reader
 * throws, after earlier batches were written) or an id used by another origin (it breaks the
 * primary key) rolls everything back; only then are the ids looked up, to say which row clashes
 * with what.
 */
export const importLedgerRows = async (
  db: DbOrTx,
  args: {
    userId: number;
    name: string;
    rows: readonly LedgerRow[] | LedgerBatches | LedgerFileRows;
    file: string;
    /** The matching window in hours: the ledger is marked dirty from the earliest changed row less this. @defaultValue 24 */
    windowHours?: number;
    /**
     * `lots` references to lots the file does not create (filled by the reader, `parseLedgerCsv` /
     * `readLedgerFileBatches` with `external`): each must be a lot-creating row the user's stored
     * ledger holds from another origin (a chain row or another import), else the import fails with
     * `FILE:LINE: lots: no lot "X" in the ledger` and stores nothing.
     */
    externalLots?: readonly ExternalLotReference[];
    /** The embedded database's snapshot file (`snapshotFileOf`), written with the snapshot. */
    snapshotFile?: string | undefined;
  },
): Promise<{
  inserted: number;
  replaced: number;
  /** Of the file's rows: new ids, stored rows it changes, stored rows it leaves as they were. */
  added: number;
  changed: number;
  unchanged: number;
  /** Stored rows the file no longer has. */
  removed: number;
  /** The days and wallets of the file's rows, for a `LedgerFileRows` input. */
  span?: RowSpan;
}> => {
  const origin = `import:${args.name}`;
  const userId = Number(args.userId);
  const fileRows =
    typeof args.rows === "object" && !Array.isArray(args.rows) ? (args.rows as LedgerFileRows) : undefined;
  const batches: LedgerBatches = Array.isArray(args.rows)
    ? async (onBatch) => {
        if ((args.rows as LedgerRow[]).length > 0) await onBatch(args.rows as LedgerRow[]);
      }
    : (fileRows?.batches ?? (args.rows as LedgerBatches));
  const span = createRowSpan();
  /** The rows of the batch being written when a write failed (their ids are looked up for a clash). */
  let failed: (() => readonly { id: string; line?: number | undefined }[]) | undefined;
  try {
    return await db.transaction(async (tx) => {
      // Only this user's ledger version moves (the ledger_rows triggers, migration 0008).
      await declareLedgerWriter(tx, userId);
      // The version whose snapshot the ledger has (undefined: none), locked until the end: its
      // lines of the leading rows the file leaves as they were are reused, not rendered again.
      const held = await lockSnapshotVersion(tx, userId);
      const where = `user_id = ${userId} and origin = ${sqlLiteral(origin)}`;
      // A re-import: the import's rows are stored already.
      const again =
        (await selectCells(tx, `select 1 from lotwise_app.ledger_rows where ${where} limit 1`)).length > 0;
      // A first import on PGlite reads its file on the thread (on PostgreSQL the server stores a
      // batch while this thread makes the next: the thread cost 0.45 s more CPU, 3.46 s instead
      // of 3.01 s in `npm run bench -- ledger-import`, for no wall time shown). Any other import
      // stops it before the stored rows are read (its heap, some 50 MB with the batch it read
      // ahead, is not held beside them).
      const thread = !again && onPglite(tx) ? fileRows?.thread : undefined;
      if (thread === undefined) await fileRows?.thread?.stop();
      const stored = again ? await loadStoredImport(tx, where, origin) : new Map<string, string>();
      const storedCount = stored.size;
      /** A stored row's cells (`storedCells`), refilled for each. */
      const cells: (string | null)[] = [];
      let externalLots = args.externalLots;
      let threadSpan: RowSpan | undefined;
      // Chain rows pair with imported transfers: rebuild from the earliest row that changed.
      let earliest = Number.POSITIVE_INFINITY;
      let seq = 0;
      let changed = 0;
      let unchanged = 0;
      /** Builds the table's indexes again, when the first batch's write dropped them (PGlite). */
      let rebuildIndexes: (() => Promise<void>) | undefined;
      let firstWrite = true;
      /** Whether a statement wrote the user's rows (the ledger version moved). */
      let wrote = false;
      /** The user held no ledger row before this import's first write. */
      let heldNone = false;
      // The rows' engine CSV, saved as the new version's snapshot when they are the whole ledger;
      // leading batches stored as they were are taken from the held snapshot once a batch writes
      // (an import that writes nothing renders nothing).
      const packer = createEngineCsvPacker(
        held === undefined ? undefined : async () => (await readLedgerSnapshot(tx, userId, held))?.csv,
      );
      /** Drops the indexes before the first write of a load into a user's empty ledger (PGlite). */
      const beforeFirstWrite = async (count: number) => {
        if (!firstWrite) return;
        // A large import into a table holding few rows (a first import): the indexes are built
        // once after the last batch, not kept up row by row (db/deferred-indexes.ts).
        firstWrite = false;
        // Only for a user holding no rows yet: no id can then clash with another origin's (the
        // primary key would only fail when it is built again, with no row to name).
        heldNone = storedCount === 0 && !(await holdsLedgerRows(tx, userId));
        if (heldNone) rebuildIndexes = await dropIndexesForLoad(tx, "lotwise_app.ledger_rows", count);
      };
      if (thread) {
        // A first import: every row is new, its COPY text and snapshot lines made on the thread.
        const end = await thread.batches(userId, async (b) => {
          seq += b.count;
          if (b.earliest < earliest) earliest = b.earliest;
          await packer.start();
          // The batch's text compresses (libuv's thread pool) while the batch is written.
          const packing = packer.addRendered(b.csv, b.count);
          await beforeFirstWrite(b.count);
          wrote = true;
          failed = () => batchRows(b);
          await copyBytes(tx, "lotwise_app.ledger_rows", COPY_COLUMNS, b.copy);
          failed = undefined;
          await packing;
        });
        externalLots = end.external;
        threadSpan = end.span;
      }
      // Read here when not on the thread (which read the whole file above).
      if (!thread) {
        // A re-import's rows are compared with the stored ones as they come (in parts, from
        // `ledger import`: `readLedgerFileBatches` with `LEDGER_PART_BYTES`), and those stored as
        // they are then dropped (`createImportBatch`); what the others write waits for the end
        // of the batch. Any other import writes every row: it takes whole batches, so that a
        // batch's snapshot text compresses while the batch is written (in parts the texts
        // compressed one after the other before the write: a first import on PostgreSQL took
        // 0.25-0.4 s longer, `ledger import` of the bench's 200,000 rows).
        const pending = createImportBatch();
        /** The text of the rows last added to the snapshot, compressing (libuv's thread pool). */
        let packing: Promise<void> | undefined;
        /** Writes the rows handed since the last write. */
        const flush = async () => {
          const w = pending.take();
          if (w.replace.length > 0) {
            wrote = true;
            await deleteIds(tx, where, w.replace);
          }
          if (w.rows.length > 0) {
            await beforeFirstWrite(w.ids.length);
            wrote = true;
            failed = () => w.ids.map((id, i) => ({ id, line: w.lines[i] }));
            await insertImportedRows(tx, userId, origin, w.rows, w.seqs);
            failed = undefined;
          }
        };
        const onBatch: Parameters<LedgerBatches>[0] = async (rows, last) => {
          if (fileRows) span.add(rows);
          /** Rows stored exactly as this import would store them: they stay. */
          let kept = 0;
          for (const row of rows) {
            const rowSeq = seq++;
            const t = Date.parse(row.time);
            const line = stored.get(row.id);
            if (line === undefined) {
              // A new row.
              if (t < earliest) earliest = t;
              pending.add(row, "add", rowSeq);
              continue;
            }
            stored.delete(row.id);
            const old = storedCells(line, cells);
            const oldMs = Math.floor(Number(old[2]) / 1000);
            const same =
              oldMs === t &&
              old[3] === row.type &&
              old[4] === row.wallet &&
              (old[TO_WALLET] ?? undefined) === row.toWallet &&
              (old[OUT_ASSET] ?? undefined) === row.outAsset &&
              (old[OUT_QUANTITY] ?? undefined) === row.outQuantity &&
              (old[TX] ?? undefined) === row.tx;
            if (!same) {
              if (t < earliest) earliest = t;
              if (oldMs < earliest) earliest = oldMs;
            }
            if (same && identical(old, row, rowSeq, t)) {
              kept++;
              pending.add(row, "keep", rowSeq);
            } else {
              changed++;
              pending.add(row, "replace", rowSeq);
            }
          }
          unchanged += kept;
          // (A part may hold no row: nothing to add.)
          if (rows.length > 0 && !(kept === rows.length && packer.defer(rows))) {
            // The held snapshot is read (when batches were deferred) before any write.
            await packer.start();
            // At most one batch's text waits for the compressor, which takes it in while the
            // next batch is read or written.
            await packing;
            packing = packer.add(rows);
          }
          if (last !== false) await flush();
        };
        await batches(onBatch, { parts: again });
        await packing;
      }
      await rebuildIndexes?.();
      if (externalLots && externalLots.length > 0)
        await checkExternalLots(tx, userId, origin, args.file, externalLots);
      // Stored rows the file no longer has.
      const removed = stored.size;
      if (stored.size > 0) {
        wrote = true;
        for (const line of stored.values()) {
          const oldMs = Math.floor(Number(storedCells(line, cells)[2]) / 1000);
          if (oldMs < earliest) earliest = oldMs;
        }
        if (stored.size === storedCount)
          await tx.execute(sql.raw(`delete from lotwise_app.ledger_rows where ${where}`));
        else await deleteIds(tx, where, [...stored.keys()]);
      }
      if (earliest !== Number.POSITIVE_INFINITY)
        await markLedgerDirty(tx, {
          userId: args.userId,
          from: new Date(earliest - (args.windowHours ?? 24) * 3_600_000),
        });
      if (wrote) await saveImportSnapshot(tx, userId, origin, packer, heldNone, args.snapshotFile);
      else packer.fail();
      return {
        inserted: seq,
        replaced: storedCount,
        added: seq - changed - unchanged,
        changed,
        unchanged,
        removed,
        ...(fileRows ? { span: threadSpan ?? span.result() } : {}),
      };
    });
  } catch (e) {
    if (failed) {
      const rows = failed();
      const clash = await findClash(db, { userId: args.userId, rows, file: args.file }, origin);
      if (clash) throw clash;
    }
    throw e;
  } finally {
    await fileRows?.thread?.stop();
  }
};

/**
 * Fails (`FILE:LINE: lots: no lot "X" in the ledger`, every such line) unless each reference names
 * a lot-creating row of the user's stored ledger from another origin than this import.
 */
const checkExternalLots = async (
  tx: DbOrTx,
  userId: number,
  origin: string,
  file: string,
  refs: readonly ExternalLotReference[],
): Promise<void> => {
  const ids = [...new Set(refs.map((r) => r.lotId))];
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await tx
      .select({ id: ledgerRows.id })
      .from(ledgerRows)
      .where(
        and(
          eq(ledgerRows.userId, userId),
          ne(ledgerRows.origin, origin),
          inArray(ledgerRows.type, [...CREATES_LOT]),
          inArray(ledgerRows.id, ids.slice(i, i + CHUNK)),
        ),
      );
    for (const r of rows) found.add(r.id);
  }
  const missing = refs
    .filter((r) => !found.has(r.lotId))
    .sort((a, b) => a.line - b.line)
    .map((r) => `${file}:${r.line}: lots: no lot "${r.lotId}" in the ledger`);
  if (missing.length > 0) throw locatedProblems(missing);
};

/**
 * Saves the import's rows (`packer`) as the snapshot of the ledger version its writes made, when
 * they are the user's whole ledger: no row of another origin (none before the import on PGlite,
 * whose database one process holds; else looked up after the writes, under the version's row
 * lock the writes took, so a writer committed earlier is seen and a later one moves the version
 * past the snapshot). A ledger build that changes no row keeps the snapshot current
 * (`replaceChainLedger`). Costs a 200,000-row import about 0.25 s of rendering (on the import
 * thread for a first import from the CLI, else on the main thread) and as much compressing on
 * libuv's thread pool (0.4-0.7 s CPU in `npm run bench -- ledger-import` at load ~10), which the
 * first `gains` after it no longer pays (1.4 s CPU on PGlite).
 */
const saveImportSnapshot = async (
  tx: DbOrTx,
  userId: number,
  origin: string,
  packer: ReturnType<typeof createEngineCsvPacker>,
  heldNone: boolean,
  snapshotFile: string | undefined,
): Promise<void> => {
  const alone =
    (heldNone && onPglite(tx)) ||
    (
      await selectCells(
        tx,
        `select 1 from lotwise_app.ledger_rows where user_id = ${userId} and origin <> ${sqlLiteral(origin)} limit 1`,
      )
    ).length === 0;
  if (!alone) return packer.fail();
  const packed = await packer.done();
  if (packed === undefined || packed.rows === 0) return;
  await writeLedgerSnapshot(
    tx,
    userId,
    {
      version: await ledgerVersion(tx, userId),
      csv: packed.csv,
      // An imported row has no warnings.
      missingPrices: [],
    },
    snapshotFile,
  );
};

/** Whether the user has any ledger row (chain-built or imported). */
const holdsLedgerRows = async (tx: DbOrTx, userId: number): Promise<boolean> => {
  const found = await selectCells(
    tx,
    `select 1 from lotwise_app.ledger_rows where user_id = ${userId} limit 1`,
  );
  return found.length > 0;
};

/**
 * Deletes the rows of `ids` among those `where` selects: `id = any(array)`, which the primary key
 * (user_id, id) answers whatever the table's statistics say (an `in (select …)` over a table the
 * planner thinks empty, as right after a first import, was a nested loop of seq scans: 73 s for
 * 15,000 ids of a 20,000-row import on PostgreSQL).
 */
const deleteIds = async (tx: DbOrTx, where: string, ids: readonly string[]) => {
  await tx.execute(
    sql
      .raw(`delete from lotwise_app.ledger_rows where ${where} and id = any(`)
      .append(sql`${sql.param(ids)}::text[])`),
  );
};

/**
 * Writes imported rows (COPY where the driver has it: each row's COPY text line made as it is
 * sent, `insertLedgerRows`, with no record object in between).
 */
const insertImportedRows = async (
  tx: DbOrTx,
  userId: number,
  origin: string,
  rows: readonly LedgerRow[],
  /** The seq of each row (its place in the file). */
  seqs: readonly number[],
): Promise<void> => {
  const priceSources = { usd_value: origin };
  const warnings: string[] = [];
  await insertLedgerRows(
    tx,
    (function* () {
      for (let i = 0; i < rows.length; i++)
        yield { row: rows[i]!, userId, seq: seqs[i]!, origin, priceSources, warnings };
    })(),
  );
};

/** One stored ledger import: its name, how many rows, and the span of their times. */
export type LedgerImportInfo = { name: string; rows: number; first: Date; last: Date };

/** The user's stored ledger imports, by name. */
export const listLedgerImports = async (db: DbOrTx, userId: number): Promise<LedgerImportInfo[]> => {
  const rows = await db
    .select({
      origin: ledgerRows.origin,
      rows: sql<number>`count(*)::int`,
      first: sql<Date>`min(${ledgerRows.time})`,
      last: sql<Date>`max(${ledgerRows.time})`,
    })
    .from(ledgerRows)
    .where(and(eq(ledgerRows.userId, userId), like(ledgerRows.origin, "import:%")))
    .groupBy(ledgerRows.origin)
    .orderBy(ledgerRows.origin);
  return rows.map((r) => ({
    name: r.origin.slice("import:".length),
    rows: Number(r.rows),
    first: new Date(r.first),
    last: new Date(r.last),
  }));
};

/**
 * Removes the import `name` (every row it stored) and marks the ledger dirty from its earliest
 * row less the matching window, so chain rows it paired with are rebuilt.
 * @returns the number of rows removed (0: no such import).
 */
export const removeLedgerImport = async (
  db: DbOrTx,
  args: { userId: number; name: string; windowHours?: number },
): Promise<number> =>
  db.transaction(async (tx) => {
    await declareLedgerWriter(tx, args.userId);
    const removed = await tx
      .delete(ledgerRows)
      .where(and(eq(ledgerRows.userId, args.userId), eq(ledgerRows.origin, `import:${args.name}`)))
      .returning({ time: ledgerRows.time });
    if (removed.length === 0) return 0;
    let earliest = Number.POSITIVE_INFINITY;
    for (const r of removed) earliest = Math.min(earliest, r.time.getTime());
    await markLedgerDirty(tx, {
      userId: args.userId,
      from: new Date(earliest - (args.windowHours ?? 24) * 3_600_000),
    });
    return removed.length;
  });
