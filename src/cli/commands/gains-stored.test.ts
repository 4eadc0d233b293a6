import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDatabase, type Database } from "../../../db/client.ts";
import { runInProcess } from "../../../test/cli.ts";
import { createTestDatabase, DATABASE_KINDS } from "../../../test/services.ts";

/**
 * `lotwise gains` on the stored ledger, on both databases: after `ledger import` of the whole
 * ledger the first run reads the snapshot the import saved; without one a run copies the rows out
 * and saves the ledger version's snapshot, the next reads the snapshot; each writes
 * exactly what `gains --ledger` writes on the ledger's export, and a re-import that changes rows
 * is seen by the next run. (A ledger of 4 MiB or more is read on the parse thread: the same
 * reading from bytes is compared with the file's in src/tax/parse-thread.test.ts.)
 */
const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype";
const WALLETS = ["ethereum:0x1111111111111111111111111111111111111111", "coinbase:main"];

/** `n` buy/sell pairs over 2024–2025; `bump` is added to every 7th sale's proceeds. */
const ledger = (n: number, bump = 0): string => {
  const lines = [HEADER];
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    const w = WALLETS[i % 2]!;
    const at = (k: number) => new Date(t0 + (i * 2 + k) * 6 * 3_600_000).toISOString();
    const buy = 1000 + (i % 89);
    const sell = 900 + (i % 97) + (i % 7 === 0 ? bump : 0);
    lines.push(`b${i},${at(0)},buy,${w},,,ETH,1.25,${buy}.5,USD,,1.25,,,`);
    lines.push(`s${i},${at(1)},sell,${w},ETH,1.125,,,${sell}.75,ETH,0.001,2.5,,,`);
  }
  return `${lines.join("\n")}\n`;
};

/** The files a gains run wrote, by name. */
const outputs = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(path.join(dir, f), "utf8")]));

describe.each(DATABASE_KINDS)("gains on the stored ledger (%s): the snapshot", (kind) => {
  const dir = mkdtempSync(path.join(tmpdir(), "lotwise-gains-stored-"));
  const dataDir = path.join(dir, "data");
  let postgres: (Database & { url?: string }) | undefined;
  let env: Record<string, string> = {};
  beforeAll(async () => {
    if (kind === "postgres") {
      postgres = await createTestDatabase("postgres");
      env = { DATABASE_URL: postgres.url! };
    }
  }, 60_000);
  afterAll(async () => {
    await postgres?.close();
  });
  const lotwise = (...argv: string[]) =>
    runInProcess(
      ["--data-dir", dataDir, "--no-progress", "--log-level", "error", ...argv],
      env,
      kind === "pglite" ? { seed: dataDir } : {},
    );
  /** The stored snapshot's version and the ledger's, after a run (the CLI closed its database). */
  const versions = async (
    /** Deletes the snapshot first (the next run copies the rows out). */
    drop = false,
  ): Promise<{ snapshot?: number; ledger?: number }> => {
    const database =
      postgres ?? (await createDatabase({ kind: "pglite", dir: path.join(dataDir, "pgdata") }));
    try {
      if (drop) await database.db.execute("delete from lotwise_app.ledger_snapshots");
      const result = (await database.db.execute(
        "select (select version from lotwise_app.ledger_snapshots) as snapshot, (select version from lotwise_app.ledger_versions) as ledger",
      )) as unknown as { rows: { snapshot: number | null; ledger: number | null }[] };
      const row = result.rows[0]!;
      return { snapshot: row.snapshot ?? undefined, ledger: row.ledger ?? undefined };
    } finally {
      if (database !== postgres) await database.close();
    }
  };
  /** `gains --year 2025` on the stored ledger and on its export: the same files. */
  const storedEqualsExport = async (name: string): Promise<Record<string, string>> => {
    const stored = path.join(dir, `${name}-stored`);
    const run = await lotwise("gains", "--year", "2025", "--out", stored);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    const exported = path.join(dir, `${name}.csv`);
    expect((await lotwise("ledger", "export", "--out", exported)).code).toBe(0);
    const onFile = path.join(dir, `${name}-file`);
    expect((await lotwise("gains", "--ledger", exported, "--year", "2025", "--out", onFile)).code).toBe(0);
    const files = outputs(stored);
    expect(files).toEqual(outputs(onFile));
    expect(files["form8949.csv"]!.split("\n").length).toBeGreaterThan(500);
    return files;
  };

  test("first run and the next: what --ledger writes on the export; a changed re-import is seen", async () => {
    const file = path.join(dir, "books.csv");
    writeFileSync(file, ledger(1_500));
    expect((await lotwise("ledger", "import", file, "--name", "books")).code).toBe(0);
    // The import's rows are the whole ledger: it saved them as the version's snapshot (src/books/
    // engine-csv.ts), which the rebuild after it (no row changed) kept current.
    const imported = await versions();
    expect(imported.snapshot).toBe(imported.ledger);
    const first = await storedEqualsExport("first");
    expect(await versions()).toEqual(imported);

    // No snapshot: the run copies the rows out and saves them.
    expect(await versions(true)).toEqual({ ledger: imported.ledger });
    const cold = await storedEqualsExport("cold");
    expect(cold).toEqual(first);
    const saved = await versions();
    expect(saved.snapshot).toBe(saved.ledger);
    const warm = await storedEqualsExport("warm");
    expect(warm).toEqual(cold);
    expect(await versions()).toEqual(saved);

    // Every 7th sale's proceeds change: the ledger version moves, the re-import saves its snapshot.
    writeFileSync(file, ledger(1_500, 100));
    expect((await lotwise("ledger", "import", file, "--name", "books")).code).toBe(0);
    const moved = await versions();
    expect(moved.ledger).toBeGreaterThan(saved.ledger!);
    expect(moved.snapshot).toBe(moved.ledger);
    const changed = await storedEqualsExport("changed");
    expect(changed["form8949.csv"]).not.toEqual(cold["form8949.csv"]);
    // Copied out again, the same files.
    await versions(true);
    expect(await storedEqualsExport("changed-cold")).toEqual(changed);
    const resaved = await versions();
    expect(resaved.snapshot).toBe(resaved.ledger);
  }, 300_000); // a dozen runs on the embedded database: slow on a loaded machine
});
