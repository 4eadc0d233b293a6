import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database, Db } from "../../db/client.ts";
import { selectCells } from "../../db/copy.ts";
import { packedJsonSql } from "../../db/packed-json.ts";
import { packedCellReader } from "../../db/raw-blobs.ts";
import {
  cursors,
  movements,
  solanaTokenAccounts,
  tokens,
  transactions,
  wallets,
} from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { upsertWallet } from "../../db/wallets.ts";
import { UserInputError } from "../../src/errors.ts";
import { createTestCommon, createTestDatabase, type DatabaseKind } from "../../test/services.ts";
import { type ReplayServer, startSolanaReplay } from "../../test/solana-replay.ts";
import { resolveChain } from "../registry.ts";
import type { SyncWalletResult, WalletRef } from "../types.ts";
import { normalizeTransaction } from "./normalize.ts";
import { type SolanaSyncOptions, syncSolanaWallet } from "./sync.ts";
import { accountKeysOf, type SolanaTransactionResponse } from "./tx-json.ts";

/**
 * End to end: the real @solana/web3.js Connection → chains/transport.ts → the replay server of
 * recorded mainnet responses → PGlite (and once PostgreSQL). Every fault run and resumed run must
 * leave exactly the rows of a clean run.
 */

const W = {
  /** Jupiter limit-order series: 11 transactions, mostly paid by a keeper (staketaxcsv). */
  limit: "GAgnD5XviS4wN7GpcTBbgvtFAZnT6Lc1ehkbnP3qo1bz",
  /** Jupiter limit v2 open/fill/cancel with Token-2022 accounts (staketaxcsv). */
  limitV2: "4abvSWugzSRhpAk4rpvdSruFAFoNG1D1JTStmzpGt7xA",
  /** Swap paid by a relayer (Jupiter fixture). */
  relayed: "FMFot66s6R4bxoWAtYjf2Vd8cVQAc5ewiY2KMc5deoEh",
  /** SOL → USDC closing a wrapped-SOL account (MetaMask, json + lookup tables). */
  wsolClose: "3xTPAZxmpwd8GrNEKApaTw6VH4jqJ31WFXUvQzgwhR7c",
  /** SPL send creating the recipient's account (MetaMask, json). */
  sender: "EMmTjuHsYCYX7vgPcQ2QVbNwYAwcvGoSMCEaHKc19DdE",
  /** Failed swap (MetaMask). */
  failed: "8A4AptCThfbuknsbteHgGKXczfJpfjuVA9SLTSGaaLGC",
  /** Receives devnet USDC but is in none of the account keys: found only through its token account. */
  tokenOnly: "BXT1K8kzYXWMi6ihg7m9UqiHW4iJbJ69zumELHE9oBLe",
  /** Jupiter fee collector: four fee receipts, never in the account keys. */
  feeCollector: "45ruCyfdRkWpRNGEqWzjCiXRHkZs8WXCLQ67Pnpye7Hp",
} as const;

/** Signatures each wallet must end up with (every recorded transaction touching it or its token accounts). */
const EXPECTED_TX_COUNT: Record<string, number> = {
  [W.limit]: 11,
  [W.limitV2]: 4,
  [W.relayed]: 1,
  [W.wsolClose]: 1,
  [W.sender]: 1,
  [W.failed]: 1,
  [W.tokenOnly]: 1,
  [W.feeCollector]: 4,
};

const chain = resolveChain("solana");
const FAST: SolanaSyncOptions = { retryBaseMs: 5 };

type Ctx = { database: Database; wallets: WalletRef[] };

const setup = async (kind: DatabaseKind, addresses: readonly string[] = Object.values(W)): Promise<Ctx> => {
  const database = await createTestDatabase(kind);
  const userId = await ensureUser(database.db, "default");
  const list: WalletRef[] = [];
  for (const address of addresses)
    list.push(await upsertWallet(database.db, userId, { chain: "solana", address }));
  return { database, wallets: list };
};

const syncAll = async (
  ctx: Ctx,
  url: string,
  args: { signal?: AbortSignal; options?: SolanaSyncOptions; timeoutMs?: number } = {},
): Promise<SyncWalletResult[]> => {
  const common = createTestCommon({
    sync: { concurrency: 4, maxAttempts: 6, timeoutMs: args.timeoutMs ?? 5_000 },
  });
  const out: SyncWalletResult[] = [];
  for (const wallet of ctx.wallets) {
    out.push(
      await syncSolanaWallet(
        {
          common,
          database: ctx.database,
          wallet,
          chain,
          rpcUrl: url,
          signal: args.signal ?? new AbortController().signal,
          reportProgress: () => {},
        },
        { ...FAST, ...args.options },
      ),
    );
  }
  return out;
};

const stable = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x instanceof Date ? x.toISOString() : x));

/**
 * The raw records with their answers as JSON values, whatever their stored form (a part of a blob,
 * db/raw-blobs.ts, names a random blob id): what the rows hold, comparable across databases.
 */
const rawRecordValues = async (db: Db) => {
  const rows = await selectCells(
    db,
    `select chain, tx_hash, kind, index, block_number, block_hash, ${packedJsonSql("data")} from lotwise_sync.raw_records`,
  );
  const read = await packedCellReader(
    db,
    rows.map((r) => r[6]),
  );
  return rows.map(([chain, txHash, kind, index, blockNumber, blockHash, data]) => ({
    chain,
    txHash,
    kind,
    index: Number(index),
    blockNumber: BigInt(blockNumber!),
    blockHash,
    data: read(data!),
  }));
};

/** Every row the Solana sync writes, with volatile timestamps (and the writing transaction id) dropped and wallet ids as addresses. */
const snapshot = async (db: Db) => {
  const ids = new Map((await db.select().from(wallets)).map((w) => [w.id, w.address]));
  const clean = (rows: Record<string, unknown>[], drop: string[] = []) =>
    rows
      .map((r) => {
        const o: Record<string, unknown> = { ...r };
        for (const d of drop) delete o[d];
        if ("walletId" in o) o.walletId = ids.get(o.walletId as number);
        return stable(o);
      })
      .sort();
  return {
    transactions: clean(await db.select().from(transactions), ["insertedXid"]),
    movements: clean(await db.select().from(movements)),
    raw: clean(await rawRecordValues(db)),
    tokens: clean(await db.select().from(tokens), ["updatedAt"]),
    tokenAccounts: clean(await db.select().from(solanaTokenAccounts), ["createdAt"]),
    cursors: clean(await db.select().from(cursors), ["updatedAt"]),
  };
};

let server: ReplayServer;
let baseline: Awaited<ReturnType<typeof snapshot>>;
let baselineCtx: Ctx;

beforeAll(async () => {
  server = await startSolanaReplay();
  baselineCtx = await setup("pglite");
  await syncAll(baselineCtx, server.url);
  baseline = await snapshot(baselineCtx.database.db);
});

afterAll(async () => {
  await baselineCtx?.database.close();
  await server?.close();
});

describe("syncSolanaWallet() against the replay server", () => {
  test("stores each wallet's transactions with the movements normalize() computes", async () => {
    const db = baselineCtx.database.db;
    for (const wallet of baselineCtx.wallets) {
      const rows = (await db.select().from(transactions)).filter((t) => t.walletId === wallet.id);
      expect(rows.length, wallet.address).toBe(EXPECTED_TX_COUNT[wallet.address]);
      const stored = (await db.select().from(movements)).filter((m) => m.walletId === wallet.id);
      for (const t of rows) {
        const n = normalizeTransaction(server.transaction(t.txHash)!, wallet.address);
        const mine = stored.filter((m) => m.txHash === t.txHash);
        expect(
          mine.map((m) => [m.evidence, m.evidenceIndex, m.asset, m.amount, m.counterparty]).sort(),
          t.txHash,
        ).toEqual(
          n.movements
            .map((m) => [
              m.evidence,
              m.evidenceIndex,
              `solana:${m.mint ?? "native"}`,
              m.amount,
              m.counterparty,
            ])
            .sort(),
        );
        expect(t.blockNumber).toBe(n.slot);
        expect(t.status).toBe(n.status);
        expect(t.final).toBe(true);
      }
    }
  });

  test("token-only wallets are found through their token accounts, with exact amounts", async () => {
    const db = baselineCtx.database.db;
    const of = async (address: string) => {
      const id = baselineCtx.wallets.find((w) => w.address === address)!.id;
      return (await db.select().from(movements))
        .filter((m) => m.walletId === id)
        .map((m) => `${m.txHash.slice(0, 8)} ${m.evidence} ${m.symbol ?? m.asset} ${m.amount}`)
        .sort();
    };
    expect(await of(W.tokenOnly)).toEqual([
      // devnet USDC acct 644PJ6… 70000 - 60000; the sender paid the fee
      `3Zj5XkvE spl solana:4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU ${70000n - 60000n}`,
    ]);
    expect(await of(W.feeCollector)).toEqual([
      // 2BppD7…: USDC acct 52ZjrB… 406388893 - 406387271
      `2BppD7Zq spl USDC ${406388893n - 406387271n}`,
      // 2m6e4M…: wSOL acct EcDs7c… lamports 4587146113015 - 4587146086305 (wrapped SOL counts as SOL)
      `2m6e4MBQ sol SOL ${4587146113015n - 4587146086305n}`,
      // 4riUky…: USDC accts DB4KNm… 56293508446 - 56293439674 and 52ZjrB… 378441845 - 378426830
      `4riUkys7 spl USDC ${56293508446n - 56293439674n + (378441845n - 378426830n)}`,
      // 5pcpYh…: PYUSD acct 6WvkEJ… 108131300 - 108097750
      `5pcpYhqJ spl PYUSD ${108131300n - 108097750n}`,
    ]);
    // The relayed swapper has no fee row; the wSOL-closing swap nets to what the swap cost.
    expect((await of(W.relayed)).some((m) => m.includes("sol_fee"))).toBe(false);
    expect(await of(W.wsolClose)).toContain(
      `2X4vKsDS sol SOL ${1533615663n - 1532591455n + 15072n - 2039280n}`,
    );
  });

  test("token accounts are remembered, including closed ones, and mints are cached", async () => {
    const db = baselineCtx.database.db;
    const id = baselineCtx.wallets.find((w) => w.address === W.wsolClose)!.id;
    const accounts = (await db.select().from(solanaTokenAccounts)).filter((a) => a.walletId === id);
    // F77xG4… (USDC, still open: listed by getTokenAccountsByOwner) and Ffqao4… (wSOL, closed in
    // the swap: known only from the transaction's token balances).
    expect(accounts.map((a) => [a.address, a.source]).sort()).toEqual([
      ["F77xG4vz2CJeMxxAmFW8pvPx2c5Uk75pksr6Wwx6HFhV", "rpc"],
      ["Ffqao4nxSvgaR5kvFz1F718WaxSv6LnNfHuGqFEZ8fzL", "tx"],
    ]);
    const usdc = (await db.select().from(tokens)).find(
      (t) => t.address === "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
    );
    expect(usdc).toMatchObject({ chain: "solana", standard: "spl", symbol: "USDC", decimals: 6 });
    const help = (await db.select().from(tokens)).find(
      (t) => t.address === "HeLp6NuQkmYB4pYWo2zYs22mESHXPQYzXbB8n4V98jwC",
    );
    expect(help).toMatchObject({ standard: "spl-2022", symbol: null, decimals: 9 });
  });

  test("a second sync makes no getTransaction call and leaves identical rows", async () => {
    server.resetStats();
    const results = await syncAll(baselineCtx, server.url);
    expect(server.stats().calls.getTransaction ?? 0).toBe(0);
    expect(results.every((r) => r.transactions === 0 && r.movements === 0)).toBe(true);
    expect(await snapshot(baselineCtx.database.db)).toEqual(baseline);
  });

  test("429s, timeouts, dropped connections, garbled bodies and short pages change nothing", async () => {
    const ctx = await setup("pglite");
    try {
      server.resetStats();
      // Spread over requests (`every`), so that no single request fails more than maxAttempts - 1 times.
      server.setFaults([
        { kind: "429", times: 4, every: 3 },
        { kind: "delay", times: 2, every: 4, delayMs: 700, method: "getTransaction" },
        { kind: "drop", times: 2, every: 5 },
        { kind: "garbled", times: 2, every: 3, method: "getSignaturesForAddress" },
        { kind: "short-page", times: 6, every: 2 },
      ]);
      await syncAll(ctx, server.url, { timeoutMs: 300, options: { pageSize: 4, txBatchSize: 3 } });
      expect(server.stats().faults).toEqual({ "429": 4, delay: 2, drop: 2, garbled: 2, "short-page": 6 });
      expect(await snapshot(ctx.database.db)).toEqual(baseline);
    } finally {
      server.setFaults([]);
      await ctx.database.close();
    }
  });

  test("a sync aborted half-way resumes without refetching what it stored", async () => {
    const ctx = await setup("pglite", [W.limit]);
    try {
      const controller = new AbortController();
      let fetched = 0;
      server.resetStats();
      server.onCall((method) => {
        if (method === "getTransaction" && ++fetched === 5) controller.abort(new Error("stop"));
      });
      const options = { pageSize: 2, txBatchSize: 1 };
      await expect(syncAll(ctx, server.url, { signal: controller.signal, options })).rejects.toThrow();
      server.onCall(undefined);
      const stored = new Set((await ctx.database.db.select().from(transactions)).map((t) => t.txHash));
      expect(stored.size).toBeGreaterThan(0);
      expect(stored.size).toBeLessThan(11);
      const asked = new Set<string>();
      server.onAnswer((method, params, result) => {
        if (method === "getTransaction") asked.add(String(params[0]));
        return result;
      });
      await syncAll(ctx, server.url, { options });
      server.onAnswer(undefined);
      // Only what was not stored is fetched again (answers still in flight from the aborted run
      // may reach the server late, so calls are compared by signature, not counted).
      expect([...asked].filter((s) => stored.has(s))).toEqual([]);
      expect(asked.size + stored.size).toBe(11);
      const full = await snapshot(ctx.database.db);
      const only = (rows: string[]) => rows.filter((r) => r.includes(W.limit) || !r.includes('"walletId"'));
      expect(full.transactions).toEqual(only(baseline.transactions));
      expect(full.movements).toEqual(only(baseline.movements));
      expect(full.cursors).toEqual(only(baseline.cursors));
    } finally {
      server.onCall(undefined);
      server.onAnswer(undefined);
      await ctx.database.close();
    }
  });

  test("old transactions whose token balances lack an owner use the token accounts earlier pages found", async () => {
    // W.limit's token account GQjxPi… is in all 11 of its transactions. Here the node lists no
    // token account, and only the newest transaction names that account's owner, as in old
    // history: the other ten are normalized (in page order, one page each) with the account the
    // first page found, not while that page is still being stored.
    const ctx = await setup("pglite", [W.limit]);
    try {
      const txs = server
        .transactions()
        .filter(({ tx }) =>
          [...(tx.meta?.preTokenBalances ?? []), ...(tx.meta?.postTokenBalances ?? [])].some(
            (b) => b.owner === W.limit,
          ),
        );
      expect(txs.length).toBe(11);
      const newest = Math.max(...txs.map(({ tx }) => tx.slot));
      server.onAnswer((method, _params, result) => {
        if (method === "getTokenAccountsByOwner") return { ...(result as object), value: [] };
        // The newest has no block time: storing its page waits on a slow getBlockTime (below)
        // before it adds the account, while the next page comes in.
        if (method === "getSignaturesForAddress")
          return (result as { slot: number }[]).map((e) =>
            e.slot === newest ? { ...e, blockTime: null } : e,
          );
        const tx = result as SolanaTransactionResponse | null;
        if (method !== "getTransaction" || !tx?.meta) return result;
        if (tx.slot === newest) return { ...tx, blockTime: null };
        const keys = accountKeysOf(tx);
        for (const b of [...(tx.meta.preTokenBalances ?? []), ...(tx.meta.postTokenBalances ?? [])])
          if (keys[b.accountIndex]!.startsWith("GQjxPi")) delete b.owner;
        return tx;
      });
      server.setFaults([{ kind: "delay", times: 1, method: "getBlockTime", delayMs: 500 }]);
      await syncAll(ctx, server.url, { options: { pageSize: 1, txBatchSize: 1 } });
      expect(server.stats().faults).toEqual({ delay: 1 });
      const [got, want] = [await snapshot(ctx.database.db), baseline];
      const limitRows = (rows: string[]) => rows.filter((r) => r.includes(W.limit));
      expect(limitRows(got.movements).length).toBeGreaterThan(11);
      expect(limitRows(got.movements)).toEqual(limitRows(want.movements));
      expect(limitRows(got.transactions)).toEqual(limitRows(want.transactions));
    } finally {
      server.setFaults([]);
      server.onAnswer(undefined);
      await ctx.database.close();
    }
  });

  test("incremental: a later sync fetches only signatures newer than the stored ones", async () => {
    const ctx = await setup("pglite", [W.limit]);
    try {
      // Chain head between the 6th and 7th of the 11 transactions (slots 255009571 | 255022170).
      server.setHead(255009571);
      const first = await syncAll(ctx, server.url);
      expect(first[0]!.transactions).toBe(6);
      expect(first[0]!.syncedTo).toBe("255009571");
      server.setHead(undefined);
      server.resetStats();
      const second = await syncAll(ctx, server.url);
      expect(second[0]!.transactions).toBe(5);
      expect(server.stats().calls.getTransaction).toBe(5);
      const rows = await snapshot(ctx.database.db);
      const only = (list: string[]) => list.filter((r) => r.includes(W.limit));
      expect(rows.transactions).toEqual(only(baseline.transactions));
      expect(rows.movements).toEqual(only(baseline.movements));
    } finally {
      server.setHead(undefined);
      await ctx.database.close();
    }
  });

  test("stored transactions are never fetched again: not by another wallet, not without cursors", async () => {
    const recipient = "BYh4CfuGDvFMKaZp3RPmkw9y6qg3sWukA2TiGJDeLKZi";
    const ctx = await setup("pglite", [W.sender, recipient]);
    try {
      server.resetStats();
      const [sent, received] = await syncAll(ctx, server.url);
      // One transaction, two points of view: fetched once, the second wallet reuses the raw record.
      expect(server.stats().calls.getTransaction).toBe(1);
      expect([sent!.cacheHits, received!.cacheHits]).toEqual([0, 1]);
      const rows = (await ctx.database.db.select().from(movements)).filter(
        (m) => m.walletId === ctx.wallets[1]!.id,
      );
      // Recipient: its new Token-2022 account 5k4KRS… holds the 2074080 rent the sender paid, and 0.01 HeLp6N…
      expect(rows.map((m) => [m.evidence, m.amount]).sort()).toEqual([
        ["sol", 2074080n - 0n],
        ["spl", 10000000n - 0n],
      ]);
      const before = await snapshot(ctx.database.db);
      await ctx.database.db.delete(cursors);
      server.resetStats();
      await syncAll(ctx, server.url);
      expect(server.stats().calls.getSignaturesForAddress).toBeGreaterThan(0);
      expect(server.stats().calls.getTransaction ?? 0).toBe(0);
      expect(await snapshot(ctx.database.db)).toEqual(before);
    } finally {
      await ctx.database.close();
    }
  });

  test("a transaction without block time gets it from getBlockTime, or fails naming the signature", async () => {
    const ctx = await setup("pglite", [W.failed]);
    const signature =
      "43VK3TtYjN21VG13f2EPvNJxmML38GB8QbTDVtFifzeDW3LQpmLtFdLjERAKwy3k4RUe4Hizmdrj4Nyjm5vYKDBx";
    try {
      let blockTimeKnown = false;
      server.onAnswer((method, _params, result) => {
        if (method === "getTransaction" && result) (result as { blockTime: number | null }).blockTime = null;
        if (method === "getSignaturesForAddress")
          for (const s of result as { blockTime: null }[]) s.blockTime = null;
        if (method === "getBlockTime" && !blockTimeKnown) return null;
        return result;
      });
      await expect(syncAll(ctx, server.url)).rejects.toThrow(
        `solana transaction ${signature}: no block time for slot 339492409`,
      );
      blockTimeKnown = true;
      server.resetStats();
      await syncAll(ctx, server.url);
      expect(server.stats().calls.getBlockTime).toBe(1);
      const [row] = await ctx.database.db.select().from(transactions);
      // The recorded blockTime of slot 339492409 (the replay answers getBlockTime from its recordings).
      expect(row!.time.toISOString()).toBe(
        new Date(server.transaction(signature)!.blockTime! * 1000).toISOString(),
      );
    } finally {
      server.onAnswer(undefined);
      await ctx.database.close();
    }
  });

  test("PostgreSQL stores exactly the rows PGlite does", async () => {
    const ctx = await setup("postgres");
    try {
      await syncAll(ctx, server.url);
      expect(await snapshot(ctx.database.db)).toEqual(baseline);
    } finally {
      await ctx.database.close();
    }
  });

  test("a malformed address fails at once with a clear error", async () => {
    const ctx = await setup("pglite", []);
    try {
      const userId = await ensureUser(ctx.database.db, "default");
      const bad = await upsertWallet(ctx.database.db, userId, { chain: "solana", address: "0xNotSolana" });
      server.resetStats();
      const run = syncAll({ ...ctx, wallets: [bad] }, server.url);
      await expect(run).rejects.toThrow(UserInputError);
      await expect(syncAll({ ...ctx, wallets: [bad] }, server.url)).rejects.toThrow(
        /invalid solana address '0xNotSolana'/,
      );
      expect(server.stats().http).toBe(0);
    } finally {
      await ctx.database.close();
    }
  });
});
