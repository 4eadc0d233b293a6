/**
 * `resolveRef`: what `lotwise review set|link` and the API's decisions accept as a transaction.
 * Synthetic transactions (a rebasing token's day, a Solana staking reward) hold `:` in their hash;
 * their review items (`negative_rebase`) must be decidable by the name `review list` prints.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { classifications } from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase } from "../../test/services.ts";
import { resolveRef } from "./decisions.ts";

describe("resolveRef", () => {
  let database: Database;
  let userId: number;
  const rebase = "rebase:0x5fbdb2315678afecb367f032d93f642f64180aa3:2025-03-08";
  const reward = "reward:9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin:140";
  beforeAll(async () => {
    database = await createTestDatabase("pglite");
    userId = await ensureUser(database.db, "gina");
    const row = (chain: string, txHash: string) => ({
      userId,
      chain,
      txHash,
      kind: "unmatched",
      source: "x",
    });
    await database.db
      .insert(classifications)
      .values([
        row("evm:31337", rebase),
        row("evm:31337", "0xabc"),
        row("solana", reward),
        row("evm:1", "0xabc"),
      ]);
  });
  afterAll(async () => {
    await database?.close();
  });
  const resolve = async (ref: string) => {
    const r = await resolveRef(database.db, userId, ref);
    return `${r.chain} ${r.txHash}`;
  };

  test("a rebase day or a staking reward, with its chain or bare", async () => {
    expect(await resolve(`evm:31337:${rebase}`)).toBe(`evm:31337 ${rebase}`);
    expect(await resolve(rebase)).toBe(`evm:31337 ${rebase}`);
    expect(await resolve(`solana:${reward}`)).toBe(`solana ${reward}`);
    expect(await resolve(reward)).toBe(`solana ${reward}`);
  });

  test("plain hashes as before", async () => {
    expect(await resolve("evm:31337:0xABC")).toBe("evm:31337 0xabc");
    await expect(resolve("0xabc")).rejects.toThrow(
      "0xabc exists on evm:31337 and evm:1: write <chain>:0xabc",
    );
    await expect(resolve("evm:5:0xabc")).rejects.toThrow("unknown transaction evm:5:0xabc");
    await expect(resolve("nochain:0xabc")).rejects.toThrow("unknown transaction nochain:0xabc");
  });

  test("a chain by any name wallets add accepts: evm:10 and OP Mainnet are optimism", async () => {
    await database.db
      .insert(classifications)
      .values({ userId, chain: "optimism", txHash: "0xdef", kind: "unmatched", source: "x" });
    expect(await resolve("evm:10:0xdef")).toBe("optimism 0xdef");
    expect(await resolve("OP Mainnet:0xdef")).toBe("optimism 0xdef");
    expect(await resolve("optimism:0xdef")).toBe("optimism 0xdef");
  });
});
