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

describe("buildRows(): an M×N trade with neither side wholly priced", () => {
  const leg = (asset: string, quantity: string, symbol: string) => ({
    asset,
    chainAsset: asset,
    chain: "evm:31337",
    quantity: new Decimal(quantity),
    symbol,
  });
  const eth = (q: string) => leg("ETH", q, "ETH");
  const tka = (q: string) => leg("evm:31337:0xtka", q, "TKA");
  const lp = (q: string) => leg("evm:31337:0xlp", q, "UNI-V2");
  const trade = (outs: ReturnType<typeof leg>[], ins: ReturnType<typeof leg>[]): TxClassification => ({
    chain: "evm:31337",
    txHash: "0xbb",
    time: new Date("2025-03-01T12:00:00Z"),
    blockNumber: 7n,
    kind: "swap",
    source: "rule:test",
    entries: [{ kind: "trade", wallet: "evm:31337:0xw", outs, ins }],
    reviews: [],
    unmatched: [],
  });
  // ETH at 3000.5 USD; TKA and the LP token have no price.
  const ethOnly: PriceLookup = (l) =>
    l.asset === "ETH" ? { usd: new Decimal("3000.5"), source: "file:p.csv", rank: 0 } : undefined;

  test("a liquidity deposit of TKA and ETH: the ETH row is worth its ETH (2 × 3000.5), the TKA row is a missing price", () => {
    const r = buildRows([trade([tka("500"), eth("2")], [lp("10")])], ethOnly);
    expect(r.rows.map((x) => [x.outAsset, x.inQuantity, x.usdValue, x.warnings])).toEqual([
      ["evm:31337:0xtka", "5", "0", ["missing_price:evm:31337:0xlp"]],
      ["ETH", "5", "6001", []],
    ]);
  });

  test("a liquidity withdrawal into TKA and ETH: the ETH row is worth its ETH (0.95 × 3000.5), and ETH is not called missing", () => {
    const r = buildRows([trade([lp("10")], [tka("263"), eth("0.95")])], ethOnly);
    expect(r.rows.map((x) => [x.inAsset, x.outQuantity, x.usdValue, x.warnings])).toEqual([
      ["evm:31337:0xtka", "5", "0", ["missing_price:evm:31337:0xtka"]],
      ["ETH", "5", "2850.475", []],
    ]);
    expect(r.rows[1]!.note ?? "").not.toContain("missing price: ETH");
  });
});

describe("buildRows(): a trade valued by its better-priced side", () => {
  const leg = (asset: string, quantity: string) => ({
    asset,
    chainAsset: asset,
    chain: "evm:31337",
    quantity: new Decimal(quantity),
    symbol: asset,
  });
  const trade = (outs: ReturnType<typeof leg>[], ins: ReturnType<typeof leg>[]): TxClassification => ({
    chain: "evm:31337",
    txHash: "0xcc",
    time: new Date("2025-03-01T12:00:00Z"),
    blockNumber: 7n,
    kind: "swap",
    source: "rule:test",
    entries: [{ kind: "trade", wallet: "evm:31337:0xw", outs, ins, subtype: "swap" }],
    reviews: [],
    unmatched: [],
  });
  /** Prices by asset: USD per unit, source, rank and age (ms); an asset not listed has none. */
  const prices =
    (table: Record<string, [string, string, number, number]>): PriceLookup =>
    (l) => {
      const p = table[l.asset];
      return p ? { usd: new Decimal(p[0]), source: p[1], rank: p[2], ageMs: p[3] } : undefined;
    };
  const shown = (c: TxClassification, price: PriceLookup) =>
    buildRows([c], price).rows.map((r) => [
      r.outAsset,
      r.outQuantity,
      r.inAsset,
      r.inQuantity,
      r.usdValue,
      r.priceSources.usd_value,
      r.warnings,
    ]);
  const ethForTka = trade([leg("ETH", "0.5")], [leg("TKA", "1000")]);

  test("1×1: the side of the better rank values it, whichever side it is", () => {
    expect(
      shown(
        ethForTka,
        prices({ ETH: ["3000.5", "coingecko", 1, 0], TKA: ["1.49", "file:t.csv", 0, 60_000] }),
      ),
    ).toEqual([["ETH", "0.5", "TKA", "1000", "1490", "file:t.csv", []]]);
    expect(
      shown(
        ethForTka,
        prices({ ETH: ["3000.5", "file:e.csv", 0, 60_000], TKA: ["1.49", "coingecko", 1, 0] }),
      ),
    ).toEqual([["ETH", "0.5", "TKA", "1000", "1500.25", "file:e.csv", []]]);
  });

  test("1×1, ranks equal: the fresher price; ages equal too: the side given", () => {
    expect(
      shown(ethForTka, prices({ ETH: ["3000.5", "a", 0, 60_000], TKA: ["1.49", "b", 0, 1_000] })),
    ).toEqual([["ETH", "0.5", "TKA", "1000", "1490", "b", []]]);
    expect(
      shown(ethForTka, prices({ ETH: ["3000.5", "a", 0, 1_000], TKA: ["1.49", "b", 0, 1_000] })),
    ).toEqual([["ETH", "0.5", "TKA", "1000", "1500.25", "a", []]]);
  });

  test("1×1, one side unpriced: the other side; neither: 0 and the missing price of the side received", () => {
    expect(shown(ethForTka, prices({ TKA: ["1.49", "b", 3, 0] }))).toEqual([
      ["ETH", "0.5", "TKA", "1000", "1490", "b", []],
    ]);
    expect(shown(ethForTka, prices({ ETH: ["3000.5", "a", 3, 0] }))).toEqual([
      ["ETH", "0.5", "TKA", "1000", "1500.25", "a", []],
    ]);
    expect(shown(ethForTka, prices({}))).toEqual([
      ["ETH", "0.5", "TKA", "1000", "0", undefined, ["missing_price:TKA"]],
    ]);
  });

  test("2×1: each out leg a row, the value split by the out legs' values, the side's sources named once each in order", () => {
    const c = trade([leg("ETH", "1"), leg("TKB", "2")], [leg("TKA", "10")]);
    expect(
      shown(c, prices({ ETH: ["3000", "a", 0, 0], TKB: ["500", "b", 0, 0], TKA: ["400", "c", 1, 0] })),
    ).toEqual([
      ["ETH", "1", "TKA", "7.5", "3000", "a;b", []],
      ["TKB", "2", "TKA", "2.5", "1000", "a;b", []],
    ]);
    expect(
      shown(c, prices({ ETH: ["3000", "a", 0, 0], TKB: ["500", "a", 0, 0], TKA: ["400", "c", 1, 0] })),
    ).toEqual([
      ["ETH", "1", "TKA", "7.5", "3000", "a", []],
      ["TKB", "2", "TKA", "2.5", "1000", "a", []],
    ]);
  });
});
