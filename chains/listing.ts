import { type AssetOptions, canonicalAsset } from "../src/assets/identity.ts";
import { knownChains, listEvmChains } from "./registry.ts";
import type { ChainInfo } from "./types.ts";

/** One chain as `lotwise chains --json` and `GET /v1/chains` show it. */
export type ChainListing = {
  /** lotwise's chain id: a short name, `evm:<chainId>` or `solana`. */
  id: string;
  name: string;
  chainId: number | null;
  /** viem's export name for it (`bsc`), for searching. */
  viemName: string | null;
  nativeSymbol: string;
  /** The canonical asset the native coin is priced as (`ETH`, `BNB`), or null (never priced). */
  pricedAs: string | null;
  testnet: boolean;
  multicall3: string | null;
  explorer: string | null;
};

export type ListingOptions = {
  /** Config `nativeSymbols`: native symbol per `evm:<id>` chain. */
  nativeSymbols: Record<string, string>;
  /** Config `assets.tokens`: asset id → canonical asset or declaration. */
  tokens: AssetOptions["tokens"];
};

const listing = (c: ChainInfo, options: ListingOptions): ChainListing => {
  const native = `${c.id}:native`;
  const asset = canonicalAsset(native, { nativeSymbols: options.nativeSymbols, tokens: options.tokens });
  return {
    id: c.id,
    name: c.name,
    chainId: c.chainId ?? null,
    viemName: c.viemName ?? null,
    nativeSymbol: c.nativeSymbol,
    pricedAs: asset === native ? null : asset,
    testnet: Boolean(c.testnet),
    multicall3: c.multicall3?.address ?? null,
    explorer: c.explorer?.url ?? null,
  };
};

/**
 * The chains lotwise accepts: the short-named ones and Solana, or with `all` every EVM chain viem
 * knows as well (about 750, sorted by chain id; a short-named chain appears once, under its short
 * name). `search` keeps those whose id, name, viem name or chain id contains it (implies `all`).
 */
export const listChains = (
  options: ListingOptions,
  filter: { all?: boolean | undefined; search?: string | undefined } = {},
): ChainListing[] => {
  const all = filter.all || filter.search !== undefined;
  const chainOptions = { nativeSymbols: options.nativeSymbols };
  let chains: ChainInfo[] = all
    ? [...knownChains().filter((c) => c.family === "solana"), ...listEvmChains(chainOptions)]
    : [...knownChains()];
  if (filter.search !== undefined) {
    const q = filter.search.toLowerCase();
    chains = chains.filter((c) =>
      [c.id, c.name, c.viemName ?? "", String(c.chainId ?? "")].some((s) => s.toLowerCase().includes(q)),
    );
  }
  return chains.map((c) => listing(c, options));
};
