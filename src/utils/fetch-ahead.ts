/**
 * Results of `fetch(items[i])`, taken in order, with later items fetched meanwhile: the first
 * `take` starts item 0 alone; once item i's result is in, items up to i + `depth` are started
 * (`depth` fetches run while the caller works on item i). A result is not kept once taken. A
 * started fetch's rejection is handled here: a caller that stops taking (its loop failed) leaves
 * no unhandled rejection behind; `take` of that item throws it.
 */
export type FetchAhead<R> = {
  /** Item `i`'s result; items must be taken in order (0, 1, 2, …). */
  take: (i: number) => Promise<R>;
};

export const createFetchAhead = <I, R>(
  items: readonly I[],
  fetch: (item: I) => Promise<R>,
  depth: number,
): FetchAhead<R> => {
  const started: (Promise<R> | undefined)[] = [];
  const startUpTo = (end: number) => {
    for (let j = started.length; j < Math.min(end, items.length); j++) {
      const p = fetch(items[j]!);
      p.catch(() => {});
      started.push(p);
    }
  };
  return {
    take: async (i) => {
      startUpTo(i + 1);
      const result = await started[i]!;
      started[i] = undefined;
      startUpTo(i + 1 + depth);
      return result;
    },
  };
};
