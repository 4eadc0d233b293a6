import { deflateSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import {
  BROTLI_MARK,
  PACK_MIN_CHARS,
  packedJsonSql,
  packJsonBytes,
  packJsonText,
  unpackJsonCell,
  unpackJsonText,
} from "./packed-json.ts";

describe("packJsonBytes()", () => {
  test("packs a text's UTF-8 bytes exactly as packJsonText packs the text", () => {
    const texts = [
      "{}",
      JSON.stringify({ a: "x".repeat(PACK_MIN_CHARS) }),
      // Around the threshold: 1,999 and 2,000 code units of 3 UTF-8 bytes (5,997 and 6,000 bytes).
      JSON.stringify("☃".repeat(PACK_MIN_CHARS - 3)),
      JSON.stringify("☃".repeat(PACK_MIN_CHARS - 2)),
      // 1,001 code units, 2,002 bytes: plain, as the text is short.
      JSON.stringify("ü".repeat(PACK_MIN_CHARS / 2 - 1)),
      // Surrogate pairs: 2 code units, 4 bytes.
      JSON.stringify("𝄞".repeat(PACK_MIN_CHARS / 2)),
    ];
    for (const text of texts) {
      const packed = packJsonBytes(Buffer.from(text, "utf8"));
      expect(Buffer.from(packed).equals(packJsonText(text))).toBe(true);
      expect(unpackJsonText(packed)).toBe(text);
    }
    expect(packJsonBytes(Buffer.from(texts[3]!))[0]).toBe(BROTLI_MARK);
    expect(packJsonBytes(Buffer.from(texts[2]!))[0]).toBe(0x22);
  });

  test("plain bytes are a copy: a slice never keeps its whole body alive", () => {
    const body = Buffer.from(`[{"result":{}}]${" ".repeat(100_000)}`);
    const packed = packJsonBytes(body.subarray(11, 13));
    expect(Buffer.from(packed).toString()).toBe("{}");
    expect(packed.buffer).not.toBe(body.buffer);
  });
});

describe("unpackJsonText()", () => {
  test("reads all three stored forms: Brotli (written now), zlib (written before) and plain", () => {
    const text = JSON.stringify({ keys: Array.from({ length: 300 }, (_, i) => `key ${i} "✓" 😀`) });
    expect(text.length).toBeGreaterThanOrEqual(PACK_MIN_CHARS);
    const brotli = packJsonText(text);
    expect(brotli[0]).toBe(BROTLI_MARK);
    expect(brotli.length).toBeLessThan(Buffer.byteLength(text) / 4);
    const zlib = deflateSync(text, { level: 1 });
    expect(zlib[0]).toBe(0x78);
    for (const stored of [brotli, zlib, Buffer.from(text, "utf8")]) {
      expect(unpackJsonText(stored)).toBe(text);
      // As a cell selected with packedJsonSql: compressed forms come as `z` and their hex.
      expect(
        unpackJsonCell(stored === brotli || stored === zlib ? `z${stored.toString("hex")}` : text),
      ).toEqual(JSON.parse(text));
    }
    expect(packedJsonSql("data")).toContain(`in (${BROTLI_MARK}, ${0x78})`);
  });
});
