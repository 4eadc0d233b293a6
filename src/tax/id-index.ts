/**
 * A string → int32 map for the ledger's row ids: open addressing over one typed array, with the
 * ids' characters copied into a growing arena.
 *
 * @dev Every row's id is checked for duplicates, so a million-row ledger means a million live
 * keys. A `Map` keeps a million string objects alive, and the garbage collector then spends
 * about a second re-tracing them; this index keeps no per-id object at all. A slot is two
 * int32s (hash, entry number) so the table that takes the random probes stays small (half the
 * cache misses of a four-int32 slot); the entries (arena start, length, value) are written in
 * insertion order and read only when a hash matches.
 */
export type IdIndex = {
  /** The value stored for `id`, or `undefined`. */
  get: (id: string) => number | undefined;
  /**
   * Stores `value` for `id` unless `id` is already present.
   * @returns the value already stored for `id` (nothing is changed then), or `undefined`.
   */
  add: (id: string, value: number) => number | undefined;
  readonly size: number;
};

/** FNV-1a over UTF-16 code units with a final mix (low bits pick the slot), never 0 (empty). */
const hashOf = (s: string): number => {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h === 0 ? 1 : h;
};

/** A slot is two int32s: the hash (0 = empty) and the entry's number. */
const STRIDE = 2;

export const createIdIndex = (initialCapacity = 1 << 12): IdIndex => {
  let capacity = 1;
  while (capacity < initialCapacity * 2) capacity <<= 1;
  let mask = capacity - 1;
  let slots = new Int32Array(capacity * STRIDE);
  /** Per entry, in insertion order: arena start, length, value. */
  let entries = new Int32Array(initialCapacity * 3);
  let arena = new Uint16Array(1 << 16);
  let used = 0;
  let size = 0;

  /** The slot (index × STRIDE) holding `id`, or the empty slot where it would go. */
  const slotOf = (id: string, h: number): number => {
    const n = id.length;
    let j = h & mask;
    for (;;) {
      const at = j * STRIDE;
      const x = slots[at]!;
      if (x === 0) return at;
      if (x === h) {
        const e = slots[at + 1]! * 3;
        if (entries[e + 1] === n) {
          const start = entries[e]!;
          let k = 0;
          while (k < n && arena[start + k] === id.charCodeAt(k)) k++;
          if (k === n) return at;
        }
      }
      j = (j + 1) & mask;
    }
  };

  const grow = () => {
    const old = slots;
    capacity <<= 1;
    mask = capacity - 1;
    slots = new Int32Array(capacity * STRIDE);
    for (let at = 0; at < old.length; at += STRIDE) {
      const h = old[at]!;
      if (h === 0) continue;
      let j = h & mask;
      while (slots[j * STRIDE] !== 0) j = (j + 1) & mask;
      const to = j * STRIDE;
      slots[to] = h;
      slots[to + 1] = old[at + 1]!;
    }
  };

  const store = (id: string): number => {
    const n = id.length;
    if (used + n > arena.length) {
      let next = arena.length * 2;
      while (used + n > next) next *= 2;
      const bigger = new Uint16Array(next);
      bigger.set(arena.subarray(0, used));
      arena = bigger;
    }
    const start = used;
    for (let k = 0; k < n; k++) arena[start + k] = id.charCodeAt(k);
    used += n;
    return start;
  };

  return {
    get: (id) => {
      const at = slotOf(id, hashOf(id));
      return slots[at] === 0 ? undefined : entries[slots[at + 1]! * 3 + 2];
    },
    add: (id, value) => {
      const h = hashOf(id);
      const at = slotOf(id, h);
      if (slots[at] !== 0) return entries[slots[at + 1]! * 3 + 2];
      if ((size + 1) * 3 > entries.length) {
        const bigger = new Int32Array(Math.max(entries.length * 2, 48));
        bigger.set(entries);
        entries = bigger;
      }
      const e = size * 3;
      entries[e] = store(id);
      entries[e + 1] = id.length;
      entries[e + 2] = value;
      slots[at] = h;
      slots[at + 1] = size;
      if (++size * 2 > capacity) grow();
      return undefined;
    },
    get size() {
      return size;
    },
  };
};
