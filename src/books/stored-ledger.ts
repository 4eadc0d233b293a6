/**
 * The user's stored ledger as the tax engine reads it (what `lotwise gains`, `report`,
 * `reconcile`, `harvest` and the API use without `--ledger`): every row in ledger order, with
 * where its USD values came from (`x_price_source`, `x_fee_price_source`, as `lotwise ledger
 * export` writes them) and what the store knows beside the rows (price gaps, open reviews).
 * Reads only: the CLI rebuilds first; the API reads what the last rebuild left.
 */
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { DbOrTx } from "../../db/client.ts";
import { copyOutCsv, onPglite, selectCells } from "../../db/copy.ts";
import type { LedgerRow } from "../ledger/types.ts";
import type { GainsWarning } from "../tax/types.ts";
import { exportUsd } from "../utils/decimal.ts";
import { createGzipCollector } from "../utils/gzip-collect.ts";
import {
  readLedgerSnapshot,
  readLedgerSnapshotDigest,
  writeLedgerSnapshot,
  writeLedgerSnapshotFile,
} from "./ledger-snapshot.ts";
import { ledgerVersion } from "./query.ts";
import { missingPriceHint } from "./rows.ts";
import { countOpenReviews, loadLedgerRows, TIME_TEXT } from "./store.ts";

const gzipAsync = promisify(gzip);

/**
 * Gzip (level 1, on libuv's thread pool) of bytes written to it as they arrive: `done` gives the
 * whole. The pieces are held by their writer anyway: no backpressure.
 */
const createPacker = () => {
  const { stream: z, done } = createGzipCollector();
  return {
    write: (piece: Buffer) => void z.write(piece),
    end: () => void z.end(),
    fail: () => void z.destroy(),
    done,
  };
};

/** What the stored ledger says beyond its rows: price gaps and unreviewed transactions. */
export type StoredLedgerNotes = {
  /** Rows valued at 0 for lack of a price: id, `YYYY-MM-DD`, message. */
  missingPrices: { id: string; date: string; message: string }[];
  /** Open review items (unmatched transfers, guesses). */
  openReviews: number;
};

export const readStoredLedger = async (
  db: DbOrTx,
  userId: number,
): Promise<{ rows: (LedgerRow & { origin: string })[]; notes: StoredLedgerNotes }> => {
  const stored = await loadLedgerRows(db, userId);
  const notes: StoredLedgerNotes = { missingPrices: [], openReviews: await countOpenReviews(db, userId) };
  const rows = stored.map(({ warnings, priceSources, ...row }) => {
    // The rounding `lotwise ledger export` writes, so gains here equal gains on the export.
    if (row.usdValue !== undefined) row.usdValue = exportUsd(row.usdValue);
    if (row.feeUsd !== undefined) row.feeUsd = exportUsd(row.feeUsd);
    const usd = row.usdValue !== undefined ? priceSources.usd_value : undefined;
    const fee = row.feeUsd !== undefined ? priceSources.fee_usd : undefined;
    if (usd || fee) {
      row.extra = {
        ...row.extra,
        ...(usd ? { x_price_source: usd } : {}),
        ...(fee ? { x_fee_price_source: fee } : {}),
      };
    }
    for (const w of warnings) {
      if (w.startsWith("missing_price:")) notes.missingPrices.push(missingPrice(row.id, row.time, w));
    }
    return row;
  });
  return { rows, notes };
};

/** A missing-price note of a row (`readStoredLedger`'s wording). */
const missingPrice = (id: string, time: string, warning: string) => {
  const what = warning.slice("missing_price:".length);
  return {
    id,
    date: time.slice(0, 10),
    message: `row ${id}: no USD price for ${what}; valued at 0 (${missingPriceHint(what, time)})`,
  };
};

/**
 * The columns of the stored ledger the tax engine reads, as ledger CSV v1 columns: USD values
 * rounded as exports write them (`exportUsd`: 8 places half-up, no trailing zeros; PostgreSQL's
 * numeric `round` is half away from zero, as decimal.js's ROUND_HALF_UP). src/books/engine-csv.ts
 * prints the same lines from rows being imported: change both (and `SNAPSHOT_FORMAT`).
 */
const ENGINE_COLUMNS = `id, ${TIME_TEXT} as time, type, wallet, out_asset, out_quantity, in_asset, in_quantity,
  trim_scale(round(usd_value, 8)) as usd_value, fee_asset, fee_quantity,
  trim_scale(round(fee_usd, 8)) as fee_usd, to_wallet, lots, subtype`;

/** The stored ledger as `readStoredLedgerCsv` gives it. */
export type StoredLedgerCsv = {
  /**
   * Ledger CSV v1 (the columns the engine reads, in ledger order); gzip-compressed when `gzip`.
   * Empty when `onFile`.
   */
  csv: Buffer;
  gzip: boolean;
  /**
   * The snapshot file's bytes are the current version's snapshot (the database has their
   * digest): the rows are the ones its reader read (`readStoredLedgerCsv`'s `file`).
   */
  onFile?: boolean;
  notes: StoredLedgerNotes;
  /**
   * When the rows were copied out of the tables (no snapshot of this version yet): saves them as
   * the version's snapshot, for the next run. Call it once the run no longer needs speed.
   */
  save?: () => Promise<void>;
};

/**
 * The stored ledger as ledger CSV v1 bytes (the columns the engine reads, in ledger order), for
 * the same reader and byte fast path as `lotwise gains --ledger` on its export, with the notes
 * `readStoredLedger` gives. From the snapshot of the ledger's version when there is one (one
 * value, src/books/ledger-snapshot.ts), else by one COPY out of the table, read in one
 * repeatable-read transaction with the version (`save` then stores them as its snapshot).
 * On PostgreSQL, `onPiece` (when given) gets the copied bytes in order as they arrive, so that a
 * reader can start before the copy ends; `csv` still holds them all. Not called for a snapshot,
 * nor on PGlite (its copy comes all at once).
 *
 * `file` (the embedded database's snapshot file, src/books/snapshot-file.ts): with `digest`, the
 * digest of the bytes a reader already reads from it (undefined: none, or unreadable). When it is
 * the current version's snapshot's, the result is `onFile` (nothing else read); else the
 * snapshot or the copy as above, and `save` writes the file for the next run (with the row after
 * a copy; after the snapshot's row was read, only the file and, when the row has none, its digest).
 */
export const readStoredLedgerCsv = async (
  db: DbOrTx,
  userId: number,
  onPiece?: (piece: Buffer) => void,
  file?: { path: string; digest?: Promise<string | undefined> },
): Promise<StoredLedgerCsv> => {
  const user = Number(userId);
  const openReviews = await countOpenReviews(db, userId);
  if (file?.digest !== undefined) {
    const [stored, read] = await Promise.all([readLedgerSnapshotDigest(db, user), file.digest]);
    if (stored !== undefined && read !== undefined && stored.digest === read)
      return {
        csv: Buffer.alloc(0),
        gzip: true,
        onFile: true,
        notes: { missingPrices: stored.missingPrices, openReviews },
      };
  }
  const snapshot = await readLedgerSnapshot(db, user);
  if (snapshot)
    return {
      csv: snapshot.csv,
      gzip: true,
      notes: { missingPrices: snapshot.missingPrices, openReviews },
      // The file is missing or not this snapshot's: written after the run (the row's digest set
      // when it has none; the row itself is not written again).
      ...(file !== undefined ? { save: () => writeLedgerSnapshotFile(db, user, snapshot, file.path) } : {}),
    };
  // On PostgreSQL the rows arrive in pieces over the copy: compressed for the snapshot as they
  // arrive, so the snapshot is ready soon after the copy's end (compressed after it, 200,000 rows
  // kept the run 0.4 s longer); PGlite gives them all at once, compressed below.
  const packer = onPglite(db) ? undefined : createPacker();
  const piece =
    packer === undefined
      ? undefined
      : (bytes: Buffer) => {
          packer.write(bytes);
          onPiece?.(bytes);
        };
  const read = await db
    .transaction(
      async (tx) => {
        const version = await ledgerVersion(tx, user);
        const csv = await copyOutCsv(
          tx,
          // `ledger_rows.time`, the stored instant: a bare `time` would be the output column, the text
          // with milliseconds, and rows apart by microseconds would fall back to `seq` (file order).
          `select ${ENGINE_COLUMNS} from lotwise_app.ledger_rows where user_id = ${user} order by ledger_rows.time, seq, id`,
          piece,
        );
        const missingPrices: StoredLedgerNotes["missingPrices"] = [];
        // `warnings` is a JSON array, `[]` when none: a comparison, not `jsonb_array_length` per
        // row (half the CPU of this scan of every row on PGlite).
        const warned = await selectCells(
          tx,
          `select id, ${TIME_TEXT}, warnings from lotwise_app.ledger_rows
         where user_id = ${user} and warnings <> '[]'::jsonb order by time, seq, id`,
        );
        for (const [id, time, warnings] of warned) {
          for (const w of JSON.parse(warnings!) as string[])
            if (w.startsWith("missing_price:")) missingPrices.push(missingPrice(id!, time!, w));
        }
        return { version, csv, missingPrices };
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    )
    .catch((error: unknown) => {
      packer?.fail();
      throw error;
    });
  // Compressed on libuv's thread pool while the caller reads the rows.
  packer?.end();
  const packed = packer?.done ?? gzipAsync(read.csv, { level: 1 });
  packed.catch(() => {});
  return {
    csv: read.csv,
    gzip: false,
    notes: { missingPrices: read.missingPrices, openReviews },
    save: async () => {
      // Version 0: the user's rows were never written (no version to tie a snapshot to).
      if (read.version === 0) return;
      await writeLedgerSnapshot(
        db,
        user,
        { version: read.version, csv: await packed, missingPrices: read.missingPrices },
        file?.path,
      );
    },
  };
};

/**
 * The stored ledger's warnings for `taxYear`: a missing price or an undecided transaction changes
 * every year from its date on.
 */
export const storedLedgerWarnings = (notes: StoredLedgerNotes, taxYear: number): GainsWarning[] => {
  const yearEnd = `${taxYear}-12-31`;
  const out: GainsWarning[] = [];
  for (const m of notes.missingPrices) if (m.date <= yearEnd) out.push({ code: "missing_price", ...m });
  if (notes.openReviews > 0) {
    out.push({
      code: "unreviewed",
      id: "",
      date: "",
      message: `${notes.openReviews} transaction(s) await review and may be missing from the ledger or valued by a guess (lotwise review list)`,
    });
  }
  return out;
};
