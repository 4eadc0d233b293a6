import { describe, expect, test } from "vitest";
import { cents, diffUsd, fromCents, usd } from "./format.ts";
import { chainNames, parsePaste } from "./paste.ts";

const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const SOL = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";

describe("pasted wallets, checked as typed", () => {
  test("chain detected per item; bare 0x takes the chosen EVM chain; base58 is Solana", () => {
    const items = parsePaste(`${A}\nbase:${A}, solana:${SOL}  ${SOL}`, "evm:31337");
    expect(items.map((i) => [i.spec, i.family, i.problem])).toEqual([
      [`evm:31337:${A}`, "evm", undefined],
      [`base:${A}`, "evm", undefined],
      [`solana:${SOL}`, "solana", undefined],
      // the same Solana key again, bare
      [undefined, "solana", "repeated above"],
    ]);
  });

  test("each bad item says what is wrong", () => {
    const problems = parsePaste(
      `0x1234\nmoon:${A}\nsolana:${A}\nethereum:${SOL}\nhello\n${A.toLowerCase()}`,
      "",
    ).map((i) => i.problem);
    expect(problems).toEqual([
      "an EVM address is 0x and 40 hex digits (this has 4)",
      "unknown chain 'moon' (ethereum, base, arbitrum, optimism, polygon, evm:<id>, solana)",
      "a 0x address is not a Solana address",
      "a base58 key is a Solana address, not ethereum",
      "not an EVM (0x…) or Solana (base58) address",
      "choose the EVM chain of bare 0x addresses",
    ]);
  });

  test("EVM repeats differ only in case; Solana keys are case-sensitive", () => {
    const items = parsePaste(`${A}\n${A.toLowerCase()}`, "ethereum");
    expect(items[1]!.problem).toBe("repeated above");
  });
});

describe("amounts as the API sends them", () => {
  test("punctuated, never through a float", () => {
    expect(usd("1234567.5")).toBe("$1,234,567.50");
    expect(usd("-0.07")).toBe("−$0.07");
    expect(usd("90071992547409931.99")).toBe("$90,071,992,547,409,931.99");
    expect(usd(null)).toBe("—");
  });
  test("differences in integer cents", () => {
    expect(diffUsd("500.00", "0.00")).toBe("500.00");
    expect(diffUsd("-250.10", "4000")).toBe("-4250.10");
    expect(cents("-0.5")).toBe(-50n);
    expect(fromCents(-5n)).toBe("-0.05");
  });
});

describe("chain names from the server's list", () => {
  const names = chainNames([
    { id: "ethereum", name: "Ethereum", chainId: 1, viemName: "mainnet" },
    { id: "evm:56", name: "BNB Smart Chain", chainId: 56, viemName: "bsc" },
    { id: "solana", name: "Solana", chainId: null, viemName: null },
  ]);
  test("any name viem knows resolves to lotwise's id, prefixed or as the bare-address chain", () => {
    const items = parsePaste(`bsc:${A}\nBSC:${A.toLowerCase()}\nevm:1:${A}\n${A}`, "BNB Smart Chain", names);
    expect(items.map((i) => [i.spec, i.problem])).toEqual([
      [`evm:56:${A}`, undefined],
      [undefined, "repeated above"],
      [`ethereum:${A}`, undefined],
      [undefined, "repeated above"],
    ]);
  });
  test("a name no chain has is refused, for prefixes and for the bare-address chain", () => {
    expect(parsePaste(`moon:${A}`, "ethereum", names)[0]!.problem).toBe(
      "unknown chain 'moon' (a short name, evm:<id>, solana, or any chain viem knows)",
    );
    expect(parsePaste(A, "ethereun", names)[0]!.problem).toBe(
      "unknown chain 'ethereun' for bare 0x addresses",
    );
    // A chain id viem does not know is still a generic EVM chain on the server.
    expect(parsePaste(`evm:999999:${A}`, "", names)[0]!.spec).toBe(`evm:999999:${A}`);
  });
});
