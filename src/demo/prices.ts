import { exportUsd } from "../utils/decimal.ts";

/**
 * The demo's year-end price file: the pools' closing prices, as a price file (`asset,time,usd`).
 * A pool price is a ratio of reserves with 30 digits after the point; the file, and the harvest
 * report that shows it, carry what means something: 8 decimals (half-up), as ledger exports write
 * USD values.
 */
export const yearEndPriceFile = (closing: { eth: string; lot: string }, lotAsset: string): string =>
  `asset,time,usd\nETH,2025-12-31,${exportUsd(closing.eth)}\n${lotAsset},2025-12-31,${exportUsd(closing.lot)}\n`;
