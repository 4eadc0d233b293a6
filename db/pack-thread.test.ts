import { describe, expect, test } from "vitest";
import { packJsonTexts } from "./pack-thread.ts";
import { BROTLI_MARK, PACK_MIN_CHARS, packJsonText, unpackJsonText } from "./packed-json.ts";

const tx = (signature: string, pad: number) => ({
  slot: 7,
  transaction: { signatures: [signature, "other"], message: { accountKeys: [] } },
  meta: { logMessages: Array.from({ length: pad }, (_, i) => `log ${i} "quoted" ✓`) },
});

describe("pack thread", () => {
  test("packs texts exactly as packJsonText does, short ones plain and long ones compressed", async () => {
    const texts = [
      "{}",
      JSON.stringify(tx("a", 300)),
      "",
      JSON.stringify({ u: "ünï\t\\" }),
      // Surrogate pairs on both sides of a boundary between texts (they travel joined).
      JSON.stringify({ e: "😀".repeat(1200) }),
      '"😀"',
    ];
    expect(texts[1]!.length).toBeGreaterThanOrEqual(PACK_MIN_CHARS);
    expect(texts[4]!.length).toBeGreaterThanOrEqual(PACK_MIN_CHARS);
    const packed = await packJsonTexts(texts);
    expect(packed).toEqual(texts.map(packJsonText));
    expect(packed[1]![0]).toBe(BROTLI_MARK);
    expect(packed.map(unpackJsonText)).toEqual(texts);
  });
});
