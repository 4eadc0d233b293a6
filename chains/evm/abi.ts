import { getAddress } from "viem";
import { memoizeBounded } from "../../src/utils/memo.ts";

/** Event signatures (topic 0) the EVM worker reads. */
export const TOPICS = {
  /** ERC-20 (3 topics + 32-byte data) and ERC-721 (4 topics, token id indexed). */
  transfer: "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
  /** ERC-20 `Approval(owner, spender, value)`: found so approvals are discovered without traces. */
  approval: "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925",
  /** WETH9 `Deposit(dst, wad)`. */
  deposit: "0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c",
  /** WETH9 `Withdrawal(src, wad)`. */
  withdrawal: "0x7fcf532c15f0a6db0bd6d0e038bea71d30d808c7d98cb3bf7268a95bf5081b65",
  /** ERC-1155 `TransferSingle(operator, from, to, id, value)`. */
  transferSingle: "0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d0f62",
  /** ERC-1155 `TransferBatch(operator, from, to, ids, values)`. */
  transferBatch: "0x4a39dc06d4c0dbc64b70af90fd698a233a518aa5d07e595d983b8c0526c8f7fb",
} as const;

/** Function selectors for token metadata (`eth_call`). */
export const SELECTORS = {
  symbol: "0x95d89b41",
  name: "0x06fdde03",
  decimals: "0x313ce567",
} as const;

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/**
 * Canonical wrapped-native contracts (WETH9-style `Deposit`/`Withdrawal` without `Transfer`), per
 * EIP-155 chain id. Other contracts count as wrapped native only when the traces show the matching
 * ETH flow (see normalize.ts).
 */
export const WRAPPED_NATIVE: Readonly<Record<number, readonly string[]>> = {
  1: ["0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"],
  10: ["0x4200000000000000000000000000000000000006"],
  8453: ["0x4200000000000000000000000000000000000006"],
  42161: ["0x82aF49447D8a07e3bd95BD0d56f35241523fBab1"],
  137: ["0x0d500B1d8E8eF31E21C99d1Db9A6444d3ADf1270"],
};

/** A 20-byte address as a 32-byte topic (left-padded, lowercase). */
export const addressTopic = (address: string): string =>
  `0x${"0".repeat(24)}${address.slice(2).toLowerCase()}`;

/**
 * Results kept by `checksumAddress` and `topicAddress` at most: a sync meets the same few
 * addresses (the wallet, its tokens and counterparties) thousands of times.
 */
const MEMO_MAX = 50_000;

/**
 * viem's `getAddress` (EIP-55 checksum; throws on anything but 20 hex bytes), memoized by the
 * exact input: a repeated address costs one map lookup, no string built and no viem LRU update.
 */
export const checksumAddress = memoizeBounded((address) => getAddress(address), MEMO_MAX);

const ADDRESS_TOPIC = /^0x0{24}[0-9a-fA-F]{40}$/;

const addressInTopic = memoizeBounded(
  (topic) => (ADDRESS_TOPIC.test(topic) ? checksumAddress(`0x${topic.slice(26)}`) : undefined),
  MEMO_MAX,
);

/** The address in a 32-byte topic, checksummed; undefined when the upper 12 bytes are not zero. */
export const topicAddress = (topic: string | undefined): string | undefined =>
  topic ? addressInTopic(topic) : undefined;

const HEX = /^0x[0-9a-fA-F]*$/;

/** `0x…` hex quantity → bigint; throws on anything else. */
export const hexToBig = (value: string): bigint => {
  if (typeof value !== "string" || !HEX.test(value)) {
    throw new TypeError(`not a hex quantity: ${JSON.stringify(value)}`);
  }
  return value === "0x" ? 0n : BigInt(value);
};

/** bigint → minimal `0x…` hex quantity (JSON-RPC block numbers). */
export const toQuantity = (n: bigint): string => `0x${n.toString(16)}`;
