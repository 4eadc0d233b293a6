import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { NonRetryableError } from "../../src/errors.ts";
import { silentLogger } from "../../src/logger.ts";
import { createExplorer } from "./explorer.ts";

/**
 * The Etherscan-compatible client against a scripted local API: block-cursor paging (a page
 * boundary inside a block re-reads that block and deduplicates), empty answers, rate limits,
 * errors without the API key, and a block too full to page.
 */

const KEY = "EXPLORER-KEY-777";
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
let server: http.Server;
let url: string;
let rows: { action: string; blockNumber: string; hash: string }[];
let queries: URLSearchParams[];
let script: ((q: URLSearchParams) => unknown) | undefined;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const q = new URL(req.url ?? "/", "http://x").searchParams;
    queries.push(q);
    const scripted = script?.(q);
    if (scripted !== undefined) return res.writeHead(200).end(JSON.stringify(scripted));
    const from = Number(q.get("startblock"));
    const to = Number(q.get("endblock"));
    const offset = Number(q.get("offset"));
    const start = (Number(q.get("page")) - 1) * offset;
    const page = rows
      .filter(
        (r) => r.action === q.get("action") && Number(r.blockNumber) >= from && Number(r.blockNumber) <= to,
      )
      .slice(start, start + offset);
    res
      .writeHead(200)
      .end(
        JSON.stringify(
          page.length
            ? { status: "1", message: "OK", result: page }
            : { status: "0", message: "No transactions found", result: [] },
        ),
      );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/api`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  rows = [];
  queries = [];
  script = undefined;
});

const explorer = (maxRowsPerQuery?: number) =>
  createExplorer({
    ...(maxRowsPerQuery !== undefined ? { maxRowsPerQuery } : {}),
    chain: "ethereum",
    chainId: 1,
    address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    config: { url, apiKey: KEY },
    logger: silentLogger,
    pageSize: 3,
    minIntervalMs: 0,
    retryBaseMs: 1,
  });

describe("createExplorer().discover()", () => {
  test("pages by block: a page ending inside a block re-reads that block and deduplicates", async () => {
    // Blocks 10, 11, 11, 11, 12 (txlist) and 11 (internal, same tx as a txlist row).
    rows = [10, 11, 11, 11, 12].map((b, i) => ({ action: "txlist", blockNumber: String(b), hash: hash(i) }));
    rows.push({ action: "txlistinternal", blockNumber: "11", hash: hash(1) });
    const hits = await explorer().discover({ from: 0n, to: 100n });
    expect(hits.map((h) => [h.hash, h.block]).sort()).toEqual(
      [0, 1, 2, 3, 4].map((i) => [hash(i), BigInt([10, 11, 11, 11, 12][i]!)]).sort(),
    );
    const txlist = queries.filter((q) => q.get("action") === "txlist");
    // 0-100 → [10, 11, 11]; 11-100 → [11, 11, 11] (block 11 fills a page); 11-11 page 2 → []; 12-100 → [12].
    expect(txlist.map((q) => [q.get("startblock"), q.get("endblock"), q.get("page")])).toEqual([
      ["0", "100", "1"],
      ["11", "100", "1"],
      ["11", "11", "2"],
      ["12", "100", "1"],
    ]);
    expect(
      txlist.every((q) => q.get("chainid") === "1" && q.get("sort") === "asc" && q.get("apikey") === KEY),
    ).toBe(true);
  });

  test("'No transactions found' is an empty page, and rate-limit answers are retried", async () => {
    let limited = 2;
    script = () =>
      limited-- > 0 ? { status: "0", message: "NOTOK", result: "Max rate limit reached" } : undefined;
    expect(await explorer().discover({ from: 0n, to: 10n })).toEqual([]);
    expect(queries).toHaveLength(4);
  });

  test("other errors fail without retry and never show the API key", async () => {
    script = () => ({ status: "0", message: "NOTOK", result: "Invalid API Key" });
    const error = await explorer()
      .discover({ from: 0n, to: 10n })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect((error as Error).message).toBe("ethereum explorer txlist blocks 0-10: NOTOK Invalid API Key");
    expect((error as Error).message).not.toContain(KEY);
    expect(queries).toHaveLength(1);
  });

  test("a block fuller than one query can page through is an error", async () => {
    rows = [5, 5, 5, 5, 5, 5, 5].map((b, i) => ({ action: "txlist", blockNumber: String(b), hash: hash(i) }));
    expect(await explorer(9).discover({ from: 5n, to: 9n })).toHaveLength(7); // pages 1-3 of block 5
    await expect(explorer(6).discover({ from: 5n, to: 9n })).rejects.toThrow(
      /block 5 alone has more rows than one query/,
    );
  });

  test("rows outside the asked range are an error, not data", async () => {
    script = (q) =>
      q.get("action") === "txlist"
        ? { status: "1", message: "OK", result: [{ blockNumber: "99", hash: hash(1) }] }
        : undefined;
    await expect(explorer().discover({ from: 0n, to: 10n })).rejects.toThrow(/row of block 99 outside 0-10/);
  });
});
