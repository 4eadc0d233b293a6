/**
 * Ledger versions (the cache key of the API's gains cache) after writes to `ledger_rows`: a write
 * declared for a user bumps that user's version once per statement; an undeclared write bumps
 * every user's (never a missed change); updates bump the written users' only. And the partial
 * index of position-account rows keeps up with the position protocols.
 */
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { copyTextCell } from "../../db/copy.ts";
import { classifications, ledgerRows, POSITION_ROWS_SQL, reviewItems } from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase, DATABASE_KINDS } from "../../test/services.ts";
import { POSITION_PROTOCOLS } from "../classify/decoders/position.ts";
import type { TxClassification } from "../classify/types.ts";
import { ledgerVersion } from "./query.ts";
import {
  CLASSIFICATION_COLUMNS,
  classificationLine,
  classificationRecord,
  declareLedgerWriter,
  insertLedgerRows,
  replaceChainLedger,
} from "./store.ts";

describe.each(DATABASE_KINDS)("ledger versions on %s", (kind) => {
  let database: Database;
  let alice: number;
  let bob: number;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    alice = await ensureUser(database.db, "alice");
    bob = await ensureUser(database.db, "bob");
  });
  afterAll(async () => {
    await database?.close();
  });
  const row = (userId: number, id: string) => ({
    row: {
      id,
      time: "2025-01-01T00:00:00Z",
      type: "buy" as const,
      wallet: "coinbase:main",
      inAsset: "ETH",
      inQuantity: "1",
      usdValue: "3000",
    },
    userId,
    seq: 0,
    origin: "chain",
    priceSources: {},
  });
  const versions = async () => [
    await ledgerVersion(database.db, alice),
    await ledgerVersion(database.db, bob),
  ];

  test("declared writes bump their user once per statement, undeclared ones every user", async () => {
    expect(await versions()).toEqual([0, 0]);
    await database.db.transaction(async (tx) => {
      await declareLedgerWriter(tx, alice);
      await insertLedgerRows(tx, [row(alice, "a1"), row(alice, "a2")]);
    });
    expect(await versions()).toEqual([1, 0]);
    await database.db.transaction(async (tx) => {
      await declareLedgerWriter(tx, alice);
      await tx.delete(ledgerRows).where(eq(ledgerRows.id, "a2"));
    });
    expect(await versions()).toEqual([2, 0]);
    // The declaration ends with its transaction.
    await insertLedgerRows(database.db, [row(bob, "b1")]);
    expect(await versions()).toEqual([3, 1]);
    // An update bumps the users whose rows it changed.
    await database.db.execute(sql`update lotwise_app.ledger_rows set note = 'x' where id = 'b1'`);
    expect(await versions()).toEqual([3, 2]);
  });

  test("each row stores its own price sources and warnings (cells shared by equal sources)", async () => {
    const sources: Record<string, string>[] = [
      {},
      { usd_value: "file:a.csv" },
      { usd_value: "file:b.csv" },
      { usd_value: "file:a.csv", fee_usd: "coingecko" },
      { fee_usd: "coingecko", usd_value: "file:a.csv" },
      { usd_value: 'file:we"ird\\name\t.csv' },
      { usd_value: "file:a.csv" },
      {},
    ];
    const warnings = [[], [], ["missing_price:ETH"], [], [], [], ["x\ty"], []];
    await insertLedgerRows(
      database.db,
      sources.map((priceSources, k) => ({
        ...row(alice, `ps${k}`),
        priceSources,
        warnings: warnings[k]!,
      })),
    );
    const stored = await database.db
      .select({ id: ledgerRows.id, priceSources: ledgerRows.priceSources, warnings: ledgerRows.warnings })
      .from(ledgerRows)
      .where(sql`${ledgerRows.id} like 'ps%'`)
      .orderBy(ledgerRows.id);
    expect(stored).toEqual(
      sources.map((priceSources, k) => ({ id: `ps${k}`, priceSources, warnings: warnings[k] })),
    );
  });
});

describe.each(DATABASE_KINDS)("review items replaced by a full build on %s", (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });
  const items = async (userId: number) =>
    (
      await database.db
        .select({ txHash: reviewItems.txHash, reason: reviewItems.reason })
        .from(reviewItems)
        .where(eq(reviewItems.userId, userId))
        .orderBy(reviewItems.txHash, reviewItems.reason)
    ).map((r) => `${r.txHash} ${r.reason}`);
  const fullBuild = (userId: number, txKeys: readonly string[] | (() => readonly string[])) =>
    replaceChainLedger(database.db, {
      userId,
      from: undefined,
      rows: [],
      classified: [],
      reviews: () => [],
      txKeys,
    });
  const item = (u: number, txHash: string, reason: string) => ({
    userId: u,
    chain: "evm:1",
    txHash,
    reason,
    message: "m",
  });

  test("every item goes but the balance differences of transactions not rebuilt", async () => {
    const userId = await ensureUser(database.db, "carol");
    const other = await ensureUser(database.db, "dave");
    await database.db
      .insert(reviewItems)
      .values([
        item(userId, "0x1", "unmatched_transfer"),
        item(userId, "0x1", "balance_difference"),
        item(userId, "0x2", "balance_difference"),
        item(userId, "0x3", "missing_price"),
        item(other, "0x1", "unmatched_transfer"),
      ]);
    await fullBuild(userId, ["evm:1:0x1", "evm:1:0x4"]);
    expect(await items(userId)).toEqual(["0x2 balance_difference"]);
    expect(await items(other)).toEqual(["0x1 unmatched_transfer"]);
    // Without balance differences of rebuilt transactions, the others stay too.
    await fullBuild(userId, ["evm:1:0x5"]);
    expect(await items(userId)).toEqual(["0x2 balance_difference"]);
    await fullBuild(userId, ["evm:1:0x2"]);
    expect(await items(userId)).toEqual([]);
  });

  test("a full build asks for the transactions' keys only when balance differences may stay", async () => {
    const userId = await ensureUser(database.db, "erin");
    let asked = 0;
    const keys = (list: string[]) => () => {
      asked++;
      return list;
    };
    await database.db.insert(reviewItems).values([item(userId, "0x1", "unmatched_transfer")]);
    await fullBuild(userId, keys(["evm:1:0x1"]));
    expect(asked).toBe(0);
    expect(await items(userId)).toEqual([]);
    await database.db
      .insert(reviewItems)
      .values([item(userId, "0x1", "balance_difference"), item(userId, "0x2", "balance_difference")]);
    await fullBuild(userId, keys(["evm:1:0x1"]));
    expect(asked).toBe(1);
    expect(await items(userId)).toEqual(["0x2 balance_difference"]);
  });
});

describe.each(DATABASE_KINDS)("an incremental build of synthetic transactions on %s", (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  // A rebasing token's daily growth and a Solana staking reward are transactions whose hash holds
  // `:`. Rebuilding them again (a review decision, an import: an incremental build) must replace
  // their classifications and review items, not collide with the ones stored by the last build.
  test("rebase and reward classifications are replaced, not inserted twice", async () => {
    const userId = await ensureUser(database.db, "frank");
    const tx = (chain: string, txHash: string): TxClassification => ({
      chain,
      txHash,
      time: new Date("2025-03-02T00:00:00Z"),
      blockNumber: 7n,
      kind: "income",
      source: "decoder:rebase:rebase:accrued",
      entries: [],
      reviews: [{ reason: "negative_rebase", message: "m" }],
      unmatched: [],
    });
    const classified = [
      tx("evm:31337", "rebase:0x5fbdb2315678afecb367f032d93f642f64180aa3:2025-03-02"),
      tx("solana", "reward:9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin:140"),
    ];
    const build = () =>
      replaceChainLedger(database.db, {
        userId,
        from: new Date("2025-03-01T00:00:00Z"),
        rows: [],
        classified,
        reviews: () => classified.map((c) => ({ chain: c.chain, txHash: c.txHash, ...c.reviews[0]! })),
        txKeys: classified.map((c) => `${c.chain}:${c.txHash}`),
      });
    await build();
    await build();
    const stored = await database.db
      .select({ chain: classifications.chain, tx_hash: classifications.txHash })
      .from(classifications)
      .where(eq(classifications.userId, userId))
      .orderBy(classifications.chain);
    expect(stored).toEqual(classified.map((c) => ({ chain: c.chain, tx_hash: c.txHash })));
    const items = await database.db
      .select({ txHash: reviewItems.txHash })
      .from(reviewItems)
      .where(eq(reviewItems.userId, userId));
    expect(items).toHaveLength(2);
  });
});

test("the partial index of position rows names every position protocol", () => {
  // A protocol added to POSITION_PROTOCOLS needs a migration widening `ledger_rows_position_idx`
  // (and POSITION_ROWS_SQL), or an incremental build scans the user's ledger for its rows.
  for (const p of POSITION_PROTOCOLS) {
    expect(POSITION_ROWS_SQL).toContain(`wallet like '${p}:%'`);
    expect(POSITION_ROWS_SQL).toContain(`to_wallet like '${p}:%'`);
  }
  expect(POSITION_ROWS_SQL.match(/ like /g)).toHaveLength(2 * POSITION_PROTOCOLS.length);
});

test("a classification's COPY line holds the cells copyRows prints for its record", () => {
  const base: TxClassification = {
    chain: "evm:1",
    txHash: "0xab",
    time: new Date("2025-01-01T00:00:00Z"),
    blockNumber: 1n,
    kind: "swap",
    source: "rule:generic",
    entries: [],
    reviews: [],
    unmatched: [],
  };
  const cases: TxClassification[] = [
    base,
    {
      ...base,
      reviews: [{ reason: "r", message: "m" }],
      entries: [{ kind: "fee", wallet: "w", outs: [], ins: [] }],
    },
    { ...base, details: { lpDecrease: { id: "7", tab: "a\tb\\c" } } },
    { ...base, details: { entries: 9, note: "é" } },
    { ...base, chain: "import:cb", txHash: "x\ny" },
  ];
  const names = Object.keys(CLASSIFICATION_COLUMNS);
  for (const c of cases) {
    const record = classificationRecord(3, c) as Record<string, unknown>;
    const expected = names.map((n) => copyTextCell(record[n], CLASSIFICATION_COLUMNS[n]!)).join("\t");
    expect(classificationLine(3, c)).toBe(expected);
  }
});

describe.each(DATABASE_KINDS)("a build's write on %s", (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });

  // On PostgreSQL the classifications and the review items known before the rows go in while the
  // first rows' lines are made; the rows' COPY then starts with those lines, and pricing's items
  // of a key written early are joined after its messages, as one write of them all joins them.
  test("every row (those made ahead and the rest), one review item per key, known messages first", async () => {
    const userId = await ensureUser(database.db, "grace");
    const classified: TxClassification[] = ["0x1", "0x2"].map((txHash) => ({
      chain: "evm:1",
      txHash,
      time: new Date("2025-03-02T00:00:00Z"),
      blockNumber: 7n,
      kind: "swap",
      source: "rule:generic",
      entries: [],
      reviews: [],
      unmatched: [],
    }));
    const count = 1234;
    let made = 0;
    function* rows() {
      for (let k = 0; k < count; k++) {
        made++;
        yield {
          row: {
            id: `evm:1:0x${k}:0`,
            time: "2025-03-02T00:00:00Z",
            type: "fee" as const,
            wallet: "evm:1:0xa",
            feeAsset: "ETH",
            feeQuantity: `0.${k + 1}`,
            feeUsd: "0",
            priceSources: {},
            warnings: [],
          },
          seq: k,
        };
      }
    }
    const review = (txHash: string, reason: string, message: string) => ({
      chain: "evm:1",
      txHash,
      reason,
      message,
    });
    await replaceChainLedger(database.db, {
      userId,
      from: undefined,
      rows: rows(),
      classified,
      knownReviews: [
        review("0x1", "unmatched_outflow", "a"),
        review("0x1", "unmatched_outflow", "b"),
        review("0x2", "complex_trade", "c"),
      ],
      reviews: () => [review("0x1", "unmatched_outflow", "d"), review("0x2", "missing_price", "e")],
      txKeys: [],
    });
    expect(made).toBe(count);
    const stored = await database.db
      .select({ id: ledgerRows.id, seq: ledgerRows.seq, fee: ledgerRows.feeQuantity })
      .from(ledgerRows)
      .where(eq(ledgerRows.userId, userId))
      .orderBy(ledgerRows.seq);
    expect(stored).toEqual(
      Array.from({ length: count }, (_, k) => ({ id: `evm:1:0x${k}:0`, seq: k, fee: `0.${k + 1}` })),
    );
    expect(
      (
        await database.db
          .select({ txHash: classifications.txHash })
          .from(classifications)
          .where(eq(classifications.userId, userId))
          .orderBy(classifications.txHash)
      ).map((c) => c.txHash),
    ).toEqual(["0x1", "0x2"]);
    const items = await database.db
      .select({ txHash: reviewItems.txHash, reason: reviewItems.reason, message: reviewItems.message })
      .from(reviewItems)
      .where(eq(reviewItems.userId, userId))
      .orderBy(reviewItems.txHash, reviewItems.reason);
    expect(items).toEqual([
      { txHash: "0x1", reason: "unmatched_outflow", message: "a\nb\nd" },
      { txHash: "0x2", reason: "complex_trade", message: "c" },
      { txHash: "0x2", reason: "missing_price", message: "e" },
    ]);
  });
});
