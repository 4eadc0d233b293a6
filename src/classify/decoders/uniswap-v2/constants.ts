import { toEventSelector } from "viem";

/** Uniswap V2 Router02 deployments (lowercase). Source: Uniswap docs, "V2 deployment addresses". */
export const ROUTERS: Readonly<Record<string, readonly string[]>> = {
  ethereum: ["0x7a250d5630b4cf539739df2c5dacb4c659f2488d"],
  base: ["0x4752ba5dbc23f44d87826276bf6fd6b1c372ad24"],
  arbitrum: ["0x4752ba5dbc23f44d87826276bf6fd6b1c372ad24"],
  optimism: ["0x4a7b5da61326a6379179b40d00f57e5bbdc962c2"],
  polygon: ["0xedf6066a2b290c185783862c7f4776a2c8077ad1"],
};

/** Pair events (UniswapV2Pair.sol). */
export const MINT_TOPIC = toEventSelector("Mint(address,uint256,uint256)");
export const BURN_TOPIC = toEventSelector("Burn(address,uint256,uint256,address)");
export const SWAP_TOPIC = toEventSelector("Swap(address,uint256,uint256,uint256,uint256,address)");
export const SYNC_TOPIC = toEventSelector("Sync(uint112,uint112)");
