/**
 * `importLedgerRows` on PGlite and PostgreSQL: the rows stored, a re-import that changes nothing
 * marks nothing dirty, a changed row marks the ledger dirty from it, and an id another import
 * uses is reported with its line and stores nothing.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import { selectCells } from "../../db/copy.ts";
import { ledgerState } from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase, DATABASE_KINDS } from "../../test/services.ts";
import type { UserInputError } from "../errors.ts";
import {
  type ExternalLotReference,
  parseLedgerCsv,
  readLedgerFile,
  readLedgerFileBatches,
} from "../ledger/read.ts";
import { importLedgerRows, listLedgerImports } from "./imports.ts";
import { loadLedgerRows } from "./store.ts";

const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,note";
const A = [
  HEADER,
  "a1,2025-01-01T00:00:00Z,buy,kraken:main,,,ETH,1.50,3000.10,USD,,1.5,,first\\tnote",
  "a2,2025-02-01T12:30:00+02:00,transfer,kraken:main,ETH,0.5,,,,ETH,0.001,2,ethereum:0xabc,",
  "a3,2025-03-01T00:00:00Z,sell,kraken:main,ETH,0.25,,,900,,,,,",
].join("\n");

describe.each(DATABASE_KINDS)("importLedgerRows on %s", (kind) => {
  test("stores the rows, re-imports idempotently, reports a clashing id and stores nothing then", async () => {
    const database = await createTestDatabase(kind);
    try {
      const db = database.db;
      const userId = await ensureUser(db, "imports");
      const rows = parseLedgerCsv(A, "a.csv");
      expect(await importLedgerRows(db, { userId, name: "kraken", rows, file: "a.csv" })).toEqual({
        inserted: 3,
        replaced: 0,
        added: 3,
        changed: 0,
        unchanged: 0,
        removed: 0,
      });
      const stored = await loadLedgerRows(db, userId);
      expect(
        stored.map((r) => [r.id, r.time, r.type, r.outQuantity, r.inQuantity, r.usdValue, r.feeUsd, r.note]),
      ).toEqual([
        ["a1", "2025-01-01T00:00:00Z", "buy", undefined, "1.50", "3000.10", "1.5", "first\\tnote"],
        ["a2", "2025-02-01T10:30:00Z", "transfer", "0.5", undefined, undefined, "2", undefined],
        ["a3", "2025-03-01T00:00:00Z", "sell", "0.25", undefined, "900", undefined, undefined],
      ]);
      expect(
        stored.every((r) => r.origin === "import:kraken" && r.priceSources.usd_value === "import:kraken"),
      ).toBe(true);
      // A state row so marks are visible (a never-built ledger is not marked).
      await db.insert(ledgerState).values({ userId, inputsHash: "test" }).onConflictDoNothing();
      const dirty = async () =>
        (await db.select().from(ledgerState).where(eq(ledgerState.userId, userId)))[0]?.dirtyFrom ?? null;
      expect(await importLedgerRows(db, { userId, name: "kraken", rows, file: "a.csv" })).toEqual({
        inserted: 3,
        replaced: 3,
        added: 0,
        changed: 0,
        unchanged: 3,
        removed: 0,
      });
      expect(await dirty()).toBeNull();
      const changed = parseLedgerCsv(A.replace("ETH,0.25", "ETH,0.3"), "a.csv");
      await importLedgerRows(db, { userId, name: "kraken", rows: changed, file: "a.csv", windowHours: 1 });
      expect((await dirty())?.toISOString()).toBe("2025-02-28T23:00:00.000Z");
      // A changed note (rewritten, nothing for the build to redo) and a row left out (removed).
      const fewer = parseLedgerCsv(
        A.replace("first\\tnote", "second note")
          .split("\n")
          .filter((l) => !l.startsWith("a3,"))
          .join("\n"),
        "a.csv",
      );
      expect(await importLedgerRows(db, { userId, name: "kraken", rows: fewer, file: "a.csv" })).toEqual({
        inserted: 2,
        replaced: 3,
        added: 0,
        changed: 1,
        unchanged: 1,
        removed: 1,
      });
      expect((await loadLedgerRows(db, userId)).map((r) => [r.id, r.note, r.outQuantity])).toEqual([
        ["a1", "second note", undefined],
        ["a2", undefined, "0.5"],
      ]);
      await importLedgerRows(db, { userId, name: "kraken", rows: changed, file: "a.csv", windowHours: 1 });
      const clash = parseLedgerCsv(
        [
          HEADER,
          "b1,2025-04-01T00:00:00Z,buy,coinbase:main,,,ETH,1,100,,,,,",
          "a2,2025-04-02T00:00:00Z,buy,coinbase:main,,,ETH,1,100,,,,,",
        ].join("\n"),
        "b.csv",
      );
      const clashed = importLedgerRows(db, { userId, name: "coinbase", rows: clash, file: "b.csv" });
      await expect(clashed).rejects.toThrow("b.csv:3: id: 'a2' is already used by the import 'kraken'");
      // FILE:LINE: column: problem, printed as it is (no `lotwise: ` prefix), as every row error.
      await clashed.catch((e: UserInputError) => expect(e.located).toBe(true));
      expect((await listLedgerImports(db, userId)).map((i) => [i.name, i.rows])).toEqual([["kraken", 3]]);
      expect((await loadLedgerRows(db, userId)).map((r) => r.outQuantity)).toEqual([undefined, "0.5", "0.3"]);
    } finally {
      await database.close();
    }
  });

  test("a file read a batch at a time: the same rows as whole; a bad row after stored batches stores nothing from the file", async () => {
    const database = await createTestDatabase(kind);
    try {
      const db = database.db;
      const userId = await ensureUser(db, "batches");
      const dir = mkdtempSync(path.join(tmpdir(), "lotwise-import-batches-"));
      // More than one read of the file (1 MiB): batches are written before the reader reaches the end.
      const N = 20_000;
      const lines = [HEADER];
      for (let i = 0; i < N; i++)
        lines.push(
          `c${i},${new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString()},buy,coinbase:main,,,ETH,1,${100 + i},,,,,`,
        );
      const good = path.join(dir, "good.csv");
      writeFileSync(good, `${lines.join("\n")}\n`);
      // Batches of 1,000 rows, the seq running on across batches.
      expect(
        await importLedgerRows(db, {
          userId,
          name: "cb",
          rows: readLedgerFileBatches(good, "good.csv", 1000),
          file: "good.csv",
        }),
      ).toEqual({ inserted: N, replaced: 0, added: N, changed: 0, unchanged: 0, removed: 0 });
      const whole = await createTestDatabase(kind);
      try {
        const other = await ensureUser(whole.db, "batches");
        const indexes = () =>
          selectCells(
            whole.db,
            "select indexdef from pg_indexes where schemaname = 'lotwise_app' and tablename = 'ledger_rows' order by indexname",
          );
        const before = await indexes();
        // One batch of 20,000 rows for a user with none: on PGlite the table's indexes are built
        // after the rows are in (db/deferred-indexes.ts), the same ones.
        await importLedgerRows(whole.db, {
          userId: other,
          name: "cb",
          rows: await readLedgerFile(good),
          file: "good.csv",
        });
        expect(await indexes()).toEqual(before);
        expect(before).toHaveLength(4);
        const cells = (r: Awaited<ReturnType<typeof loadLedgerRows>>[number]) => [
          r.id,
          r.time,
          r.usdValue,
          r.origin,
        ];
        expect((await loadLedgerRows(db, userId)).map(cells)).toEqual(
          (await loadLedgerRows(whole.db, other)).map(cells),
        );
      } finally {
        await whole.close();
      }
      // Line N − 10 is bad and line N − 5 names a lot that does not exist: the batches before them
      // were written (and the earlier import's rows replaced: the file's usd values differ).
      const badLines = [
        HEADER.replace(",note", ",lots"),
        ...lines.slice(1).map((l) => l.replace(/,1,(\d+),/, ",1,$1.5,")),
      ];
      badLines[N - 11] = badLines[N - 11]!.replace(",ETH,1,", ",ETH,-1,");
      badLines[N - 6] =
        `c${N - 7},${new Date(Date.UTC(2025, 0, 1) + (N - 7) * 60_000).toISOString()},sell,coinbase:main,ETH,1,,,122,,,,,nolot:1`;
      const bad = path.join(dir, "bad.csv");
      writeFileSync(bad, `${badLines.join("\n")}\n`);
      let handed = 0;
      const failed = importLedgerRows(db, {
        userId,
        name: "cb",
        rows: (onBatch) =>
          readLedgerFileBatches(
            bad,
            "bad.csv",
            1000,
          )(async (rows) => {
            handed += rows.length;
            await onBatch(rows);
          }),
        file: "bad.csv",
      });
      await expect(failed).rejects.toThrow(`bad.csv:${N - 10}: in_quantity: "-1" is negative`);
      await failed.catch((e: UserInputError) =>
        expect(e.meta).toEqual([
          expect.stringMatching(new RegExp(`^bad\\.csv:${N - 5}: lots: no lot "nolot" in the ledger`)),
        ]),
      );
      expect(handed).toBeGreaterThanOrEqual(10_000);
      // The earlier import stands as it was.
      expect((await loadLedgerRows(db, userId)).map((r) => r.usdValue)).toEqual(
        Array.from({ length: N }, (_, i) => String(100 + i)),
      );
    } finally {
      await database.close();
    }
  });
});

describe.each(DATABASE_KINDS)("a re-import of a file read in parts, on %s", (kind) => {
  test("compared as the parts come: the changes of a late part are found, the rows are those of a whole-file import; a clash in a late part names its line", async () => {
    const database = await createTestDatabase(kind);
    const whole = await createTestDatabase(kind);
    try {
      const dir = mkdtempSync(path.join(tmpdir(), "lotwise-import-reads-"));
      const N = 3000;
      const line = (i: number, usd = `${100 + i}`) =>
        `d${i},${new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString()},buy,coinbase:main,,,ETH,1,${usd},,,,,`;
      const write = (name: string, body: string[]) => {
        writeFileSync(path.join(dir, name), `${[HEADER, ...body].join("\n")}\n`);
        return path.join(dir, name);
      };
      const first = write(
        "first.csv",
        Array.from({ length: N }, (_, i) => line(i)),
      );
      // Rows 1,395-1,404 changed, row 2,950 too (some 50 parts after the first), the last row
      // left out and a new one in its place.
      const changed = (i: number) => i === 2950 || (i >= 1395 && i < 1405);
      const body = Array.from({ length: N - 1 }, (_, i) => line(i, changed(i) ? "7.5" : undefined));
      body.push(line(N + 5));
      const again = write("again.csv", body);
      /** `file` as `ledger import` reads it without the thread: in parts (of 4 KiB here). */
      const asCli = (file: string) => ({
        thread: undefined,
        batches: readLedgerFileBatches(file, path.basename(file), undefined, undefined, 4096),
      });
      const userId = await ensureUser(database.db, "reads");
      const other = await ensureUser(whole.db, "reads");
      await importLedgerRows(database.db, { userId, name: "cb", rows: asCli(first), file: "first.csv" });
      await importLedgerRows(whole.db, {
        userId: other,
        name: "cb",
        rows: await readLedgerFile(first),
        file: "first.csv",
      });
      // State rows so marks are visible (a never-built ledger is not marked).
      await database.db.insert(ledgerState).values({ userId, inputsHash: "test" });
      await whole.db.insert(ledgerState).values({ userId: other, inputsHash: "test" });
      const result = await importLedgerRows(database.db, {
        userId,
        name: "cb",
        rows: asCli(again),
        file: "again.csv",
        windowHours: 1,
      });
      expect(result).toEqual({
        inserted: N,
        replaced: N,
        added: 1,
        changed: 11,
        unchanged: N - 12,
        removed: 1,
        span: expect.anything(),
      });
      expect(
        await importLedgerRows(whole.db, {
          userId: other,
          name: "cb",
          rows: await readLedgerFile(again),
          file: "again.csv",
          windowHours: 1,
        }),
      ).toEqual({ ...result, span: undefined });
      const stored = async (d: typeof database.db, user: number) =>
        selectCells(
          d,
          `select * from lotwise_app.ledger_rows where user_id = ${user} and origin = 'import:cb' order by seq`,
        );
      expect(await stored(database.db, userId)).toEqual(await stored(whole.db, other));
      expect(
        (await stored(database.db, userId)).flatMap((r, i) => (r[/* usd_value */ 11] === "7.5" ? [i] : [])),
      ).toEqual([1395, 1396, 1397, 1398, 1399, 1400, 1401, 1402, 1403, 1404, 2950]);
      const dirtyFrom = async (d: typeof database.db, user: number) =>
        (await d.select().from(ledgerState).where(eq(ledgerState.userId, user)))[0]?.dirtyFrom;
      // The earliest change: the row left out (2,999 minutes in) less the hour's window (a changed
      // value leaves the row where it was: nothing earlier to rebuild).
      expect((await dirtyFrom(database.db, userId))?.toISOString()).toBe("2025-01-03T00:59:00.000Z");
      expect(await dirtyFrom(database.db, userId)).toEqual(await dirtyFrom(whole.db, other));
      // An id another import holds, in a late part: the error names its line, nothing is stored.
      await importLedgerRows(database.db, {
        userId,
        name: "other",
        rows: parseLedgerCsv([HEADER, line(90_000).replace("d90000", "x1")].join("\n"), "x.csv"),
        file: "x.csv",
      });
      const clashing = write(
        "clash.csv",
        body.map((l, i) => (i === 2500 ? l.replace(/^d\d+,/, "x1,") : l)),
      );
      const clashed = importLedgerRows(database.db, {
        userId,
        name: "cb",
        rows: asCli(clashing),
        file: "clash.csv",
      });
      await expect(clashed).rejects.toThrow("clash.csv:2502: id: 'x1' is already used by the import 'other'");
      expect(await stored(database.db, userId)).toEqual(await stored(whole.db, other));
    } finally {
      await database.close();
      await whole.close();
    }
  });
});

describe.each(DATABASE_KINDS)("a lots cell naming the stored ledger's lots, on %s", (kind) => {
  test("a file may name a lot another import holds (a harvest plan's sale); an unknown lot fails and stores nothing", async () => {
    const database = await createTestDatabase(kind);
    try {
      const db = database.db;
      const userId = await ensureUser(db, "external-lots");
      const H = `${HEADER},lots`;
      const buys = [
        H,
        "e1,2025-02-01T12:00:00Z,buy,w1,,,ETH,10,30000,,,,,,",
        "e2,2025-03-01T12:00:00Z,buy,w1,,,ETH,1,100,,,,,,",
      ].join("\n");
      await importLedgerRows(db, {
        userId,
        name: "mine",
        rows: parseLedgerCsv(buys, "mine.csv"),
        file: "mine.csv",
      });

      // The plan's sale, in its own file: e1 is not in it.
      const sale = [H, "harvest-1,2025-12-20T23:59:59.999Z,sell,w1,ETH,10,,,23000,,,,,,e1:10"].join("\n");
      const externalLots: ExternalLotReference[] = [];
      const rows = parseLedgerCsv(sale, "plan.csv", externalLots);
      expect(externalLots).toEqual([{ line: 2, lotId: "e1" }]);
      await importLedgerRows(db, { userId, name: "plan", rows, file: "plan.csv", externalLots });
      expect((await loadLedgerRows(db, userId)).map((r) => [r.id, r.lots])).toEqual([
        ["e1", undefined],
        ["e2", undefined],
        ["harvest-1", "e1:10"],
      ]);

      // An unknown lot, and a row that exists but creates no lot (a sale), are errors naming the line.
      const bad = [
        H,
        "h2,2025-12-21T00:00:00Z,sell,w1,ETH,1,,,2300,,,,,,e9:1",
        "h3,2025-12-21T00:00:01Z,sell,w1,ETH,1,,,2300,,,,,,harvest-1:1",
        "h4,2025-12-21T00:00:02Z,sell,w1,ETH,1,,,2300,,,,,,e2:1",
      ].join("\n");
      const badRefs: ExternalLotReference[] = [];
      const badRows = parseLedgerCsv(bad, "bad.csv", badRefs);
      const failed = importLedgerRows(db, {
        userId,
        name: "bad",
        rows: badRows,
        file: "bad.csv",
        externalLots: badRefs,
      });
      await expect(failed).rejects.toThrow('bad.csv:2: lots: no lot "e9" in the ledger');
      await failed.catch((e: UserInputError) =>
        expect(e.meta).toEqual(['bad.csv:3: lots: no lot "harvest-1" in the ledger']),
      );
      expect((await loadLedgerRows(db, userId)).map((r) => r.id)).toEqual(["e1", "e2", "harvest-1"]);

      // Without `external` the reader still requires the file's own lots.
      expect(() => parseLedgerCsv(sale, "plan.csv")).toThrow('plan.csv:2: lots: no lot "e1" in the ledger');
    } finally {
      await database.close();
    }
  });
});
