import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, DATABASE_KINDS } from "../test/services.ts";
import type { BulkColumns } from "./bulk.ts";
import type { Database } from "./client.ts";
import { copyRows } from "./copy.ts";
import { type BinaryColumns, copyBinaryRows } from "./copy-binary.ts";

const TEXT: BulkColumns = {
  n: "integer",
  t: "text",
  q: "numeric",
  b: "boolean",
  at: "timestamptz",
  j: "jsonb",
};
const BINARY: BinaryColumns = { ...TEXT } as BinaryColumns;

/** Values of every column type the binary format takes besides bytea, nulls and edge values. */
const ROWS = [
  {
    n: 1,
    t: "plain",
    q: 12345678901234567890n,
    b: true,
    at: new Date("2025-03-04T05:06:07.123Z"),
    j: { a: "x\ty", n: "1" },
  },
  { n: 2, t: "ünïcødé ✓ \\N", q: -10000n, b: false, at: new Date("1999-12-31T23:59:59.999Z"), j: [] },
  { n: 3, t: null, q: null, b: null, at: null, j: null },
  { n: -4, t: "", q: 0n, b: true, at: new Date("2000-01-01T00:00:00.000Z"), j: "a string" },
  { n: 5, t: "x", q: "-7", b: false, at: new Date(0), j: { nested: { k: [1, "\\", "é"] } } },
];

const read = async (database: Database, table: string) =>
  (
    (await database.db.execute(
      sql.raw(
        `select n, t, q::text as q, b, to_char(at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as at, j::text as j from ${table} order by n`,
      ),
    )) as unknown as { rows: unknown[] }
  ).rows;

describe.each(DATABASE_KINDS)("binary COPY on %s", (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    for (const t of ["copy_bin", "copy_txt"])
      await database.db.execute(
        sql.raw(`create table ${t} (n integer, t text, q numeric, b boolean, at timestamptz, j jsonb)`),
      );
    await database.db.execute(sql.raw("create table copy_bytes (n integer, d bytea, t text)"));
  });
  afterAll(async () => {
    await database?.close();
  });

  test("booleans, timestamps and jsonb are stored exactly as the text format stores them", async () => {
    await database.db.transaction(async (tx) => {
      expect(await copyBinaryRows(tx, "copy_bin", BINARY, ROWS)).toBe(true);
    });
    expect(await copyRows(database.db, "copy_txt", TEXT, ROWS)).toBe(true);
    const binary = await read(database, "copy_bin");
    expect(binary).toHaveLength(5);
    expect(binary).toEqual(await read(database, "copy_txt"));
    // Ordered by n: -4, 1, 2, 3, 5.
    expect(binary[0]).toMatchObject({ at: "2000-01-01 00:00:00.000000", b: true, q: "0" });
    expect(binary[1]).toMatchObject({ at: "2025-03-04 05:06:07.123000", b: true, q: "12345678901234567890" });
    expect(binary[2]).toMatchObject({ at: "1999-12-31 23:59:59.999000", b: false, q: "-10000" });
  });

  test("bytea cells of every size, large ones handed over as they are, keep their bytes and row order", async () => {
    const bytes = (n: number, seed: number) =>
      Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256);
    // Small and large cells (64 kB and more go as their own pieces), next to each other and to
    // text cells, first and last in a row, and an empty one.
    const rows = [
      { n: 1, d: bytes(70_000, 1), t: "after a large cell" },
      { n: 2, d: bytes(10, 2), t: "small" },
      { n: 3, d: bytes(65_536, 3), t: null },
      { n: 4, d: bytes(200_000, 4), t: "é" },
      { n: 5, d: new Uint8Array(0), t: "" },
      { n: 6, d: null, t: "last" },
      { n: 7, d: bytes(65_535, 7), t: "just under" },
    ];
    expect(
      await copyBinaryRows(database.db, "copy_bytes", { n: "integer", d: "bytea", t: "text" }, rows),
    ).toBe(true);
    const got = (
      (await database.db.execute(
        sql.raw("select n, encode(d, 'hex') as d, t from copy_bytes order by n"),
      )) as unknown as { rows: { n: number; d: string | null; t: string | null }[] }
    ).rows;
    expect(got).toEqual(
      rows.map((r) => ({ n: r.n, d: r.d === null ? null : Buffer.from(r.d).toString("hex"), t: r.t })),
    );
  });

  test("a timestamp cell that is not a valid Date is refused before anything is sent", async () => {
    await expect(
      copyBinaryRows(database.db, "copy_bin", BINARY, [{ n: 9, at: new Date(Number.NaN) }]),
    ).rejects.toThrow(/timestamptz/);
    await expect(
      copyBinaryRows(database.db, "copy_bin", BINARY, [{ n: 9, at: "2025-01-01T00:00:00Z" }]),
    ).rejects.toThrow(/timestamptz/);
  });
});
