/**
 * Shared builders for classification tests: wallets of one user on Ethereum and Base, an exchange
 * deposit address, hand-built movements and transactions, and a fixed price lookup.
 */
import type { PriceLookup } from "../books/rows.ts";
import { Decimal } from "../utils/decimal.ts";
import { addressKey, type ClassifyContext } from "./context.ts";
import { type ClassifySettings, DEFAULT_CLASSIFY_SETTINGS } from "./settings.ts";
import type { Movement, TxGroup, WalletInfo } from "./types.ts";

export const A = "0x1111111111111111111111111111111111111111";
export const B = "0x2222222222222222222222222222222222222222";
export const EXT = "0x9999999999999999999999999999999999999999";
export const EXT2 = "0x9898989898989898989898989898989898989898";
export const TKN = "0x3333333333333333333333333333333333333333";
export const USDC = "0x4444444444444444444444444444444444444444";
export const DEPOSIT = "0x7777777777777777777777777777777777777777";
/** A Uniswap V2 pair token and an Aave aToken (classify.test.ts's liquidity and lending cases). */
export const PAIR = "0x5555555555555555555555555555555555555555";
export const AUSDC = "0x6666666666666666666666666666666666666666";
export const E = 10n ** 18n;

export const wallet = (
  id: number,
  chain: string,
  address: string,
  kind: "own" | "exchange" = "own",
  label = "",
): WalletInfo => ({
  id,
  chain,
  address,
  key: kind === "exchange" ? label : `${chain}:${address}`,
  kind,
  label,
});
export const wA = wallet(1, "ethereum", A);
export const wB = wallet(2, "ethereum", B);
export const wBase = wallet(3, "base", A);
export const wDeposit = wallet(4, "ethereum", DEPOSIT, "exchange", "coinbase:main");
export const WALLETS = [wA, wB, wBase, wDeposit];

const SYMBOLS: Record<string, [string, number]> = {
  native: ["ETH", 18],
  [TKN.toLowerCase()]: ["TKN", 18],
  [USDC.toLowerCase()]: ["USDC", 6],
  [PAIR.toLowerCase()]: ["UNI-V2", 18],
  [AUSDC.toLowerCase()]: ["aUSDC", 6],
};

export const ctxFor = (settings: Partial<ClassifySettings> = {}): ClassifyContext => ({
  settings: { ...DEFAULT_CLASSIFY_SETTINGS, ...settings },
  wallets: WALLETS,
  byAddress: new Map(WALLETS.map((w) => [addressKey(w.chain, w.address), w])),
  resolveAsset: ({ chainAsset, symbol }) => {
    const tail = chainAsset.slice(chainAsset.lastIndexOf(":") + 1).toLowerCase();
    if (tail === "native") return { asset: "ETH", symbol: "ETH" };
    if (tail === USDC.toLowerCase()) return { asset: "USDC", symbol: "USDC" };
    return { asset: chainAsset, symbol: symbol ?? chainAsset };
  },
  positions: new Map(),
});

let seq = 0;
export const mv = (
  w: WalletInfo,
  token: string,
  amount: bigint,
  evidence: string,
  counterparty: string | null = null,
): Movement => {
  const tail = token === "native" ? "native" : token.toLowerCase();
  const [symbol, decimals] = SYMBOLS[tail] ?? ["?", 18];
  return {
    wallet: w,
    chain: w.chain,
    txHash: "",
    evidence,
    evidenceIndex: String(seq++),
    chainAsset: `${w.chain}:${token === "native" ? "native" : token}`,
    symbol,
    decimals,
    amount,
    counterparty,
    tokenId: null,
  };
};
export const gas = (w: WalletInfo, wei: bigint) => mv(w, "native", -wei, "gas");

export const tx = (hash: string, time: string, moves: Movement[], extra: Partial<TxGroup> = {}): TxGroup => ({
  chain: moves[0]?.chain ?? "ethereum",
  txHash: hash,
  time: new Date(time),
  blockNumber: 1n,
  txIndex: 0,
  status: "success",
  from: A,
  to: null,
  method: null,
  feePayer: A,
  movements: moves.map((m) => ({ ...m, txHash: hash })),
  logs: [],
  programIds: [],
  ...extra,
});

export const NO_OVERRIDES = { perTx: new Map(), rules: [] };

/** Fixed prices: ETH $2,000, USDC $1, TKN $0.50; anything else missing. */
export const lookup: PriceLookup = (leg) => {
  const usd =
    leg.asset === "ETH" ? "2000" : leg.asset === "USDC" ? "1" : leg.asset.endsWith(TKN) ? "0.5" : undefined;
  return usd ? { usd: new Decimal(usd), source: "test", rank: leg.asset === "USDC" ? 0 : 1 } : undefined;
};
