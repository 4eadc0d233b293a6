export * from "./app.ts";
export * from "./evm.ts";
export * from "./solana.ts";
export * from "./sync.ts";
export * from "./service.ts";
