import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { createTestApi, createTestUser } from "../../test/api.ts";
import { createTestCommon, createTestDatabase } from "../../test/services.ts";
import type { Common } from "../common.ts";
import type { Api } from "./types.ts";

/**
 * The API's contract beyond isolation: errors as JSON `{code, message}` with the right status and
 * no stack; body and page limits; CSV downloads escaped against formula injection; keyset paging;
 * the gains cache invalidated by a ledger change; the OpenAPI 3.1 document made from the same zod
 * schemas that validate; the reference page served without any outside URL.
 */

let database: Database;
let common: Common;
let app: Api;
let U: Awaited<ReturnType<typeof createTestUser>>;

const HEADER = "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,note";
const csvImport = (name: string, text: string) =>
  app.inject({
    method: "PUT",
    url: `/v1/ledger/imports/${name}`,
    headers: { ...U.auth, "content-type": "text/csv" },
    payload: text,
  });
const get = (url: string) => app.inject({ method: "GET", url, headers: U.auth });

beforeAll(async () => {
  database = await createTestDatabase("pglite");
  common = createTestCommon({ server: { bodyLimitBytes: 64 * 1024 } });
  ({ app } = await createTestApi({ common, database }));
  U = await createTestUser(database, "ursula");
});

afterAll(async () => {
  await common?.shutdown.close();
  await database?.close();
});

describe("errors", () => {
  test("an invalid body is 400 invalid_request naming the field, never a stack", async () => {
    const r = await app.inject({
      method: "POST",
      url: "/v1/wallets",
      headers: U.auth,
      payload: { wallet: "x" },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe("invalid_request");
    expect(r.json().message).toMatch(/^body\.wallets: /);
    expect(r.body).not.toMatch(/\bat .*\.ts:\d+/);
    expect(Object.keys(r.json()).sort()).toEqual(["code", "message"]);
  });

  test("a report or gains request without a year, or with a year that is not a number, says so", async () => {
    const post = (payload: object) =>
      app.inject({ method: "POST", url: "/v1/reports", headers: U.auth, payload });
    const missing = await post({ kind: "gains" });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({
      code: "invalid_request",
      message: "body.year: required: a tax year (YYYY)",
    });
    expect((await post({ kind: "gains", year: "abc" })).json().message).toBe(
      "body.year: required: a tax year (YYYY)",
    );
    // The range keeps its own message.
    expect((await post({ kind: "gains", year: 1800 })).json().message).toMatch(/^body\.year: Too small/);
    const query = await get("/v1/gains/summary");
    expect(query.statusCode).toBe(400);
    expect(query.json().message).toBe("querystring.year: required: a tax year (YYYY)");
  });

  test("malformed JSON is 400 invalid_json; an unknown route is 404 JSON", async () => {
    const bad = await app.inject({
      method: "POST",
      url: "/v1/wallets",
      headers: { ...U.auth, "content-type": "application/json" },
      payload: "{not json",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe("invalid_json");
    const unknown = await get("/v1/nothing-here");
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe("not_found");
    expect((await app.inject({ method: "GET", url: "/nothing" })).json().code).toBe("not_found");
  });

  test("a body over server.bodyLimitBytes is 413; more than 200 pasted wallets or a page over 500 rows is 400", async () => {
    const big = await csvImport("big", `${HEADER}\n${"x".repeat(70 * 1024)}\n`);
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ code: "body_too_large", message: "the request body is too large" });
    const many = Array.from({ length: 201 }, (_, i) => `solana:${"1".repeat(31)}${i}`);
    const paste = await app.inject({
      method: "POST",
      url: "/v1/wallets",
      headers: U.auth,
      payload: { wallets: many },
    });
    expect(paste.statusCode).toBe(400);
    expect(paste.json().message).toMatch(/body\.wallets/);
    const page = await get("/v1/ledger?limit=501");
    expect(page.statusCode).toBe(400);
    expect(page.json().message).toBe("querystring.limit: Too big: expected number to be <=500");
  });

  test("pasted wallets are validated per chain; one bad item adds nothing and each bad item is named", async () => {
    const r = await app.inject({
      method: "POST",
      url: "/v1/wallets",
      headers: U.auth,
      payload: { wallets: "ethereum:0x70997970C51812dc3A010C7d01b50e0d17dc79C8\nethereum:0x1234\n0xabc" },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toContain("2 of 3 wallets are invalid (none added)");
    expect(r.json().message).toContain("item 2: invalid ethereum address '0x1234'");
    expect(r.json().message).toContain("item 3: '0xabc' has no chain");
    expect((await get("/v1/wallets")).json().wallets).toEqual([]);
    const ok = await app.inject({
      method: "POST",
      url: "/v1/wallets",
      headers: U.auth,
      payload: {
        wallets: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        chain: "base",
      },
    });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().wallets.map((w: { wallet: string }) => w.wallet)).toEqual([
      "base:0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      "base:0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    ]);
  });

  test("/v1/chains lists every chain a wallet can be on; a viem name pasted as a chain is its evm:<id>", async () => {
    const every = (await get("/v1/chains")).json().chains as { id: string; viemName: string | null }[];
    expect(every.length).toBeGreaterThan(500);
    expect(every.find((c) => c.viemName === "bsc")?.id).toBe("evm:56");
    const short = (await get("/v1/chains?all=false")).json().chains.map((c: { id: string }) => c.id);
    expect(short).toEqual(["ethereum", "base", "arbitrum", "optimism", "polygon", "solana"]);
    const found = (await get("/v1/chains?search=smart%20chain")).json().chains;
    expect(found.map((c: { id: string }) => c.id)).toContain("evm:56");
    expect((await get("/v1/chains?all=maybe")).statusCode).toBe(400);
    const pasted = await app.inject({
      method: "POST",
      url: "/v1/wallets",
      headers: U.auth,
      payload: { wallets: "bsc:0x90F79bf6EB2c4f870365E785982E1f101E93b906" },
    });
    expect(pasted.statusCode).toBe(201);
    expect(pasted.json().wallets[0].wallet).toBe("evm:56:0x90F79bf6EB2c4f870365E785982E1f101E93b906");
  });
});

describe("ledger, CSV and gains", () => {
  test("CSV downloads escape cells a spreadsheet would run as formulas", async () => {
    const text = [
      HEADER,
      '1,2025-01-10T00:00:00Z,buy,@acct,,,=EVIL,10,100,"=HYPERLINK(""http://x"")"',
      "2,2025-02-10T00:00:00Z,sell,@acct,=EVIL,10,,,150,+1+1",
      "3,2025-02-11T00:00:00Z,buy,@acct,,,ETH,1,1000,-2-2",
      '4,2025-02-12T00:00:00Z,buy,@acct,,,ETH,1,1000,"\tTAB"',
    ].join("\n");
    const imp = await csvImport("evil", `${text}\n`);
    expect(imp.statusCode, imp.body).toBe(200);
    expect(imp.json()).toMatchObject({ name: "evil", inserted: 4, replaced: 0 });
    const csv = await get("/v1/ledger.csv");
    expect(csv.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(csv.headers["content-disposition"]).toBe('attachment; filename="ledger.csv"');
    const lines = csv.body.split("\n");
    expect(lines[1]).toBe(
      `1,2025-01-10T00:00:00Z,buy,'@acct,,,'=EVIL,10,100,,,,,,,,"'=HYPERLINK(""http://x"")",import:evil,,,import:evil`,
    );
    expect(lines[2]).toBe(
      "2,2025-02-10T00:00:00Z,sell,'@acct,'=EVIL,10,,,150,,,,,,,,'+1+1,import:evil,,,import:evil",
    );
    expect(lines[3]).toBe(
      "3,2025-02-11T00:00:00Z,buy,'@acct,,,ETH,1,1000,,,,,,,,'-2-2,import:evil,,,import:evil",
    );
    expect(lines[4]).toBe(
      "4,2025-02-12T00:00:00Z,buy,'@acct,,,ETH,1,1000,,,,,,,,'\tTAB,import:evil,,,import:evil",
    );
    const f8949 = await get("/v1/gains/form8949.csv?year=2025");
    // Lot 1 (10 =EVIL for $100) sold for $150: gain 50.00, short term; asset and wallet cells escaped.
    expect(f8949.body.split("\n")[1]).toBe(
      "2,1,'@acct,'=EVIL,10,2025-01-10,2025-02-10,150.00,100.00,,,50.00,short,I,10 =EVIL",
    );
  });

  test("the ledger CSV download rounds USD to 8 places as the stored ledger's gains do, so gains on it agree", async () => {
    // 0.004999999996 is 0.01 at 8 places (0.005, half-up), 0.00 in full: one cent apart.
    const text = [
      HEADER,
      "r1,2025-03-01T00:00:00Z,buy,round,,,RND,1,100.123456785,",
      "r2,2025-03-02T00:00:00Z,sell,round,RND,1,,,0.004999999996,",
    ].join("\n");
    expect((await csvImport("round", `${text}\n`)).statusCode).toBe(200);
    onTestFinished(async () => {
      await app.inject({ method: "DELETE", url: "/v1/ledger/imports/round", headers: U.auth });
    });
    const lines = (await get("/v1/ledger.csv")).body.split("\n");
    expect(lines.find((l) => l.startsWith("r1,"))).toContain(",RND,1,100.12345679,");
    expect(lines.find((l) => l.startsWith("r2,"))).toContain(",RND,1,,,0.005,");
  });

  test("the ledger CSV download of a year ends where tz says, as the gains routes date rows", async () => {
    const text = [
      HEADER,
      "z1,2025-06-01T00:00:00Z,buy,zone,,,ZNE,1,100,",
      "z2,2025-12-31T23:00:00-05:00,sell,zone,ZNE,1,,,150,",
    ].join("\n");
    expect((await csvImport("zone", `${text}\n`)).statusCode).toBe(200);
    onTestFinished(async () => {
      await app.inject({ method: "DELETE", url: "/v1/ledger/imports/zone", headers: U.auth });
    });
    const ids = async (q: string) =>
      (await get(`/v1/ledger.csv?${q}`)).body
        .split("\n")
        .map((l) => l.split(",")[0])
        .filter((id) => id === "z1" || id === "z2");
    expect(await ids("year=2025")).toEqual(["z1"]);
    expect(await ids("year=2025&tz=America/New_York")).toEqual(["z1", "z2"]);
    expect((await get("/v1/ledger.csv?year=2025&tz=Mars/Base")).statusCode).toBe(400);
  });

  test("pages of the ledger follow ledger order with a cursor, and filters combine", async () => {
    const rows = [HEADER];
    for (let i = 0; i < 250; i++) {
      const t = new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().replace(".000Z", "Z");
      rows.push(`p${String(i).padStart(3, "0")},${t},buy,bulk,,,${i % 2 ? "BTC" : "SOL"},1,${i + 1},`);
    }
    expect((await csvImport("bulk", `${rows.join("\n")}\n`)).statusCode).toBe(200);
    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const page = (
        await get(`/v1/ledger?origin=import:bulk&limit=100${cursor ? `&cursor=${cursor}` : ""}`)
      ).json() as {
        rows: { id: string }[];
        nextCursor: string | null;
      };
      sizes.push(page.rows.length);
      seen.push(...page.rows.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([100, 100, 50]);
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => `p${String(i).padStart(3, "0")}`));
    // 2024 is a leap year: days 0…365 of the run fall in it, 125 of them odd (BTC) among the first 250.
    const btc2024 = (await get("/v1/ledger?origin=import:bulk&asset=BTC&year=2024&limit=500")).json().rows;
    expect(btc2024).toHaveLength(125);
    expect(btc2024[0]).toMatchObject({ id: "p001", inAsset: "BTC", usdValue: "2", origin: "import:bulk" });
    const bad = await get("/v1/ledger?cursor=garbage");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe("invalid_input");
  });

  test("gains summaries are cached until the ledger changes", async () => {
    const sale = (usd: string) =>
      `${HEADER}\ng1,2025-01-10T00:00:00Z,buy,w,,,DOGE,100,1000,\ng2,2025-03-01T00:00:00Z,sell,w,DOGE,100,,,${usd},\n`;
    await csvImport("doge", sale("1500"));
    const q = "/v1/gains/summary?year=2025&scope=universal";
    const first = (await get(q)).json();
    // DOGE 1000 → 1500 (+500) and =EVIL 100 → 150 (+50): 550.00 short term.
    expect(first.summary.short_term.gain).toBe("550.00");
    expect(first.cached).toBe(false);
    expect((await get(q)).json().cached).toBe(true);
    await csvImport("doge", sale("1200"));
    const after = (await get(q)).json();
    expect(after.cached).toBe(false);
    expect(after.summary.short_term.gain).toBe("250.00");
    expect((await get(q)).json().cached).toBe(true);
  });

  test("the carryover into the year comes from the ledger's earlier years, as in lotwise gains; a given one replaces it", async () => {
    // By hand: 2024 sells 4 ETH bought for 12,000 for 2,000: a 10,000 short-term loss, 3,000
    // deducted (1,500 married filing separately), 7,000 (8,500) carried into 2025. 2025 gains
    // 1,000 short: line 7 is 1,000 − 7,000 = −6,000.
    const V = await createTestUser(database, "valeria");
    const put = await app.inject({
      method: "PUT",
      url: "/v1/ledger/imports/years",
      headers: { ...V.auth, "content-type": "text/csv" },
      payload: [
        HEADER,
        "b0,2024-01-05T00:00:00Z,buy,w1,,,ETH,4,12000,",
        "s0,2024-06-01T00:00:00Z,sell,w1,ETH,4,,,2000,",
        "b1,2025-01-05T00:00:00Z,buy,w1,,,ETH,1,1000,",
        "s1,2025-02-01T00:00:00Z,sell,w1,ETH,1,,,2000,",
        "",
      ].join("\n"),
    });
    expect(put.statusCode, put.body).toBe(200);
    const summary = async (query: string) => {
      const r = await app.inject({
        method: "GET",
        url: `/v1/gains/summary?year=2025${query}`,
        headers: V.auth,
      });
      expect(r.statusCode, r.body).toBe(200);
      return r.json().summary;
    };
    const computed = await summary("");
    expect(computed.carryover_in).toEqual({ short_term: "7000.00", long_term: "0.00" });
    expect(computed.net_short_term).toBe("-6000.00");
    expect(computed.capital_loss_deduction).toBe("3000.00");
    expect(computed.carryover_out).toEqual({ short_term: "3000.00", long_term: "0.00" });
    // Married filing separately: 1,500 of the 2024 loss deducted, 8,500 carried.
    const mfs = await summary("&filingStatus=mfs");
    expect(mfs.carryover_in).toEqual({ short_term: "8500.00", long_term: "0.00" });
    expect(mfs.net_short_term).toBe("-7500.00");
    // One given amount replaces the computed carryover (the other is 0).
    const given = await summary("&carryoverLt=500");
    expect(given.carryover_in).toEqual({ short_term: "0.00", long_term: "500.00" });
    expect(given.net_short_term).toBe("1000.00");
    // A kept report's Schedule D agrees with the summary.
    const made = await app.inject({
      method: "POST",
      url: "/v1/reports",
      headers: V.auth,
      payload: { kind: "gains", year: 2025 },
    });
    expect(made.statusCode, made.body).toBe(201);
    const file = await app.inject({
      method: "GET",
      url: `/v1/reports/${made.json().id}/summary.json`,
      headers: V.auth,
    });
    expect(file.statusCode, file.body).toBe(200);
    expect(JSON.parse(file.body).carryover_in.short_term).toBe("7000.00");
  });
});

describe("gains: the carryover into the year", () => {
  test("without carryover parameters it comes from the ledger's earlier years, as lotwise gains computes it", async () => {
    // By hand: 2024 sells 5 BTC bought for 50,000 for 40,000 (short-term −10,000.00): 7,000.00
    // carries into 2025 for a single filer, 8,500.00 for mfs. 2025: +1,000.00 short term, so line 7
    // is −6,000.00. Before: the API used 0.00 unless told, so the dashboard's Schedule D
    // disagreed with lotwise gains.
    const C = await createTestUser(database, "carol");
    const text =
      `${HEADER}\nc1,2024-01-10T00:00:00Z,buy,w,,,BTC,5,50000,\nc2,2024-06-01T00:00:00Z,sell,w,BTC,5,,,40000,\n` +
      "c3,2025-01-05T00:00:00Z,buy,w,,,ETH,1,3000,\nc4,2025-02-01T00:00:00Z,sell,w,ETH,1,,,4000,\n";
    const put = await app.inject({
      method: "PUT",
      url: "/v1/ledger/imports/carol",
      headers: { ...C.auth, "content-type": "text/csv" },
      payload: text,
    });
    expect(put.statusCode).toBeLessThan(300);
    const summary = async (query: string) =>
      (
        await app.inject({ method: "GET", url: `/v1/gains/summary?year=2025${query}`, headers: C.auth })
      ).json().summary;
    const computed = await summary("");
    expect(computed.carryover_in).toEqual({ short_term: "7000.00", long_term: "0.00" });
    expect(computed.net_short_term).toBe("-6000.00");
    expect((await summary("&filingStatus=mfs")).carryover_in.short_term).toBe("8500.00");
    // Given, it is used as given (the other one 0).
    expect((await summary("&carryoverSt=100")).carryover_in).toEqual({
      short_term: "100.00",
      long_term: "0.00",
    });
  });
});

describe("reports", () => {
  test("a kept gains report downloads as lotwise's files and as the filing formats", async () => {
    const made = await app.inject({
      method: "POST",
      url: "/v1/reports",
      headers: U.auth,
      payload: { kind: "gains", year: 2025, scope: "universal" },
    });
    expect(made.statusCode, made.body).toBe(201);
    const id = made.json().id as number;
    expect(made.json().files).toEqual([
      "summary.json",
      "form8949.csv",
      "gifts.csv",
      "form8949.pdf",
      "turbotax.csv",
      "taxact.csv",
      "report-form8949.csv",
    ]);
    const summary = await get(`/v1/reports/${id}/summary.json`);
    expect(JSON.parse(summary.body).short_term.gain).toBe(made.json().summary.short_term.gain);
    const pdf = await get(`/v1/reports/${id}/form8949.pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers["content-type"]).toBe("application/pdf");
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
    const turbotax = await get(`/v1/reports/${id}/turbotax.csv`);
    expect(turbotax.headers["content-type"]).toBe("text/csv; charset=utf-8");
    // The =EVIL sale of the CSV test is in it, escaped.
    expect(turbotax.body).toContain("'=EVIL");
    const generic = await get(`/v1/reports/${id}/report-form8949.csv`);
    expect(generic.body).toContain("'=EVIL");
    expect(generic.body).not.toMatch(/(^|,)=EVIL/m);
    expect((await get(`/v1/reports/${id}/nothing.txt`)).statusCode).toBe(400);
  });
});

describe("harvest", () => {
  test("POST /v1/harvest: the carryover comes from earlier years; errors name the body's fields, not the CLI's flags", async () => {
    const H = "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value";
    const rows = [
      H,
      "hv-b0,2024-01-10T12:00:00Z,buy,hv-a,,,HVT,1,20000",
      "hv-s0,2024-06-01T12:00:00Z,sell,hv-a,HVT,1,,,10000",
      "hv-e1,2025-02-01T12:00:00Z,buy,hv-a,,,HVE,10,10000",
      "hv-e2,2025-03-01T12:00:00Z,buy,hv-b,,,HVE,1,1000",
    ].join("\n");
    expect((await csvImport("harvest-test", rows)).statusCode).toBe(200);
    const post = (body: Record<string, unknown>) =>
      app.inject({
        method: "POST",
        url: "/v1/harvest",
        headers: U.auth,
        payload: { prices: [{ asset: "HVE", time: "2025-12-20", usd: "500" }], ...body },
      });
    const ok = await post({ asOf: "2025-12-20", taxableIncome: "150000" });
    expect(ok.statusCode).toBe(200);
    // 2024: a 10,000 short-term loss, 3,000 deducted: 7,000 carried into 2025.
    expect(ok.json().year_so_far.carryover_in).toEqual({ short_term: "7000.00", long_term: "0.00" });
    // The notes name the body's fields too.
    const notes = (await post({ asOf: "2025-12-20" })).json().assumptions.notes.join("\n");
    expect(notes).toContain("carryoverSt/carryoverLt override it");
    expect(notes).toContain("(pass taxableIncome)");
    expect(notes).not.toContain("--");
    const given = await post({ asOf: "2025-12-20", taxableIncome: "150000", carryoverLt: "10" });
    expect(given.json().year_so_far.carryover_in).toEqual({ short_term: "0.00", long_term: "10.00" });

    const twoWallets = await post({ asOf: "2025-12-20", sells: [{ asset: "HVE", quantity: "1" }] });
    expect(twoWallets.statusCode).toBe(400);
    expect(twoWallets.json().message).toBe(
      "sells[0] (1 HVE): HVE is held in 2 wallets (hv-a, hv-b); set sells[0].wallet",
    );
    const zero = await post({ asOf: "2025-12-20", sells: [{ asset: "HVE", quantity: "0", wallet: "hv-a" }] });
    expect(zero.json().message).toBe("sells[0].quantity: the quantity must be a positive plain decimal");
    const badDate = await post({ asOf: "2025-02-30" });
    expect(badDate.json()).toEqual({
      code: "invalid_input",
      message: 'asOf: "2025-02-30" is not a calendar date',
    });
    const otherYear = await post({ asOf: "2025-12-20", year: 2024 });
    expect(otherYear.json().message).toBe("asOf 2025-12-20 is not in year 2024");
    for (const r of [twoWallets, zero, badDate, otherYear]) expect(r.body).not.toContain("--");
  });
});

describe("OpenAPI and the reference page", () => {
  test("/openapi.json is OpenAPI 3.1 made from the route schemas", async () => {
    const doc = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
    expect(doc.openapi).toBe("3.1.0");
    for (const p of [
      "/v1/wallets",
      "/v1/wallets/{id}",
      "/v1/sync",
      "/v1/sync/runs/{id}/events",
      "/v1/review/decisions",
      "/v1/review/rules",
      "/v1/review/links",
      "/v1/forms/imports",
      "/v1/forms/rows",
      "/v1/reconcile",
      "/v1/reconcile/discrepancies.csv",
      "/v1/harvest",
      "/v1/ledger",
      "/v1/ledger.csv",
      "/v1/prices/gaps",
      "/v1/gains/summary",
      "/v1/gains/form8949",
      "/v1/reports/{id}/{file}",
      "/v1/schedule",
      "/healthz",
      "/readyz",
    ])
      expect(Object.keys(doc.paths)).toContain(p);
    // The limits the validator enforces are the ones the document states.
    const body = doc.paths["/v1/wallets"].post.requestBody.content["application/json"].schema;
    const asArray = body.properties.wallets.anyOf.find((s: { type: string }) => s.type === "array");
    expect(asArray.maxItems).toBe(200);
    const limit = doc.paths["/v1/ledger"].get.parameters.find((p: { name: string }) => p.name === "limit");
    expect(limit.schema).toMatchObject({ maximum: 500, minimum: 1, default: 100 });
    expect(doc.components.securitySchemes.apiKey).toEqual({ type: "http", scheme: "bearer" });
    // The harvest body offers what the planner uses (no time zone: its dates are UTC, as the CLI's).
    const harvest = doc.paths["/v1/harvest"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(harvest.properties)).toContain("carryoverSt");
    expect(Object.keys(harvest.properties)).not.toContain("tz");
  });

  test("/docs is served from local assets only (works offline)", async () => {
    const page = await app.inject({ method: "GET", url: "/docs/" });
    expect(page.statusCode).toBe(200);
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(2);
    for (const ref of refs) {
      expect(ref).not.toMatch(/^(https?:)?\/\//);
      const asset = await app.inject({ method: "GET", url: new URL(ref, "http://h/docs/").pathname });
      expect(asset.statusCode, ref).toBe(200);
      // The page's own script loads the document from this server; nothing else is fetched.
      if (ref.endsWith("swagger-initializer.js")) {
        expect(asset.body).not.toMatch(/["'`]https?:\/\//);
        expect(asset.body).toContain("validatorUrl: null");
      }
    }
  });
});

describe("exchange imports (lotwise import over HTTP)", () => {
  const SAMPLE = readFileSync(
    fileURLToPath(new URL("../../test/samples/imports/coinbase.csv", import.meta.url)),
    "utf8",
  );
  const upload = (account: string, text: string, query = "file=coinbase.csv") =>
    app.inject({
      method: "PUT",
      url: `/v1/imports/${account}?${query}`,
      headers: { ...U.auth, "content-type": "text/csv" },
      payload: text,
    });
  const remove = (account: string) =>
    app.inject({ method: "DELETE", url: `/v1/imports/${account}`, headers: U.auth });

  test("an export lands in its account (format detected), twice adds nothing, is listed, priced from the file and removable", async () => {
    // The sample's 10 rows after its 3 preamble lines and header.
    const first = await upload("coinbase:main", SAMPLE);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      account: "coinbase:main",
      format: "coinbase",
      detected: true,
      rows: 10,
      added: 10,
      replaced: 0,
      unchanged: 0,
    });
    const again = (await upload("coinbase:main", SAMPLE)).json();
    expect(again).toMatchObject({ added: 0, replaced: 0, unchanged: 10 });
    expect((await get("/v1/imports")).json().accounts).toContainEqual({
      name: "coinbase:main",
      family: "coinbase",
      rows: 10,
    });
    // The rebuild queued by the upload puts the rows in the ledger, valued from the file.
    // Row 2 of the sample: Buy 2 ETH, subtotal $4,000.00, fee $20.00 (USD), the file's values.
    await expect
      .poll(async () => (await get("/v1/ledger.csv")).body)
      .toContain("2025-01-10T15:30:00Z,buy,coinbase:main,,,ETH,2,4000,USD,20,20,");
    expect((await get("/v1/ledger.csv")).body).toMatch(
      /,buy,coinbase:main,,,ETH,2,4000,USD,20,20,.*,file:coinbase\.csv,file:coinbase\.csv,,chain/,
    );

    const gone = await remove("coinbase:main");
    expect(gone.statusCode, gone.body).toBe(200);
    expect(gone.json().removed).toBe(10);
    expect((await remove("coinbase:main")).statusCode).toBe(404);
  });

  test("a bad row is 400 FILE:LINE: column: problem and stores nothing; an unknown format lists the readers", async () => {
    const bad = SAMPLE.replace('"$4,000.00"', '"$4,0.00"');
    const r = await upload("coinbase:bad", bad);
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/^coinbase\.csv:6: Subtotal: /);
    expect((await get("/v1/imports")).json().accounts.map((a: { name: string }) => a.name)).not.toContain(
      "coinbase:bad",
    );
    // A browser's name for a second download, and names that are no file name.
    const named = await upload(
      "coinbase:named",
      SAMPLE,
      `file=${encodeURIComponent("Coinbase history (1).csv")}`,
    );
    expect(named.statusCode, named.body).toBe(200);
    for (const file of ["../etc/passwd", "a\u0007b.csv"]) {
      const refused = await upload("coinbase:named", SAMPLE, `file=${encodeURIComponent(file)}`);
      expect(refused.statusCode, file).toBe(400);
      expect(refused.json().message).toContain("a file name without control characters or slashes");
    }
    const unknown = await upload("x:main", "Foo,Bar\n1,2\n", "file=mystery.csv");
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toContain("mystery.csv: unknown format");
  });
});
