import { describe, expect, test } from "vitest";
import { packJson } from "../../db/packed-json.ts";
import { loadRecordedTransactions } from "../../test/solana-replay.ts";
import { normalizeTransaction } from "./normalize.ts";
import { readTransactionAnswers, readTransactionAnswersOnThread } from "./tx-thread.ts";

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
});
