import { jsonb, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { sync } from "./sync.ts";
import { bigintNumeric } from "./types.ts";

/** EVM-specific sync tables (owned by chains/evm). */
export const evmSchema = sync;

/**
 * Discovery cache: which transactions one address has in a block range, per discovery source
 * (`logs`: `eth_getLogs` topic filters; `calls`: `trace_filter` or a block scan; `explorer`: an
 * Etherscan-compatible API). Only final ranges are stored, so the rows never change; a re-sync
 * reads them and queries the node only for the gaps (interval difference), whatever range sizes
 * the first run used. Shared by every wallet (and user) tracking the address.
 */
export const evmScans = sync.table(
  "evm_scans",
  {
    chain: text("chain").notNull(),
    /** EIP-55 checksummed address. */
    address: text("address").notNull(),
    /** `logs`, `calls` or `explorer`. */
    source: text("source").notNull(),
    /** First block of the range, inclusive. */
    fromBlock: bigintNumeric("from_block").notNull(),
    /** Last block of the range, inclusive (at or below finality when stored). */
    toBlock: bigintNumeric("to_block").notNull(),
    /** Transactions found: `[[txHash, blockNumber as a decimal string], …]`. */
    txs: jsonb("txs").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: "evm_scans_pk", columns: [t.chain, t.address, t.source, t.fromBlock] })],
);
