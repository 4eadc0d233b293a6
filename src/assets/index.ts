/** Asset identity: canonical ledger asset ids, display symbols and price-source ids. */
export * from "./identity.ts";
export * from "./registry.ts";
