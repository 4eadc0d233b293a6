import { createRequire } from "node:module";
import { type Chain, getAddress, isAddress } from "viem";
import { nearest } from "../src/config-keys.ts";
import { UserInputError } from "../src/errors.ts";
import type { ChainInfo } from "./types.ts";
import { walletKey } from "./wallet-key.ts";

/**
 * Chains lotwise knows. EVM chains come from viem's chain definitions (`viem/chains`): any chain
 * viem lists is `evm:<chainId>` with its name, native currency,
 * block explorer, Multicall3 address and testnet flag. Five mainnets keep short names
 * (`ethereum`, `base`, `arbitrum`, `optimism`, `polygon`) and their own finality depths (ponder's
 * table: mainnet 65, Polygon 200, Arbitrum 240, others 30). Chain names are case-insensitive.
 */

/** Finality depth for EVM chains without their own entry. */
export const DEFAULT_EVM_FINALITY_DEPTH = 30;
/** Local development chains (anvil/hardhat 31337, ganache/geth --dev 1337) mine on demand and never reorg. */
export const LOCAL_CHAIN_IDS: ReadonlySet<number> = new Set([31337, 1337]);

type ViemEntry = { key: string; chain: Chain };

let viemIndex: ReadonlyMap<number, ViemEntry> | undefined;

/**
 * viem's chains by id, loaded on first use (about 750 definitions: commands that never resolve a
 * chain do not pay for them). Several exports can share an id (`anvil`/`foundry`/`hardhat`,
 * `base`/`basePreconf`): mainnets win over testnets, then the shortest export name.
 */
const viemById = (): ReadonlyMap<number, ViemEntry> => {
  if (viemIndex) return viemIndex;
  const all = createRequire(import.meta.url)("viem/chains") as Record<string, Chain>;
  const entries: ViemEntry[] = Object.entries(all)
    .filter(([, c]) => typeof c === "object" && c !== null && typeof c.id === "number")
    .map(([key, chain]) => ({ key, chain }));
  entries.sort(
    (a, b) =>
      Number(Boolean(a.chain.testnet)) - Number(Boolean(b.chain.testnet)) ||
      a.key.length - b.key.length ||
      a.key.localeCompare(b.key),
  );
  const out = new Map<number, ViemEntry>();
  for (const e of entries) if (!out.has(e.chain.id)) out.set(e.chain.id, e);
  viemIndex = out;
  return out;
};

/**
 * The chain id viem gives `lowerName` (an export name such as `bsc`, or a display name such as
 * `bnb smart chain`, already lower-cased), or undefined. Mainnets win, as in `viemById`.
 */
const viemChainIdByName = (lowerName: string): number | undefined => {
  for (const [id, e] of viemById()) {
    if (e.key.toLowerCase() === lowerName || e.chain.name.toLowerCase() === lowerName) return id;
  }
  return undefined;
};

/** The facts viem has about chain `id`, without lotwise's naming and finality choices. */
const fromViem = (entry: ViemEntry): Omit<ChainInfo, "id" | "finalityDepth"> => {
  const c = entry.chain;
  const explorer = c.blockExplorers?.default;
  const multicall3 = c.contracts?.multicall3 as { address: string; blockCreated?: number } | undefined;
  return {
    family: "evm",
    name: c.name,
    chainId: c.id,
    nativeSymbol: c.nativeCurrency.symbol,
    nativeDecimals: c.nativeCurrency.decimals,
    // OP-stack chain configs declare the L2 GasPriceOracle predeploy (viem's `chainConfig` of op-stack).
    ...(c.contracts && "gasPriceOracle" in c.contracts ? { opStack: true } : {}),
    ...(c.testnet ? { testnet: true } : {}),
    ...(LOCAL_CHAIN_IDS.has(c.id) ? { local: true } : {}),
    ...(explorer
      ? {
          explorer: {
            name: explorer.name,
            url: explorer.url,
            ...(explorer.apiUrl ? { apiUrl: explorer.apiUrl } : {}),
          },
        }
      : {}),
    ...(multicall3
      ? {
          multicall3: {
            address: getAddress(multicall3.address),
            ...(multicall3.blockCreated !== undefined ? { blockCreated: multicall3.blockCreated } : {}),
          },
        }
      : {}),
    viemName: entry.key,
  };
};

/** lotwise's short names: [id, EIP-155 chain id, finality depth]. */
const NAMED: readonly [string, number, number][] = [
  ["ethereum", 1, 65],
  ["base", 8453, 30],
  ["arbitrum", 42161, 240],
  ["optimism", 10, 30],
  ["polygon", 137, 200],
];

const SOLANA: ChainInfo = {
  id: "solana",
  family: "solana",
  name: "Solana",
  nativeSymbol: "SOL",
  nativeDecimals: 9,
  finalityDepth: 32,
};

/** The short chain names and their EIP-155 ids (Solana has none), without loading viem. */
export const SHORT_CHAINS: readonly { id: string; chainId?: number }[] = [
  ...NAMED.map(([id, chainId]) => ({ id, chainId })),
  { id: "solana" },
];

/**
 * Adds viem's explorer, Multicall3 and export name to a chain whose basic facts are static, as
 * enumerable getters: resolving `ethereum` or `evm:31337` does not load viem's ~750 definitions
 * until one of these is read.
 */
const withViemExtras = (info: ChainInfo, chainId: number): ChainInfo => {
  let extras: Pick<ChainInfo, "explorer" | "multicall3" | "viemName"> | undefined;
  const get = () => {
    if (!extras) {
      const entry = viemById().get(chainId);
      const f: Partial<ChainInfo> = entry ? fromViem(entry) : {};
      extras = { explorer: f.explorer, multicall3: f.multicall3, viemName: f.viemName };
    }
    return extras;
  };
  for (const key of ["explorer", "multicall3", "viemName"] as const) {
    Object.defineProperty(info, key, { enumerable: true, configurable: true, get: () => get()[key] });
  }
  return info;
};

const NAMES: Readonly<Record<string, string>> = {
  ethereum: "Ethereum",
  base: "Base",
  arbitrum: "Arbitrum One",
  optimism: "OP Mainnet",
  polygon: "Polygon PoS",
};
/** OP-stack short-named chains (they report an L1 data fee). */
const OP_STACK = new Set(["base", "optimism"]);

/** The chains with short names, plus Solana. Any other EVM chain is `evm:<chainId>`. */
const KNOWN: readonly ChainInfo[] = [
  ...NAMED.map(([id, chainId, finalityDepth]) =>
    withViemExtras(
      {
        id,
        family: "evm",
        name: NAMES[id]!,
        chainId,
        nativeSymbol: id === "polygon" ? "POL" : "ETH",
        nativeDecimals: 18,
        finalityDepth,
        ...(OP_STACK.has(id) ? { opStack: true } : {}),
      },
      chainId,
    ),
  ),
  SOLANA,
];

/** The chains with short names, plus Solana (explorer and Multicall3 from viem, read on demand). */
export const knownChains = (): readonly ChainInfo[] => KNOWN;

/** Local development chains' names (viem's). */
const LOCAL_NAMES: Readonly<Record<number, string>> = { 31337: "Anvil", 1337: "Localhost" };

export type ChainOptions = {
  /** Native asset symbol per `evm:<id>` chain, overriding viem's. @defaultValue viem's, else ETH */
  nativeSymbols?: Record<string, string>;
};

const generic = (chainId: number, options: ChainOptions): ChainInfo => {
  // `evm:031337` and `evm:31337` are one chain: the id is always the canonical decimal form.
  const id = `evm:${chainId}`;
  const local = LOCAL_CHAIN_IDS.has(chainId);
  if (local) {
    const symbol = options.nativeSymbols?.[id];
    return withViemExtras(
      {
        id,
        family: "evm",
        name: LOCAL_NAMES[chainId]!,
        chainId,
        nativeSymbol: symbol ?? "ETH",
        nativeDecimals: 18,
        finalityDepth: 0,
        local: true,
      },
      chainId,
    );
  }
  const entry = viemById().get(chainId);
  const base: ChainInfo = entry
    ? { id, ...fromViem(entry), finalityDepth: local ? 0 : DEFAULT_EVM_FINALITY_DEPTH }
    : {
        id,
        family: "evm",
        name: `EVM chain ${chainId}`,
        chainId,
        nativeSymbol: "ETH",
        nativeDecimals: 18,
        finalityDepth: local ? 0 : DEFAULT_EVM_FINALITY_DEPTH,
        ...(local ? { local: true } : {}),
      };
  const symbol = options.nativeSymbols?.[id];
  return symbol ? { ...base, nativeSymbol: symbol } : base;
};

/**
 * Resolves a chain name, case-insensitively: a short name (`ethereum`, `base`, …, `solana`) or
 * `evm:<chainId>` (a short-named chain when the id is one: `evm:1` is `ethereum`). A chain id
 * viem does not know is still a generic EVM chain (`EVM chain <id>`, native ETH for display
 * unless `nativeSymbols` says otherwise, never priced unless configured).
 * @throws UserInputError for an unknown name.
 */
export const resolveChain = (name: string, options: ChainOptions = {}): ChainInfo => {
  const lower = name.trim().toLowerCase();
  if (lower === "solana") return SOLANA;
  const short = KNOWN.find((c) => c.id === lower);
  if (short) return short;
  const m = /^evm:(\d{1,16})$/.exec(lower);
  const chainId = m ? Number(m[1]) : undefined;
  if (chainId !== undefined && chainId > 0 && Number.isSafeInteger(chainId)) {
    return KNOWN.find((c) => c.chainId === chainId) ?? generic(chainId, options);
  }
  // Any other name viem knows (its export name `bsc`, `avalanche`, or its display name
  // `BNB Smart Chain`), compared case-insensitively: the chain is `evm:<id>`.
  const named = viemChainIdByName(lower);
  if (named !== undefined) return resolveChain(`evm:${named}`, options);
  throw new UserInputError(
    `unknown chain '${name}': use one of ${SHORT_CHAINS.map((c) => c.id).join(", ")}, evm:<chainId> ` +
      "(lotwise chains lists the chains viem knows)",
  );
};

/** True when `name` resolves to a chain (see `resolveChain`), false instead of throwing. */
export const isChainName = (name: string, options: ChainOptions = {}): boolean => {
  try {
    resolveChain(name, options);
    return true;
  } catch {
    return false;
  }
};

/**
 * The keys of an `rpc` setting (config file, `LOTWISE_RPC_*`, `--rpc`) that name no chain, each with
 * the nearest short name when one is close (`etherum` → `ethereum`): such a URL would serve no
 * wallet, so a typo must be said, not ignored (`rpcUrlFor` skips them).
 */
export const unknownRpcNames = (
  rpc: Readonly<Record<string, string>>,
  options: ChainOptions = {},
): { name: string; suggestion: string | undefined }[] =>
  Object.keys(rpc)
    .filter((name) => !isChainName(name, options))
    .map((name) => ({
      name,
      suggestion: nearest(
        name,
        SHORT_CHAINS.map((c) => c.id),
      ),
    }));

/** @throws UserInputError naming each `rpc` key that is no chain (`unknownRpcNames`). */
export const assertRpcNames = (rpc: Readonly<Record<string, string>>, options: ChainOptions = {}): void => {
  const unknown = unknownRpcNames(rpc, options);
  if (unknown.length === 0) return;
  throw new UserInputError(
    `${unknown
      .map(
        (u) =>
          `rpc setting '${u.name}' names no chain${u.suggestion ? ` (did you mean ${u.suggestion}?)` : ""}`,
      )
      .join(
        "; ",
      )}: its URL would serve no wallet. Chains are named ${SHORT_CHAINS.map((c) => c.id).join(", ")} or evm:<chainId> (lotwise chains lists them)`,
  );
};

/** Every chain viem defines (one per chain id), resolved as lotwise sees it, sorted by chain id. */
export const listEvmChains = (options: ChainOptions = {}): ChainInfo[] =>
  [...viemById().keys()].sort((a, b) => a - b).map((id) => resolveChain(`evm:${id}`, options));

/**
 * The finality depth to use for `chain`: the configured override (`finality.<chain id>`) or the
 * registry default. In blocks (EVM) or slots (Solana).
 */
export const finalityDepthOf = (chain: ChainInfo, overrides: Record<string, number> = {}): number => {
  if (overrides[chain.id] !== undefined) return overrides[chain.id]!;
  // Any name of the chain, as for `rpc` (`evm:10`, `OP Mainnet` and `optimism` are one chain).
  for (const [name, depth] of Object.entries(overrides)) {
    try {
      if (resolveChain(name).id === chain.id) return depth;
    } catch {
      // not a chain name: ignore
    }
  }
  return chain.finalityDepth;
};

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

export { walletKey } from "./wallet-key.ts";

/**
 * The RPC URL configured for `chain`: the entry under its id, else any entry whose name resolves
 * to the same chain (`BSC`, `bsc` and `evm:56` are one chain). Undefined when none is configured.
 */
export const rpcUrlFor = (rpc: Readonly<Record<string, string>>, chain: ChainInfo): string | undefined => {
  if (rpc[chain.id]) return rpc[chain.id];
  for (const [name, url] of Object.entries(rpc)) {
    try {
      if (resolveChain(name).id === chain.id) return url;
    } catch {
      // not a chain name: ignore
    }
  }
  return undefined;
};
