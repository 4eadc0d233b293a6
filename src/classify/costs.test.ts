import { describe, expect, test } from "vitest";
import { buildRows } from "../books/rows.ts";
import { classifyAll } from "./classify.ts";
import { recordedGroup, solanaCtx, solanaLookup, solWallet } from "./solana.test-support.ts";
import type { Movement, TxGroup } from "./types.ts";

const NONE = { perTx: new Map(), rules: [] };

describe("costs paid to third parties inside a trade are itemized, never netted", () => {
  test("recorded Jupiter swap 2kai9Wa4…: the 0.0004 SOL sent to ADuUkR4v… beside the route is the trade's fee", () => {
    // From the fixture: the wallet's lamports 2,071,993,402 → 1,571,588,402 (−500,405,000), fee
    // 5,000, so its net SOL is −500,400,000: 500,000,000 into the route (wrapped, then swapped)
    // and a top-level system transfer of 400,000 to ADuUkR4vqLUMWXxW9gh6D6L8pMSawimctcNZ5pGwDcEt.
    // USDC account HFhrg3…: 76,652,740 → 153,265,326 = +76,612,586 (6 decimals).
    const w = solWallet(1, "Ex2F9oJN9UjBnSy273ezWH2kwaAzKTkm4ZmpDuqwzevY");
    const g = recordedGroup("2kai9Wa4", [w]);
    const [c] = classifyAll([g], solanaCtx([w]), NONE);
    const { rows } = buildRows([c!], solanaLookup);
    expect(rows).toEqual([
      expect.objectContaining({
        type: "swap",
        outAsset: "SOL",
        outQuantity: "0.5",
        inAsset: "USDC",
        inQuantity: "76.612586",
        // Valued by the USDC side (rank 0): 76.612586 × $1.
        usdValue: "76.612586",
        // 400,000 + 5,000 lamports = 0.000405 SOL, × $160 = 0.0648.
        feeAsset: "SOL",
        feeQuantity: "0.000405",
        feeUsd: "0.0648",
        note: "fee includes 0.0004 SOL paid to ADuUkR4vqLUMWXxW9gh6D6L8pMSawimctcNZ5pGwDcEt (a cost of the trade paid to a third party) and the 0.000005 SOL network fee",
      }),
    ]);
  });

  test("a sale whose proceeds pay a bot: the proceeds are what the trade paid, the bot's cut a fee", () => {
    // Hand-built (no recorded pump.fun sale is among the fixtures): the wallet sells 1,000 MEME for
    // 3,556,000 lamports and pays 3,000,000 to the bot in a top-level transfer; fee 5,000. Net SOL
    // movement as the normalizer records it: 3,556,000 − 3,000,000 = +556,000.
    const w = solWallet(1, "WaLLet1111111111111111111111111111111111111");
    const BOT = "Bot1111111111111111111111111111111111111111";
    const MEME = "Meme111111111111111111111111111111111111111";
    const base: Omit<
      Movement,
      "evidence" | "evidenceIndex" | "chainAsset" | "amount" | "decimals" | "symbol"
    > = {
      wallet: w,
      chain: "solana",
      txHash: "sale",
      counterparty: null,
      tokenId: null,
    };
    const g: TxGroup = {
      chain: "solana",
      txHash: "sale",
      time: new Date("2025-01-01T00:00:00Z"),
      blockNumber: 1n,
      txIndex: 0,
      status: "success",
      from: null,
      to: null,
      method: null,
      feePayer: w.address,
      movements: [
        {
          ...base,
          evidence: "sol",
          evidenceIndex: "net",
          chainAsset: "solana:native",
          symbol: "SOL",
          decimals: 9,
          amount: 556_000n,
        },
        {
          ...base,
          evidence: "spl",
          evidenceIndex: MEME,
          chainAsset: `solana:${MEME}`,
          symbol: "MEME",
          decimals: 6,
          amount: -1_000_000_000n,
        },
        {
          ...base,
          evidence: "sol_fee",
          evidenceIndex: "fee",
          chainAsset: "solana:native",
          symbol: "SOL",
          decimals: 9,
          amount: -5_000n,
        },
      ],
      logs: [],
      programIds: [],
      sidePayments: [{ from: w.address, to: BOT, lamports: 3_000_000n }],
    };
    const [c] = classifyAll([g], solanaCtx([w]), NONE);
    const { rows } = buildRows([c!], solanaLookup);
    expect(rows).toEqual([
      expect.objectContaining({
        type: "swap",
        outAsset: `solana:${MEME}`,
        outQuantity: "1000",
        inAsset: "SOL",
        inQuantity: "0.003556",
        // 0.003556 × $160 (MEME has no price).
        usdValue: "0.56896",
        feeQuantity: "0.003005",
        note: `fee includes 0.003 SOL paid to ${BOT} (a cost of the trade paid to a third party) and the 0.000005 SOL network fee`,
      }),
    ]);
  });

  test("a plain SOL payment (no trade) is an outflow, not a fee", () => {
    const w = solWallet(1, "WaLLet1111111111111111111111111111111111111");
    const g: TxGroup = {
      chain: "solana",
      txHash: "pay",
      time: new Date("2025-01-02T00:00:00Z"),
      blockNumber: 2n,
      txIndex: 0,
      status: "success",
      from: null,
      to: null,
      method: null,
      feePayer: w.address,
      movements: [
        {
          wallet: w,
          chain: "solana",
          txHash: "pay",
          evidence: "sol",
          evidenceIndex: "net",
          chainAsset: "solana:native",
          symbol: "SOL",
          decimals: 9,
          amount: -3_000_000n,
          counterparty: "Friend",
          tokenId: null,
        },
      ],
      logs: [],
      programIds: [],
      sidePayments: [{ from: w.address, to: "Friend", lamports: 3_000_000n }],
    };
    const [c] = classifyAll([g], solanaCtx([w]), NONE);
    expect(c!.entries).toEqual([]);
    expect(c!.reviews.map((r) => r.reason)).toEqual(["unmatched_outflow"]);
  });
});
