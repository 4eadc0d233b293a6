import { Decimal } from "../utils/decimal.ts";
import type { ClassifySettings } from "./settings.ts";
import type { Entry, UnmatchedHalf } from "./types.ts";

export type HalfMatch = { out: UnmatchedHalf; in: UnmatchedHalf; entry: Entry };

/**
 * Pairs unmatched halves across transactions and chains (bridges, exchange withdrawals): an
 * outflow from one of the user's wallets and an inflow of the same asset into another wallet of
 * the user, arriving no earlier than it left and within `bridgeWindowHours`, for no more than was
 * sent and no less than `1 − bridgeTolerance` of it. The gap is the bridge's fee, paid in the
 * asset. Greedy in time order: each outflow takes the earliest fitting inflow.
 */
export const matchHalves = (halves: readonly UnmatchedHalf[], settings: ClassifySettings): HalfMatch[] => {
  const windowMs = settings.bridgeWindowHours * 3600_000;
  const keep = new Decimal(1).sub(settings.bridgeTolerance);
  const outs = halves.filter((h) => h.direction === "out").sort(byTime);
  const ins = halves.filter((h) => h.direction === "in").sort(byTime);
  const used = new Set<UnmatchedHalf>();
  const matches: HalfMatch[] = [];
  for (const o of outs) {
    const i = ins.find(
      (c) =>
        !used.has(c) &&
        c.wallet.key !== o.wallet.key &&
        c.leg.asset === o.leg.asset &&
        (!o.toWallet || o.toWallet === c.wallet.key) &&
        // An exchange's export and the chain disagree on the second; on-chain, arrival follows departure.
        (o.imported
          ? Math.abs(c.time.getTime() - o.time.getTime()) <= windowMs
          : c.time.getTime() >= o.time.getTime()) &&
        c.time.getTime() - o.time.getTime() <= windowMs &&
        c.leg.quantity.lte(o.leg.quantity) &&
        c.leg.quantity.gte(o.leg.quantity.mul(keep)) &&
        !(c.txHash === o.txHash && c.chain === o.chain),
    );
    if (!i) continue;
    used.add(i);
    const gap = o.leg.quantity.sub(i.leg.quantity);
    matches.push({
      out: o,
      in: i,
      entry: {
        kind: "transfer",
        wallet: o.wallet.key,
        toWallet: i.wallet.key,
        outs: [i.leg],
        ins: [],
        ...(gap.gt(0) ? { gap: { ...o.leg, quantity: gap } } : {}),
        subtype: o.chain === i.chain ? "transfer" : "bridge",
        note: `matched with ${i.chain}:${i.txHash}`,
      },
    });
  }
  return matches;
};

const byTime = (a: UnmatchedHalf, b: UnmatchedHalf) =>
  a.time.getTime() - b.time.getTime() || a.txHash.localeCompare(b.txHash);
