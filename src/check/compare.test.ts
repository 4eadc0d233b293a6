import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { ledgerRows, movements, reviewItems, wallets } from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase } from "../../test/services.ts";
import { compareWallet } from "./compare.ts";

/**
 * A trade whose wallet also paid a third party (a bot's fee, a tip) carries that cost in its fee
 * columns, not in its amounts (docs/classification.md, Fees). The balance check's per-transaction
 * sizing must then count fees on both sides, or the cost shows up as a difference "lotwise cannot
 * name". Hand-built from the recorded Jupiter swap 2kai9Wa4…: 0.5 SOL into the route, 0.0004 SOL
 * to a third party, 0.000005 SOL network fee; the swap's fee is 0.000405 SOL.
 */
describe("the balance check and costs paid to third parties", () => {
  let database: Database;
  let userId: number;
  let walletId: number;
  const W = "Ex2F9oJN9UjBnSy273ezWH2kwaAzKTkm4ZmpDuqwzevY";
  const TX = "2kai9Wa4";
  beforeAll(async () => {
    database = await createTestDatabase("pglite");
    userId = await ensureUser(database.db, "costs");
    const [w] = await database.db.insert(wallets).values({ userId, chain: "solana", address: W }).returning();
    walletId = w!.id;
    const at = new Date("2024-08-10T16:19:56Z");
    const move = {
      walletId,
      chain: "solana",
      txHash: TX,
      blockNumber: 100n,
      time: at,
      asset: "solana:native",
    };
    await database.db.insert(movements).values([
      { ...move, evidence: "sol", evidenceIndex: "net", decimals: 9, amount: -500_400_000n },
      { ...move, evidence: "sol_fee", evidenceIndex: "fee", decimals: 9, amount: -5_000n },
    ]);
    await database.db.insert(ledgerRows).values({
      userId,
      id: `solana:${TX}:0`,
      seq: 0,
      time: at,
      type: "swap",
      wallet: `solana:${W}`,
      outAsset: "SOL",
      outQuantity: "0.5",
      inAsset: "USDC",
      inQuantity: "76.612586",
      usdValue: "76.612586",
      feeAsset: "SOL",
      feeQuantity: "0.000405",
      tx: TX,
    });
    // The transaction waits in review (a missing price), so the check sizes its part.
    await database.db.insert(reviewItems).values({
      userId,
      chain: "solana",
      txHash: TX,
      reason: "missing_price",
      message: "missing price: SOL",
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  test("a difference from history before the first synced transaction is not blamed on the trade's cost", async () => {
    const check = await compareWallet(
      {
        db: database.db,
        userId,
        canonicalAsset: (a) => (a === "solana:native" ? "SOL" : a),
        displaySymbol: (a) => a,
      },
      {
        wallet: `solana:${W}`,
        chain: "solana",
        address: W,
        walletId,
        height: 100n,
        time: new Date("2024-08-10T16:19:56Z"),
        method: "post-balances",
        reads: [
          {
            chainAsset: "solana:native",
            symbol: "SOL",
            decimals: 9,
            // 2 SOL held before the first synced transaction (a history gap), less the trade.
            chainRaw: 2_000_000_000n - 500_405_000n,
            indexedRaw: -500_405_000n,
            indexGap: [],
          },
        ],
      },
    );
    const sol = check.assets.find((a) => a.asset === "SOL")!;
    expect(sol.ledger).toBe("-0.500405");
    expect(sol.causes.map((c) => c.code)).not.toContain("unknown");
    expect(sol.causes.map((c) => c.code)).not.toContain("unreviewed");
  });
});
