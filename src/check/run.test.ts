import { describe, expect, test } from "vitest";
import { checkSummary } from "./run.ts";
import type { AssetCheck, CheckReport, WalletCheck } from "./types.ts";

/** The sync's summary line must not value a difference it has no price for at $0.00. */

const asset = (symbol: string, difference: string, usd: string | null): AssetCheck => ({
  asset: symbol,
  symbol,
  chainAssets: [`evm:31337:${symbol}`],
  chain: "3",
  indexed: "3",
  ledger: (3 - Number(difference)).toString(),
  difference,
  differenceUsd: usd,
  unpriced: difference !== "0" && usd === null,
  causes: [],
});

const report = (assets: AssetCheck[], differenceUsd: string): CheckReport => {
  const wallet: WalletCheck = {
    wallet: "evm:31337:0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    chain: "evm:31337",
    address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    height: "318",
    method: "rpc",
    assets,
    differences: assets.filter((a) => a.difference !== "0").length,
  };
  return {
    checkedAt: "2025-12-03T00:00:00Z",
    wallets: [wallet],
    assets: assets.length,
    ...{ differences: wallet.differences },
    differenceUsd,
  };
};

describe("checkSummary()", () => {
  test("a priced difference gives its USD size", () => {
    expect(checkSummary(report([asset("ETH", "3", "6000.00")], "6000.00"))).toBe(
      "check: 1 wallet, 1 asset against the chain: 1 difference (≈ $6000.00; lotwise check for details)\n",
    );
  });

  test("an unpriced difference is said to have no price, not ≈ $0.00", () => {
    expect(checkSummary(report([asset("ETH", "3", null)], "0.00"))).toBe(
      "check: 1 wallet, 1 asset against the chain: 1 difference (without a USD price; lotwise check for details)\n",
    );
  });

  test("priced and unpriced differences: the USD total covers the priced ones only", () => {
    const r = report(
      [asset("ETH", "3", "6000.00"), asset("RBT", "1", null), asset("USDC", "0", "0.00")],
      "6000.00",
    );
    expect(checkSummary(r)).toBe(
      "check: 1 wallet, 3 assets against the chain: 2 differences (≈ $6000.00, plus 1 without a USD price; lotwise check for details)\n",
    );
  });
});
