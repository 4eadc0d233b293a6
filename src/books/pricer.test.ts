import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client.ts";
import { createTestCommon, createTestDatabase } from "../../test/services.ts";
import type { Leg } from "../classify/types.ts";
import { createPriceService } from "../prices/service.ts";
import type { PriceQuery } from "../prices/types.ts";
import { Decimal } from "../utils/decimal.ts";
import { createServicePricer } from "./pricer.ts";

const leg = (asset: string, quantity: string, chain = "evm:1"): Leg => ({
  asset,
  chainAsset: `${chain}:${asset === "ETH" ? "native" : asset}`,
  chain,
  quantity: new Decimal(quantity),
  symbol: asset,
});

describe("createServicePricer()", () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase("pglite");
  });
  afterAll(async () => {
    await database.close();
  });

  /** A pricer over the real price service whose one provider records what it is asked. */
  const pricerAsked = () => {
    const asked: PriceQuery[] = [];
    const service = createPriceService({
      common: createTestCommon({ prices: { order: ["file"] } }),
      database,
      providers: [
        {
          name: "file",
          price: async (queries) => {
            asked.push(...queries);
            return queries.map((q) =>
              q.asset === "NOPE"
                ? { missing: "no file price" }
                : {
                    usd: q.asset === "ETH" ? "3000.5" : "1",
                    source: "file:p.csv",
                    provider: "file" as const,
                    priceTime: q.time,
                  },
            );
          },
        },
      ],
    });
    return { asked, pricer: createServicePricer(service, ["file"]) };
  };

  it("asks one query per asset of a transaction, with its largest quantity, and answers every leg", async () => {
    const { asked, pricer } = pricerAsked();
    const t1 = new Date("2025-01-01T00:00:00Z");
    const t2 = new Date("2025-01-01T00:01:00Z");
    const gas = leg("ETH", "0.000021");
    const sent = leg("ETH", "0.5");
    const got = leg("USDC", "1500");
    const later = leg("ETH", "0.25");
    const missing = leg("NOPE", "3");
    const lookup = await pricer.prepare([
      { leg: gas, time: t1, blockNumber: 10n },
      { leg: sent, time: t1, blockNumber: 10n },
      { leg: got, time: t1, blockNumber: 10n },
      { leg: later, time: t2, blockNumber: 11n },
      { leg: missing, time: t2, blockNumber: 11n },
    ]);
    expect(asked.map((q) => [q.asset, q.time.toISOString(), q.hint?.blockNumber, q.quantity])).toEqual([
      ["ETH", "2025-01-01T00:00:00.000Z", 10n, "0.5"],
      ["USDC", "2025-01-01T00:00:00.000Z", 10n, "1500"],
      ["ETH", "2025-01-01T00:01:00.000Z", 11n, "0.25"],
      ["NOPE", "2025-01-01T00:01:00.000Z", 11n, "3"],
    ]);
    const at1 = { time: t1, blockNumber: 10n };
    expect(lookup(gas, at1)?.usd.toFixed()).toBe("3000.5");
    expect(lookup(sent, at1)?.usd.toFixed()).toBe("3000.5");
    expect(lookup(got, at1)?.usd.toFixed()).toBe("1");
    expect(lookup(later, { time: t2, blockNumber: 11n })).toMatchObject({ source: "file:p.csv", rank: 0 });
    expect(lookup(missing, { time: t2, blockNumber: 11n })).toBeUndefined();
    expect(lookup.explain?.(missing, { time: t2, blockNumber: 11n })).toBe("file: no file price");
  });

  it("answers a leg that was not prepared only when a prepared one had its quantity at that instant", async () => {
    const { pricer } = pricerAsked();
    const t = new Date("2025-01-01T00:00:00Z");
    const at = { time: t, blockNumber: 10n };
    const lookup = await pricer.prepare([{ leg: leg("ETH", "0.5"), time: t, blockNumber: 10n }]);
    expect(lookup(leg("ETH", "0.50"), at)?.usd.toFixed()).toBe("3000.5");
    expect(lookup(leg("ETH", "0.7"), at)).toBeUndefined();
    expect(lookup(leg("ETH", "0.5"), { time: t, blockNumber: 11n })).toBeUndefined();
  });
});
