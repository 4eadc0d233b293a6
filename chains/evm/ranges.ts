import type { RpcRangeError } from "../transport.ts";

/**
 * Block-range arithmetic for discovery: the adaptive range controller of `eth_getLogs` /
 * `trace_filter`, and interval difference against the discovery cache. Pure; ranges are inclusive.
 */

export type BlockRange = { from: bigint; to: bigint };

export type RangeController = {
  /** Blocks to ask for next. */
  size: () => number;
  /** The last range succeeded: grow (doubling, never past a block limit the provider stated). */
  onSuccess: () => void;
  /**
   * The size is at a block limit the provider stated: it will not grow, so the next pieces can be
   * asked for at once.
   */
  capped: () => boolean;
  /**
   * The provider refused `range`: returns the next range end to try (the provider's suggestion
   * when it made one, else half the range).
   * @throws the error again when a single block is refused (nothing smaller to try).
   */
  onRangeError: (error: RpcRangeError, range: BlockRange) => bigint;
};

/**
 * @param initial first range size, in blocks.
 * @param max largest range ever asked for, in blocks.
 */
export const createRangeController = (args: { initial: number; max: number }): RangeController => {
  let size = Math.max(1, Math.min(args.initial, args.max));
  /** Largest size known to work for the provider's block limit (stated limits are hard). */
  let ceiling = args.max;
  return {
    size: () => size,
    onSuccess: () => {
      size = Math.max(1, Math.min(ceiling, size * 2));
    },
    capped: () => ceiling < args.max && size >= ceiling,
    onRangeError: (error, range) => {
      const attempted = Number(range.to - range.from) + 1;
      if (attempted <= 1) throw error;
      if (error.limit !== undefined) ceiling = Math.max(1, Math.min(ceiling, error.limit));
      const s = error.suggested;
      if (s && s.from === range.from && s.to >= range.from && s.to < range.to) {
        size = Number(s.to - s.from) + 1;
        return s.to;
      }
      size = Math.max(1, Math.min(ceiling, Math.floor(attempted / 2)));
      return range.from + BigInt(size) - 1n;
    },
  };
};

/** The parts of `range` not covered by `covered` (any order, may overlap), ascending. */
export const rangeGaps = (range: BlockRange, covered: readonly BlockRange[]): BlockRange[] => {
  const sorted = [...covered].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const gaps: BlockRange[] = [];
  let next = range.from;
  for (const c of sorted) {
    if (c.to < next) continue;
    if (c.from > range.to) break;
    if (c.from > next) gaps.push({ from: next, to: c.from - 1n });
    next = c.to + 1n;
    if (next > range.to) break;
  }
  if (next <= range.to) gaps.push({ from: next, to: range.to });
  return gaps;
};

/** Splits `range` into consecutive pieces of at most `size` blocks. */
export const splitRange = (range: BlockRange, size: bigint): BlockRange[] => {
  const out: BlockRange[] = [];
  for (let from = range.from; from <= range.to; from += size) {
    out.push({ from, to: from + size - 1n < range.to ? from + size - 1n : range.to });
  }
  return out;
};
