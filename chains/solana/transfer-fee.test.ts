import { PublicKey } from "@solana/web3.js";
import { describe, expect, test } from "vitest";
import { buildRows } from "../../src/books/rows.ts";
import { classifyAll } from "../../src/classify/classify.ts";
import { groupOf, solanaCtx, solanaLookup, solWallet } from "../../src/classify/solana.test-support.ts";
import { normalizeTransaction } from "./normalize.ts";
import { TOKEN_2022_PROGRAM_ID } from "./rpc.ts";
import type { SolanaTransactionResponse } from "./tx-json.ts";

/**
 * Token-2022 transfer fees. No recorded mainnet transaction with a TransferFeeConfig mint exists in
 * the fixtures (none of them holds a `transferCheckedWithFee` instruction or a withheld fee), so
 * these transactions are HAND-BUILT in the shape of a node's `jsonParsed` `getTransaction` answer:
 * made-up addresses (32 repeated bytes), a mint with 6 decimals and a 1% fee. W sends 1,000 tokens
 * (1,000,000,000 base units); 10 tokens (10,000,000) are withheld in the recipient's account, which
 * grows by 990 tokens. W pays the 5,000-lamport network fee.
 */

const key = (n: number) => new PublicKey(Buffer.alloc(32, n)).toBase58();
const W = key(1);
const R = key(2);
const MINT = key(3);
const W_ACCT = key(4);
const R_ACCT = key(5);
const ui = (amount: string) => ({ amount, decimals: 6, uiAmount: null, uiAmountString: amount });

const handBuilt = (instruction: "transferCheckedWithFee" | "transferChecked"): SolanaTransactionResponse => ({
  slot: 300_000_000,
  blockTime: 1_735_000_000,
  version: 0,
  transaction: {
    signatures: [`HandBuilt${instruction}1111111111111111111111111111111111111111111111`],
    message: {
      accountKeys: [
        { pubkey: W, signer: true, writable: true },
        { pubkey: W_ACCT, signer: false, writable: true },
        { pubkey: R_ACCT, signer: false, writable: true },
        { pubkey: MINT, signer: false, writable: false },
        { pubkey: TOKEN_2022_PROGRAM_ID, signer: false, writable: false },
      ],
      instructions: [
        {
          program: "spl-token-2022",
          programId: TOKEN_2022_PROGRAM_ID,
          parsed: {
            type: instruction,
            info: {
              source: W_ACCT,
              mint: MINT,
              destination: R_ACCT,
              authority: W,
              tokenAmount: ui("1000000000"),
              ...(instruction === "transferCheckedWithFee" ? { feeAmount: ui("10000000") } : {}),
            },
          },
          stackHeight: null,
        },
      ],
    },
  },
  meta: {
    err: null,
    fee: 5000,
    preBalances: [1_000_000_000, 2_074_080, 2_074_080, 1_461_600, 1],
    postBalances: [999_995_000, 2_074_080, 2_074_080, 1_461_600, 1],
    preTokenBalances: [
      {
        accountIndex: 1,
        mint: MINT,
        owner: W,
        programId: TOKEN_2022_PROGRAM_ID,
        uiTokenAmount: ui("5000000000"),
      },
      { accountIndex: 2, mint: MINT, owner: R, programId: TOKEN_2022_PROGRAM_ID, uiTokenAmount: ui("0") },
    ],
    postTokenBalances: [
      {
        accountIndex: 1,
        mint: MINT,
        owner: W,
        programId: TOKEN_2022_PROGRAM_ID,
        uiTokenAmount: ui("4000000000"),
      },
      {
        accountIndex: 2,
        mint: MINT,
        owner: R,
        programId: TOKEN_2022_PROGRAM_ID,
        uiTokenAmount: ui("990000000"),
      },
    ],
    innerInstructions: [],
  },
});

const moves = (tx: SolanaTransactionResponse, wallet: string) =>
  normalizeTransaction(tx, wallet).movements.map((m) => [m.evidence, m.evidenceIndex, m.amount]);

describe("Token-2022 transfer fee (hand-built transactions)", () => {
  test("transferCheckedWithFee: W's 1,000 out splits into 990 sent and a 10-token fee", () => {
    const tx = handBuilt("transferCheckedWithFee");
    // W: 4,000,000,000 − 5,000,000,000 = −1,000,000,000 = −990,000,000 sent − 10,000,000 fee.
    expect(moves(tx, W)).toEqual([
      ["spl", MINT, -990_000_000n],
      ["spl_fee", MINT, -10_000_000n],
      ["sol_fee", "fee", -5000n],
    ]);
    // R receives the net: 990,000,000 − 0.
    expect(moves(tx, R)).toEqual([["spl", MINT, 990_000_000n]]);
  });

  test("transferChecked on a fee mint: the fee is the amount minus the recipient's growth", () => {
    // 1,000,000,000 − (990,000,000 − 0) = 10,000,000.
    expect(moves(handBuilt("transferChecked"), W)).toEqual([
      ["spl", MINT, -990_000_000n],
      ["spl_fee", MINT, -10_000_000n],
      ["sol_fee", "fee", -5000n],
    ]);
  });

  test("between two own wallets: a 990-token transfer plus a 10-token transfer_fee row", () => {
    const w = solWallet(1, W);
    const r = solWallet(2, R);
    const [c] = classifyAll([groupOf(handBuilt("transferCheckedWithFee"), [w, r])], solanaCtx([w, r]), {
      perTx: new Map(),
      rules: [],
    });
    expect(c!.kind).toBe("self_transfer");
    expect(c!.reviews).toEqual([]);
    const rows = buildRows([c!], solanaLookup).rows;
    expect(
      rows.map((x) =>
        [x.type, x.wallet, x.toWallet, x.outAsset, x.outQuantity, x.feeAsset, x.feeQuantity, x.subtype].map(
          (v) => v ?? null,
        ),
      ),
    ).toEqual([
      ["transfer", `solana:${W}`, `solana:${R}`, `solana:${MINT}`, "990", "SOL", "0.000005", null],
      ["fee", `solana:${W}`, null, null, null, `solana:${MINT}`, "10", "transfer_fee"],
    ]);
  });
});
