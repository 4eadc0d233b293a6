import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import type { ChainListing } from "../../../chains/listing.ts";
import { runInProcess } from "../../../test/cli.ts";

const work = mkdtempSync(path.join(tmpdir(), "lotwise-chains-"));

const chains = (args: string[]) =>
  runInProcess(["chains", ...args], { LOTWISE_DATA_DIR: path.join(work, "data") });

describe("lotwise chains", () => {
  test("the short-named chains and Solana, then how to reach every chain viem knows", async () => {
    const r = await chains([]);
    expect(r.code, r.err).toBe(0);
    const ids = r.out
      .split("\n")
      .slice(1)
      .map((l) => l.split(/\s+/)[0])
      .filter((id) => id && !id.startsWith("Any"));
    expect(ids).toEqual(["ethereum", "base", "arbitrum", "optimism", "polygon", "solana"]);
    expect(r.out).toMatch(/Any EVM chain viem knows works as evm:<chainId> \(\d{3,} chains\)/);
  });

  test("--search finds a chain by viem's name; --json says how its native coin is priced", async () => {
    const r = await chains(["--search", "bsc", "--json"]);
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out) as ChainListing[];
    const bsc = rows.find((c) => c.viemName === "bsc");
    expect(bsc).toMatchObject({
      id: "evm:56",
      name: "BNB Smart Chain",
      nativeSymbol: "BNB",
      pricedAs: "BNB",
    });
    // Testnets are listed but never priced.
    expect(rows.find((c) => c.id === "evm:97")).toMatchObject({ testnet: true, pricedAs: null });
  });
});
