/**
 * Per-endpoint RPC quotas: many wallets' transports (their own `concurrency` each), spread over two
 * "worker processes" (two gates with their own Redis connections on one real Redis), never have
 * more requests in flight at one endpoint than `sync.endpointConcurrency`, and never start more
 * than `endpointRequestsPerSecond` a second. A local JSON-RPC server counts what it sees.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { silentLogger } from "../src/logger.ts";
import { TEST_REDIS_URL } from "../test/services.ts";
import {
  createLocalEndpointGate,
  createRedisEndpointGate,
  type EndpointGate,
  endpointId,
} from "./endpoint-gate.ts";
import { createHttpTransport } from "./transport.ts";

let server: Server;
let url: string;
let inFlight = 0;
let maxInFlight = 0;
let starts: number[] = [];
const DELAY_MS = 30;
const redises: Redis[] = [];
const prefix = `lwtest-gate-${randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      starts.push(Date.now());
      const { id } = JSON.parse(body) as { id: number };
      setTimeout(() => {
        inFlight--;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x1" }));
      }, DELAY_MS);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  // The provider's key in the path: the same endpoint whatever the key.
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/KEY`;
});

beforeEach(() => {
  maxInFlight = 0;
  starts = [];
});

afterAll(async () => {
  for (const r of redises) {
    const keys = await r.keys(`${prefix}*`);
    if (keys.length > 0) await r.del(...keys);
    r.disconnect();
  }
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const redis = () => {
  const r = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  redises.push(r);
  return r;
};

/** `wallets` transports (each allowed 4 requests at once), each sending `calls` requests. */
const syncMany = async (gates: (EndpointGate | undefined)[], wallets: number, calls: number) => {
  const transports = Array.from({ length: wallets }, (_, i) =>
    createHttpTransport({
      chain: "ethereum",
      url: `${url}-${i}`,
      logger: silentLogger,
      concurrency: 4,
      gate: gates[i % gates.length],
    }),
  );
  await Promise.all(
    transports.flatMap((t) => Array.from({ length: calls }, (_, k) => t.request("eth_chainId", [k]))),
  );
};

describe("endpoint gates", () => {
  test("the endpoint id is the origin's hash: the key in the path does not matter, the URL is not kept", () => {
    expect(endpointId(`${url}-1`)).toBe(endpointId(`${url}-2`));
    expect(endpointId(url)).not.toBe(endpointId("http://127.0.0.1:1/v2/KEY"));
    expect(endpointId(url)).not.toContain("KEY");
  });

  test("without a gate, 8 wallets × 4 requests each overrun a 3-request endpoint (the control)", async () => {
    await syncMany([undefined], 8, 5);
    expect(maxInFlight).toBeGreaterThan(3);
  });

  test("Redis: 8 wallets on two workers never have more than 3 requests in flight at the endpoint", async () => {
    const limits = { concurrency: 3, requestsPerSecond: 0 };
    const a = createRedisEndpointGate({ redis: redis(), prefix, limits, pollMs: 5 });
    const b = createRedisEndpointGate({ redis: redis(), prefix, limits, pollMs: 5 });
    await syncMany([a, b], 8, 5);
    expect(starts).toHaveLength(40);
    expect(maxInFlight).toBe(3);
    // Every lease was handed back. A release is a ZREM sent without waiting, each on its worker's
    // own connection: the other connection may read the set before the last one lands.
    await expect
      .poll(() => redises[0]!.zcard(`${prefix}:rpc-endpoint:${endpointId(url)}:leases`), { timeout: 5_000 })
      .toBe(0);
  });

  test("in one process: the local gate holds the same limit", async () => {
    const gate = createLocalEndpointGate({ concurrency: 3, requestsPerSecond: 0 });
    await syncMany([gate], 8, 5);
    expect(starts).toHaveLength(40);
    expect(maxInFlight).toBe(3);
  });

  test("Redis: at 5 requests a second, 12 requests from 6 wallets on two workers span three seconds", async () => {
    const limits = { concurrency: 0, requestsPerSecond: 5 };
    const p = `${prefix}-rate`;
    const a = createRedisEndpointGate({ redis: redis(), prefix: p, limits, pollMs: 5 });
    const b = createRedisEndpointGate({ redis: redis(), prefix: p, limits, pollMs: 5 });
    await syncMany([a, b], 6, 2);
    expect(starts).toHaveLength(12);
    // 12 starts at 5 a second need three one-second windows: the last starts at least a second
    // after the first (unlimited, all 12 start within a few ms: the control above).
    expect(starts[11]! - starts[0]!).toBeGreaterThanOrEqual(1000);
  });

  test("a lease whose holder died lapses after leaseMs instead of blocking the endpoint", async () => {
    const r = redis();
    const p = `${prefix}-lapse`;
    const dead = createRedisEndpointGate({
      redis: r,
      prefix: p,
      limits: { concurrency: 1, requestsPerSecond: 0 },
      leaseMs: 300,
    });
    await dead.acquire(url); // never released: the worker was killed
    const alive = createRedisEndpointGate({
      redis: redis(),
      prefix: p,
      limits: { concurrency: 1, requestsPerSecond: 0 },
      pollMs: 10,
    });
    const t0 = Date.now();
    const release = await alive.acquire(url);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    release();
  });
});
