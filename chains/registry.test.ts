import { describe, expect, test } from "vitest";
import { UserInputError } from "../src/errors.ts";
import { finalityDepthOf, listEvmChains, parseWalletSpec, resolveChain, rpcUrlFor } from "./registry.ts";

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

describe("resolveChain(): any EVM chain viem knows", () => {
  test("evm:<id> gets viem's name, native currency, explorer and Multicall3; testnets are marked", () => {
    expect(resolveChain("evm:56")).toMatchObject({
      id: "evm:56",
      name: "BNB Smart Chain",
      chainId: 56,
      nativeSymbol: "BNB",
      nativeDecimals: 18,
      finalityDepth: 30,
      explorer: { url: "https://bscscan.com" },
      multicall3: { address: "0xcA11bde05977b3631167028862bE2a173976CA11", blockCreated: 15921452 },
    });
    expect(resolveChain("evm:56").testnet).toBeUndefined();
    expect(resolveChain("evm:11155111")).toMatchObject({ name: "Sepolia", testnet: true });
    expect(resolveChain("evm:7777777")).toMatchObject({ name: "Zora", opStack: true });
    expect(resolveChain("evm:31337")).toMatchObject({ local: true, finalityDepth: 0, nativeSymbol: "ETH" });
    expect(resolveChain("evm:31337").multicall3).toBeUndefined();
  });

  test("short names keep their ids and depths and gain viem's facts; names are case-insensitive", () => {
    expect(resolveChain("ethereum")).toMatchObject({
      id: "ethereum",
      chainId: 1,
      finalityDepth: 65,
      multicall3: { address: "0xcA11bde05977b3631167028862bE2a173976CA11" },
      explorer: { url: "https://etherscan.io" },
    });
    expect(resolveChain("Ethereum").id).toBe("ethereum");
    expect(resolveChain("BASE")).toMatchObject({ id: "base", opStack: true });
    expect(resolveChain("EVM:8453").id).toBe("base");
    expect(parseWalletSpec(`EVM:56:${A}`).key).toBe(`evm:56:${A}`);
    // viem's export and display names, any case: the chain is evm:<id>.
    expect(resolveChain("BSC")).toMatchObject({ id: "evm:56", chainId: 56, nativeSymbol: "BNB" });
    expect(resolveChain("bnb smart chain").id).toBe("evm:56");
    expect(resolveChain("Avalanche").chainId).toBe(43114);
    expect(parseWalletSpec(`bsc:${A}`).key).toBe(`evm:56:${A}`);
    expect(() => resolveChain("bitcoin")).toThrow(/unknown chain 'bitcoin'/);
    expect(parseWalletSpec(`Solana:${"9QC3q9XT3Pq81DuM2Lt7yqkCY8uZZEtiNziJgrYp6SLj"}`).chain.id).toBe(
      "solana",
    );
  });

  test("an id viem does not know is a generic EVM chain; rpcUrlFor matches any name of the chain", () => {
    expect(resolveChain("evm:987654321")).toMatchObject({ name: "EVM chain 987654321", nativeSymbol: "ETH" });
    const rpc = { "EVM:56": "http://127.0.0.1:1/bsc", "evm:31337": "http://127.0.0.1:1/anvil" };
    expect(rpcUrlFor(rpc, resolveChain("evm:56"))).toBe("http://127.0.0.1:1/bsc");
    expect(rpcUrlFor(rpc, resolveChain("evm:31337"))).toBe("http://127.0.0.1:1/anvil");
    expect(rpcUrlFor(rpc, resolveChain("ethereum"))).toBeUndefined();
    expect(listEvmChains().length).toBeGreaterThan(500);
    expect(listEvmChains().find((c) => c.chainId === 1)?.id).toBe("ethereum");
  });
});

describe("finalityDepthOf()", () => {
  test("the config override wins over the registry default", () => {
    const anvil = resolveChain("evm:31337");
    expect(finalityDepthOf(anvil)).toBe(0);
    expect(finalityDepthOf(anvil, { "evm:31337": 5 })).toBe(5);
    expect(finalityDepthOf(resolveChain("ethereum"), { "evm:31337": 5 })).toBe(65);
  });
  test("the override may name the chain any way rpc can (evm:10 is optimism)", () => {
    const op = resolveChain("evm:10");
    expect(op.id).toBe("optimism");
    expect(finalityDepthOf(op, { "evm:10": 0 })).toBe(0);
    expect(finalityDepthOf(op, { "OP Mainnet": 3 })).toBe(3);
    expect(finalityDepthOf(op, { optimism: 2, "evm:10": 9 })).toBe(2);
    expect(finalityDepthOf(op, { "no such chain": 1 })).toBe(30);
  });
});
