/** The tax engine: lots, scopes, netting, carryovers and the gains outputs. */
export { TRANSITION_MS } from "./allocation.ts";
export { type CarryoverWorksheet, carryoverWorksheet, lossLimit, netScheduleD } from "./carryover.ts";
export { addOneYear, createDateOf, formatDate, isLongTerm } from "./dates.ts";
export * from "./format.ts";
export {
  computeGains,
  computeGainsStream,
  computeGainsYears,
  type GainsReport,
  type GainsSink,
  type LedgerFeed,
  type LotMove,
  type ResettableSink,
} from "./gains.ts";
export { divRoundHalfUp, form8949Gain, formatCents, parseUsdCents } from "./money.ts";
export { createRowPreparer, type PreparedLedger, type PreparedRow, prepareLedger } from "./prepare.ts";
export * from "./types.ts";
