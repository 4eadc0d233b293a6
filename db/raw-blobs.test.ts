import { deflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, DATABASE_KINDS } from "../test/services.ts";
import type { Database } from "./client.ts";
import { selectCells } from "./copy.ts";
import {
  BROTLI_MARK,
  packedJsonSql,
  packJsonText,
  REF_MARK,
  unpackJsonCell,
  unpackJsonText,
} from "./packed-json.ts";
import { blobPartText, blobReference, packBlob, packedCellReader, unpackBlob } from "./raw-blobs.ts";

const texts = [
  '{"a":1}',
  JSON.stringify({ s: "ünï ✓ 😀", keys: Array.from({ length: 300 }, (_, i) => i) }),
  "[]",
];
const utf8 = texts.map((t) => Buffer.from(t, "utf8"));

describe("packBlob()", () => {
  test("compresses the texts together; each part reads back as its own text", () => {
    const { blob, ends } = packBlob(utf8);
    expect(blob.bytes[0]).toBe(BROTLI_MARK);
    expect(ends).toEqual([7, 7 + utf8[1]!.byteLength, 9 + utf8[1]!.byteLength]);
    expect(unpackBlob(blob.bytes).toString("utf8")).toBe(texts.join(""));
    expect(
      texts.map((_, k) => blobPartText({ blob, start: k === 0 ? 0 : ends[k - 1]!, end: ends[k]! })),
    ).toEqual(texts);
    // Its own buffer (transferable to another thread), not a slice of a pool.
    expect(blob.bytes.byteOffset).toBe(0);
    expect(blob.bytes.buffer.byteLength).toBe(blob.bytes.byteLength);
  });

  test("a reference is `@id:start:end`, which the single-cell readers refuse", () => {
    const ref = blobReference("b1", 7, 19);
    expect(ref.toString("latin1")).toBe("@b1:7:19");
    expect(ref[0]).toBe(REF_MARK);
    expect(() => unpackJsonText(ref)).toThrow(/packedCellReader/);
    expect(() => unpackJsonCell("@b1:7:19")).toThrow(/packedCellReader/);
  });
});

describe.each(DATABASE_KINDS)("packedCellReader() on %s", (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  test("reads every stored form, fetching each named blob once", async () => {
    const { blob, ends } = packBlob(utf8);
    const hex = Buffer.from(blob.bytes).toString("hex");
    await database.db.execute(
      `insert into lotwise_sync.raw_blobs (id, chain, data) values ('blob-1', 'solana', decode('${hex}', 'hex'))` as never,
    );
    const long = texts[1]!;
    const stored: [string, Buffer][] = [
      ["plain", Buffer.from(texts[0]!, "utf8")],
      ["brotli", packJsonText(long)],
      ["zlib", deflateSync(long)],
      ["part0", blobReference("blob-1", 0, ends[0]!)],
      ["part1", blobReference("blob-1", ends[0]!, ends[1]!)],
      ["part2", blobReference("blob-1", ends[1]!, ends[2]!)],
    ];
    const values = stored.map(([name, bytes]) => `('${name}', decode('${bytes.toString("hex")}', 'hex'))`);
    const rows = await selectCells(
      database.db,
      `select name, ${packedJsonSql("data")} from (values ${values.join(", ")}) as s(name, data) order by name`,
    );
    const read = await packedCellReader(
      database.db,
      rows.map((r) => r[1]),
    );
    expect(Object.fromEntries(rows.map(([name, cell]) => [name, read(cell!)]))).toEqual({
      plain: { a: 1 },
      brotli: JSON.parse(long),
      zlib: JSON.parse(long),
      part0: { a: 1 },
      part1: JSON.parse(long),
      part2: [],
    });
    // Every blob was released once its last listed reference was read.
    expect(read.openBlobs()).toBe(0);
    // A reference to a blob that is not stored fails loudly, naming it.
    const missing = await packedCellReader(database.db, ["@nope:0:2"]);
    expect(() => missing("@nope:0:2")).toThrow(/blob nope is not stored/);
  });

  test("holds a blob decompressed only while references to it remain unread", async () => {
    const a = packBlob(utf8);
    const b = packBlob([utf8[2]!, utf8[0]!]);
    for (const [id, blob] of [
      ["held-a", a.blob],
      ["held-b", b.blob],
    ] as const) {
      const hex = Buffer.from(blob.bytes).toString("hex");
      await database.db.execute(
        `insert into lotwise_sync.raw_blobs (id, chain, data) values ('${id}', 'solana', decode('${hex}', 'hex'))` as never,
      );
    }
    const cell = (id: string, start: number, end: number) => blobReference(id, start, end).toString("latin1");
    const a0 = cell("held-a", 0, a.ends[0]!);
    const a2 = cell("held-a", a.ends[1]!, a.ends[2]!);
    const b0 = cell("held-b", 0, b.ends[0]!);
    const b1 = cell("held-b", b.ends[0]!, b.ends[1]!);
    const read = await packedCellReader(database.db, [a0, a2, b0, b1, '{"plain":true}']);
    expect(read.openBlobs()).toBe(0);
    expect(read(a0)).toEqual({ a: 1 });
    expect(read.openBlobs()).toBe(1);
    expect(read(b0)).toEqual([]);
    expect(read.openBlobs()).toBe(2);
    expect(read(a2)).toEqual([]);
    expect(read.openBlobs()).toBe(1);
    expect(read('{"plain":true}')).toEqual({ plain: true });
    expect(read(b1)).toEqual({ a: 1 });
    expect(read.openBlobs()).toBe(0);
    // Read once more than listed: decompressed again, not held.
    expect(read(a0)).toEqual({ a: 1 });
    expect(read.openBlobs()).toBe(0);
  });
});
