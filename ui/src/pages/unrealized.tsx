import { useQuery } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { apiSend } from "../api.ts";
import { axisUsd, cents, fromCents, plot, usd, withZero } from "../format.ts";
import { useOptions } from "../options.tsx";
import type { HarvestReport } from "../types.ts";

/**
 * Unrealized gain by asset at the end of the selected year (or now, for the current year): the
 * harvest planner's open positions at a price (POST /v1/harvest), summed per asset in cents.
 * Unpriced positions are left out and counted.
 */
export const UnrealizedChart = () => {
  const { year, method, scope } = useOptions();
  const q = useQuery({
    queryKey: ["gains", "unrealized", year, method, scope],
    queryFn: () => apiSend<HarvestReport>("POST", "/v1/harvest", { json: { year, method, scope } }),
    retry: false,
  });
  const byAsset = new Map<string, bigint>();
  let unpriced = 0;
  for (const p of q.data?.positions ?? []) {
    if (p.unrealized === null || p.unpriced_lots > 0) {
      unpriced++;
      continue;
    }
    byAsset.set(p.asset, (byAsset.get(p.asset) ?? 0n) + cents(p.unrealized));
  }
  const data = [...byAsset].map(([asset, c]) => ({
    asset,
    unrealized: plot(fromCents(c)),
    text: fromCents(c),
  }));
  return (
    <figure className="chart" aria-labelledby="chart-unrealized">
      <figcaption id="chart-unrealized">
        Unrealized gain by asset{q.data ? ` (${q.data.as_of.slice(0, 10)})` : ""}
      </figcaption>
      {q.error ? (
        <p className="muted">Not available: {(q.error as Error).message}</p>
      ) : q.data && data.length === 0 ? (
        <p className="muted">No priced open position{unpriced ? ` (${unpriced} without a price)` : ""}.</p>
      ) : (
        <ResponsiveContainer width="100%" height="90%">
          <BarChart data={data}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="asset" />
            <YAxis width={70} tickFormatter={axisUsd} domain={withZero} />
            <Tooltip formatter={(_v, _n, item) => usd((item.payload as { text: string }).text)} />
            <Bar dataKey="unrealized">
              {data.map((d) => (
                <Cell key={d.asset} fill={d.unrealized < 0 ? "#d62728" : "#2ca02c"} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      )}
      {unpriced && data.length ? (
        <p className="muted small">{unpriced} position(s) without a price left out.</p>
      ) : null}
    </figure>
  );
};
