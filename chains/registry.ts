import { getAddress, isAddress } from "viem";
import { UserInputError } from "../src/errors.ts";
import type { ChainInfo } from "./types.ts";

/** Known chains. Finality depths follow ponder's table (mainnet 65, Polygon 200, Arbitrum 240). */
export const KNOWN_CHAINS: readonly ChainInfo[] = [
  {
    id: "ethereum",
    family: "evm",
    name: "Ethereum",
    chainId: 1,
    nativeSymbol: "ETH",
    nativeDecimals: 18,
    finalityDepth: 65,
  },
  {
    id: "base",
    family: "evm",
    name: "Base",
    chainId: 8453,
    nativeSymbol: "ETH",
    nativeDecimals: 18,
    finalityDepth: 30,
    opStack: true,
  },
  {
    id: "arbitrum",
    family: "evm",
    name: "Arbitrum One",
    chainId: 42161,
    nativeSymbol: "ETH",
    nativeDecimals: 18,
    finalityDepth: 240,
  },
  {
    id: "optimism",
    family: "evm",
    name: "OP Mainnet",
    chainId: 10,
    nativeSymbol: "ETH",
    nativeDecimals: 18,
    finalityDepth: 30,
    opStack: true,
  },
  {
    id: "polygon",
    family: "evm",
    name: "Polygon PoS",
    chainId: 137,
    nativeSymbol: "POL",
    nativeDecimals: 18,
    finalityDepth: 200,
  },
  {
    id: "solana",
    family: "solana",
    name: "Solana",
    nativeSymbol: "SOL",
    nativeDecimals: 9,
    finalityDepth: 32,
  },
];

/** Finality depth for `evm:<chainId>` chains not listed above. */
export const DEFAULT_EVM_FINALITY_DEPTH = 30;
/** Local development chains (anvil, hardhat) mine on demand and never reorg. */
const LOCAL_CHAIN_IDS = new Set([31337, 1337]);

export type ChainOptions = {
  /** Native asset symbol per `evm:<id>` chain. @defaultValue ETH */
  nativeSymbols?: Record<string, string>;
};

/**
 * Resolves a chain id string. `evm:<chainId>` maps to a known chain when the id matches one
 * (so `evm:1` is `ethereum`), else to a generic EVM chain.
 * @throws UserInputError for an unknown chain.
 */
export const resolveChain = (id: string, options: ChainOptions = {}): ChainInfo => {
  const known = KNOWN_CHAINS.find((c) => c.id === id);
  if (known) return known;
  const m = /^evm:(\d{1,12})$/.exec(id);
  if (m && Number(m[1]) > 0) {
    const chainId = Number(m[1]);
    const byId = KNOWN_CHAINS.find((c) => c.chainId === chainId);
    if (byId) return byId;
    // `evm:031337` and `evm:31337` are one chain: the id is always the canonical decimal form.
    const canonical = `evm:${chainId}`;
    return {
      id: canonical,
      family: "evm",
      name: `EVM chain ${chainId}`,
      chainId,
      nativeSymbol: options.nativeSymbols?.[canonical] ?? "ETH",
      nativeDecimals: 18,
      finalityDepth: LOCAL_CHAIN_IDS.has(chainId) ? 0 : DEFAULT_EVM_FINALITY_DEPTH,
    };
  }
  throw new UserInputError(
    `unknown chain '${id}': use one of ${KNOWN_CHAINS.map((c) => c.id).join(", ")} or evm:<chainId>`,
  );
};

/**
 * The finality depth to use for `chain`: the configured override (`finality.<chain id>`) or the
 * registry default. In blocks (EVM) or slots (Solana).
 */
export const finalityDepthOf = (chain: ChainInfo, overrides: Record<string, number> = {}): number =>
  overrides[chain.id] ?? chain.finalityDepth;

const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;
const BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** Decodes base58 to bytes (no checksum), or undefined when a character is not base58. */
const base58Decode = (s: string): Uint8Array | undefined => {
  if (!BASE58.test(s)) return undefined;
  let n = 0n;
  for (const ch of s) n = n * 58n + BigInt(BASE58_ALPHABET.indexOf(ch));
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const ch of s) {
    if (ch !== "1") break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
};

/**
 * Validates an address for `chain` and returns its canonical form (EIP-55 checksum for EVM,
 * base58 as given for Solana).
 * @throws UserInputError naming the address and what is wrong.
 */
export const canonicalAddress = (chain: ChainInfo, address: string): string => {
  if (chain.family === "evm") {
    if (!/^0x[0-9a-fA-F]{40}$/.test(address)) {
      throw new UserInputError(
        `invalid ${chain.id} address '${address}': expected 0x followed by 40 hexadecimal characters`,
      );
    }
    const mixed = /[a-f]/.test(address.slice(2)) && /[A-F]/.test(address.slice(2));
    if (mixed && !isAddress(address, { strict: true })) {
      throw new UserInputError(
        `invalid ${chain.id} address '${address}': mixed-case checksum does not match (EIP-55); check for a typo`,
      );
    }
    return getAddress(address);
  }
  const bytes = base58Decode(address);
  if (bytes?.length !== 32) {
    throw new UserInputError(
      `invalid solana address '${address}': expected a base58 public key of 32 bytes (32–44 characters)`,
    );
  }
  return address;
};

export type WalletSpec = {
  chain: ChainInfo;
  address: string /** `<chain>:<address>` as used in the ledger. */;
  key: string;
};

/**
 * Parses `<chain>:<address>` (`ethereum:0x…`, `evm:31337:0x…`, `solana:<base58>`).
 * @throws UserInputError with the spec and the problem.
 */
export const parseWalletSpec = (spec: string, options: ChainOptions = {}): WalletSpec => {
  const i = spec.lastIndexOf(":");
  if (i <= 0 || i === spec.length - 1) {
    throw new UserInputError(
      `invalid wallet '${spec}': expected <chain>:<address>, e.g. ethereum:0x…, evm:31337:0x… or solana:<address>`,
    );
  }
  const chain = resolveChain(spec.slice(0, i), options);
  const address = canonicalAddress(chain, spec.slice(i + 1));
  return { chain, address, key: walletKey(chain.id, address) };
};

/** The ledger's wallet string for a chain wallet. */
export const walletKey = (chainId: string, address: string): string => `${chainId}:${address}`;
