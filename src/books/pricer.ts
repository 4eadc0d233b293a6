import type { Leg } from "../classify/types.ts";
import type { PriceService } from "../prices/service.ts";
import type { PriceQuery } from "../prices/types.ts";
import { Decimal } from "../utils/decimal.ts";
import type { Pricer } from "./build.ts";
import type { PriceLookup, UnitPrice } from "./rows.ts";

const contractOf = (chainAsset: string): string | undefined => {
  const tail = chainAsset.slice(chainAsset.lastIndexOf(":") + 1);
  return tail === "native" ? undefined : tail;
};

/** A quantity's digits, printed once per Decimal (a leg is keyed when priced and again when looked up). */
const fixed = new WeakMap<Decimal, string>();
const fixedOf = (q: Decimal): string => {
  let s = fixed.get(q);
  if (s === undefined) {
    s = q.toFixed();
    fixed.set(q, s);
  }
  return s;
};

const keyOf = (leg: Leg, time: Date, blockNumber: bigint) =>
  `${leg.asset}\u0000${leg.chainAsset}\u0000${time.getTime()}\u0000${blockNumber}\u0000${fixedOf(leg.quantity)}`;

/**
 * The ledger builder's pricer over the price service: every leg is priced at its transaction's
 * time (and block and quantity, for on-chain pool prices) in one `priceMany` call. A price's rank is its
 * provider's place in `prices.order`, so a swap is valued by the side whose price comes from the
 * more trusted source.
 */
export const createServicePricer = (service: PriceService, order: readonly string[]): Pricer => ({
  prepare: async (items) => {
    const keys: string[] = [];
    const queries: PriceQuery[] = [];
    const seen = new Set<string>();
    for (const { leg, time, blockNumber } of items) {
      const k = keyOf(leg, time, blockNumber);
      if (seen.has(k)) continue;
      seen.add(k);
      keys.push(k);
      queries.push({
        asset: leg.asset,
        time,
        hint: { chain: leg.chain, blockNumber, contract: contractOf(leg.chainAsset) },
        quantity: fixedOf(leg.quantity),
      });
    }
    const { results } = await service.priceMany(queries);
    const found = new Map<string, UnitPrice>();
    const reasons = new Map<string, string>();
    results.forEach((r, i) => {
      if (!r.ok) reasons.set(keys[i]!, r.reasons.map((x) => `${x.provider}: ${x.reason}`).join("; "));
      if (r.ok)
        found.set(keys[i]!, {
          usd: new Decimal(r.usd),
          source: r.source,
          rank: Math.max(0, order.indexOf(r.provider)),
          ...(r.warning ? { warning: { code: "pool_price", message: r.warning } } : {}),
        });
    });
    const lookup: PriceLookup = (leg, at) => found.get(keyOf(leg, at.time, at.blockNumber));
    lookup.explain = (leg, at) => reasons.get(keyOf(leg, at.time, at.blockNumber));
    return lookup;
  },
});
