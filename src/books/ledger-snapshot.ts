/**
 * The stored ledger as `lotwise gains` reads it, saved per ledger version (`ledger_snapshots`):
 * the engine's columns as ledger CSV, gzip-compressed, and the rows' missing-price notes. The
 * first `gains` that reads a version without one copies the rows out of the database (`COPY …
 * TO`) and saves them here; the next ones read one value back while the version holds. `ledger
 * import` saves it when its rows are the whole ledger (src/books/engine-csv.ts), and a build that
 * changes no row carries it to the version its statements made. `ledger_versions.version`
 * moves with every statement that writes the user's ledger rows (database triggers, whoever
 * writes), so a snapshot of another version is never read; it is replaced by the next save.
 *
 * On the embedded database the snapshot is also kept as a file, named by its digest in the row
 * (src/books/snapshot-file.ts), which `gains` starts reading before the database is open.
 *
 * A cache: nothing else reads it, and a row deleted loses nothing but the next run's time.
 */
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { copyOutBinaryPglite, onPglite, selectCells, sqlLiteral } from "../../db/copy.ts";
import { type BinaryColumns, copyBinaryRows } from "../../db/copy-binary.ts";
import { snapshotDigest, writeSnapshotFile } from "./snapshot-file.ts";

/**
 * What `csv` holds: the columns and text of `ENGINE_COLUMNS` (src/books/stored-ledger.ts, printed
 * alike by src/books/engine-csv.ts). Raise it whenever those change: snapshots of another format
 * are not read. 2: rows in the stored instants'
 * order (format 1 ordered rows apart by microseconds by file order).
 */
export const SNAPSHOT_FORMAT = 2;

/** A missing-price note of a row, as `StoredLedgerNotes` lists it. */
export type MissingPriceNote = { id: string; date: string; message: string };

export type LedgerSnapshot = {
  /** The ledger version the rows had. */
  version: number;
  /** Ledger CSV v1, gzip-compressed (its last 4 bytes: the CSV's length, modulo 2³²). */
  csv: Buffer;
  missingPrices: MissingPriceNote[];
};

const TABLE = "lotwise_app.ledger_snapshots";
/** The table's columns, for the binary COPY that writes a snapshot on PGlite. */
const SNAPSHOT_COLUMNS: BinaryColumns = {
  user_id: "integer",
  version: "integer",
  format: "integer",
  notes: "text",
  csv: "bytea",
  digest: "text",
};

/**
 * The user's snapshot when it is of the ledger's current version (and this format), else
 * undefined. One query: the version is compared in the database. With `held`, the snapshot of
 * that version instead, for a transaction holding it (`lockSnapshotVersion`) that may have moved
 * the version since with its own writes.
 */
export const readLedgerSnapshot = async (
  db: DbOrTx,
  userId: number,
  held?: number,
): Promise<LedgerSnapshot | undefined> => {
  const user = Number(userId);
  const query =
    held === undefined
      ? `select s.version, s.notes, s.csv from ${TABLE} s
    join lotwise_app.ledger_versions v on v.user_id = s.user_id and v.version = s.version
    where s.user_id = ${user} and s.format = ${SNAPSHOT_FORMAT}`
      : `select s.version, s.notes, s.csv from ${TABLE} s
    where s.user_id = ${user} and s.format = ${SNAPSHOT_FORMAT} and s.version = ${Number(held)}`;
  const binary = await copyOutBinaryPglite(db, query);
  if (binary) {
    const row = binary[0];
    if (!row) return undefined;
    return {
      version: row[0]!.readInt32BE(0),
      missingPrices: JSON.parse(row[1]!.toString("utf8")) as MissingPriceNote[],
      // A copy: the cell is a view of the whole COPY result.
      csv: Buffer.from(row[2]!),
    };
  }
  const [row] = await selectCells(db, query);
  if (!row) return undefined;
  return {
    version: Number(row[0]),
    missingPrices: JSON.parse(row[1]!) as MissingPriceNote[],
    // bytea's text form: `\x` and hex digits.
    csv: Buffer.from(row[2]!.slice(2), "hex"),
  };
};

/**
 * The user's snapshot's digest (`snapshotDigest` of its `csv`) and notes, without its `csv`, when
 * it is of the ledger's current version (and this format); undefined when there is none, or when
 * it was saved without a digest. One small query.
 */
export const readLedgerSnapshotDigest = async (
  db: DbOrTx,
  userId: number,
): Promise<{ version: number; digest: string; missingPrices: MissingPriceNote[] } | undefined> => {
  const user = Number(userId);
  const [row] = await selectCells(
    db,
    `select s.version, s.notes, s.digest from ${TABLE} s
      join lotwise_app.ledger_versions v on v.user_id = s.user_id and v.version = s.version
     where s.user_id = ${user} and s.format = ${SNAPSHOT_FORMAT} and s.digest is not null`,
  );
  if (!row) return undefined;
  return {
    version: Number(row[0]),
    missingPrices: JSON.parse(row[1]!) as MissingPriceNote[],
    digest: row[2]!,
  };
};

/**
 * Saves `snapshot` as the user's, replacing an older one (one row per user), with its digest. On
 * PostgreSQL a snapshot of a newer version saved meanwhile by another process stays. With `file`
 * (the embedded database's `snapshotFileOf`), the bytes are written there first (atomically):
 * the row names them by its digest, so a file whose row was not written (this transaction rolled
 * back) or was replaced since does not match it and is not used.
 */
export const writeLedgerSnapshot = async (
  db: DbOrTx,
  userId: number,
  snapshot: LedgerSnapshot,
  file?: string,
): Promise<void> => {
  const user = Number(userId);
  const notes = JSON.stringify(snapshot.missingPrices);
  const digest = snapshotDigest(snapshot.csv);
  if (file !== undefined) writeSnapshotFile(file, snapshot.csv);
  if (onPglite(db)) {
    // One process holds a PGlite database: the delete and the insert cannot race.
    await db.transaction(async (tx) => {
      await tx.execute(sql.raw(`delete from ${TABLE} where user_id = ${user}`));
      await copyBinaryRows(tx, TABLE, SNAPSHOT_COLUMNS, [
        {
          user_id: user,
          version: snapshot.version,
          format: SNAPSHOT_FORMAT,
          notes,
          csv: snapshot.csv,
          digest,
        },
      ]);
    });
    return;
  }
  await db.execute(
    sql`insert into lotwise_app.ledger_snapshots (user_id, version, format, notes, csv, digest)
      values (${user}, ${snapshot.version}, ${SNAPSHOT_FORMAT}, ${notes}, ${snapshot.csv}, ${digest})
      on conflict (user_id) do update set version = excluded.version, format = excluded.format,
        notes = excluded.notes, csv = excluded.csv, digest = excluded.digest
      where ledger_snapshots.version <= excluded.version`,
  );
};

/**
 * Writes the snapshot file of `snapshot` (read from the database's row, `readLedgerSnapshot`) when
 * the file was missing or stale: the file, and the row's digest only when it has none or another
 * (a row saved before digests), on the row of `snapshot.version` only. The row's other columns are
 * not written again (its `csv` is the same bytes): a row replaced meanwhile keeps its own digest,
 * which this file's bytes do not match, so the file is not used.
 */
export const writeLedgerSnapshotFile = async (
  db: DbOrTx,
  userId: number,
  snapshot: LedgerSnapshot,
  file: string,
): Promise<void> => {
  const digest = snapshotDigest(snapshot.csv);
  if (!writeSnapshotFile(file, snapshot.csv)) return;
  await db.execute(
    sql.raw(`update ${TABLE} set digest = ${sqlLiteral(digest)}
      where user_id = ${Number(userId)} and version = ${Number(snapshot.version)} and format = ${SNAPSHOT_FORMAT}
        and digest is distinct from ${sqlLiteral(digest)}`),
  );
};

/**
 * In a transaction about to write the user's ledger rows: the ledger version, when the user's
 * snapshot is of it (else undefined), its `ledger_versions` row locked until the transaction ends
 * (`for update`): no other writer's change can then fall between this version and the writes'.
 */
export const lockSnapshotVersion = async (tx: DbOrTx, userId: number): Promise<number | undefined> => {
  const user = Number(userId);
  const [row] = await selectCells(
    tx,
    `select v.version from lotwise_app.ledger_versions v
      join ${TABLE} s on s.user_id = v.user_id and s.version = v.version and s.format = ${SNAPSHOT_FORMAT}
     where v.user_id = ${user} for update of v`,
  );
  return row ? Number(row[0]) : undefined;
};

/**
 * Marks the snapshot of version `held` (`lockSnapshotVersion`) as the current version's: for a
 * transaction whose statements moved the version without changing a row (a ledger build with
 * nothing to replace deletes and inserts none). Call it after the transaction's last write.
 */
export const carrySnapshotForward = async (tx: DbOrTx, userId: number, held: number): Promise<void> => {
  const user = Number(userId);
  await tx.execute(
    sql.raw(`update ${TABLE} s set version = v.version from lotwise_app.ledger_versions v
      where s.user_id = ${user} and v.user_id = ${user} and s.version = ${Number(held)}`),
  );
};
