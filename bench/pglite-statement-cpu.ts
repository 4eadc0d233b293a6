/**
 * `--statement-cpu` for benchmarks on the embedded database: the CPU time the calling thread
 * spends inside PGlite's statements (`execProtocolRawSync`: WebAssembly and its file-system
 * calls, all synchronous on that thread), by statement, read from `/proc/thread-self/schedstat`
 * (Linux; nanoseconds of this thread only, so other threads and a loaded machine do not inflate
 * it). A statement is named by the first characters of its SQL text (an extended-protocol
 * message without SQL by the last parsed statement's), e.g. `E: copy lotwise_sync.raw_records (…`.
 *
 * It wraps `PGlite.prototype.execProtocolRawSync` while started: bench-only.
 */
import { readFileSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";

/** Milliseconds of CPU this thread has used, or undefined where `/proc/thread-self` is not readable. */
const threadCpuMs = (): number | undefined => {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
  } catch {
    return undefined;
  }
};

/** Characters of SQL text that name a statement. */
const NAME_CHARS = 60;

/** The SQL text of a simple query (`Q`) or parse (`P`) message, else undefined. */
const sqlOf = (message: Uint8Array): string | undefined => {
  let at: number;
  if (message[0] === 0x51) at = 5;
  else if (message[0] === 0x50) {
    at = 5;
    while (at < message.length && message[at] !== 0) at++; // the prepared statement's name
    at++;
  } else return undefined;
  let end = at;
  while (end < message.length && message[end] !== 0 && end - at < 4 * NAME_CHARS) end++;
  return Buffer.from(message.subarray(at, end))
    .toString("utf8")
    .replace(/\s+/g, " ")
    .replace(/array\[.*/, "array[…")
    .slice(0, NAME_CHARS);
};

export type StatementCpu = {
  /** Starts counting (wraps PGlite's statement entry); false where thread CPU cannot be read. */
  start: () => boolean;
  /** Stops counting and gives the lines of the report: total, then the `top` costliest statements. */
  stop: (top?: number) => string[];
};

export const createStatementCpu = (): StatementCpu => {
  const proto = PGlite.prototype as unknown as { execProtocolRawSync: (m: Uint8Array) => Uint8Array };
  const original = proto.execProtocolRawSync;
  const spent = new Map<string, { ms: number; calls: number }>();
  let lastSql = "";
  return {
    start: () => {
      if (threadCpuMs() === undefined) return false;
      proto.execProtocolRawSync = function (this: unknown, message: Uint8Array) {
        const before = threadCpuMs()!;
        try {
          return original.call(this, message);
        } finally {
          const sql = sqlOf(message);
          if (sql !== undefined) lastSql = sql;
          const name = sql ?? `${String.fromCharCode(message[0] ?? 0x3f)}: ${lastSql}`;
          const s = spent.get(name) ?? { ms: 0, calls: 0 };
          s.ms += threadCpuMs()! - before;
          s.calls++;
          spent.set(name, s);
        }
      };
      return true;
    },
    stop: (top = 8) => {
      proto.execProtocolRawSync = original;
      const rows = [...spent].sort((a, b) => b[1].ms - a[1].ms);
      const total = rows.reduce((n, [, s]) => n + s.ms, 0);
      spent.clear();
      return [
        `PGlite statements: ${(total / 1000).toFixed(2)} CPU s on the sync's main thread`,
        ...rows.slice(0, top).map(([name, s]) => `  ${(s.ms / 1000).toFixed(3)} s  ${s.calls}×  ${name}`),
      ];
    },
  };
};
