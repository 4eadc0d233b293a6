import { describe, expect, test } from "vitest";
import { packJson, unpackJsonText } from "../../db/packed-json.ts";
import { loadRecordedTransactions } from "../../test/solana-replay.ts";
import { normalizeTransaction } from "./normalize.ts";
import {
  readTransactionAnswers,
  readTransactionAnswersOnThread,
  txThreadCount,
  txThreadsRunning,
} from "./tx-thread.ts";

const WALLET = "GAgnD5XviS4wN7GpcTBbgvtFAZnT6Lc1ehkbnP3qo1bz";
const bytes = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));

describe("readTransactionAnswers()", () => {
  const { signature, tx } = loadRecordedTransactions().find((r) => r.tx.meta?.err === null)!;
  const body = JSON.stringify([{ jsonrpc: "2.0", id: 0, result: tx }]);

  test("reads a batch as rpc.ts does: packed bytes and normalized form, in request order", () => {
    const reading = readTransactionAnswers(bytes(`\ufeff${body}`), [signature], WALLET);
    expect("answers" in reading).toBe(true);
    if (!("answers" in reading)) return;
    const [a] = reading.answers;
    expect(a && "ok" in a && a.signature).toBe(signature);
    if (!a || !("ok" in a)) return;
    expect(Buffer.from(a.ok.packed).equals(packJson(tx))).toBe(true);
    if ("n" in a.ok) expect(a.ok.n).toEqual(normalizeTransaction(tx, WALLET));
    else expect(a.ok.text).toBe(JSON.stringify(tx));
  });

  test("a raw record holds the node's own bytes of its answer (the same JSON value)", () => {
    const okOf = (text: string) => {
      const reading = readTransactionAnswers(bytes(text), [signature], WALLET);
      const a = "answers" in reading ? reading.answers[0] : undefined;
      if (!a || !("ok" in a)) throw new Error("no usable answer");
      return a.ok;
    };
    const spaced = JSON.stringify([{ jsonrpc: "2.0", id: 0, result: tx }], null, 1);
    const stored = unpackJsonText(okOf(spaced).packed);
    expect(stored).not.toBe(JSON.stringify(tx));
    expect(spaced).toContain(stored);
    expect(JSON.parse(stored)).toEqual(tx);
    // A key written with an escape: the scan gives up and the parsed answer is serialized again.
    const escaped = `[{"jsonrpc":"2.0","id":0,"res\\u0075lt":${JSON.stringify(tx)}}]`;
    expect(Buffer.from(okOf(escaped).packed).equals(packJson(tx))).toBe(true);
  });

  test("an empty body is no list, a garbled one is malformed, a single error is returned as such", () => {
    expect(readTransactionAnswers(bytes(""), [signature], WALLET)).toEqual({ notList: undefined });
    const garbled = readTransactionAnswers(bytes(body.slice(0, 100)), [signature], WALLET);
    expect(garbled).toMatchObject({ malformed: expect.stringMatching(/JSON/) });
    expect(
      readTransactionAnswers(
        bytes('{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"no"}}'),
        [signature],
        WALLET,
      ),
    ).toEqual({ notList: { code: -32600, message: "no" } });
  });

  test("errors, nulls, lies and transactions that cannot be normalized", () => {
    const other = structuredClone(tx);
    other.transaction.signatures[0] = "1".repeat(64);
    const broken = structuredClone(tx);
    broken.meta!.postBalances.pop();
    const answers = [
      { jsonrpc: "2.0", id: 0, error: { code: -32005, message: "Node is behind" } },
      { jsonrpc: "2.0", id: 1, result: null },
      { jsonrpc: "2.0", id: 2, result: other },
      { jsonrpc: "2.0", id: 3, result: broken },
    ];
    const reading = readTransactionAnswers(bytes(JSON.stringify(answers)), [signature], WALLET);
    expect(reading).toEqual({
      answers: [
        { error: { code: -32005, message: "Node is behind" } },
        { missing: true },
        { problem: `answer is for another signature (${"1".repeat(64)})` },
        { problem: expect.stringMatching(/postBalances has/) },
      ],
    });
    // A token balance without owner: normalized by the sync in page order, from the text.
    const old = structuredClone(tx);
    const balances = old.meta!.postTokenBalances!;
    expect(balances.length).toBeGreaterThan(0);
    delete balances[0]!.owner;
    const r = readTransactionAnswers(
      bytes(JSON.stringify([{ jsonrpc: "2.0", id: 0, result: old }])),
      [signature],
      WALLET,
    );
    expect(r).toEqual({
      answers: [
        {
          signature,
          ok: { signature, slot: old.slot, packed: expect.anything(), text: JSON.stringify(old) },
        },
      ],
    });
  });

  test("the thread reads exactly as this thread does", async () => {
    const here = readTransactionAnswers(bytes(body), [signature], WALLET);
    const there = await readTransactionAnswersOnThread(
      bytes(body).buffer as ArrayBuffer,
      [signature],
      WALLET,
    );
    expect(there).toEqual(here);
  });

  test("batches read at once on several threads each get their own answers", async () => {
    const before = process.env.LOTWISE_SOLANA_THREADS;
    process.env.LOTWISE_SOLANA_THREADS = "3";
    try {
      expect(txThreadCount()).toBe(3);
      const recorded = loadRecordedTransactions().slice(0, 6);
      const bodies = recorded.map((r) => JSON.stringify([{ jsonrpc: "2.0", id: 0, result: r.tx }]));
      const there = await Promise.all(
        recorded.map((r, i) =>
          readTransactionAnswersOnThread(bytes(bodies[i]!).buffer as ArrayBuffer, [r.signature], WALLET),
        ),
      );
      expect(txThreadsRunning()).toBe(3);
      there.forEach((reading, i) => {
        expect(reading).toEqual(readTransactionAnswers(bytes(bodies[i]!), [recorded[i]!.signature], WALLET));
      });
    } finally {
      if (before === undefined) delete process.env.LOTWISE_SOLANA_THREADS;
      else process.env.LOTWISE_SOLANA_THREADS = before;
    }
  });
});

describe("txThreadCount()", () => {
  test("one thread per core the sync leaves free, 1 to 4, or LOTWISE_SOLANA_THREADS", () => {
    const before = process.env.LOTWISE_SOLANA_THREADS;
    try {
      delete process.env.LOTWISE_SOLANA_THREADS;
      const n = txThreadCount();
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(4);
      process.env.LOTWISE_SOLANA_THREADS = "2";
      expect(txThreadCount()).toBe(2);
      process.env.LOTWISE_SOLANA_THREADS = "zero";
      expect(txThreadCount()).toBe(n);
    } finally {
      if (before === undefined) delete process.env.LOTWISE_SOLANA_THREADS;
      else process.env.LOTWISE_SOLANA_THREADS = before;
    }
  });
});
