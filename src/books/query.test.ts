/**
 * Ledger pages (src/books/query.ts) on both databases: walking every page with the cursor gives
 * exactly the stored ledger in ledger order (ties of time and seq included), rows come in the API
 * shape (nulls, ISO UTC times with milliseconds only when present, jsonb fields as values),
 * filters combine with the cursor, and another user's rows never appear. On PostgreSQL, the
 * cursor is an index condition (a deep page does not filter every earlier row).
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase, DATABASE_KINDS } from "../../test/services.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { type LedgerPageRow, ledgerPageSql, queryLedgerPage } from "./query.ts";
import { insertLedgerRows, loadLedgerRows, type StoredRowInput } from "./store.ts";

const pageRowOf = (
  r: LedgerRow & { warnings: string[]; priceSources: Record<string, string>; origin: string },
): LedgerPageRow => ({
  id: r.id,
  time: r.time,
  type: r.type,
  wallet: r.wallet,
  outAsset: r.outAsset ?? null,
  outQuantity: r.outQuantity ?? null,
  inAsset: r.inAsset ?? null,
  inQuantity: r.inQuantity ?? null,
  usdValue: r.usdValue ?? null,
  feeAsset: r.feeAsset ?? null,
  feeQuantity: r.feeQuantity ?? null,
  feeUsd: r.feeUsd ?? null,
  toWallet: r.toWallet ?? null,
  lots: r.lots ?? null,
  subtype: r.subtype ?? null,
  tx: r.tx ?? null,
  note: r.note ?? null,
  priceSources: r.priceSources,
  warnings: r.warnings,
  origin: r.origin,
});

/** 60 rows: groups of three at the same instant (two share a seq, so the id decides), one with milliseconds. */
const rowsOf = (userId: number, prefix: string): StoredRowInput[] =>
  Array.from({ length: 60 }, (_, i) => {
    const group = Math.floor(i / 3);
    const ms = group === 7 ? 250 : 0;
    const time = new Date(Date.UTC(2025, 0, 1 + group) + ms).toISOString().replace(".000Z", "Z");
    const full = i % 5 === 0;
    return {
      userId,
      seq: i % 3 === 2 ? 1 : 0,
      origin: i % 4 === 0 ? "import:x" : "chain",
      priceSources: (full ? { usd_value: "file" } : {}) as Record<string, string>,
      warnings: full ? ["missing_price:FOO"] : [],
      row: {
        // Ids out of insertion order within a group: z… before a… only through seq.
        id: `${prefix}${String(group).padStart(2, "0")}${["b", "a", "c"][i % 3]}`,
        time,
        type: i % 2 ? "sell" : "buy",
        wallet: `evm:1:0x${i % 2}`,
        ...(i % 2
          ? { outAsset: "ETH", outQuantity: "0.000000000000000001" }
          : { inAsset: "ETH", inQuantity: "12345678901234567890.5" }),
        usdValue: `${i}.25`,
        ...(full
          ? {
              feeAsset: "ETH",
              feeQuantity: "0.01",
              feeUsd: "1.5",
              toWallet: "cb",
              lots: "l1",
              subtype: "x",
              tx: `0x${i}`,
              note: 'a "note", with a comma',
            }
          : {}),
      },
    };
  });

describe.each(DATABASE_KINDS)("ledger pages on %s", (kind) => {
  let database: Database;
  let a: number;
  let b: number;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    a = await ensureUser(database.db, "a");
    b = await ensureUser(database.db, "b");
    await insertLedgerRows(database.db, rowsOf(a, "a"));
    await insertLedgerRows(database.db, rowsOf(b, "b"));
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  });

  const walk = async (userId: number, limit: number, filter = {}) => {
    const seen: LedgerPageRow[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await queryLedgerPage(database.db, userId, { limit, cursor, filter });
      pages++;
      seen.push(...page.rows);
      cursor = page.nextCursor;
    } while (cursor && pages < 100);
    return seen;
  };

  test("the pages of a user, cursor after cursor, are the stored ledger in ledger order", async () => {
    const expected = (await loadLedgerRows(database.db, a)).map(pageRowOf);
    expect(expected).toHaveLength(60);
    for (const limit of [1, 2, 3, 7, 60, 100]) {
      const got = (await walk(a, limit)).map(({ seq: _s, ...r }: LedgerPageRow & { seq?: number }) => r);
      expect(got).toEqual(expected);
    }
    const withMs = expected.find((r) => r.id === "a07b")!;
    expect(withMs.time).toBe("2025-01-08T00:00:00.250Z");
    expect(expected[0]!.time).toBe("2025-01-01T00:00:00Z");
    // The tie at one instant and one seq is broken by the id.
    expect(expected.slice(0, 3).map((r) => r.id)).toEqual(["a00a", "a00b", "a00c"]);
    expect(expected.find((r) => r.id === "a00b")).toMatchObject({
      priceSources: { usd_value: "file" },
      warnings: ["missing_price:FOO"],
      note: 'a "note", with a comma',
      inQuantity: "12345678901234567890.5",
      outAsset: null,
    });
  });

  test("filters combine with the cursor; no other user's rows", async () => {
    const expected = (await loadLedgerRows(database.db, a))
      .filter((r) => r.origin === "chain" && r.type === "sell")
      .map((r) => r.id);
    const got = (await walk(a, 4, { origin: "chain", type: "sell" })).map((r) => r.id);
    expect(got).toEqual(expected);
    expect(got.length).toBeGreaterThan(5);
    const all = await walk(a, 7);
    expect(all.every((r) => r.id.startsWith("a"))).toBe(true);
    const from = await queryLedgerPage(database.db, a, {
      limit: 5,
      filter: { from: new Date("2025-01-08T00:00:00.100Z"), warnings: true },
    });
    expect(from.rows[0]!.time >= "2025-01-08T00:00:00.250Z").toBe(true);
    expect(from.rows.every((r) => r.warnings.length > 0)).toBe(true);
  });

  // Plans are PostgreSQL's (PGlite's tables stay small in these tests' use).
  if (kind === "postgres")
    test("a cursor is an index condition, not a filter over earlier rows", async () => {
      const first = await queryLedgerPage(database.db, a, { limit: 20 });
      const statement = ledgerPageSql(a, { limit: 100, cursor: first.nextCursor });
      // A 60-row table is read sequentially when allowed: forbid that to see the index's plan.
      const plan = await database.db.transaction(async (tx) => {
        await tx.execute(sql`set local enable_seqscan = off`);
        const r = (await tx.execute(sql`explain ${statement}`)) as unknown as {
          rows: { "QUERY PLAN": string }[];
        };
        return r.rows.map((x) => x["QUERY PLAN"]).join("\n");
      });
      expect(plan).toMatch(/Index Cond: \(\(user_id = \d+\) AND \(ROW\("time", seq\) >= ROW\(/);
      expect(plan).not.toMatch(/Filter: .*OR/);
    });
});
