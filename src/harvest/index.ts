/** Tax-loss harvesting: positions at a price, candidates, the year-end plan and what-ifs (docs/harvest.md). */
export { type BooksRun, runBooks } from "./books.ts";
export {
  formatHarvestCsv,
  formatHarvestJson,
  formatHarvestTable,
  HARVEST_CSV_COLUMNS,
  harvestJson,
  writeHarvestCsv,
  writeHarvestCsvChunks,
  writeHarvestJson,
  writeHarvestJsonChunks,
} from "./format.ts";
export { type PlannedRow, type PriceResult, saleRows, type ValuedLot, valueLots } from "./lots.ts";
export type { Candidate, Plan, PlannedLot, SuggestedSale } from "./plan.ts";
export { pricesFromFile, pricesFromService } from "./prices.ts";
export {
  type BuyBack,
  DEFAULT_OTHER_TAXABLE_INCOME,
  type HarvestOptions,
  type HarvestReport,
  type PositionSummary,
  type PriceLookup,
  planHarvest,
  type SellOrder,
  type WhatIf,
} from "./run.ts";
export {
  type CarryforwardYear,
  projectCarryforward,
  type TaxContext,
  type TaxPicture,
  taxPicture,
} from "./tax.ts";
