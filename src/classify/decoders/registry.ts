import { aaveV3Decoder } from "./aave-v3/decoder.ts";
import { jupiterDecoder } from "./jupiter/decoder.ts";
import { lidoDecoder } from "./lido/decoder.ts";
import { raydiumDecoder } from "./raydium/decoder.ts";
import { rebaseDecoder } from "./rebase/decoder.ts";
import type { Decoder } from "./types.ts";
import { uniswapV2Decoder } from "./uniswap-v2/decoder.ts";
import { uniswapV3Decoder } from "./uniswap-v3/decoder.ts";
import { wethDecoder } from "./weth/decoder.ts";

/**
 * Every protocol decoder, in the order they are tried; the first that recognizes a transaction
 * decides it. Each is scoped by contract address or program id (see `Decoder.addresses`), except
 * Uniswap V2 pairs, which are recognized by their own events (there is no finite pair list), and
 * the synthetic balance-change rows (`rebase`), recognized by their evidence.
 */
export const DECODERS: readonly Decoder[] = [
  rebaseDecoder,
  aaveV3Decoder,
  uniswapV3Decoder,
  uniswapV2Decoder,
  lidoDecoder,
  wethDecoder,
  jupiterDecoder,
  raydiumDecoder,
];
