/** Ledger CSV v1: types, reader/validator and writer. */
export * from "./decimal.ts";
export * from "./instant.ts";
export * from "./read.ts";
export * from "./types.ts";
export * from "./validate.ts";
export * from "./write.ts";
