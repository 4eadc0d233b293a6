import type { PriceProviderName } from "../config.ts";
import type { PriceCache } from "./cache.ts";

export type { PriceProviderName };

/** Where a movement happened, for providers that read the chain (on-chain pools). */
export type PriceHint = {
  /** lotwise chain id (`ethereum`, `evm:31337`, `solana`). */
  chain: string;
  /** The movement's block: on-chain pool prices are read at its start (the previous block's end). */
  blockNumber?: bigint | undefined;
  /** The token contract on `chain`, when the canonical id alone does not say (e.g. `USDC` → which USDC). */
  contract?: string | undefined;
};

/** One price wanted: USD per whole unit of `asset` at `time`. */
export type PriceQuery = {
  /** Canonical ledger asset id (`ETH`, `USDC`, `evm:31337:0x…`). */
  asset: string;
  time: Date;
  hint?: PriceHint | undefined;
  /** Whole units moved (exact decimal string): a pool price is refused or flagged when the movement is a large share of the pool. */
  quantity?: string | undefined;
};

/** A price found. */
export type Price = {
  /** USD per whole unit, an exact decimal string (`"2279.94"`, never a float, never exponent form). */
  usd: string;
  /** `file:<name>`, `stablecoin`, `onchain:<chain>:<pair>@<block>/reserve:<token reserve>`, `defillama`, `coingecko`. */
  source: string;
  provider: PriceProviderName;
  /** The instant the price is for (at or before the query's time). */
  priceTime: Date;
  /** A caveat that puts the transaction in review (e.g. the movement is a large share of the pool priced from). */
  warning?: string | undefined;
};

/** One provider's reason for not pricing a query, e.g. `defillama: no price within 24 h before …`. */
export type MissingReason = { provider: PriceProviderName; reason: string };

/** Result for one query: a price, or the reasons every provider gave (never a zero). */
export type PriceOutcome = ({ ok: true } & Price) | { ok: false; reasons: MissingReason[] };

/** A price nobody could give: becomes a review item and a warning in every dependent report. */
export type MissingPrice = {
  asset: string;
  time: Date;
  hint?: PriceHint | undefined;
  reasons: MissingReason[];
};

export type PriceManyResult = {
  /** One outcome per query, in query order. */
  results: PriceOutcome[];
  /** Distinct (asset, time, hint) queries without a price, with every provider's reason. */
  missing: MissingPrice[];
};

/** Counters since the service was created. */
export type PriceStats = {
  /** Distinct queries priced (after deduplication). */
  queries: number;
  /** Answers per provider. */
  answered: Partial<Record<PriceProviderName, number>>;
  /** Answers taken from the `prices` table instead of asking an HTTP provider or the chain. */
  cacheHits: number;
  /** HTTP requests per provider, retries included. */
  httpRequests: Partial<Record<PriceProviderName, number>>;
  /** `eth_call`s sent by the on-chain provider. */
  rpcCalls: number;
};

/**
 * A provider's answer per query: a price (`cached` when it came from the `prices` table instead
 * of a request) or why not.
 */
export type ProviderAnswer = (Price & { cached?: boolean }) | { missing: string };

/**
 * One price source. `price` gets only the queries no earlier provider answered and returns one
 * answer per query, in order. It must not throw for a single bad query (return `missing`);
 * throwing means the whole provider failed (the service records the message for every query).
 */
export type PriceProvider = {
  name: PriceProviderName;
  price: (queries: readonly PriceQuery[], context: ProviderContext) => Promise<ProviderAnswer[]>;
};

export type ProviderContext = {
  /** Prices already in the `prices` table (and those fetched during this call). */
  cache: PriceCache;
  /** Oldest acceptable price before a query, in milliseconds. */
  stalenessMs: number;
  signal?: AbortSignal | undefined;
};
