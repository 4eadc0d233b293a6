/**
 * The forms, reconciliation, harvest, report and review-link routes on a real server and database
 * (PGlite): a Form 1099-DA upload (text/csv and multipart), the reconciliation with its classes
 * and explanations, the routing of the Form 8949 rows to box G in gains and report downloads, the
 * cache a form change invalidates, a harvest what-if, and links through the CLI's decision path.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { classifications, overrides } from "../../db/schema/index.ts";
import { createTestApi, createTestUser } from "../../test/api.ts";
import { createTestCommon, createTestDatabase } from "../../test/services.ts";
import { lockedBuildLedgerJob } from "../../workers/processors/sync-run.ts";
import { insertLedgerRows } from "../books/store.ts";
import type { Common } from "../common.ts";
import type { ApiContext } from "./context.ts";
import type { Api } from "./types.ts";

let database: Database;
let common: Common;
let app: Api;
let ctx: ApiContext;
let A: Awaited<ReturnType<typeof createTestUser>>;
const CB = "coinbase:main";

const req = (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: method as "GET",
    url,
    headers: { ...A.auth, ...headers },
    ...(payload !== undefined ? { payload: payload as string } : {}),
  });

// Coinbase reports the sale with a $3,500 basis (reported to the IRS: box G); the books have $3,600.
const FORM = [
  "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term",
  "Coinbase,77,ETH,1,2025-03-04,4000.00,3500.00,true,short",
].join("\n");

const multipart = (fields: Record<string, string>, file: { name: string; text: string }) => {
  const boundary = "----lotwise-test-boundary";
  let body = "";
  for (const [k, v] of Object.entries(fields))
    body += `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  body += `--${boundary}\r\ncontent-disposition: form-data; name="form"; filename="${file.name}"\r\ncontent-type: text/csv\r\n\r\n${file.text}\r\n--${boundary}--\r\n`;
  return { body, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
};

beforeAll(async () => {
  database = await createTestDatabase("pglite");
  common = createTestCommon();
  ({ app, ctx } = await createTestApi({ common, database }));
  A = await createTestUser(database, "alice");
  // Books: 1 ETH bought on Coinbase for $3,600, sold for $4,000: a $400.00 short-term gain; and
  // 1 ETH bought for $3,000 on 2025-06-01, still held (the harvest candidate).
  const row = (id: string, time: string, r: Record<string, string>) => ({
    userId: A.userId,
    seq: 0,
    origin: "chain",
    priceSources: {},
    row: { id, time, wallet: CB, ...r } as never,
  });
  await insertLedgerRows(database.db, [
    row("b1", "2025-01-05T10:00:00Z", { type: "buy", inAsset: "ETH", inQuantity: "1", usdValue: "3600" }),
    row("s1", "2025-03-04T15:00:00Z", { type: "sell", outAsset: "ETH", outQuantity: "1", usdValue: "4000" }),
    row("b2", "2025-06-01T10:00:00Z", { type: "buy", inAsset: "ETH", inQuantity: "1", usdValue: "3000" }),
  ]);
});

afterAll(async () => {
  await common?.shutdown.close();
  await database?.close();
});

describe("forms, reconciliation and routing", () => {
  test("without forms, the sale is in box I (no Form 1099-DA) and reconcile says there is none", async () => {
    const rows = (await req("GET", "/v1/gains/form8949?year=2025")).json().rows;
    expect(rows.map((r: { box: string; gain: string }) => [r.box, r.gain])).toEqual([["I", "400.00"]]);
    const rec = await req("GET", "/v1/reconcile?year=2025");
    expect(rec.statusCode).toBe(404);
    expect(rec.json().message).toContain("Form 1099-DA rows for 2025");
  });

  test("an upload with a bad row stores nothing and names FILE:LINE: column", async () => {
    const bad = await req(
      "POST",
      `/v1/forms/imports?account=${CB}&file=cb.csv`,
      `${FORM}\nCoinbase,77,ETH,1,2025-13-40,12.00,,false,short`,
      { "content-type": "text/csv" },
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe("invalid_input");
    expect(bad.json().message).toMatch(/cb\.csv:3: date_sold/);
    const unknown = await req("POST", "/v1/forms/imports?account=kraken:x", FORM, {
      "content-type": "text/csv",
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toContain("kraken:x: no such wallet or account");
    // In the API's words: its parameter and routes, not the CLI's flag and commands.
    expect(unknown.json().message).toMatch(/^account kraken:x: .*PUT \/v1\/imports\/kraken:x/);
    expect(unknown.json().message).not.toMatch(/--account|lotwise /);
    expect((await req("GET", "/v1/forms/imports")).json()).toEqual({ imports: [] });
  });

  test("text/csv upload, list, rows; the gains summary recomputes and routes the sale to box G", async () => {
    const before = (await req("GET", "/v1/gains/summary?year=2025")).json();
    const again = (await req("GET", "/v1/gains/summary?year=2025")).json();
    expect(again.cached).toBe(true);
    const up = await req("POST", `/v1/forms/imports?account=${CB}&file=cb-2025.csv`, FORM, {
      "content-type": "text/csv",
    });
    expect(up.statusCode).toBe(201);
    expect(up.json()).toMatchObject({
      file: "cb-2025.csv",
      format: "1099da",
      accountWallet: CB,
      rows: 1,
      inserted: 1,
      taxYears: [2025],
    });
    const imports = (await req("GET", "/v1/forms/imports")).json().imports;
    expect(imports.map((i: { id: number; rows: number; brokers: string[] }) => [i.rows, i.brokers])).toEqual([
      [1, ["Coinbase"]],
    ]);
    const rows = (await req("GET", "/v1/forms/rows?year=2025")).json();
    expect(rows.total).toBe(1);
    expect(rows.rows[0]).toMatchObject({ line: "cb-2025.csv:2", proceeds: "4000.00", costBasis: "3500.00" });

    // The form row changed the gains: not the cached answer, and the row is now in box G with
    // code B and (g) = reported 3,500 − books 3,600 = −100.00; (h) stays 4,000 − 3,500 − 100 = 400.00.
    const after = (await req("GET", "/v1/gains/summary?year=2025")).json();
    expect(after.cached).toBe(false);
    expect(before.summary.short_term.gain).toBe("400.00");
    expect(after.summary.short_term).toEqual({
      proceeds: "4000.00",
      cost_basis: "3500.00",
      adjustments: "-100.00",
      gain: "400.00",
    });
    const routed = (await req("GET", "/v1/gains/form8949?year=2025")).json().rows;
    expect(
      routed.map((r: Record<string, string>) => [r.box, r.costBasis, r.adjustmentCode, r.adjustment, r.gain]),
    ).toEqual([["G", "3500.00", "B", "-100.00", "400.00"]]);
  });

  test("reconcile: classes, explanation, pages and the CSV downloads", async () => {
    const r = await req("GET", "/v1/reconcile?year=2025&method=fifo");
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.reconciliation.tax_year).toBe(2025);
    expect(body.reconciliation.classes.basis_differs.count).toBe(1);
    expect(body.reconciliation.classes.matched.count).toBe(0);
    expect(body.reconciliation.total_adjustment).toBe("-100.00");
    expect(body.total).toBe(1);
    expect(body.discrepancies[0]).toMatchObject({
      class: "basis_differs",
      formLine: "cb-2025.csv:2",
      ledgerIds: ["s1"],
      basisForm: "3500.00",
      basisLedger: "3600.00",
      adjustmentCodes: "B",
      adjustment: "-100.00",
    });
    expect(body.discrepancies[0].explanation.length).toBeGreaterThan(10);
    expect((await req("GET", "/v1/reconcile?year=2025&class=matched")).json()).toMatchObject({
      discrepancies: [],
      total: 0,
    });
    const f = (await req("GET", "/v1/reconcile/form8949?year=2025")).json();
    expect(f.rows.map((x: { box: string }) => x.box)).toEqual(["G"]);
    const csv = await req("GET", "/v1/reconcile/discrepancies.csv?year=2025");
    expect(csv.headers["content-type"]).toContain("text/csv");
    const lines = csv.body.trim().split("\n");
    expect(lines[0]!.startsWith("class,broker,account,form_line")).toBe(true);
    expect(lines[1]!.startsWith("basis_differs,Coinbase,77,cb-2025.csv:2,s1,")).toBe(true);
    const form = await req("GET", "/v1/reconcile/form8949.csv?year=2025");
    expect(form.body.split("\n")[1]).toContain(",G,");
  });

  test("a report keeps the routed rows: every download has box G", async () => {
    const made = await req("POST", "/v1/reports", { kind: "gains", year: 2025 });
    expect(made.statusCode).toBe(201);
    const id = made.json().id;
    expect(made.json().files).toContain("report-form8949.csv");
    const gains = await req("GET", `/v1/reports/${id}/form8949.csv`);
    expect(gains.body.split("\n")[1]).toContain(",G,");
    const generic = await req("GET", `/v1/reports/${id}/report-form8949.csv`);
    expect(generic.statusCode).toBe(200);
    expect(generic.body).toMatch(/\bG\b/);
    expect(generic.body).not.toMatch(/,I,/);
    const pdf = await req("GET", `/v1/reports/${id}/form8949.pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
    const turbo = await req("GET", `/v1/reports/${id}/turbotax.csv`);
    expect(turbo.statusCode).toBe(200);
    expect(turbo.body).toContain("4000.00");
  });

  test("multipart upload of the same file is idempotent; remove by import and by row", async () => {
    const m = multipart({ account: CB }, { name: "cb-2025.csv", text: FORM });
    const up = await req("POST", "/v1/forms/imports", m.body, m.headers);
    expect(up.statusCode).toBe(201);
    expect(up.json()).toMatchObject({ file: "cb-2025.csv", inserted: 0, unchanged: 1, importId: null });
    const noFile = multipart({ account: CB }, { name: "x.csv", text: "" });
    const noFileBody = noFile.body.replace(
      /--[^\r]*\r\ncontent-disposition: form-data; name="form"[\s\S]*$/,
      "",
    );
    const empty = await req(
      "POST",
      "/v1/forms/imports",
      `${noFileBody}--${"----lotwise-test-boundary"}--\r\n`,
      noFile.headers,
    );
    expect(empty.statusCode).toBe(400);

    const rowId = (await req("GET", "/v1/forms/rows")).json().rows[0].id;
    expect((await req("DELETE", `/v1/forms/rows/${rowId}`)).json()).toEqual({ removed: 1 });
    expect((await req("DELETE", `/v1/forms/rows/${rowId}`)).statusCode).toBe(404);
    // Without the form the sale is back in box I.
    const rows = (await req("GET", "/v1/gains/form8949?year=2025")).json().rows;
    expect(rows.map((r: { box: string }) => r.box)).toEqual(["I"]);
    // Import again, then remove the whole import.
    await req("POST", `/v1/forms/imports?account=${CB}`, FORM, { "content-type": "text/csv" });
    const imp = (await req("GET", "/v1/forms/imports")).json().imports[0].id;
    expect((await req("DELETE", `/v1/forms/imports/${imp}`)).json()).toEqual({ removed: 1 });
    expect((await req("DELETE", `/v1/forms?account=${CB}`)).statusCode).toBe(404);
  });
});

describe("harvest", () => {
  test("the open lot at $2,000 is a $1,000 short-term loss; a what-if sale of it", async () => {
    const body = {
      asOf: "2025-12-15",
      prices: [{ asset: "ETH", time: "2025-12-15T00:00:00Z", usd: "2000" }],
      sells: [{ asset: "ETH", quantity: "1", wallet: CB }],
    };
    const r = await req("POST", "/v1/harvest", body);
    expect(r.statusCode).toBe(200);
    const h = r.json();
    expect(h.tax_year).toBe(2025);
    expect(h.positions).toEqual([
      expect.objectContaining({
        wallet: CB,
        asset: "ETH",
        quantity: "1",
        cost_basis: "3000.00",
        value: "2000.00",
        unrealized: "-1000.00",
      }),
    ]);
    // Selling it realizes −1,000: the year's +400 becomes −600.
    expect(h.what_if.form8949.map((x: { gain: string; term: string }) => [x.gain, x.term])).toEqual([
      ["-1000.00", "short"],
    ]);
    const csv = await req("POST", "/v1/harvest/harvest.csv", body);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.body.split("\n")).toHaveLength(3);
    const bad = await req("POST", "/v1/harvest", { buyBack: true });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain("buyBack needs");
  });
});

describe("review links go through the CLI's decision path", () => {
  test("link, list, remove: stored as the CLI stores them, a rebuild queued", async () => {
    const X = `0x${"a".repeat(64)}`;
    const Y = `0x${"b".repeat(64)}`;
    // The rebuild each change queues rebuilds the classifications from chain data (none here):
    // wait for it, then put the two transactions back before the next change.
    const classify = async (jobId?: string) => {
      for (let i = 0; jobId && i < 200; i++) {
        const st = await ctx.queue.status(lockedBuildLedgerJob, jobId);
        if (!st || st.state === "completed" || st.state === "failed") break;
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const tx of [X, Y])
        await database.db
          .insert(classifications)
          .values({ userId: A.userId, chain: "evm:31337", txHash: tx, kind: "unknown", source: "test" })
          .onConflictDoNothing();
    };
    await classify();
    const r = await req("POST", "/v1/review/links", { a: `evm:31337:${X}`, b: Y });
    expect(r.statusCode).toBe(201);
    expect(r.json().decision).toMatchObject({
      link: [`evm:31337:${X}`, `evm:31337:${Y}`],
      action: { as: "link" },
    });
    const stored = await database.db.select().from(overrides);
    expect(stored.map((o) => o.rule)).toEqual([{ link: [`evm:31337:${X}`, `evm:31337:${Y}`] }]);
    expect(r.json().rebuild.jobId).toEqual(expect.any(String));
    await classify(r.json().rebuild.jobId);
    const u = await req("POST", "/v1/review/unlinks", { a: `evm:31337:${X}`, b: `evm:31337:${Y}` });
    expect(u.json().decision.action.as).toBe("unlink");
    // The newest word on a pair replaces the earlier one.
    const list = (await req("GET", "/v1/review/decisions")).json().decisions;
    expect(list.map((d: { action: { as: string } }) => d.action.as)).toEqual(["unlink"]);
    expect((await req("DELETE", `/v1/review/decisions/${list[0].id}`)).statusCode).toBe(200);
    expect((await req("DELETE", `/v1/review/decisions/${list[0].id}`)).statusCode).toBe(404);
    const unknown = await req("POST", "/v1/review/links", { a: X, b: `0x${"c".repeat(64)}` });
    expect(unknown.statusCode).toBe(404);
  });
});

describe("exchange accounts declared through the API", () => {
  test("POST /v1/wallets declares kraken:x as lotwise wallets add does; its form then imports", async () => {
    const before = await req("POST", "/v1/forms/imports?account=kraken:x&file=k.csv", FORM, {
      "content-type": "text/csv",
    });
    expect(before.statusCode).toBe(400);
    const made = await req("POST", "/v1/wallets", { wallets: ["kraken:x"] });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({
      wallets: [],
      added: 0,
      accounts: [{ name: "kraken:x", added: true }],
    });
    const again = await req("POST", "/v1/wallets", { wallets: "kraken:x" });
    expect(again.json().accounts).toEqual([{ name: "kraken:x", added: false }]);
    expect((await req("GET", "/v1/imports")).json().accounts).toContainEqual(
      expect.objectContaining({ name: "kraken:x" }),
    );
    // A deposit address is a <chain>:<address>: an account with kind exchange is refused.
    const wrong = await req("POST", "/v1/wallets", {
      wallets: ["kraken:y"],
      kind: "exchange",
      label: "kraken:y",
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().message).toMatch(/kraken:y is an exchange account/);
    const imported = await req("POST", "/v1/forms/imports?account=kraken:x&file=k.csv", FORM, {
      "content-type": "text/csv",
    });
    expect(imported.statusCode, imported.body).toBe(201);
    const removed = await req("DELETE", "/v1/imports/kraken:x");
    expect(removed.statusCode, removed.body).toBeLessThan(300);
  });
});
