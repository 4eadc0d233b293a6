import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, DATABASE_KINDS } from "../test/services.ts";
import { type BulkColumns, bulkInsert } from "./bulk.ts";
import type { Database, DbOrTx } from "./client.ts";
import {
  CellReader,
  copyCell,
  copyLines,
  copyOutCsv,
  copyOutPglite,
  copyRows,
  copyTextCell,
  forEachCells,
  forEachPackedRow,
  forEachRow,
  selectCells,
  selectPacked,
} from "./copy.ts";

const COLUMNS: BulkColumns = {
  n: "integer",
  t: "text",
  q: "numeric",
  b: "boolean",
  at: "timestamptz",
  j: "jsonb",
};

/** Cells COPY's text format must escape, nulls, and values of every column type. */
const ROWS = [
  { n: 1, t: "plain", q: "0.000000000000000001", b: true, at: "2025-03-04T05:06:07.123Z", j: { a: "x\ty" } },
  {
    n: 2,
    t: "tab\there\nnewline\rcr\\backslash \\N",
    q: "-12345678901234567890.5",
    b: false,
    at: null,
    j: [],
  },
  { n: 3, t: null, q: null, b: null, at: new Date("2024-12-31T23:59:59.999Z"), j: null },
  { n: 4, t: "", q: "7", b: true, at: "2025-01-01T00:00:00Z", j: "a string" },
  {
    n: 5,
    t: "ünïcødé ✓ \u0001",
    q: "1e3",
    b: false,
    at: "2025-06-30T12:00:00+02:00",
    j: { nested: { k: [1, "\\"] } },
  },
];

const read = async (database: Database, table: string) =>
  (
    (await database.db.execute(
      sql.raw(
        `select n, t, q::text as q, b, to_char(at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') as at, j::text as j from ${table} order by n`,
      ),
    )) as unknown as { rows: unknown[] }
  ).rows;

describe.each(DATABASE_KINDS)("COPY on %s", (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    for (const t of ["copy_a", "copy_b", "copy_c"])
      await database.db.execute(
        sql.raw(`create table ${t} (n integer, t text, q numeric, b boolean, at timestamptz, j jsonb)`),
      );
  });
  afterAll(async () => {
    await database?.close();
  });

  test("stores exactly what the JSON insert stores, escapes included, in and out of a transaction", async () => {
    expect(await copyRows(database.db, "copy_a", COLUMNS, ROWS.slice(0, 2))).toBe(true);
    await database.db.transaction(async (tx) => {
      expect(await copyRows(tx, "copy_a", COLUMNS, ROWS.slice(2))).toBe(true);
    });
    // The JSON path (what bulkInsert does with an ON CONFLICT clause), one row at a time.
    for (const r of ROWS) await bulkInsert(database.db, "copy_b", COLUMNS, [r], "on conflict do nothing");
    const copied = await read(database, "copy_a");
    expect(copied).toEqual(await read(database, "copy_b"));
    expect(copied).toHaveLength(5);
    expect((copied[1] as { t: string }).t).toBe("tab\there\nnewline\rcr\\backslash \\N");
    expect((copied[2] as { t: string | null }).t).toBeNull();
    expect((copied[3] as { t: string }).t).toBe("");
    expect((copied[0] as { q: string }).q).toBe("0.000000000000000001");
  });

  test("a failing COPY in a transaction rolls it back and reports the server's error", async () => {
    await expect(
      database.db.transaction(async (tx) => {
        await copyRows(tx, "copy_a", COLUMNS, [{ ...ROWS[0]!, n: 10 }]);
        await copyRows(tx, "copy_a", COLUMNS, [{ ...ROWS[0]!, n: 11, q: "not a number" }]);
      }),
    ).rejects.toThrow(/numeric/);
    const ns = (
      (await database.db.execute(sql`select n from copy_a where n >= 10`)) as unknown as {
        rows: unknown[];
      }
    ).rows;
    expect(ns).toEqual([]);
    // The connection is usable afterwards.
    expect(await copyRows(database.db, "copy_a", COLUMNS, [{ ...ROWS[0]!, n: 12 }])).toBe(true);
  });

  test("copyOutCsv hands its bytes to onPiece in order as they arrive: in pieces of about 1 MiB on PostgreSQL, at once on PGlite", async () => {
    // About 3 MiB of CSV: 30,000 rows of 100 characters or more, one multibyte character each.
    const query =
      "select g, repeat('é', 1) || repeat('x', 100) as t from generate_series(1, 30000) g order by g";
    const pieces: Buffer[] = [];
    const all = await database.db.transaction(async (tx) => copyOutCsv(tx, query, (p) => pieces.push(p)));
    expect(all.length).toBeGreaterThan(3_000_000);
    expect(Buffer.concat(pieces).equals(all)).toBe(true);
    expect(all.equals(await copyOutCsv(database.db, query))).toBe(true);
    if (kind === "postgres") {
      expect(pieces.length).toBeGreaterThanOrEqual(3);
      // Each piece but the last holds at least 1 MiB and ends where a row ends.
      for (const p of pieces.slice(0, -1)) {
        expect(p.length).toBeGreaterThanOrEqual(1 << 20);
        expect(p[p.length - 1]).toBe(0x0a);
      }
    } else expect(pieces).toHaveLength(1);
    // An empty result: no piece.
    const none: Buffer[] = [];
    expect((await copyOutCsv(database.db, "select 1 as n where false", (p) => none.push(p))).toString()).toBe(
      "n\n",
    );
    expect(none.length).toBeLessThanOrEqual(1);
  });

  test("COPY TO reads back every text as stored (PGlite; undefined on PostgreSQL)", async () => {
    const out = await copyOutPglite(database.db, "select n, t from copy_b order by n");
    if (kind === "postgres") {
      expect(out).toBeUndefined();
      return;
    }
    expect(out!.map(([n, t]) => [n, copyCell(t!)])).toEqual(ROWS.map((r) => [String(r.n), r.t ?? undefined]));
  });

  test("selectCells reads text cells as PostgreSQL prints them, nulls as null, in and out of a transaction", async () => {
    const query =
      "select n, t, q::text, b, floor(extract(epoch from at) * 1000)::int8, j from copy_b order by n";
    const cells = await selectCells(database.db, query);
    expect(cells.map((c) => [c[0], c[1]])).toEqual(ROWS.map((r) => [String(r.n), r.t]));
    expect(cells[0]).toEqual(["1", "plain", "0.000000000000000001", "t", "1741064767123", '{"a": "x\\ty"}']);
    expect(JSON.parse(cells[0]![5]!)).toEqual({ a: "x\ty" });
    expect(cells[2]!.slice(2)).toEqual([null, null, String(Date.parse("2024-12-31T23:59:59.999Z")), null]);
    expect(JSON.parse(cells[4]![5]!)).toEqual({ nested: { k: [1, "\\"] } });
    await database.db.transaction(async (tx) => {
      expect(await selectCells(tx, query)).toEqual(cells);
    });
  });

  test("selectPacked reads the cells selectCells reads, many packs of rows, separators in cells too", async () => {
    await database.db.execute(sql.raw("create table packed (n integer, t text, q numeric)"));
    // 12,500 rows read: two packs (10,000 rows a pack). Cells with a tab, a newline, a backslash.
    await database.db.execute(
      sql.raw(
        "insert into packed select n, 'row ' || n || E'\\t\\n\\\\ ünï', n / 7.0 from generate_series(1, 25000) n",
      ),
    );
    const columns = [
      "n",
      "t",
      "q::text",
      "floor(extract(epoch from '2025-01-02T03:04:05.678Z'::timestamptz) * 1000)::int8",
    ];
    const from = "from packed where n % 2 = 1";
    const expected = await selectCells(database.db, `select ${columns.join(", ")} ${from} order by n`);
    const byN = (rows: (string | null)[][]) => [...rows].sort((a, b) => Number(a[0]) - Number(b[0]));
    const packed = await selectPacked(database.db, columns, from);
    expect(packed).toHaveLength(12_500);
    expect(byN(packed)).toEqual(expected);
    expect(packed.find((r) => r[0] === "1")).toEqual([
      "1",
      "row 1\t\n\\ ünï",
      "0.14285714285714285714",
      "1735787045678",
    ]);
    await database.db.transaction(async (tx) => {
      expect(byN(await selectPacked(tx, columns, from))).toEqual(expected);
    });
    // Packs cut by an integer column instead of numbered rows: the same rows (25,000 values of n
    // span three packs).
    const byColumn = await selectPacked(database.db, columns, from, "n");
    expect(byColumn).toHaveLength(12_500);
    expect(byN(byColumn)).toEqual(expected);
    // A cell holding a separator (U+001F between cells, U+001E between rows): read again cell by cell.
    await database.db.execute(
      sql.raw("update packed set t = 'a' || chr(31) || 'b' || chr(30) || 'c' where n = 3"),
    );
    const again = byN(await selectPacked(database.db, columns, from));
    expect(again[1]).toEqual(["3", "a\u001fb\u001ec", "0.42857142857142857143", "1735787045678"]);
    expect(again).toHaveLength(12_500);
    expect(byN(await selectPacked(database.db, columns, from, "n"))).toEqual(again);
    // No rows: none.
    expect(await selectPacked(database.db, columns, "from packed where n < 0")).toEqual([]);
  });

  test("selectPacked leaves work_mem as it was, also when its query fails (in and out of a transaction)", async () => {
    const workMem = async (db: DbOrTx) =>
      (await selectCells(db, "select current_setting('work_mem')"))[0]![0];
    const before = await workMem(database.db);
    expect(await selectPacked(database.db, ["n"], "from packed where n < 10", "n")).toHaveLength(9);
    await expect(selectPacked(database.db, ["no_such_column"], "from packed")).rejects.toThrow(
      /no_such_column/,
    );
    expect(await workMem(database.db)).toBe(before);
    await database.db.transaction(async (tx) => {
      await tx.execute(sql.raw("set local work_mem = '5MB'"));
      expect(await selectPacked(tx, ["n"], "from packed where n < 10")).toHaveLength(9);
      expect(await workMem(tx)).toBe("5MB");
      // A failing read in a savepoint: its error, not the setting's, and the setting as it was.
      await expect(
        tx.transaction((sp) => selectPacked(sp, ["no_such_column"], "from packed")),
      ).rejects.toThrow(/no_such_column/);
      expect(await workMem(tx)).toBe("5MB");
    });
  });

  test("forEachCells hands over the cells selectCells reads, in order, also several reads at once and in a transaction", async () => {
    const query =
      "select n, t, q::text, b, floor(extract(epoch from at) * 1000)::int8, j from copy_b order by n";
    const cells = await selectCells(database.db, query);
    const each = async (db: Database["db"] | Parameters<Parameters<Database["db"]["transaction"]>[0]>[0]) => {
      const got: (string | null)[][] = [];
      await forEachCells(db, query, (c) => {
        got.push(c);
      });
      return got;
    };
    expect(await each(database.db)).toEqual(cells);
    // Many rows, some long enough to span several messages, read at once with another read.
    const many = `select g, repeat('ü', g % 5000) || E'\\t' from generate_series(1, 3000) g order by g`;
    const [a, b] = await Promise.all([
      (async () => {
        const got: (string | null)[][] = [];
        await forEachCells(database.db, many, (c) => {
          got.push(c);
        });
        return got;
      })(),
      each(database.db),
    ]);
    expect(a).toEqual(await selectCells(database.db, many));
    expect(a).toHaveLength(3000);
    expect(a[2999]).toEqual(["3000", `${"ü".repeat(3000)}\t`]);
    expect(b).toEqual(cells);
    await database.db.transaction(async (tx) => {
      expect(await each(tx)).toEqual(cells);
    });
  });

  test("forEachRow reads the cells forEachCells hands over, by next and by same", async () => {
    // Nulls, empty text, escapes, the text `\N`, a backslash before an N, and values repeated
    // row after row (what `same` gives back as the previous row's string).
    const query = `select n, t, q::text, b, t as again, j from copy_b
      union all select 10, E'\\N', null, null, E'\\N', '{}'
      union all select 11, null, '1', true, null, '{}'
      union all select 12, 'plain', '', false, E'a\\Nb', '"x"'
      union all select 13, 'plain', '', false, 'plain', '"x"'
      order by 1`;
    const cells = await selectCells(database.db, query);
    expect(cells.length).toBeGreaterThan(8);
    const byNext: (string | null)[][] = [];
    await forEachRow(database.db, query, (r) => {
      byNext.push([r.next(), r.next(), r.next(), r.next(), r.next(), r.next()]);
    });
    expect(byNext).toEqual(cells);
    // `same` with each column's previous value (and with a wrong guess) reads the same cells.
    const prev: (string | null)[] = [null, "plain", "\\N", "t", "", "x"];
    const bySame: (string | null)[][] = [];
    await forEachRow(database.db, query, (r) => {
      const row = prev.map((p, k) => r.same(k === 5 ? "wrong" : p));
      bySame.push(row);
      row.forEach((v, k) => {
        prev[k] = v;
      });
    });
    expect(bySame).toEqual(cells);
    // A repeated value is the previous row's string itself.
    const reader = new CellReader();
    const first = reader.reset("abc\tx").next();
    expect(reader.reset("abc\ty").same(first)).toBe(first);
    expect(reader.reset("\\N\tabc").same("\\N")).toBeNull();
    expect(reader.reset("\\\\N\tabc").same("\\N")).toBe("\\N");
    expect(reader.reset("abcd\t").same("abc")).toBe("abcd");
    expect(reader.next()).toBe("");
  });

  test("forEachPackedRow reads the cells forEachRow reads, in packs, in any order; a cell holding a tab, newline or backslash reads them all row by row", async () => {
    // Nulls, empty text, numerics and booleans, over many packs (12,000 rows, 4 packs).
    await database.db.execute(
      sql.raw(`create table packed_rows as
        select n, case when n % 5 = 0 then null when n % 7 = 0 then '' else 'v ' || n || ' ü' end as t,
               n / 7.0 as q, n % 3 = 0 as b
          from generate_series(1, 12000) n`),
    );
    const columns = ["n", "t", "q", "b"];
    const from = "from packed_rows where n > 2";
    const read = async (db: DbOrTx) => {
      const rows: (string | null)[][] = [];
      await forEachPackedRow(db, columns, from, "n % 4", (r) => {
        rows.push([r.next(), r.next(), r.next(), r.next()]);
      });
      return rows.sort((a, b) => Number(a[0]) - Number(b[0]));
    };
    const plain = () => selectCells(database.db, `select ${columns.join(", ")} ${from} order by n`);
    const expected = await plain();
    expect(expected).toHaveLength(11_998);
    expect(expected.slice(0, 5).map((r) => r[1])).toEqual(["v 3 ü", "v 4 ü", null, "v 6 ü", ""]);
    expect(await read(database.db)).toEqual(expected);
    await database.db.transaction(async (tx) => {
      expect(await read(tx)).toEqual(expected);
    });
    // A cell holding what a packed line cannot carry unescaped: every row read as COPY prints it.
    for (const t of ["a\tb", "a\nb", "back\\slash", "\\N"]) {
      await database.db.execute(sql.raw(`update packed_rows set t = '${t}' where n = 9`));
      const now = await plain();
      expect(now[6]!.slice(0, 2)).toEqual(["9", t]);
      expect(await read(database.db)).toEqual(now);
    }
  });

  test("forEachCells fails with the callback's error and leaves the connection usable", async () => {
    await expect(
      forEachCells(database.db, "select g from generate_series(1, 100) g", (c) => {
        if (c[0] === "50") throw new Error("stop at 50");
      }),
    ).rejects.toThrow("stop at 50");
    await expect(forEachCells(database.db, "select nope from copy_b", () => {})).rejects.toThrow(/nope/);
    expect(await selectCells(database.db, "select 1")).toEqual([["1"]]);
  });

  test("copyLines stores what copyRows stores, given copyTextCell's cells", async () => {
    const names = Object.keys(COLUMNS);
    const lines = ROWS.map((r) =>
      names.map((n) => copyTextCell((r as Record<string, unknown>)[n], COLUMNS[n]!)).join("\t"),
    );
    expect(await copyLines(database.db, "copy_c", names, lines)).toBe(true);
    expect(await read(database, "copy_c")).toEqual(await read(database, "copy_b"));
  });
});
