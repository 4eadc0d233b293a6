import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, test } from "vitest";
import { mv, tx, wA, wB } from "../classify/classify.test-support.ts";
import type { Movement, TxGroup } from "../classify/types.ts";
import { addMovements, byWalletEvidence, interner, ownText, sortShort } from "./load.ts";

describe("addMovements()", () => {
  const of = (hash: string, m: Movement): Movement => ({ ...m, txHash: hash });
  const groups = () => {
    const a = tx("0xaa", "2025-02-01T10:00:00Z", []);
    const b = tx("0xbb", "2025-02-01T10:01:00Z", []);
    const byHash = new Map<string, TxGroup>([
      [a.txHash, a],
      [b.txHash, b],
    ]);
    return {
      a,
      b,
      groupOf: (chain: string, hash: string) => (chain === a.chain ? byHash.get(hash) : undefined),
    };
  };

  test("each group gets its movements in the order read, a run apart from its earlier ones appended, none of another group's or of no group", () => {
    const { a, b, groupOf } = groups();
    const a1 = of("0xaa", mv(wA, "native", -1n, "native"));
    const a2 = of("0xaa", mv(wB, "native", 1n, "native"));
    const b1 = of("0xbb", mv(wA, "native", -2n, "native"));
    const a3 = of("0xaa", mv(wA, "native", -3n, "gas"));
    const stray = of("0xcc", mv(wA, "native", -4n, "native"));
    const b2 = of("0xbb", mv(wB, "native", 2n, "native"));
    addMovements([a1, a2, b1, a3, stray, b2], groupOf);
    expect(a.movements).toEqual([a1, a2, a3]);
    expect(a.movements[0]).toBe(a1);
    expect(a.movements[2]).toBe(a3);
    expect(b.movements).toEqual([b1, b2]);
    expect(b.movements[1]).toBe(b2);
    for (const m of [...a.movements, ...b.movements])
      expect(m.txHash).toBe(groupOf(m.chain, m.txHash)!.txHash);
  });

  test("no movement: groups keep none", () => {
    const { a, b, groupOf } = groups();
    addMovements([], groupOf);
    expect(a.movements).toEqual([]);
    expect(b.movements).toEqual([]);
  });
});

describe("sortShort()", () => {
  /** A deterministic pseudo-random sequence (a linear congruential generator). */
  const random = (seed: number) => () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };

  test("sorts exactly as Array.prototype.sort, stably (equal keys keep their order), short lists and long ones", () => {
    const next = random(7);
    for (let length = 0; length <= 20; length++) {
      for (let round = 0; round < 20; round++) {
        // Few distinct keys: many ties, so a sort that is not stable shows.
        const list = Array.from({ length }, (_v, i) => ({ key: Math.floor(next() * 4), at: i }));
        const compare = (x: { key: number }, y: { key: number }) => x.key - y.key;
        const expected = [...list].sort(compare);
        const sorted = sortShort(list, compare);
        expect(sorted).toBe(list);
        expect(sorted.map((x) => x.at)).toEqual(expected.map((x) => x.at));
      }
    }
  });

  test("a transaction's movements by wallet, evidence, then evidence index", () => {
    const g1 = { ...mv(wB, "native", 1n, "native"), evidenceIndex: "0" };
    const g2 = { ...mv(wA, "native", -1n, "native"), evidenceIndex: "1" };
    const g3 = { ...mv(wA, "native", -1n, "gas"), evidenceIndex: "0" };
    const g4 = { ...mv(wA, "native", -1n, "native"), evidenceIndex: "0" };
    expect(sortShort([g1, g2, g3, g4], byWalletEvidence)).toEqual([g3, g4, g2, g1]);
  });
});

describe("cells kept from a line read (ownText, interner)", () => {
  // A full collection on demand (the engine's `gc`, exposed for this test only).
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const LINES = 400;
  const LINE_CHARS = 50_000;
  /** Bytes still used after keeping `keep(line)` of each of `LINES` lines of `LINE_CHARS` characters, the lines let go. */
  const keptBytes = (keep: (line: string) => string | null) => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept: (string | null)[] = [];
    for (let i = 0; i < LINES; i++) {
      // A line of its own (as a read makes each), its first cell an address.
      const line = `0x${String(i).padStart(40, "0")}\t${"x".repeat(LINE_CHARS)}${i}`;
      kept.push(keep(line.slice(0, 42)));
    }
    gc();
    const used = process.memoryUsage().heapUsed - before;
    expect(kept.length).toBe(LINES);
    return used;
  };
  const LINES_BYTES = LINES * LINE_CHARS;

  test("a cell kept as sliced keeps its whole line (what they avoid)", () => {
    expect(keptBytes((cell) => cell)).toBeGreaterThan(LINES_BYTES / 2);
  });

  test("ownText: the cell's text alone, not its line", () => {
    const kept = keptBytes(ownText);
    expect(kept).toBeLessThan(LINES_BYTES / 20);
    const cell = "0x1111111111111111111111111111111111111111\trest".slice(0, 42);
    expect(ownText(cell)).toBe(cell);
  });

  test("interner: one string per distinct text, its own copy; null and short cells as they are", () => {
    const intern = interner();
    expect(keptBytes(intern)).toBeLessThan(LINES_BYTES / 20);
    const a1 = intern("0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\t1".slice(0, 42));
    const a2 = intern("0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\t2".slice(0, 42));
    expect(a1).toBe("0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    expect(a2).toBe(a1);
    expect(intern(null)).toBeNull();
    expect(intern("gas")).toBe("gas");
  });
});
