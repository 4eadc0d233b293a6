import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { NonRetryableError, RetryableError } from "../src/errors.ts";
import { createLogger, silentLogger } from "../src/logger.ts";
import {
  cacheKey,
  classifyRangeError,
  createHttpTransport,
  isMethodUnsupported,
  type RpcCache,
  RpcRangeError,
  RpcResponseError,
} from "./transport.ts";

/**
 * The JSON-RPC transport against a local HTTP server whose behaviour each test scripts: batching,
 * retries with backoff (429 + Retry-After, 5xx, timeouts, dropped connections, garbled bodies),
 * error classification, the response cache, concurrency, and never leaking the URL.
 */

type Item = { id: number; method: string; params: unknown[] };
type Handler = (items: Item[], req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

let server: http.Server;
let base: string;
let handler: Handler;
let bodies: Item[][];

const reply = (
  res: http.ServerResponse,
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): void => {
  res
    .writeHead(status, { "content-type": "application/json", ...headers })
    .end(typeof body === "string" ? body : JSON.stringify(body));
};

/** Answers each call with `result(method, params)`, as a batch when asked as one. */
const answer =
  (result: (item: Item) => unknown): Handler =>
  (items, req, res) => {
    const out = items.map((i) => ({ jsonrpc: "2.0", id: i.id, result: result(i) }));
    reply(res, (req as http.IncomingMessage & { batch: boolean }).batch ? out : out[0]);
  };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const parsed = JSON.parse(Buffer.concat(chunks).toString()) as Item | Item[];
      (req as http.IncomingMessage & { batch: boolean }).batch = Array.isArray(parsed);
      const items = Array.isArray(parsed) ? parsed : [parsed];
      bodies.push(items);
      void handler(items, req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/SECRET-KEY-42`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  bodies = [];
  handler = answer((i) => `${i.method}:${JSON.stringify(i.params)}`);
});

const transport = (over: Partial<Parameters<typeof createHttpTransport>[0]> = {}) =>
  createHttpTransport({ chain: "ethereum", url: base, logger: silentLogger, retryBaseMs: 1, ...over });

/** A handler that fails the first `n` HTTP requests with `fail`, then answers normally. */
const failFirst = (n: number, fail: Handler): Handler => {
  let left = n;
  const ok = answer((i) => i.method);
  return (items, req, res) => (left-- > 0 ? fail(items, req, res) : ok(items, req, res));
};

describe("createHttpTransport()", () => {
  test("batch() sends one HTTP request per maxBatch calls and keeps results in order", async () => {
    const rpc = transport({ maxBatch: 3 });
    const results = await rpc.batch(
      Array.from({ length: 7 }, (_, i) => ({ method: "eth_getBlockByNumber", params: [i] })),
    );
    expect(results).toEqual(Array.from({ length: 7 }, (_, i) => `eth_getBlockByNumber:[${i}]`));
    expect(bodies.map((b) => b.length).sort()).toEqual([1, 3, 3]);
    expect(rpc.stats()).toMatchObject({
      requests: 7,
      httpRequests: 3,
      byMethod: { eth_getBlockByNumber: 7 },
    });
  });

  test.each([
    [
      "HTTP 429 with Retry-After",
      (_i: Item[], _q: http.IncomingMessage, res: http.ServerResponse) =>
        reply(res, "slow down", 429, { "retry-after": "0" }),
    ],
    [
      "HTTP 503",
      (_i: Item[], _q: http.IncomingMessage, res: http.ServerResponse) => reply(res, "unavailable", 503),
    ],
    ["a dropped connection", (_i: Item[], req: http.IncomingMessage) => void req.socket.destroy()],
    [
      "an answer cut off after its headers",
      (_i: Item[], req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        res.write('{"jsonrpc":"2.0",');
        setTimeout(() => req.socket.destroy(), 20);
      },
    ],
    [
      "a garbled body",
      (_i: Item[], _q: http.IncomingMessage, res: http.ServerResponse) =>
        reply(res, '{"jsonrpc":"2.0","id":'),
    ],
    [
      "a JSON-RPC rate-limit error",
      (items: Item[], _q: http.IncomingMessage, res: http.ServerResponse) =>
        reply(res, {
          jsonrpc: "2.0",
          id: items[0]!.id,
          error: { code: -32005, message: "project rate limit exceeded" },
        }),
    ],
  ])("retries %s and then succeeds", async (_name, fail) => {
    handler = failFirst(2, fail);
    const rpc = transport();
    expect(await rpc.request("eth_blockNumber", [])).toBe("eth_blockNumber");
    expect(rpc.stats()).toMatchObject({ retries: 2, httpRequests: 3 });
  });

  test("compressed answers (gzip, deflate, br) are read, and compression is asked for", async () => {
    const encodings: (string | undefined)[] = [];
    const compress: Record<string, (b: Buffer) => Buffer> = {
      gzip: zlib.gzipSync,
      deflate: zlib.deflateSync,
      br: zlib.brotliCompressSync,
    };
    let next = 0;
    handler = (items, req, res) => {
      encodings.push(req.headers["accept-encoding"]);
      const encoding = Object.keys(compress)[next++ % 3]!;
      const body = JSON.stringify({
        jsonrpc: "2.0",
        id: items[0]!.id,
        result: `${encoding}:${"x".repeat(5000)}`,
      });
      res
        .writeHead(200, { "content-type": "application/json", "content-encoding": encoding })
        .end(compress[encoding]!(Buffer.from(body)));
    };
    const rpc = transport();
    for (const encoding of ["gzip", "deflate", "br"])
      expect(await rpc.request("eth_chainId", [])).toBe(`${encoding}:${"x".repeat(5000)}`);
    expect(encodings.every((e) => e?.includes("gzip"))).toBe(true);
  });

  test("a 307/308 redirect is followed with the same POST; other redirects are errors, not retried", async () => {
    const urls: (string | undefined)[] = [];
    handler = (items, req, res) => {
      urls.push(req.url);
      if (req.url?.endsWith("/moved")) return void res.writeHead(307, { location: "landed" }).end();
      if (req.url?.endsWith("/moved-for-good"))
        return void res.writeHead(308, { location: "/v3/landed" }).end();
      if (req.url?.endsWith("/old")) return void res.writeHead(301, { location: "/v3/landed" }).end();
      return answer((i) => i.method)(items, req, res);
    };
    expect(await transport({ url: `${base}/moved` }).request("eth_chainId", [])).toBe("eth_chainId");
    expect(await transport({ url: `${base}/moved-for-good` }).request("eth_chainId", [])).toBe("eth_chainId");
    expect(urls).toEqual([
      "/v2/SECRET-KEY-42/moved",
      "/v2/SECRET-KEY-42/landed",
      "/v2/SECRET-KEY-42/moved-for-good",
      "/v3/landed",
    ]);
    expect(bodies.map((b) => b[0]!.method)).toEqual(Array(4).fill("eth_chainId"));
    const rpc = transport({ url: `${base}/old` });
    const error = await rpc.request("eth_chainId", []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect((error as Error).message).toMatch(/HTTP 301/);
    expect(rpc.stats().httpRequests).toBe(1);
  });

  test("a request the server never answers times out and is retried", async () => {
    let calls = 0;
    handler = (items, req, res) => {
      if (calls++ === 0) return void setTimeout(() => req.socket.destroy(), 500);
      return answer((i) => i.method)(items, req, res);
    };
    const rpc = transport({ timeoutMs: 100 });
    expect(await rpc.request("eth_chainId", [])).toBe("eth_chainId");
    expect(rpc.stats().retries).toBe(1);
  });

  test("gives up after maxAttempts with a retryable error naming chain and method, never the URL", async () => {
    handler = (_i, _q, res) => reply(res, "down", 502);
    const logs: string[] = [];
    const rpc = transport({
      maxAttempts: 3,
      logger: createLogger({ level: "debug", write: (l) => logs.push(l) }),
    });
    const error = await rpc.request("eth_getLogs", [{}]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toBe("ethereum RPC eth_getLogs: HTTP 502");
    expect(bodies).toHaveLength(3);
    expect(logs.length).toBe(2);
    expect(logs.join("\n")).not.toContain("SECRET-KEY-42");
    expect(logs.join("\n")).not.toContain("127.0.0.1");
  });

  test("a JSON-RPC error is not retried and keeps its code", async () => {
    handler = (items, _q, res) =>
      reply(res, { jsonrpc: "2.0", id: items[0]!.id, error: { code: 3, message: "execution reverted" } });
    const error = await transport()
      .request("eth_call", [])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcResponseError);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error).toMatchObject({ code: 3, method: "eth_call", rpcMessage: "execution reverted" });
    expect(bodies).toHaveLength(1);
  });

  test("range refusals become RpcRangeError, also when sent with HTTP 400", async () => {
    handler = (items, _q, res) =>
      reply(
        res,
        {
          jsonrpc: "2.0",
          id: items[0]!.id,
          error: {
            code: -32602,
            message: "Log response size exceeded. this block range should work: [0x10, 0x2f]",
          },
        },
        400,
      );
    const error = await transport()
      .request("eth_getLogs", [{}])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcRangeError);
    expect((error as RpcRangeError).suggested).toEqual({ from: 16n, to: 47n });
    expect(bodies).toHaveLength(1);
  });

  test("batchSettled() returns per-call errors; batch() throws the first", async () => {
    handler = (items, _q, res) =>
      reply(
        res,
        items.map((i) =>
          i.method === "bad"
            ? { jsonrpc: "2.0", id: i.id, error: { code: -32000, message: "nope" } }
            : { jsonrpc: "2.0", id: i.id, result: 1 },
        ),
      );
    const rpc = transport();
    const settled = await rpc.batchSettled([
      { method: "good", params: [] },
      { method: "bad", params: [] },
    ]);
    expect(settled[0]).toEqual({ ok: true, result: 1 });
    expect(settled[1]).toMatchObject({ ok: false, error: { rpcMessage: "nope" } });
    await expect(
      rpc.batch([
        { method: "good", params: [] },
        { method: "bad", params: [] },
      ]),
    ).rejects.toThrow("nope");
  });

  test("a batch the node refuses as a whole is split and maxBatch lowered", async () => {
    handler = (items, req, res) =>
      items.length > 2
        ? reply(res, { jsonrpc: "2.0", id: null, error: { code: -32600, message: "batch too large" } })
        : answer((i) => i.params[0])(items, req, res);
    const rpc = transport({ maxBatch: 8 });
    expect(await rpc.batch(Array.from({ length: 8 }, (_, i) => ({ method: "m", params: [i] })))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7,
    ]);
    bodies = [];
    await rpc.batch(Array.from({ length: 4 }, (_, i) => ({ method: "m", params: [i] })));
    expect(bodies.map((b) => b.length)).toEqual([2, 2]);
  });

  test("cached calls are answered without HTTP; nulls and errors are never cached", async () => {
    const store = new Map<string, unknown>();
    const cache: RpcCache = {
      getMany: async (keys) => new Map(keys.filter((k) => store.has(k)).map((k) => [k, store.get(k)])),
      put: async (entries) => {
        for (const e of entries) store.set(e.key, e.response);
      },
    };
    handler = answer((i) => (i.params[0] === "missing" ? null : `r-${i.params[0]}`));
    const rpc = transport({ cache });
    const calls = [
      { method: "eth_getTransactionReceipt", params: ["a"], options: { cache: { blockNumber: 5n } } },
      { method: "eth_getTransactionReceipt", params: ["missing"], options: { cache: true } },
      { method: "eth_getTransactionReceipt", params: ["b"] },
    ];
    expect(await rpc.batch(calls)).toEqual(["r-a", null, "r-b"]);
    expect([...store.keys()]).toEqual([cacheKey("eth_getTransactionReceipt", ["a"])]);
    expect(await rpc.batch(calls)).toEqual(["r-a", null, "r-b"]);
    expect(rpc.stats()).toMatchObject({ requests: 5, cacheHits: 1 });
  });

  test("at most `concurrency` HTTP requests are in flight", async () => {
    let active = 0;
    let peak = 0;
    handler = async (items, req, res) => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 20));
      active--;
      answer((i) => i.method)(items, req, res);
    };
    const rpc = transport({ concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, () => rpc.request("x", [])));
    expect(peak).toBe(2);
  });

  test("an aborted signal stops retrying", async () => {
    handler = (_i, _q, res) => reply(res, "down", 503);
    const controller = new AbortController();
    const rpc = transport({ retryBaseMs: 50, maxAttempts: 10, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 30);
    await expect(rpc.request("x", [])).rejects.toThrow();
    expect(bodies.length).toBeLessThan(5);
  });

  test("fetch() wraps client libraries' requests with the same retries and accounting", async () => {
    // Only this test's method fails once: a request the previous test's transport had in flight
    // when it was aborted can reach the server after this handler is set (same process, loaded
    // event loop), and must not take the failure.
    const busyOnce = failFirst(1, (_i, _q, res) => reply(res, "busy", 429, { "retry-after": "0" }));
    const ok = answer((i) => i.method);
    handler = (items, req, res) =>
      items[0]?.method === "getSlot" ? busyOnce(items, req, res) : ok(items, req, res);
    const rpc = transport();
    const res = await rpc.fetch("http://ignored.invalid", {
      method: "POST",
      body: JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "getSlot", params: [] }]),
    });
    expect(((await res.json()) as unknown[]).length).toBe(1);
    expect(rpc.stats()).toMatchObject({ requests: 1, retries: 1, byMethod: { getSlot: 1 } });
  });

  test("a URL with user:password@ is sent with Basic authorization, for batches and fetch()", async () => {
    const seen: (string | undefined)[] = [];
    handler = (items, req, res) => {
      seen.push(req.headers.authorization);
      return answer((i) => i.method)(items, req, res);
    };
    const url = base.replace("http://", "http://rpc%20user:p%40ss@");
    const rpc = transport({ url, maxAttempts: 1 });
    expect(await rpc.batch([{ method: "eth_chainId", params: [] }])).toEqual(["eth_chainId"]);
    const response = await rpc.fetch(url, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getSlot", params: [] }),
    });
    expect(await response.json()).toEqual({ jsonrpc: "2.0", id: 1, result: "getSlot" });
    const basic = `Basic ${Buffer.from("rpc user:p@ss").toString("base64")}`;
    expect(seen).toEqual([basic, basic]);
  });

  test("fetch() turns other HTTP errors into a NonRetryableError without the URL", async () => {
    handler = (_i, _q, res) => reply(res, "forbidden", 403);
    const error = await transport()
      .fetch("http://ignored.invalid", {
        method: "POST",
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getSlot" }),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect((error as Error).message).toBe("ethereum RPC getSlot: HTTP 403 forbidden");
    expect(bodies).toHaveLength(1);
  });
});

describe("postBytes()", () => {
  const batchBody = (n: number) =>
    JSON.stringify(
      Array.from({ length: n }, (_, id) => ({ jsonrpc: "2.0", id, method: "getTransaction", params: [] })),
    );

  /** Each piece over an ArrayBuffer of its own (its transfer detaches nothing else). */
  const ownsItsBuffer = (pieces: Uint8Array[]) =>
    pieces.every((p) => p.byteOffset === 0 && p.byteLength === p.buffer.byteLength);

  test("gives the answer's bytes (inflated) in pieces over ArrayBuffers of their own, counted and retried as fetch()", async () => {
    const body = JSON.stringify([{ jsonrpc: "2.0", id: 0, result: "é".repeat(3000) }]);
    let busy = 1;
    handler = (_i, _q, res) => {
      if (busy-- > 0) return reply(res, "busy", 503);
      res
        .writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
        .end(zlib.gzipSync(Buffer.from(body)));
    };
    const rpc = transport();
    const got = await rpc.postBytes(batchBody(3), { method: "getTransaction", calls: 3 });
    expect(ownsItsBuffer(got)).toBe(true);
    expect(Buffer.concat(got).toString("utf8")).toBe(body);
    // A large plain answer comes in several pieces, in order.
    const large = JSON.stringify([{ jsonrpc: "2.0", id: 0, result: "x".repeat(300_000) }]);
    handler = (_i, _q, res) => reply(res, large);
    const pieces = await rpc.postBytes(batchBody(1), { method: "getTransaction", calls: 1 });
    expect(pieces.length).toBeGreaterThan(1);
    expect(ownsItsBuffer(pieces)).toBe(true);
    expect(Buffer.concat(pieces).toString("utf8")).toBe(large);
    // Small answers too: never a slice of Node's shared Buffer pool (which a transfer would detach).
    handler = (_i, _q, res) => reply(res, "[]");
    const small = await rpc.postBytes(batchBody(1), { method: "getTransaction", calls: 1 });
    expect(Buffer.concat(small).toString("utf8")).toBe("[]");
    expect(ownsItsBuffer(small)).toBe(true);
    expect(ownsItsBuffer(await rpc.postBytes(batchBody(2), { method: "getTransaction", calls: 2 }))).toBe(
      true,
    );
    expect(rpc.stats()).toMatchObject({ requests: 7, retries: 1, byMethod: { getTransaction: 7 } });
  });

  test("other HTTP errors are a NonRetryableError naming the method, without the URL", async () => {
    handler = (_i, _q, res) => reply(res, "forbidden", 403);
    const error = await transport()
      .postBytes(batchBody(2), { method: "getTransaction", calls: 2 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect((error as Error).message).toBe("ethereum RPC getTransaction (batch of 2): HTTP 403 forbidden");
    expect(bodies).toHaveLength(1);
  });
});

describe("classifyRangeError()", () => {
  test.each([
    [
      "query returned more than 10000 results. Try with this block range [0x1f5, 0x2ee].",
      { suggested: { from: 501n, to: 750n } },
    ],
    [
      "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size",
      { limit: 2000 },
    ],
    ["eth_getLogs is limited to a 10,000 range", { limit: 10_000 }],
    ["block range is too wide", {}],
    ["exceed maximum block range: 50000", { limit: 50_000 }],
    ["query exceeds max results 20000, retry with the range 100-200", {}],
    ["ranges over 10000 blocks are not supported on freetier", { limit: 10_000 }],
    ["Block range limit exceeded.", {}],
    ["block range too large, currently limited to 300", { limit: 300 }], // anvil's trace_filter
  ])("%s", (message, expected) => {
    expect(classifyRangeError(message)).toEqual(expected);
  });

  test("other errors are not range errors", () => {
    for (const m of ["execution reverted", "header not found", "rate limit exceeded", "method not found"]) {
      expect(classifyRangeError(m)).toBeUndefined();
    }
  });
});

describe("isMethodUnsupported()", () => {
  test("-32601 and provider wordings", () => {
    const e = (code: number, message: string) =>
      new RpcResponseError({ chain: "x", method: "trace_filter", code, message });
    expect(isMethodUnsupported(e(-32601, "Method not found"))).toBe(true);
    expect(isMethodUnsupported(e(-32000, "the method trace_filter does not exist/is not available"))).toBe(
      true,
    );
    expect(isMethodUnsupported(e(-32000, "execution reverted"))).toBe(false);
    expect(isMethodUnsupported(new Error("Method not found"))).toBe(false);
  });
});
