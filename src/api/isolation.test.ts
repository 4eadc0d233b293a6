import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import {
  classifications,
  overrides,
  prices,
  reviewItems,
  syncRuns,
  syncRunWallets,
} from "../../db/schema/index.ts";
import { createTestApi, createTestUser } from "../../test/api.ts";
import { createTestCommon, createTestDatabase } from "../../test/services.ts";
import { insertLedgerRows } from "../books/store.ts";
import type { Common } from "../common.ts";
import type { Api } from "./types.ts";

/**
 * Per-user isolation: user B, with a valid key, can neither read nor change anything of user A's
 * (wallets, ledger, review items and decisions, forms and reconciliation, harvest, reports and
 * their downloads, sync runs, prices of A's assets), and
 * A's ids answer B exactly as ids that do not exist: 404 `not_found`, never 403, no count leaks.
 */

let database: Database;
let common: Common;
let app: Api;
let A: Awaited<ReturnType<typeof createTestUser>>;
let B: Awaited<ReturnType<typeof createTestUser>>;
const ids = { wallet: 0, decision: 0, report: 0, run: 0, formImport: 0, formRow: 0 };
const TX = "0x1111111111111111111111111111111111111111111111111111111111111111";
/** A rebasing token's day (its negative_rebase review item names it). */
const REBASE = "rebase:0x5fbdb2315678afecb367f032d93f642f64180aa3:2025-03-08";
const WALLET = "evm:31337:0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

const req = (who: { auth: Record<string, string> }, method: string, url: string, payload?: unknown) =>
  app.inject({
    method: method as "GET",
    url,
    headers: who.auth,
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });

beforeAll(async () => {
  database = await createTestDatabase("pglite");
  common = createTestCommon();
  ({ app } = await createTestApi({ common, database }));
  A = await createTestUser(database, "alice");
  B = await createTestUser(database, "bob");
  const db = database.db;

  const added = await req(A, "POST", "/v1/wallets", { wallets: [WALLET], label: "alice main" });
  expect(added.statusCode).toBe(201);
  ids.wallet = added.json().wallets[0].id;
  // A's ledger: buy 1 ETH for $1,000, sell it for $1,500 → a $500.00 short-term gain in 2025.
  await insertLedgerRows(db, [
    {
      userId: A.userId,
      seq: 0,
      origin: "chain",
      priceSources: {},
      row: {
        id: "a-buy",
        time: "2025-01-10T00:00:00Z",
        type: "buy",
        wallet: WALLET,
        inAsset: "ETH",
        inQuantity: "1",
        usdValue: "1000",
      },
    },
    {
      userId: A.userId,
      seq: 0,
      origin: "chain",
      priceSources: {},
      warnings: ["missing_price:SECRETCOIN"],
      row: {
        id: "a-sell",
        time: "2025-03-01T00:00:00Z",
        type: "sell",
        wallet: WALLET,
        outAsset: "ETH",
        outQuantity: "1",
        usdValue: "1500",
      },
    },
  ]);
  await db
    .insert(prices)
    .values({ asset: "ETH", time: new Date("2025-01-10T00:00:00Z"), usd: "1000", source: "file:x.csv" });
  await db.insert(classifications).values([
    { userId: A.userId, chain: "evm:31337", txHash: TX, kind: "unknown", source: "test" },
    { userId: A.userId, chain: "evm:31337", txHash: REBASE, kind: "defi", source: "test" },
  ]);
  await db.insert(reviewItems).values({
    userId: A.userId,
    chain: "evm:31337",
    txHash: TX,
    reason: "unmatched_outflow",
    message: "alice paid someone",
  });
  const [o] = await db
    .insert(overrides)
    .values({ userId: A.userId, chain: "evm:31337", txHash: TX, action: { as: "spend" } })
    .returning();
  ids.decision = o!.id;
  const [run] = await db
    .insert(syncRuns)
    .values({ userId: A.userId, trigger: "api", status: "partial", error: "1 of 1 wallet syncs failed" })
    .returning();
  ids.run = run!.id;
  await db.insert(syncRunWallets).values({
    runId: run!.id,
    walletId: ids.wallet,
    wallet: WALLET,
    state: "failed",
    error: "alice's RPC failed",
  });
  // A's Form 1099-DA for the sale, reported on A's wallet.
  const form = await app.inject({
    method: "POST",
    url: `/v1/forms/imports?account=${encodeURIComponent(WALLET)}&file=alice-1099da.csv`,
    headers: { ...A.auth, "content-type": "text/csv" },
    payload:
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term\nAliceBroker,A-1,ETH,1,2025-03-01,1500.00,1000.00,true,short\n",
  });
  expect(form.statusCode).toBe(201);
  ids.formImport = form.json().importId;
  ids.formRow = (await req(A, "GET", "/v1/forms/rows")).json().rows[0].id;
  const report = await req(A, "POST", "/v1/reports", { kind: "gains", year: 2025 });
  expect(report.statusCode).toBe(201);
  ids.report = report.json().id;
});

afterAll(async () => {
  await common?.shutdown.close();
  await database?.close();
});

describe("user B cannot see or change user A's data", () => {
  test("A sees their own data (the fixture is real)", async () => {
    const g = await req(A, "GET", "/v1/gains/summary?year=2025");
    expect(g.json().summary.short_term.gain).toBe("500.00");
    expect((await req(A, "GET", "/v1/review/items")).json().total).toBe(1);
    expect((await req(A, "GET", "/v1/ledger")).json().rows).toHaveLength(2);
    expect((await req(A, "GET", `/v1/sync/runs/${ids.run}`)).json().wallets[0].error).toBe(
      "alice's RPC failed",
    );
    expect((await req(A, "GET", "/v1/forms/imports")).json().imports).toHaveLength(1);
    const rec = (await req(A, "GET", "/v1/reconcile?year=2025")).json();
    expect(rec.reconciliation.classes.matched.count).toBe(1);
    expect(rec.discrepancies[0].broker).toBe("AliceBroker");
    const h = await req(A, "POST", "/v1/harvest", {
      asOf: "2025-12-15",
      prices: [{ asset: "ETH", time: "2025-12-15", usd: "900" }],
    });
    expect(h.json().year_so_far.short_term_rows).toBe(1);
    const report = (await req(A, "GET", `/v1/reports/${ids.report}/report-form8949.csv`)).body;
    expect(report).toContain("1500.00");
  });

  test("lists, counts and totals are B's own (empty)", async () => {
    expect((await req(B, "GET", "/v1/wallets")).json()).toEqual({ wallets: [] });
    expect((await req(B, "GET", "/v1/ledger")).json()).toEqual({ rows: [], nextCursor: null });
    expect((await req(B, "GET", "/v1/ledger?wallet=" + encodeURIComponent(WALLET))).json().rows).toEqual([]);
    const csv = await req(B, "GET", "/v1/ledger.csv");
    expect(csv.body.trim().split("\n")).toHaveLength(1);
    expect((await req(B, "GET", "/v1/review/items?status=all")).json()).toEqual({ items: [], total: 0 });
    expect((await req(B, "GET", "/v1/review/decisions")).json()).toEqual({ decisions: [] });
    expect((await req(B, "GET", "/v1/reports")).json()).toEqual({ reports: [] });
    expect((await req(B, "GET", "/v1/sync/runs")).json()).toEqual({ runs: [] });
    expect((await req(B, "GET", "/v1/ledger/imports")).json()).toEqual({ imports: [] });
    const g = (await req(B, "GET", "/v1/gains/summary?year=2025")).json();
    expect(g.summary.short_term).toEqual({
      proceeds: "0.00",
      cost_basis: "0.00",
      adjustments: "0.00",
      gain: "0.00",
    });
    expect(g.summary.warnings).toEqual([]);
    expect(g.ledgerRows).toBe(0);
    expect((await req(B, "GET", "/v1/gains/form8949?year=2025")).json()).toEqual({ rows: [], total: 0 });
    // Prices are shared, but B reads only assets of B's own ledger; A's price gaps stay A's.
    expect((await req(B, "GET", "/v1/prices?asset=ETH")).json()).toEqual({ prices: [] });
    expect((await req(A, "GET", "/v1/prices?asset=ETH")).json().prices).toHaveLength(1);
    expect((await req(B, "GET", "/v1/prices/gaps")).json()).toEqual({ gaps: [] });
    // Forms, reconciliation and harvest see only B's (nothing).
    expect((await req(B, "GET", "/v1/forms/imports")).json()).toEqual({ imports: [] });
    expect((await req(B, "GET", "/v1/forms/rows?year=2025")).json()).toEqual({ rows: [], total: 0 });
    const rec = await req(B, "GET", "/v1/reconcile?year=2025");
    expect(rec.statusCode).toBe(404);
    expect(rec.json().message).toBe(
      (await req(B, "GET", "/v1/reconcile?year=2024")).json().message.replace("2024", "2025"),
    );
    expect((await req(B, "GET", "/v1/reconcile/discrepancies.csv?year=2025")).statusCode).toBe(404);
    const h = (
      await req(B, "POST", "/v1/harvest", {
        asOf: "2025-12-15",
        prices: [{ asset: "ETH", time: "2025-12-15", usd: "900" }],
        sells: [],
      })
    ).json();
    expect(h.positions).toEqual([]);
    expect(h.lots).toEqual([]);
    expect(h.year_so_far.short_term_rows).toBe(0);
    // A sale of A's ETH is not B's to simulate: B holds none.
    const sell = await req(B, "POST", "/v1/harvest", {
      asOf: "2025-12-15",
      prices: [{ asset: "ETH", time: "2025-12-15", usd: "900" }],
      sells: [{ asset: "ETH", quantity: "1", wallet: WALLET }],
    });
    expect(sell.statusCode).toBe(400);
    expect((await req(A, "GET", "/v1/prices/gaps")).json().gaps[0].asset).toBe("SECRETCOIN");
  });

  /** Each of A's ids answers B exactly as an id that does not exist. */
  const NONE = 999_999;
  const probes: [string, string, (id: number) => string, unknown?][] = [
    ["wallet", "GET", (id) => `/v1/wallets/${id}`],
    ["wallet", "PATCH", (id) => `/v1/wallets/${id}`, { label: "pwned" }],
    ["wallet", "DELETE", (id) => `/v1/wallets/${id}`],
    ["decision", "DELETE", (id) => `/v1/review/decisions/${id}`],
    ["report", "GET", (id) => `/v1/reports/${id}`],
    ["report", "GET", (id) => `/v1/reports/${id}/form8949.csv`],
    ["report", "GET", (id) => `/v1/reports/${id}/summary.json`],
    ["report", "GET", (id) => `/v1/reports/${id}/form8949.pdf`],
    ["report", "GET", (id) => `/v1/reports/${id}/turbotax.csv`],
    ["report", "GET", (id) => `/v1/reports/${id}/report-form8949.csv`],
    ["report", "DELETE", (id) => `/v1/reports/${id}`],
    ["formImport", "DELETE", (id) => `/v1/forms/imports/${id}`],
    ["formRow", "DELETE", (id) => `/v1/forms/rows/${id}`],
    ["run", "GET", (id) => `/v1/sync/runs/${id}`],
    ["run", "GET", (id) => `/v1/sync/runs/${id}/events`],
    ["run", "POST", (id) => `/v1/sync/runs/${id}/retry`],
    ["run", "POST", (id) => `/v1/sync/runs/${id}/cancel`],
  ];
  for (const [kind, method, url, body] of probes) {
    test(`${method} ${url(0).replace("/0", "/{A's id}")} → 404 like a missing id`, async () => {
      const id = ids[kind as keyof typeof ids];
      const foreign = await req(B, method, url(id), body);
      const missing = await req(B, method, url(NONE), body);
      expect(foreign.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      expect(foreign.json().code).toBe("not_found");
      // Same message with the id swapped: nothing says the id exists.
      expect(foreign.json().message.replace(String(id), "#")).toBe(
        missing.json().message.replace(String(NONE), "#"),
      );
    });
  }

  test("B cannot read A's transaction (GET /v1/review/transaction)", async () => {
    const own = await req(A, "GET", `/v1/review/transaction?tx=evm:31337:${TX}`);
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({
      tx: `evm:31337:${TX}`,
      classification: { kind: "unknown", source: "test" },
      explorerUrl: null,
    });
    const foreign = await req(B, "GET", `/v1/review/transaction?tx=evm:31337:${TX}`);
    const missing = await req(B, "GET", `/v1/review/transaction?tx=evm:31337:0x${"2".repeat(64)}`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().message.replace(TX, "#")).toBe(
      missing.json().message.replace(`0x${"2".repeat(64)}`, "#"),
    );
  });

  test("a rebasing token's day is a transaction too (GET /v1/review/transaction), A's only", async () => {
    const own = await req(A, "GET", `/v1/review/transaction?tx=evm:31337:${REBASE}`);
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({
      tx: `evm:31337:${REBASE}`,
      chain: "evm:31337",
      hash: REBASE,
      classification: { kind: "defi", source: "test" },
      explorerUrl: null,
    });
    const foreign = await req(B, "GET", `/v1/review/transaction?tx=evm:31337:${REBASE}`);
    expect(foreign.statusCode).toBe(404);
  });

  test("B cannot decide A's transaction, sync A's wallet or delete A's import", async () => {
    const decide = await req(B, "POST", "/v1/review/decisions", { tx: `evm:31337:${TX}`, as: "income" });
    const decideMissing = await req(B, "POST", "/v1/review/decisions", {
      tx: `evm:31337:0x${"2".repeat(64)}`,
      as: "income",
    });
    expect(decide.statusCode).toBe(404);
    // An API client gets API words, not the CLI's (`lotwise review list`).
    expect(decide.json().message).toBe(
      `unknown transaction evm:31337:${TX}: sync first (POST /v1/sync), or check GET /v1/review/items`,
    );
    expect(decide.json().message.replace(TX, "#")).toBe(
      decideMissing.json().message.replace(`0x${"2".repeat(64)}`, "#"),
    );
    const sync = await req(B, "POST", "/v1/sync", { walletIds: [ids.wallet] });
    expect(sync.statusCode).toBe(404);
    expect(sync.json().message).toBe(`no wallet ${ids.wallet}`);
    const imp = await req(B, "DELETE", "/v1/ledger/imports/chain");
    expect(imp.statusCode).toBe(404);
    // A's wallet is no account of B's: B cannot file forms against it (same answer as a made-up one).
    const csv =
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term\nB,1,ETH,1,2025-03-01,1.00,1.00,true,short\n";
    const up = (account: string) =>
      app.inject({
        method: "POST",
        url: `/v1/forms/imports?account=${encodeURIComponent(account)}`,
        headers: { ...B.auth, "content-type": "text/csv" },
        payload: csv,
      });
    const foreign = await up(WALLET);
    const madeUp = await up("evm:31337:0x0000000000000000000000000000000000000001");
    expect(foreign.statusCode).toBe(400);
    expect(madeUp.statusCode).toBe(400);
    expect(foreign.json().message).not.toContain("known wallets");
    expect((await req(B, "DELETE", `/v1/forms?account=${encodeURIComponent(WALLET)}`)).statusCode).toBe(404);
  });

  test("after all of B's attempts, A's data is unchanged", async () => {
    const w = (await req(A, "GET", `/v1/wallets/${ids.wallet}`)).json();
    expect(w.label).toBe("alice main");
    expect(
      (await req(A, "GET", "/v1/review/decisions"))
        .json()
        .decisions.map((d: { id: number; action: { as: string } }) => [d.id, d.action.as]),
    ).toEqual([[ids.decision, "spend"]]);
    expect((await req(A, "GET", `/v1/reports/${ids.report}`)).statusCode).toBe(200);
    const run = (await req(A, "GET", `/v1/sync/runs/${ids.run}`)).json();
    expect(run.status).toBe("partial");
    expect((await req(A, "GET", "/v1/ledger")).json().rows.map((r: { id: string }) => r.id)).toEqual([
      "a-buy",
      "a-sell",
    ]);
    expect((await req(A, "GET", "/v1/forms/rows")).json().rows.map((r: { id: number }) => r.id)).toEqual([
      ids.formRow,
    ]);
  });

  test("no key, a wrong key and a revoked key are 401 with a JSON error", async () => {
    const none = await app.inject({ method: "GET", url: "/v1/wallets" });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe("unauthorized");
    const wrong = await app.inject({
      method: "GET",
      url: "/v1/wallets",
      headers: { authorization: `Bearer lw_${"x".repeat(43)}` },
    });
    expect(wrong.statusCode).toBe(401);
    const { revokeKeys } = await import("../users/keys.ts");
    const C = await createTestUser(database, "carol");
    await revokeKeys(database.db, "carol");
    const revoked = await app.inject({ method: "GET", url: "/v1/wallets", headers: C.auth });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json()).toEqual({ code: "unauthorized", message: "unknown or revoked API key" });
  });
});
