import type { DbOrTx } from "../../db/client.ts";
import { selectCells, sqlLiteral } from "../../db/copy.ts";
import { packedJsonSql } from "../../db/packed-json.ts";
import { packedCellReader } from "../../db/raw-blobs.ts";
import type { CallFrame, ParityTrace, RpcLog, RpcReceipt, RpcTransaction, TxTraces } from "./rpc.ts";

/**
 * The node's final answers about transactions, read back from raw records: raw records are the
 * one store of `eth_getTransactionByHash`, `eth_getTransactionReceipt` and per-transaction trace
 * answers (the RPC cache keeps only what has no raw record: headers, token calls, …), so a re-sync
 * of stored history makes no RPC call and the answers are written once.
 *
 * A receipt is one record with its logs. Records written by earlier versions hold the receipt without
 * its logs (`logCount` instead) and each log as a `log` record: such a receipt is rebuilt when
 * every one of its logs is there. Parity traces are one record per trace (index = position), a
 * geth call trace one `call_trace` record.
 */
export type StoredAnswers = {
  tx?: RpcTransaction;
  receipt?: RpcReceipt;
  traces?: TxTraces;
};

const HASH = /^0x[0-9a-fA-F]{64}$/;
const CHUNK = 500;

/**
 * Whether `chain` has any raw record in blocks `from`..`to` (one probe of the chain + block index):
 * when none, no transaction found in those blocks has stored answers, and a step's chunks skip
 * `loadStoredAnswers` (a first sync of history nobody stored: one query per step instead of one
 * per chunk, each listing up to 500 hashes). Records another process writes meanwhile are not
 * seen: those answers are then asked for again, and written once (`ON CONFLICT DO NOTHING`).
 */
export const hasStoredAnswersIn = async (
  db: DbOrTx,
  chain: string,
  from: bigint,
  to: bigint,
): Promise<boolean> => {
  const rows = await selectCells(
    db,
    `select 1 from lotwise_sync.raw_records
      where chain = ${sqlLiteral(chain)} and block_number between ${from.toString()} and ${to.toString()} limit 1`,
  );
  return rows.length > 0;
};

/** Stored answers for `hashes` on `chain` (transactions with no raw record are absent). */
export const loadStoredAnswers = async (
  db: DbOrTx,
  chain: string,
  hashes: readonly string[],
): Promise<Map<string, StoredAnswers>> => {
  const out = new Map<string, StoredAnswers>();
  const valid = [...new Set(hashes.filter((h) => HASH.test(h)))];
  for (let i = 0; i < valid.length; i += CHUNK) {
    const list = valid
      .slice(i, i + CHUNK)
      .map(sqlLiteral)
      .join(", ");
    const rows = await selectCells(
      db,
      `select tx_hash, kind, index, ${packedJsonSql("data")} from lotwise_sync.raw_records
        where chain = ${sqlLiteral(chain)} and tx_hash in (${list})
          and kind in ('tx', 'receipt', 'log', 'trace', 'call_trace')`,
    );
    // Parts of blobs (db/raw-blobs.ts): no EVM answer is stored as one now, but every form reads.
    const read = await packedCellReader(
      db,
      rows.map((r) => r[3]),
    );
    const parts = new Map<
      string,
      {
        tx?: unknown;
        receipt?: unknown;
        logs: [number, unknown][];
        traces: [number, unknown][];
        call?: unknown;
      }
    >();
    for (const [hash, kind, index, data] of rows) {
      if (hash == null || data == null) continue;
      let p = parts.get(hash);
      if (!p) {
        p = { logs: [], traces: [] };
        parts.set(hash, p);
      }
      const value: unknown = read(data);
      if (kind === "tx") p.tx = value;
      else if (kind === "receipt") p.receipt = value;
      else if (kind === "log") p.logs.push([Number(index), value]);
      else if (kind === "trace") p.traces.push([Number(index), value]);
      else if (kind === "call_trace") p.call = value;
    }
    for (const [hash, p] of parts) {
      const answers: StoredAnswers = {};
      if (p.tx) answers.tx = p.tx as RpcTransaction;
      const stripped = p.receipt as
        | (Omit<RpcReceipt, "logs"> & { logCount?: number; logs?: unknown })
        | undefined;
      if (Array.isArray(stripped?.logs)) answers.receipt = stripped as RpcReceipt;
      else if (stripped && typeof stripped.logCount === "number" && stripped.logCount === p.logs.length) {
        const { logCount: _n, ...rest } = stripped;
        answers.receipt = {
          ...rest,
          logs: p.logs.sort((a, b) => a[0] - b[0]).map(([, l]) => l as RpcLog),
        } as RpcReceipt;
      }
      if (p.call) answers.traces = { format: "callTracer", frame: p.call as CallFrame };
      else if (p.traces.length > 0)
        answers.traces = {
          format: "parity",
          traces: p.traces.sort((a, b) => a[0] - b[0]).map(([, t]) => t as ParityTrace),
        };
      out.set(hash, answers);
    }
  }
  return out;
};
