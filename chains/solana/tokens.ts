import type { DbOrTx } from "../../db/client.ts";
import { getTokens, saveTokens, type TokenRow } from "../store.ts";
import { TOKEN_2022_PROGRAM_ID } from "./rpc.ts";

/**
 * SPL mint metadata. Decimals come from the chain itself (every token balance carries them), so
 * they are always right; symbols come from this small built-in list of well-known mints (on-chain
 * Metaplex metadata is not read: a symbol is a display hint, never an identity — the ledger keys
 * assets by mint). Both are cached in the shared `tokens` table (`standard` `spl` or `spl-2022`).
 */

export type KnownMint = { symbol: string; name: string; decimals: number };

/** Well-known mainnet mints. Decimals are checked against recorded token balances in tests. */
export const KNOWN_MINTS: Readonly<Record<string, KnownMint>> = {
  So11111111111111111111111111111111111111112: { symbol: "wSOL", name: "Wrapped SOL", decimals: 9 },
  EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v: { symbol: "USDC", name: "USD Coin", decimals: 6 },
  Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB: { symbol: "USDT", name: "Tether USD", decimals: 6 },
  "2b1kV6DkPAnxd5ixfnxCpjxmKwqjjaYmCZfHsFu24GXo": { symbol: "PYUSD", name: "PayPal USD", decimals: 6 },
  JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN: { symbol: "JUP", name: "Jupiter", decimals: 6 },
  DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263: { symbol: "BONK", name: "Bonk", decimals: 5 },
  EKpQGSJtjMFqKZ9KQanSqYXRcF8fBopzLHYxdM65zcjm: { symbol: "WIF", name: "dogwifhat", decimals: 6 },
  "4k3Dyjzvzp8eMZWUXbBCjEvwSkkk59S5iCNLY3QrkX6R": { symbol: "RAY", name: "Raydium", decimals: 6 },
  HZ1JovNiVvGrGNiiYvEozEVgZ58xaU3RKwX8eACQBCt3: { symbol: "PYTH", name: "Pyth Network", decimals: 6 },
  mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So: { symbol: "mSOL", name: "Marinade staked SOL", decimals: 9 },
  J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn: { symbol: "JitoSOL", name: "Jito Staked SOL", decimals: 9 },
  jupSoLaHXQiZZTSfEWMTRRgpnyFm8f6sZdosWBjx93v: { symbol: "jupSOL", name: "Jupiter Staked SOL", decimals: 9 },
  "7vfCXTUXx5WJV5JADk17DUJ4ksgau7utNKj4b963voxs": {
    symbol: "weWETH",
    name: "Wrapped Ether (Wormhole)",
    decimals: 8,
  },
};

/** `spl-2022` for Token-2022 mints, else `spl`. */
export const standardOf = (programId: string | null | undefined): "spl" | "spl-2022" =>
  programId === TOKEN_2022_PROGRAM_ID ? "spl-2022" : "spl";

export type MintFact = { mint: string; decimals: number; programId: string | null };

/**
 * Caches mints not yet in the `tokens` table (existing rows are left alone, so a symbol another
 * source filled in is never overwritten) and returns `mint → { symbol, decimals }` for `facts`.
 */
export const cacheMints = async (
  db: DbOrTx,
  chain: string,
  facts: readonly MintFact[],
): Promise<Map<string, { symbol: string | null; decimals: number }>> => {
  const byMint = new Map(facts.map((f) => [f.mint, f]));
  const stored = await getTokens(db, chain, [...byMint.keys()]);
  const fresh: TokenRow[] = [];
  for (const f of byMint.values()) {
    if (stored.has(f.mint)) continue;
    const known = KNOWN_MINTS[f.mint];
    const problem =
      known && known.decimals !== f.decimals
        ? `built-in list says ${known.decimals} decimals, chain says ${f.decimals}`
        : known
          ? null
          : "symbol unknown (not in the built-in list)";
    fresh.push({
      chain,
      address: f.mint,
      standard: standardOf(f.programId),
      symbol: known?.symbol ?? null,
      name: known?.name ?? null,
      decimals: f.decimals,
      problem,
    });
  }
  if (fresh.length > 0) await saveTokens(db, fresh);
  const out = new Map<string, { symbol: string | null; decimals: number }>();
  for (const f of byMint.values()) {
    const row = stored.get(f.mint);
    out.set(f.mint, { symbol: row?.symbol ?? KNOWN_MINTS[f.mint]?.symbol ?? null, decimals: f.decimals });
  }
  return out;
};
