import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { transactions } from "../../db/schema/index.ts";
import { createTestDatabase } from "../../test/services.ts";
import { type ReplayServer, startSolanaReplay } from "../../test/solana-replay.ts";
import { replaySyncArgs, solanaTestWallet } from "../../test/solana-sync-args.ts";

/**
 * The Solana sync asks for a page's transactions as soon as the page before has started all of
 * its batches, not once they are all answered (sync.ts `walk`): a page's last, slow batch does
 * not hold up the next page's fetching. Pages are still stored in order.
 */

/** `readTransactions` calls in the order they were made: the signatures each asked for. */
const calls: string[][] = [];
/** Call number (0-based) whose answer is held, and whether a later call came while it was held. */
const HELD = 3;
let laterCallWhileHeld = false;
let holding = false;
/** How long the held answer waits at most for a later call (a sync that waits for it never makes one). */
const HOLD_MS = 1_000;

vi.mock("./rpc.ts", async (original) => {
  const rpc = await original<typeof import("./rpc.ts")>();
  return {
    ...rpc,
    readTransactions: async (...args: Parameters<typeof rpc.readTransactions>) => {
      const n = calls.length;
      calls.push([...args[1]]);
      if (holding) laterCallWhileHeld = true;
      const answer = await rpc.readTransactions(...args);
      if (n !== HELD) return answer;
      holding = true;
      const until = Date.now() + HOLD_MS;
      while (!laterCallWhileHeld && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      holding = false;
      return answer;
    },
  };
});

const { syncSolanaWallet } = await import("./sync.ts");

let server: ReplayServer;
beforeAll(async () => {
  server = await startSolanaReplay();
});
afterAll(async () => {
  await server?.close();
});

test("the next page's transactions are asked for while the page before still waits for a batch", async () => {
  const database = await createTestDatabase("pglite");
  try {
    // Jupiter limit-order series: 11 transactions; pages of 4, one transaction per batch, 2 at a time.
    const wallet = await solanaTestWallet(database);
    const result = await syncSolanaWallet(replaySyncArgs(server, database, wallet, 2), {
      pageSize: 4,
      txBatchSize: 1,
      retryBaseMs: 5,
    });
    // Call 3 is the first page's last batch: call 4 (the second page's first) came before it was answered.
    expect(calls.length).toBeGreaterThan(HELD + 1);
    expect(laterCallWhileHeld).toBe(true);
    // Everything stored all the same, each transaction fetched once.
    const stored = await database.db.select().from(transactions).where(eq(transactions.walletId, wallet.id));
    expect(result.transactions).toBe(11);
    expect(stored.map((t) => t.txHash).sort()).toEqual(calls.flat().sort());
    expect(new Set(calls.flat()).size).toBe(calls.flat().length);
  } finally {
    await database.close();
  }
});
