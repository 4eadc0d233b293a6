/** Shared by the reports' tests: the ledger header and a Schedule D summary to build inputs by hand. */
import type { GainsSummary } from "../tax/types.ts";

export const LEDGER_HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype";

/** A 2025 summary with every figure zero (FIFO, transition, single), changed by `over`. */
export const summaryOf = (over: Partial<GainsSummary> = {}): GainsSummary => {
  const zero = { proceeds: 0n, costBasis: 0n, adjustments: 0n, gain: 0n, rows: 0 };
  return {
    taxYear: 2025,
    method: "fifo",
    scope: "transition",
    filingStatus: "single",
    shortTerm: zero,
    longTerm: zero,
    carryoverIn: { shortTerm: 0n, longTerm: 0n },
    netShortTerm: 0n,
    netLongTerm: 0n,
    net: 0n,
    capitalLossDeduction: 0n,
    carryoverOut: { shortTerm: 0n, longTerm: 0n },
    ordinaryIncome: { total: 0n, bySubtype: {} },
    warnings: [],
    ...over,
  };
};
