import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase } from "../../test/services.ts";
import { type ReplayServer, startSolanaReplay } from "../../test/solana-replay.ts";
import { replaySyncArgs, solanaTestWallet } from "../../test/solana-sync-args.ts";
import { syncSolanaWallet } from "./sync.ts";
import { startTxThread, txThreadsRunning } from "./tx-thread.ts";

/**
 * The sync starts its transaction thread as it begins (tx-thread.ts `startTxThread`), so that the
 * thread boots while the first calls are made instead of after the first batch is in. A process of
 * its own (`*.isolated.test.ts`): no other file's thread is running here.
 */

let server: ReplayServer;
beforeAll(async () => {
  server = await startSolanaReplay();
});
afterAll(async () => {
  await server?.close();
});

test("the transaction thread is started before the first signature is listed", async () => {
  expect(txThreadsRunning()).toBe(0);
  const database = await createTestDatabase("pglite");
  try {
    const wallet = await solanaTestWallet(database);
    /** Threads running when the server answered each method for the first time. */
    const threadsAt = new Map<string, number>();
    server.onAnswer((method, _params, result) => {
      if (!threadsAt.has(method)) threadsAt.set(method, txThreadsRunning());
      return result;
    });
    const result = await syncSolanaWallet(replaySyncArgs(server, database, wallet, 4));
    expect(result.transactions).toBe(11);
    expect(threadsAt.get("getSlot")).toBe(1);
    expect(threadsAt.get("getSignaturesForAddress")).toBe(1);
    // Started once: a later call leaves the running thread alone.
    const running = txThreadsRunning();
    startTxThread();
    expect(txThreadsRunning()).toBe(running);
  } finally {
    server.onAnswer(undefined);
    await database.close();
  }
});
