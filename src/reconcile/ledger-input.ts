/**
 * Where a reconciliation reads the ledger: rows in memory (the stored ledger, or rows an API
 * caller holds) or a ledger CSV v1 file streamed from disk. The engine streams it once; the
 * few rows explanations and transaction-id matching need are then looked up by id (a second,
 * cheap pass over a file: only the id cell of each plain record is read).
 */
import { open } from "node:fs/promises";
import { streamLedgerFile } from "../ledger/read.ts";
import type { LedgerRow } from "../ledger/types.ts";
import type { LedgerFeed } from "../tax/index.ts";
import type { LedgerRowInfo } from "./model.ts";

export type LedgerInput =
  | {
      kind: "rows";
      /** Rows in ledger order (time, then file order); `origin` is optional. */
      rows: readonly (LedgerRow & { origin?: string | undefined })[];
      /** Name used in error messages. @defaultValue "stored ledger" */
      source?: string | undefined;
    }
  | {
      kind: "file";
      path: string;
      /** Name used in error messages. @defaultValue `path` */
      source?: string | undefined;
    };

export const ledgerSourceName = (input: LedgerInput): string =>
  input.source ?? (input.kind === "file" ? input.path : "stored ledger");

/** The engine's feed for `input` (the file path keeps the engine's fast byte path). */
export const ledgerFeed = (input: LedgerInput): LedgerFeed =>
  input.kind === "file"
    ? (h) => streamLedgerFile(input.path, h.row, { source: ledgerSourceName(input), onRaw: h.raw })
    : async (h) => {
        for (const r of input.rows) h.row(r);
      };

/** The rows of `input` whose ids are in `ids` (what reconciliation needs of each). */
export const lookupLedgerRows = async (
  input: LedgerInput,
  ids: ReadonlySet<string>,
): Promise<Map<string, LedgerRowInfo>> => {
  const out = new Map<string, LedgerRowInfo>();
  if (ids.size === 0) return out;
  if (input.kind === "rows") {
    for (const r of input.rows) if (ids.has(r.id)) out.set(r.id, r);
    return out;
  }
  const fast = await scanLedgerFile(input.path, ids);
  if (fast) return fast;
  await streamLedgerFile(
    input.path,
    (row: LedgerRow) => {
      if (ids.has(row.id)) out.set(row.id, infoOf(row, row.extra?.x_origin));
    },
    {
      source: ledgerSourceName(input),
      // Plain records: read only the id cell; decode the record only when it is wanted.
      onRaw: (raw) => {
        const idCell = raw.fields.indexOf("id");
        const id = raw.buf.toString("utf8", raw.starts[idCell]!, raw.ends[idCell]!);
        return !ids.has(id);
      },
    },
  );
  return out;
};

const infoOf = (r: LedgerRow, origin: string | undefined): LedgerRowInfo => ({
  id: r.id,
  type: r.type,
  wallet: r.wallet,
  tx: r.tx,
  feeUsd: r.feeUsd,
  subtype: r.subtype,
  origin,
});

/** Bytes read at a time (the buffer grows only for a longer line). */
const READ_BYTES = 1 << 22;

/** 32-bit FNV-1a of `buf[start, end)` (an int32). */
const fnv1a = (buf: Buffer, start: number, end: number): number => {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h;
};
const LF = 10;
const CR = 13;
const COMMA = 44;
const QUOTE = 34;

/**
 * The fast path of `lookupLedgerRows` for a file: lines are split on LF and only the id cell of
 * each is looked at; a wanted line is split into cells. The file was already validated by the
 * engine's pass. Returns undefined (use the CSV reader) when the file has a quote or a lone CR,
 * which this scan does not interpret.
 * @dev Most lines are not wanted: the id cell's bytes are hashed (FNV-1a) as the comma ending it
 * is found and the hash is tested against a bitmap of the wanted ids' hashes, so an unwanted line
 * costs no string, no allocation and no map lookup. The file is read into one reused buffer.
 */
export const scanLedgerFile = async (
  path: string,
  ids: ReadonlySet<string>,
  /** Bytes read at a time (tests use a few, to cross lines). */
  readBytes = READ_BYTES,
): Promise<Map<string, LedgerRowInfo> | undefined> => {
  const out = new Map<string, LedgerRowInfo>();
  // About 32 bits per wanted id: a line passes the bitmap by chance ~3% of the time.
  let bits = 1 << 16;
  while (bits < ids.size * 32 && bits < 1 << 27) bits *= 2;
  const mask = bits - 1;
  const bitmap = new Int32Array(bits >>> 5);
  for (const id of ids) {
    const b = Buffer.from(id, "utf8");
    const h = fnv1a(b, 0, b.length) & mask;
    bitmap[h >>> 5]! |= 1 << (h & 31);
  }
  let header: string[] | undefined;
  const col = { id: -1, type: -1, wallet: -1, tx: -1, fee_usd: -1, subtype: -1, x_origin: -1 };
  /** Handles the lines of `view` up to its last LF (all of it at the end of the file); false on a lone CR. */
  const lines = (view: Buffer, last: boolean): number | false => {
    let pos = 0;
    // Next CR at or after the current line (found once per stretch, not per line).
    let nextCr = view.indexOf(CR);
    for (;;) {
      let nl = view.indexOf(LF, pos);
      if (nl < 0) {
        if (!last || pos >= view.length) return pos;
        nl = view.length;
      }
      const start = pos;
      let end = nl;
      pos = nl + 1;
      if (end > start && view[end - 1] === CR) end--;
      if (end === start) continue;
      if (nextCr >= 0 && nextCr < start) nextCr = view.indexOf(CR, start);
      if (nextCr >= 0 && nextCr < end) return false;
      if (header === undefined) {
        header = view
          .toString("utf8", start, end)
          .replace(/^\uFEFF/, "")
          .split(",")
          .map((h) => h.trim());
        for (const k of Object.keys(col) as (keyof typeof col)[]) col[k] = header.indexOf(k);
        if (col.id < 0) return false;
        continue;
      }
      // The id cell: after `col.id` commas, hashed up to the next comma.
      let s = start;
      for (let k = 0; k < col.id; k++) s = view.indexOf(COMMA, s) + 1;
      let h = 0x811c9dc5;
      let e = s;
      for (; e < end; e++) {
        const c = view[e]!;
        if (c === COMMA) break;
        h = Math.imul(h ^ c, 0x01000193);
      }
      h &= mask;
      if ((bitmap[h >>> 5]! & (1 << (h & 31))) === 0) continue;
      const id = view.toString("utf8", s, e);
      if (!ids.has(id)) continue;
      const cells = view.toString("utf8", start, end).split(",");
      const cell = (i: number) => (i < 0 || cells[i] === "" ? undefined : cells[i]);
      out.set(id, {
        id,
        type: cells[col.type] as LedgerRow["type"],
        wallet: cells[col.wallet] ?? "",
        tx: cell(col.tx),
        feeUsd: cell(col.fee_usd),
        subtype: cell(col.subtype),
        origin: cell(col.x_origin),
      });
    }
  };
  const file = await open(path, "r");
  try {
    let buf = Buffer.allocUnsafe(Math.max(1, readBytes));
    let used = 0;
    for (;;) {
      if (used === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, used);
        buf = bigger;
      }
      const { bytesRead } = await file.read(buf, used, buf.length - used, null);
      const filled = used + bytesRead;
      if (buf.subarray(used, filled).indexOf(QUOTE) >= 0) return undefined;
      const done = lines(buf.subarray(0, filled), bytesRead === 0);
      if (done === false) return undefined;
      if (bytesRead === 0) break;
      buf.copy(buf, 0, done, filled);
      used = filled - done;
    }
  } finally {
    await file.close();
  }
  return header === undefined || col.id >= 0 ? out : undefined;
};
