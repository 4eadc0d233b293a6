import { toEventSelector } from "viem";

/** NonfungiblePositionManager deployments (lowercase). Source: Uniswap docs, "V3 deployments". */
export const POSITION_MANAGERS: Readonly<Record<string, readonly string[]>> = {
  ethereum: ["0xc36442b4a4522e871399cd717abdd847ab11fe88"],
  arbitrum: ["0xc36442b4a4522e871399cd717abdd847ab11fe88"],
  optimism: ["0xc36442b4a4522e871399cd717abdd847ab11fe88"],
  polygon: ["0xc36442b4a4522e871399cd717abdd847ab11fe88"],
  base: ["0x03a520b32c04bf3beef7beb72e919cf822ed34f1"],
};

export const INCREASE_LIQUIDITY_TOPIC = toEventSelector("IncreaseLiquidity(uint256,uint128,uint256,uint256)");
export const DECREASE_LIQUIDITY_TOPIC = toEventSelector("DecreaseLiquidity(uint256,uint128,uint256,uint256)");
export const COLLECT_TOPIC = toEventSelector("Collect(uint256,address,uint256,uint256)");
