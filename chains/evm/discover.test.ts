import { describe, expect, test } from "vitest";
import { RpcRangeError } from "../transport.ts";
import { scanAdaptive } from "./discover.ts";
import { type BlockRange, createRangeController } from "./ranges.ts";

const refusal = (limit?: number) =>
  new RpcRangeError({
    chain: "evm:31337",
    method: "trace_filter",
    code: -32000,
    message: limit ? `block range is limited to ${limit}` : "too many results",
    ...(limit ? { limit } : {}),
  });

describe("scanAdaptive()", () => {
  test("once a stated limit caps the size, pieces go out at once and results keep their order", async () => {
    const asked: string[] = [];
    let inFlight = 0;
    let most = 0;
    const query = async (p: BlockRange) => {
      asked.push(`${p.from}-${p.to}`);
      if (p.to - p.from + 1n > 300n) throw refusal(300);
      inFlight++;
      most = Math.max(most, inFlight);
      // Later pieces answer first: the output must still follow the blocks.
      await new Promise((r) => setTimeout(r, Number(2000n - p.from) / 100));
      inFlight--;
      return [p.from, p.to];
    };
    const out = await scanAdaptive(
      { from: 0n, to: 1999n },
      createRangeController({ initial: 10_000, max: 1_000_000 }),
      query,
    );
    expect(out).toEqual([
      0n,
      299n,
      300n,
      599n,
      600n,
      899n,
      900n,
      1199n,
      1200n,
      1499n,
      1500n,
      1799n,
      1800n,
      1999n,
    ]);
    expect(asked).toEqual([
      "0-1999",
      "0-299",
      "300-599",
      "600-899",
      "900-1199",
      "1200-1499",
      "1500-1799",
      "1800-1999",
    ]);
    expect(most).toBeGreaterThan(1);
  });

  test("a piece refused within a batch is split and the scan goes on from it, nothing lost or doubled", async () => {
    const asked: string[] = [];
    const query = async (p: BlockRange) => {
      asked.push(`${p.from}-${p.to}`);
      if (p.to - p.from + 1n > 100n) throw refusal(100);
      // Blocks 200-249 hold too many results for one 100-block piece.
      if (p.from <= 249n && p.to >= 200n && p.to - p.from + 1n > 50n) throw refusal();
      return [`${p.from}-${p.to}`];
    };
    const out = await scanAdaptive(
      { from: 0n, to: 499n },
      createRangeController({ initial: 1000, max: 1_000_000 }),
      query,
    );
    expect(out.join(" ")).toMatch(/^0-99 100-199 200-249 /);
    const covered = out.flatMap((r) => {
      const [a, b] = r.split("-").map(Number);
      return Array.from({ length: b! - a! + 1 }, (_, i) => a! + i);
    });
    expect(covered).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  test("an error that is not a range refusal is thrown", async () => {
    const c = createRangeController({ initial: 100, max: 1_000_000 });
    c.onRangeError(refusal(100), { from: 0n, to: 199n });
    expect(c.capped()).toBe(true);
    await expect(
      scanAdaptive({ from: 0n, to: 399n }, c, async (p) => {
        if (p.from === 200n) throw new Error("node down");
        return [p.from];
      }),
    ).rejects.toThrow("node down");
  });
});
