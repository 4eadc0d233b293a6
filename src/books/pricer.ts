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

/** A leg's price query identity, less its quantity: what the price service answers alike. */
const placeOf = (leg: Leg, timeMs: number, blockNumber: bigint) =>
  `${leg.asset}\u0000${leg.chainAsset}\u0000${leg.chain}\u0000${timeMs}\u0000${blockNumber}`;

/** The identity a lookup of a leg that was not prepared is answered by: with its quantity's digits. */
const keyOf = (leg: Leg, timeMs: number, blockNumber: bigint, quantity: string) =>
  `${leg.asset}\u0000${leg.chainAsset}\u0000${timeMs}\u0000${blockNumber}\u0000${quantity}`;

/**
 * The ledger builder's pricer over the price service: every leg is priced at its transaction's
 * time (and block and quantity, for on-chain pool prices) in one `priceMany` call. A price's rank is its
 * provider's place in `prices.order`, so a swap is valued by the side whose price comes from the
 * more trusted source. A lookup of a leg that was prepared (the same object, at the same time and
 * block: what rows ask for) is a map lookup by identity, not a key built from its fields again.
 *
 * Legs of one asset, chain asset and chain at one instant and block are one query, with the
 * largest of their quantities: the service prices those alike (one price per asset, instant and
 * place; the largest movement decides a pool price's floor), so it is asked exactly what it
 * would keep of one query per quantity, without a quantity's digits made per leg.
 */
export const createServicePricer = (service: PriceService, order: readonly string[]): Pricer => ({
  prepare: async (items) => {
    const slotOf = new Map<string, number>();
    // Per query slot: its first item (time and hint) and the leg of the largest quantity.
    const firsts: { leg: Leg; time: Date; blockNumber: bigint }[] = [];
    const largest: Leg[] = [];
    // Per prepared leg object: its time, block and query slot (the first item of that leg).
    const byLeg = new Map<Leg, { timeMs: number; blockNumber: bigint; slot: number }>();
    for (const item of items) {
      const { leg, time, blockNumber } = item;
      const timeMs = time.getTime();
      const known = byLeg.get(leg);
      // The same leg at the same instant again: its slot already has it.
      if (known && known.timeMs === timeMs && known.blockNumber === blockNumber) continue;
      const k = placeOf(leg, timeMs, blockNumber);
      let slot = slotOf.get(k);
      if (slot === undefined) {
        slot = firsts.length;
        slotOf.set(k, slot);
        firsts.push(item);
        largest.push(leg);
      } else if (leg.quantity.gt(largest[slot]!.quantity)) largest[slot] = leg;
      if (!known) byLeg.set(leg, { timeMs, blockNumber, slot });
    }
    const queries: PriceQuery[] = firsts.map(({ leg, time, blockNumber }, slot) => ({
      asset: leg.asset,
      time,
      hint: { chain: leg.chain, blockNumber, contract: contractOf(leg.chainAsset) },
      quantity: largest[slot]!.quantity.toFixed(),
    }));
    const { results } = await service.priceMany(queries);
    const found: (UnitPrice | undefined)[] = new Array(results.length);
    const reasons: (string | undefined)[] = new Array(results.length);
    // One Decimal per distinct price text (a file's hourly price serves many legs; never mutated).
    const usdOf = new Map<string, Decimal>();
    results.forEach((r, i) => {
      if (!r.ok) reasons[i] = r.reasons.map((x) => `${x.provider}: ${x.reason}`).join("; ");
      else {
        let usd = usdOf.get(r.usd);
        if (!usd) {
          usd = new Decimal(r.usd);
          usdOf.set(r.usd, usd);
        }
        found[i] = {
          usd,
          source: r.source,
          rank: Math.max(0, order.indexOf(r.provider)),
          ...(r.warning ? { warning: { code: "pool_price", message: r.warning } } : {}),
        };
      }
    });
    // A leg that was not prepared (or at another instant) is answered when a prepared one had
    // its asset, chain asset, instant, block and quantity: the slot of the first such item. Made
    // on the first such lookup (rows of a build ask for prepared legs).
    let prepared: Map<string, number> | undefined;
    const preparedSlot = (leg: Leg, timeMs: number, blockNumber: bigint): number => {
      if (!prepared) {
        prepared = new Map();
        for (const { leg: l, time, blockNumber: b } of items) {
          const t = time.getTime();
          const k = keyOf(l, t, b, l.quantity.toFixed());
          if (!prepared.has(k)) prepared.set(k, slotOf.get(placeOf(l, t, b))!);
        }
      }
      return prepared.get(keyOf(leg, timeMs, blockNumber, leg.quantity.toFixed())) ?? -1;
    };
    /** The query slot of `leg` at `at`, or -1 when it was not prepared. */
    const slotAt = (leg: Leg, at: { time: Date; blockNumber: bigint }): number => {
      const timeMs = at.time.getTime();
      const known = byLeg.get(leg);
      if (known && known.timeMs === timeMs && known.blockNumber === at.blockNumber) return known.slot;
      return preparedSlot(leg, timeMs, at.blockNumber);
    };
    const lookup: PriceLookup = (leg, at) => found[slotAt(leg, at)];
    lookup.explain = (leg, at) => reasons[slotAt(leg, at)];
    return lookup;
  },
});
