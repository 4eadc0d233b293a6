import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { app, users } from "./app.ts";
import { bytes } from "./types.ts";

/**
 * The service's own state (issue #11): sync runs with their per-wallet outcome, nightly schedules
 * and a per-user ledger version that caches (gains summaries) compare against.
 */

/**
 * One sync of a user's wallets (from the API, the schedule or a retry): per-wallet sync jobs, then
 * one ledger rebuild. At most one run per user is `queued` or `running` (partial unique index).
 */
export const syncRuns = app.table(
  "sync_runs",
  {
    id: serial("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** `api`, `schedule`, `retry`, `cli`. */
    trigger: text("trigger").notNull(),
    /** `queued`, `running`, `completed`, `partial` (some wallets failed), `failed`, `cancelled`. */
    status: text("status").notNull().default("queued"),
    /** The run whose failed wallets this one retries. */
    retryOf: integer("retry_of"),
    /** Ledger rebuild outcome (mode, rows, review items, …), once done. */
    ledger: jsonb("ledger"),
    /** Why the run as a whole failed (never a secret: messages are redacted before they are stored). */
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    index("sync_runs_user_idx").on(t.userId, t.id),
    uniqueIndex("sync_runs_one_active_uq").on(t.userId).where(sql`status in ('queued', 'running')`),
  ],
);

/** The outcome of one wallet in one run. The wallet key is kept as text so history survives its removal. */
export const syncRunWallets = app.table(
  "sync_run_wallets",
  {
    runId: integer("run_id")
      .notNull()
      .references(() => syncRuns.id, { onDelete: "cascade" }),
    walletId: integer("wallet_id").notNull(),
    /** `<chain>:<address>`. */
    wallet: text("wallet").notNull(),
    /** `queued`, `active`, `retrying`, `completed`, `failed`, `cancelled`. */
    state: text("state").notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    /** `SyncWalletResult` (transactions, movements, RPC calls, …). */
    result: jsonb("result"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: "sync_run_wallets_pk", columns: [t.runId, t.walletId] })],
);

/** A user's nightly sync schedule. Absent row: the default (03:00 in UTC, enabled). */
export const syncSchedules = app.table("sync_schedules", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** Five-field cron expression, e.g. `0 3 * * *`. */
  cron: text("cron").notNull().default("0 3 * * *"),
  /** IANA time zone the cron expression is read in. */
  timeZone: text("time_zone").notNull().default("UTC"),
  paused: boolean("paused").notNull().default(false),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Bumped by statement triggers on `ledger_rows` (every writer: builds, imports, tests), so a cache
 * keyed by `(user, version)` is invalidated by any ledger change without the writers knowing.
 */
export const ledgerVersions = app.table("ledger_versions", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  version: integer("version").notNull().default(0),
  changedAt: timestamp("changed_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The stored ledger as `lotwise gains` reads it, for one ledger version per user: the engine's
 * columns as ledger CSV (gzip-compressed) and the rows' missing-price notes. Written by
 * the first `gains` that reads a version, read back as one value by the next ones while the
 * version holds (src/books/ledger-snapshot.ts). A cache: a row of another version or format is
 * never read, and deleting rows loses nothing.
 */
export const ledgerSnapshots = app.table("ledger_snapshots", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** The `ledger_versions.version` the rows had. */
  version: integer("version").notNull(),
  /** What `csv` holds (`SNAPSHOT_FORMAT`: columns and their text); another format is not read. */
  format: integer("format").notNull(),
  /** The missing-price notes of the rows, JSON (`StoredLedgerNotes["missingPrices"]`). */
  notes: text("notes").notNull(),
  /** The CSV, gzip-compressed (stored as is: `storage external`, no second compression). */
  csv: bytes("csv").notNull(),
  /**
   * SHA-256 of `csv`, hex: names the copy of it kept as a file on the embedded database
   * (src/books/snapshot-file.ts). Null in snapshots saved before it (their file is not used).
   */
  digest: text("digest"),
});
