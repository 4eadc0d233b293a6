import { describe, expect, test } from "vitest";
import { memoizeBounded } from "./memo.ts";

describe("memoizeBounded()", () => {
  test("computes a key once while it is kept; undefined results are computed every time", () => {
    const calls: string[] = [];
    const f = memoizeBounded((k) => {
      calls.push(k);
      return k.startsWith("x") ? undefined : k.toUpperCase();
    }, 10);
    expect([f("a"), f("a"), f("x1"), f("x1"), f("b")]).toEqual(["A", "A", undefined, undefined, "B"]);
    expect(calls).toEqual(["a", "x1", "x1", "b"]);
  });

  test("keeps at most `max` results: when full, all are dropped and computed again", () => {
    let n = 0;
    const f = memoizeBounded((k) => `${k}:${++n}`, 2);
    expect([f("a"), f("b"), f("a"), f("b")]).toEqual(["a:1", "b:2", "a:1", "b:2"]);
    expect(f("c")).toBe("c:3"); // the memo was full: cleared, then c kept
    expect(f("a")).toBe("a:4");
    expect(f("c")).toBe("c:3");
  });
});
