import {
  decodeFunctionResult,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  type Hex,
  multicall3Abi,
  toEventSelector,
} from "viem";
import type { RpcTransport } from "../transport.ts";
import type { ChainInfo } from "../types.ts";
import { hexToBig } from "./abi.ts";

/**
 * Balances as the chain itself reports them at a block: `eth_getBalance` and ERC-20/721
 * `balanceOf`, batched through Multicall3 (`aggregate3` with `getEthBalance`) where the chain has
 * it at that block, else as one JSON-RPC batch of `eth_getBalance` + `eth_call`s. Used by the
 * balance check (src/check) and the rebasing-income sampler (rebase.ts).
 */

/** Multicall3's address on every chain that has the canonical deployment. */
export const MULTICALL3_CANONICAL = "0xcA11bde05977b3631167028862bE2a173976CA11";

/** Calls per `aggregate3` (keeps each `eth_call` well under provider gas and size limits). */
const MULTICALL_CHUNK = 200;

const hex = (n: bigint) => `0x${n.toString(16)}`;

export type EvmBalances = {
  /** Wei; undefined when the node could not answer. */
  native: bigint | undefined;
  /** Token (checksummed) → raw balance; undefined when `balanceOf` reverted or returned garbage. */
  tokens: Map<string, bigint | undefined>;
  /** `multicall3` or `rpc` (plain batched calls). */
  method: "multicall3" | "rpc";
};

/**
 * The Multicall3 contract usable at `block`: viem's address for the chain (once `blockCreated`
 * is reached), else the canonical address when the node shows code there at `block` (local
 * chains, chains viem lists without it). Undefined: no Multicall3, use plain calls.
 */
export const findMulticall3 = async (
  rpc: RpcTransport,
  chain: ChainInfo,
  block: bigint,
): Promise<string | undefined> => {
  const known = chain.multicall3;
  if (known && (known.blockCreated === undefined || BigInt(known.blockCreated) <= block))
    return known.address;
  if (known) return undefined; // the chain's Multicall3 did not exist yet at that block
  try {
    const code = await rpc.request<string>("eth_getCode", [MULTICALL3_CANONICAL, hex(block)]);
    return typeof code === "string" && code.length > 2 ? MULTICALL3_CANONICAL : undefined;
  } catch {
    return undefined;
  }
};

const balanceOfData = (address: string) =>
  encodeFunctionData({ abi: erc20Abi, functionName: "balanceOf", args: [getAddress(address)] });

const decodeUint = (data: string | undefined): bigint | undefined => {
  if (typeof data !== "string" || !/^0x[0-9a-fA-F]{64,}$/.test(data)) return undefined;
  return BigInt(data.slice(0, 66));
};

/**
 * `address`'s native balance and `tokens`' `balanceOf(address)` at `block`.
 * @param multicall from `findMulticall3` (undefined: plain batched calls).
 */
export const readEvmBalances = async (args: {
  rpc: RpcTransport;
  address: string;
  block: bigint;
  tokens: readonly string[];
  multicall?: string | undefined;
}): Promise<EvmBalances> => {
  const { rpc, address, block } = args;
  const tokens = args.tokens.map((t) => getAddress(t));
  const tag = hex(block);
  const out = new Map<string, bigint | undefined>();
  if (args.multicall) {
    const calls = [
      {
        target: getAddress(args.multicall),
        allowFailure: true,
        callData: encodeFunctionData({
          abi: multicall3Abi,
          functionName: "getEthBalance",
          args: [getAddress(address)],
        }),
      },
      ...tokens.map((t) => ({ target: t, allowFailure: true, callData: balanceOfData(address) })),
    ];
    const results: { success: boolean; returnData: Hex }[] = [];
    for (let i = 0; i < calls.length; i += MULTICALL_CHUNK) {
      const data = encodeFunctionData({
        abi: multicall3Abi,
        functionName: "aggregate3",
        args: [calls.slice(i, i + MULTICALL_CHUNK)],
      });
      const raw = await rpc.request<Hex>("eth_call", [{ to: args.multicall, data }, tag]);
      results.push(
        ...(decodeFunctionResult({ abi: multicall3Abi, functionName: "aggregate3", data: raw }) as {
          success: boolean;
          returnData: Hex;
        }[]),
      );
    }
    const [eth, ...rest] = results;
    for (const [i, t] of tokens.entries()) {
      out.set(t, rest[i]?.success ? decodeUint(rest[i]!.returnData) : undefined);
    }
    return {
      native: eth?.success ? decodeUint(eth.returnData) : undefined,
      tokens: out,
      method: "multicall3",
    };
  }
  const answers = await rpc.batchSettled<string>([
    { method: "eth_getBalance", params: [getAddress(address), tag] },
    ...tokens.map((t) => ({ method: "eth_call", params: [{ to: t, data: balanceOfData(address) }, tag] })),
  ]);
  const [eth, ...rest] = answers;
  tokens.forEach((t, i) => {
    const a = rest[i];
    out.set(t, a?.ok ? decodeUint(a.result) : undefined);
  });
  const native = eth?.ok && typeof eth.result === "string" ? hexToBig(eth.result) : undefined;
  return { native, tokens: out, method: "rpc" };
};

/** `Transfer(address,address,uint256)`: the same topic whether or not the addresses are indexed. */
const TRANSFER_TOPIC = toEventSelector("Transfer(address,address,uint256)");

/**
 * Transfer events of `token` up to `toBlock` that do not index their addresses (one topic, the
 * addresses in `data`) and name `address`: lotwise's topic filters cannot find them. Returns
 * their count, or undefined when the node refused the query (a range too large for it).
 */
export const countUnindexedTransfers = async (args: {
  rpc: RpcTransport;
  token: string;
  address: string;
  fromBlock: bigint;
  toBlock: bigint;
}): Promise<number | undefined> => {
  try {
    const logs = await args.rpc.request<{ topics: string[]; data: string }[]>("eth_getLogs", [
      {
        address: getAddress(args.token),
        topics: [TRANSFER_TOPIC],
        fromBlock: hex(args.fromBlock),
        toBlock: hex(args.toBlock),
      },
    ]);
    const me = args.address.slice(2).toLowerCase();
    return logs.filter((l) => l.topics.length === 1 && l.data.toLowerCase().includes(me)).length;
  } catch {
    return undefined;
  }
};
