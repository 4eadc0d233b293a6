import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { createTestDatabase } from "../../test/services.ts";
import { type ReplayServer, startSolanaReplay } from "../../test/solana-replay.ts";
import { replaySyncArgs, solanaTestWallet } from "../../test/solana-sync-args.ts";

/**
 * The Solana sync's pipeline: while one page is stored (PGlite, on this thread), the next page is
 * listed and fetched (or already was). Each store step returns to the event loop (sync.ts
 * `yieldToEventLoop`), so the replay server (in this process) gets the next page's requests before
 * the page's store ends.
 */

/** What happened, in order: a store starting or ending (page size), a call the server answered. */
const events: string[] = [];

/**
 * Holds this thread for `ms` without returning to the event loop, as PGlite's statements do
 * (their work is synchronous WebAssembly), so that answers are waiting when the store yields.
 */
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
};

vi.mock("../store.ts", async (original) => {
  const store = await original<typeof import("../store.ts")>();
  return {
    ...store,
    saveRawRecords: async (...args: Parameters<typeof store.saveRawRecords>) => {
      events.push("store start");
      busy(30);
      return store.saveRawRecords(...args);
    },
    saveTransactionsWithMovements: async (
      ...args: Parameters<typeof store.saveTransactionsWithMovements>
    ) => {
      busy(30);
      await store.saveTransactionsWithMovements(...args);
      events.push(`store end ${args[1].length}`);
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

test("the next page is listed and fetched while a page is stored", async () => {
  const database = await createTestDatabase("pglite");
  try {
    // Jupiter limit-order series: 11 transactions, in pages of 3.
    const wallet = await solanaTestWallet(database);
    server.onAnswer((method, _params, result) => {
      if (method === "getSignaturesForAddress" || method === "getTransaction") events.push(method);
      return result;
    });
    await syncSolanaWallet(replaySyncArgs(server, database, wallet, 4), { pageSize: 3, retryBaseMs: 5 });
    // Each page but the last: by the end of its store, the next page was listed and its
    // transactions fetched (more transactions answered than this page and those before it hold).
    const stores = events.filter((e) => e === "store start").length;
    expect(stores).toBeGreaterThan(2);
    let ended = 0;
    let listed = 0;
    let fetched = 0;
    for (const e of events) {
      if (e === "getSignaturesForAddress") listed++;
      else if (e === "getTransaction") fetched++;
      else if (e.startsWith("store end") && ++ended < stores) {
        expect(listed).toBeGreaterThan(ended);
        expect(fetched).toBeGreaterThan(3 * ended);
      }
    }
  } finally {
    server.onAnswer(undefined);
    await database.close();
  }
});
