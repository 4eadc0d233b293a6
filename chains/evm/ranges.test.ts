import { describe, expect, test } from "vitest";
import { RpcRangeError } from "../transport.ts";
import { createRangeController, rangeGaps, splitRange } from "./ranges.ts";

const refusal = (message: string, extra: { limit?: number; suggested?: { from: bigint; to: bigint } } = {}) =>
  new RpcRangeError({ chain: "ethereum", method: "eth_getLogs", code: -32005, message, ...extra });

describe("createRangeController()", () => {
  test("halves on an unexplained refusal and doubles after each success", () => {
    const c = createRangeController({ initial: 1000, max: 100_000 });
    expect(c.onRangeError(refusal("query returned more than 10000 results"), { from: 0n, to: 999n })).toBe(
      499n,
    );
    expect(c.size()).toBe(500);
    c.onSuccess();
    expect(c.size()).toBe(1000);
    c.onSuccess();
    expect(c.size()).toBe(2000);
  });

  test("a stated block limit caps growth for the rest of the run", () => {
    const c = createRangeController({ initial: 50_000, max: 1_000_000 });
    c.onRangeError(refusal("eth_getLogs is limited to a 10,000 range", { limit: 10_000 }), {
      from: 5n,
      to: 50_004n,
    });
    expect(c.size()).toBe(10_000);
    expect(c.capped()).toBe(true);
    for (let i = 0; i < 5; i++) c.onSuccess();
    expect(c.size()).toBe(10_000);
    expect(c.capped()).toBe(true);
  });

  test("capped only at a stated limit: not while growing, nor after an unexplained refusal", () => {
    const c = createRangeController({ initial: 1000, max: 4000 });
    expect(c.capped()).toBe(false);
    c.onSuccess();
    c.onSuccess();
    expect(c.size()).toBe(4000);
    expect(c.capped()).toBe(false);
    c.onRangeError(refusal("query returned more than 10000 results"), { from: 0n, to: 3999n });
    expect(c.capped()).toBe(false);
    c.onRangeError(refusal("block range is limited to 500", { limit: 500 }), { from: 0n, to: 1999n });
    expect(c.size()).toBe(500);
    expect(c.capped()).toBe(true);
  });

  test("a suggested range starting at the same block is taken as is", () => {
    const c = createRangeController({ initial: 10_000, max: 1_000_000 });
    const next = c.onRangeError(
      refusal("this block range should work", { suggested: { from: 100n, to: 1_299n } }),
      {
        from: 100n,
        to: 10_099n,
      },
    );
    expect(next).toBe(1_299n);
    expect(c.size()).toBe(1_200);
  });

  test("a refused single block is an error (nothing smaller to try)", () => {
    const c = createRangeController({ initial: 1, max: 10 });
    const e = refusal("too many results");
    expect(() => c.onRangeError(e, { from: 7n, to: 7n })).toThrow(e);
  });
});

describe("rangeGaps()", () => {
  test("subtracts overlapping and unordered intervals", () => {
    expect(rangeGaps({ from: 0n, to: 100n }, [])).toEqual([{ from: 0n, to: 100n }]);
    expect(
      rangeGaps({ from: 10n, to: 100n }, [
        { from: 50n, to: 60n },
        { from: 0n, to: 20n },
        { from: 55n, to: 70n },
        { from: 95n, to: 200n },
      ]),
    ).toEqual([
      { from: 21n, to: 49n },
      { from: 71n, to: 94n },
    ]);
    expect(rangeGaps({ from: 10n, to: 20n }, [{ from: 0n, to: 30n }])).toEqual([]);
    expect(rangeGaps({ from: 10n, to: 20n }, [{ from: 21n, to: 30n }])).toEqual([{ from: 10n, to: 20n }]);
  });

  test("splitRange() cuts into consecutive pieces", () => {
    expect(splitRange({ from: 5n, to: 14n }, 4n)).toEqual([
      { from: 5n, to: 8n },
      { from: 9n, to: 12n },
      { from: 13n, to: 14n },
    ]);
  });
});
