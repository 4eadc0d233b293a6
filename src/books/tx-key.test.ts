import { expect, test } from "vitest";
import { splitTxKey } from "./tx-key.ts";

test("a transaction key splits at its chain, whatever the hash holds", () => {
  expect(splitTxKey("evm:1:0xabc")).toEqual({ chain: "evm:1", txHash: "0xabc" });
  expect(splitTxKey("evm:31337:rebase:0x5fbd:2025-03-02")).toEqual({
    chain: "evm:31337",
    txHash: "rebase:0x5fbd:2025-03-02",
  });
  expect(splitTxKey("solana:5Vt3sig")).toEqual({ chain: "solana", txHash: "5Vt3sig" });
  expect(splitTxKey("solana:reward:StakeAcc1:140")).toEqual({
    chain: "solana",
    txHash: "reward:StakeAcc1:140",
  });
  // An exchange account's name may hold `:`; its ids do not (legacy ids were `row:…`).
  expect(splitTxKey("import:coinbase:main:cb-17")).toEqual({
    chain: "import:coinbase:main",
    txHash: "cb-17",
  });
  expect(splitTxKey("import:kraken:row:abc")).toEqual({ chain: "import:kraken", txHash: "row:abc" });
});
