/** Pricing: providers, the price service, swap valuation and the price file. */
export { listStoredPrices, type StoredPrice } from "./cache.ts";
export {
  fileSource,
  type ImportPriceFileResult,
  importPriceFile,
  PRICE_FILE_COLUMNS,
  type PriceFileRow,
  parsePriceFile,
  parsePriceTime,
} from "./import.ts";
export { DEFAULT_UNISWAP_V2, pairPrice, type UniswapV2Settings } from "./providers/onchain.ts";
export { STABLECOIN_PEG_USD } from "./providers/stablecoin.ts";
export {
  type CreatePriceServiceArgs,
  createPriceService,
  describeMissing,
  type PriceService,
  type SwapValuation,
} from "./service.ts";
export { chooseSwapSide, legValue, type SwapChoice, type SwapLeg, type SwapSide } from "./swap.ts";
export * from "./types.ts";
