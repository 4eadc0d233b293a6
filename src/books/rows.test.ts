import { describe, expect, test } from "vitest";
import type { TxClassification } from "../classify/types.ts";
import { Decimal } from "../utils/decimal.ts";
import { buildRows, type PriceLookup } from "./rows.ts";

describe("buildRows(): a missing price", () => {
  test("names exactly the line to put in a price file (the asset id the file must use), and the mapping for a native coin", () => {
    const leg = {
      asset: "evm:31337:native",
      chainAsset: "evm:31337:native",
      chain: "evm:31337",
      quantity: new Decimal("0.5"),
      symbol: "ETH",
    };
    const c: TxClassification = {
      chain: "evm:31337",
      txHash: "0xaa",
      time: new Date("2025-03-01T12:00:00Z"),
      blockNumber: 7n,
      kind: "income",
      source: "rule:test",
      entries: [{ kind: "trade", wallet: "evm:31337:0xw", outs: [], ins: [leg] }],
      reviews: [],
      unmatched: [],
    };
    const none: PriceLookup = () => undefined;
    const r = buildRows([c], none);
    expect(r.rows[0]!.usdValue).toBe("0");
    expect(r.rows[0]!.warnings).toEqual(["missing_price:evm:31337:native"]);
    expect(r.rows[0]!.note).toBe(
      "missing price: ETH (evm:31337:native) at 2025-03-01T12:00:00Z; usd_value set to 0 until a price is imported: " +
        'add the line "evm:31337:native,2025-03-01,<USD per unit>" to a price file (header asset,time,usd) and run lotwise prices import FILE, ' +
        'or map the coin to its symbol in the config (assets.tokens: {"evm:31337:native": "ETH"}) so ETH\'s prices serve it',
    );
  });
});
