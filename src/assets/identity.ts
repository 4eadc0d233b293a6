import { getAddress } from "viem";
import { resolveChain, SHORT_CHAINS } from "../../chains/registry.ts";
import {
  COINGECKO_PLATFORMS,
  KNOWN_ASSETS,
  KNOWN_TOKENS,
  type KnownAsset,
  LLAMA_CHAINS,
  NATIVE_COINS,
  type PriceIds,
  SYMBOL_ALIASES,
} from "./registry.ts";

/**
 * Asset identity: the ledger's `asset` is a canonical id.
 *
 * - Assets known to be the same on every chain (`KNOWN_ASSETS`: ETH, USDC, USDT, DAI, WBTC, SOL,
 *   POL, …) are their symbol: `ethereum:native`, `base:native` → `ETH`;
 *   `ethereum:0xA0b8…eB48`, `solana:EPjF…Dt1v` → `USDC`.
 * - Everything else keeps its chain id `<chain>:<contract or mint>` (EVM addresses in EIP-55
 *   case), e.g. `evm:31337:0xAbc…`, unless the configuration maps it (`assets.tokens`).
 * - Wrapped native tokens: with `weth: "same-as-eth"` (the default) every WETH contract *is*
 *   `ETH`, so wraps net out inside one asset and realize nothing (ledger CSV v1 has no way to carry
 *   basis from one asset to another without a disposal); with `"separate"` WETH stays the asset
 *   `WETH` and a wrap is a swap. `wsol` does the same for wrapped SOL (`So111…112`).
 *
 * Descriptions use `displaySymbol`. Pricing uses `llamaCoinId`, `coingeckoId` and
 * `isUsdStablecoin`.
 */

export type WethHandling = "separate" | "same-as-eth";
export type WsolHandling = "separate" | "same-as-sol";

/** What the configuration may say about one chain asset that keeps its chain id. */
export type AssetDeclaration = {
  /** Symbol for descriptions (the id stays `<chain>:<address>`). */
  symbol?: string | undefined;
  /** Price it at the 1.00 USD peg (e.g. the local demo's test stablecoin). */
  usdStablecoin?: boolean | undefined;
  decimals?: number | undefined;
  coingeckoId?: string | undefined;
  /** DefiLlama coin id; defaults to `coingecko:<coingeckoId>` or `<chain>:<address>`. */
  llamaId?: string | undefined;
  /** The balance changes with no Transfer event (a rebasing or interest-bearing token). */
  rebasing?: boolean | undefined;
};

export type AssetOptions = {
  /** @defaultValue `separate` */
  weth?: WethHandling | undefined;
  /** @defaultValue `separate` */
  wsol?: WsolHandling | undefined;
  /**
   * Extra mappings from chain asset ids (`evm:31337:0x…`, `ethereum:0x…`, `<chain>:native`):
   * a string makes the asset *that* canonical asset (`"USDC"`, or another chain id); an object
   * keeps the chain id and declares its symbol, stablecoin status or price ids.
   */
  tokens?: Readonly<Record<string, string | AssetDeclaration>> | undefined;
  /** Native symbol per unlisted `evm:<id>` chain, for descriptions only. @defaultValue ETH */
  nativeSymbols?: Readonly<Record<string, string>> | undefined;
};

/** Where a canonical asset lives on one chain, for on-chain pricing. */
export type ChainContract = { native: true } | { native: false; address: string; decimals?: number };

/** A parsed chain asset id. */
export type ChainAssetRef = {
  /** The chain part as written (`ethereum`, `evm:31337`). */
  chain: string;
  /** The registry chain it denotes (`evm:1` → `ethereum`); equals `chain` for unlisted chains. */
  knownChain: string;
  family: "evm" | "solana";
  /** `native`, an address or a mint. */
  address: string;
};

export type AssetIdentity = {
  /** `ethereum:native` → `ETH`; unknown ids come back in chain form (EVM address EIP-55). */
  canonicalAsset: (chainAssetId: string) => string;
  /** Symbol for descriptions: `USDC`, `USDC.e`, `FOO (ethereum:0x…)`, or the id itself. */
  displaySymbol: (asset: string, onchainSymbol?: string | null) => string;
  /** True for USD stablecoins (registry, `KNOWN_TOKENS` or declared in `assets.tokens`). */
  isUsdStablecoin: (asset: string) => boolean;
  /** DefiLlama coin id (`coingecko:ethereum`, `base:0x…`), or undefined (e.g. a local chain). */
  llamaCoinId: (asset: string, at?: Date) => string | undefined;
  /** CoinGecko coin id, or undefined when only a contract lookup is possible (see `coingeckoCoinPath`). */
  coingeckoId: (asset: string, at?: Date) => string | undefined;
  /** Path under the CoinGecko API for the coin: `coins/<id>` or `coins/<platform>/contract/<address>`. */
  coingeckoCoinPath: (asset: string, at?: Date) => string | undefined;
  /** The asset's native status or contract on `chain`, when known. */
  contractOn: (asset: string, chain: string) => ChainContract | undefined;
  /** Decimals of one whole unit when known. */
  decimalsOf: (asset: string, chain?: string) => number | undefined;
  /**
   * Normalizes an asset written by a user (price files): known symbols in any case and aliases
   * (`matic` → `POL`), chain ids through `canonicalAsset`, other symbols as written.
   */
  normalizeUserAsset: (text: string) => string;
  /** Adapter for classification: `{ chain, chainAsset, symbol }` → `{ asset, symbol }`. */
  resolveMovementAsset: (m: { chain: string; chainAsset: string; symbol: string | null }) => {
    asset: string;
    symbol: string;
  };
};

const CHAIN_BY_EVM_ID = new Map(
  SHORT_CHAINS.filter((c) => c.chainId !== undefined).map((c) => [c.chainId!, c.id]),
);
const KNOWN_CHAIN_IDS = new Set(SHORT_CHAINS.map((c) => c.id));

/**
 * Splits `<chain>:<address | mint | native>`; undefined when `id` is not in that form (a symbol)
 * or the chain is neither a listed chain nor `evm:<number>`.
 */
export const parseChainAssetId = (id: string): ChainAssetRef | undefined => {
  const i = id.lastIndexOf(":");
  if (i <= 0 || i === id.length - 1) return undefined;
  const chain = id.slice(0, i);
  const address = id.slice(i + 1);
  if (KNOWN_CHAIN_IDS.has(chain)) {
    return { chain, knownChain: chain, family: chain === "solana" ? "solana" : "evm", address };
  }
  const m = /^evm:(\d{1,16})$/.exec(chain);
  if (!m) return undefined;
  return { chain, knownChain: CHAIN_BY_EVM_ID.get(Number(m[1])) ?? chain, family: "evm", address };
};

/** Lookup key: registry chain + address, EVM addresses lowercased (mints are case-sensitive). */
const refKey = (ref: ChainAssetRef): string =>
  `${ref.knownChain}:${ref.family === "evm" ? ref.address.toLowerCase() : ref.address}`;
const keyOf = (chain: string, address: string): string | undefined => {
  const ref = parseChainAssetId(`${chain}:${address}`);
  return ref ? refKey(ref) : undefined;
};
const idKey = (id: string): string | undefined => {
  const ref = parseChainAssetId(id);
  return ref ? refKey(ref) : undefined;
};

const EVM_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** `id` in chain form with the EVM address in EIP-55 case; other ids unchanged. */
const tidyChainId = (id: string, ref: ChainAssetRef): string =>
  ref.family === "evm" && EVM_ADDRESS.test(ref.address) ? `${ref.chain}:${getAddress(ref.address)}` : id;

const ALL_ASSETS: readonly KnownAsset[] = [...KNOWN_ASSETS, ...NATIVE_COINS];
const ASSET_BY_SYMBOL = new Map(ALL_ASSETS.map((a) => [a.symbol, a]));
const SYMBOL_BY_UPPER = new Map(ALL_ASSETS.map((a) => [a.symbol.toUpperCase(), a.symbol]));
/** Native currency symbols that are a canonical asset (`ETH` on every ETH-gas chain, `BNB`, …). */
const NATIVE_SYMBOLS = new Set(["ETH", "POL", ...NATIVE_COINS.map((c) => c.symbol)]);

/**
 * The canonical asset of `<chain>:native` for chains the registry does not list it for: a
 * mainnet's native currency when it is a known coin (ETH on OP-stack and Arbitrum chains, POL,
 * BNB, AVAX, …, from viem's chain definitions); ETH on local development chains (31337, 1337)
 * unless `nativeSymbols` names another coin; undefined for testnets (never priced) and for coins
 * lotwise does not know (the id stays `<chain>:native`).
 */
export const nativeAssetOf = (
  chain: string,
  nativeSymbols: Readonly<Record<string, string>> = {},
): string | undefined => {
  let info: ReturnType<typeof resolveChain>;
  try {
    info = resolveChain(chain, { nativeSymbols: { ...nativeSymbols } });
  } catch {
    return undefined;
  }
  if (info.family !== "evm" || info.testnet) return undefined;
  const symbol = normalizeSymbol(info.nativeSymbol);
  if (info.local) return symbol === "ETH" ? "ETH" : undefined;
  // A chain viem does not know: its coin is only what the configuration says it is.
  if (!info.viemName && nativeSymbols[info.id] === undefined) return undefined;
  return NATIVE_SYMBOLS.has(symbol) ? symbol : undefined;
};

/** Registry symbol per deployment key and per `<chain>:native`. */
const REGISTRY_IDS = (() => {
  const out = new Map<string, string>();
  for (const a of KNOWN_ASSETS) {
    for (const chain of a.nativeOn) out.set(`${chain}:native`, a.symbol);
    for (const d of a.deployments) out.set(keyOf(d.chain, d.address)!, a.symbol);
  }
  return out;
})();
const TOKEN_BY_KEY = new Map(KNOWN_TOKENS.map((t) => [keyOf(t.chain, t.address)!, t]));

const llamaIdOf = (ids: PriceIds): string | undefined =>
  ids.llamaId ?? (ids.coingeckoId ? `coingecko:${ids.coingeckoId}` : undefined);

const idsAt = (a: KnownAsset, at: Date | undefined): PriceIds =>
  a.priceIdsBefore && at && at.getTime() < a.priceIdsBefore.until.getTime() ? a.priceIdsBefore : a;

/** Builds the identity functions for `options` (precomputed maps; cheap to call per movement). */
export const createAssetIdentity = (options: AssetOptions = {}): AssetIdentity => {
  const weth = options.weth ?? "same-as-eth";
  const wsol = options.wsol ?? "same-as-sol";
  const fold = (symbol: string): string => {
    if (symbol === "WETH" && weth === "same-as-eth") return "ETH";
    if (symbol === "WSOL" && wsol === "same-as-sol") return "SOL";
    return symbol;
  };

  const mapped = new Map<string, string>();
  const declared = new Map<string, AssetDeclaration>();
  /** canonical → chain → address, from string mappings (e.g. the demo's USDC on evm:31337). */
  const reverse = new Map<string, Map<string, string>>();
  for (const [id, value] of Object.entries(options.tokens ?? {})) {
    const ref = parseChainAssetId(id);
    if (!ref) continue; // the config schema rejects these; ignore rather than guess
    if (typeof value === "string") {
      mapped.set(refKey(ref), value);
      if (ref.address !== "native") {
        const target = fold(normalizeSymbol(value));
        const byChain = reverse.get(target) ?? new Map<string, string>();
        byChain.set(ref.knownChain, ref.address);
        reverse.set(target, byChain);
      }
    } else {
      declared.set(refKey(ref), value);
    }
  }

  const memo = new Map<string, string>();
  const canonicalAsset = (chainAssetId: string): string => {
    const hit = memo.get(chainAssetId);
    if (hit !== undefined) return hit;
    let out: string;
    const ref = parseChainAssetId(chainAssetId);
    if (!ref) {
      out = fold(chainAssetId); // already canonical (a symbol): idempotent
    } else {
      const key = refKey(ref);
      const target = mapped.get(key);
      if (target !== undefined) {
        // The target is itself resolved through the registry (one level: no mapping chains).
        const targetRef = parseChainAssetId(target);
        const targetSymbol = targetRef ? REGISTRY_IDS.get(refKey(targetRef)) : undefined;
        out =
          targetSymbol !== undefined
            ? fold(targetSymbol)
            : targetRef
              ? tidyChainId(target, targetRef)
              : fold(normalizeSymbol(target));
      } else {
        // A declared native coin keeps its chain id; otherwise the chain's native currency decides.
        const native =
          ref.address === "native" && !declared.has(key)
            ? nativeAssetOf(ref.chain, options.nativeSymbols)
            : undefined;
        const symbol = REGISTRY_IDS.get(key) ?? native;
        out = symbol !== undefined ? fold(symbol) : tidyChainId(chainAssetId, ref);
      }
    }
    if (memo.size < 100_000) memo.set(chainAssetId, out);
    return out;
  };

  const declarationOf = (asset: string): AssetDeclaration | undefined => {
    const key = idKey(asset);
    return key === undefined ? undefined : declared.get(key);
  };

  const displaySymbol = (asset: string, onchainSymbol?: string | null): string => {
    if (ASSET_BY_SYMBOL.has(asset)) return asset;
    const key = idKey(asset);
    if (key === undefined) return asset; // a user symbol, e.g. from a price file
    const declaredSymbol = declared.get(key)?.symbol;
    if (declaredSymbol) return declaredSymbol;
    const token = TOKEN_BY_KEY.get(key);
    if (token) return token.symbol;
    const ref = parseChainAssetId(asset)!;
    if (ref.address === "native") {
      try {
        return resolveChain(ref.chain, { nativeSymbols: { ...options.nativeSymbols } }).nativeSymbol;
      } catch {
        return asset;
      }
    }
    // An unlisted token's own symbol can imitate anything ("USDC"), so the id goes with it.
    const trimmed = onchainSymbol?.trim();
    return trimmed ? `${trimmed} (${asset})` : asset;
  };

  const isUsdStablecoin = (asset: string): boolean => {
    const known = ASSET_BY_SYMBOL.get(asset);
    if (known) return known.usdStablecoin;
    const key = idKey(asset);
    if (key === undefined) return false;
    const d = declared.get(key);
    if (d?.usdStablecoin !== undefined) return d.usdStablecoin;
    return TOKEN_BY_KEY.get(key)?.usdStablecoin ?? false;
  };

  const priceIdsOf = (asset: string, at: Date | undefined): PriceIds | undefined => {
    const known = ASSET_BY_SYMBOL.get(asset);
    if (known) return idsAt(known, at);
    const d = declarationOf(asset);
    if (d && (d.coingeckoId || d.llamaId)) return d;
    const key = idKey(asset);
    const token = key === undefined ? undefined : TOKEN_BY_KEY.get(key);
    if (token && (token.coingeckoId || token.llamaId)) return token;
    return undefined;
  };

  const llamaCoinId = (asset: string, at?: Date): string | undefined => {
    const ids = priceIdsOf(asset, at);
    if (ids) return llamaIdOf(ids);
    const ref = parseChainAssetId(asset);
    const prefix = ref ? LLAMA_CHAINS[ref.knownChain] : undefined;
    if (!ref || !prefix || ref.address === "native") return undefined;
    return `${prefix}:${ref.address}`;
  };

  const coingeckoId = (asset: string, at?: Date): string | undefined => priceIdsOf(asset, at)?.coingeckoId;

  const coingeckoCoinPath = (asset: string, at?: Date): string | undefined => {
    const id = coingeckoId(asset, at);
    if (id) return `coins/${encodeURIComponent(id)}`;
    const ref = parseChainAssetId(asset);
    const platform = ref ? COINGECKO_PLATFORMS[ref.knownChain] : undefined;
    if (!ref || !platform || ref.address === "native") return undefined;
    const address = ref.family === "evm" ? ref.address.toLowerCase() : ref.address;
    return `coins/${platform}/contract/${encodeURIComponent(address)}`;
  };

  const contractOn = (asset: string, chain: string): ChainContract | undefined => {
    const chainRef = parseChainAssetId(`${chain}:native`);
    if (!chainRef) return undefined;
    const target = chainRef.knownChain;
    const ref = parseChainAssetId(asset);
    if (ref) {
      if (ref.knownChain !== target) return undefined;
      if (ref.address === "native") return { native: true };
      const decimals = declarationOf(asset)?.decimals ?? TOKEN_BY_KEY.get(refKey(ref))?.decimals;
      return { native: false, address: ref.address, ...(decimals !== undefined ? { decimals } : {}) };
    }
    const fromConfig = reverse.get(asset)?.get(target);
    if (fromConfig) return { native: false, address: fromConfig };
    if (nativeAssetOf(target, options.nativeSymbols) === asset) return { native: true };
    const candidates = [asset];
    // With WETH folded into ETH, ETH on a chain may also be its WETH contract; native comes first.
    if (asset === "ETH" && weth === "same-as-eth") candidates.push("WETH");
    if (asset === "SOL" && wsol === "same-as-sol") candidates.push("WSOL");
    for (const symbol of candidates) {
      const known = ASSET_BY_SYMBOL.get(symbol);
      if (!known) continue;
      if (known.nativeOn.includes(target)) return { native: true };
      const d = known.deployments.find((x) => x.chain === target);
      if (d) return { native: false, address: d.address, decimals: d.decimals };
    }
    return undefined;
  };

  const decimalsOf = (asset: string, chain?: string): number | undefined => {
    const known = ASSET_BY_SYMBOL.get(asset);
    if (known) {
      const d = chain ? known.deployments.find((x) => x.chain === chain) : undefined;
      return d?.decimals ?? known.decimals;
    }
    const key = idKey(asset);
    if (key === undefined) return undefined;
    return declared.get(key)?.decimals ?? TOKEN_BY_KEY.get(key)?.decimals;
  };

  const normalizeUserAsset = (text: string): string => {
    const ref = parseChainAssetId(text);
    return ref ? canonicalAsset(text) : fold(normalizeSymbol(text));
  };

  return {
    canonicalAsset,
    displaySymbol,
    isUsdStablecoin,
    llamaCoinId,
    coingeckoId,
    coingeckoCoinPath,
    contractOn,
    decimalsOf,
    normalizeUserAsset,
    resolveMovementAsset: (m) => {
      const asset = canonicalAsset(m.chainAsset);
      return { asset, symbol: displaySymbol(asset, m.symbol) };
    },
  };
};

/** A registry symbol in its canonical case (`usdc` → `USDC`, `matic` → `POL`); others unchanged. */
export const normalizeSymbol = (text: string): string => {
  const upper = text.toUpperCase();
  return SYMBOL_ALIASES[upper] ?? SYMBOL_BY_UPPER.get(upper) ?? text;
};

// Free functions: one identity per options object (the default one when none is given).
const byOptions = new WeakMap<AssetOptions, AssetIdentity>();
const defaultIdentity = createAssetIdentity();
const identityFor = (options?: AssetOptions): AssetIdentity => {
  if (!options) return defaultIdentity;
  let identity = byOptions.get(options);
  if (!identity) {
    identity = createAssetIdentity(options);
    byOptions.set(options, identity);
  }
  return identity;
};

/** See `AssetIdentity.canonicalAsset`. Pass the same `options` object to reuse its maps. */
export const canonicalAsset = (chainAssetId: string, options?: AssetOptions): string =>
  identityFor(options).canonicalAsset(chainAssetId);
/** See `AssetIdentity.displaySymbol`. */
export const displaySymbol = (asset: string, options?: AssetOptions, onchainSymbol?: string | null): string =>
  identityFor(options).displaySymbol(asset, onchainSymbol);
/** See `AssetIdentity.llamaCoinId`. */
export const llamaCoinId = (asset: string, at?: Date, options?: AssetOptions): string | undefined =>
  identityFor(options).llamaCoinId(asset, at);
/** See `AssetIdentity.coingeckoId`. */
export const coingeckoId = (asset: string, at?: Date, options?: AssetOptions): string | undefined =>
  identityFor(options).coingeckoId(asset, at);
/** See `AssetIdentity.isUsdStablecoin`. */
export const isUsdStablecoin = (asset: string, options?: AssetOptions): boolean =>
  identityFor(options).isUsdStablecoin(asset);

/** The asset options in a parsed configuration (`assets` section + `nativeSymbols`). */
export const assetOptionsFromConfig = (config: {
  assets: { weth: WethHandling; wsol: WsolHandling; tokens: Record<string, string | AssetDeclaration> };
  nativeSymbols: Record<string, string>;
}): AssetOptions => ({
  weth: config.assets.weth,
  wsol: config.assets.wsol,
  tokens: config.assets.tokens,
  nativeSymbols: config.nativeSymbols,
});
