import type { Movement, TxGroup } from "./types.ts";

/** Symbols that advertise a URL or a "claim" are the classic airdrop-scam pattern. */
const SPAM_SYMBOL =
  /(https?:|www\.|\.(com|io|org|net|xyz|app|site|gift|finance)\b|t\.me|claim|visit|airdrop|\$\s*\d)/i;

/** True when a token symbol looks like an advertisement rather than a ticker. */
export const isSpamSymbol = (symbol: string | null | undefined): boolean =>
  Boolean(symbol && SPAM_SYMBOL.test(symbol));

/**
 * Unsolicited dust and spam: a transaction that someone else sent, that only brings tokens in,
 * where every token is a zero-value transfer (address poisoning) or has a spam-pattern symbol.
 * Such transactions are excluded from the ledger and listed (never deleted).
 */
export const spamReason = (
  tx: TxGroup,
  ownAddresses: ReadonlySet<string>,
  valueMoves: readonly Movement[],
): string | undefined => {
  if (valueMoves.length === 0) return undefined;
  if (tx.from && ownAddresses.has(tx.from.toLowerCase())) return undefined;
  if (valueMoves.some((m) => m.amount < 0n)) return undefined;
  if (valueMoves.every((m) => m.amount === 0n)) return "zero-value token transfers (address poisoning)";
  if (
    valueMoves.every((m) => m.amount === 0n || (!m.chainAsset.endsWith(":native") && isSpamSymbol(m.symbol)))
  ) {
    return `unsolicited token with an advertising symbol (${valueMoves.find((m) => isSpamSymbol(m.symbol))?.symbol})`;
  }
  return undefined;
};
