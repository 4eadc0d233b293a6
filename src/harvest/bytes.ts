/**
 * A growable byte buffer for writing large reports (a CSV and a JSON of 100,000 lots) without
 * building strings: plain ASCII tokens are copied byte by byte, anything else goes through
 * `Buffer.write`. Building the same text as template strings and joining them cost seconds of
 * string flattening and garbage collection.
 */
import { formatCsvCell, isFormulaLike } from "../utils/csv.ts";

const CHUNK = 1 << 20;
/** Printable ASCII other than `"` and `\\`: text a JSON string literal holds as it is, one byte each. */
const JSON_PLAIN = /^[ !#-[\]-~]*$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Text up to this many chars is copied a char at a time, longer text by `Buffer.write`. */
const SHORT = 160;

export type ByteWriter = {
  /** Text known to be ASCII with nothing to escape (numbers, dates, fixed words). */
  ascii: (s: string) => void;
  /** Any text, as UTF-8. */
  text: (s: string) => void;
  /** A CSV cell: formula-escaped and quoted as `formatCsvCell` does (cached per distinct value). */
  csvCell: (s: string) => void;
  /** A JSON string literal of `s`. */
  jsonString: (s: string) => void;
  /** Cents as `-1234.50`. */
  cents: (c: bigint) => void;
  /** A non-negative integer. */
  int: (n: number) => void;
  /** Everything written, as one buffer. */
  done: () => Buffer;
  /** Everything written, as the buffers it was written into (no copy). */
  chunks: () => Buffer[];
};

export const createByteWriter = (): ByteWriter => {
  const chunks: Buffer[] = [];
  let buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  const room = (n: number) => {
    if (pos + n <= buf.length) return;
    chunks.push(buf.subarray(0, pos));
    buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
    pos = 0;
  };
  // Short text is copied a char at a time: `Buffer.write` costs more per call than a loop over
  // a few dozen chars (most cells and JSON fragments here are under SHORT chars).
  const ascii = (s: string) => {
    const n = s.length;
    room(n);
    if (n > SHORT) pos += buf.write(s, pos, "latin1");
    else for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i);
  };
  const text = (s: string) => {
    const n = s.length;
    room(n * 3);
    if (n <= SHORT) {
      const from = pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[pos++] = c;
      }
      if (i === n) return;
      pos = from;
    }
    pos += buf.write(s, pos, "utf8");
  };
  const cells = new Map<string, string>();
  const csvCell = (s: string) => {
    // Plain ASCII that is not formula-like is its own cell (most lot ids): copied, not cached.
    const n = s.length;
    if (n <= SHORT && !isFormulaLike(s)) {
      room(n);
      let i = 0;
      for (; i < n; i++) {
        const ch = s.charCodeAt(i);
        if (ch >= 0x80 || ch === 44 || ch === 34 || ch === 10 || ch === 13) break;
        buf[pos + i] = ch;
      }
      if (i === n) {
        pos += n;
        return;
      }
    }
    let c = cells.get(s);
    if (c === undefined) {
      c = formatCsvCell(s);
      if (cells.size < 100_000) cells.set(s, c);
    }
    text(c);
  };
  const jsonString = (s: string) => {
    if (!JSON_PLAIN.test(s)) {
      text(JSON.stringify(s));
      return;
    }
    room(s.length + 2);
    buf[pos++] = 34;
    ascii(s);
    buf[pos++] = 34;
  };
  const int = (n: number) => {
    room(16);
    if (n === 0) {
      buf[pos++] = 48;
      return;
    }
    let digits = 0;
    for (let v = n; v > 0; v = Math.floor(v / 10)) digits++;
    for (let i = digits - 1, v = n; i >= 0; i--, v = Math.floor(v / 10)) buf[pos + i] = 48 + (v % 10);
    pos += digits;
  };
  const cents = (c: bigint) => {
    if (c > MAX_SAFE || c < -MAX_SAFE) {
      const neg = c < 0n;
      const s = (neg ? -c : c).toString().padStart(3, "0");
      ascii(`${neg ? "-" : ""}${s.slice(0, -2)}.${s.slice(-2)}`);
      return;
    }
    let v = Number(c);
    room(24);
    if (v < 0) {
      buf[pos++] = 45;
      v = -v;
    }
    const frac = v % 100;
    int((v - frac) / 100);
    buf[pos++] = 46;
    buf[pos++] = 48 + Math.floor(frac / 10);
    buf[pos++] = 48 + (frac % 10);
  };
  return {
    ascii,
    text,
    csvCell,
    jsonString,
    cents,
    int,
    done: () => {
      const all = [...chunks, buf.subarray(0, pos)];
      return all.length === 1 ? all[0]! : Buffer.concat(all);
    },
    chunks: () => [...chunks, buf.subarray(0, pos)],
  };
};
