/**
 * Test support: compact builders for ledger rows. Amounts are decimal strings, as in the file.
 */
import type { LedgerRow } from "../ledger/types.ts";

type Extra = Partial<LedgerRow>;

export const buy = (
  id: string,
  time: string,
  wallet: string,
  asset: string,
  quantity: string,
  usd: string,
  extra: Extra = {},
): LedgerRow => ({
  id,
  time,
  type: "buy",
  wallet,
  inAsset: asset,
  inQuantity: quantity,
  usdValue: usd,
  ...extra,
});

export const income = (
  id: string,
  time: string,
  wallet: string,
  asset: string,
  quantity: string,
  usd: string,
  extra: Extra = {},
): LedgerRow => ({
  id,
  time,
  type: "income",
  wallet,
  inAsset: asset,
  inQuantity: quantity,
  usdValue: usd,
  ...extra,
});

export const sell = (
  id: string,
  time: string,
  wallet: string,
  asset: string,
  quantity: string,
  usd: string,
  extra: Extra = {},
): LedgerRow => ({
  id,
  time,
  type: "sell",
  wallet,
  outAsset: asset,
  outQuantity: quantity,
  usdValue: usd,
  ...extra,
});

export const spend = (
  id: string,
  time: string,
  wallet: string,
  asset: string,
  quantity: string,
  usd: string,
  extra: Extra = {},
): LedgerRow => ({
  id,
  time,
  type: "spend",
  wallet,
  outAsset: asset,
  outQuantity: quantity,
  usdValue: usd,
  ...extra,
});

export const swap = (
  id: string,
  time: string,
  wallet: string,
  out: [asset: string, quantity: string],
  into: [asset: string, quantity: string],
  usd: string,
  extra: Extra = {},
): LedgerRow => ({
  id,
  time,
  type: "swap",
  wallet,
  outAsset: out[0],
  outQuantity: out[1],
  inAsset: into[0],
  inQuantity: into[1],
  usdValue: usd,
  ...extra,
});

export const transfer = (
  id: string,
  time: string,
  from: string,
  to: string,
  asset: string,
  quantity: string,
  extra: Extra = {},
): LedgerRow => ({
  id,
  time,
  type: "transfer",
  wallet: from,
  toWallet: to,
  outAsset: asset,
  outQuantity: quantity,
  ...extra,
});

export const gift = (
  id: string,
  time: string,
  wallet: string,
  asset: string,
  quantity: string,
  extra: Extra = {},
): LedgerRow => ({ id, time, type: "gift", wallet, outAsset: asset, outQuantity: quantity, ...extra });

export const fee = (
  id: string,
  time: string,
  wallet: string,
  asset: string,
  quantity: string,
  usd: string,
): LedgerRow => ({
  id,
  time,
  type: "fee",
  wallet,
  feeAsset: asset,
  feeQuantity: quantity,
  feeUsd: usd,
});

/** A fee paid in `asset` worth `usd` (spread into a row's extra cells). */
export const paidIn = (asset: string, quantity: string, usd: string): Extra => ({
  feeAsset: asset,
  feeQuantity: quantity,
  feeUsd: usd,
});

/** A USD fee (spread into a row's extra cells). */
export const usdFee = (usd: string): Extra => ({ feeAsset: "USD", feeUsd: usd });
