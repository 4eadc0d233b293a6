/**
 * Recorded mainnet Solana transactions as classification sees them: normalized for each of the
 * user's wallets (chains/solana/normalize.ts, the sync's own code), with the program ids and
 * side payments the ledger build reads from the raw transaction.
 */
import { normalizeTransaction } from "../../chains/solana/normalize.ts";
import { accountKeysOf, type SolanaTransactionResponse } from "../../chains/solana/tx-json.ts";
import { recordedTransaction } from "../../test/solana-replay.ts";
import { programIdsOf, sidePaymentsOf } from "../books/load.ts";
import type { PriceLookup } from "../books/rows.ts";
import { Decimal } from "../utils/decimal.ts";
import { addressKey, type ClassifyContext } from "./context.ts";
import { escrowChangesOf } from "./decoders/jupiter/escrow.ts";
import { type ClassifySettings, DEFAULT_CLASSIFY_SETTINGS } from "./settings.ts";
import type { Movement, TxGroup, WalletInfo } from "./types.ts";

export const USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";

export const solWallet = (id: number, address: string): WalletInfo => ({
  id,
  chain: "solana",
  address,
  key: `solana:${address}`,
  kind: "own",
  label: "",
});

export const solanaCtx = (
  wallets: WalletInfo[],
  settings: Partial<ClassifySettings> = {},
): ClassifyContext => ({
  settings: { ...DEFAULT_CLASSIFY_SETTINGS, ...settings },
  wallets,
  byAddress: new Map(wallets.map((w) => [addressKey(w.chain, w.address), w])),
  resolveAsset: ({ chainAsset, symbol }) =>
    chainAsset === "solana:native"
      ? { asset: "SOL", symbol: "SOL" }
      : chainAsset === `solana:${USDC_MINT}`
        ? { asset: "USDC", symbol: "USDC" }
        : { asset: chainAsset, symbol: symbol ?? chainAsset },
  positions: new Map(),
});

/** The recorded transaction whose signature starts with `prefix`, for `wallets`. */
export const recordedGroup = (prefix: string, wallets: WalletInfo[]): TxGroup =>
  groupOf(recordedTransaction(prefix), wallets);

/** A `getTransaction` result (recorded, or hand-built in its shape) for `wallets`. */
export const groupOf = (raw: SolanaTransactionResponse, wallets: WalletInfo[]): TxGroup => {
  const movements: Movement[] = [];
  let status = "success";
  for (const w of wallets) {
    const n = normalizeTransaction(raw, w.address);
    status = n.status;
    for (const m of n.movements) {
      movements.push({
        wallet: w,
        chain: "solana",
        txHash: n.signature,
        evidence: m.evidence,
        evidenceIndex: m.evidenceIndex,
        chainAsset: m.mint ? `solana:${m.mint}` : "solana:native",
        symbol: m.mint ? null : "SOL",
        decimals: m.decimals,
        amount: m.amount,
        counterparty: m.counterparty,
        tokenId: null,
      });
    }
  }
  const side = sidePaymentsOf(raw);
  return {
    chain: "solana",
    txHash: raw.transaction.signatures[0]!,
    time: new Date((raw.blockTime ?? 0) * 1000),
    blockNumber: BigInt(raw.slot),
    txIndex: 0,
    status,
    from: null,
    to: null,
    method: null,
    // As the store has it (chains/solana/sync.ts): the first account key.
    feePayer: accountKeysOf(raw)[0] ?? null,
    movements,
    logs: [],
    programIds: programIdsOf(raw),
    ...(side.length > 0 ? { sidePayments: side } : {}),
    ...(escrowChangesOf(raw).length > 0 ? { escrow: escrowChangesOf(raw) } : {}),
  };
};

/** Test prices (not market data): SOL $160, USDC $1 (rank 0, the better-priced side). */
export const solanaLookup: PriceLookup = (leg) =>
  leg.asset === "SOL"
    ? { usd: new Decimal(160), source: "test", rank: 1 }
    : leg.asset === "USDC"
      ? { usd: new Decimal(1), source: "test", rank: 0 }
      : undefined;
