import type { z } from "zod";

/**
 * Unknown keys in a config file: a typo (`rpcs`, `stalenessHour`) must not be ignored silently.
 * Walks the value against the schema's objects (records accept any key; their values are walked
 * when they are objects) and returns each unknown key's dotted path with the nearest valid name.
 */

type Def = {
  type?: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  catchall?: z.ZodType;
};

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Strips `default`, `prefault`, `optional`, `nullable` wrappers. */
const unwrap = (s: z.ZodType): z.ZodType => {
  let cur = s;
  for (let d = defOf(cur); d.innerType; d = defOf(cur)) cur = d.innerType;
  return cur;
};

/** Edit distance (insertions, deletions, substitutions), case-insensitive. */
export const editDistance = (a: string, b: string): number => {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length]!;
};

/** The candidate closest to `word` when it is close enough (at most a third of its letters differ, min 2). */
export const nearest = (word: string, candidates: Iterable<string>): string | undefined => {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  const limit = Math.max(2, Math.floor(word.length / 3));
  for (const c of candidates) {
    const last = c.slice(c.lastIndexOf(".") + 1);
    const d = editDistance(word, last);
    if (d < bestD && d <= limit) {
      best = c;
      bestD = d;
    }
  }
  return best;
};

/** Every object key path the schema knows (`rpc`, `prices.stalenessHours`, …). */
export const allPaths = (schema: z.ZodType, prefix = ""): string[] => {
  const def = defOf(unwrap(schema));
  if (def.type !== "object" || !def.shape) return [];
  return Object.entries(def.shape).flatMap(([k, v]) => [`${prefix}${k}`, ...allPaths(v, `${prefix}${k}.`)]);
};

export type UnknownKey = { path: string; suggestion?: string };

/** Keys of `value` the schema does not define, with a suggestion when one is near. */
export const unknownKeys = (schema: z.ZodType, value: unknown): UnknownKey[] => {
  const everywhere = allPaths(schema);
  const out: UnknownKey[] = [];
  const walk = (s: z.ZodType, v: unknown, at: string[]) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return;
    const def = defOf(unwrap(s));
    if (def.type === "record" && def.valueType) {
      for (const [k, child] of Object.entries(v)) walk(def.valueType, child, [...at, k]);
      return;
    }
    if (def.type === "union" && def.options) {
      const obj = def.options.find((o) => defOf(unwrap(o)).type === "object");
      if (obj) walk(obj, v, at);
      return;
    }
    if (def.type !== "object" || !def.shape) return;
    for (const [k, child] of Object.entries(v)) {
      const known = def.shape[k];
      if (known) {
        walk(known, child, [...at, k]);
        continue;
      }
      if (at.length === 0 && k === "$schema") continue;
      const here = at.length === 0 ? "" : `${at.join(".")}.`;
      // A sibling first (`rpcs` → `rpc`), else the same name anywhere (`stalenessHours` → `prices.stalenessHours`).
      const suggestion =
        nearest(
          k,
          Object.keys(def.shape).map((name) => `${here}${name}`),
        ) ?? nearest(k, everywhere);
      out.push({ path: `${here}${k}`, ...(suggestion ? { suggestion } : {}) });
    }
  };
  walk(schema, value, []);
  return out;
};
