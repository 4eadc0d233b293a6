/**
 * Where a reconciliation reads the ledger: rows in memory (the stored ledger, or rows an API
 * caller holds) or a ledger CSV v1 file streamed from disk. The engine streams it once; the
 * few rows explanations and transaction-id matching need are then looked up by id (a second,
 * cheap pass over a file: only the id cell of each plain record is read).
 */
import { streamLedgerFile } from "../ledger/read.ts";
import type { LedgerRow } from "../ledger/types.ts";
import type { LedgerFeed } from "../tax/index.ts";
import type { LedgerRowInfo } from "./model.ts";

export type LedgerInput =
  | {
      kind: "rows";
      /** Rows in ledger order (time, then file order); `origin` is optional. */
      rows: readonly LedgerRowInfo[];
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

/** The rows of `input` whose ids are in `ids` (copies: streamed rows are reused objects). */
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
  let idCell = -1;
  await streamLedgerFile(
    input.path,
    (row: LedgerRow) => {
      if (ids.has(row.id)) out.set(row.id, { ...row, extra: row.extra ? { ...row.extra } : undefined });
    },
    {
      source: ledgerSourceName(input),
      // Plain records: read only the id cell; decode the record only when it is wanted.
      onRaw: (raw) => {
        if (idCell < 0) idCell = raw.fields.indexOf("id");
        const id = raw.buf.toString("utf8", raw.starts[idCell]!, raw.ends[idCell]!);
        return !ids.has(id);
      },
    },
  );
  return out;
};
