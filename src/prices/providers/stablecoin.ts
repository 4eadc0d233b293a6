import type { AssetIdentity } from "../../assets/index.ts";
import type { PriceProvider } from "../types.ts";

/** The peg: one USD stablecoin is worth exactly this many dollars. */
export const STABLECOIN_PEG_USD = "1";

/**
 * USD stablecoins (the registry's, and tokens the configuration declares `usdStablecoin`) at
 * their 1.00 peg, at the movement's own time. A de-peg (USDC at 0.87 in March 2023) is not
 * modelled: a price file, first in the default order, overrides the peg where it matters.
 */
export const createStablecoinProvider = (identity: AssetIdentity): PriceProvider => ({
  name: "stablecoin",
  price: async (queries) =>
    queries.map((q) =>
      identity.isUsdStablecoin(q.asset)
        ? { usd: STABLECOIN_PEG_USD, source: "stablecoin", provider: "stablecoin", priceTime: q.time }
        : { missing: `${q.asset} is not a known USD stablecoin` },
    ),
});
