/**
 * One migrated embedded database per version of the schema, copied wherever a test needs a new
 * one. Setting up PGlite in a new folder (its initdb, then lotwise's migrations) costs about 2.5 s
 * of CPU; copying the 40 MB folder it leaves costs under 0.1 s, and the copy opens as an existing,
 * current database (`openDatabase` runs one query and no migrator on it).
 *
 * The template is made by `openDatabase`, as `lotwise` makes its first database, in a new temporary
 * folder, then renamed into `node_modules/.cache/lotwise-test/pgdata-<key>`: the key hashes the
 * PGlite version, db/client.ts and every migration, so a changed schema makes a new template, and a
 * renamed folder is complete (two test processes making it at once: the first rename wins, the other
 * copy is dropped). Tests of the first run itself (its "setting up" line) keep starting empty.
 */
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import path from "node:path";
import { ROOT } from "./build.ts";

const CACHE = path.join(ROOT, "node_modules", ".cache", "lotwise-test");
const MIGRATIONS = path.join(ROOT, "db", "migrations");

/**
 * What a migrated database's content depends on: db/client.ts and every migration (16 hex
 * digits). The PostgreSQL template database of test/services.ts is named by it too.
 */
export const schemaKey = (): string => {
  const hash = createHash("sha256");
  hash.update(readFileSync(path.join(ROOT, "db", "client.ts")));
  for (const f of readdirSync(MIGRATIONS, { recursive: true, encoding: "utf8" }).sort()) {
    if (f.endsWith(".sql") || f.endsWith("_journal.json"))
      hash.update(f).update(readFileSync(path.join(MIGRATIONS, f)));
  }
  return hash.digest("hex").slice(0, 16);
};

/** The PGlite template's key: its schema and the PGlite build that wrote it. */
const templateKey = (): string => {
  const pglite = path.join(ROOT, "node_modules", "@electric-sql", "pglite", "package.json");
  return createHash("sha256")
    .update(JSON.parse(readFileSync(pglite, "utf8")).version)
    .update(schemaKey())
    .digest("hex")
    .slice(0, 16);
};

let made: Promise<string> | undefined;

/** The migrated template's `pgdata` folder (made on first use; never write into it). */
export const pgliteTemplate = (): Promise<string> => {
  made ??= (async () => {
    const name = `pgdata-${templateKey()}`;
    const final = path.join(CACHE, name);
    if (existsSync(path.join(final, "PG_VERSION"))) return final;
    mkdirSync(CACHE, { recursive: true });
    const work = mkdtempSync(path.join(CACHE, "making-"));
    try {
      // Loaded here: importers of test/cli.ts (for ROOT or runCli) do not load the database client.
      const { openDatabase } = await import("../db/client.ts");
      const database = await openDatabase({ dataDir: work });
      await database.close();
      try {
        renameSync(path.join(work, "pgdata"), final);
      } catch (error) {
        // Another test process renamed its template first: the same content, use that one.
        if (!existsSync(path.join(final, "PG_VERSION"))) throw error;
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    // Templates of older schemas are no longer needed.
    for (const other of readdirSync(CACHE))
      if (other !== name && other.startsWith("pgdata-"))
        rmSync(path.join(CACHE, other), { recursive: true, force: true });
    return final;
  })();
  return made;
};

/**
 * Copies the template to `pgdata` (a folder that must not exist yet): an embedded database as a
 * first `lotwise` command leaves it, with no rows.
 */
export const copyPgliteTemplate = async (pgdata: string): Promise<void> => {
  if (existsSync(pgdata)) throw new Error(`${pgdata} exists: the template is copied only into a new folder`);
  cpSync(await pgliteTemplate(), pgdata, { recursive: true });
};

/**
 * Gives a lotwise data folder its embedded database before the first command, so that command
 * skips the setup (and prints no "setting up the embedded database" line). Returns `dataDir`.
 */
export const seedDataDir = async (dataDir: string): Promise<string> => {
  mkdirSync(dataDir, { recursive: true });
  await copyPgliteTemplate(path.join(dataDir, "pgdata"));
  return dataDir;
};
