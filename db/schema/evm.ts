import { sync } from "./sync.ts";

/** EVM-specific sync tables (owned by chains/evm). */
export const evmSchema = sync;
