/**
 * Prices for the planner at the as-of instant, by the project's pricing rule (docs/prices.md):
 * the latest price at or before the instant, no older than the staleness limit; never a later
 * price, never a zero for a missing one.
 */
import type { PriceFileRow } from "../prices/import.ts";
import type { PriceService } from "../prices/service.ts";
import type { PriceResult } from "./lots.ts";
import type { PriceLookup } from "./run.ts";

/** Prices from a price file's rows (`lotwise prices import` format: asset,time,usd). */
export const pricesFromFile = (
  rows: readonly PriceFileRow[],
  args: { file: string; stalenessMs: number },
): PriceLookup => {
  const byAsset = new Map<string, PriceFileRow[]>();
  for (const r of rows) {
    const list = byAsset.get(r.asset) ?? [];
    list.push(r);
    byAsset.set(r.asset, list);
  }
  return async (assets, at) => {
    const t = at.getTime();
    const out = new Map<string, PriceResult>();
    for (const asset of assets) {
      let best: PriceFileRow | undefined;
      for (const r of byAsset.get(asset) ?? []) {
        const rt = r.time.getTime();
        if (rt <= t && rt >= t - args.stalenessMs && (!best || rt >= best.time.getTime())) best = r;
      }
      if (best) {
        out.set(asset, {
          ok: true,
          usd: best.usd,
          source: `file:${args.file}`,
          time: best.time.toISOString(),
        });
      } else {
        const hours = args.stalenessMs / 3_600_000;
        out.set(asset, {
          ok: false,
          reason: byAsset.has(asset)
            ? `${args.file} has no ${asset} price between ${new Date(t - args.stalenessMs).toISOString()} and ${at.toISOString()} (${hours} h staleness limit)`
            : `${args.file} has no ${asset} price`,
        });
      }
    }
    return out;
  };
};

/** Prices from the configured providers (`prices.order`) through the price service. */
export const pricesFromService =
  (service: PriceService): PriceLookup =>
  async (assets, at) => {
    const { results } = await service.priceMany(assets.map((asset) => ({ asset, time: at })));
    const out = new Map<string, PriceResult>();
    assets.forEach((asset, i) => {
      const r = results[i]!;
      out.set(
        asset,
        r.ok
          ? { ok: true, usd: r.usd, source: r.source, time: r.priceTime.toISOString() }
          : { ok: false, reason: r.reasons.map((x) => `${x.provider}: ${x.reason}`).join("; ") },
      );
    });
    return out;
  };
