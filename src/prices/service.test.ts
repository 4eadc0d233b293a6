import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { prices as pricesTable } from "../../db/schema/index.ts";
import {
  coingeckoReply,
  daily,
  defillamaReply,
  type FakeServer,
  hourlySeries,
  type Reply,
  startFakeServer,
} from "../../test/price-servers.ts";
import { createTestCommon, createTestDatabase, DATABASE_KINDS } from "../../test/services.ts";
import { type ConfigInput, secretsOf } from "../config.ts";
import { createLogger } from "../logger.ts";
import { replaceSourcePrices } from "./cache.ts";
import { createPriceService, describeMissing } from "./service.ts";
import type { PriceOutcome, PriceQuery } from "./types.ts";

const at = (iso: string) => new Date(iso);
const q = (asset: string, iso: string): PriceQuery => ({ asset, time: at(iso) });
const ok = (o: PriceOutcome | undefined) => {
  if (!o?.ok) throw new Error(`expected a price, got ${JSON.stringify(o)}`);
  return o;
};

const LLAMA_SERIES = {
  "coingecko:ethereum": { symbol: "ETH", points: hourlySeries("ETH") },
  "coingecko:bitcoin": { symbol: "BTC", points: hourlySeries("BTC") },
};
const GECKO_SERIES = { ethereum: hourlySeries("ETH"), bitcoin: hourlySeries("BTC") };
const KEY = "CG-test-key-0123456789";
const LOCAL_TOKEN = "evm:31337:0x5FbDB2315678afecb367f032d93F642f64180aa3";

describe.each(DATABASE_KINDS)("price service on %s", (kind) => {
  let database: Database;
  const servers: FakeServer[] = [];
  const serve = async (
    handle: (req: Parameters<Parameters<typeof startFakeServer>[0]>[0], n: number) => Reply | Promise<Reply>,
  ) => {
    const s = await startFakeServer(handle);
    servers.push(s);
    return s;
  };
  const service = (prices: NonNullable<ConfigInput["prices"]>, extra: Omit<ConfigInput, "prices"> = {}) =>
    createPriceService({ common: createTestCommon({ ...extra, prices }), database, retryBaseMs: 1 });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.close();
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    await database.db.delete(pricesTable);
  });

  test("file provider: the latest price at or before the movement, 24 h old at most, never a later one", async () => {
    await replaceSourcePrices(database.db, "file:eth.csv", [
      { asset: "ETH", time: at("2021-01-10T00:00:00Z"), usd: "1280.87109375" },
      { asset: "ETH", time: at("2021-01-11T00:00:00Z"), usd: "1261.6229248046875" },
    ]);
    const s = service({ order: ["file"] });
    const { results, missing } = await s.priceMany([
      q("ETH", "2021-01-10T23:00:00Z"), // 23 h old: accepted
      q("ETH", "2021-01-10T23:59:59.999Z"), // the next price is 1 ms later: not used
      q("ETH", "2021-01-11T00:00:00Z"), // exactly at a price
      q("ETH", "2021-01-12T00:00:00Z"), // exactly 24 h old: accepted
      q("ETH", "2021-01-12T01:00:00Z"), // 25 h old: rejected
      q("ETH", "2021-01-09T23:59:59Z"), // before any price
    ]);
    expect(results.slice(0, 4)).toEqual([
      {
        ok: true,
        usd: "1280.87109375",
        source: "file:eth.csv",
        provider: "file",
        priceTime: at("2021-01-10T00:00:00Z"),
      },
      {
        ok: true,
        usd: "1280.87109375",
        source: "file:eth.csv",
        provider: "file",
        priceTime: at("2021-01-10T00:00:00Z"),
      },
      {
        ok: true,
        usd: "1261.6229248046875",
        source: "file:eth.csv",
        provider: "file",
        priceTime: at("2021-01-11T00:00:00Z"),
      },
      {
        ok: true,
        usd: "1261.6229248046875",
        source: "file:eth.csv",
        provider: "file",
        priceTime: at("2021-01-11T00:00:00Z"),
      },
    ]);
    expect(results[4]).toEqual({
      ok: false,
      reasons: [
        {
          provider: "file",
          reason: "no imported price for ETH between 2021-01-11T01:00:00Z and 2021-01-12T01:00:00Z",
        },
      ],
    });
    expect(results[5]?.ok).toBe(false);
    expect(missing.map((m) => m.time)).toEqual([at("2021-01-12T01:00:00Z"), at("2021-01-09T23:59:59Z")]);
  });

  test("staleness is configurable (stalenessHours)", async () => {
    await replaceSourcePrices(database.db, "file:eth.csv", [
      { asset: "ETH", time: at("2021-01-10T00:00:00Z"), usd: "1" },
    ]);
    const s = service({ order: ["file"], stalenessHours: 2 });
    const { results } = await s.priceMany([
      q("ETH", "2021-01-10T01:59:00Z"),
      q("ETH", "2021-01-10T02:01:00Z"),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false]);
  });

  test("stablecoins at their peg; a price file, earlier in the order, overrides the peg", async () => {
    await replaceSourcePrices(database.db, "file:depeg.csv", [
      { asset: "USDC", time: at("2023-03-11T00:00:00Z"), usd: "0.87" },
    ]);
    const s = service(
      { order: ["file", "stablecoin"] },
      { assets: { tokens: { [LOCAL_TOKEN]: { usdStablecoin: true } } } },
    );
    const { results } = await s.priceMany([
      q("USDC", "2023-03-11T12:00:00Z"),
      q("USDC", "2024-01-01T00:00:00Z"),
      q("DAI", "2024-01-01T00:00:00Z"),
      q(LOCAL_TOKEN, "2024-01-01T00:00:00Z"),
      q("ETH", "2024-01-01T00:00:00Z"),
    ]);
    expect(ok(results[0])).toMatchObject({ usd: "0.87", source: "file:depeg.csv" });
    expect(results[1]).toEqual({
      ok: true,
      usd: "1",
      source: "stablecoin",
      provider: "stablecoin",
      priceTime: at("2024-01-01T00:00:00Z"),
    });
    expect(ok(results[2]).usd).toBe("1");
    expect(ok(results[3]).source).toBe("stablecoin");
    expect(results[4]).toEqual({
      ok: false,
      reasons: [
        {
          provider: "file",
          reason: "no imported price for ETH between 2023-12-31T00:00:00Z and 2024-01-01T00:00:00Z",
        },
        { provider: "stablecoin", reason: "ETH is not a known USD stablecoin" },
      ],
    });
  });

  test("an unknown asset is missing with every provider's reason, never zero, and asks no one", async () => {
    const llama = await serve(() => ({ body: '{"coins":{}}' }));
    const s = service({ defillamaUrl: llama.url, coingeckoApiKey: KEY, coingeckoUrl: llama.url });
    const query = {
      asset: LOCAL_TOKEN,
      time: at("2024-05-01T10:00:00Z"),
      hint: { chain: "evm:31337", blockNumber: 42n },
    };
    const { results, missing } = await s.priceMany([query]);
    const reasons = [
      {
        provider: "file",
        reason: `no imported price for ${LOCAL_TOKEN} between 2024-04-30T10:00:00Z and 2024-05-01T10:00:00Z`,
      },
      { provider: "stablecoin", reason: `${LOCAL_TOKEN} is not a known USD stablecoin` },
      // The default order asks aggregated market prices before a pool (the last resort).
      { provider: "defillama", reason: `no DefiLlama coin id for ${LOCAL_TOKEN}` },
      { provider: "coingecko", reason: `no CoinGecko coin for ${LOCAL_TOKEN}` },
      {
        provider: "onchain",
        reason: 'no Uniswap V2 factory for evm:31337 (set prices.onchain["evm:31337"])',
      },
    ];
    expect(results).toEqual([{ ok: false, reasons }]);
    expect(missing).toEqual([{ ...query, reasons }]);
    expect(JSON.stringify(results)).not.toContain('"usd"');
    expect(llama.requests).toHaveLength(0);
    expect(describeMissing(missing[0]!)).toBe(
      `no USD price for ${LOCAL_TOKEN} at 2024-05-01T10:00:00.000Z (evm:31337 block 42): ` +
        reasons.map((r) => `${r.provider}: ${r.reason}`).join("; "),
    );
  });

  test("defillama: exact values, latest at or before, deduplicated and batched, cached for the next run", async () => {
    const llama = await serve(defillamaReply(LLAMA_SERIES));
    const queries = [
      q("ETH", "2021-01-10T00:30:00Z"), // 00:00 point: the day's open
      q("ETH", "2021-01-10T23:59:59Z"), // 23:00 point; the 00:00 point of the 11th is nearer but later
      q("BTC", "2021-01-11T12:00:00Z"), // exactly on a point
      q("WETH", "2021-01-10T00:30:00Z"), // priced with ETH's coin
      ...Array.from({ length: 100 }, () => q("ETH", "2021-01-10T00:30:00Z")),
    ];
    const expected = [
      { usd: daily("ETH", "2021-01-10").open, priceTime: at("2021-01-10T00:00:00Z") },
      { usd: daily("ETH", "2021-01-10").close, priceTime: at("2021-01-10T23:00:00Z") },
      { usd: daily("BTC", "2021-01-11").close, priceTime: at("2021-01-11T12:00:00Z") },
      { usd: daily("ETH", "2021-01-10").open, priceTime: at("2021-01-10T00:00:00Z") },
    ];
    expect(expected.map((e) => e.usd)).toEqual([
      "1280.87109375",
      "1262.2467041015625",
      "35566.65625",
      "1280.87109375",
    ]);

    const first = service({ order: ["defillama"], defillamaUrl: llama.url });
    const run1 = await first.priceMany(queries);
    expect(run1.missing).toEqual([]);
    expect(run1.results.slice(0, 4)).toEqual(
      expected.map((e) => ({ ok: true, source: "defillama", provider: "defillama", ...e })),
    );
    expect(run1.results.slice(4).every((r) => r.ok && r.usd === "1280.87109375")).toBe(true);
    // Pass 1 (±5 min) answers BTC; pass 2 (±45 min) the rest: two requests for 104 queries.
    expect(llama.requests).toHaveLength(2);
    const coins1 = JSON.parse(llama.requests[0]!.url.searchParams.get("coins")!) as Record<string, number[]>;
    expect(Object.keys(coins1).sort()).toEqual(["coingecko:bitcoin", "coingecko:ethereum"]);
    expect(llama.requests[0]!.url.searchParams.get("searchWidth")).toBe("5m");
    expect(llama.requests[1]!.url.searchParams.get("searchWidth")).toBe("45m");
    expect(first.stats()).toMatchObject({
      queries: 4,
      answered: { defillama: 4 },
      cacheHits: 0,
      httpRequests: { defillama: 2 },
    });

    const second = service({ order: ["defillama"], defillamaUrl: llama.url });
    const run2 = await second.priceMany(queries);
    expect(run2.results).toEqual(run1.results);
    expect(llama.requests).toHaveLength(2); // nothing asked again
    expect(second.stats()).toMatchObject({ cacheHits: 4, httpRequests: { defillama: 0 } });
  });

  test("defillama: many queries go in few requests (at most 100 timestamps each)", async () => {
    const llama = await serve(defillamaReply(LLAMA_SERIES));
    const queries = Array.from({ length: 150 }, (_, i) => ({
      asset: i % 2 === 0 ? "ETH" : "BTC",
      time: new Date(Date.parse("2021-01-05T00:00:00Z") + i * 3_600_000),
    }));
    const { results, missing } = await service({ order: ["defillama"], defillamaUrl: llama.url }).priceMany(
      queries,
    );
    expect(missing).toEqual([]);
    expect(llama.requests).toHaveLength(2);
    expect(ok(results[0]).usd).toBe(daily("ETH", "2021-01-05").open);
    expect(ok(results[149]).usd).toBe(daily("BTC", "2021-01-11").close); // 149 h after the 5th = 11th 05:00
  });

  test("defillama: 429 with Retry-After, a 500 and a timeout are retried; the values stay exact", async () => {
    const normal = defillamaReply(LLAMA_SERIES);
    const llama = await serve((req, n) => {
      if (n === 0)
        return { status: 429, headers: { "retry-after": "1" }, body: '{"message":"Too Many Requests"}' };
      if (n === 1) return { status: 500, body: "internal error" };
      if (n === 2) return { ...normal(req), delayMs: 1500 }; // longer than timeoutMs
      return normal(req);
    });
    const s = service({ order: ["defillama"], defillamaUrl: llama.url, timeoutMs: 300, maxAttempts: 5 });
    const started = Date.now();
    const { results } = await s.priceMany([q("BTC", "2021-01-11T12:00:00Z")]);
    expect(ok(results[0]).usd).toBe("35566.65625");
    expect(llama.requests).toHaveLength(4);
    // Retry-After: 1 was honoured (the backoff base is 1 ms, so nothing else waits a second).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1250);
    expect(s.stats().httpRequests.defillama).toBe(4);
  });

  test("defillama: a price after the movement is never used, even when the server sends one", async () => {
    const points = hourlySeries("ETH");
    // A misbehaving server: for each timestamp, a point after the movement (the latest anchor
    // plus the search width is the movement's time).
    const llama = await serve((req) => {
      const coins = JSON.parse(req.url.searchParams.get("coins")!) as Record<string, number[]>;
      const widthMs = Number(/^(\d+)m$/.exec(req.url.searchParams.get("searchWidth")!)![1]) * 60_000;
      const ts = coins["coingecko:ethereum"] ?? [];
      const movement = Math.max(...ts) * 1000 + widthMs;
      const after = ts.map((_t, i) => points.find((p) => p.t > movement + i * 3_600_000)!);
      return {
        body: `{"coins":{"coingecko:ethereum":{"symbol":"ETH","prices":[${after
          .map((p) => `{"timestamp":${p.t / 1000},"price":${p.price}}`)
          .join(",")}]}}}`,
      };
    });
    const s = service({ order: ["defillama"], defillamaUrl: llama.url, stalenessHours: 24 });
    const { results } = await s.priceMany([q("ETH", "2021-01-10T00:00:00Z")]);
    expect(llama.requests).toHaveLength(3); // every pass asked, every answer refused
    expect(results[0]).toEqual({
      ok: false,
      reasons: [
        {
          provider: "defillama",
          reason: "no price for coingecko:ethereum between 2021-01-09T00:00:00Z and 2021-01-10T00:00:00Z",
        },
      ],
    });
  });

  test("defillama: sparse data is searched over the whole staleness window (23 h accepted, 25 h rejected)", async () => {
    const only = [{ t: Date.parse("2021-01-10T00:00:00Z"), price: "1280.87109375" }];
    const llama = await serve(defillamaReply({ "coingecko:ethereum": { symbol: "ETH", points: only } }));
    const s = service({ order: ["defillama"], defillamaUrl: llama.url });
    const { results } = await s.priceMany([
      q("ETH", "2021-01-10T23:00:00Z"),
      q("ETH", "2021-01-11T01:00:00Z"),
    ]);
    expect(ok(results[0])).toMatchObject({ usd: "1280.87109375", priceTime: at("2021-01-10T00:00:00Z") });
    expect(results[1]?.ok).toBe(false);
    expect(llama.requests.map((r) => r.url.searchParams.get("searchWidth"))).toEqual(["5m", "45m", "180m"]);
  });

  test("a provider that fails falls back to a stored price within the staleness limit, then to the next provider", async () => {
    const down = await serve(() => ({ status: 503, body: "maintenance" }));
    const gecko = await serve(coingeckoReply({ key: KEY, series: GECKO_SERIES }));
    await database.db
      .insert(pricesTable)
      .values({ asset: "ETH", time: at("2021-01-10T00:00:00Z"), usd: "1280.87109375", source: "defillama" });
    const s = service({
      order: ["defillama", "coingecko"],
      defillamaUrl: down.url,
      coingeckoUrl: gecko.url,
      coingeckoApiKey: KEY,
      maxAttempts: 2,
    });
    const { results } = await s.priceMany([
      q("ETH", "2021-01-10T05:00:00Z"),
      q("BTC", "2021-01-11T12:00:00Z"),
    ]);
    expect(ok(results[0])).toMatchObject({
      provider: "defillama",
      usd: "1280.87109375",
      priceTime: at("2021-01-10T00:00:00Z"),
    });
    expect(ok(results[1])).toMatchObject({ provider: "coingecko", usd: "35566.65625" });
    expect(down.requests.length).toBe(2); // one request, tried twice
  });

  test("coingecko: the key in its header, one range request per coin, exact values, cached for the next run", async () => {
    const gecko = await serve(coingeckoReply({ key: KEY, series: GECKO_SERIES }));
    const queries = [
      q("ETH", "2021-01-10T00:30:00Z"),
      q("ETH", "2021-01-20T05:10:00Z"),
      q("BTC", "2021-01-11T12:00:00Z"),
    ];
    const config = { order: ["coingecko" as const], coingeckoUrl: gecko.url, coingeckoApiKey: KEY };
    const run1 = await service(config).priceMany(queries);
    expect(run1.results).toEqual([
      {
        ok: true,
        usd: "1280.87109375",
        source: "coingecko",
        provider: "coingecko",
        priceTime: at("2021-01-10T00:00:00Z"),
      },
      {
        ok: true,
        usd: daily("ETH", "2021-01-20").close,
        source: "coingecko",
        provider: "coingecko",
        priceTime: at("2021-01-20T05:00:00Z"),
      },
      {
        ok: true,
        usd: "35566.65625",
        source: "coingecko",
        provider: "coingecko",
        priceTime: at("2021-01-11T12:00:00Z"),
      },
    ]);
    expect(gecko.requests.map((r) => `${r.url.pathname}?${r.url.searchParams}`).sort()).toEqual([
      `/coins/bitcoin/market_chart/range?vs_currency=usd&from=${Date.parse("2021-01-10T12:00:00Z") / 1000}&to=${Date.parse("2021-01-11T12:00:00Z") / 1000}`,
      `/coins/ethereum/market_chart/range?vs_currency=usd&from=${Date.parse("2021-01-09T00:30:00Z") / 1000}&to=${Date.parse("2021-01-20T05:10:00Z") / 1000}`,
    ]);
    expect(gecko.requests.every((r) => r.headers["x-cg-demo-api-key"] === KEY)).toBe(true);

    const run2 = await service(config).priceMany(queries);
    expect(run2.results).toEqual(run1.results);
    expect(gecko.requests).toHaveLength(2);
  });

  test("coingecko: the pro plan uses the pro header; no key or a rejected key is a reason that never shows the key", async () => {
    const pro = await serve(coingeckoReply({ key: KEY, header: "x-cg-pro-api-key", series: GECKO_SERIES }));
    const r = await service({
      order: ["coingecko"],
      coingeckoUrl: pro.url,
      coingeckoApiKey: KEY,
      coingeckoPlan: "pro",
    }).priceMany([q("SOL", "2021-01-10T00:00:00Z"), q("ETH", "2021-01-10T00:00:00Z")]);
    expect(r.results[0]).toEqual({
      ok: false,
      reasons: [
        {
          provider: "coingecko",
          reason:
            "CoinGecko has no coin at /coins/solana; no stored price between 2021-01-09T00:00:00Z and 2021-01-10T00:00:00Z",
        },
      ],
    });
    expect(ok(r.results[1]).usd).toBe("1280.87109375");

    const none = await service({ order: ["coingecko"], coingeckoUrl: pro.url }).priceMany([
      q("BTC", "2021-01-05T00:00:00Z"),
    ]);
    expect(none.results[0]).toEqual({
      ok: false,
      reasons: [{ provider: "coingecko", reason: "no API key (set prices.coingeckoApiKey)" }],
    });

    const lines: string[] = [];
    const wrongKey = "CG-wrong-key-9876543210";
    const common = createTestCommon({
      logLevel: "debug",
      prices: { order: ["coingecko"], coingeckoUrl: pro.url, coingeckoApiKey: wrongKey },
    });
    const logger = createLogger({
      level: "debug",
      secrets: secretsOf(common.config),
      write: (l) => lines.push(l),
    });
    const s = createPriceService({ common: { ...common, logger }, database, retryBaseMs: 1 });
    const rejected = await s.priceMany([q("BTC", "2021-01-05T00:00:00Z")]);
    expect(rejected.results[0]).toEqual({
      ok: false,
      reasons: [
        {
          provider: "coingecko",
          reason:
            "CoinGecko rejected the API key (HTTP 401); no stored price between 2021-01-04T00:00:00Z and 2021-01-05T00:00:00Z",
        },
      ],
    });
    expect(pro.requests.at(-1)!.headers["x-cg-demo-api-key"]).toBe(wrongKey);
    expect(pro.requests.at(-1)!.url.search).not.toContain(wrongKey);
    expect(`${JSON.stringify(rejected)}${lines.join("\n")}`).not.toContain(wrongKey);
  });

  test("valueSwap() values a swap by its better-priced side", async () => {
    await replaceSourcePrices(database.db, "file:eth.csv", [
      { asset: "ETH", time: at("2021-01-10T00:00:00Z"), usd: "1280.87109375" },
    ]);
    const s = service({ order: ["file", "stablecoin"] });
    const t = at("2021-01-10T08:00:00Z");
    const v = await s.valueSwap({
      out: { asset: "ETH", time: t, quantity: "0.5" },
      in: { asset: "USDC", time: t, quantity: "640.1" },
    });
    // Both priced; the file comes first in the order, so the ETH side sets the value.
    expect(v).toMatchObject({
      ok: true,
      side: "out",
      usd: "640.435546875",
      price: { source: "file:eth.csv" },
    });
    const w = await s.valueSwap({
      out: { asset: "FOO", time: t, quantity: "3" },
      in: { asset: "USDC", time: t, quantity: "12.5" },
    });
    expect(w).toMatchObject({ ok: true, side: "in", usd: "12.5" });
    const none = await s.valueSwap({
      out: { asset: "FOO", time: t, quantity: "3" },
      in: { asset: "BAR", time: t, quantity: "1" },
    });
    expect(none.ok).toBe(false);
    expect(none.ok === false && none.missing.map((m) => m.asset)).toEqual(["FOO", "BAR"]);
  });
});
