/**
 * Where each answer's `result` lies in the bytes of a JSON-RPC batch answer, so that a raw record
 * can be stored as the node's own bytes for it instead of being serialized again from the parsed
 * value (`JSON.stringify` and its UTF-8 encoding: about a third of reading a `getTransaction`
 * batch). The body must already have parsed as JSON (`JSON.parse`): the scan only finds value
 * boundaries, it does not validate.
 *
 * Object keys are compared byte for byte: a key written with escapes (`"res\u0075lt"`) makes the
 * scan give up (undefined) rather than guess, and the caller serializes the parsed values as
 * before. A repeated `result` key counts at its last occurrence, as `JSON.parse` keeps the last.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
/** `result` as UTF-8 bytes. */
const RESULT = [0x72, 0x65, 0x73, 0x75, 0x6c, 0x74];

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Thrown inside the scan when the body is not shaped as expected; caught by `resultRanges`. */
class Unexpected extends Error {}

/**
 * Byte ranges in a batch answer (`resultRanges`): element i's `result` is
 * `body.subarray(starts[i], ends[i])`, or absent (`starts[i] === -1`) when the element is not an
 * object or has no `result` key; the element itself is `elementStarts[i]`…`elementEnds[i]`; the
 * array's closing bracket is at `end - 1` (what follows it is not looked at).
 */
export type ResultRanges = {
  starts: Int32Array;
  ends: Int32Array;
  elementStarts: Int32Array;
  elementEnds: Int32Array;
  end: number;
};

/**
 * The byte ranges of each element of the batch answer `body` (a JSON array of answer objects) and
 * of its `result`, from byte `from` on (after a byte order mark).
 * @returns undefined when `body` is not an array or a key holds an escape.
 */
export const resultRanges = (body: Uint8Array, from = 0): ResultRanges | undefined => {
  const n = body.length;
  let i = from;

  const skipSpace = () => {
    while (i < n && isSpace(body[i]!)) i++;
  };
  /** `i` at an opening quote: moves past the closing one. */
  const skipString = () => {
    let j = i + 1;
    for (;;) {
      const q = body.indexOf(QUOTE, j);
      if (q < 0) throw new Unexpected("unterminated string");
      // The quote ends the string unless an odd number of backslashes precede it.
      let k = q - 1;
      while (k > i && body[k] === BACKSLASH) k--;
      if ((q - 1 - k) % 2 === 0) {
        i = q + 1;
        return;
      }
      j = q + 1;
    }
  };
  /** Moves `i` past the value that starts at `i` (an object or array as a whole). */
  const skipValue = () => {
    const b = body[i];
    if (b === QUOTE) {
      skipString();
      return;
    }
    if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      let depth = 0;
      while (i < n) {
        const c = body[i]!;
        if (c === QUOTE) {
          skipString();
          continue;
        }
        if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
        else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          depth--;
          if (depth === 0) {
            i++;
            return;
          }
        }
        i++;
      }
      throw new Unexpected("unterminated value");
    }
    // A number, true, false or null: up to the next delimiter.
    while (i < n) {
      const c = body[i]!;
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) return;
      i++;
    }
  };
  const isResultKey = (start: number, end: number): boolean => {
    if (end - start !== RESULT.length) return false;
    for (let k = 0; k < RESULT.length; k++) if (body[start + k] !== RESULT[k]) return false;
    return true;
  };

  try {
    skipSpace();
    if (body[i] !== OPEN_BRACKET) return undefined;
    i++;
    const starts: number[] = [];
    const ends: number[] = [];
    const elementStarts: number[] = [];
    const elementEnds: number[] = [];
    const done = (): ResultRanges => ({
      starts: Int32Array.from(starts),
      ends: Int32Array.from(ends),
      elementStarts: Int32Array.from(elementStarts),
      elementEnds: Int32Array.from(elementEnds),
      end: i + 1,
    });
    skipSpace();
    if (body[i] === CLOSE_BRACKET) return done();
    for (;;) {
      skipSpace();
      elementStarts.push(i);
      let start = -1;
      let end = -1;
      if (body[i] === OPEN_BRACE) {
        i++;
        skipSpace();
        if (body[i] === CLOSE_BRACE) i++;
        else
          for (;;) {
            skipSpace();
            if (body[i] !== QUOTE) throw new Unexpected("key expected");
            const keyStart = i + 1;
            skipString();
            const keyEnd = i - 1;
            for (let k = keyStart; k < keyEnd; k++) if (body[k] === BACKSLASH) return undefined;
            skipSpace();
            if (body[i] !== COLON) throw new Unexpected("colon expected");
            i++;
            skipSpace();
            const valueStart = i;
            skipValue();
            if (isResultKey(keyStart, keyEnd)) {
              start = valueStart;
              end = i;
            }
            skipSpace();
            if (body[i] === COMMA) {
              i++;
              continue;
            }
            if (body[i] !== CLOSE_BRACE) throw new Unexpected("end of object expected");
            i++;
            break;
          }
      } else skipValue();
      elementEnds.push(i);
      starts.push(start);
      ends.push(end);
      skipSpace();
      if (body[i] === COMMA) {
        i++;
        continue;
      }
      if (body[i] !== CLOSE_BRACKET) throw new Unexpected("end of array expected");
      return done();
    }
  } catch (error) {
    if (error instanceof Unexpected) return undefined;
    throw error;
  }
};

/** `{"jsonrpc":"2.0",`: how every answer of a node's batch starts (Agave, the replay server). */
const HEAD = Buffer.from('{"jsonrpc":"2.0",', "latin1");
/** `,` then `HEAD`: where the next answer starts. */
const NEXT = Buffer.from(',{"jsonrpc":"2.0",', "latin1");
/**
 * `jsonrpc`, the part of `NEXT` searched for (`nextAnswer`): a needle without quotes, which JSON
 * text is full of, is skipped along about 3.5× faster by `indexOf` (1.5 → 0.4 ms for a
 * 1.5 MB batch of 50 Solana answers).
 */
const NEXT_WORD = Buffer.from("jsonrpc", "latin1");
/** Where `jsonrpc` lies in `NEXT`. */
const NEXT_WORD_AT = 3;
const RESULT_KEY = Buffer.from('"result":', "latin1");
const ID_KEY = Buffer.from('"id":', "latin1");
const ID_TAIL = Buffer.from(',"id":', "latin1");

const at = (body: Buffer, i: number, what: Buffer): boolean =>
  body.length - i >= what.length && body.compare(what, 0, what.length, i, i + what.length) === 0;

/**
 * The first position at or after `from` where `NEXT` is found in `body`, or -1: what
 * `body.indexOf(NEXT, from)` gives, found by searching for `NEXT_WORD` and checking what is around.
 */
export const nextAnswer = (body: Buffer, from: number): number => {
  for (let k = from + NEXT_WORD_AT; ; k++) {
    k = body.indexOf(NEXT_WORD, k);
    if (k < 0) return -1;
    if (at(body, k - NEXT_WORD_AT, NEXT)) return k - NEXT_WORD_AT;
  }
};

/** The end of the JSON-RPC id (a plain integer: `0` or digits without a leading zero) at `i`, or -1. */
const idEnd = (body: Buffer, i: number): number => {
  let k = i;
  while (k < body.length && body[k]! >= 0x30 && body[k]! <= 0x39) k++;
  if (k === i || k - i > 9 || (body[i] === 0x30 && k - i > 1)) return -1;
  return k;
};

/**
 * `resultRanges` of a batch answer in the compact shape nodes write, found without reading the
 * results' bytes one by one: each element `{"jsonrpc":"2.0","result":R,"id":N}` or
 * `{"jsonrpc":"2.0","id":N,"result":R}`, separated by `,` only, `[`…`]` around them (spaces
 * before and after). Each result's end is where the next element's `,{"jsonrpc":"2.0",` is found
 * (the array's last `]` for the last one). That text cannot be inside a string (its quotes would
 * be escaped), but a result holding an array with an object of that shape is cut wrong: the
 * ranges are a guess that parsing confirms. When every element (its result, and the rest
 * with `null` in the result's place) parses as JSON, the body is valid JSON and each cut is the
 * true one, since no JSON value is a proper prefix of another followed by `,`/`}` (a number cut
 * short would be followed by a digit). When one does not, the caller scans with `resultRanges`.
 * @returns undefined when the body is not in this shape.
 */
export const quickResultRanges = (body: Uint8Array, from = 0): ResultRanges | undefined => {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let i = from;
  while (i < b.length && isSpace(b[i]!)) i++;
  if (b[i] !== OPEN_BRACKET) return undefined;
  i++;
  let close = b.length - 1;
  while (close > i && isSpace(b[close]!)) close--;
  if (b[close] !== CLOSE_BRACKET || close === i) return undefined;
  const starts: number[] = [];
  const ends: number[] = [];
  const elementStarts: number[] = [];
  const elementEnds: number[] = [];
  for (;;) {
    if (!at(b, i, HEAD)) return undefined;
    const elementStart = i;
    i += HEAD.length;
    let idFirst = false;
    if (at(b, i, ID_KEY)) {
      const k = idEnd(b, i + ID_KEY.length);
      if (k < 0 || b[k] !== COMMA) return undefined;
      i = k + 1;
      idFirst = true;
    }
    if (!at(b, i, RESULT_KEY)) return undefined;
    const start = i + RESULT_KEY.length;
    const next = nextAnswer(b, start);
    const elementEnd = next < 0 || next > close ? close : next;
    // The element ends with `}` (id first) or `,"id":N}` (result first).
    if (b[elementEnd - 1] !== CLOSE_BRACE) return undefined;
    let end = elementEnd - 1;
    if (!idFirst) {
      const tail = b.lastIndexOf(ID_TAIL, end);
      if (tail < start || idEnd(b, tail + ID_TAIL.length) !== end) return undefined;
      end = tail;
    }
    if (end <= start) return undefined;
    starts.push(start);
    ends.push(end);
    elementStarts.push(elementStart);
    elementEnds.push(elementEnd);
    if (elementEnd === close) break;
    i = elementEnd + 1;
  }
  return {
    starts: Int32Array.from(starts),
    ends: Int32Array.from(ends),
    elementStarts: Int32Array.from(elementStarts),
    elementEnds: Int32Array.from(elementEnds),
    end: close + 1,
  };
};
