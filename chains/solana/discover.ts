import { asc, eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { solanaTokenAccounts } from "../../db/schema/index.ts";
import { isFinalized } from "./finality.ts";
import {
  getSignaturesForAddress,
  getTokenAccountsByOwner,
  MAX_SIGNATURES_PER_PAGE,
  type SignatureInfo,
  type SolanaRpc,
} from "./rpc.ts";

/**
 * Which signatures belong to a wallet. `getSignaturesForAddress` lists only transactions whose
 * account keys contain the address, and an incoming token transfer names the wallet's token
 * account, not the wallet; so the wallet is scanned together with every token account it owns now
 * (`getTokenAccountsByOwner`, both token programs) or owned before (seen in a transaction's token
 * balances and kept in `solana_token_accounts`, so closed accounts are not forgotten).
 */

export type SignaturePage = {
  /** Finalized signatures of this page not seen earlier in the walk, newest first. */
  entries: SignatureInfo[];
  /** The oldest signature the node returned on this page: the next page starts below it. */
  cursor: string;
};

/**
 * Walks `address`'s signatures newest → oldest, from below `before` (exclusive; undefined = the
 * newest) down to `until` (exclusive; undefined = the first transaction), one page per RPC call.
 * It stops only at an empty page: a page shorter than `limit` is not the end, because providers
 * cut pages short. A signature already yielded in this walk is dropped.
 *
 * The next page is asked for as a page is yielded (one page ahead), so that it is listed while the
 * caller fetches and stores this one; its answer, or its error, comes when the caller asks for it.
 * A caller that stops early leaves that one call unanswered for.
 * @param options.limit Signatures per page, 1…1000. @defaultValue 1000
 */
export async function* signaturePages(
  rpc: SolanaRpc,
  address: string,
  options: { before?: string | undefined; until?: string | undefined; limit?: number } = {},
): AsyncGenerator<SignaturePage> {
  const limit = Math.min(Math.max(1, options.limit ?? MAX_SIGNATURES_PER_PAGE), MAX_SIGNATURES_PER_PAGE);
  const seen = new Set<string>();
  const list = (before: string | undefined): Promise<SignatureInfo[]> => {
    const page = (async () => {
      rpc.signal?.throwIfAborted();
      return getSignaturesForAddress(rpc, address, { before, until: options.until, limit });
    })();
    // Awaited when the caller asks for the page; not unhandled if it never does.
    page.catch(() => {});
    return page;
  };
  let next = list(options.before);
  for (;;) {
    const page = await next;
    if (page.length === 0) return;
    const entries = page.filter((s) => isFinalized(s) && !seen.has(s.signature));
    for (const s of entries) seen.add(s.signature);
    const before = page[page.length - 1]!.signature;
    next = list(before);
    yield { entries, cursor: before };
  }
}

export type TokenAccountRow = typeof solanaTokenAccounts.$inferSelect;

/** The wallet's token accounts ever seen, oldest first (a stable scan order). */
export const loadTokenAccounts = (db: DbOrTx, walletId: number): Promise<TokenAccountRow[]> =>
  db
    .select()
    .from(solanaTokenAccounts)
    .where(eq(solanaTokenAccounts.walletId, walletId))
    .orderBy(asc(solanaTokenAccounts.createdAt), asc(solanaTokenAccounts.address));

/** Records token accounts of the wallet; an account already known keeps its first row. */
export const saveTokenAccounts = async (
  db: DbOrTx,
  walletId: number,
  accounts: readonly {
    address: string;
    mint: string | null;
    programId: string | null;
    source: "rpc" | "tx";
  }[],
): Promise<void> => {
  if (accounts.length === 0) return;
  await db
    .insert(solanaTokenAccounts)
    .values(accounts.map((a) => ({ walletId, ...a })))
    .onConflictDoNothing();
};

/** Asks the node for the wallet's current token accounts (both programs) and records them. */
export const discoverTokenAccounts = async (
  rpc: SolanaRpc,
  db: DbOrTx,
  wallet: { id: number; address: string },
): Promise<void> => {
  const current = await getTokenAccountsByOwner(rpc, wallet.address);
  await saveTokenAccounts(
    db,
    wallet.id,
    current.map((a) => ({
      address: a.address,
      mint: a.mint,
      programId: a.programId,
      source: "rpc" as const,
    })),
  );
};
