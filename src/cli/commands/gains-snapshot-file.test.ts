import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { createDatabase } from "../../../db/client.ts";
import { runInProcess } from "../../../test/cli.ts";

/**
 * `lotwise gains` on the embedded database reads the snapshot's file (src/books/snapshot-file.ts)
 * on its parse thread while the database opens, and uses those rows only when the database's
 * current snapshot has the file's digest: a stale, partial or missing file is not used (the
 * database's snapshot is read, and the file written again for the next run).
 */
const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype";

/** `n` buy/sell pairs over 2024–2025 in one wallet; `bump` is added to every sale's proceeds. */
const ledger = (n: number, bump = 0): string => {
  const lines = [HEADER];
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    const at = (k: number) => new Date(t0 + (i * 2 + k) * 6 * 3_600_000).toISOString();
    lines.push(`b${i},${at(0)},buy,coinbase:main,,,ETH,1.25,${1000 + (i % 89)}.5,,,,,,`);
    lines.push(`s${i},${at(1)},sell,coinbase:main,ETH,1.125,,,${900 + (i % 97) + bump}.75,,,,,,`);
  }
  return `${lines.join("\n")}\n`;
};

/** The files a gains run wrote, by name. */
const outputs = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(path.join(dir, f), "utf8")]));

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("gains on the embedded database: the snapshot file", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "lotwise-gains-snapshot-file-"));
  const dataDir = path.join(dir, "data");
  const file = path.join(dataDir, "ledger-snapshots", "default.csv.gz");
  const lotwise = (...argv: string[]) =>
    runInProcess(
      ["--data-dir", dataDir, "--no-progress", "--log-level", "error", ...argv],
      {},
      { seed: dataDir },
    );
  /** Runs `sql` on the data folder's database (the CLI closed it), returning its rows. */
  const query = async <T>(sql: string): Promise<T[]> => {
    const database = await createDatabase({ kind: "pglite", dir: path.join(dataDir, "pgdata") });
    try {
      return ((await database.db.execute(sql)) as unknown as { rows: T[] }).rows;
    } finally {
      await database.close();
    }
  };
  const digestStored = async () =>
    (await query<{ digest: string | null }>("select digest from lotwise_app.ledger_snapshots"))[0]?.digest;
  let run = 0;
  /** `gains --year 2025` on the stored ledger. */
  const gains = async (): Promise<Record<string, string>> => {
    const out = path.join(dir, `run-${++run}`);
    const r = await lotwise("gains", "--year", "2025", "--out", out);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    return outputs(out);
  };

  test("used when the database has its digest, else not (stale, partial, missing: written again)", async () => {
    const books = path.join(dir, "books.csv");
    writeFileSync(books, ledger(1_500));
    expect((await lotwise("ledger", "import", books, "--name", "books")).code).toBe(0);
    // The import wrote the file beside its snapshot, named by the row's digest.
    expect(existsSync(file)).toBe(true);
    const imported = readFileSync(file);
    expect(await digestStored()).toBe(sha256(imported));
    const onFile = path.join(dir, "on-file");
    expect((await lotwise("gains", "--ledger", books, "--year", "2025", "--out", onFile)).code).toBe(0);
    const expected = outputs(onFile);
    expect(expected["form8949.csv"]!.split("\n").length).toBeGreaterThan(500);
    expect(await gains()).toEqual(expected);

    // The rows come from the file: with the database's bytes changed under the same digest, the
    // run still writes the file's gains (reading the database's would give other proceeds).
    const other = gzipSync(ledger(1_500, 100));
    await query(`update lotwise_app.ledger_snapshots set csv = decode('${other.toString("hex")}', 'hex')`);
    expect(await gains()).toEqual(expected);

    // A stale file (another ledger's valid snapshot): not used; the run writes it again.
    writeFileSync(file, other);
    await query(`update lotwise_app.ledger_snapshots set csv = decode('${imported.toString("hex")}', 'hex')`);
    expect(await gains()).toEqual(expected);
    expect(readFileSync(file).equals(imported)).toBe(true);
    expect(await digestStored()).toBe(sha256(imported));

    // A partial file: not used, written again.
    writeFileSync(file, imported.subarray(0, imported.length >> 1));
    expect(await gains()).toEqual(expected);
    expect(readFileSync(file).equals(imported)).toBe(true);

    // No file: the database's snapshot, and the file written for the next run; the row, which
    // has the file's digest, is not written again (the same row version: xmin and ctid).
    const rowVersion = () =>
      query<{ xmin: string; ctid: string }>(
        "select xmin::text, ctid::text from lotwise_app.ledger_snapshots",
      );
    const before = await rowVersion();
    rmSync(file);
    expect(await gains()).toEqual(expected);
    expect(readFileSync(file).equals(imported)).toBe(true);
    expect(await rowVersion()).toEqual(before);

    // A snapshot saved without a digest (before the file existed): its file is not used.
    await query("update lotwise_app.ledger_snapshots set digest = null");
    writeFileSync(file, other);
    await query(`update lotwise_app.ledger_snapshots set csv = decode('${imported.toString("hex")}', 'hex')`);
    expect(await gains()).toEqual(expected);
    expect(await digestStored()).toBe(sha256(imported));
  }, 300_000);
});
