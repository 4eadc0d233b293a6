import { describe, expect, test } from "vitest";
import { createFetchAhead } from "./fetch-ahead.ts";

/** A fetch whose answers the test releases one by one; `started` lists the items asked for. */
const scripted = () => {
  const started: number[] = [];
  const release = new Map<number, (v: string) => void>();
  const fail = new Map<number, (e: Error) => void>();
  const fetch = (n: number) =>
    new Promise<string>((resolve, reject) => {
      started.push(n);
      release.set(n, resolve);
      fail.set(n, reject);
    });
  return { started, release, fail, fetch };
};

describe("createFetchAhead", () => {
  test("starts item 0 alone, then keeps `depth` items fetching while one is worked on", async () => {
    const s = scripted();
    const ahead = createFetchAhead([0, 1, 2, 3, 4], s.fetch, 2);
    const first = ahead.take(0);
    expect(s.started).toEqual([0]);
    s.release.get(0)!("r0");
    expect(await first).toBe("r0");
    // While item 0 is worked on, items 1 and 2 are being fetched.
    expect(s.started).toEqual([0, 1, 2]);
    s.release.get(2)!("r2");
    s.release.get(1)!("r1");
    expect(await ahead.take(1)).toBe("r1");
    expect(s.started).toEqual([0, 1, 2, 3]);
    expect(await ahead.take(2)).toBe("r2");
    expect(s.started).toEqual([0, 1, 2, 3, 4]);
    s.release.get(3)!("r3");
    s.release.get(4)!("r4");
    expect(await ahead.take(3)).toBe("r3");
    expect(await ahead.take(4)).toBe("r4");
    expect(s.started).toEqual([0, 1, 2, 3, 4]);
  });

  test("depth 1 fetches one item ahead", async () => {
    const s = scripted();
    const ahead = createFetchAhead([0, 1, 2], s.fetch, 1);
    const first = ahead.take(0);
    s.release.get(0)!("r0");
    await first;
    expect(s.started).toEqual([0, 1]);
  });

  test("a failed fetch throws from its take; one never taken leaves no unhandled rejection", async () => {
    const s = scripted();
    const ahead = createFetchAhead([0, 1, 2], s.fetch, 2);
    const first = ahead.take(0);
    s.release.get(0)!("r0");
    await first;
    s.fail.get(1)!(new Error("node down"));
    s.fail.get(2)!(new Error("never taken"));
    await expect(ahead.take(1)).rejects.toThrow("node down");
    // Let the second rejection settle: vitest fails the run on an unhandled one.
    await new Promise((r) => setImmediate(r));
  });
});
