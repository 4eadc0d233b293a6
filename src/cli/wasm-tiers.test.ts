import { describe, expect, it } from "vitest";
import { optimizesWasm } from "./wasm-tiers.ts";

describe("optimizesWasm", () => {
  it("keeps the optimizing compiler only for the long-lived server commands", () => {
    for (const name of ["serve", "worker", "demo"]) expect(optimizesWasm(name)).toBe(true);
  });

  it("compiles with the baseline compiler only for sync and the short commands", () => {
    // A cold sync spends more on optimizing PGlite's functions than it saves (see wasm-tiers.ts).
    for (const name of ["sync", "ledger", "report", "wallet", "gains", "init"]) {
      expect(optimizesWasm(name)).toBe(false);
    }
  });
});
