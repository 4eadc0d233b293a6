import { describe, expect, test } from "vitest";
import { UserInputError } from "../src/errors.ts";
import { finalityDepthOf, parseWalletSpec, resolveChain } from "./registry.ts";

const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

describe("parseWalletSpec()", () => {
  test("known chains and evm:<chainId>, addresses checksummed", () => {
    expect(parseWalletSpec(`ethereum:${A.toLowerCase()}`)).toMatchObject({
      address: A,
      key: `ethereum:${A}`,
    });
    expect(parseWalletSpec(`evm:31337:${A}`)).toMatchObject({ key: `evm:31337:${A}` });
    expect(parseWalletSpec(`evm:1:${A}`).chain.id).toBe("ethereum");
    expect(parseWalletSpec(`evm:8453:${A}`).chain).toMatchObject({ id: "base", opStack: true });
  });

  test("evm:<chainId> ids are canonical (no leading zeros), and their native symbol is configurable", () => {
    expect(parseWalletSpec(`evm:031337:${A}`).key).toBe(`evm:31337:${A}`);
    const chain = resolveChain("evm:100", { nativeSymbols: { "evm:100": "XDAI" } });
    expect(chain).toMatchObject({
      id: "evm:100",
      nativeSymbol: "XDAI",
      nativeDecimals: 18,
      finalityDepth: 30,
    });
    expect(resolveChain("evm:31337").nativeSymbol).toBe("ETH");
  });

  test("malformed addresses and wrong checksums are user errors naming the problem", () => {
    const cases: [string, RegExp][] = [
      [
        "ethereum:0x1234",
        /invalid ethereum address '0x1234': expected 0x followed by 40 hexadecimal characters/,
      ],
      [`ethereum:${A.slice(2)}`, /expected 0x followed by 40 hexadecimal characters/],
      [`ethereum:${A.replace("C5", "c5")}`, /mixed-case checksum does not match \(EIP-55\)/],
      [`ethereum:${A.slice(0, -1)}g`, /expected 0x followed by 40 hexadecimal characters/],
      [A, /expected <chain>:<address>/],
      [`ethereum:`, /expected <chain>:<address>/],
      [`evm:0:${A}`, /unknown chain 'evm:0'/],
      [`bitcoin:${A}`, /unknown chain 'bitcoin'/],
    ];
    for (const [spec, message] of cases) {
      const run = () => parseWalletSpec(spec);
      expect(run).toThrow(UserInputError);
      expect(run).toThrow(message);
    }
  });

  test("all-lowercase and all-uppercase addresses carry no checksum and are accepted", () => {
    expect(parseWalletSpec(`evm:31337:${A.toLowerCase()}`).address).toBe(A);
    expect(parseWalletSpec(`evm:31337:0x${A.slice(2).toUpperCase()}`).address).toBe(A);
  });
});

describe("finalityDepthOf()", () => {
  test("the config override wins over the registry default", () => {
    const anvil = resolveChain("evm:31337");
    expect(finalityDepthOf(anvil)).toBe(0);
    expect(finalityDepthOf(anvil, { "evm:31337": 5 })).toBe(5);
    expect(finalityDepthOf(resolveChain("ethereum"), { "evm:31337": 5 })).toBe(65);
  });
});
