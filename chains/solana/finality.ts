import type { Finality } from "@solana/web3.js";
import { getSlot, type SignatureInfo, type SolanaRpc } from "./rpc.ts";

/**
 * Finality on Solana: lotwise reads history at commitment `finalized` only (every
 * `getSignaturesForAddress`, `getTransaction` and `getSlot` call). A finalized slot has been rooted
 * by a supermajority of stake and is never rolled back, so, unlike the EVM worker, the Solana worker
 * never rechecks block hashes or rolls data back: every stored row is `final = true`. The price is
 * latency: finalized lags the tip by about 32 slots (≈13 s), which a tax indexer does not mind.
 */
export const SOLANA_COMMITMENT: Finality = "finalized";

/**
 * True when a `getSignaturesForAddress` entry is finalized. Nodes asked at `finalized` only list
 * finalized signatures; an entry marked otherwise is a misbehaving node and is left for a later
 * sync (a newer, non-final entry sits above the cursor, so it is never skipped for good).
 */
export const isFinalized = (s: Pick<SignatureInfo, "confirmationStatus">): boolean =>
  s.confirmationStatus === null || s.confirmationStatus === "finalized";

/** The newest finalized slot: everything at or below it that the sync stored is final. */
export const getFinalizedSlot = async (rpc: SolanaRpc): Promise<bigint> => BigInt(await getSlot(rpc));
