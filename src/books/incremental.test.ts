import pg from "pg";
import { encodeAbiParameters, pad } from "viem";
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from "vitest";
import { rollbackStale, saveTransactionsWithMovements } from "../../chains/store.ts";
import type { Database } from "../../db/client.ts";
import {
  classifications,
  movements,
  rawRecords,
  removedTransactions,
  reviewItems,
  transactions,
  wallets,
} from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase, DATABASE_KINDS, TEST_POSTGRES_URL } from "../../test/services.ts";
import { COLLECT_TOPIC, DECREASE_LIQUIDITY_TOPIC } from "../classify/decoders/uniswap-v3/constants.ts";
import { DEFAULT_CLASSIFY_SETTINGS } from "../classify/settings.ts";
import { Decimal } from "../utils/decimal.ts";
import { buildLedger, type Pricer } from "./build.ts";
import { addRule, removeDecision, setLink, setTxDecision } from "./decisions.ts";
import { markLedgerDirty } from "./dirty.ts";
import { importLedgerRows } from "./imports.ts";
import { loadLedgerRows, withPairedTx } from "./store.ts";

/**
 * Incremental rebuilds redo only the range a change affects, and give the rows a full rebuild
 * gives: a pairing across the range's start is kept, Uniswap V3 liquidity owed before it is
 * remembered, and a price change reprices from its mark.
 */
const A = "0x1111111111111111111111111111111111111111";
const EXT = "0x9999999999999999999999999999999999999999";
const L1_BRIDGE = "0x3154Cf16ccdb4C6d922629664174b904d80F2C35";
const NPM = "0xc36442b4a4522e871399cd717abdd847ab11fe88";
const TKN = "0x3333333333333333333333333333333333333333";
const E18 = 10n ** 18n;

describe("incremental rebuilds", () => {
  let database: Database;
  let userId: number;
  const ids: Record<string, number> = {};
  let ethUsd = "2000";
  const pricer: Pricer = {
    prepare: async () => (leg) =>
      leg.asset === "ETH" ? { usd: new Decimal(ethUsd), source: "test", rank: 0 } : undefined,
  };
  beforeAll(async () => {
    database = await createTestDatabase("pglite");
    userId = await ensureUser(database.db, "inc");
    for (const chain of ["ethereum", "base"]) {
      const [w] = await database.db.insert(wallets).values({ userId, chain, address: A }).returning();
      ids[chain] = w!.id;
    }
  });
  afterAll(async () => {
    await database?.close();
  });

  type Move = { asset: string; amount: bigint; counterparty: string; evidence?: string; decimals?: number };
  const addTx = async (
    chain: string,
    hash: string,
    time: string,
    block: bigint,
    moves: Move[],
    logs: { address: string; topics: string[]; data: string }[] = [],
  ) => {
    const walletId = ids[chain]!;
    const at = new Date(time);
    await database.db.insert(transactions).values({
      walletId,
      chain,
      txHash: hash,
      blockNumber: block,
      time: at,
      from: A,
      to: NPM,
      status: "success",
    });
    if (moves.length)
      await database.db.insert(movements).values(
        moves.map((m, k) => ({
          walletId,
          chain,
          txHash: hash,
          evidence: m.evidence ?? (m.asset === "native" ? "native" : "erc20"),
          evidenceIndex: String(k),
          blockNumber: block,
          time: at,
          asset: `${chain}:${m.asset}`,
          symbol: null,
          decimals: m.decimals ?? 18,
          amount: m.amount,
          counterparty: m.counterparty,
        })),
      );
    for (const [k, l] of logs.entries())
      await database.db.insert(rawRecords).values({
        chain,
        txHash: hash,
        kind: "log",
        index: k,
        blockNumber: block,
        data: { ...l, logIndex: k },
      });
  };
  const build = (full = false) =>
    buildLedger({
      db: database.db,
      userId,
      settings: DEFAULT_CLASSIFY_SETTINGS,
      resolveAsset: ({ chainAsset, symbol }) =>
        chainAsset.endsWith(":native")
          ? { asset: "ETH", symbol: "ETH" }
          : { asset: chainAsset, symbol: symbol ?? chainAsset },
      contracts: { ethereum: { uniswapV3PositionManagers: [NPM] } },
      pricer,
      full,
    });
  const view = async () =>
    (await loadLedgerRows(database.db, userId)).map((r) => [
      r.id,
      r.type,
      r.wallet,
      r.toWallet,
      r.outQuantity ?? r.inQuantity,
      r.usdValue ?? r.feeUsd,
      r.subtype,
    ]);

  test("a bridge pair across the range's start, V3 liquidity owed before it, prices repriced from the mark", async () => {
    // A bridges 1 ETH from Ethereum to Base (0.99 arrives 20 minutes later).
    await addTx("ethereum", "0xb1", "2025-01-01T00:00:00Z", 10n, [
      { asset: "native", amount: -E18, counterparty: L1_BRIDGE },
    ]);
    await addTx("base", "0xb2", "2025-01-01T00:20:00Z", 500n, [
      { asset: "native", amount: (99n * E18) / 100n, counterparty: EXT },
    ]);
    // Half of V3 position #7 is removed (10 TKN + 0.5 ETH owed), collected a day later with 0.01 ETH of fees.
    const dec = encodeAbiParameters(
      [{ type: "uint128" }, { type: "uint256" }, { type: "uint256" }],
      [1000n, 10n * E18, E18 / 2n],
    );
    await addTx(
      "ethereum",
      "0xd1",
      "2025-02-01T00:00:00Z",
      20n,
      [],
      [{ address: NPM, topics: [DECREASE_LIQUIDITY_TOPIC, pad("0x7")], data: dec }],
    );
    const col = encodeAbiParameters(
      [{ type: "address" }, { type: "uint256" }, { type: "uint256" }],
      [A, 10n * E18, (51n * E18) / 100n],
    );
    await addTx(
      "ethereum",
      "0xc1",
      "2025-02-02T00:00:00Z",
      30n,
      [
        { asset: TKN, amount: 10n * E18, counterparty: EXT },
        { asset: "native", amount: (51n * E18) / 100n, counterparty: NPM, evidence: "internal" },
      ],
      [{ address: NPM, topics: [COLLECT_TOPIC, pad("0x7")], data: col }],
    );
    expect((await build()).mode).toBe("full");
    const full = await view();
    // The 1,000 units removed are given for both tokens in equal shares (TKN has no price): the TKN
    // row is 0 with a warning, the ETH row is worth its 0.5 ETH (0.5 × 2000).
    expect(full).toEqual([
      ["ethereum:0xb1:0", "transfer", `ethereum:${A}`, `base:${A}`, "0.99", "20", "bridge"],
      ["ethereum:0xc1:0", "swap", `ethereum:${A}`, undefined, "500", "0", "lp_withdrawal"],
      ["ethereum:0xc1:1", "swap", `ethereum:${A}`, undefined, "500", "1000", "lp_withdrawal"],
      ["ethereum:0xc1:2", "income", `ethereum:${A}`, undefined, "0.01", "20", "lp_fees"],
    ]);

    // A price change marked between the bridge's halves and between the decrease and the collect.
    ethUsd = "2500";
    await markLedgerDirty(database.db, { userId, from: new Date("2025-01-01T00:10:00Z") });
    const r = await build();
    expect(r).toMatchObject({ mode: "incremental", from: "2025-01-01T00:10:00.000Z" });
    const after = await view();
    // The bridge row is before the mark: its price stays; what follows is repriced; pairings hold.
    expect(after).toEqual([
      ["ethereum:0xb1:0", "transfer", `ethereum:${A}`, `base:${A}`, "0.99", "20", "bridge"],
      ["ethereum:0xc1:0", "swap", `ethereum:${A}`, undefined, "500", "0", "lp_withdrawal"],
      ["ethereum:0xc1:1", "swap", `ethereum:${A}`, undefined, "500", "1250", "lp_withdrawal"],
      ["ethereum:0xc1:2", "income", `ethereum:${A}`, undefined, "0.01", "25", "lp_fees"],
    ]);
    const stored = await database.db.select().from(classifications);
    expect(stored.find((c) => c.txHash === "0xb2")).toMatchObject({
      kind: "self_transfer",
      uncertain: false,
    });

    // Marked between the decrease and the collect only: the owed liquidity comes from the stored facts.
    await markLedgerDirty(database.db, { userId, from: new Date("2025-02-01T12:00:00Z") });
    expect((await build()).mode).toBe("incremental");
    expect(await view()).toEqual(after);
    expect((await build()).mode).toBe("unchanged");
  });

  test("an imported withdrawal row (transfer with to_wallet) names the chain arrival it pairs with in the export's tx", async () => {
    const arrival = `0x${"ab".repeat(32)}`;
    await addTx("ethereum", arrival, "2025-06-01T12:00:00Z", 900n, [
      { asset: "native", amount: 2n * E18, counterparty: EXT },
    ]);
    await importLedgerRows(database.db, {
      userId,
      name: "cbw",
      file: "cbw.csv",
      rows: [
        {
          id: "w1",
          time: "2025-06-01T11:58:00Z",
          type: "transfer",
          wallet: "coinbase:main",
          outAsset: "ETH",
          outQuantity: "2",
          toWallet: `ethereum:${A}`,
          note: "withdrawal",
        },
      ],
    });
    await build();
    const rows = await withPairedTx(database.db, userId, await loadLedgerRows(database.db, userId));
    // The arrival writes no row of its own (the import's row is the transfer): w1 names it.
    expect(rows.filter((r) => r.tx?.includes(arrival)).map((r) => [r.id, r.tx])).toEqual([["w1", arrival]]);
    expect(rows.find((r) => r.id === "w1")?.note).toBe("withdrawal");
    // A full rebuild says the same.
    await build(true);
    const again = await withPairedTx(database.db, userId, await loadLedgerRows(database.db, userId));
    expect(again.find((r) => r.id === "w1")?.tx).toBe(arrival);
  });

  test("review link of two arrivals (or two departures) is refused: it would be stored and pair nothing", async () => {
    await addTx("ethereum", "0xk1", "2025-05-03T00:00:00Z", 60n, [
      { asset: "native", amount: 2n * E18, counterparty: EXT },
    ]);
    await addTx("base", "0xk2", "2025-05-03T01:00:00Z", 990n, [
      { asset: "native", amount: 2n * E18, counterparty: EXT },
    ]);
    await build();
    const link = (a: string, b: string) =>
      setLink({ db: database.db, userId, windowHours: 24, a, b, unlink: false });
    await expect(link("ethereum:0xk1", "base:0xk2")).rejects.toThrow(
      "a link pairs a departure with its arrival (lotwise review link <departure> <arrival>), but ethereum:0xk1 only brings coins into your wallets and base:0xk2 only brings coins into your wallets",
    );
    // An unlink of the same two is harmless and still accepted.
    await expect(
      setLink({ db: database.db, userId, windowHours: 24, a: "ethereum:0xk1", b: "base:0xk2", unlink: true }),
    ).resolves.toMatchObject({ a: "ethereum:0xk1" });
  });

  test("review set --as income on a transaction that brought nothing in is refused (it would decide nothing)", async () => {
    await addTx("ethereum", "0xk3", "2025-05-04T00:00:00Z", 70n, [
      { asset: "native", amount: -1n * E18, counterparty: EXT },
    ]);
    await build();
    const set = (as: "income" | "spend") =>
      setTxDecision({ db: database.db, userId, windowHours: 24, ref: "ethereum:0xk3", action: { as } });
    await expect(set("income")).rejects.toThrow(
      "ethereum:0xk3 only sends coins out of your wallets: --as income decides what came in; what went out is spend, sell, gift, transfer (with --to) or ignore",
    );
    await expect(set("spend")).resolves.toMatchObject({ txHash: "0xk3" });
  });

  test("review rule --direction out --as income is refused: income decides inflows only", async () => {
    await expect(
      addRule({
        db: database.db,
        userId,
        match: { counterparty: EXT, direction: "out" },
        action: { as: "income" },
      }),
    ).rejects.toThrow("--as income decides inflows only: a rule with --direction out would decide nothing");
  });

  test("review link pairs two transactions nothing else would; the decision survives a full rebuild and can be undone", async () => {
    // 2 ETH leave Ethereum to an unknown address; 2 ETH arrive on Base from another 10 hours later
    // (outside the 6 h window for amount-and-time candidates): two review items.
    await addTx("ethereum", "0xl1", "2025-05-01T00:00:00Z", 40n, [
      { asset: "native", amount: -2n * E18, counterparty: EXT },
    ]);
    await addTx("base", "0xl2", "2025-05-01T10:00:00Z", 900n, [
      { asset: "native", amount: 2n * E18, counterparty: EXT },
    ]);
    await build();
    const open = async () =>
      (await database.db.select().from(reviewItems))
        .filter((r) => r.txHash === "0xl1" || r.txHash === "0xl2")
        .map((r) => r.reason)
        .sort();
    expect(await open()).toEqual(["unmatched_inflow", "unmatched_outflow"]);
    const link = await setLink({
      db: database.db,
      userId,
      windowHours: 24,
      a: "ethereum:0xl1",
      b: "base:0xl2",
      unlink: false,
    });
    const r = await build();
    // Marked from the earlier transaction less the window.
    expect(r).toMatchObject({ mode: "incremental", from: "2025-04-30T00:00:00.000Z" });
    const linked = (await view()).filter((x) => String(x[0]).startsWith("ethereum:0xl1"));
    expect(linked).toEqual([
      ["ethereum:0xl1:0", "transfer", `ethereum:${A}`, `base:${A}`, "2", undefined, "bridge"],
    ]);
    expect(await open()).toEqual([]);
    await build(true);
    expect((await view()).filter((x) => String(x[0]).startsWith("ethereum:0xl1"))).toEqual(linked);
    await removeDecision({ db: database.db, userId, windowHours: 24, id: link.id });
    await build();
    expect((await view()).filter((x) => String(x[0]).startsWith("ethereum:0xl1"))).toEqual([]);
    expect(await open()).toEqual(["unmatched_inflow", "unmatched_outflow"]);
  });
});

/**
 * What a sync does to the stored chain data, seen by the next build through the transaction
 * watermark (`transactions.inserted_xid`, `removed_transactions`; each transaction here pays a
 * network fee: one fee row): new transactions are rebuilt
 * from, a re-sync of the same history changes nothing, a reorg's removal takes its rows away; each
 * incremental result is what a full rebuild gives.
 */
describe.each(DATABASE_KINDS)("watermark on %s", (kind) => {
  let database: Database;
  let userId: number;
  let walletId: number;
  const pricer: Pricer = {
    prepare: async () => (leg) =>
      leg.asset === "ETH" ? { usd: new Decimal("2000"), source: "test", rank: 0 } : undefined,
  };
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    userId = await ensureUser(database.db, "watermark");
    const [w] = await database.db
      .insert(wallets)
      .values({ userId, chain: "ethereum", address: A })
      .returning();
    walletId = w!.id;
  });
  afterAll(async () => {
    await database?.close();
  });
  const rowsOf = (hash: string, block: bigint, time: string, amount: bigint) => ({
    tx: {
      walletId,
      chain: "ethereum",
      txHash: hash,
      blockNumber: block,
      time: new Date(time),
      from: A,
      to: EXT,
      status: "success",
    },
    move: {
      walletId,
      chain: "ethereum",
      txHash: hash,
      evidence: "gas",
      evidenceIndex: "0",
      blockNumber: block,
      time: new Date(time),
      asset: "ethereum:native",
      symbol: null,
      decimals: 18,
      amount: -amount,
      counterparty: "",
    },
  });
  const sync = (list: ReturnType<typeof rowsOf>[]) =>
    saveTransactionsWithMovements(
      database.db,
      list.map((x) => x.tx),
      list.map((x) => x.move),
    );
  const build = (full = false) =>
    buildLedger({
      db: database.db,
      userId,
      settings: DEFAULT_CLASSIFY_SETTINGS,
      resolveAsset: ({ chainAsset, symbol }) =>
        chainAsset.endsWith(":native")
          ? { asset: "ETH", symbol: "ETH" }
          : { asset: chainAsset, symbol: symbol ?? chainAsset },
      pricer,
      full,
    });
  /** Ledger rows, classifications and review items, in a stable order. */
  const stored = async () => ({
    rows: await loadLedgerRows(database.db, userId),
    classifications: (await database.db.select().from(classifications))
      .map((c) => [c.chain, c.txHash, c.kind, c.source, c.uncertain, c.details])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    reviews: (await database.db.select().from(reviewItems))
      .map((r) => [r.chain, r.txHash, r.reason, r.message, r.status])
      .sort((a, b) => `${a[1]}${a[2]}`.localeCompare(`${b[1]}${b[2]}`)),
  });
  /** The stored ledger after an incremental build equals a full rebuild's. */
  const expectAsFull = async () => {
    const incremental = await stored();
    await build(true);
    expect(await stored()).toEqual(incremental);
    return incremental;
  };

  const history = () => [
    rowsOf("0xa1", 10n, "2025-03-01T00:00:00Z", E18 / 1000n),
    rowsOf("0xa2", 20n, "2025-03-05T00:00:00Z", E18 / 500n),
    rowsOf("0xa3", 30n, "2025-03-09T00:00:00Z", E18 / 400n),
  ];

  test("new, re-synced and removed transactions", async () => {
    await sync(history());
    expect((await build()).mode).toBe("full");
    expect((await build()).mode).toBe("unchanged");

    // A re-sync writes the same rows again (upserted transactions, movements replaced): nothing to redo.
    await sync(history());
    expect((await build()).mode).toBe("unchanged");

    // A new transaction: rebuilt from its time less the matching window.
    await sync([rowsOf("0xa4", 40n, "2025-03-12T00:00:00Z", E18 / 300n)]);
    const added = await build();
    expect(added).toMatchObject({ mode: "incremental", transactions: 1 });
    expect(new Date(added.from!).getTime()).toBeLessThanOrEqual(Date.parse("2025-03-12T00:00:00Z"));
    expect((await expectAsFull()).rows.map((r) => r.id)).toEqual([
      "ethereum:0xa1:0",
      "ethereum:0xa2:0",
      "ethereum:0xa3:0",
      "ethereum:0xa4:0",
    ]);
    expect((await build()).mode).toBe("unchanged");

    // On PostgreSQL another session's open transaction, in another database of the server as in a
    // concurrent test file, holds every snapshot's xmin back while the rest of the history is built.
    const holder = kind === "postgres" ? new pg.Client({ connectionString: TEST_POSTGRES_URL }) : undefined;
    if (holder) {
      await holder.connect();
      onTestFinished(() => holder.end());
      await holder.query("begin; select pg_current_xact_id()");
    }

    // A reorg removes 0xa2 (blocks above 15): rolled back and, at first, not seen again.
    await rollbackStale(database.db, { chain: "ethereum", walletId, above: 15n, staleHashes: [] });
    const removed = await build();
    expect(removed.mode).toBe("incremental");
    expect(new Date(removed.from!).getTime()).toBeLessThanOrEqual(Date.parse("2025-03-05T00:00:00Z"));
    const afterReorg = await expectAsFull();
    expect(afterReorg.rows.map((r) => r.id)).toEqual(["ethereum:0xa1:0"]);
    expect(afterReorg.classifications.map((c) => c[1])).toEqual(["0xa1"]);
    expect((await build()).mode).toBe("unchanged");

    // The canonical chain has 0xa3 and 0xa4 again, 0xa3 in a later block and time.
    await sync([rowsOf("0xa3", 31n, "2025-03-10T00:00:00Z", E18 / 400n), history()[0]!]);
    await sync([rowsOf("0xa4", 40n, "2025-03-12T00:00:00Z", E18 / 300n)]);
    expect((await build()).mode).toBe("incremental");
    const resynced = await expectAsFull();
    expect(resynced.rows.map((r) => [r.id, r.time])).toEqual([
      ["ethereum:0xa1:0", "2025-03-01T00:00:00Z"],
      ["ethereum:0xa3:0", "2025-03-10T00:00:00Z"],
      ["ethereum:0xa4:0", "2025-03-12T00:00:00Z"],
    ]);
    // Removals seen by a build are not kept, whatever else the server has open.
    expect(await database.db.select().from(removedTransactions)).toEqual([]);
  });
});
