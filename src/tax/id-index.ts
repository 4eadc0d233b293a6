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
 *
 * Numbered ids (`<prefix><n>`, n of at most 9 digits without a leading zero: `r1`, `tx-42`),
 * the usual kind, skip the hash: each prefix (up to 16) has a table of values by number, so ids
 * that count up are checked next to each other in memory instead of one cache miss each. A table
 * grows only while it stays a quarter full; a numbered id it cannot hold goes to the hash table
 * (which is then also searched for numbered ids).
 */
export type IdIndex = {
  /** The value stored for `id`, or `undefined`. */
  get: (id: string) => number | undefined;
  /**
   * Stores `value` (an int32 other than -2^31) for `id` unless `id` is already present.
   * @returns the value already stored for `id` (nothing is changed then), or `undefined`.
   */
  add: (id: string, value: number) => number | undefined;
  /**
   * `add` of the id whose ASCII bytes are `bytes[start, end)` (the same as `add` of their latin1
   * text), without making that text.
   */
  addBytes: (bytes: Uint8Array, start: number, end: number, value: number) => number | undefined;
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

/** `hashOf` of the latin1 text of `b[s, e)`. */
const hashOfBytes = (b: Uint8Array, s: number, e: number): number => {
  let h = 0x811c9dc5 | 0;
  for (let i = s; i < e; i++) {
    h ^= b[i]!;
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

  /** `slotOf` for the id of bytes `b[s, e)`. */
  const slotOfBytes = (b: Uint8Array, s: number, e: number, h: number): number => {
    const n = e - s;
    let j = h & mask;
    for (;;) {
      const at = j * STRIDE;
      const x = slots[at]!;
      if (x === 0) return at;
      if (x === h) {
        const en = slots[at + 1]! * 3;
        if (entries[en + 1] === n) {
          const start = entries[en]!;
          let k = 0;
          while (k < n && arena[start + k] === b[s + k]) k++;
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

  /** Room for `n` more characters in the arena. */
  const reserve = (n: number) => {
    if (used + n > arena.length) {
      let next = arena.length * 2;
      while (used + n > next) next *= 2;
      const bigger = new Uint16Array(next);
      bigger.set(arena.subarray(0, used));
      arena = bigger;
    }
  };
  const store = (id: string): number => {
    const n = id.length;
    reserve(n);
    const start = used;
    for (let k = 0; k < n; k++) arena[start + k] = id.charCodeAt(k);
    used += n;
    return start;
  };
  const storeBytes = (b: Uint8Array, s: number, e: number): number => {
    const n = e - s;
    reserve(n);
    const start = used;
    for (let k = 0; k < n; k++) arena[start + k] = b[s + k]!;
    used += n;
    return start;
  };

  const hashGet = (id: string): number | undefined => {
    const at = slotOf(id, hashOf(id));
    return slots[at] === 0 ? undefined : entries[slots[at + 1]! * 3 + 2];
  };
  /** Adds a new entry (arena `start`, `length`, `value`) in empty slot `at` for hash `h`. */
  const insert = (at: number, h: number, start: number, length: number, value: number) => {
    if ((size + 1) * 3 > entries.length) {
      const bigger = new Int32Array(Math.max(entries.length * 2, 48));
      bigger.set(entries);
      entries = bigger;
    }
    const e = size * 3;
    entries[e] = start;
    entries[e + 1] = length;
    entries[e + 2] = value;
    slots[at] = h;
    slots[at + 1] = size;
    if (++size * 2 > capacity) grow();
  };
  const hashAdd = (id: string, value: number): number | undefined => {
    const h = hashOf(id);
    const at = slotOf(id, h);
    if (slots[at] !== 0) return entries[slots[at + 1]! * 3 + 2];
    insert(at, h, store(id), id.length, value);
    return undefined;
  };
  const hashGetBytes = (b: Uint8Array, s: number, e: number): number | undefined => {
    const at = slotOfBytes(b, s, e, hashOfBytes(b, s, e));
    return slots[at] === 0 ? undefined : entries[slots[at + 1]! * 3 + 2];
  };
  const hashAddBytes = (b: Uint8Array, s: number, e: number, value: number): number | undefined => {
    const h = hashOfBytes(b, s, e);
    const at = slotOfBytes(b, s, e, h);
    if (slots[at] !== 0) return entries[slots[at + 1]! * 3 + 2];
    insert(at, h, storeBytes(b, s, e), e - s, value);
    return undefined;
  };

  // Numbered ids (`<prefix><n>`: `r1`, `tx-42`), the usual kind, by number in a table per prefix:
  // ids counting up land next to each other, where the hash table's probes are cache misses.
  const tables: NumberedIds[] = [];
  let last: NumberedIds | undefined;
  /** Set once a numbered id went to the hash table (too many prefixes, or too sparse a table). */
  let numberedInHash = false;
  /** Set by `numbered`: the id's number and its table (undefined: none, or none yet). */
  let number = 0;
  let table: NumberedIds | undefined;
  let numberedCount = 0;

  /** Whether `id` is `<prefix><n>`; if so sets `number` and `table` (creating it when `create`). */
  const numbered = (id: string, create: boolean): boolean => {
    const n = id.length;
    let d = n;
    while (d > 0) {
      const c = id.charCodeAt(d - 1);
      if (c < 48 || c > 57) break;
      d--;
    }
    const digits = n - d;
    // No digits, more than 9, or a leading zero (`r07` is not `r7`): not a numbered id.
    if (digits === 0 || digits > 9 || (digits > 1 && id.charCodeAt(d) === 48)) return false;
    let v = 0;
    for (let k = d; k < n; k++) v = v * 10 + (id.charCodeAt(k) - 48);
    number = v;
    let t = last;
    if (t === undefined || t.prefix.length !== d || !id.startsWith(t.prefix)) {
      t = undefined;
      for (const x of tables) {
        if (x.prefix.length === d && id.startsWith(x.prefix)) {
          t = x;
          break;
        }
      }
      if (t === undefined && create && tables.length < MAX_PREFIXES) {
        t = { prefix: id.slice(0, d), values: new Int32Array(0), count: 0 };
        tables.push(t);
      }
      if (t !== undefined) last = t;
    }
    table = t;
    return true;
  };
  /** Whether the latin1 text of `b[s, e)` starts with `prefix`. */
  const bytesStartWith = (b: Uint8Array, s: number, e: number, prefix: string): boolean => {
    const n = prefix.length;
    if (e - s < n) return false;
    for (let k = 0; k < n; k++) if (b[s + k] !== prefix.charCodeAt(k)) return false;
    return true;
  };
  /** `numbered` of the id of bytes `b[s, e)`. */
  const numberedBytes = (b: Uint8Array, s: number, e: number, create: boolean): boolean => {
    let d = e;
    while (d > s) {
      const c = b[d - 1]!;
      if (c < 48 || c > 57) break;
      d--;
    }
    const digits = e - d;
    if (digits === 0 || digits > 9 || (digits > 1 && b[d] === 48)) return false;
    let v = 0;
    for (let k = d; k < e; k++) v = v * 10 + (b[k]! - 48);
    number = v;
    const p = d - s;
    let t = last;
    if (t === undefined || t.prefix.length !== p || !bytesStartWith(b, s, e, t.prefix)) {
      t = undefined;
      for (const x of tables) {
        if (x.prefix.length === p && bytesStartWith(b, s, e, x.prefix)) {
          t = x;
          break;
        }
      }
      if (t === undefined && create && tables.length < MAX_PREFIXES) {
        t = {
          prefix: Buffer.from(b.buffer, b.byteOffset + s, p).toString("latin1"),
          values: new Int32Array(0),
          count: 0,
        };
        tables.push(t);
      }
      if (t !== undefined) last = t;
    }
    table = t;
    return true;
  };
  /** Once `numbered` said the id is numbered: its value in `table`, or `undefined`. */
  const numberedValue = (): number | undefined => {
    const t = table;
    if (t !== undefined && number < t.values.length) {
      const v = t.values[number]!;
      if (v !== ABSENT) return v;
    }
    return undefined;
  };
  /**
   * Stores `value` for number `number` of `table` (growing it while it stays at least a quarter
   * full); false when the id must go to the hash table instead.
   */
  const storeNumbered = (value: number): boolean => {
    const t = table;
    const k = number;
    if (t === undefined) return false;
    if (k >= t.values.length) {
      const length = Math.max(t.values.length * 2, k + 1, 1024);
      if (length > 4 * t.count + NUMBERED_SLACK) return false;
      const bigger = new Int32Array(length).fill(ABSENT);
      bigger.set(t.values);
      t.values = bigger;
    }
    t.values[k] = value;
    t.count++;
    numberedCount++;
    return true;
  };

  return {
    get: (id) => {
      if (numbered(id, false)) {
        const t = table;
        if (t !== undefined && number < t.values.length) {
          const v = t.values[number]!;
          if (v !== ABSENT) return v;
        }
        if (!numberedInHash) return undefined;
      }
      return hashGet(id);
    },
    add: (id, value) => {
      if (!numbered(id, true)) return hashAdd(id, value);
      const v = numberedValue();
      if (v !== undefined) return v;
      if (numberedInHash) {
        const h = hashGet(id);
        if (h !== undefined) return h;
      }
      if (storeNumbered(value)) return undefined;
      numberedInHash = true;
      return hashAdd(id, value);
    },
    addBytes: (b, s, e, value) => {
      if (!numberedBytes(b, s, e, true)) return hashAddBytes(b, s, e, value);
      const v = numberedValue();
      if (v !== undefined) return v;
      if (numberedInHash) {
        const h = hashGetBytes(b, s, e);
        if (h !== undefined) return h;
      }
      if (storeNumbered(value)) return undefined;
      numberedInHash = true;
      return hashAddBytes(b, s, e, value);
    },
    get size() {
      return size + numberedCount;
    },
  };
};

/** The numbered ids of one prefix: `values[n]` is the value of `<prefix><n>` (`ABSENT`: none). */
type NumberedIds = { prefix: string; values: Int32Array; count: number };
/** Marks an absent id in a table of numbered ids: values are int32 other than this one. */
const ABSENT = -0x80000000;
/** Prefixes with a table of their own; ids of any other prefix go to the hash table. */
const MAX_PREFIXES = 16;
/** Slots a table may have beyond four per id it holds. */
const NUMBERED_SLACK = 1 << 16;
