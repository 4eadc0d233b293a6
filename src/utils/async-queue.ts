/**
 * Values pushed by a producer (a callback: a database copy's pieces) read as an async iterable by
 * one consumer, in order. `end` finishes the iteration after what was pushed; `fail` makes it throw
 * (after what was pushed). Pushes after `end` or `fail` are dropped. Unbounded: the producer is
 * never slowed (the values are what the producer holds anyway).
 */
export type AsyncQueue<T> = AsyncIterable<T> & {
  push: (value: T) => void;
  end: () => void;
  fail: (error: unknown) => void;
};

export const createAsyncQueue = <T>(): AsyncQueue<T> => {
  const values: T[] = [];
  let closed: { error?: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  return {
    push: (value) => {
      if (closed) return;
      values.push(value);
      notify();
    },
    end: () => {
      closed ??= {};
      notify();
    },
    fail: (error) => {
      closed ??= { error };
      notify();
    },
    async *[Symbol.asyncIterator]() {
      for (let i = 0; ; ) {
        if (i < values.length) {
          const v = values[i]!;
          // Let go of what was read.
          values[i++] = undefined as T;
          yield v;
        } else if (closed) {
          if ("error" in closed) throw closed.error;
          return;
        } else await new Promise<void>((r) => (wake = r));
      }
    },
  };
};
