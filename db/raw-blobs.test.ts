import { deflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, DATABASE_KINDS } from "../test/services.ts";
import type { Database } from "./client.ts";
import { selectCells } from "./copy.ts";
import { BROTLI_MARK, packedJsonSql, packJsonText, unpackJsonCell, unpackJsonText } from "./packed-json.ts";
import {
  blobPartText,
  blobReference,
  packBlob,
  packedCellReader,
  REF_MARK,
  unpackBlob,
} from "./raw-blobs.ts";

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
    // A reference to a blob that is not stored fails loudly, naming it.
    const missing = await packedCellReader(database.db, ["@nope:0:2"]);
    expect(() => missing("@nope:0:2")).toThrow(/blob nope is not stored/);
  });
});
