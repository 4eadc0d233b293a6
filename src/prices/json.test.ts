import { describe, expect, test } from "vitest";
import { exactDecimal, exactInteger, parseJsonExact, positivePrice } from "./json.ts";

describe("parseJsonExact()", () => {
  test("keeps every printed digit of numbers a float would round", () => {
    const text = '{"price":2279.94000000000005460000001,"ts":1704067200,"tiny":1.5e-7,"neg":-3}';
    const v = parseJsonExact(text) as Record<string, string>;
    expect(v.price).toBe("2279.94000000000005460000001");
    expect(Number(v.price).toString()).toBe("2279.94"); // what JSON.parse alone would have kept
    expect(v.ts).toBe("1704067200");
    expect(exactDecimal(v.tiny)).toBe("0.00000015");
    expect(exactDecimal(v.neg)).toBe("-3");
  });

  test("leaves digits inside strings (escaped quotes included) alone", () => {
    const v = parseJsonExact('{"a":"x\\"1.5\\" 42","b":[1,{"c":"2"}],"d":true,"e":null}') as Record<
      string,
      unknown
    >;
    expect(v).toEqual({ a: 'x"1.5" 42', b: ["1", { c: "2" }], d: true, e: null });
  });

  test("still rejects malformed JSON", () => {
    expect(() => parseJsonExact('{"a":1 2}')).toThrow(SyntaxError);
    expect(() => parseJsonExact("[01]")).toThrow(SyntaxError);
    expect(() => parseJsonExact("<html>")).toThrow(SyntaxError);
  });

  test("exactInteger() and positivePrice() refuse what is not a timestamp or a price", () => {
    expect(exactInteger("1704067200")).toBe(1704067200);
    expect(exactInteger("1.5")).toBeUndefined();
    expect(exactInteger(1704067200)).toBeUndefined(); // a real JS number never comes out of parseJsonExact
    expect(positivePrice("0")).toBeUndefined();
    expect(positivePrice("-1.2")).toBeUndefined();
    expect(positivePrice("abc")).toBeUndefined();
    expect(positivePrice("1e3")).toBe("1000");
  });
});
