/**
 * `importLedgerRows` reading its file on the import thread (src/books/import-thread.ts), on PGlite
 * (on PostgreSQL the file is read on the caller's thread): a first import stores the same rows and the same snapshot as one read on the
 * caller's thread; a bad row, an unknown lot or a clashing id fails as there (FILE:LINE: column)
 * and stores nothing; a re-import reads on the caller's thread (and stops the thread).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { selectCells } from "../../db/copy.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase, DATABASE_KINDS } from "../../test/services.ts";
import type { UserInputError } from "../errors.ts";
import { type ExternalLotReference, parseLedgerCsv, readLedgerFileBatches } from "../ledger/read.ts";
import { type ImportThread, startImportThread } from "./import-thread.ts";
import { importLedgerRows, listLedgerImports } from "./imports.ts";
import { readLedgerSnapshot } from "./ledger-snapshot.ts";

const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,note";
/** Rows per batch (the thread sends at least this many, or what a read of 1 MiB completed). */
const BATCH = 3_000;

const dir = mkdtempSync(path.join(tmpdir(), "lotwise-import-thread-"));
const writeLedger = (name: string, lines: readonly string[]) => {
  const file = path.join(dir, name);
  writeFileSync(file, `${[HEADER, ...lines].join("\n")}\n`);
  return file;
};
/** `n` rows (buys, then sales naming the first buys' lots), with quoting, escapes and odd numbers. */
const rowsOf = (n: number, prefix = "r") =>
  Array.from({ length: n }, (_, i) => {
    const time = new Date(Date.UTC(2024, 0, 1) + i * 61_000 + (i % 7)).toISOString();
    if (i % 10 === 9)
      return `${prefix}${i},${time},sell,"kraken:main",ETH,0.${i},,,${i}.123456789,USD,,0.5,,${prefix}0:0.${i},`;
    return `${prefix}${i},${time},buy,kraken:main,,,ETH,1.${i}0,${100 + i}.10,ETH,0.001,2,,,"note, ""${i}""\\tx"`;
  });

/** The thread of `file`, counting the batches the import took from it. */
const counted = (file: string, source: string, origin: string) => {
  const thread = startImportThread({ path: file, source, batchRows: BATCH, origin });
  if (!thread) throw new Error("dist/import-thread.js is not built");
  const seen = { batches: 0 };
  const wrapped: ImportThread = {
    batches: (userId, onBatch) =>
      thread.batches(userId, async (b) => {
        seen.batches++;
        await onBatch(b);
      }),
    stop: thread.stop,
  };
  return { thread: wrapped, seen };
};

const storedRows = async (db: Parameters<typeof selectCells>[0], userId: number) =>
  selectCells(db, `select * from lotwise_app.ledger_rows where user_id = ${userId} order by id`);

describe.each(DATABASE_KINDS)("importLedgerRows on the import thread, on %s", (kind) => {
  /** Batches the import takes from the thread: on PGlite only. */
  const threadBatches = (batches: number) => (kind === "pglite" ? batches : 0);
  test("a first import stores the rows and the snapshot a read on this thread stores", async () => {
    // About 3.5 MB: 4 reads of the file.
    const N = 30_000;
    const file = writeLedger("same.csv", rowsOf(N));
    const [onThread, here] = [await createTestDatabase(kind), await createTestDatabase(kind)];
    try {
      const { thread, seen } = counted(file, "same.csv", "import:kraken");
      // The thread reads ahead while the database is busy elsewhere (rows held until `go`).
      await new Promise((resolve) => setTimeout(resolve, 300));
      const a = await ensureUser(onThread.db, "thread");
      const viaThread = await importLedgerRows(onThread.db, {
        userId: a,
        name: "kraken",
        rows: { thread, batches: readLedgerFileBatches(file, "same.csv", BATCH) },
        file: "same.csv",
      });
      expect(seen.batches).toBeGreaterThanOrEqual(threadBatches(3));
      const b = await ensureUser(here.db, "thread");
      const viaHere = await importLedgerRows(here.db, {
        userId: b,
        name: "kraken",
        // No thread (as without dist/import-thread.js): read on this thread.
        rows: { thread: undefined, batches: readLedgerFileBatches(file, "same.csv", BATCH) },
        file: "same.csv",
      });
      expect(viaThread).toEqual(viaHere);
      expect(viaThread.span).toEqual({ first: "2024-01-01", last: "2024-01-22", wallets: ["kraken:main"] });
      expect(a).toBe(b);
      const rows = await storedRows(onThread.db, a);
      expect(rows).toHaveLength(N);
      expect(rows).toEqual(await storedRows(here.db, b));
      const snapshot = await readLedgerSnapshot(onThread.db, a);
      expect(snapshot).toBeDefined();
      expect(gunzipSync(snapshot!.csv).toString()).toBe(
        gunzipSync((await readLedgerSnapshot(here.db, b))!.csv).toString(),
      );

      // A re-import compares each row with the stored one: on this thread, the thread stopped.
      const again = counted(file, "same.csv", "import:kraken");
      const r = await importLedgerRows(onThread.db, {
        userId: a,
        name: "kraken",
        rows: { thread: again.thread, batches: readLedgerFileBatches(file, "same.csv", BATCH) },
        file: "same.csv",
      });
      expect(again.seen.batches).toBe(0);
      expect([r.unchanged, r.span]).toEqual([N, viaThread.span]);
    } finally {
      await onThread.close();
      await here.close();
    }
  });

  test("a bad row after written batches, an unknown lot or a clashing id: the error names the line, nothing is stored", async () => {
    const database = await createTestDatabase(kind);
    try {
      const db = database.db;
      const userId = await ensureUser(db, "thread-bad");
      // The bad row (a buy) on line N - 10, after the thread's first batches were written.
      const N = 30_000;
      const lines = rowsOf(N);
      lines[N - 12] = lines[N - 12]!.replace(",ETH,1.", ",ETH,-1.");
      const bad = writeLedger("bad.csv", lines);
      const { thread, seen } = counted(bad, "bad.csv", "import:cb");
      const failed = importLedgerRows(db, {
        userId,
        name: "cb",
        rows: { thread, batches: readLedgerFileBatches(bad, "bad.csv", BATCH) },
        file: "bad.csv",
      });
      await expect(failed).rejects.toThrow(`bad.csv:${N - 10}: in_quantity: "-1.${N - 12}0" is negative`);
      await failed.catch((e: UserInputError) => expect(e.located).toBe(true));
      expect(seen.batches).toBeGreaterThanOrEqual(threadBatches(2));
      if (kind === "postgres") expect(seen.batches).toBe(0);
      expect(await listLedgerImports(db, userId)).toEqual([]);

      // A lot of the stored ledger, named from the thread's file: checked after the rows are in.
      await importLedgerRows(db, {
        userId,
        name: "kraken",
        rows: parseLedgerCsv(
          [HEADER, "k1,2023-01-01T00:00:00Z,buy,kraken:main,,,ETH,1,100,,,,,,"].join("\n"),
          "k.csv",
        ),
        file: "k.csv",
      });
      const plan = writeLedger("plan.csv", [
        "p1,2025-01-01T00:00:00Z,sell,kraken:main,ETH,1,,,100,,,,,k1:1,",
        "p2,2025-01-02T00:00:00Z,sell,kraken:main,ETH,1,,,100,,,,,k9:1,",
      ]);
      const refs: ExternalLotReference[] = [];
      const unknown = importLedgerRows(db, {
        userId,
        name: "plan",
        rows: {
          thread: counted(plan, "plan.csv", "import:plan").thread,
          batches: readLedgerFileBatches(plan, "plan.csv", BATCH, refs),
        },
        file: "plan.csv",
        externalLots: refs,
      });
      await expect(unknown).rejects.toThrow('plan.csv:3: lots: no lot "k9" in the ledger');

      // An id the stored import uses, in the thread's second batch.
      const clash = rowsOf(BATCH + 10, "c");
      clash[BATCH + 4] = clash[BATCH + 4]!.replace(/^c\d+,/, "k1,");
      const clashing = writeLedger("clash.csv", clash);
      const clashed = importLedgerRows(db, {
        userId,
        name: "cb",
        rows: {
          thread: counted(clashing, "clash.csv", "import:cb").thread,
          batches: readLedgerFileBatches(clashing, "clash.csv", BATCH),
        },
        file: "clash.csv",
      });
      await expect(clashed).rejects.toThrow(
        `clash.csv:${BATCH + 6}: id: 'k1' is already used by the import 'kraken'`,
      );
      expect((await listLedgerImports(db, userId)).map((i) => [i.name, i.rows])).toEqual([["kraken", 1]]);
    } finally {
      await database.close();
    }
  });
});

describe("importLedgerRows on the import thread, rows read before `go`", () => {
  test("rows the thread read before `go` and fewer than a batch keep their place (seq) before the rows read after it", async () => {
    // The file is a FIFO, so the test decides what the thread has read when `go` comes: the first
    // 1,000 rows (fewer than a batch, more than a pipe's 64 KiB buffer, so the write ends only once
    // the thread has read most of them), then `go`, then the rest. Before 4a01851 the rows held
    // from before `go` were made after all later rows: their seqs came after them.
    const FIRST = 1_000;
    const N = BATCH + 500;
    const lines = rowsOf(N, "g");
    const fifo = path.join(dir, "go.csv");
    execFileSync("mkfifo", [fifo]);
    const plain = writeLedger("go-plain.csv", lines);
    const [onThread, here] = [await createTestDatabase("pglite"), await createTestDatabase("pglite")];
    try {
      const thread = startImportThread({
        path: fifo,
        source: "go.csv",
        batchRows: BATCH,
        origin: "import:go",
      });
      if (!thread) throw new Error("dist/import-thread.js is not built");
      let goSent: () => void = () => {};
      const sent = new Promise<void>((resolve) => {
        goSent = resolve;
      });
      const writer = await open(fifo, "w");
      const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      try {
        await writer.write(`${[HEADER, ...lines.slice(0, FIRST)].join("\n")}\n`);
        await pause(300);
        const userId = await ensureUser(onThread.db, "go");
        const imported = importLedgerRows(onThread.db, {
          userId,
          name: "go",
          rows: {
            thread: {
              batches: (u, onBatch) => {
                const done = thread.batches(u, onBatch);
                goSent();
                return done;
              },
              stop: thread.stop,
            },
            batches: readLedgerFileBatches(plain, "go.csv", BATCH),
          },
          file: "go.csv",
        });
        await sent;
        await pause(300);
        await writer.write(`${lines.slice(FIRST).join("\n")}\n`);
        await writer.close();
        const viaThread = await imported;
        const b = await ensureUser(here.db, "go");
        const viaHere = await importLedgerRows(here.db, {
          userId: b,
          name: "go",
          rows: { thread: undefined, batches: readLedgerFileBatches(plain, "go.csv", BATCH) },
          file: "go.csv",
        });
        expect(viaThread).toEqual(viaHere);
        const rows = await storedRows(onThread.db, userId);
        expect(rows).toHaveLength(N);
        expect(rows).toEqual(await storedRows(here.db, b));
        expect(await readLedgerSnapshot(onThread.db, userId)).toBeDefined();
      } finally {
        await writer.close().catch(() => {});
        await thread.stop();
      }
    } finally {
      await onThread.close();
      await here.close();
    }
  });
});
