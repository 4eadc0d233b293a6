import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { silentLogger } from "../../src/logger.ts";
import { type ReplayServer, SOLANA_FIXTURES, startSolanaReplay } from "../../test/solana-replay.ts";
import { createHttpTransport, RpcProviderError } from "../transport.ts";
import { signaturePages } from "./discover.ts";
import { createSolanaRpc, type SignatureInfo } from "./rpc.ts";

/**
 * Paging over staketaxcsv's real `getSignaturesForAddress` recordings for 4kLALt…: five pages of
 * limit 5 chained by `before`, then the recorded empty page, and the same 25 signatures in one
 * limit-1000 answer.
 */
const WALLET = "4kLALtynrmd6pU2LkGXZCmUaMDfsnVixs7SkLjPKNJQG";
const ALL_25 = (
  JSON.parse(
    readFileSync(
      path.join(SOLANA_FIXTURES, `staketaxcsv/data/SOL/_get_txids/wrapper-${WALLET}-1000-.json`),
      "utf8",
    ),
  ) as { result: { signature: string }[] }
).result.map((s) => s.signature);

let server: ReplayServer;
beforeAll(async () => {
  server = await startSolanaReplay();
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => {
  server.onAnswer(undefined);
  server.setFaults([]);
  server.resetStats();
});

const rpc = () => {
  const transport = createHttpTransport({
    chain: "solana",
    url: server.url,
    logger: silentLogger,
    retryBaseMs: 1,
  });
  return createSolanaRpc({ chain: "solana", url: server.url, transport, retryBaseMs: 1 });
};

const walk = async (limit: number, options: { before?: string; until?: string } = {}) => {
  const out: SignatureInfo[] = [];
  for await (const page of signaturePages(rpc(), WALLET, { limit, ...options })) out.push(...page.entries);
  return out.map((s) => s.signature);
};

describe("signaturePages()", () => {
  test("walks the recorded pages of 5 down to the recorded empty page", async () => {
    expect(ALL_25).toHaveLength(25);
    expect(await walk(5)).toEqual(ALL_25);
    // 5 full pages + the empty one that ends the walk.
    expect(server.stats().calls.getSignaturesForAddress).toBe(6);
  });

  test("pages cut short by the node do not end the walk", async () => {
    server.setFaults([{ kind: "short-page", times: 4 }]);
    expect(await walk(5)).toEqual(ALL_25);
    expect(server.stats().faults["short-page"]).toBe(4);
    expect(server.stats().calls.getSignaturesForAddress).toBeGreaterThan(6);
  });

  test("stops at `until` and starts below `before`", async () => {
    expect(await walk(5, { until: ALL_25[7] })).toEqual(ALL_25.slice(0, 7));
    expect(await walk(5, { before: ALL_25[19] })).toEqual(ALL_25.slice(20));
  });

  test("a signature repeated on a later page is yielded once", async () => {
    let page = 0;
    server.onAnswer((method, _params, result) => {
      if (method !== "getSignaturesForAddress") return result;
      const list = result as { signature: string; slot: number }[];
      // The node repeats the newest signature at the top of page 2 (its slot keeps the page newest-first).
      if (++page === 2) return [{ ...list[0]!, signature: ALL_25[0]!, slot: list[0]!.slot + 1 }, ...list];
      return list;
    });
    expect(await walk(5)).toEqual(ALL_25);
  });

  test("the next page is asked for as a page is yielded, while the caller works on it", async () => {
    const asked: string[] = [];
    server.onAnswer((method, params, result) => {
      if (method === "getSignaturesForAddress") asked.push((params[1] as { before?: string }).before ?? "-");
      return result;
    });
    const pages = signaturePages(rpc(), WALLET, { limit: 5 });
    const first = await pages.next();
    if (first.done) throw new Error("no first page");
    // Page 2 reaches the server before the caller asks for it.
    await vi.waitFor(() => expect(asked).toEqual(["-", first.value.cursor]));
    const rest: SignatureInfo[] = [];
    for await (const page of pages) rest.push(...page.entries);
    expect([...first.value.entries, ...rest].map((s) => s.signature)).toEqual(ALL_25);
    expect(server.stats().calls.getSignaturesForAddress).toBe(6);
  });

  test("a page asked for ahead that fails fails when the caller asks for it", async () => {
    server.onAnswer((method, params, result) =>
      method === "getSignaturesForAddress" && (params[1] as { before?: string }).before ? {} : result,
    );
    const pages = signaturePages(rpc(), WALLET, { limit: 5 });
    const first = await pages.next();
    expect(first.done).toBe(false);
    await expect(pages.next()).rejects.toThrow(RpcProviderError);
    await expect(pages.next()).resolves.toEqual({ done: true, value: undefined });
  });

  test("entries that are not finalized are skipped", async () => {
    server.onAnswer((method, _params, result) => {
      if (method !== "getSignaturesForAddress") return result;
      const list = result as { signature: string; confirmationStatus: string }[];
      for (const s of list) if (s.signature === ALL_25[3]) s.confirmationStatus = "confirmed";
      return list;
    });
    expect(await walk(1000)).toEqual(ALL_25.filter((s) => s !== ALL_25[3]));
  });
});
