import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { UserInputError } from "../errors.ts";
import type { Bytes } from "../utils/bytes.ts";
import {
  parseLedgerCsv,
  type RawLedgerRecord,
  readLedgerFile,
  readLedgerFileBatches,
  streamLedgerBytes,
  streamLedgerChunks,
  streamLedgerFile,
} from "./read.ts";
import type { LedgerRow } from "./types.ts";

const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots";
const ledger = (...rows: string[]) => [HEADER, ...rows].join("\n");

const B1 = "b1,2024-01-31T10:00:00Z,buy,cb:main,,,ETH,2,4000,USD,,10,,";

const errorOf = (text: string): UserInputError => {
  try {
    parseLedgerCsv(text, "l.csv");
  } catch (e) {
    if (e instanceof UserInputError) return e;
    throw e;
  }
  throw new Error("expected an error");
};

describe("parseLedgerCsv()", () => {
  test("reads rows into LedgerRow with absent cells undefined and the source line", () => {
    const rows = parseLedgerCsv(
      ledger(B1, "s1,2025-02-01T10:00:00+01:00,sell,cb:main,ETH,0.5,,,1500,,,,,b1:0.5"),
      "l.csv",
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      id: "b1",
      time: "2024-01-31T10:00:00Z",
      type: "buy",
      wallet: "cb:main",
      inAsset: "ETH",
      inQuantity: "2",
      usdValue: "4000",
      feeAsset: "USD",
      feeUsd: "10",
      line: 2,
    });
    expect(rows[0]!.outAsset).toBeUndefined();
    expect(rows[0]!.feeQuantity).toBeUndefined();
    expect(rows[1]).toMatchObject({ type: "sell", outQuantity: "0.5", lots: "b1:0.5", line: 3 });
  });

  test("columns may come in any order and subset; x_ columns are ignored but kept as extra", () => {
    const rows = parseLedgerCsv(
      "wallet,x_source,type,time,id,in_asset,in_quantity,usd_value\nw,exchange,buy,2024-01-01T00:00:00Z,a,BTC,1,100\n",
    );
    expect(rows[0]).toMatchObject({ id: "a", wallet: "w", inAsset: "BTC", extra: { x_source: "exchange" } });
  });

  test("line numbers count lines inside quoted cells", () => {
    const rows = parseLedgerCsv(
      "id,time,type,wallet,in_asset,in_quantity,usd_value,note\n" +
        'a,2024-01-01T00:00:00Z,buy,w,BTC,1,100,"two\nlines"\n' +
        "b,2024-01-02T00:00:00Z,buy,w,BTC,1,100,\n",
    );
    expect(rows.map((r) => r.line)).toEqual([2, 4]);
    expect(rows[0]!.note).toBe("two\nlines");
  });

  // Every malformed kind stops with `FILE:LINE: column: what is wrong`.
  test.each([
    ["unknown column", "id,time,type,wallet,amount\n", "l.csv:1: amount: unknown column"],
    [
      "column in upper case",
      "ID,time,type,wallet\n",
      "l.csv:1: ID: unknown column (column names are lowercase)",
    ],
    ["duplicate column", "id,time,type,wallet,id\n", "l.csv:1: id: duplicate column"],
    ["missing required column", "id,time,type\n", "l.csv:1: wallet: missing column"],
    [
      "unknown type",
      ledger("a,2024-01-01T00:00:00Z,trade,w,,,BTC,1,100,,,,,"),
      'l.csv:2: type: unknown type "trade"',
    ],
    [
      "bad decimal",
      ledger('a,2024-01-01T00:00:00Z,buy,w,,,BTC,1,"1,000",,,,,'),
      'l.csv:2: usd_value: "1,000" has a thousands separator',
    ],
    [
      "exponent",
      ledger("a,2024-01-01T00:00:00Z,buy,w,,,BTC,1e3,100,,,,,"),
      'l.csv:2: in_quantity: "1e3" has an exponent',
    ],
    [
      "negative amount",
      ledger("a,2024-01-01T00:00:00Z,sell,w,BTC,-1,,,100,,,,,"),
      'l.csv:2: out_quantity: "-1" is negative',
    ],
    [
      "zero quantity",
      ledger("a,2024-01-01T00:00:00Z,buy,w,,,BTC,0.000,100,,,,,"),
      'l.csv:2: in_quantity: "0.000" must be greater than zero',
    ],
    [
      "missing required cell",
      ledger("a,2024-01-01T00:00:00Z,sell,w,BTC,1,,,,,,,,"),
      "l.csv:2: usd_value: required for a sell row",
    ],
    ["missing id", ledger(",2024-01-01T00:00:00Z,buy,w,,,BTC,1,100,,,,,"), "l.csv:2: id: required"],
    [
      "cell a type cannot use",
      ledger("a,2024-01-01T00:00:00Z,sell,w,BTC,1,ETH,2,100,,,,,"),
      "l.csv:2: in_asset: not allowed on a sell row",
    ],
    [
      "transfer without destination",
      ledger("a,2024-01-01T00:00:00Z,transfer,w,BTC,1,,,,,,,,"),
      "l.csv:2: to_wallet: required for a transfer row",
    ],
    [
      "fee quantity without asset",
      ledger("a,2024-01-01T00:00:00Z,buy,w,,,BTC,1,100,,0.1,2,,"),
      "l.csv:2: fee_asset: required when a fee is given",
    ],
    [
      "crypto fee without quantity",
      ledger("a,2024-01-01T00:00:00Z,buy,w,,,BTC,1,100,ETH,,2,,"),
      "l.csv:2: fee_quantity: required for a fee paid in ETH",
    ],
    [
      "time without offset",
      ledger("a,2024-01-01T00:00:00,buy,w,,,BTC,1,100,,,,,"),
      'l.csv:2: time: "2024-01-01T00:00:00" has no UTC offset',
    ],
    [
      "impossible date",
      ledger("a,2023-02-29T00:00:00Z,buy,w,,,BTC,1,100,,,,,"),
      'l.csv:2: time: "2023-02-29T00:00:00Z" is not a calendar date',
    ],
    [
      "duplicate id",
      ledger(B1, "b1,2024-02-01T00:00:00Z,buy,w,,,BTC,1,100,,,,,"),
      'l.csv:3: id: duplicate id "b1" (first on line 2)',
    ],
    [
      "lots naming a missing lot",
      ledger(B1, "s,2024-02-01T00:00:00Z,sell,cb:main,ETH,1,,,100,,,,,zz:1"),
      'l.csv:3: lots: no lot "zz" in the ledger',
    ],
    [
      "malformed lots cell",
      ledger(B1, "s,2024-02-01T00:00:00Z,sell,cb:main,ETH,1,,,100,,,,,b1"),
      'l.csv:3: lots: "b1" is not lotid:qty',
    ],
    [
      "wrong number of cells",
      ledger("a,2024-01-01T00:00:00Z,buy,w"),
      "l.csv:2: row: 4 cells, but the header has 14",
    ],
    [
      "unclosed quote",
      ledger('a,2024-01-01T00:00:00Z,buy,"w,,,BTC,1,100,,,,,'),
      "l.csv:2: wallet: quoted cell is never closed",
    ],
    ["empty file", "", "l.csv:1: row: empty file"],
  ])("%s", (_kind, text, message) => {
    const e = errorOf(text);
    expect(e.exitCode).toBe(2);
    expect(e.message.startsWith(message)).toBe(true);
  });

  test("every problem of the header is reported at once", () => {
    // Before: only the first ("foo: unknown column"); fixing it showed the next, one run each.
    expect(errorOf("id,time,type,foo,bar,Out_Asset,time\n").message).toBe(
      [
        "l.csv:1: foo: unknown column (columns starting with x_ are ignored)",
        "l.csv:1: bar: unknown column (columns starting with x_ are ignored)",
        "l.csv:1: Out_Asset: unknown column (column names are lowercase)",
        "l.csv:1: time: duplicate column",
        "l.csv:1: wallet: missing column",
      ].join("\n"),
    );
  });

  test("every bad row is reported, in file order, up to 10 and then a count", () => {
    const e = errorOf(
      ledger(
        "a,2024-01-01T00:00:00Z,buy,w,,,BTC,x,100,,,,,",
        "b,bad,buy,w,,,BTC,1,100,,,,,",
        "c,2024-01-01T00:00:00Z,sell,w,BTC,1,,,1,,,,,zz:1",
        "d,2023-02-29T00:00:00Z,buy,w,,,BTC,1,100,,,,,",
      ),
    );
    expect(e.message).toBe(
      [
        'l.csv:2: in_quantity: "x" is not a plain decimal number',
        'l.csv:3: time: "bad" is not an ISO 8601 instant such as 2025-03-04T15:20:00Z',
        'l.csv:4: lots: no lot "zz" in the ledger',
        'l.csv:5: time: "2023-02-29T00:00:00Z" is not a calendar date',
      ].join("\n"),
    );
    const many = errorOf(
      ledger(...Array.from({ length: 13 }, (_, i) => `r${i},2024-01-01T00:00:00Z,buy,w,,,BTC,-1,1,,,,,`)),
    );
    const lines = many.message.split("\n");
    expect(lines).toHaveLength(11);
    expect(lines[9]).toBe('l.csv:11: in_quantity: "-1" is negative; amounts are never negative');
    expect(lines[10]).toBe("… and 3 more errors");
  });
});

describe("readLedgerFile() and streamLedgerFile()", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "lotwise-ledger-"));

  test("reads a file in chunks and names it in errors", async () => {
    const file = path.join(dir, "big.csv");
    const lines = [HEADER];
    for (let i = 0; i < 30_000; i++)
      lines.push(`r${i},2024-01-01T00:00:00Z,buy,wallet:${i % 7},,,BTC,0.${i + 1},${i},,,,,`);
    lines.push("bad,2024-01-01T00:00:00Z,buy,w,,,BTC,-1,1,,,,,");
    writeFileSync(file, lines.join("\n"));
    await expect(readLedgerFile(file)).rejects.toThrow(`${file}:30002: in_quantity: "-1" is negative`);
    writeFileSync(file, lines.slice(0, -1).join("\n"));
    const rows = await readLedgerFile(file);
    expect(rows).toHaveLength(30_000);
    expect(rows[29_999]).toMatchObject({ id: "r29999", inQuantity: "0.30000", line: 30_001 });
  });

  test("readLedgerFileBatches() in parts: the same batches, each in parts of the bytes asked, `last` only at a batch's end", async () => {
    const file = path.join(dir, "parts.csv");
    const lines = [HEADER];
    // Some 2.4 MB: three reads of 1 MiB.
    for (let i = 0; i < 40_000; i++)
      lines.push(`p${i},2024-01-01T00:00:00Z,buy,wallet:${i % 7},,,BTC,0.${i + 1},${i},,,,,`);
    writeFileSync(file, lines.join("\n"));
    const whole: string[][] = [];
    await readLedgerFileBatches(
      file,
      file,
      15_000,
    )(async (rows) => {
      whole.push(rows.map((r) => r.id));
    });
    const parts: { ids: string[]; last: boolean | undefined }[] = [];
    const inParts = readLedgerFileBatches(file, file, 15_000, undefined, 64 << 10);
    await inParts(async (rows, last) => {
      parts.push({ ids: rows.map((r) => r.id), last });
    });
    expect(whole.map((b) => b.length).reduce((a, b) => a + b)).toBe(40_000);
    expect(whole.length).toBeGreaterThan(1);
    const batches: string[][] = [[]];
    for (const p of parts) {
      expect(p.last === true || p.last === false).toBe(true);
      batches[batches.length - 1]!.push(...p.ids);
      if (p.last) batches.push([]);
    }
    expect(batches.pop()).toEqual([]);
    expect(batches).toEqual(whole);
    // A part holds the rows of at most 64 KiB of the file (some 1,500 lines of 43 bytes).
    expect(parts.length).toBeGreaterThan(30);
    expect(Math.max(...parts.map((p) => p.ids.length))).toBeLessThan(2_000);
    // The same reader asked for whole batches (a first import): the batches, `last` not given.
    const asked: { ids: string[]; last: boolean | undefined }[] = [];
    await inParts(
      async (rows, last) => {
        asked.push({ ids: rows.map((r) => r.id), last });
      },
      { parts: false },
    );
    expect(asked.map((b) => b.ids)).toEqual(whole);
    expect(asked.every((b) => b.last === undefined)).toBe(true);
    // A bad row: no part is handed once it is read.
    writeFileSync(
      file,
      [...lines.slice(0, 30_000), "bad,2024-01-01T00:00:00Z,buy,w,,,BTC,-1,1,,,,,"].join("\n"),
    );
    let handed = 0;
    await expect(
      readLedgerFileBatches(
        file,
        file,
        15_000,
        undefined,
        64 << 10,
      )(async (rows) => {
        handed += rows.length;
      }),
    ).rejects.toThrow(`${file}:30001: in_quantity: "-1" is negative`);
    expect(handed).toBeLessThan(29_999);
  });

  test("a missing file is a user error", async () => {
    await expect(readLedgerFile(path.join(dir, "nope.csv"))).rejects.toThrow(/nope\.csv: no such file/);
  });

  test("streamLedgerFile() hands out one reused row per record and checks only the structure", async () => {
    const file = path.join(dir, "s.csv");
    writeFileSync(file, ledger(B1, "s1,not-a-time,sell,cb:main,ETH,1,,,1,,,,,"));
    const seen: LedgerRow[] = [];
    const ids: string[] = [];
    await streamLedgerFile(file, (row) => {
      seen.push(row);
      ids.push(row.id);
    });
    expect(ids).toEqual(["b1", "s1"]);
    expect(seen[0]).toBe(seen[1]);
    writeFileSync(file, "id,time,type,wallet,oops\n");
    await expect(streamLedgerFile(file, () => {})).rejects.toThrow(`${file}:1: oops: unknown column`);
  });
});

describe("streamLedgerBytes() and streamLedgerChunks()", () => {
  // What a program without Node.js's types passes for `Bytes` (src/utils/bytes.ts): its declared type there.
  const u8 = (text: string) => new TextEncoder().encode(text) as Uint8Array as Bytes;
  const text = ledger(
    B1,
    "s1,2025-02-01T10:00:00Z,sell,cb:main,ETH,0.5,,,1500,,,,,",
    "é1,2025-03-01T00:00:00Z,buy,cb:main,,,ETH,1,9,,,,,",
  );

  test("read a Uint8Array (not a Buffer) as they read a Buffer: rows and raw records", async () => {
    for (const input of ["buffer", "uint8array"] as const) {
      const ids: string[] = [];
      const raw: string[] = [];
      const onRaw = (r: RawLedgerRecord) => {
        raw.push(r.buf.toString("utf8", r.starts[0]!, r.ends[0]!));
        return false;
      };
      const bytes = input === "buffer" ? Buffer.from(text) : u8(text);
      await streamLedgerBytes(bytes, (row) => ids.push(row.id), { source: "l.csv", onRaw });
      expect(ids, input).toEqual(["b1", "s1", "é1"]);
      expect(raw, input).toEqual(["b1", "s1"]); // non-ASCII takes the record path
      ids.length = 0;
      // Split inside the two-byte "é".
      const at = text.indexOf("é") + 1;
      const whole = input === "buffer" ? Buffer.from(text) : u8(text);
      await streamLedgerChunks([whole.subarray(0, at), whole.subarray(at)], (row) => ids.push(row.id), {
        source: "l.csv",
      });
      expect(ids, input).toEqual(["b1", "s1", "é1"]);
    }
  });
});

describe("raw records (`onRaw`)", () => {
  /** Each raw record's cells as text, found from its `starts` and `ends`. */
  const rawCells = async (text: string) => {
    const seen: string[][] = [];
    const rows: string[] = [];
    const onRaw = (r: RawLedgerRecord) => {
      seen.push(Array.from(r.starts, (s, i) => r.buf.toString("latin1", s, r.ends[i]!)));
      return true;
    };
    await streamLedgerBytes(Buffer.from(text), (row) => rows.push(row.id), { source: "l.csv", onRaw });
    return { seen, rows };
  };

  test("cut at every comma wherever it falls in the line (commas are found eight bytes at a time)", async () => {
    // Cells of 0-6 bytes in turn put the commas at every offset modulo 4, next to each other and
    // at the line's last bytes; a cell starting with "-" (0x2d) right after a comma is a byte the
    // many-at-a-time test may flag without being a comma.
    const lines: string[][] = [];
    for (let shift = 0; shift < 8; shift++) {
      const cells = Array.from({ length: 14 }, (_, i) => "-x.-9ab".slice(0, (i + shift) % 7));
      cells[0] = `r${shift}`;
      lines.push(cells);
    }
    lines.push(["r8", "-", "-", "--", "", "", "", "", "", "", "", "", "", ""]);
    // (A last line without a line break is not offered raw.)
    const { seen, rows } = await rawCells(`${ledger(...lines.map((c) => c.join(",")))}\n`);
    expect(seen).toEqual(lines);
    expect(rows).toEqual([]);
  });

  test("a line with a cell too many or too few takes the record path and its error", async () => {
    const extra = `${B1},x`;
    await expect(rawCells(ledger(B1, extra))).rejects.toThrow(
      "l.csv:3: row: 15 cells, but the header has 14",
    );
    const short = B1.slice(0, B1.lastIndexOf(","));
    await expect(rawCells(ledger(short))).rejects.toThrow("l.csv:2: row: 13 cells, but the header has 14");
    // Commas only: one too many in the last four bytes, and in the first.
    await expect(rawCells(ledger(",".repeat(14)))).rejects.toThrow(
      "l.csv:2: row: 15 cells, but the header has 14",
    );
  });
});
