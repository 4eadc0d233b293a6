import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { UnrecoverableReorgError } from "../../chains/evm/finality.ts";
import { createDevClient, type DevClient } from "../../src/devchain/contracts.ts";
import { type Anvil, rpcCall, startAnvil } from "../anvil.ts";
import { createEvmHarness, type EvmHarness, type Snapshot, snapshotRows } from "../evm-harness.ts";

/**
 * Reorgs on anvil (`anvil_reorg` replaces the newest blocks) with a finality depth of 2: non-final
 * rows are rechecked by block hash and rolled back, final rows never change, and a reorg deeper
 * than finality stops the sync with a clear error.
 */

const DEPTH = 2;
let anvil: Anvil;
let dev: DevClient;
let o: `0x${string}`;
let a: `0x${string}`;
let b: `0x${string}`;
let h: EvmHarness;

const config = { finality: { "evm:31337": DEPTH } };
const hex = (n: bigint) => `0x${n.toString(16)}`;

/** The rows a fresh database gets from the chain as it is now (scan intervals aside). */
const freshRows = async (): Promise<Omit<Snapshot, "scans">> => {
  const fresh = await createEvmHarness({ addresses: [a], config });
  try {
    await fresh.sync(a, anvil.url);
    const { scans: _s, ...rows } = await snapshotRows(fresh.database);
    return rows;
  } finally {
    await fresh.close();
  }
};

const rowsOf = async (x: EvmHarness) => {
  const { scans: _s, ...rows } = await snapshotRows(x.database);
  return rows;
};

beforeAll(async () => {
  anvil = await startAnvil();
  dev = createDevClient(anvil.url);
  [o, a, b] = (await dev.accounts()) as [`0x${string}`, `0x${string}`, `0x${string}`];
  await dev.send({ from: o, to: a, value: parseEther("1") }); // block 1
  await dev.send({ from: o, to: a, value: parseEther("2") }); // block 2
  await dev.send({ from: a, to: b, value: parseEther("0.5") }); // block 3
  await dev.send({ from: o, to: a, value: parseEther("3") }); // block 4
  h = await createEvmHarness({ addresses: [a], config });
});

afterAll(async () => {
  await h?.close();
  await anvil?.stop();
});

describe("reorg handling (finality depth 2)", () => {
  test("blocks newer than the finality depth are stored non-final", async () => {
    await h.sync(a, anvil.url);
    const rows = await snapshotRows(h.database);
    const byBlock = rows.transactions
      .map((t) => [t.blockNumber, t.final])
      .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    expect(byBlock).toEqual([
      ["1n", true],
      ["2n", true],
      ["3n", false],
      ["4n", false],
    ]);
    expect(rows.cursors.map((c) => (c.position as { finalTo: string }).finalTo)).toEqual(["2", "2"]);
  });

  test("a reorg of non-final blocks is rolled back and re-synced from the new chain", async () => {
    const before = await snapshotRows(h.database);
    const dropped = before.transactions
      .filter((t) => t.blockNumber === "3n" || t.blockNumber === "4n")
      .map((t) => t.txHash);
    // Blocks 3 and 4 are replaced: block 3 now holds a different payment to `a`, block 4 is empty.
    await rpcCall(anvil.url, "anvil_reorg", [2, [[{ from: o, to: a, value: hex(parseEther("5")) }, 0]]]);
    await h.sync(a, anvil.url);
    const after = await rowsOf(h);
    expect(after).toEqual(await freshRows());
    for (const hash of dropped) {
      expect(after.transactions.some((t) => t.txHash === hash)).toBe(false);
      expect(after.rawRecords.some((r) => r.txHash === hash)).toBe(false);
    }
    const newest = after.transactions.find((t) => t.blockNumber === "3n")!;
    expect(newest.final).toBe(false);
    expect(after.movements.find((m) => m.txHash === newest.txHash)?.amount).toBe(`${parseEther("5")}n`);
    const stale = before.blocks.filter((x) => x.number === "3n" || x.number === "4n").map((x) => x.hash);
    expect(after.blocks.some((x) => stale.includes(x.hash))).toBe(false);
  });

  test("rows become final once the chain moves past the finality depth", async () => {
    await rpcCall(anvil.url, "anvil_mine", [hex(3n)]);
    await h.sync(a, anvil.url);
    const after = await rowsOf(h);
    expect(after.transactions.every((t) => t.final === true)).toBe(true);
    expect(after.movements.every((m) => m.final === true)).toBe(true);
    expect(after).toEqual(await freshRows());
  });

  test("a reorg deeper than the finality depth stops the sync with a clear error", async () => {
    const head = BigInt(await rpcCall<string>(anvil.url, "eth_blockNumber"));
    // Replace everything from block 3 on: block 3 held a final transaction of `a`.
    await rpcCall(anvil.url, "anvil_reorg", [Number(head - 2n), [[{ from: o, to: b, value: "0x1" }, 0]]]);
    await rpcCall(anvil.url, "anvil_mine", [hex(1n)]);
    const error = await h.sync(a, anvil.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableReorgError);
    expect((error as Error).message).toMatch(
      /evm:31337: block 3 changed after it was final .*finality depth of 2/,
    );
    expect((error as Error).message).not.toContain(anvil.url);
  });
});
