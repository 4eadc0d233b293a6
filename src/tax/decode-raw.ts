/**
 * Decoding of a plain ledger record straight from its bytes (the CLI's fast path for large files):
 * no string per cell, decimals read into bigints, repeated names (wallets, assets, subtypes)
 * shared. Only rows that pass every per-row rule of `checkLedgerRow` are decoded; for anything
 * else (non-ASCII text, a `lots` cell, any rule broken) the decoder answers `undefined` and the
 * row takes the general path, which gives the exact same result or error message. A differential
 * test checks both paths against each other.
 */
import { type Instant, parseInstant, parseUtcInstantBytes } from "../ledger/instant.ts";
import type { LedgerRow, LedgerRowType } from "../ledger/types.ts";
import type { Bytes } from "../utils/bytes.ts";
import {
  NAME_FEE,
  NAME_IN,
  NAME_OUT,
  NAME_SLOTS,
  NAME_SUBTYPE,
  NAME_TO,
  NAME_WALLET,
  ROW_TYPES,
  TYPE_CODE,
} from "./decoded-batch.ts";

/** The cells of one record, found by column (absent columns have no cell). */
export type RawCells = {
  buf: Bytes;
  /** A view of `buf`'s bytes (made once per read chunk by the reader, see `RawLedgerRecord`). */
  view: DataView<ArrayBufferLike>;
  starts: Int32Array;
  ends: Int32Array;
};

/** Decoded text and numbers of a plain row; amounts stay as byte ranges until the scale is known. */
export type DecodedRaw = {
  /** "" from a decoder made with `idText` false (the id is then the ASCII bytes of its cell). */
  id: string;
  /** The `time` cell as an instant (already checked). */
  instant: Instant;
  type: LedgerRowType;
  /** `type`'s code: its place in `ROW_TYPES` (decoded-batch.ts). */
  typeCode: number;
  wallet: string;
  outAsset: string | undefined;
  inAsset: string | undefined;
  feeAsset: string | undefined;
  toWallet: string | undefined;
  subtype: string | undefined;
  /** Fraction digits needed by the quantities and by the USD amounts. */
  quantityDigits: number;
  usdDigits: number;
  /**
   * The amounts' digits as integers, by `AMOUNT_*` slot: exact when the cell has at most 15
   * digits, else -1 (then `scaledCell` reads the cell); 0 for an empty cell.
   */
  mantissas: Float64Array;
  /** The amounts' fraction digits, by `AMOUNT_*` slot. */
  fractions: Int32Array;
  /**
   * The names' numbers by `NAME_*` slot of decoded-batch.ts (wallet, out, in, fee, to, subtype;
   * -1 for none): the decoder numbers each distinct name 0, 1, 2, … as it first sees it (see
   * `createRawDecoder`'s `onNewName`).
   */
  names: Int32Array;
};

/** Slots of `DecodedRaw.mantissas` and `fractions`. */
export const AMOUNT_OUT = 0;
export const AMOUNT_IN = 1;
export const AMOUNT_USD = 2;
export const AMOUNT_FEE = 3;
export const AMOUNT_FEE_USD = 4;

/** Cell positions of the columns the engine reads (-1 when the file has no such column). */
export type ColumnIndex = Record<
  | "id"
  | "time"
  | "type"
  | "wallet"
  | "outAsset"
  | "outQuantity"
  | "inAsset"
  | "inQuantity"
  | "usdValue"
  | "feeAsset"
  | "feeQuantity"
  | "feeUsd"
  | "toWallet"
  | "lots"
  | "subtype",
  number
>;

export const columnIndexOf = (fields: readonly (keyof LedgerRow | undefined)[]): ColumnIndex => {
  const at = (f: keyof LedgerRow) => fields.indexOf(f);
  return {
    id: at("id"),
    time: at("time"),
    type: at("type"),
    wallet: at("wallet"),
    outAsset: at("outAsset"),
    outQuantity: at("outQuantity"),
    inAsset: at("inAsset"),
    inQuantity: at("inQuantity"),
    usdValue: at("usdValue"),
    feeAsset: at("feeAsset"),
    feeQuantity: at("feeQuantity"),
    feeUsd: at("feeUsd"),
    toWallet: at("toWallet"),
    lots: at("lots"),
    subtype: at("subtype"),
  };
};

const isEmpty = (c: RawCells, i: number): boolean => i < 0 || c.starts[i] === c.ends[i];

/** The cell as a string when it is non-empty ASCII, else `undefined`. */
/** Whether the cell is non-empty ASCII. */
const isAsciiCell = (c: RawCells, i: number): boolean => {
  if (isEmpty(c, i)) return false;
  const { buf } = c;
  const e = c.ends[i]!;
  for (let k = c.starts[i]!; k < e; k++) if (buf[k]! >= 0x80) return false;
  return true;
};

const asciiCell = (c: RawCells, i: number): string | undefined => {
  if (isEmpty(c, i)) return undefined;
  const { buf } = c;
  const s = c.starts[i]!;
  const e = c.ends[i]!;
  for (let k = s; k < e; k++) if (buf[k]! >= 0x80) return undefined;
  return buf.toString("latin1", s, e);
};

/** Each row type's bytes, by its code (its place in `ROW_TYPES`). */
const TYPE_BYTES: readonly Uint8Array[] = ROW_TYPES.map((t) => Buffer.from(t, "latin1"));
const codeOf = (t: LedgerRowType): number => TYPE_CODE.get(t)!;
const BUY = codeOf("buy");
const SELL = codeOf("sell");
const SWAP = codeOf("swap");
const INCOME = codeOf("income");
const SPEND = codeOf("spend");
const GIFT = codeOf("gift");
const TRANSFER = codeOf("transfer");
const FEE = codeOf("fee");

/**
 * The code of the row type in the cell (its place in `ROW_TYPES`), -1 for none. The first byte
 * (and for `s…` the length and second byte) names the one type the cell can be; its bytes are then
 * compared whole, so the answer is the same as comparing the cell with every type.
 */
const typeOf = (c: RawCells, i: number): number => {
  if (isEmpty(c, i)) return -1;
  const { buf } = c;
  const s = c.starts[i]!;
  const n = c.ends[i]! - s;
  let code: number;
  switch (buf[s]) {
    case 98: // b
      code = BUY;
      break;
    case 115: // s
      code = n === 5 ? SPEND : buf[s + 1] === 101 ? SELL : SWAP;
      break;
    case 105: // i
      code = INCOME;
      break;
    case 103: // g
      code = GIFT;
      break;
    case 116: // t
      code = TRANSFER;
      break;
    case 102: // f
      code = FEE;
      break;
    default:
      return -1;
  }
  const t = TYPE_BYTES[code]!;
  if (t.length !== n) return -1;
  for (let k = 1; k < n; k++) if (buf[s + k] !== t[k]) return -1;
  return code;
};

/** Digits of the last cell `decimalDigits` accepted, as an integer; -1 past 15 digits. */
let mantissa = 0;
/** Digits an integer in a double holds exactly, whatever they are. */
const EXACT_DIGITS = 15;

/** Digits gathered in an int32 (`decimalDigits`) before they join the double: 10^9 < 2^31. */
const INT_DIGITS = 9;
/** 10^k as doubles, k ≤ INT_DIGITS (exact). */
const POW10_DOUBLE: readonly number[] = Array.from({ length: INT_DIGITS + 1 }, (_, k) => 10 ** k);

/**
 * Checks a decimal cell: plain (`digits[.digits]`) and, when `positive`, non-zero. Leaves its
 * digits as an integer in `mantissa` (-1 when there are more than 15).
 *
 * The digits are gathered nine at a time in an int32 (integer multiply-adds, a shorter chain than
 * a double's), each nine then joining the double; exact while there are at most 15 digits.
 * @returns its fraction digits, or -1 when it is not acceptable.
 */
const decimalDigits = (c: RawCells, i: number, positive: boolean): number => {
  const { buf } = c;
  const s = c.starts[i]!;
  const e = c.ends[i]!;
  let k = s;
  /** The digits OR-ed: 0 when every digit is 0. */
  let any = 0;
  let m = 0;
  /** The digits not yet in `m` (`inX` of them, fewer than INT_DIGITS). */
  let x = 0;
  let inX = 0;
  while (k < e) {
    const d = buf[k]! - 48;
    if (d >>> 0 > 9) break;
    any |= d;
    x = (x * 10 + d) | 0;
    if (++inX === INT_DIGITS) {
      m = m * POW10_DOUBLE[INT_DIGITS]! + x;
      x = 0;
      inX = 0;
    }
    k++;
  }
  if (k === s) return -1;
  let digits = k - s;
  let frac = 0;
  if (k < e) {
    if (buf[k] !== 46 || k + 1 === e) return -1;
    for (k++; k < e; k++) {
      const d = buf[k]! - 48;
      if (d >>> 0 > 9) return -1;
      any |= d;
      x = (x * 10 + d) | 0;
      if (++inX === INT_DIGITS) {
        m = m * POW10_DOUBLE[INT_DIGITS]! + x;
        x = 0;
        inX = 0;
      }
      frac++;
    }
    digits += frac;
  }
  mantissa = digits <= EXACT_DIGITS ? m * POW10_DOUBLE[inX]! + x : -1;
  return positive && any === 0 ? -1 : frac;
};

const POW: bigint[] = [1n];
const pow10 = (n: number): bigint => {
  for (let i = POW.length; i <= n; i++) POW.push(POW[i - 1]! * 10n);
  return POW[n]!;
};

/** A checked decimal cell in units of 10^-scale (0 for an empty cell). */
export const scaledCell = (c: RawCells, i: number, scale: number): bigint => {
  if (isEmpty(c, i)) return 0n;
  const { buf } = c;
  const e = c.ends[i]!;
  let acc = 0n;
  let x = 0;
  let k = 0;
  let frac = -1;
  for (let j = c.starts[i]!; j < e; j++) {
    const b = buf[j]!;
    if (b === 46) {
      frac = 0;
      continue;
    }
    if (frac >= 0) frac++;
    x = x * 10 + (b - 48);
    if (++k === 15) {
      acc = acc === 0n ? BigInt(x) : acc * pow10(15) + BigInt(x);
      x = 0;
      k = 0;
    }
  }
  if (k > 0) acc = acc === 0n ? BigInt(x) : acc * pow10(k) + BigInt(x);
  if (frac < 0) frac = 0;
  return frac === scale ? acc : acc * pow10(scale - frac);
};

/**
 * Shares one string per distinct name (wallet, asset, subtype): looked up by the bytes, so a
 * repeated name costs no allocation. The hash reads the length and the first and last bytes only
 * (names differ there: `ethereum:0x1111…`, `coinbase:main`); the bytes are then compared whole,
 * four at a time (`sameBytes`), which also proves a known name ASCII.
 */
const createNames = (onNewName: ((text: string) => void) | undefined) => {
  const table = new Map<number, NameEntry[]>();
  /**
   * The name last found for each hash modulo its size, checked before `table` (a ledger has few
   * names: nearly every lookup ends here, without the map's lookup and its bucket's loop).
   */
  const recent: (NameEntry | undefined)[] = new Array(RECENT_NAMES).fill(undefined);
  let count = 0;
  return (c: RawCells, i: number): NameEntry | undefined => {
    if (isEmpty(c, i)) return undefined;
    // The record's view, not one made here when the buffer changes: code that runs once per read
    // chunk in a function called per name has no type feedback when V8 optimizes the function,
    // which then deoptimized at the next chunk.
    const { buf, view } = c;
    const s = c.starts[i]!;
    const e = c.ends[i]!;
    const n = e - s;
    let h = Math.imul(n, 0x01000193) ^ buf[s]!;
    if (n >= 8) {
      h = Math.imul(h ^ view.getInt32(e - 8, true), 0x01000193);
      h = Math.imul(h ^ view.getInt32(e - 4, true), 0x01000193);
    } else for (let k = s + 1; k < e; k++) h = Math.imul(h ^ buf[k]!, 0x01000193);
    const slot = h & (RECENT_NAMES - 1);
    const hit = recent[slot];
    if (hit !== undefined && hit.hash === h && sameBytes(hit, view, s, n)) return hit;
    const bucket = table.get(h);
    if (bucket !== undefined) {
      for (let j = 0; j < bucket.length; j++) {
        const entry = bucket[j]!;
        if (!sameBytes(entry, view, s, n)) continue;
        recent[slot] = entry;
        return entry;
      }
    }
    for (let k = s; k < e; k++) if (buf[k]! >= 0x80) return undefined;
    const bytes = Buffer.from(buf.subarray(s, e));
    const entry: NameEntry = {
      view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      text: buf.toString("latin1", s, e),
      index: count++,
      hash: h,
    };
    if (bucket) bucket.push(entry);
    else table.set(h, [entry]);
    recent[slot] = entry;
    onNewName?.(entry.text);
    return entry;
  };
};

/** Slots of `createNames`'s cache of recent names (a power of two). */
const RECENT_NAMES = 256;

/**
 * Whether `entry`'s bytes are the `n` bytes of `view` from `s`: four bytes per comparison (a
 * wallet name is up to 50 bytes, and nearly every lookup is a match, compared whole).
 */
const sameBytes = (entry: NameEntry, view: DataView, s: number, n: number): boolean => {
  const bytes = entry.view;
  if (bytes.byteLength !== n) return false;
  let k = 0;
  for (; k + 4 <= n; k += 4) if (bytes.getInt32(k, true) !== view.getInt32(s + k, true)) return false;
  for (; k < n; k++) if (bytes.getUint8(k) !== view.getUint8(s + k)) return false;
  return true;
};

/**
 * A distinct name: a view of its bytes (a copy), its text, its number (0, 1, 2, … in order first
 * seen) and its hash (`createNames`'s).
 */
type NameEntry = { view: DataView; text: string; index: number; hash: number };

type Need = "required" | "optional" | "forbidden";
/** The same table as `checkLedgerRow`'s (out, in, usd_value, to_wallet). */
const SHAPES: Readonly<Record<LedgerRowType, readonly [Need, Need, Need, Need]>> = {
  buy: ["forbidden", "required", "required", "forbidden"],
  income: ["forbidden", "required", "required", "forbidden"],
  sell: ["required", "forbidden", "required", "forbidden"],
  spend: ["required", "forbidden", "required", "forbidden"],
  swap: ["required", "required", "required", "forbidden"],
  gift: ["required", "forbidden", "optional", "forbidden"],
  transfer: ["required", "forbidden", "optional", "required"],
  fee: ["forbidden", "forbidden", "optional", "forbidden"],
};
/** `SHAPES` by type code (place in `ROW_TYPES`). */
const SHAPE_OF: readonly (readonly [Need, Need, Need, Need])[] = ROW_TYPES.map((t) => SHAPES[t]);

/**
 * Creates a decoder. `decode` returns the row's text fields and the fraction digits its amounts
 * need (a reused object, valid until the next call), or `undefined` when the row must take the
 * general path.
 * @param onNewName - called with each distinct name (wallet, asset, subtype) the first time the
 * decoder meets it, during the `decode` call that met it (also when that row then answers
 * `undefined`): the n-th call's name is number n-1 in `DecodedRaw.names`.
 * @param idText - false: leave `DecodedRaw.id` empty (a caller that reads the id's bytes itself).
 */
export const createRawDecoder = (onNewName?: (text: string) => void, idText = true) => {
  const name = createNames(onNewName);
  /** Reused: `decode`'s answer is valid until the next call. */
  const out: DecodedRaw = {
    id: "",
    instant: { ms: 0, ns: 0 },
    type: "buy",
    typeCode: 0,
    wallet: "",
    outAsset: undefined,
    inAsset: undefined,
    feeAsset: undefined,
    toWallet: undefined,
    subtype: undefined,
    quantityDigits: 0,
    usdDigits: 0,
    mantissas: new Float64Array(5),
    fractions: new Int32Array(5),
    names: new Int32Array(NAME_SLOTS),
  };
  const mantissas = out.mantissas;
  const fractions = out.fractions;

  /** -1: broken; else max fraction digits so far (`acc`). Records the amount in `slot`. */
  const pair = (
    c: RawCells,
    need: Need,
    assetCol: number,
    qtyCol: number,
    acc: number,
    slot: number,
  ): number => {
    const hasAsset = !isEmpty(c, assetCol);
    const hasQty = !isEmpty(c, qtyCol);
    mantissas[slot] = 0;
    fractions[slot] = 0;
    if (need === "forbidden") return hasAsset || hasQty ? -1 : acc;
    if (need === "required" && !(hasAsset && hasQty)) return -1;
    if (!hasQty) return acc;
    const d = decimalDigits(c, qtyCol, true);
    if (d < 0) return -1;
    mantissas[slot] = mantissa;
    fractions[slot] = d;
    return Math.max(acc, d);
  };

  /** Checks an optional non-negative amount cell into `slot`: its fraction digits, -1 when broken. */
  const amount = (c: RawCells, col: number, slot: number): number => {
    mantissas[slot] = 0;
    fractions[slot] = 0;
    if (isEmpty(c, col)) return 0;
    const d = decimalDigits(c, col, false);
    if (d < 0) return -1;
    mantissas[slot] = mantissa;
    fractions[slot] = d;
    return d;
  };

  const decode = (c: RawCells, col: ColumnIndex): DecodedRaw | undefined => {
    if (!isEmpty(c, col.lots)) return undefined;
    const id = idText ? asciiCell(c, col.id) : isAsciiCell(c, col.id) ? "" : undefined;
    const typeCode = typeOf(c, col.type);
    const wallet = name(c, col.wallet);
    if (id === undefined || typeCode < 0 || wallet === undefined) return undefined;
    // The usual `…Z` form straight from the bytes; any other text as `parseInstant` reads it.
    const instant = out.instant;
    if (isEmpty(c, col.time)) return undefined;
    if (!parseUtcInstantBytes(c.buf, c.starts[col.time]!, c.ends[col.time]!, instant)) {
      const time = asciiCell(c, col.time);
      const t = time === undefined ? undefined : parseInstant(time);
      if (t === undefined) return undefined;
      instant.ms = t.ms;
      instant.ns = t.ns;
    }
    const shape = SHAPE_OF[typeCode]!;
    const outNeed = shape[0];
    const inNeed = shape[1];
    let q = pair(c, outNeed, col.outAsset, col.outQuantity, 0, AMOUNT_OUT);
    if (q < 0) return undefined;
    q = pair(c, inNeed, col.inAsset, col.inQuantity, q, AMOUNT_IN);
    if (q < 0) return undefined;
    if (shape[2] === "required" && isEmpty(c, col.usdValue)) return undefined;
    let u = amount(c, col.usdValue, AMOUNT_USD);
    if (u < 0) return undefined;
    const hasFeeAsset = !isEmpty(c, col.feeAsset);
    const hasFeeQty = !isEmpty(c, col.feeQuantity);
    const hasFeeUsd = !isEmpty(c, col.feeUsd);
    let feeAsset: NameEntry | undefined;
    mantissas[AMOUNT_FEE] = 0;
    fractions[AMOUNT_FEE] = 0;
    mantissas[AMOUNT_FEE_USD] = 0;
    fractions[AMOUNT_FEE_USD] = 0;
    if (hasFeeAsset || hasFeeQty || hasFeeUsd) {
      feeAsset = name(c, col.feeAsset);
      if (feeAsset === undefined || !hasFeeUsd) return undefined;
      if (feeAsset.text !== "USD" && !hasFeeQty) return undefined;
      if (hasFeeQty) {
        const d = amount(c, col.feeQuantity, AMOUNT_FEE);
        if (d < 0) return undefined;
        q = Math.max(q, d);
      }
      const d = amount(c, col.feeUsd, AMOUNT_FEE_USD);
      if (d < 0) return undefined;
      u = Math.max(u, d);
    } else if (typeCode === FEE) {
      return undefined;
    }
    const toNeed = shape[3];
    const hasTo = !isEmpty(c, col.toWallet);
    if ((toNeed === "required" && !hasTo) || (toNeed === "forbidden" && hasTo)) return undefined;
    const outAsset = outNeed === "forbidden" ? undefined : name(c, col.outAsset);
    const inAsset = inNeed === "forbidden" ? undefined : name(c, col.inAsset);
    const toWallet = hasTo ? name(c, col.toWallet) : undefined;
    const subtype = isEmpty(c, col.subtype) ? undefined : name(c, col.subtype);
    // A non-ASCII name makes `name` answer undefined: general path.
    if (
      (outNeed !== "forbidden" && !isEmpty(c, col.outAsset) && outAsset === undefined) ||
      (inNeed !== "forbidden" && !isEmpty(c, col.inAsset) && inAsset === undefined) ||
      (hasTo && toWallet === undefined) ||
      (!isEmpty(c, col.subtype) && subtype === undefined)
    ) {
      return undefined;
    }
    out.id = id;
    out.type = ROW_TYPES[typeCode]!;
    out.typeCode = typeCode;
    out.wallet = wallet.text;
    out.outAsset = outAsset?.text;
    out.inAsset = inAsset?.text;
    out.feeAsset = feeAsset?.text;
    out.toWallet = toWallet?.text;
    out.subtype = subtype?.text;
    const names = out.names;
    names[NAME_WALLET] = wallet.index;
    names[NAME_OUT] = outAsset === undefined ? -1 : outAsset.index;
    names[NAME_IN] = inAsset === undefined ? -1 : inAsset.index;
    names[NAME_FEE] = feeAsset === undefined ? -1 : feeAsset.index;
    names[NAME_TO] = toWallet === undefined ? -1 : toWallet.index;
    names[NAME_SUBTYPE] = subtype === undefined ? -1 : subtype.index;
    out.quantityDigits = q;
    out.usdDigits = u;
    return out;
  };

  return { decode };
};
