import { and, eq, inArray } from "drizzle-orm";
import { setCursor } from "../../chains/store.ts";
import type { DbOrTx } from "../../db/client.ts";
import { cursors, wallets } from "../../db/schema/index.ts";
import type { AssetRead } from "./compare.ts";
import type { Cause } from "./types.ts";

/**
 * The chain side of a wallet's last balance check (what the node said at the checked height),
 * kept so that the check can be redone without the node when only the ledger changed — after a
 * review decision, a price import, a rebuild. The chain's balance at a past height never changes;
 * the ledger's holding at it does. Stored as the wallet's cursor `check:reading` (raw units as
 * decimal strings).
 */

export const READING_SOURCE = "check:reading";

export type WalletReading = {
  wallet: string;
  chain: string;
  address: string;
  walletId: number;
  height: bigint;
  time: Date;
  method: string;
  reads: readonly AssetRead[];
};

type StoredRead = {
  chainAsset: string;
  symbol: string | null;
  decimals: number | null;
  chainRaw: string | null;
  indexedRaw: string;
  indexGap: Cause[];
  openingRaw?: string | undefined;
};
type Stored = Omit<WalletReading, "height" | "time" | "reads"> & {
  height: string;
  time: string;
  reads: StoredRead[];
};

export const saveReading = async (db: DbOrTx, r: WalletReading): Promise<void> => {
  const position: Stored = {
    wallet: r.wallet,
    chain: r.chain,
    address: r.address,
    walletId: r.walletId,
    height: r.height.toString(),
    time: r.time.toISOString(),
    method: r.method,
    reads: r.reads.map((x) => ({
      chainAsset: x.chainAsset,
      symbol: x.symbol,
      decimals: x.decimals,
      chainRaw: x.chainRaw === undefined ? null : x.chainRaw.toString(),
      indexedRaw: x.indexedRaw.toString(),
      indexGap: x.indexGap,
      ...(x.openingRaw !== undefined ? { openingRaw: x.openingRaw.toString() } : {}),
    })),
  };
  await setCursor(db, { walletId: r.walletId, source: READING_SOURCE, chain: r.chain, position });
};

/** The stored readings of the user's wallets (all, or those with the given ids). */
export const loadReadings = async (
  db: DbOrTx,
  userId: number,
  walletIds?: readonly number[],
): Promise<WalletReading[]> => {
  const rows = await db
    .select({ position: cursors.position })
    .from(cursors)
    .innerJoin(wallets, eq(wallets.id, cursors.walletId))
    .where(
      and(
        eq(wallets.userId, userId),
        eq(cursors.source, READING_SOURCE),
        ...(walletIds ? [inArray(cursors.walletId, [...walletIds])] : []),
      ),
    );
  return rows.map((row) => {
    const s = row.position as Stored;
    return {
      ...s,
      height: BigInt(s.height),
      time: new Date(s.time),
      reads: s.reads.map((x) => ({
        chainAsset: x.chainAsset,
        symbol: x.symbol,
        decimals: x.decimals,
        chainRaw: x.chainRaw === null ? undefined : BigInt(x.chainRaw),
        indexedRaw: BigInt(x.indexedRaw),
        indexGap: x.indexGap,
        openingRaw: x.openingRaw === undefined ? undefined : BigInt(x.openingRaw),
      })),
    };
  });
};
