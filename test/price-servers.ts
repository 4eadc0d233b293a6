/**
 * Local stand-ins for the price APIs (node:http on 127.0.0.1, a free port): DefiLlama's
 * `/batchHistorical` and CoinGecko's `/coins/{id}/market_chart/range`, answering with the
 * response shapes documented in shared/reference/chains-and-prices.md §5.1 and the providers'
 * API references. The numbers are real daily ETH/BTC opens and closes of January 2021 from
 * exploratium/market-data (MIT; test/fixtures/prices/exploratium), printed exactly as in the
 * source, spread over an hourly series: 00:00 UTC is the day's open, 01:00–23:00 its close.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export type RecordedRequest = { method: string; url: URL; headers: http.IncomingHttpHeaders };
export type Reply = { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number };
export type FakeServer = {
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close: () => Promise<void>;
};

/** Starts a server; `handle` gets each request and its 0-based number. */
export const startFakeServer = async (
  handle: (req: RecordedRequest, n: number) => Reply | Promise<Reply>,
): Promise<FakeServer> => {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const recorded = {
      method: req.method ?? "GET",
      url: new URL(req.url ?? "/", "http://127.0.0.1"),
      headers: req.headers,
    };
    const n = requests.push(recorded) - 1;
    Promise.resolve(handle(recorded, n)).then(
      async (reply) => {
        if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
        if (res.destroyed) return;
        res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
        res.end(reply.body ?? "");
      },
      (error: unknown) => {
        res.writeHead(599);
        res.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

const FIXTURE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "fixtures/prices/exploratium/daily-2021-01.csv",
);

/** Open and close of `asset` on `date` (YYYY-MM-DD, January 2021), as printed in the fixture. */
export const daily = (asset: "ETH" | "BTC", date: string): { open: string; close: string } => {
  for (const line of readFileSync(FIXTURE, "utf8").trim().split("\n").slice(1)) {
    const [d, a, open, close] = line.split(",") as [string, string, string, string];
    if (d === date && a === asset) return { open, close };
  }
  throw new Error(`no fixture row for ${asset} on ${date}`);
};

export type Point = { t: number; price: string };

/** Hourly points (epoch ms) for January 2021: 00:00 UTC = the day's open, 01:00–23:00 = its close. */
export const hourlySeries = (asset: "ETH" | "BTC"): Point[] => {
  const out: Point[] = [];
  for (const line of readFileSync(FIXTURE, "utf8").trim().split("\n").slice(1)) {
    const [d, a, open, close] = line.split(",") as [string, string, string, string];
    if (a !== asset) continue;
    const day = Date.parse(`${d}T00:00:00Z`);
    for (let h = 0; h < 24; h++) out.push({ t: day + h * 3_600_000, price: h === 0 ? open : close });
  }
  return out;
};

const WIDTH = /^(\d+)([mhdw])$/i;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * DefiLlama `GET /batchHistorical?coins={"<coin>":[<unix s>,…]}&searchWidth=<n><m|h|d|w>`: for
 * each timestamp, the point nearest to it within ±searchWidth (earlier wins a tie), as
 * `{"coins":{"<coin>":{"symbol":…,"prices":[{"timestamp":…,"price":…,"confidence":0.99}]}}}`.
 * Prices are printed verbatim (raw JSON numbers).
 */
export const defillamaReply =
  (series: Record<string, { symbol: string; points: Point[] }>) =>
  (req: RecordedRequest): Reply => {
    if (req.url.pathname !== "/batchHistorical") return { status: 404, body: '{"message":"not found"}' };
    const coins = JSON.parse(req.url.searchParams.get("coins") ?? "{}") as Record<string, number[]>;
    const m = WIDTH.exec(req.url.searchParams.get("searchWidth") ?? "6h");
    const widthMs = m ? Number(m[1]) * UNIT_MS[m[2]!.toLowerCase()]! : 6 * 3_600_000;
    const parts: string[] = [];
    for (const [coin, timestamps] of Object.entries(coins)) {
      const s = series[coin];
      if (!s) continue;
      const found = new Map<number, Point>();
      for (const ts of timestamps) {
        let best: Point | undefined;
        for (const p of s.points) {
          const d = Math.abs(p.t - ts * 1000);
          if (d > widthMs) continue;
          if (!best || d < Math.abs(best.t - ts * 1000)) best = p;
        }
        if (best) found.set(best.t, best);
      }
      const prices = [...found.values()].map(
        (p) => `{"timestamp":${p.t / 1000},"price":${p.price},"confidence":0.99}`,
      );
      parts.push(
        `${JSON.stringify(coin)}:{"symbol":${JSON.stringify(s.symbol)},"prices":[${prices.join(",")}]}`,
      );
    }
    return { body: `{"coins":{${parts.join(",")}}}` };
  };

/**
 * CoinGecko `GET /coins/{id}/market_chart/range?vs_currency=usd&from=<unix s>&to=<unix s>` with
 * the Demo key header: `{"prices":[[<ms>,<price>],…],"market_caps":[…],"total_volumes":[…]}` for
 * the points in [from, to]; 401 without the right key, 404 for an unknown coin.
 */
export const coingeckoReply =
  (args: { key: string; header?: string; series: Record<string, Point[]> }) =>
  (req: RecordedRequest): Reply => {
    if (req.headers[args.header ?? "x-cg-demo-api-key"] !== args.key) {
      return { status: 401, body: '{"status":{"error_code":10002,"error_message":"API Key Missing"}}' };
    }
    const m = /^\/coins\/(.+)\/market_chart\/range$/.exec(req.url.pathname);
    const points = m ? args.series[decodeURIComponent(m[1]!)] : undefined;
    if (!points) return { status: 404, body: '{"error":"coin not found"}' };
    const from = Number(req.url.searchParams.get("from")) * 1000;
    const to = Number(req.url.searchParams.get("to")) * 1000;
    const inRange = points.filter((p) => p.t >= from && p.t <= to);
    const prices = inRange.map((p) => `[${p.t},${p.price}]`).join(",");
    const zeros = inRange.map((p) => `[${p.t},0]`).join(",");
    return { body: `{"prices":[${prices}],"market_caps":[${zeros}],"total_volumes":[${zeros}]}` };
  };
