import type { PriceProvider } from "../types.ts";
import { describeWindow } from "./window.ts";

/**
 * Prices the user imported (`lotwise prices import FILE.csv`, stored with source `file:<name>`):
 * the latest at or before the movement, no older than the staleness limit. Read from the
 * preloaded cache, so it costs no database round trip per query.
 */
export const createFileProvider = (): PriceProvider => ({
  name: "file",
  price: async (queries, { cache, stalenessMs }) =>
    queries.map((q) => {
      const t = q.time.getTime();
      const p = cache.latest(q.asset, "file", t, t - stalenessMs);
      if (p) return { usd: p.usd, source: p.source, provider: "file", priceTime: new Date(p.t) };
      return { missing: `no imported price for ${q.asset} ${describeWindow(t, stalenessMs)}` };
    }),
});
