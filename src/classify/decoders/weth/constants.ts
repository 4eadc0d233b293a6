import { toEventSelector } from "viem";

/** Canonical wrapped-native contracts (lowercase). Sources: each chain's official docs / WETH9 deployments. */
export const WETH_ADDRESSES: Readonly<Record<string, readonly string[]>> = {
  ethereum: ["0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"],
  base: ["0x4200000000000000000000000000000000000006"],
  optimism: ["0x4200000000000000000000000000000000000006"],
  arbitrum: ["0x82af49447d8a07e3bd95bd0d56f35241523fbab1"],
};

/** WETH9 `Deposit(address indexed dst, uint wad)`. */
export const DEPOSIT_TOPIC = toEventSelector("Deposit(address,uint256)");
/** WETH9 `Withdrawal(address indexed src, uint wad)`. */
export const WITHDRAWAL_TOPIC = toEventSelector("Withdrawal(address,uint256)");
