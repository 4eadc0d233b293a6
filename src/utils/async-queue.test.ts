import { describe, expect, test } from "vitest";
import { createAsyncQueue } from "./async-queue.ts";

const all = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
};

describe("createAsyncQueue", () => {
  test("gives what was pushed, in order, before and while it is read; ends after the last", async () => {
    const q = createAsyncQueue<number>();
    q.push(1);
    q.push(2);
    const reading = all(q);
    await new Promise((r) => setTimeout(r, 10));
    q.push(3);
    q.end();
    q.push(4);
    expect(await reading).toEqual([1, 2, 3]);
  });

  test("fail: the reader gets what was pushed, then the error", async () => {
    const q = createAsyncQueue<string>();
    const got: string[] = [];
    const reading = (async () => {
      for await (const v of q) got.push(v);
    })();
    q.push("a");
    await new Promise((r) => setTimeout(r, 10));
    q.fail(new Error("copy failed"));
    q.end();
    await expect(reading).rejects.toThrow("copy failed");
    expect(got).toEqual(["a"]);
  });
});
