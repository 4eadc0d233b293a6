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

/** Slots of a transaction's run looked through for a leg's (a longer run may ask twice: still exact). */
const RUN_SCAN = 8;

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
 * A transaction's legs of one asset, chain asset and chain are one query, with the largest of
 * their quantities: the service prices those alike (one price per asset, instant and place; the
 * largest movement decides a pool price's floor), so it is asked exactly what it would keep of
 * one query per quantity, without a key or a quantity's digits made per leg. (Before, legs were
 * told apart by asset, chain asset, instant, block and quantity, not chain: two legs alike in all
 * of those but their chain took the first one's chain as the query's hint; each now has its own.)
 */
export const createServicePricer = (service: PriceService, order: readonly string[]): Pricer => ({
  prepare: async (items) => {
    // Per query slot: its first item (time and hint) and the leg of the largest quantity.
    const firsts: { leg: Leg; time: Date; blockNumber: bigint }[] = [];
    const largest: Leg[] = [];
    // Per item: its query slot.
    const itemSlot = new Int32Array(items.length);
    // Per prepared leg object: the query slot of its first item (whose instant and block are its
    // slot's first item's: a slot holds one transaction's legs).
    const byLeg = new Map<Leg, number>();
    // Items come a transaction at a time (the same `time` object and block): a leg's slot is
    // looked for among the last few slots of its run, by asset, chain asset and chain. Alike legs
    // of two runs (two transactions of one block and second) get two queries: the service keeps
    // one of them with the larger quantity, as it would have kept one query per quantity.
    let runTime: Date | undefined;
    let runBlock = 0n;
    let runStart = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const { leg, time, blockNumber } = item;
      if (time !== runTime || blockNumber !== runBlock) {
        runTime = time;
        runBlock = blockNumber;
        runStart = firsts.length;
      }
      let slot = -1;
      for (let s = firsts.length - 1; s >= runStart && s >= firsts.length - RUN_SCAN; s--) {
        const l = firsts[s]!.leg;
        if (l.asset === leg.asset && l.chainAsset === leg.chainAsset && l.chain === leg.chain) {
          slot = s;
          break;
        }
      }
      if (slot === -1) {
        slot = firsts.length;
        firsts.push(item);
        largest.push(leg);
      } else if (leg.quantity.gt(largest[slot]!.quantity)) largest[slot] = leg;
      itemSlot[i] = slot;
      if (!byLeg.has(leg)) byLeg.set(leg, slot);
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
        for (let i = 0; i < items.length; i++) {
          const { leg: l, time, blockNumber: b } = items[i]!;
          const k = keyOf(l, time.getTime(), b, l.quantity.toFixed());
          if (!prepared.has(k)) prepared.set(k, itemSlot[i]!);
        }
      }
      return prepared.get(keyOf(leg, timeMs, blockNumber, leg.quantity.toFixed())) ?? -1;
    };
    /** The query slot of `leg` at `at`, or -1 when it was not prepared. */
    const slotAt = (leg: Leg, at: { time: Date; blockNumber: bigint }): number => {
      const timeMs = at.time.getTime();
      const known = byLeg.get(leg);
      if (known !== undefined) {
        const first = firsts[known]!;
        if (first.time.getTime() === timeMs && first.blockNumber === at.blockNumber) return known;
      }
      return preparedSlot(leg, timeMs, at.blockNumber);
    };
    const lookup: PriceLookup = (leg, at) => found[slotAt(leg, at)];
    lookup.explain = (leg, at) => reasons[slotAt(leg, at)];
    return lookup;
  },
});
