import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { NonRetryableError, RetryableError } from "../src/errors.ts";
import { PACKAGE_ROOT } from "../src/package-root.ts";
import { lockDataDir } from "./dir-lock.ts";
import * as schema from "./schema/index.ts";

export type Schema = typeof schema;
/** The drizzle database, the same type on PGlite and PostgreSQL. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction or the database itself: anything queries can run on. */
export type DbOrTx = Parameters<Parameters<Db["transaction"]>[0]>[0] | Db;

export type Database = {
  /** `pglite` (embedded, one process) or `postgres` (shared by any number of processes). */
  kind: "pglite" | "postgres";
  db: Db;
  /** Applies pending migrations; safe to call from several processes at once on PostgreSQL. */
  migrate: () => Promise<void>;
  /**
   * Which migrations the database has: `none` (a new database), `current` (every migration of
   * this version applied) or `behind`. One small query; `openDatabase` runs the migrator only
   * when the answer is not `current`.
   */
  migrationState: () => Promise<MigrationState>;
  close: () => Promise<void>;
};

export type MigrationState = "none" | "behind" | "current";

export class MigrationError extends NonRetryableError {
  override name = "MigrationError";
}
export class DatabaseConnectionError extends RetryableError {
  override name = "DatabaseConnectionError";
}

/** `db/migrations` of the package (also when running the compiled build from `dist/`). */
const MIGRATIONS_FOLDER = path.join(PACKAGE_ROOT, "db", "migrations");
const MIGRATIONS = {
  migrationsFolder: MIGRATIONS_FOLDER,
  migrationsSchema: "lotwise_meta",
  migrationsTable: "migrations",
};
/**
 * The `when` (milliseconds) of the newest migration in the journal. drizzle's migrator stores it
 * as `created_at` of the last migration it applies and runs every migration with a later `when`,
 * so a database whose newest `created_at` is at least this needs nothing.
 */
let newestMigration: number | undefined;
const newestMigrationMillis = (): number => {
  if (newestMigration === undefined) {
    const journal = JSON.parse(
      readFileSync(path.join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8"),
    ) as {
      entries: { when: number }[];
    };
    newestMigration = Math.max(...journal.entries.map((e) => e.when));
  }
  return newestMigration;
};
const LAST_MIGRATION_SQL = `select max(created_at) as last from ${MIGRATIONS.migrationsSchema}.${MIGRATIONS.migrationsTable}`;
const MIGRATIONS_TABLE_SQL = `select to_regclass('${MIGRATIONS.migrationsSchema}.${MIGRATIONS.migrationsTable}') is not null as present`;

/** The migration state from the two answers above (`last` is a bigint: a string or a number). */
const stateOf = (present: boolean, last: string | number | null | undefined): MigrationState => {
  if (!present || last === null || last === undefined) return "none";
  return Number(last) >= newestMigrationMillis() ? "current" : "behind";
};

/** Arbitrary constant for `pg_advisory_lock`, so concurrent workers migrate one at a time. */
const MIGRATION_LOCK_ID = 0x6c6f7477; // "lotw"

/**
 * PostgreSQL's buffer cache inside PGlite's WebAssembly memory. PGlite's default (128 MB) is
 * zeroed at every start: 16 MB takes about 140 MB off every command's peak memory, and bulk
 * writes and reads were no slower in a 150,000-row insert-and-query probe (pages evicted from it
 * stay in the operating system's file cache).
 */
const PGLITE_SHARED_BUFFERS = "16MB";

/**
 * Other server settings for PGlite. `wal_init_zero=off`: a new 16 MB WAL segment is created by
 * writing its last byte instead of 16 MB of zeros first (the zeros only reserve disk space ahead;
 * every byte of the segment is written again as WAL fills it). A cold Solana sync of 5,000
 * transactions writes about 45 MB of WAL: three segments, 48 MB of zeros, a quarter of all its
 * writes to disk (bench/solana-sync.bench.ts).
 */
const PGLITE_SETTINGS = [
  `shared_buffers=${PGLITE_SHARED_BUFFERS}`,
  "wal_init_zero=off",
  // `wal_level=minimal` (PostgreSQL's default is `replica`; `max_wal_senders=0` is what it
  // requires): no WAL for a table or index whose file was made in the writing transaction: an
  // index built after a bulk load, a table emptied by TRUNCATE before one (db/deferred-indexes.ts).
  // Nothing reads PGlite's WAL but its own crash recovery: no replica, no archive.
  "wal_level=minimal",
  "max_wal_senders=0",
];

export type CreateDatabaseArgs =
  | { kind: "postgres"; url: string /** Pool size. @defaultValue 10 */; poolSize?: number }
  /** `dir` undefined = in memory (tests). */
  | { kind: "pglite"; dir?: string | undefined };

/**
 * Opens the database: PostgreSQL when a URL is configured, else PGlite under `<dataDir>/pgdata`.
 * @throws DatabaseConnectionError when PostgreSQL cannot be reached.
 */
export const createDatabase = async (args: CreateDatabaseArgs): Promise<Database> => {
  if (args.kind === "postgres") {
    // Each kind loads only its own driver: a PostgreSQL run never loads PGlite, and back.
    const [{ default: pg }, { drizzle: drizzlePg }] = await Promise.all([
      import("pg"),
      import("drizzle-orm/node-postgres"),
    ]);
    const pool = new pg.Pool({ connectionString: args.url, max: args.poolSize ?? 10 });
    // An idle client error (server restart) must not crash the process; the next query reconnects.
    pool.on("error", () => {});
    try {
      const client = await pool.connect();
      client.release();
    } catch (error) {
      await pool.end().catch(() => {});
      throw new DatabaseConnectionError(`cannot connect to PostgreSQL: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const db = drizzlePg(pool, { schema, casing: "snake_case" }) as unknown as Db;
    return {
      kind: "postgres",
      db,
      migrationState: async () => {
        const present = await pool.query<{ present: boolean }>(MIGRATIONS_TABLE_SQL);
        if (!present.rows[0]?.present) return "none";
        const last = await pool.query<{ last: string | null }>(LAST_MIGRATION_SQL);
        return stateOf(true, last.rows[0]?.last);
      },
      migrate: async () => {
        const { migrate: migratePg } = await import("drizzle-orm/node-postgres/migrator");
        const client = await pool.connect();
        try {
          await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
          await migratePg(drizzlePg(client, { schema }), MIGRATIONS);
        } catch (error) {
          throw new MigrationError(`database migration failed: ${(error as Error).message}`, {
            cause: error,
          });
        } finally {
          await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => {});
          client.release();
        }
      },
      close: () => pool.end(),
    };
  }

  const [{ PGlite: PGliteClass }, { drizzle: drizzlePglite }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("drizzle-orm/pglite"),
  ]);
  const options = {
    startParams: [...PGliteClass.defaultStartParams, ...PGLITE_SETTINGS.flatMap((s) => ["-c", s])],
  };
  let client: PGlite;
  let unlock = () => {};
  if (args.dir) {
    mkdirSync(args.dir, { recursive: true });
    unlock = lockDataDir(args.dir);
    try {
      client = new PGliteClass(args.dir, options);
      await client.waitReady;
    } catch (error) {
      unlock();
      throw error;
    }
  } else {
    client = new PGliteClass(options);
  }
  await client.waitReady;
  const db = drizzlePglite(client, { schema, casing: "snake_case" }) as unknown as Db;
  return {
    kind: "pglite",
    db,
    migrationState: async () => {
      const present = await client.query<{ present: boolean }>(MIGRATIONS_TABLE_SQL);
      if (!present.rows[0]?.present) return "none";
      const last = await client.query<{ last: string | number | null }>(LAST_MIGRATION_SQL);
      return stateOf(true, last.rows[0]?.last);
    },
    migrate: async () => {
      const { migrate: migratePglite } = await import("drizzle-orm/pglite/migrator");
      try {
        await migratePglite(drizzlePglite(client, { schema }), MIGRATIONS);
      } catch (error) {
        throw new MigrationError(`database migration failed: ${(error as Error).message}`, { cause: error });
      }
    },
    close: async () => {
      if (!client.closed) await client.close();
      unlock();
    },
  };
};

/** Database settings from the parsed configuration. */
export const databaseArgsFromConfig = (config: { databaseUrl?: string | undefined; dataDir: string }) =>
  config.databaseUrl
    ? ({ kind: "postgres", url: config.databaseUrl } as const)
    : ({ kind: "pglite", dir: path.join(config.dataDir, "pgdata") } as const);

/**
 * Opens the configured database and brings its tables up to date. A database that has every
 * migration costs one query; the migrator (and its file reads) runs only for a new or older one.
 * `onSetup` hears, before the slow part starts, that a new database is being set up (creating an
 * embedded one takes several seconds) or an older one migrated.
 */
export const openDatabase = async (
  config: { databaseUrl?: string | undefined; dataDir: string },
  options: { onSetup?: (message: string) => void } = {},
) => {
  const args = databaseArgsFromConfig(config);
  let announced = false;
  const announce = (message: string) => {
    if (!announced) options.onSetup?.(message);
    announced = true;
  };
  if (args.kind === "pglite" && !existsSync(path.join(args.dir, "PG_VERSION")))
    announce(`setting up the embedded database in ${args.dir} (first run; takes a few seconds)`);
  const database = await createDatabase(args);
  try {
    const state = await database.migrationState();
    if (state !== "current") {
      announce(
        state === "none"
          ? "setting up the database (creating lotwise's tables)"
          : "updating the database tables",
      );
      await database.migrate();
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
};

/** `select 1`, for health checks. */
export const ping = async (db: Db): Promise<void> => {
  await db.execute(sql`select 1`);
};
