import { toEventSelector } from "viem";

/** Aave V3 Pool proxies (lowercase). Source: Aave address book (bgd-labs/aave-address-book). */
export const POOLS: Readonly<Record<string, readonly string[]>> = {
  ethereum: ["0x87870bca3f3fd6335c3f4ce8392d69350b4fa4e2"],
  base: ["0xa238dd80c259a72e81d7e4664a9801593f98d1c5"],
  arbitrum: ["0x794a61358d6845594f94dc1db02a252b5b4814ad"],
  optimism: ["0x794a61358d6845594f94dc1db02a252b5b4814ad"],
  polygon: ["0x794a61358d6845594f94dc1db02a252b5b4814ad"],
};

/** `Supply(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode)`. */
export const SUPPLY_TOPIC = toEventSelector("Supply(address,address,address,uint256,uint16)");
/** `Withdraw(address indexed reserve, address indexed user, address indexed to, uint256 amount)`. */
export const WITHDRAW_TOPIC = toEventSelector("Withdraw(address,address,address,uint256)");
