/**
 * The API's gains worker thread (src/api/gains-thread.ts) on real PostgreSQL: it computes in
 * another thread what the API's own thread would (summary and Form 8949 rows), per user; the
 * engine's input errors come back as input errors; the cache on top of it serves hits, shares one
 * computation between concurrent requests and recomputes after any ledger change.
 */
import { threadId } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase } from "../../test/services.ts";
import { computeStoredGains, type StoredGainsOptions } from "../books/gains.ts";
import { insertLedgerRows, type StoredRowInput } from "../books/store.ts";
import { UserInputError } from "../errors.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { createGainsCache } from "./gains-cache.ts";
import { createThreadGainsComputer, type GainsComputer } from "./gains-thread.ts";

const OPTIONS: StoredGainsOptions = {
  year: 2025,
  method: "fifo",
  scope: "universal",
  filingStatus: "single",
  carryoverIn: { shortTerm: 0n, longTerm: 0n },
};

const stored = (userId: number, rows: LedgerRow[]): StoredRowInput[] =>
  rows.map((row, seq) => ({ row, userId, seq, origin: "import:t", priceSources: {} }));

const trade = (id: string, time: string, side: "buy" | "sell", asset: string, q: string, usd: string) =>
  (side === "buy"
    ? { id, time, type: "buy", wallet: "w", inAsset: asset, inQuantity: q, usdValue: usd }
    : { id, time, type: "sell", wallet: "w", outAsset: asset, outQuantity: q, usdValue: usd }) as LedgerRow;

describe("gains thread on postgres", () => {
  let database: Database & { url?: string };
  let computer: GainsComputer;
  let a: number;
  let b: number;
  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    a = await ensureUser(database.db, "a");
    b = await ensureUser(database.db, "b");
    await insertLedgerRows(
      database.db,
      stored(a, [
        trade("a1", "2025-01-10T00:00:00Z", "buy", "ETH", "2", "2000"),
        trade("a2", "2025-03-01T00:00:00Z", "sell", "ETH", "1", "1500"),
        trade("a3", "2025-04-01T00:00:00.500Z", "sell", "ETH", "0.5", "400.10"),
      ]),
    );
    await insertLedgerRows(
      database.db,
      stored(b, [
        trade("b1", "2025-02-01T00:00:00Z", "buy", "SOL", "10", "1000"),
        trade("b2", "2025-06-01T00:00:00Z", "sell", "SOL", "10", "700"),
      ]),
    );
    computer = createThreadGainsComputer({ databaseUrl: database.url!, assetOptions: {} });
  }, 60_000);
  afterAll(async () => {
    await computer?.close();
    await database?.close();
  });

  test("computes in another thread what this thread computes, per user", async () => {
    for (const user of [a, b]) {
      const here = await computeStoredGains(database.db, user, OPTIONS);
      const summary = await computer.summary(user, OPTIONS);
      expect(summary.threadId).not.toBe(threadId);
      expect(summary.summary).toEqual(here.summary);
      expect(summary.form8949Rows).toBe(here.form8949.length);
      expect(summary.ledgerRows).toBe(here.ledgerRows);
      const full = await computer.full(user, OPTIONS);
      expect(full.form8949).toEqual(here.form8949);
      expect(full.summary).toEqual(here.summary);
    }
    // A: 1 ETH at $1,000 sold for $1,500, 0.5 ETH at $500 for $400.10: +$400.10 short term.
    expect((await computer.summary(a, OPTIONS)).summary.shortTerm.gain).toBe(40010n);
    // B: a $300 short-term loss; none of A's rows.
    const sb = await computer.summary(b, OPTIONS);
    expect(sb.summary.shortTerm.gain).toBe(-30000n);
    expect(sb.ledgerRows).toBe(2);
  });

  test("the engine's input errors come back as input errors", async () => {
    const bad = computer.summary(a, { ...OPTIONS, method: "newest" as StoredGainsOptions["method"] });
    await expect(bad).rejects.toBeInstanceOf(UserInputError);
    await expect(bad).rejects.toThrow(/unknown method "newest"/);
    // The thread still answers after an error.
    expect((await computer.summary(b, OPTIONS)).ledgerRows).toBe(2);
  });

  test("the cache over the thread: hits, one computation for concurrent misses, recomputed after a ledger change", async () => {
    const cache = createGainsCache({ db: database.db, computer });
    const first = await Promise.all([cache.summary(a, OPTIONS), cache.summary(a, OPTIONS)]);
    // One computation: the second request finds the first one's pending entry.
    expect(cache.stats()).toMatchObject({ misses: 1, hits: 1, entries: 1 });
    expect(first[0]!.summary).toEqual(first[1]!.summary);
    const hit = await cache.summary(a, OPTIONS);
    expect(hit.cached).toBe(true);
    expect(hit.summary.shortTerm.gain).toBe(40010n);
    // Another user has their own entry.
    expect((await cache.summary(b, OPTIONS)).summary.shortTerm.gain).toBe(-30000n);
    await insertLedgerRows(
      database.db,
      stored(a, [trade("a4", "2025-05-01T00:00:00Z", "sell", "ETH", "0.5", "600")]).map((r) => ({
        ...r,
        seq: 10,
      })),
    );
    const after = await cache.summary(a, OPTIONS);
    expect(after.cached).toBe(false);
    expect(after.version).toBeGreaterThan(hit.version);
    // +$100 more: 0.5 ETH at $500 sold for $600.
    expect(after.summary.shortTerm.gain).toBe(50010n);
    expect((await cache.summary(a, OPTIONS)).cached).toBe(true);
    // The full result (Form 8949 rows) is computed once, then serves summaries too.
    const full = await cache.get(a, { ...OPTIONS, method: "hifo" });
    expect(full.cached).toBe(false);
    expect(full.form8949).toHaveLength(3);
    const fromFull = await cache.summary(a, { ...OPTIONS, method: "hifo" });
    expect(fromFull.cached).toBe(true);
    expect(fromFull.form8949Rows).toBe(3);
    expect(fromFull.summary).toEqual(full.summary);
    expect((await cache.get(a, { ...OPTIONS, method: "hifo" })).cached).toBe(true);
  });
});
