import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { SOLANA_FIXTURES } from "../../../test/solana-replay.ts";
import { buildRows } from "../../books/rows.ts";
import { Decimal } from "../../utils/decimal.ts";
import { classifyAll } from "../classify.ts";
import { recordedGroup, solanaCtx, solanaLookup, solWallet } from "../solana.test-support.ts";

/**
 * The Solana decoders on recorded mainnet transactions (staketaxcsv's and jup-ag's fixtures),
 * each action they claim. Amounts are the fixtures' balance changes, worked out by hand in
 * chains/solana/normalize.test.ts (W = the wallet).
 */
const NONE = { perTx: new Map(), rules: [] };

/** staketaxcsv's expected rows (sol_expected.json): what that project books for the same transactions. */
type Row = { txid: string; sent_amount: string; received_amount: string; received_currency: string };
const CASES = JSON.parse(
  readFileSync(path.join(SOLANA_FIXTURES, "staketaxcsv/sol_expected.json"), "utf8"),
) as { test: string; wallet: string; expected_rows: Row[] }[];
const caseOf = (name: string) => CASES.find((c) => c.test === name)!;
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

  test("limit order opening (5iPvQ1Th…): the USDC deposit into the order's escrow stays the user's; the rent is for review", () => {
    // staketaxcsv: _JUPITER_LIMIT_OPEN. W sends 10,000 USDC (10,000,000,000 base units) into the
    // escrow 73aBor… (owner: the order 3XQkm6…), which grows by exactly that: no disposal, no row.
    // The 5,122,560 lamports of rent into the order's accounts stay an outflow for review; fee 37,920.
    const { c, rows } = classify("5iPvQ1Th", "GAgnD5XviS4wN7GpcTBbgvtFAZnT6Lc1ehkbnP3qo1bz");
    expect(c.source).toBe("decoder:jupiter:limit_order");
    expect(rows.map((r) => [r.type, r.feeQuantity, r.subtype])).toEqual([
      ["fee", "0.00003792", "jupiter_limit"],
    ]);
    expect(c.reviews.map((r) => r.reason)).toEqual(["unmatched_outflow"]);
    expect(c.unmatched.map((h) => [h.leg.asset, h.leg.quantity.toFixed()])).toEqual([["SOL", "0.00512256"]]);
  });

  test("limit order series (GAgnD5…): each fill is the user's swap out of the escrow, as staketaxcsv books it", () => {
    // staketaxcsv's TRADE rows: sent USDC (from the escrow 73aBor…: e.g. 4xqxLBqu… 73aBor…
    // −399,360,000) for the 9gr84r… received in W's account (GQjxPi… +177,317). The keeper paid the fees.
    const { wallet, expected_rows: rows } = caseOf("test_jupiter_limit_order_series");
    let sent = new Decimal(0);
    for (const row of rows.slice(1)) {
      const { c, rows: ledger } = classify(row.txid.slice(0, 8), wallet);
      expect(c.source).toBe("decoder:jupiter:limit_order");
      const swap = ledger.filter((r) => r.type === "swap");
      expect(
        swap.map((r) => [r.outAsset, r.outQuantity, r.inAsset, r.inQuantity, r.feeQuantity ?? null]),
      ).toEqual([
        [
          "USDC",
          new Decimal(row.sent_amount).toFixed(),
          `solana:${row.received_currency}`,
          new Decimal(row.received_amount).toFixed(),
          null,
        ],
      ]);
      sent = sent.add(swap[0]!.outQuantity!);
    }
    // The fills took exactly the 10,000 USDC deposited at the opening.
    expect(sent.toFixed()).toBe("10000");
  });

  test("limit order fill (4xqxLBqu…) seen from the keeper 71WDyy… (fee payer): no swap out of the maker's escrow", () => {
    // The escrow 73aBor… (owned by the order 3XQkm…) paid 399,360,000 USDC base units for GAgnD5…'s
    // order; the keeper 71WDyy… signed and paid the fee and got 13,929 USDC base units and 337
    // 9gr84r… base units. None of the escrow's USDC was the keeper's.
    const { rows } = classify("4xqxLBqu", "71WDyyCsZwyEYDV91Qrb212rdg6woCHYQhFnmZUBxiJ6");
    expect(rows.filter((r) => r.outAsset === "USDC")).toEqual([]);
    expect(rows.filter((r) => r.type === "swap")).toEqual([]);
  });

  test("limit order v2 fill (GND3Z5…): 2,390 USDC from the escrow for 999 HeLp6N…", () => {
    const {
      wallet,
      expected_rows: [, fill],
    } = caseOf("test_jupiter_limit_v2_series");
    const { c, rows } = classify(fill!.txid.slice(0, 8), wallet);
    expect(c.source).toBe("decoder:jupiter:limit_order");
    expect(
      rows.filter((r) => r.type === "swap").map((r) => [r.outAsset, r.outQuantity, r.inQuantity]),
    ).toEqual([["USDC", "2390", "999"]]);
  });

  test("limit order v2 open and cancel (4abvSW…): the jupSOL goes into the escrow and back, no row", () => {
    const {
      wallet,
      expected_rows: [open, cancel],
    } = caseOf("test_jupiter_limit_v2_open_cancel");
    for (const row of [open!, cancel!]) {
      const { c, rows } = classify(row.txid.slice(0, 8), wallet);
      expect(rows.filter((r) => r.outAsset?.includes("jupSoL") || r.inAsset?.includes("jupSoL"))).toEqual([]);
      expect(c.unmatched.filter((h) => h.leg.asset.includes("jupSoL"))).toEqual([]);
    }
  });

  test("DCA fill (S3z6oPjo…): 2.777777 USDC from the DCA vault for 4.059345 RAY, as staketaxcsv books it", () => {
    const {
      wallet,
      expected_rows: [row],
    } = caseOf("test_jupiter_v6_dca_swap");
    const { c, rows } = classify("S3z6oPjo", wallet);
    expect(c.source).toBe("decoder:jupiter:dca");
    expect(c.unmatched).toEqual([]);
    expect(rows.map((r) => [r.type, r.outAsset, r.outQuantity, r.inQuantity, r.note])).toEqual([
      [
        "swap",
        "USDC",
        row!.sent_amount,
        row!.received_amount,
        "Jupiter DCA fill, paid from the order's escrow",
      ],
    ]);
  });

  test("DCA whose output waits in the DCA's escrow (2GMpqA7d…): not attributed yet, the SOL is for review", () => {
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
