import { describe, expect, test } from "vitest";
import { buildRows } from "../../books/rows.ts";
import { classifyAll } from "../classify.ts";
import { recordedGroup, solanaCtx, solanaLookup, solWallet } from "../solana.test-support.ts";

/**
 * The Solana decoders on recorded mainnet transactions (staketaxcsv's and jup-ag's fixtures),
 * each action they claim. Amounts are the fixtures' balance changes, worked out by hand in
 * chains/solana/normalize.test.ts (W = the wallet).
 */
const NONE = { perTx: new Map(), rules: [] };
const classify = (prefix: string, address: string) => {
  const w = solWallet(1, address);
  const [c] = classifyAll([recordedGroup(prefix, [w])], solanaCtx([w]), NONE);
  return { c: c!, rows: buildRows([c!], solanaLookup).rows };
};

describe("jupiter", () => {
  test("aggregator v6 swap (5SPdWfQr…): SOL → USDC", () => {
    // W 23,034,631 − 62,642,845 + fee 8,214 = −39,600,000 lamports; USDC 31,347,112 − 26,046,462.
    const { c, rows } = classify("5SPdWfQr", "3qAnC3L6xDoTbaL74jLKzQNyhRJc2YJGL7Uu5fxiu9W6");
    expect(c.source).toBe("decoder:jupiter:swap");
    expect(
      rows.map((r) => [r.type, r.outAsset, r.outQuantity, r.inAsset, r.inQuantity, r.feeQuantity, r.subtype]),
    ).toEqual([["swap", "SOL", "0.0396", "USDC", "5.30065", "0.000008214", "swap"]]);
  });

  test("limit order opening (5iPvQ1Th…): the deposit into Jupiter's escrow is an outflow for review, not a trade", () => {
    // staketaxcsv: _JUPITER_LIMIT_OPEN. W sends 10,000 USDC (10,000,000,000 base units) and
    // 5,122,560 lamports of rent into the order's accounts; fee 37,920.
    const { c, rows } = classify("5iPvQ1Th", "GAgnD5XviS4wN7GpcTBbgvtFAZnT6Lc1ehkbnP3qo1bz");
    expect(c.source).toBe("decoder:jupiter:limit_order");
    expect(rows.map((r) => [r.type, r.feeQuantity, r.subtype])).toEqual([
      ["fee", "0.00003792", "jupiter_limit"],
    ]);
    expect(c.reviews.map((r) => r.reason)).toEqual(["unmatched_outflow", "unmatched_outflow"]);
    expect(c.unmatched.map((h) => [h.leg.asset, h.leg.quantity.toFixed()])).toEqual([
      ["SOL", "0.00512256"],
      ["USDC", "10000"],
    ]);
  });

  test("limit order fill (4xqxLBqu…): the bought token arrives from the escrow, for review", () => {
    // staketaxcsv: TRADE 399.36 USDC → 0.000177317 of 9gr84r… (paid from the escrow); W only receives.
    const { c, rows } = classify("4xqxLBqu", "GAgnD5XviS4wN7GpcTBbgvtFAZnT6Lc1ehkbnP3qo1bz");
    expect(c.source).toBe("decoder:jupiter:limit_order");
    expect(rows).toEqual([]);
    expect(c.unmatched.map((h) => [h.direction, h.leg.quantity.toFixed()])).toEqual([["in", "0.000177317"]]);
  });

  test("DCA (2GMpqA7d…): SOL into the DCA program, for review", () => {
    // W's lamports: −1,428,571 (+ the 5,000 fee paid by the keeper, not W).
    const { c, rows } = classify("2GMpqA7d", "7WZcPib1yW3wig8sSLrhx2Qt97huiJMboQNrqSocGSyc");
    expect(c.source).toBe("decoder:jupiter:dca");
    expect(rows).toEqual([]);
    expect(c.unmatched.map((h) => [h.direction, h.leg.asset, h.leg.quantity.toFixed()])).toEqual([
      ["out", "SOL", "0.001428571"],
    ]);
  });
});

describe("raydium", () => {
  test("AMM v4 swap (5dk9JQEx…): SOL → Wormhole WETH", () => {
    // W sent 971,735,668 lamports = 969,676,388 swapped + 20,000 fee + 2,039,280 rent into its own
    // new token account (still W's SOL); received 5,388,719 base units (8 decimals).
    const { c, rows } = classify("5dk9JQEx", "Bdky9P44ETXheH3KTTURodpeaV7QdPJyofS4brK1656o");
    expect(c.source).toBe("decoder:raydium:swap");
    expect(rows.map((r) => [r.type, r.outAsset, r.outQuantity, r.inQuantity, r.feeQuantity])).toEqual([
      ["swap", "SOL", "0.969676388", "0.05388719", "0.00002"],
    ]);
  });

  test("AMM v4 swap the other way (2rY9ky2Y…): a token → SOL", () => {
    // W's lamports +45,110,273 after a 20,000 fee: 45,130,273 received; 7,287,032,271,779 JB5Txx… (6 decimals) sent.
    const { c, rows } = classify("2rY9ky2Y", "mm5G1iYsa87dCR7zwBHmDC57k7mA6HHiRTE8FFNpkju");
    expect(c.source).toBe("decoder:raydium:swap");
    expect(rows.map((r) => [r.type, r.outQuantity, r.inAsset, r.inQuantity, r.feeQuantity])).toEqual([
      ["swap", "7287032.271779", "SOL", "0.045130273", "0.00002"],
    ]);
  });
});
