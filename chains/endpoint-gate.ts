import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { sleep } from "../src/utils/retry.ts";

/**
 * Per-endpoint quotas: every HTTP request to an RPC endpoint first takes a lease from the gate of
 * its host, so however many wallets (of however many users) sync at once, on however many worker
 * processes, one endpoint never sees more than `concurrency` requests in flight nor more than
 * `requestsPerSecond` request starts in any second. Endpoints are told apart by origin (scheme,
 * host, port): a provider's key in the path or query is the same endpoint, and only a hash of the
 * origin is kept (keys and logs never hold the URL, which is a secret).
 *
 * - `createLocalEndpointGate`: one process (embedded mode, in-process jobs).
 * - `createRedisEndpointGate`: every worker sharing a Redis (service mode). A lease lives at most
 *   `leaseMs`, so a killed worker's leases lapse instead of blocking the endpoint.
 */
export type EndpointGate = {
  /** Waits for a lease on `url`'s endpoint; call the returned function once the exchange is over. */
  acquire: (url: string, signal?: AbortSignal | undefined) => Promise<() => void>;
};

export type EndpointLimits = {
  /** Requests in flight per endpoint; 0 = no limit. */
  concurrency: number;
  /** Request starts per second per endpoint; 0 = no limit. */
  requestsPerSecond: number;
};

/** A short, stable id of `url`'s origin (never the URL itself). */
export const endpointId = (url: string): string => {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    origin = url;
  }
  return createHash("sha256").update(origin).digest("hex").slice(0, 16);
};

/** The gate of one process: a counter and a one-second window per endpoint, waiters in order. */
export const createLocalEndpointGate = (limits: EndpointLimits): EndpointGate => {
  const state = new Map<
    string,
    { active: number; windowStart: number; started: number; waiting: (() => void)[] }
  >();
  const of = (id: string) => {
    let s = state.get(id);
    if (!s) {
      s = { active: 0, windowStart: 0, started: 0, waiting: [] };
      state.set(id, s);
    }
    return s;
  };
  return {
    acquire: async (url, signal) => {
      const s = of(endpointId(url));
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        const now = Date.now();
        if (now - s.windowStart >= 1000) {
          s.windowStart = now - (now % 1000);
          s.started = 0;
        }
        const full = limits.concurrency > 0 && s.active >= limits.concurrency;
        const fast = limits.requestsPerSecond > 0 && s.started >= limits.requestsPerSecond;
        if (!full && !fast) break;
        if (full) await new Promise<void>((resolve) => s.waiting.push(resolve));
        else await sleep(s.windowStart + 1000 - now, signal);
      }
      s.active++;
      s.started++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        s.active--;
        s.waiting.shift()?.();
      };
    },
  };
};

/**
 * Takes a lease: drops lapsed leases, refuses when `concurrency` are held (0) or when this
 * second's starts reached `requestsPerSecond` (-1, with the ms left in the second), else adds the
 * lease (1). Redis's clock, so workers on several machines agree.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local rps = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if max > 0 and redis.call('ZCARD', KEYS[1]) >= max then return {0, 0} end
if rps > 0 then
  local sec = math.floor(now / 1000)
  local key = KEYS[2] .. ':' .. sec
  local n = tonumber(redis.call('GET', key) or '0')
  if n >= rps then return {-1, 1000 - (now % 1000)} end
  redis.call('INCR', key)
  redis.call('PEXPIRE', key, 2000)
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
redis.call('PEXPIRE', KEYS[1], lease * 2)
return {1, 0}
`;

export const createRedisEndpointGate = (args: {
  redis: Redis;
  /** Key prefix (the queue prefix): `<prefix>:rpc-endpoint:<id>`. */
  prefix: string;
  limits: EndpointLimits;
  /** Longest a lease is held (a killed holder's lease lapses then). @defaultValue 60000 */
  leaseMs?: number;
  /** Wait between tries while the endpoint is full, in ms. @defaultValue 15 */
  pollMs?: number;
}): EndpointGate => {
  const leaseMs = args.leaseMs ?? 60_000;
  const pollMs = args.pollMs ?? 15;
  const { concurrency, requestsPerSecond } = args.limits;
  if (concurrency <= 0 && requestsPerSecond <= 0) return { acquire: async () => () => {} };
  return {
    acquire: async (url, signal) => {
      const base = `${args.prefix}:rpc-endpoint:${endpointId(url)}`;
      const token = randomBytes(9).toString("base64url");
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        const [ok, waitMs] = (await args.redis.eval(
          ACQUIRE,
          2,
          `${base}:leases`,
          `${base}:rate`,
          String(leaseMs),
          String(concurrency),
          token,
          String(requestsPerSecond),
        )) as [number, number];
        if (ok === 1) break;
        // Jitter keeps waiting workers from retrying in lockstep.
        await sleep((ok === -1 ? waitMs : pollMs) + Math.floor(Math.random() * pollMs), signal);
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        args.redis.zrem(`${base}:leases`, token).catch(() => {});
      };
    },
  };
};

const shared = new Map<string, EndpointGate>();

/** This process's gate for `limits` (every in-process queue of the process shares it). */
export const processEndpointGate = (limits: EndpointLimits): EndpointGate => {
  const key = `${limits.concurrency}/${limits.requestsPerSecond}`;
  let gate = shared.get(key);
  if (!gate) {
    gate = createLocalEndpointGate(limits);
    shared.set(key, gate);
  }
  return gate;
};
