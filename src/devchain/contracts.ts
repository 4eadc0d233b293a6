import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  type Abi,
  type Address,
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  getAddress,
  type Hash,
  type Hex,
} from "viem";
import { type CompiledContract, compileContracts } from "./compile.ts";

/**
 * Contract artifacts for the dev chain and a minimal JSON-RPC client for anvil's unlocked
 * accounts (no keys: `eth_sendTransaction` from `eth_accounts`). Uniswap V2 and WETH9 come
 * prebuilt from `@uniswap/v2-core` / `@uniswap/v2-periphery` (the pair's init code hash matches
 * the router's, so the real router works); the rest is compiled from `contracts/*.sol`.
 */

export type Artifacts = Record<
  | "TestToken"
  | "Forwarder"
  | "Bytes32Token"
  | "RevertingToken"
  | "TestNFT"
  | "TestMulti"
  | "RebasingToken"
  | "UnindexedToken"
  | "WETH9"
  | "UniswapV2Factory"
  | "UniswapV2Pair"
  | "UniswapV2Router02",
  CompiledContract
>;

const require = createRequire(import.meta.url);

const uniswap = (pkg: string, name: string): CompiledContract => {
  const json = JSON.parse(readFileSync(require.resolve(`${pkg}/build/${name}.json`), "utf8")) as {
    abi: Abi;
    bytecode?: string;
    evm?: { bytecode?: { object?: string } };
  };
  const code = json.bytecode ?? json.evm?.bytecode?.object ?? "";
  return { abi: json.abi, bytecode: (code.startsWith("0x") ? code : `0x${code}`) as Hex };
};

/** Every artifact the scenario and benchmarks deploy (compiles on first use, then cached). */
export const loadArtifacts = async (): Promise<Artifacts> => {
  const compiled = await compileContracts();
  const need = [
    "TestToken",
    "Forwarder",
    "Bytes32Token",
    "RevertingToken",
    "TestNFT",
    "TestMulti",
    "RebasingToken",
    "UnindexedToken",
  ] as const;
  for (const n of need) if (!compiled[n]) throw new Error(`contract ${n} missing from the compiler output`);
  return {
    ...(compiled as Pick<Artifacts, (typeof need)[number]>),
    WETH9: uniswap("@uniswap/v2-periphery", "WETH9"),
    UniswapV2Factory: uniswap("@uniswap/v2-core", "UniswapV2Factory"),
    UniswapV2Pair: uniswap("@uniswap/v2-core", "UniswapV2Pair"),
    UniswapV2Router02: uniswap("@uniswap/v2-periphery", "UniswapV2Router02"),
  };
};

export type TxRequest = {
  from: Address;
  to?: Address;
  data?: Hex;
  /** Wei. */
  value?: bigint;
  /** Explicit gas skips estimation (needed to mine a transaction that reverts). */
  gas?: bigint;
};

export type Receipt = {
  transactionHash: Hash;
  blockNumber: Hex;
  status: Hex;
  gasUsed: Hex;
  effectiveGasPrice: Hex;
  contractAddress: Address | null;
};

/** A tiny JSON-RPC client for a local dev node (no retries: the node is local). */
export type DevClient = {
  url: string;
  request: <T = unknown>(method: string, params?: unknown[]) => Promise<T>;
  accounts: () => Promise<Address[]>;
  /** Sends and returns the mined receipt (automine); throws when `expectStatus` differs. */
  send: (tx: TxRequest, expectStatus?: "success" | "failed") => Promise<Receipt>;
  deploy: (from: Address, artifact: CompiledContract, args?: readonly unknown[]) => Promise<Address>;
  call: <T>(to: Address, artifact: CompiledContract, fn: string, args?: readonly unknown[]) => Promise<T>;
  /** `data` for a contract call. */
  encode: (artifact: CompiledContract, fn: string, args?: readonly unknown[]) => Hex;
};

const hex = (n: bigint) => `0x${n.toString(16)}`;

export const createDevClient = (url: string): DevClient => {
  let id = 1;
  const request = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: id++, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  };
  const encode = (artifact: CompiledContract, fn: string, args: readonly unknown[] = []) =>
    encodeFunctionData({ abi: artifact.abi, functionName: fn, args } as Parameters<
      typeof encodeFunctionData
    >[0]);
  const send = async (tx: TxRequest, expectStatus: "success" | "failed" = "success") => {
    const body = {
      from: tx.from,
      ...(tx.to ? { to: tx.to } : {}),
      ...(tx.data ? { data: tx.data } : {}),
      ...(tx.value !== undefined ? { value: hex(tx.value) } : {}),
    };
    // The node's estimate is made against the current block; when the next block has a later
    // timestamp (a block interval, a set timestamp) Uniswap's price accumulators write more
    // storage and the estimate falls short. Half again as much gas covers it; fees are gasUsed × price.
    const gas = tx.gas ?? (BigInt(await request<Hex>("eth_estimateGas", [body])) * 3n) / 2n;
    const hash = await request<Hash>("eth_sendTransaction", [{ ...body, gas: hex(gas) }]);
    // anvil answers eth_sendTransaction before the automined block is queryable: poll briefly.
    let receipt: Receipt | null = null;
    for (let i = 0; i < 1000 && !receipt; i++) {
      receipt = await request<Receipt | null>("eth_getTransactionReceipt", [hash]);
      if (!receipt) await new Promise((r) => setTimeout(r, i < 20 ? 2 : 20));
    }
    if (!receipt) throw new Error(`transaction ${hash} was not mined (is automine off?)`);
    const status = receipt.status === "0x1" ? "success" : "failed";
    if (status !== expectStatus) throw new Error(`transaction ${hash} ${status}, expected ${expectStatus}`);
    return receipt;
  };
  return {
    url,
    request,
    accounts: async () => (await request<string[]>("eth_accounts")).map((a) => getAddress(a)),
    send,
    encode,
    deploy: async (from, artifact, args = []) => {
      const data = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args } as Parameters<
        typeof encodeDeployData
      >[0]);
      const receipt = await send({ from, data });
      return getAddress(receipt.contractAddress!);
    },
    call: async <T>(to: Address, artifact: CompiledContract, fn: string, args: readonly unknown[] = []) => {
      const data = encode(artifact, fn, args);
      const out = await request<Hex>("eth_call", [{ to, data }, "latest"]);
      return decodeFunctionResult({ abi: artifact.abi, functionName: fn, data: out } as Parameters<
        typeof decodeFunctionResult
      >[0]) as T;
    },
  };
};
