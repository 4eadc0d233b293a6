import type { ImportRecord } from "../types.ts";

/**
 * Coinbase rows that pay a rebate in crypto: Coinbase Card rewards (`Card rebate reward`,
 * `Credit Card Reward`) and Coinbase One trading-fee rebates (`Subscription Rebate`,
 * `Subscription Rebates (24 Hours)`), lower-cased as the parsers look them up.
 *
 * No IRS guidance covers them. lotwise books them as ordinary income at Coinbase's value (the
 * reading that never understates tax) and raises a review item saying so, because many filers
 * treat a rebate as a lower price paid rather than income.
 */
export const REBATE_TYPES: Readonly<Record<string, string>> = {
  "card rebate reward": "card_reward",
  "credit card reward": "card_reward",
  "subscription rebate": "rebate",
  "subscription rebates": "rebate",
  "subscription rebates (24 hours)": "rebate",
};

/** The review item of a rebate row booked as income (`typeText` as the file writes it). */
export const rebateReview = (typeText: string): NonNullable<ImportRecord["review"]> => ({
  reason: "exchange_rebate",
  message:
    `Coinbase '${typeText}' booked as ordinary income at its value when received. ` +
    "A rebate is often treated instead as a lower price paid (not income; the coins' basis is still their value when received): " +
    "lotwise keeps the income reading, which never understates tax. Check it with your records or adviser.\n" +
    "Once checked, close this item: lotwise review set <this row> --as ignore",
});

/**
 * Coinbase writes staked ether received before the Shanghai upgrade as `ETH2`, and its
 * `Retail Eth2 Deprecation` rows move it back to `ETH` one for one: the same coin, so the ledger
 * knows it as ETH throughout (Kraken's `ETH2`/`ETH2.S` are read the same way).
 */
export const coinbaseAsset = (code: string): string => (code.trim().toUpperCase() === "ETH2" ? "ETH" : code);
