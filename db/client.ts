import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { NonRetryableError, RetryableError } from "../src/errors.ts";
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
  close: () => Promise<void>;
};

export class MigrationError extends NonRetryableError {
  override name = "MigrationError";
}
export class DatabaseConnectionError extends RetryableError {
  override name = "DatabaseConnectionError";
}

const MIGRATIONS_FOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");
const MIGRATIONS = {
  migrationsFolder: MIGRATIONS_FOLDER,
  migrationsSchema: "lotwise_meta",
  migrationsTable: "migrations",
};
/** Arbitrary constant for `pg_advisory_lock`, so concurrent workers migrate one at a time. */
const MIGRATION_LOCK_ID = 0x6c6f7477; // "lotw"

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
      migrate: async () => {
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

  let client: PGlite;
  if (args.dir) {
    mkdirSync(args.dir, { recursive: true });
    client = new PGlite(args.dir);
  } else {
    client = new PGlite();
  }
  await client.waitReady;
  const db = drizzlePglite(client, { schema, casing: "snake_case" }) as unknown as Db;
  return {
    kind: "pglite",
    db,
    migrate: async () => {
      try {
        await migratePglite(drizzlePglite(client, { schema }), MIGRATIONS);
      } catch (error) {
        throw new MigrationError(`database migration failed: ${(error as Error).message}`, { cause: error });
      }
    },
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
};

/** Database settings from the parsed configuration. */
export const databaseArgsFromConfig = (config: { databaseUrl?: string | undefined; dataDir: string }) =>
  config.databaseUrl
    ? ({ kind: "postgres", url: config.databaseUrl } as const)
    : ({ kind: "pglite", dir: path.join(config.dataDir, "pgdata") } as const);

/** Opens and migrates the configured database. */
export const openDatabase = async (config: { databaseUrl?: string | undefined; dataDir: string }) => {
  const database = await createDatabase(databaseArgsFromConfig(config));
  try {
    await database.migrate();
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
