import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { blobPartText, unpackBlob } from "../../db/raw-blobs.ts";
import { loadRecordedTransactions } from "../../test/solana-replay.ts";
import { normalizeTransaction } from "./normalize.ts";
import { quickResultRanges, resultRanges } from "./result-ranges.ts";
import {
  answersInPieces,
  PieceNotJson,
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

  test("reads a batch as rpc.ts does: its bytes in the blob and normalized form, in request order", () => {
    const reading = readTransactionAnswers(bytes(`\ufeff${body}`), [signature], WALLET);
    expect("answers" in reading).toBe(true);
    if (!("answers" in reading)) return;
    const [a] = reading.answers;
    expect(a && "ok" in a && a.signature).toBe(signature);
    if (!a || !("ok" in a)) return;
    expect(blobPartText(a.ok.stored)).toBe(JSON.stringify(tx));
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
    const stored = blobPartText(okOf(spaced).stored);
    expect(stored).not.toBe(JSON.stringify(tx));
    expect(spaced).toContain(stored);
    expect(JSON.parse(stored)).toEqual(tx);
    // A key written with an escape: the scan gives up and the parsed answer is serialized again.
    const escaped = `[{"jsonrpc":"2.0","id":0,"res\\u0075lt":${JSON.stringify(tx)}}]`;
    expect(blobPartText(okOf(escaped).stored)).toBe(JSON.stringify(tx));
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
          ok: { signature, slot: old.slot, stored: expect.anything(), text: JSON.stringify(old) },
        },
      ],
    });
  });

  test("a batch's usable answers share one blob, their bytes one after another; so from the thread", async () => {
    const recorded = loadRecordedTransactions().slice(0, 4);
    const answers = [
      { jsonrpc: "2.0", id: 0, result: recorded[0]!.tx },
      { jsonrpc: "2.0", id: 1, result: null },
      ...recorded.slice(1).map((r, i) => ({ jsonrpc: "2.0", id: i + 2, result: r.tx })),
    ];
    const batch = JSON.stringify(answers);
    const pending = recorded.map((r) => r.signature);
    for (const reading of [
      readTransactionAnswers(bytes(batch), pending, WALLET),
      await readTransactionAnswersOnThread([bytes(batch)], pending, WALLET),
    ]) {
      if (!("answers" in reading)) throw new Error("no answers");
      const ok = reading.answers.flatMap((a) => ("ok" in a ? [a.ok] : []));
      expect(ok.map((o) => o.signature)).toEqual(pending);
      const blob = ok[0]!.stored.blob;
      expect(ok.every((o) => o.stored.blob === blob)).toBe(true);
      const whole = unpackBlob(blob.bytes).toString("utf8");
      expect(whole).toBe(recorded.map((r) => JSON.stringify(r.tx)).join(""));
      let at = 0;
      ok.forEach((o, i) => {
        expect(o.stored.start).toBe(at);
        at = o.stored.end;
        expect(JSON.parse(blobPartText(o.stored))).toEqual(recorded[i]!.tx);
      });
      expect(at).toBe(Buffer.byteLength(whole));
    }
  });

  test("the thread reads exactly as this thread does", async () => {
    const here = readTransactionAnswers(bytes(body), [signature], WALLET);
    const there = await readTransactionAnswersOnThread([bytes(body)], [signature], WALLET);
    expect(there).toEqual(here);
  });

  test("a body in pieces is read as the whole body, one body after another of other sizes", async () => {
    const recorded = loadRecordedTransactions().slice(0, 5);
    const bodyOf = (list: typeof recorded) =>
      JSON.stringify(list.map((r, id) => ({ jsonrpc: "2.0", id, result: r.tx })));
    // Large, small, then large again: a buffer kept from one body to the next holds the last one's
    // bytes beyond the next one's end.
    for (const list of [recorded, recorded.slice(0, 1), recorded.slice(1)]) {
      const whole = bytes(bodyOf(list));
      const cuts = [0, 1, 7, Math.floor(whole.length / 3), whole.length - 2, whole.length];
      const pieces = cuts.slice(1).map((end, k) => whole.slice(cuts[k]!, end));
      // One piece a slice of a larger buffer: sent as a copy, the rest of that buffer stays usable.
      const larger = Buffer.allocUnsafeSlow(64);
      larger.set(pieces[1]!, 10);
      const slice = larger.subarray(10, 16);
      pieces[1] = slice;
      const pending = list.map((r) => r.signature);
      const there = await readTransactionAnswersOnThread(pieces, pending, WALLET);
      expect(there).toEqual(readTransactionAnswers(whole, pending, WALLET));
      expect(larger.byteLength).toBe(64);
      expect(Buffer.from(slice)).toEqual(Buffer.from(whole.subarray(1, 7)));
    }
  });

  test("batches read at once on several threads each get their own answers", async () => {
    const before = process.env.LOTWISE_SOLANA_THREADS;
    process.env.LOTWISE_SOLANA_THREADS = "3";
    try {
      expect(txThreadCount()).toBe(3);
      const recorded = loadRecordedTransactions().slice(0, 6);
      const bodies = recorded.map((r) => JSON.stringify([{ jsonrpc: "2.0", id: 0, result: r.tx }]));
      const there = await Promise.all(
        recorded.map((r, i) => readTransactionAnswersOnThread([bytes(bodies[i]!)], [r.signature], WALLET)),
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

describe("answersInPieces()", () => {
  const piecesOf = (text: string): unknown[] | undefined => {
    const body = Buffer.from(text, "utf8");
    const pieces = answersInPieces(body, resultRanges(body, text.charCodeAt(0) === 0xfeff ? 3 : 0));
    return pieces && Array.from({ length: pieces.count }, (_, i) => pieces.at(i));
  };

  test("each answer parsed on its own is what parsing the whole body gives", () => {
    const { tx } = loadRecordedTransactions()[0]!;
    const text =
      ' [ {"jsonrpc":"2.0","result":1,"id":0,"result":{"memo":"naïve ☃ 𝄞","a":[{"b":"]}\\""}]}} ,\n' +
      `7, null, {"id":2,"error":{"code":-32005,"message":"behind"}}, {"id":3,"result":null},{}, ${JSON.stringify({ id: 4, result: tx }, null, 2)}]\r\n`;
    const pieces = piecesOf(text)!;
    expect(pieces).toEqual(JSON.parse(text));
    // The same keys in the same order.
    expect(JSON.stringify(pieces)).toBe(JSON.stringify(JSON.parse(text)));
    expect(piecesOf(`\ufeff[{"result":{"x":"✓"}}]`)).toEqual([{ result: { x: "✓" } }]);
  });

  test("any JSON answers: the same values as JSON.parse", () => {
    const answer = fc.record(
      { jsonrpc: fc.constant("2.0"), id: fc.nat(), result: fc.jsonValue(), error: fc.jsonValue() },
      { requiredKeys: ["id"] },
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(answer, fc.jsonValue())),
        fc.constantFrom(undefined, 1),
        (list, space) => {
          const text = JSON.stringify(list, null, space);
          const pieces = piecesOf(text);
          // Only a key written with an escape stops the scan (result-ranges.ts).
          if (pieces) expect(JSON.stringify(pieces)).toBe(JSON.stringify(JSON.parse(text)));
        },
      ),
    );
  });

  test("a result holding the next answer's start: read right all the same (the quick cut is refuted)", () => {
    const recorded = loadRecordedTransactions()
      .filter((r) => r.tx.meta?.err === null)
      .slice(0, 2);
    // An object of an answer's shape inside the result (in a string, its quotes would be escaped).
    const tricky = {
      ...structuredClone(recorded[0]!.tx),
      extra: [{ a: 1 }, { jsonrpc: "2.0", id: 1, result: {} }],
    };
    const answers = [tricky, recorded[1]!.tx].map((tx, id) => ({ jsonrpc: "2.0", id, result: tx }));
    const text = JSON.stringify(answers);
    const body = Buffer.from(text, "utf8");
    expect(quickResultRanges(body)).toBeDefined();
    const reading = readTransactionAnswers(
      bytes(text),
      recorded.map((r) => r.signature),
      WALLET,
    );
    if (!("answers" in reading)) throw new Error("no answers");
    const ok = reading.answers.flatMap((a) => ("ok" in a ? [a.ok] : []));
    expect(ok.map((o) => JSON.parse(blobPartText(o.stored)))).toEqual([tricky, recorded[1]!.tx]);
  });

  test("a body JSON.parse refuses is left to it: trailing bytes, a garbled piece", () => {
    expect(piecesOf('[{"result":1}] x')).toBeUndefined();
    expect(() => piecesOf('[{"result":{"a":tru}}]')).toThrow(PieceNotJson);
    expect(() => piecesOf('[{"result":1,"id":0x}]')).toThrow(PieceNotJson);
    const { signature } = loadRecordedTransactions()[0]!;
    // Read whole, the body gives JSON.parse's own message.
    expect(readTransactionAnswers(bytes('[{"result":{"a":tru}}]'), [signature], WALLET)).toMatchObject({
      malformed: expect.stringMatching(/JSON/),
    });
    expect(readTransactionAnswers(bytes('[{"result":null}] x'), [signature], WALLET)).toMatchObject({
      malformed: expect.stringMatching(/JSON/),
    });
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
