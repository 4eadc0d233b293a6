import { sync } from "./sync.ts";

/** Solana-specific sync tables (owned by chains/solana). */
export const solanaSchema = sync;
