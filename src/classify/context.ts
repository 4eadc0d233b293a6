import { NFT_EVIDENCE, nftAsset, nftSymbol } from "../assets/nft.ts";
import { Decimal, fromRaw } from "../utils/decimal.ts";
import type { ClassifySettings } from "./settings.ts";
import type { Leg, Movement, ReviewDraft, WalletInfo } from "./types.ts";

/** Maps a chain asset id to the ledger's canonical asset id and a display symbol. */
export type AssetResolver = (m: { chain: string; chainAsset: string; symbol: string | null }) => {
  asset: string;
  symbol: string;
};

/**
 * Balances held in protocol position accounts (`aave-v3:<wallet>`, …), carried across
 * transactions in time order, so a withdrawal can tell principal from interest.
 */
export type PositionBook = Map<string, Map<string, Decimal>>;

/** Protocol contracts declared in the configuration for chains the built-in lists do not cover (lowercase). */
export type ProtocolContracts = {
  weth?: readonly string[];
  uniswapV2Routers?: readonly string[];
  uniswapV3PositionManagers?: readonly string[];
  aavePools?: readonly string[];
  lido?: readonly string[];
  /** Bridge contracts (deposit side or payout side): evidence that an outflow and an inflow are one transfer. */
  bridges?: readonly string[];
};

export type ClassifyContext = {
  settings: ClassifySettings;
  /** Extra protocol contracts per chain id. */
  contracts?: Readonly<Record<string, ProtocolContracts>> | undefined;
  wallets: readonly WalletInfo[];
  /** `<chain>:<lowercase address>` → wallet (own or exchange). */
  byAddress: ReadonlyMap<string, WalletInfo>;
  resolveAsset: AssetResolver;
  positions: PositionBook;
  /**
   * Uniswap V3 liquidity removed but not yet collected, per `<chain>:<tokenId>`: the position
   * units given up and the principal owed (raw token0/token1 amounts). Carried in time order;
   * an incremental build seeds it from the stored classifications before its range.
   */
  lpOwed?: Map<string, LpOwed> | undefined;
};

/** See `ClassifyContext.lpOwed`. */
export type LpOwed = { units: bigint; amount0: bigint; amount1: bigint };

export const addressKey = (chain: string, address: string): string => `${chain}:${address.toLowerCase()}`;

export const findWallet = (
  ctx: ClassifyContext,
  chain: string,
  address: string | null,
): WalletInfo | undefined => (address ? ctx.byAddress.get(addressKey(chain, address)) : undefined);

/**
 * A movement as a leg: its canonical asset (an NFT's token id appended: `<collection>#<id>`) and
 * the absolute quantity in whole units.
 * A token without known decimals is taken as 0 decimals and reported for review.
 */
export const legOf = (ctx: ClassifyContext, m: Movement, reviews?: ReviewDraft[]): Leg => {
  // The movement itself (its chain, chain asset and symbol), not an object made per movement.
  const resolved = ctx.resolveAsset(m);
  // Each token id of an NFT contract is its own asset (src/assets/nft.ts).
  const nft = NFT_EVIDENCE.has(m.evidence) && m.tokenId !== null;
  const asset = nft ? nftAsset(resolved.asset, m.tokenId!) : resolved.asset;
  const symbol = nft ? nftSymbol(resolved.symbol, m.tokenId!) : resolved.symbol;
  if (m.decimals === null) {
    reviews?.push({
      reason: "unknown_decimals",
      message: `${m.chainAsset} has no known decimals; its amount ${m.amount} is taken in raw units`,
    });
  }
  const abs = m.amount < 0n ? -m.amount : m.amount;
  return { asset, chainAsset: m.chainAsset, chain: m.chain, quantity: fromRaw(abs, m.decimals ?? 0), symbol };
};

export const scaleLeg = (leg: Leg, quantity: Decimal): Leg => ({ ...leg, quantity });

/** Position balance of `asset` in `account`. */
export const positionBalance = (ctx: ClassifyContext, account: string, asset: string): Decimal =>
  ctx.positions.get(account)?.get(asset) ?? new Decimal(0);

export const addToPosition = (ctx: ClassifyContext, account: string, asset: string, delta: Decimal): void => {
  let m = ctx.positions.get(account);
  if (!m) {
    m = new Map();
    ctx.positions.set(account, m);
  }
  m.set(asset, (m.get(asset) ?? new Decimal(0)).add(delta));
};
