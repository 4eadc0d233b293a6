import { describe, expect, test } from "vitest";
import { packJsonTexts, tapJsonRpcAnswers } from "./pack-thread.ts";
import { PACK_MIN_CHARS, packJsonText, unpackJsonText } from "./packed-json.ts";

const tx = (signature: string, pad: number) => ({
  slot: 7,
  transaction: { signatures: [signature, "other"], message: { accountKeys: [] } },
  meta: { logMessages: Array.from({ length: pad }, (_, i) => `log ${i} "quoted" ✓`) },
});

describe("pack thread", () => {
  test("packs texts exactly as packJsonText does, short ones plain and long ones compressed", async () => {
    const texts = ["{}", JSON.stringify(tx("a", 300)), "", JSON.stringify({ u: "ünï\t\\" })];
    expect(texts[1]!.length).toBeGreaterThanOrEqual(PACK_MIN_CHARS);
    const packed = await packJsonTexts(texts);
    expect(packed).toEqual(texts.map(packJsonText));
    expect(packed[1]![0]).toBe(0x78);
    expect(packed.map(unpackJsonText)).toEqual(texts);
  });

  test("a tapped answer body is packed on the thread by key; keys it lacks are packed from their text", async () => {
    const a = tx("sigA", 300);
    const b = tx("sigB", 2);
    const c = tx("sigC", 5);
    // As a node sends a batch: other whitespace than JSON.stringify's, an error, a null result.
    const body = `[ {"jsonrpc":"2.0","id":1,"result": ${JSON.stringify(a, null, 2)}},
      {"jsonrpc":"2.0","id":2,"result":${JSON.stringify(b)}},
      {"jsonrpc":"2.0","id":3,"error":{"code":-32005,"message":"busy"}},
      {"jsonrpc":"2.0","id":4,"result":null} ]`;
    tapJsonRpcAnswers("solanaTx", new TextEncoder().encode(body).buffer as ArrayBuffer);
    tapJsonRpcAnswers("solanaTx", new TextEncoder().encode("not json").buffer as ArrayBuffer);
    const asked: string[] = [];
    const item = (key: string, value: unknown) => ({
      key,
      text: () => {
        asked.push(key);
        return JSON.stringify(value);
      },
    });
    const packed = await packJsonTexts([item("sigA", a), item("sigB", b), item("sigC", c), "[1]"]);
    expect(packed).toEqual([a, b, c, [1]].map((v) => packJsonText(JSON.stringify(v))));
    // Only the untapped answer was serialized here; a tapped one is taken once.
    expect(asked).toEqual(["sigC"]);
    await packJsonTexts([item("sigA", a)]);
    expect(asked).toEqual(["sigC", "sigA"]);
  });
});
