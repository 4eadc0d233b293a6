import { NonRetryableError } from "../errors.ts";
import { Decimal, plain } from "../utils/decimal.ts";
import type { Price, PriceOutcome, PriceProviderName, PriceQuery } from "./types.ts";

/**
 * Valuing a swap by its better-priced side. A swap's USD value (the ledger's `usd_value`) is the
 * fair market value of what was exchanged; both sides should be worth the same, but prices are
 * not equally trustworthy, so one side is chosen:
 * 1. a side with a price beats a side without one;
 * 2. the side priced by the provider earlier in `prices.order` (by default: the user's file, then
 *    a stablecoin's peg, then the pool at the block, then DefiLlama, then CoinGecko);
 * 3. on a tie, the fresher price (smaller gap between the movement and the price's time);
 * 4. on a tie, the outgoing side (the disposal being valued).
 * So a USDC → TOKEN swap is worth its USDC amount, and ETH → USDC its USDC amount too.
 */

/** One side of a swap: a price query plus the quantity moved, in whole units (exact decimal). */
export type SwapLeg = PriceQuery & { quantity: string };

export type SwapSide = "out" | "in";

/** The chosen side's value, or nothing when neither side has a price. */
export type SwapChoice = { side: SwapSide; price: Price; usd: string } | undefined;

const QUANTITY = /^\d+(\.\d+)?$/;

/** `quantity × usd`, exact, as a plain decimal string. @throws NonRetryableError for a malformed quantity */
export const legValue = (quantity: string, usd: string): string => {
  if (!QUANTITY.test(quantity))
    throw new NonRetryableError(`swap quantity '${quantity}' is not a non-negative decimal`);
  return plain(new Decimal(quantity).mul(usd));
};

/** Picks the better-priced side (rules above). `order` is `prices.order`. */
export const chooseSwapSide = (
  legs: { out: SwapLeg; in: SwapLeg },
  outcomes: { out: PriceOutcome; in: PriceOutcome },
  order: readonly PriceProviderName[],
): SwapChoice => {
  const candidates = (["out", "in"] as const).flatMap((side) => {
    const o = outcomes[side];
    if (!o.ok) return [];
    const { ok: _ok, ...price } = o;
    const rank = order.indexOf(price.provider);
    return [
      {
        side,
        price,
        rank: rank < 0 ? order.length : rank,
        age: legs[side].time.getTime() - price.priceTime.getTime(),
      },
    ];
  });
  candidates.sort(
    (a, b) => a.rank - b.rank || a.age - b.age || (a.side === "out" ? -1 : 1) - (b.side === "out" ? -1 : 1),
  );
  const best = candidates[0];
  if (!best) return undefined;
  return { side: best.side, price: best.price, usd: legValue(legs[best.side].quantity, best.price.usd) };
};
