import { describe, expect, test } from "vitest";
import { tokens } from "../../db/schema/index.ts";
import { createTestDatabase } from "../../test/services.ts";
import { loadRecordedTransactions } from "../../test/solana-replay.ts";
import { saveTokens } from "../store.ts";
import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from "./rpc.ts";
import { cacheMints, KNOWN_MINTS, standardOf } from "./tokens.ts";

describe("KNOWN_MINTS", () => {
  test("agrees with the decimals of every recorded token balance of those mints", () => {
    const seen = new Map<string, Set<number>>();
    for (const { tx } of loadRecordedTransactions()) {
      for (const b of [...(tx.meta!.preTokenBalances ?? []), ...(tx.meta!.postTokenBalances ?? [])]) {
        if (KNOWN_MINTS[b.mint])
          seen.set(b.mint, (seen.get(b.mint) ?? new Set()).add(b.uiTokenAmount.decimals));
      }
    }
    // USDC, USDT, wSOL, JUP, BONK, mSOL, PYUSD, RAY, jupSOL, weWETH, … appear in the fixtures.
    expect(seen.size).toBeGreaterThanOrEqual(10);
    for (const [mint, decimals] of seen) expect([...decimals], mint).toEqual([KNOWN_MINTS[mint]!.decimals]);
  });
});

describe("cacheMints()", () => {
  test("stores new mints with chain decimals and known symbols, and never overwrites a stored symbol", async () => {
    const database = await createTestDatabase("pglite");
    try {
      const { db } = database;
      await saveTokens(db, [
        {
          chain: "solana",
          address: "HeLp6NuQkmYB4pYWo2zYs22mESHXPQYzXbB8n4V98jwC",
          standard: "spl-2022",
          symbol: "HELP",
          decimals: 9,
        },
      ]);
      const out = await cacheMints(db, "solana", [
        { mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", decimals: 6, programId: TOKEN_PROGRAM_ID },
        {
          mint: "HeLp6NuQkmYB4pYWo2zYs22mESHXPQYzXbB8n4V98jwC",
          decimals: 9,
          programId: TOKEN_2022_PROGRAM_ID,
        },
        { mint: "9gr84rGyLvVasmqXvj65njjUgKyBemKWSJsvijTPmcQz", decimals: 9, programId: TOKEN_PROGRAM_ID },
      ]);
      expect(Object.fromEntries(out)).toEqual({
        EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v: { symbol: "USDC", decimals: 6 },
        HeLp6NuQkmYB4pYWo2zYs22mESHXPQYzXbB8n4V98jwC: { symbol: "HELP", decimals: 9 },
        "9gr84rGyLvVasmqXvj65njjUgKyBemKWSJsvijTPmcQz": { symbol: null, decimals: 9 },
      });
      const rows = (await db.select().from(tokens)).map((r) => [
        r.address,
        r.standard,
        r.symbol,
        r.decimals,
        r.problem,
      ]);
      expect(rows.sort()).toEqual([
        [
          "9gr84rGyLvVasmqXvj65njjUgKyBemKWSJsvijTPmcQz",
          "spl",
          null,
          9,
          "symbol unknown (not in the built-in list)",
        ],
        ["EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "spl", "USDC", 6, null],
        ["HeLp6NuQkmYB4pYWo2zYs22mESHXPQYzXbB8n4V98jwC", "spl-2022", "HELP", 9, null],
      ]);
    } finally {
      await database.close();
    }
  });

  test("standardOf() tells Token-2022 from SPL Token", () => {
    expect(standardOf(TOKEN_2022_PROGRAM_ID)).toBe("spl-2022");
    expect(standardOf(TOKEN_PROGRAM_ID)).toBe("spl");
    expect(standardOf(null)).toBe("spl");
  });
});
