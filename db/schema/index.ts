export * from "./app.ts";
export * from "./evm.ts";
export * from "./service.ts";
export * from "./solana.ts";
export * from "./sync.ts";
