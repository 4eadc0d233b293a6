/**
 * Where a reconciliation reads the ledger: rows in memory (the stored ledger, or rows an API
 * caller holds) or a ledger CSV v1 file streamed from disk. The engine streams it once; the
 * few rows explanations and transaction-id matching need are then looked up by id (a second,
 * cheap pass over a file: only the id cell of each plain record is read).
 */
import { createReadStream } from "node:fs";
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

const READ_BYTES = 1 << 20;

/** 32-bit FNV-1a of `buf[start, end)`. */
const fnv1a = (buf: Buffer, start: number, end: number): number => {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
};
const LF = 10;
const CR = 13;
const COMMA = 44;
const QUOTE = 34;

/**
 * The fast path of `lookupLedgerRows` for a file: lines are split on LF and only the id cell of
 * each is decoded; a wanted line is split into cells. The file was already validated by the
 * engine's pass. Returns undefined (use the CSV reader) when the file has a quote or a lone CR,
 * which this scan does not interpret.
 */
const scanLedgerFile = async (
  path: string,
  ids: ReadonlySet<string>,
): Promise<Map<string, LedgerRowInfo> | undefined> => {
  const out = new Map<string, LedgerRowInfo>();
  const hashes = new Set<number>();
  for (const id of ids) {
    const b = Buffer.from(id, "utf8");
    hashes.add(fnv1a(b, 0, b.length));
  }
  let header: string[] | undefined;
  const col = { id: -1, type: -1, wallet: -1, tx: -1, fee_usd: -1, subtype: -1, x_origin: -1 };
  let bad = false;
  // Next CR at or after the current line in the current buffer (found once per stretch, not per line).
  let nextCr = -1;
  let crBuf: Buffer | undefined;
  const line = (buf: Buffer, start: number, end: number) => {
    if (end > start && buf[end - 1] === CR) end--;
    if (end === start) return;
    if (crBuf !== buf || (nextCr >= 0 && nextCr < start)) {
      crBuf = buf;
      nextCr = buf.indexOf(CR, start);
    }
    if (nextCr >= 0 && nextCr < end) {
      bad = true;
      return;
    }
    if (header === undefined) {
      header = buf
        .toString("utf8", start, end)
        .replace(/^\uFEFF/, "")
        .split(",")
        .map((h) => h.trim());
      for (const k of Object.keys(col) as (keyof typeof col)[]) col[k] = header.indexOf(k);
      return;
    }
    // The id cell: after `col.id` commas.
    let s = start;
    for (let k = 0; k < col.id; k++) s = buf.indexOf(COMMA, s) + 1;
    let e = buf.indexOf(COMMA, s);
    if (e < 0 || e > end) e = end;
    // Most lines are not wanted: compare a hash of the bytes before making a string.
    if (!hashes.has(fnv1a(buf, s, e))) return;
    const id = buf.toString("utf8", s, e);
    if (!ids.has(id)) return;
    const cells = buf.toString("utf8", start, end).split(",");
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
  };
  let rest: Buffer | undefined;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_BYTES })) {
    const buf: Buffer = rest ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    if (buf.indexOf(QUOTE) >= 0) return undefined;
    let pos = 0;
    for (let nl = buf.indexOf(LF, pos); nl >= 0; nl = buf.indexOf(LF, pos)) {
      line(buf, pos, nl);
      pos = nl + 1;
    }
    if (bad || (header !== undefined && col.id < 0)) return undefined;
    rest = pos < buf.length ? buf.subarray(pos) : undefined;
  }
  if (rest) line(rest, 0, rest.length);
  return bad ? undefined : out;
};
