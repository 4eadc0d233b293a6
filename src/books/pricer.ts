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

const keyOf = (leg: Leg, timeMs: number, blockNumber: bigint, quantity: string) =>
  `${leg.asset}\u0000${leg.chainAsset}\u0000${timeMs}\u0000${blockNumber}\u0000${quantity}`;

/**
 * The ledger builder's pricer over the price service: every leg is priced at its transaction's
 * time (and block and quantity, for on-chain pool prices) in one `priceMany` call. A price's rank is its
 * provider's place in `prices.order`, so a swap is valued by the side whose price comes from the
 * more trusted source. A lookup of a leg that was prepared (the same object, at the same time and
 * block: what rows ask for) is a map lookup by identity, not a key built from its fields again.
 */
export const createServicePricer = (service: PriceService, order: readonly string[]): Pricer => ({
  prepare: async (items) => {
    const keys: string[] = [];
    const queries: PriceQuery[] = [];
    const slotOf = new Map<string, number>();
    // Per prepared leg object: its time, block and query slot (the first item of that leg).
    const byLeg = new Map<Leg, { timeMs: number; blockNumber: bigint; slot: number }>();
    for (const { leg, time, blockNumber } of items) {
      const timeMs = time.getTime();
      const quantity = leg.quantity.toFixed();
      const k = keyOf(leg, timeMs, blockNumber, quantity);
      let slot = slotOf.get(k);
      if (slot === undefined) {
        slot = keys.length;
        slotOf.set(k, slot);
        keys.push(k);
        queries.push({
          asset: leg.asset,
          time,
          hint: { chain: leg.chain, blockNumber, contract: contractOf(leg.chainAsset) },
          quantity,
        });
      }
      if (!byLeg.has(leg)) byLeg.set(leg, { timeMs, blockNumber, slot });
    }
    const { results } = await service.priceMany(queries);
    const found: (UnitPrice | undefined)[] = new Array(results.length);
    const reasons: (string | undefined)[] = new Array(results.length);
    results.forEach((r, i) => {
      if (!r.ok) reasons[i] = r.reasons.map((x) => `${x.provider}: ${x.reason}`).join("; ");
      else
        found[i] = {
          usd: new Decimal(r.usd),
          source: r.source,
          rank: Math.max(0, order.indexOf(r.provider)),
          ...(r.warning ? { warning: { code: "pool_price", message: r.warning } } : {}),
        };
    });
    /** The query slot of `leg` at `at`, or -1 when it was not prepared. */
    const slotAt = (leg: Leg, at: { time: Date; blockNumber: bigint }): number => {
      const timeMs = at.time.getTime();
      const known = byLeg.get(leg);
      if (known && known.timeMs === timeMs && known.blockNumber === at.blockNumber) return known.slot;
      return slotOf.get(keyOf(leg, timeMs, at.blockNumber, leg.quantity.toFixed())) ?? -1;
    };
    const lookup: PriceLookup = (leg, at) => found[slotAt(leg, at)];
    lookup.explain = (leg, at) => reasons[slotAt(leg, at)];
    return lookup;
  },
});
