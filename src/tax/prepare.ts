/**
 * Ledger rows → the engine's exact form: instants, amounts as fixed-point bigints, rows in
 * application order (time, then file order).
 *
 * @dev Quantities are integers of 10^-quantityScale units and USD amounts integers of
 * 10^-usdScale dollars. The scales start at 18 (wei) and 2 (cents) and grow when a value has more
 * fraction digits (earlier rows are rescaled, which is exact), so every amount of the ledger is an
 * exact integer. Quotients are kept as exact rationals until a row is rounded to cents.
 *
 * Rows are converted one at a time (`createRowPreparer().prepare`), so a caller streaming a file
 * never holds the text form of every row at once; `prepareRaw` is the same conversion straight
 * from a plain record's bytes (see `decode-raw.ts`).
 */
import { fractionDigits, pow10, toScaled } from "../ledger/decimal.ts";
import type { Instant } from "../ledger/instant.ts";
import { ledgerError, type RawLedgerRecord } from "../ledger/read.ts";
import { type LedgerRow, type LedgerRowType, USD } from "../ledger/types.ts";
import { ALLOCATION_LOT_PREFIX, CREATES_LOT, checkLedgerRow, parseLotsCell } from "../ledger/validate.ts";
import {
  AMOUNT_FEE,
  AMOUNT_FEE_USD,
  AMOUNT_IN,
  AMOUNT_OUT,
  AMOUNT_USD,
  type ColumnIndex,
  columnIndexOf,
  createRawDecoder,
  type DecodedRaw,
  scaledCell,
} from "./decode-raw.ts";
import {
  AMOUNT_SLOTS,
  type DecodedBatch,
  NAME_FEE,
  NAME_IN,
  NAME_OUT,
  NAME_SLOTS,
  NAME_SUBTYPE,
  NAME_TO,
  NAME_WALLET,
  ROW_TYPES,
  type ThreadIds,
} from "./decoded-batch.ts";
import { scaleDigits, wideDigits } from "./exact-scale.ts";
import { createIdIndex } from "./id-index.ts";

/** A row ready for the engine. Cash (`USD`) legs are dropped: `outAsset` etc. are digital assets. */
export type PreparedRow = {
  /** Index in the input (file order). */
  seq: number;
  /** Source line for error messages. */
  line: number;
  id: string;
  ms: number;
  ns: number;
  type: LedgerRowType;
  wallet: string;
  outAsset: string | undefined;
  outQuantity: bigint;
  inAsset: string | undefined;
  inQuantity: bigint;
  /** `usd_value`, 0 when absent. */
  usd: bigint;
  /** The fee's digital asset (undefined for none or a USD fee). */
  feeAsset: string | undefined;
  feeQuantity: bigint;
  /** `fee_usd` whatever the fee asset, 0 when absent. */
  feeUsd: bigint;
  toWallet: string | undefined;
  lots: { lotId: string; quantity: bigint }[] | undefined;
  subtype: string;
};

/**
 * Slots of `RowPreparer.nameKeys`: the row's wallet, out asset, in asset, fee asset and
 * destination wallet (the first slots of a decoded batch row's names, in the same order).
 */
export const KEY_WALLET = NAME_WALLET;
export const KEY_OUT = NAME_OUT;
export const KEY_IN = NAME_IN;
export const KEY_FEE = NAME_FEE;
export const KEY_TO = NAME_TO;
export const NAME_KEYS = 5;
/** Name keys of a row that has none (see `RowPreparer.nameKeys`). */
export const NO_NAME_KEYS: Readonly<Int32Array> = new Int32Array(NAME_KEYS).fill(-1);

/** Converts ledger rows one at a time, at scales that only grow. */
export type RowPreparer = {
  /**
   * The reading thread's name numbers (indexes in its name list) of the row prepared last, by
   * `KEY_*` slot; -1 for an empty cell and for every slot of a row not decoded from a batch
   * (`prepare`, `prepareRaw`, a batch row of the general path). Within one feed a number always
   * stands for the same name: the engine finds a pool by numbers instead of by names.
   */
  readonly nameKeys: Int32Array;
  /**
   * Validates and converts the next row (file order). May first raise the scales (see
   * `onRescale`), so the returned row is at the current `quantityScale` and `usdScale`.
   * @throws UserInputError `FILE:LINE: column: what is wrong` for an invalid row or a duplicate id.
   */
  prepare: (row: LedgerRow) => PreparedRow;
  /** Quantities are integers of 10^-quantityScale units. */
  readonly quantityScale: number;
  /** USD amounts are integers of 10^-usdScale dollars (≥ 2). */
  readonly usdScale: number;
  /**
   * The fast path of `prepare` for a plain record read as bytes: the same row, or `undefined`
   * when the record needs the general path (which then gives the row or the exact error).
   * With `into`, that object is filled and returned instead of a new one (for a caller that
   * uses each row at once and keeps none).
   */
  prepareRaw: (raw: RawLedgerRecord, into?: PreparedRow) => PreparedRow | undefined;
  /**
   * `prepare` of row `i` of a batch from a reading thread (src/tax/parse-thread.ts), whose ids the
   * thread checked; `g` is the row's index in `batch.rows` when it takes the general path, and
   * `names` the thread's name list. With `into`, a decoded row fills that object (as
   * `prepareRaw`). A preparer given one batch row takes only batch rows from then on.
   * @throws UserInputError as `prepare`.
   */
  prepareBatchRow: (
    batch: DecodedBatch,
    i: number,
    g: number,
    names: readonly string[],
    into?: PreparedRow,
  ) => PreparedRow;
  /**
   * Counts row `i` of a batch as prepared without making its row, when that is all it needs: a
   * decoded row (the thread validated it) whose id is not a duplicate and whose amounts fit the
   * current scales. For a caller that applies no such row (`GainsOptions.skipLaterYears`);
   * `false` (nothing done) for any other row: `prepareBatchRow` it.
   */
  passBatchRow: (batch: DecodedBatch, i: number) => boolean;
  /** What the reading thread found of the ids once it read the last row (batch rows only). */
  threadIds: (ids: ThreadIds) => void;
  /** Whether `id` belongs to a lot-creating row prepared so far. */
  isKnownLot: (id: string) => boolean;
  /**
   * Checks that every `lots` cell names a lot-creating row of the ledger (call after the last row).
   * @throws UserInputError for a `lots` cell naming no lot of the ledger.
   */
  checkLotReferences: () => void;
};

/** A blank row (one object shape for every prepared row). */
export const emptyPreparedRow = (): PreparedRow => ({
  seq: 0,
  line: 0,
  id: "",
  ms: 0,
  ns: 0,
  type: "buy",
  wallet: "",
  outAsset: undefined,
  outQuantity: 0n,
  inAsset: undefined,
  inQuantity: 0n,
  usd: 0n,
  feeAsset: undefined,
  feeQuantity: 0n,
  feeUsd: 0n,
  toWallet: undefined,
  lots: undefined,
  subtype: "",
});

/** Starting scales: wei-precision quantities and cents cover most ledgers without a rescale. */
const INITIAL_QUANTITY_SCALE = 18;
const INITIAL_USD_SCALE = 2;

const digital = (asset: string | undefined): string | undefined =>
  asset === undefined || asset === "" || asset === USD ? undefined : asset;

const maxFraction = (a: number, v: string | undefined): number =>
  v === undefined || v === "" ? a : Math.max(a, fractionDigits(v));

/** A decoded amount in units of 10^-scale: from its digits when they fit a double exactly. */
const amountOf = (d: DecodedRaw, slot: number, raw: RawLedgerRecord, col: number, scale: number): bigint => {
  const m = d.mantissas[slot]!;
  if (m === 0) return 0n;
  if (m < 0) return scaledCell(raw, col, scale);
  const f = d.fractions[slot]!;
  return f === scale ? BigInt(m) : BigInt(m) * pow10(scale - f);
};

const fromCharCode = String.fromCharCode;

/** Name `slot` of a decoded batch (`undefined` for an empty cell). */
const nameAt = (b: DecodedBatch, names: readonly string[], slot: number): string | undefined => {
  const k = b.names[slot]!;
  return k < 0 ? undefined : names[k];
};

/**
 * @param onRescale - called before the scales grow, with the new scales, so the caller can scale
 * what it holds (prepared rows, engine state) by the same powers of ten.
 */
export const createRowPreparer = (
  source: string,
  onRescale: (quantityScale: number, usdScale: number) => void,
): RowPreparer => {
  let seq = 0;
  let quantityScale = INITIAL_QUANTITY_SCALE;
  let usdScale = INITIAL_USD_SCALE;
  /** Line of each id, negative for rows that create a lot (`lots` cells may name those). */
  const lineOfId = createIdIndex();
  const lotsRows: { line: number; lots: { lotId: string }[] }[] = [];
  const holder: { instant?: Instant } = {};
  const nameKeys = new Int32Array(NAME_KEYS).fill(-1);

  /** Set once a batch row came: the reading thread keeps the ids (see `ThreadIds`). */
  let threaded = false;
  /** Lot ids of `lots` cells known as lots (threaded: from the thread). */
  const knownLots = new Set<string>();
  let badReference: ThreadIds["badReference"];

  /** `threadEarlier`: the thread's answer for the id (threaded only; 0: not seen before). */
  const prepareRow = (r: LedgerRow, threadEarlier?: number): PreparedRow => {
    const line = r.line ?? seq + 2;
    const problem = checkLedgerRow(r, holder);
    if (problem) throw ledgerError(source, line, problem.column, problem.message);
    const earlier = threaded
      ? threadEarlier || undefined
      : lineOfId.add(r.id, CREATES_LOT.has(r.type) ? -line : line);
    if (earlier !== undefined) {
      throw ledgerError(source, line, "id", `duplicate id "${r.id}" (first on line ${Math.abs(earlier)})`);
    }
    const t = holder.instant!;

    let selections: { lotId: string; quantity: string }[] | undefined;
    let q = maxFraction(maxFraction(maxFraction(quantityScale, r.outQuantity), r.inQuantity), r.feeQuantity);
    if (r.lots !== undefined && r.lots !== "") {
      const sel = parseLotsCell(r.lots);
      if (typeof sel === "string") throw ledgerError(source, line, "lots", sel);
      for (const s of sel) q = maxFraction(q, s.quantity);
      selections = sel;
    }
    const u = maxFraction(maxFraction(usdScale, r.usdValue), r.feeUsd);
    if (q > quantityScale || u > usdScale) {
      onRescale(q, u);
      quantityScale = q;
      usdScale = u;
    }
    const lots = selections?.map((s) => ({ lotId: s.lotId, quantity: toScaled(s.quantity, quantityScale) }));
    if (lots && !threaded) lotsRows.push({ line, lots });

    const outAsset = digital(r.outAsset);
    const inAsset = digital(r.inAsset);
    const feeAsset = digital(r.feeAsset);
    return {
      seq: seq++,
      line,
      id: r.id,
      ms: t.ms,
      ns: t.ns,
      type: r.type,
      wallet: r.wallet,
      outAsset,
      outQuantity: outAsset === undefined ? 0n : toScaled(r.outQuantity!, quantityScale),
      inAsset,
      inQuantity: inAsset === undefined ? 0n : toScaled(r.inQuantity!, quantityScale),
      usd: r.usdValue === undefined || r.usdValue === "" ? 0n : toScaled(r.usdValue, usdScale),
      feeAsset,
      feeQuantity: feeAsset === undefined ? 0n : toScaled(r.feeQuantity!, quantityScale),
      feeUsd: r.feeUsd === undefined || r.feeUsd === "" ? 0n : toScaled(r.feeUsd, usdScale),
      toWallet: r.toWallet === "" ? undefined : r.toWallet,
      lots,
      subtype: r.subtype ?? "",
    };
  };

  const prepare = (r: LedgerRow): PreparedRow => {
    if (threaded) throw new Error("a row preparer that took batch rows takes nothing else");
    nameKeys.fill(-1);
    return prepareRow(r);
  };

  const decoder = createRawDecoder();
  let columnsOf: readonly unknown[] | undefined;
  let columns: ColumnIndex | undefined;
  const prepareRaw = (raw: RawLedgerRecord, into?: PreparedRow): PreparedRow | undefined => {
    if (threaded) throw new Error("a row preparer that took batch rows takes nothing else");
    if (raw.fields !== columnsOf) {
      columnsOf = raw.fields;
      columns = columnIndexOf(raw.fields);
    }
    const col = columns!;
    nameKeys.fill(-1);
    const d = decoder.decode(raw, col);
    if (d === undefined) return undefined;
    const t = d.instant;
    const line = raw.line;
    // Nothing is changed before this point, so the general path can take over cleanly.
    if (lineOfId.add(d.id, CREATES_LOT.has(d.type) ? -line : line) !== undefined) return undefined;
    const q = Math.max(quantityScale, d.quantityDigits);
    const u = Math.max(usdScale, d.usdDigits);
    if (q > quantityScale || u > usdScale) {
      onRescale(q, u);
      quantityScale = q;
      usdScale = u;
    }
    const outAsset = digital(d.outAsset);
    const inAsset = digital(d.inAsset);
    const feeAsset = digital(d.feeAsset);
    const r: PreparedRow = into ?? emptyPreparedRow();
    r.seq = seq++;
    r.line = line;
    r.id = d.id;
    r.ms = t.ms;
    r.ns = t.ns;
    r.type = d.type;
    r.wallet = d.wallet;
    r.outAsset = outAsset;
    r.outQuantity =
      outAsset === undefined ? 0n : amountOf(d, AMOUNT_OUT, raw, col.outQuantity, quantityScale);
    r.inAsset = inAsset;
    r.inQuantity = inAsset === undefined ? 0n : amountOf(d, AMOUNT_IN, raw, col.inQuantity, quantityScale);
    r.usd = amountOf(d, AMOUNT_USD, raw, col.usdValue, usdScale);
    r.feeAsset = feeAsset;
    r.feeQuantity =
      feeAsset === undefined ? 0n : amountOf(d, AMOUNT_FEE, raw, col.feeQuantity, quantityScale);
    r.feeUsd = amountOf(d, AMOUNT_FEE_USD, raw, col.feeUsd, usdScale);
    r.toWallet = d.toWallet;
    r.lots = undefined;
    r.subtype = d.subtype ?? "";
    return r;
  };

  let idsOf: Uint8Array | undefined;
  let ids: Buffer = Buffer.alloc(0);
  /** Amount `k` of a decoded batch in units of 10^-scale. */
  const decodedAmount = (b: DecodedBatch, k: number, scale: number): bigint => {
    const high = b.high[k]!;
    const up = scale - b.fraction[k]!;
    if (b.wide[k] === 1) {
      const m = wideDigits(high, b.low[k]!);
      return up === 0 ? m : m * pow10(up);
    }
    if (high === 0) return 0n;
    return scaleDigits(high, up);
  };
  /** Row `i`'s id, from the batch's bytes (ASCII: the thread decodes only such ids). */
  const idOf = (b: DecodedBatch, i: number): string => {
    if (b.idBytes !== idsOf) {
      idsOf = b.idBytes;
      ids = Buffer.from(b.idBytes.buffer, b.idBytes.byteOffset, b.idBytes.byteLength);
    }
    const s = i === 0 ? 0 : b.idEnd[i - 1]!;
    const e = b.idEnd[i]!;
    const c = ids;
    // Short ids as one `fromCharCode` call: half the cost of a call into the buffer binding.
    switch (e - s) {
      case 1:
        return fromCharCode(c[s]!);
      case 2:
        return fromCharCode(c[s]!, c[s + 1]!);
      case 3:
        return fromCharCode(c[s]!, c[s + 1]!, c[s + 2]!);
      case 4:
        return fromCharCode(c[s]!, c[s + 1]!, c[s + 2]!, c[s + 3]!);
      case 5:
        return fromCharCode(c[s]!, c[s + 1]!, c[s + 2]!, c[s + 3]!, c[s + 4]!);
      case 6:
        return fromCharCode(c[s]!, c[s + 1]!, c[s + 2]!, c[s + 3]!, c[s + 4]!, c[s + 5]!);
      case 7:
        return fromCharCode(c[s]!, c[s + 1]!, c[s + 2]!, c[s + 3]!, c[s + 4]!, c[s + 5]!, c[s + 6]!);
      case 8:
        return fromCharCode(
          c[s]!,
          c[s + 1]!,
          c[s + 2]!,
          c[s + 3]!,
          c[s + 4]!,
          c[s + 5]!,
          c[s + 6]!,
          c[s + 7]!,
        );
      default:
        return c.toString("latin1", s, e);
    }
  };
  const prepareBatchRow = (
    b: DecodedBatch,
    i: number,
    g: number,
    names: readonly string[],
    into?: PreparedRow,
  ): PreparedRow => {
    if (!threaded) {
      if (seq > 0) throw new Error("a row preparer that took other rows takes no batch rows");
      threaded = true;
    }
    if (b.general[i] === 1) {
      nameKeys.fill(-1);
      const known = b.known[g];
      if (known !== undefined) for (const id of known) knownLots.add(id);
      return prepareRow(b.rows[g]!, b.earlier[i]!);
    }
    const line = b.line[i]!;
    const id = idOf(b, i);
    const type = ROW_TYPES[b.type[i]!]!;
    const earlier = b.earlier[i]!;
    if (earlier !== 0)
      throw ledgerError(source, line, "id", `duplicate id "${id}" (first on line ${Math.abs(earlier)})`);
    const a = i * AMOUNT_SLOTS;
    const fr = b.fraction;
    const q = Math.max(quantityScale, fr[a + AMOUNT_OUT]!, fr[a + AMOUNT_IN]!, fr[a + AMOUNT_FEE]!);
    const u = Math.max(usdScale, fr[a + AMOUNT_USD]!, fr[a + AMOUNT_FEE_USD]!);
    if (q > quantityScale || u > usdScale) {
      onRescale(q, u);
      quantityScale = q;
      usdScale = u;
    }
    const n = i * NAME_SLOTS;
    const bn = b.names;
    nameKeys[KEY_WALLET] = bn[n + NAME_WALLET]!;
    nameKeys[KEY_OUT] = bn[n + NAME_OUT]!;
    nameKeys[KEY_IN] = bn[n + NAME_IN]!;
    nameKeys[KEY_FEE] = bn[n + NAME_FEE]!;
    nameKeys[KEY_TO] = bn[n + NAME_TO]!;
    const outAsset = digital(nameAt(b, names, n + NAME_OUT));
    const inAsset = digital(nameAt(b, names, n + NAME_IN));
    const feeAsset = digital(nameAt(b, names, n + NAME_FEE));
    const r: PreparedRow = into ?? emptyPreparedRow();
    r.seq = seq++;
    r.line = line;
    r.id = id;
    r.ms = b.ms[i]!;
    r.ns = b.ns[i]!;
    r.type = type;
    r.wallet = nameAt(b, names, n + NAME_WALLET)!;
    r.outAsset = outAsset;
    r.outQuantity = outAsset === undefined ? 0n : decodedAmount(b, a + AMOUNT_OUT, quantityScale);
    r.inAsset = inAsset;
    r.inQuantity = inAsset === undefined ? 0n : decodedAmount(b, a + AMOUNT_IN, quantityScale);
    r.usd = decodedAmount(b, a + AMOUNT_USD, usdScale);
    r.feeAsset = feeAsset;
    r.feeQuantity = feeAsset === undefined ? 0n : decodedAmount(b, a + AMOUNT_FEE, quantityScale);
    r.feeUsd = decodedAmount(b, a + AMOUNT_FEE_USD, usdScale);
    r.toWallet = nameAt(b, names, n + NAME_TO);
    r.lots = undefined;
    r.subtype = nameAt(b, names, n + NAME_SUBTYPE) ?? "";
    return r;
  };

  const passBatchRow = (b: DecodedBatch, i: number): boolean => {
    if (!threaded) return false;
    if (b.general[i] !== 0 || b.earlier[i] !== 0) return false;
    const a = i * AMOUNT_SLOTS;
    const fr = b.fraction;
    if (
      fr[a + AMOUNT_OUT]! > quantityScale ||
      fr[a + AMOUNT_IN]! > quantityScale ||
      fr[a + AMOUNT_FEE]! > quantityScale ||
      fr[a + AMOUNT_USD]! > usdScale ||
      fr[a + AMOUNT_FEE_USD]! > usdScale
    )
      return false;
    seq++;
    return true;
  };

  return {
    nameKeys,
    prepare,
    prepareRaw,
    prepareBatchRow,
    passBatchRow,
    threadIds: (ids) => {
      for (const id of ids.knownAtEnd) knownLots.add(id);
      badReference = ids.badReference;
    },
    get quantityScale() {
      return quantityScale;
    },
    get usdScale() {
      return usdScale;
    },
    isKnownLot: (id) => (threaded ? knownLots.has(id) : (lineOfId.get(id) ?? 0) < 0),
    checkLotReferences: () => {
      if (badReference !== undefined)
        throw ledgerError(source, badReference.line, "lots", `no lot "${badReference.lotId}" in the ledger`);
      for (const { line, lots } of lotsRows) {
        for (const s of lots) {
          const l = lineOfId.get(s.lotId);
          if ((l === undefined || l > 0) && !s.lotId.startsWith(ALLOCATION_LOT_PREFIX)) {
            throw ledgerError(source, line, "lots", `no lot "${s.lotId}" in the ledger`);
          }
        }
      }
    },
  };
};

/** Rows converted and ordered for the engine. */
export type PreparedLedger = {
  /** In application order: time, then file order. */
  rows: PreparedRow[];
  quantityScale: number;
  usdScale: number;
};

/** Multiplies a prepared row's amounts by 10^Δ to move it to higher scales. */
export const rescaleRow = (r: PreparedRow, quantityFactor: bigint, usdFactor: bigint): void => {
  r.outQuantity *= quantityFactor;
  r.inQuantity *= quantityFactor;
  r.feeQuantity *= quantityFactor;
  if (r.lots) for (const l of r.lots) l.quantity *= quantityFactor;
  r.usd *= usdFactor;
  r.feeUsd *= usdFactor;
};

/** True when `b` may follow `a` in application order (times never decrease). */
export const inTimeOrder = (a: PreparedRow, b: PreparedRow): boolean =>
  a.ms < b.ms || (a.ms === b.ms && a.ns <= b.ns);

/**
 * Validates and converts all rows, then orders them by time (equal times keep input order).
 * @param source - file name for error messages.
 * @throws UserInputError `FILE:LINE: column: what is wrong` for an invalid row, a duplicate id or
 * a `lots` cell naming no lot of the ledger.
 */
export const prepareLedger = (input: Iterable<LedgerRow>, source: string): PreparedLedger => {
  const rows: PreparedRow[] = [];
  let scales = { q: INITIAL_QUANTITY_SCALE, u: INITIAL_USD_SCALE };
  const preparer = createRowPreparer(source, (q, u) => {
    const qf = pow10(q - scales.q);
    const uf = pow10(u - scales.u);
    for (const r of rows) rescaleRow(r, qf, uf);
    scales = { q, u };
  });
  let sorted = true;
  for (const r of input) {
    const p = preparer.prepare(r);
    if (sorted && rows.length > 0 && !inTimeOrder(rows[rows.length - 1]!, p)) sorted = false;
    rows.push(p);
  }
  preparer.checkLotReferences();
  if (!sorted) rows.sort((a, b) => a.ms - b.ms || a.ns - b.ns || a.seq - b.seq);
  return { rows, quantityScale: preparer.quantityScale, usdScale: preparer.usdScale };
};
