/**
 * `compute` memoized by its exact string argument, for hot paths that meet the same few keys
 * thousands of times (a sync's addresses): a repeated key costs one map lookup. At most `max`
 * results are kept; when full, all are dropped (the keys in use come back at once). An undefined
 * result is not kept.
 */
export const memoizeBounded = <R>(compute: (key: string) => R, max: number): ((key: string) => R) => {
  const memo = new Map<string, R>();
  return (key) => {
    let v = memo.get(key);
    if (v === undefined) {
      v = compute(key);
      if (v === undefined) return v;
      if (memo.size >= max) memo.clear();
      memo.set(key, v);
    }
    return v;
  };
};
