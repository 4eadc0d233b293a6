import { and, asc, eq } from "drizzle-orm";
import type { WalletRef } from "../chains/types.ts";
import type { DbOrTx } from "./client.ts";
import { wallets } from "./schema/index.ts";

export type NewWallet = { chain: string; address: string; label?: string; kind?: "own" | "exchange" };

/** Adds a wallet (or updates its label/kind when it exists). Returns the row. Idempotent. */
export const upsertWallet = async (db: DbOrTx, userId: number, w: NewWallet): Promise<WalletRef> => {
  const set = {
    ...(w.label !== undefined ? { label: w.label } : {}),
    ...(w.kind !== undefined ? { kind: w.kind } : {}),
  };
  const insert = db
    .insert(wallets)
    .values({ userId, chain: w.chain, address: w.address, label: w.label ?? "", kind: w.kind ?? "own" });
  if (Object.keys(set).length > 0) {
    await insert.onConflictDoUpdate({ target: [wallets.userId, wallets.chain, wallets.address], set });
  } else {
    await insert.onConflictDoNothing();
  }
  return (await findWallet(db, userId, w.chain, w.address))!;
};

export const listWallets = (db: DbOrTx, userId: number): Promise<WalletRef[]> =>
  db
    .select()
    .from(wallets)
    .where(eq(wallets.userId, userId))
    .orderBy(asc(wallets.chain), asc(wallets.address));

export const findWallet = async (
  db: DbOrTx,
  userId: number,
  chain: string,
  address: string,
): Promise<WalletRef | undefined> => {
  const [row] = await db
    .select()
    .from(wallets)
    .where(and(eq(wallets.userId, userId), eq(wallets.chain, chain), eq(wallets.address, address)));
  return row;
};

/** Removes a wallet and (by cascade) its cursors, transactions and movements. Returns false if absent. */
export const removeWallet = async (
  db: DbOrTx,
  userId: number,
  chain: string,
  address: string,
): Promise<boolean> => {
  const rows = await db
    .delete(wallets)
    .where(and(eq(wallets.userId, userId), eq(wallets.chain, chain), eq(wallets.address, address)))
    .returning({ id: wallets.id });
  return rows.length > 0;
};
