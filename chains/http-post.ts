import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import zlib from "node:zlib";

/**
 * One JSON POST over `node:http` / `node:https` with kept-alive connections: the transport's
 * JSON-RPC exchanges (chains/transport.ts). `fetch` (undici, WHATWG streams) costs this thread
 * about 0.5 ms more CPU per exchange (an 87 kB answer, 4 in flight: 0.84 → 0.30 ms per request
 * with an in-process server), which a sync pays on the thread that also normalizes and writes.
 * Compressed answers (gzip, deflate, br: asked for, as `fetch` asks) are inflated here.
 */

/** What the server answered: read the body once with `text()` or `pieces()`, or `discard()` it. */
export type PostAnswer = {
  status: number;
  ok: boolean;
  /** A response header's value (first one when repeated), or null. */
  header: (name: string) => string | null;
  /** The body as UTF-8; rejects when the connection drops or the signal fires before its end. */
  text: () => Promise<string>;
  /**
   * The body's bytes (inflated, not decoded) in pieces, in order, each over an ArrayBuffer of its
   * own (so each can be transferred to a worker thread: never a slice of Node's shared Buffer pool
   * nor of a buffer Node goes on writing in): the chunks as they came when they own their whole
   * memory (Node's HTTP parser copies each piece of a body into a buffer of its own), copies of
   * the others. No copy of the whole body is made on this thread: each copy is memory the
   * thread's garbage collector counts, and every 64 MB of it costs a full collection of the
   * thread's heap ("external memory pressure"); rejects as `text`.
   */
  pieces: () => Promise<Uint8Array[]>;
  discard: () => void;
};

/** Kept-alive connections per protocol, shared by every transport (idle sockets do not hold the process). */
const AGENTS = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

/**
 * Called with every body posted (bench/fetch-floor.ts records a sync's requests to send them
 * again); empty otherwise.
 */
export const postObservers = new Set<(url: string, body: string) => void>();

const inflate = (res: http.IncomingMessage): Readable => {
  switch (res.headers["content-encoding"]?.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return res.pipe(zlib.createGunzip());
    case "deflate":
      return res.pipe(zlib.createInflate());
    case "br":
      return res.pipe(zlib.createBrotliDecompress());
    default:
      return res;
  }
};

/** The body's chunks, inflated; rejects when the connection drops before the body's end. */
const readBody = (res: http.IncomingMessage): Promise<Buffer[]> =>
  new Promise<Buffer[]>((done, fail) => {
    const stream = inflate(res);
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      if (error) fail(error);
      else done(chunks);
    };
    stream.on("data", (c: Buffer) => chunks.push(c));
    // A connection dropped mid-body can end the stream without an error of its own.
    stream.on("end", () =>
      settle(res.complete ? undefined : new Error("the connection closed before the answer's end")),
    );
    stream.on("error", settle);
    if (stream !== res) res.on("error", settle);
    res.on("close", () => {
      if (!res.complete) settle(new Error("the connection closed before the answer's end"));
    });
  });

/** Redirects followed at most, as `fetch` follows them. */
const MAX_REDIRECTS = 20;

/**
 * POSTs `body` (JSON) to `url`; resolves when the status and headers are in. A 307 or 308 answer
 * is followed with the same POST, as `fetch` does (its other redirects turn a POST into a GET,
 * which no JSON-RPC endpoint answers: they are returned as they are); `authorization` is not sent
 * to another origin.
 * @throws the request's error (connection refused, reset, `signal` fired) before the answer starts.
 */
export const postJson = async (
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<PostAnswer> => {
  for (const observe of postObservers) observe(url, body);
  let target = new URL(url);
  let sent = headers;
  for (let hops = 0; ; hops++) {
    const answer = await postOnce(target, body, sent, signal);
    const location = answer.header("location");
    if ((answer.status !== 307 && answer.status !== 308) || !location || hops >= MAX_REDIRECTS) return answer;
    answer.discard();
    const next = new URL(location, target);
    if (next.origin !== target.origin) {
      const { authorization: _dropped, ...rest } = sent;
      sent = rest;
    }
    target = next;
  }
};

/** One POST to `target`, no redirect followed. */
const postOnce = (
  target: URL,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<PostAnswer> => {
  const agent = AGENTS[target.protocol as keyof typeof AGENTS];
  if (!agent) return Promise.reject(new TypeError(`unsupported URL protocol ${target.protocol}`));
  const send = target.protocol === "https:" ? https.request : http.request;
  return new Promise<PostAnswer>((resolve, reject) => {
    const req = send(
      target,
      {
        method: "POST",
        agent,
        signal,
        headers: {
          "content-type": "application/json",
          "accept-encoding": "gzip, deflate, br",
          ...headers,
          "content-length": String(Buffer.byteLength(body)),
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        resolve({
          status,
          ok: status >= 200 && status < 300,
          header: (name) => {
            const v = res.headers[name.toLowerCase()];
            return v === undefined ? null : Array.isArray(v) ? (v[0] ?? null) : v;
          },
          text: async () => Buffer.concat(await readBody(res)).toString("utf8"),
          pieces: async () => {
            // A chunk of an inflated body is a slice of the inflater's output buffer: copied.
            const inflated = res.headers["content-encoding"] !== undefined;
            return (await readBody(res)).map((c) =>
              !inflated && c.byteOffset === 0 && c.byteLength === c.buffer.byteLength
                ? new Uint8Array(c.buffer, 0, c.byteLength)
                : new Uint8Array(c),
            );
          },
          discard: () => {
            res.resume();
          },
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
};
