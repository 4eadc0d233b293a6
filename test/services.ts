/**
 * Shared test harness: real PostgreSQL and Redis from the machine (or CI), PGlite on disk.
 * Test settings may come from the environment here (the app itself reads it only in config.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { createDatabase, type Database } from "../db/client.ts";
import type { Common } from "../src/common.ts";
import { type ConfigInput, configSchema } from "../src/config.ts";
import { silentLogger } from "../src/logger.ts";
import { createShutdown } from "../src/shutdown.ts";
import { nullProgress } from "../src/ui/progress.ts";
import { copyPgliteTemplate, schemaKey } from "./pglite-template.ts";

/** PostgreSQL server used by tests. @defaultValue postgres://postgres@127.0.0.1:5432/test */
export const TEST_POSTGRES_URL =
  process.env.LOTWISE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
/** Redis used by tests. @defaultValue redis://127.0.0.1:6379 */
export const TEST_REDIS_URL = process.env.LOTWISE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export type DatabaseKind = "pglite" | "postgres";
export const DATABASE_KINDS: readonly DatabaseKind[] = ["pglite", "postgres"];

const withDatabaseName = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

/**
 * A fresh, migrated database of `kind`: PGlite in a temporary folder (a copy of the migrated
 * template, test/pglite-template.ts; removed by `close()`), or a new PostgreSQL database
 * (`lotwise_t_<random>`, a copy of the migrated template database below) on the test server,
 * dropped by `close()`. Both are empty and opened by `createDatabase` as lotwise opens its own;
 * `migrate()` finds nothing to do.
 * Every PGlite test database lives in a folder of the operating system's (under os.tmpdir(): on
 * /dev/shm during a run, test/scratch-dir.ts), as `lotwise` runs it: in PGlite's own in-memory
 * filesystem, PostgreSQL's bulk relation extension (`fallocate`) becomes a resize that copies the
 * whole file each time, so large writes there cost quadratic time no user pays.
 */
export const createTestDatabase = async (kind: DatabaseKind): Promise<Database & { url?: string }> => {
  if (kind === "pglite") {
    const dir = mkdtempSync(path.join(tmpdir(), "lotwise-pglite-"));
    const pgdata = path.join(dir, "pgdata");
    await copyPgliteTemplate(pgdata);
    const database = await createDatabase({ kind: "pglite", dir: pgdata });
    return {
      ...database,
      close: async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `lotwise_t_${randomBytes(6).toString("hex")}`;
  await adminQuery(`create database ${name} template ${await postgresTemplate()}`);
  const url = withDatabaseName(TEST_POSTGRES_URL, name);
  const database = await createDatabase({ kind: "postgres", url, poolSize: 4 });
  return {
    ...database,
    url,
    close: async () => {
      await database.close();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
};

/** One statement on the test server's own database. */
const adminQuery = async (text: string, values: unknown[] = []) => {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    return await admin.query(text, values);
  } finally {
    await admin.end();
  }
};

let postgresTemplateMade: Promise<string> | undefined;

/**
 * The migrated PostgreSQL database that test databases are created from (`create database …
 * template`: a file copy, about a tenth of the time of creating one and running every migration).
 * Named `lotwise_tpl_<schemaKey>` (test/pglite-template.ts), made once per schema on the test
 * server by `migrate()` under a temporary name, then renamed (two test processes making it at
 * once: the first rename wins, the other is dropped). Nothing ever connects to it afterwards (a
 * template must have no sessions). Templates of other schemas stay: other checkouts may use them.
 */
const postgresTemplate = (): Promise<string> => {
  postgresTemplateMade ??= (async () => {
    const name = `lotwise_tpl_${schemaKey()}`;
    const exists = await adminQuery("select 1 from pg_database where datname = $1", [name]);
    if (exists.rowCount) return name;
    const making = `${name}_${randomBytes(4).toString("hex")}`;
    await adminQuery(`create database ${making}`);
    try {
      const database = await createDatabase({
        kind: "postgres",
        url: withDatabaseName(TEST_POSTGRES_URL, making),
        poolSize: 1,
      });
      try {
        await database.migrate();
      } finally {
        await database.close();
      }
      await adminQuery(`alter database ${making} rename to ${name}`);
    } catch (error) {
      await adminQuery(`drop database if exists ${making} with (force)`);
      // Another test process renamed its template first: the same schema, use that one.
      const made = await adminQuery("select 1 from pg_database where datname = $1", [name]);
      if (!made.rowCount) throw error;
    }
    return name;
  })();
  return postgresTemplateMade;
};

/** A `Common` for tests: silent logger, no progress, config from `overrides`. */
export const createTestCommon = (overrides: ConfigInput = {}): Common => {
  const config = configSchema.parse({ dataDir: "/tmp/lotwise-test", ...overrides });
  return { config, logger: silentLogger, shutdown: createShutdown(), progress: nullProgress };
};
