import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { blobPartText } from "../../db/raw-blobs.ts";
import { ConfigError } from "../../src/errors.ts";
import { silentLogger } from "../../src/logger.ts";
import {
  loadRecordedTransactions,
  type ReplayServer,
  replayError,
  startSolanaReplay,
} from "../../test/solana-replay.ts";
import { createHttpTransport, RpcProviderError, RpcResponseError } from "../transport.ts";
import { normalizeTransaction } from "./normalize.ts";
import {
  createSolanaRpc,
  getBlockTime,
  getSignaturesForAddress,
  getTokenAccountsByOwner,
  getTransactions,
  readTransactions,
  type SolanaRpc,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
} from "./rpc.ts";
import { stakeAccountsControlledIn, touchesStakeProgram } from "./stake-instructions.ts";
import type { SolanaTransactionResponse } from "./tx-json.ts";
import { dependsOnKnownAccounts } from "./tx-thread.ts";

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

/** A web3.js Connection over the shared transport, with 3 tries and no real waiting. */
const rpcFor = (url = server.url) => {
  const transport = createHttpTransport({
    chain: "solana",
    url,
    logger: silentLogger,
    maxAttempts: 3,
    retryBaseMs: 1,
  });
  return createSolanaRpc({ chain: "solana", url, transport, maxAttempts: 3, retryBaseMs: 1 });
};

const JSON_PARSED_SIG =
  "2kai9Wa4rc433U3Js87MqerFxqYpMkk1tvfEafzg2Z46W3TL1XfZQE2KJCGHMXqS5Jk5toTnXJaNH5d9yMPsbCZL";
const JSON_SIG = "2X4vKsDS56avumw6jh6Z5wj28GNvK5UkMfY1Ta2Mtouic886EGAraa1gsCJ5rkXyHCeL9p2wHRty3QHAhjf352Dp";

/** `readTransactions` (the sync's: read on the transaction thread) as JSON, like `getTransactions`. */
const readAsJson = async (rpc: SolanaRpc, signatures: readonly string[]) =>
  new Map(
    [...(await readTransactions(rpc, signatures, WALLET))].map(
      ([s, r]) => [s, JSON.parse(blobPartText(r.stored)) as SolanaTransactionResponse] as const,
    ),
  );
const WALLET = "GAgnD5XviS4wN7GpcTBbgvtFAZnT6Lc1ehkbnP3qo1bz";

describe.each([
  ["getTransactions()", getTransactions],
  ["readTransactions()", readAsJson],
])("%s", (_name, getTransactions) => {
  test("returns every recorded transaction exactly as recorded, both encodings, in one batch", async () => {
    const recorded = loadRecordedTransactions();
    const got = await getTransactions(
      rpcFor(),
      recorded.map((r) => r.signature),
    );
    expect(got.size).toBe(recorded.length);
    for (const r of recorded) expect(got.get(r.signature), r.file).toEqual(r.tx);
    expect(server.stats()).toMatchObject({ http: 1, calls: { getTransaction: recorded.length } });
  });

  test("asks again, and only for, the signature the node did not know yet", async () => {
    let nulls = 1;
    server.onAnswer((method, params, result) =>
      method === "getTransaction" && params[0] === JSON_SIG && nulls-- > 0 ? null : result,
    );
    const got = await getTransactions(rpcFor(), [JSON_PARSED_SIG, JSON_SIG]);
    expect([...got.keys()].sort()).toEqual([JSON_PARSED_SIG, JSON_SIG].sort());
    expect(server.stats().calls.getTransaction).toBe(3);
  });

  test("a node that never has the transaction fails naming the signature, with a hint", async () => {
    server.onAnswer((method, _params, result) => (method === "getTransaction" ? null : result));
    const run = getTransactions(rpcFor(), [JSON_SIG]);
    await expect(run).rejects.toThrow(RpcProviderError);
    await expect(getTransactions(rpcFor(), [JSON_SIG])).rejects.toThrow(
      new RegExp(`getTransaction ${JSON_SIG}: the node has no such transaction[\\s\\S]*archive RPC`),
    );
  });

  test("an answer about another signature or with misaligned balances is refused", async () => {
    server.onAnswer((method, _params, result) => {
      if (method !== "getTransaction") return result;
      (result as { transaction: { signatures: string[] } }).transaction.signatures[0] = JSON_PARSED_SIG;
      return result;
    });
    await expect(getTransactions(rpcFor(), [JSON_SIG])).rejects.toThrow(/answer is for another signature/);
    server.onAnswer((method, _params, result) => {
      if (method !== "getTransaction") return result;
      (result as { meta: { postBalances: number[] } }).meta.postBalances.pop();
      return result;
    });
    await expect(getTransactions(rpcFor(), [JSON_SIG])).rejects.toThrow(
      /postBalances has 18 entries for 19 account keys/,
    );
    expect(server.stats().calls.getTransaction).toBe(6); // 3 tries each
  });

  test("'node is behind' is retried; other JSON-RPC errors fail at once", async () => {
    let behind = 2;
    server.onAnswer((method, _params, result) =>
      method === "getTransaction" && behind-- > 0
        ? replayError(-32005, "Node is behind by 42 slots")
        : result,
    );
    expect((await getTransactions(rpcFor(), [JSON_SIG])).size).toBe(1);
    server.resetStats();
    server.onAnswer((method, _params, result) =>
      method === "getTransaction" ? replayError(-32602, "Invalid param: WrongSize") : result,
    );
    await expect(getTransactions(rpcFor(), [JSON_SIG])).rejects.toThrow(RpcResponseError);
    expect(server.stats().calls.getTransaction).toBe(1);
  });

  test("an endpoint that refuses batches fails at once with a hint", async () => {
    server.setFaults([{ kind: "no-batch", times: 1 }]);
    await expect(getTransactions(rpcFor(), [JSON_SIG])).rejects.toThrow(
      /Batch requests are not supported; the endpoint may not accept JSON-RPC batches \(code -32600\)/,
    );
    expect(server.stats().http).toBe(1);
  });

  test("garbled bodies are retried", async () => {
    server.setFaults([{ kind: "garbled", times: 2 }]);
    expect((await getTransactions(rpcFor(), [JSON_SIG])).size).toBe(1);
    expect(server.stats().faults.garbled).toBe(2);
  });
});

describe("readTransactions()", () => {
  test("gives each transaction's stored bytes and normalized form, or its JSON text", async () => {
    const recorded = loadRecordedTransactions();
    const got = await readTransactions(
      rpcFor(),
      recorded.map((r) => r.signature),
      WALLET,
    );
    expect(got.size).toBe(recorded.length);
    let normalized = 0;
    for (const r of recorded) {
      const read = got.get(r.signature)!;
      expect(blobPartText(read.stored), r.file).toBe(JSON.stringify(r.tx));
      // One blob for the batch, each answer's bytes in turn.
      expect(read.stored.blob, r.file).toBe(got.get(recorded[0]!.signature)!.stored.blob);
      expect(read.slot).toBe(r.tx.slot);
      if ("n" in read) {
        normalized++;
        expect(read.n, r.file).toEqual(normalizeTransaction(r.tx, WALLET));
        expect(read.stake).toEqual(touchesStakeProgram(r.tx) ? stakeAccountsControlledIn(r.tx, WALLET) : []);
      } else {
        expect(read.text).toBe(JSON.stringify(r.tx));
        expect(dependsOnKnownAccounts(r.tx), r.file).toBe(true);
      }
    }
    expect(normalized).toBeGreaterThan(recorded.length / 2);
  });
});

describe("getSignaturesForAddress()", () => {
  const wallet = "GAgnD5XviS4wN7GpcTBbgvtFAZnT6Lc1ehkbnP3qo1bz";

  test("honours before/until/limit and returns finalized entries newest first", async () => {
    const all = await getSignaturesForAddress(rpcFor(), wallet, { limit: 1000 });
    expect(all).toHaveLength(11);
    const page = await getSignaturesForAddress(rpcFor(), wallet, {
      limit: 3,
      before: all[2]!.signature,
      until: all[8]!.signature,
    });
    expect(page.map((s) => s.signature)).toEqual(all.slice(3, 6).map((s) => s.signature));
    expect(page.every((s) => s.confirmationStatus === "finalized")).toBe(true);
  });

  test("a page that is not newest first, or longer than asked, is refused after retries", async () => {
    server.onAnswer((method, _params, result) =>
      method === "getSignaturesForAddress" ? (result as unknown[]).reverse() : result,
    );
    await expect(getSignaturesForAddress(rpcFor(), wallet, { limit: 5 })).rejects.toThrow(
      new RegExp(`getSignaturesForAddress for ${wallet}: not newest first`),
    );
    server.onAnswer((method, _params, result) =>
      method === "getSignaturesForAddress"
        ? [...(result as unknown[]), ...(result as unknown[])].slice(0, 12)
        : result,
    );
    await expect(getSignaturesForAddress(rpcFor(), wallet, { limit: 5 })).rejects.toThrow(
      /10 signatures for limit 5/,
    );
    expect(server.stats().calls.getSignaturesForAddress).toBe(6);
  });
});

describe("getTokenAccountsByOwner()", () => {
  test("lists the owner's accounts under both token programs (staketaxcsv recordings)", async () => {
    const list = await getTokenAccountsByOwner(rpcFor(), "4abvSWugzSRhpAk4rpvdSruFAFoNG1D1JTStmzpGt7xA");
    const programs = new Set(list.map((a) => a.programId));
    expect(programs).toEqual(new Set([TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID]));
    expect(list).toContainEqual({
      address: "D9fuVSy8oRGmztVJZVFsnHzTvowsfCAkY7VoNV8Ls2Jt",
      mint: "4tARAT4ssRYhrENCTxxZrmjL741eE2G23Q1zLPDW2ipf",
      programId: TOKEN_PROGRAM_ID,
    });
    expect(server.stats().calls.getTokenAccountsByOwner).toBe(2);
  });

  test("an account of another owner is refused", async () => {
    server.onAnswer((method, _params, result) => {
      if (method !== "getTokenAccountsByOwner") return result;
      const value = (result as { value: { account: { data: { parsed: { info: { owner: string } } } } }[] })
        .value;
      if (value[0]) value[0].account.data.parsed.info.owner = "11111111111111111111111111111111";
      return result;
    });
    await expect(
      getTokenAccountsByOwner(rpcFor(), "4abvSWugzSRhpAk4rpvdSruFAFoNG1D1JTStmzpGt7xA"),
    ).rejects.toThrow(/is not a TokenkegQ\w+ token account of this owner/);
  });
});

describe("misc calls", () => {
  test("getBlockTime() serves staketaxcsv's recorded block time", async () => {
    // get_block_time-58320004.json holds "2020-12-31 06:04:41" (UTC)
    expect(await getBlockTime(rpcFor(), 58320004)).toBe(Date.UTC(2020, 11, 31, 6, 4, 41) / 1000);
    expect(await getBlockTime(rpcFor(), 1)).toBeNull();
  });

  test("createSolanaRpc() refuses a non-http endpoint", () => {
    expect(() => rpcFor("ws://127.0.0.1:1")).toThrow(ConfigError);
  });
});
