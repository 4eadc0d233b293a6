import { index, integer, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { wallets } from "./app.ts";
import { sync } from "./sync.ts";

/** Solana-specific sync tables (owned by chains/solana). */
export const solanaSchema = sync;

/**
 * Token accounts a Solana wallet owns or ever owned. Token-only activity (an incoming SPL transfer)
 * lists the token account, not the wallet, so each of these is scanned with
 * `getSignaturesForAddress` too. Rows are never deleted: a closed account keeps its history.
 */
export const solanaTokenAccounts = sync.table(
  "solana_token_accounts",
  {
    walletId: integer("wallet_id")
      .notNull()
      .references(() => wallets.id, { onDelete: "cascade" }),
    /** The token account (base58). */
    address: text("address").notNull(),
    mint: text("mint"),
    /** `TokenkegQ…` (SPL Token) or `TokenzQd…` (Token-2022); null when unknown (old transactions). */
    programId: text("program_id"),
    /** How it was first found: `rpc` (getTokenAccountsByOwner) or `tx` (a transaction's token balances). */
    source: text("source").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "solana_token_accounts_pk", columns: [t.walletId, t.address] }),
    index("solana_token_accounts_address_idx").on(t.address),
  ],
);
