/**
 * The embedded database's ledger snapshot kept as a file too (src/books/ledger-snapshot.ts):
 * `<dataDir>/ledger-snapshots/<user>.csv.gz`, the same gzip bytes as the snapshot row, whose
 * `digest` (SHA-256, hex) names them. `lotwise gains` starts reading the file on its parse thread
 * before PGlite is open (opening it is about 0.3 s), and uses what it read only when the database
 * then says the current version's snapshot has the digest of the bytes the thread read (else it
 * reads the database's as before): a stale, partial or foreign file is never used.
 *
 * Light on purpose (node built-ins only): the parse thread and the start of `gains` load it.
 */
import { createHash } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * The user's snapshot file in the embedded database's data folder; undefined on PostgreSQL (its
 * snapshot is read over the network, the file would not be beside it).
 */
export const snapshotFileOf = (config: {
  databaseUrl?: string | undefined;
  dataDir: string;
  user: string;
}): string | undefined =>
  config.databaseUrl
    ? undefined
    : path.join(config.dataDir, "ledger-snapshots", `${encodeURIComponent(config.user)}.csv.gz`);

/** The digest of snapshot bytes: SHA-256, 64 hex digits. */
export const snapshotDigest = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/**
 * Writes `bytes` as `file` atomically (a temporary file renamed over it: a reader sees the old
 * file or the new one, never part of one). A cache: false, and nothing left, when it cannot be
 * written.
 */
export const writeSnapshotFile = (file: string, bytes: Uint8Array): boolean => {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(temporary, bytes);
    renameSync(temporary, file);
    return true;
  } catch {
    rmSync(temporary, { force: true });
    return false;
  }
};
