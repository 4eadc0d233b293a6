import { encodeAbiParameters, stringToHex } from "viem";
import { describe, expect, test } from "vitest";
import { decodeDecimals, decodeTextResult } from "./tokens.ts";

describe("decodeTextResult()", () => {
  test("ABI strings", () => {
    expect(decodeTextResult(encodeAbiParameters([{ type: "string" }], ["USDC"]))).toBe("USDC");
    expect(decodeTextResult(encodeAbiParameters([{ type: "string" }], ["  Wrapped Ether\n"]))).toBe(
      "Wrapped Ether",
    );
  });

  test("bytes32 symbols (MKR, SAI) with zero padding", () => {
    expect(decodeTextResult(stringToHex("MKR", { size: 32 }))).toBe("MKR");
    expect(decodeTextResult(stringToHex("Maker", { size: 32 }))).toBe("Maker");
  });

  test("empty, zero, truncated or non-UTF-8 answers decode to nothing", () => {
    expect(decodeTextResult("0x")).toBeUndefined();
    expect(decodeTextResult(`0x${"00".repeat(32)}`)).toBeUndefined();
    expect(decodeTextResult("0x1234")).toBeUndefined();
    expect(decodeTextResult(`0x${"ff".repeat(32)}`)).toBeUndefined();
  });

  test("spam-length names are cut to 64 characters", () => {
    const long = `visit https://${"x".repeat(200)}.example to claim`;
    expect(decodeTextResult(encodeAbiParameters([{ type: "string" }], [long]))).toHaveLength(64);
  });
});

describe("decodeDecimals()", () => {
  test("uint8 range only", () => {
    expect(decodeDecimals(`0x${"0".repeat(62)}12`)).toBe(18);
    expect(decodeDecimals(`0x${"0".repeat(62)}00`)).toBe(0);
    expect(decodeDecimals(`0x${"0".repeat(61)}100`)).toBeUndefined();
    expect(decodeDecimals("0x")).toBeUndefined();
  });
});
