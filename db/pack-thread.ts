import { Worker } from "node:worker_threads";
import { workerExecArgv } from "../src/utils/worker-argv.ts";
import { BROTLI_MARK, PACK_MIN_CHARS, PACK_QUALITY, packJsonText } from "./packed-json.ts";

/**
 * `packJsonText` for many texts on a worker thread, so that a sync's compression (about 0.3 s of
 * CPU per 150 MB of Solana answers) runs beside its fetching, normalizing and PGlite writes
 * instead of adding to them. One thread for the process, started on first use and not holding
 * the process open while idle. Its code is a few lines of plain JavaScript evaluated as the
 * thread's script (no build step: the same under tsx and from dist/). Results are the bytes
 * `packJsonText` gives for each text, in order. (A Solana sync packs its transactions on its own
 * thread instead, chains/solana/tx-thread.ts, where it parses them.)
 */

const SCRIPT = `
const { parentPort } = require("node:worker_threads");
const { brotliCompressSync, constants } = require("node:zlib");
// packJsonText (db/packed-json.ts): the mark, then the Brotli stream.
const pack = (t) => {
  const utf8 = Buffer.from(t, "utf8");
  if (t.length < ${PACK_MIN_CHARS}) return utf8;
  const stream = brotliCompressSync(utf8, {
    params: { [constants.BROTLI_PARAM_QUALITY]: ${PACK_QUALITY}, [constants.BROTLI_PARAM_SIZE_HINT]: utf8.length },
  });
  const out = Buffer.allocUnsafe(1 + stream.length);
  out[0] = ${BROTLI_MARK};
  stream.copy(out, 1);
  return out;
};
parentPort.on("message", (m) => {
  const { id, joined, bounds } = m;
  try {
    // Each text a slice of the one joined string (no copy of its characters).
    const parts = new Array(bounds.length);
    for (let i = 0, start = 0; i < bounds.length; start = bounds[i++]) parts[i] = pack(joined.slice(start, bounds[i]));
    const ends = new Uint32Array(parts.length);
    let n = 0;
    parts.forEach((p, i) => { n += p.length; ends[i] = n; });
    const all = new Uint8Array(n);
    parts.forEach((p, i) => all.set(p, i === 0 ? 0 : ends[i - 1]));
    parentPort.postMessage({ id, all, ends }, [all.buffer, ends.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e) });
  }
});
`;

type Reply = { id: number; all?: Uint8Array; ends?: Uint32Array; error?: string };

let worker: Worker | undefined;
const waiting = new Map<number, { resolve: (d: Buffer[]) => void; reject: (e: Error) => void }>();
let nextId = 0;

const settleAll = (error: Error) => {
  for (const w of waiting.values()) w.reject(error);
  waiting.clear();
  worker = undefined;
};

const thread = (): Worker => {
  if (worker) return worker;
  const w = new Worker(SCRIPT, { eval: true, execArgv: workerExecArgv() });
  w.on("message", (m: Reply) => {
    const entry = waiting.get(m.id);
    if (!entry) return;
    waiting.delete(m.id);
    if (waiting.size === 0) w.unref();
    if (m.error !== undefined || !m.all || !m.ends) {
      entry.reject(new Error(`pack thread: ${m.error ?? "no result"}`));
      return;
    }
    const all = Buffer.from(m.all.buffer, m.all.byteOffset, m.all.byteLength);
    const out: Buffer[] = new Array(m.ends.length);
    for (let i = 0, start = 0; i < m.ends.length; i++) {
      out[i] = all.subarray(start, m.ends[i]!);
      start = m.ends[i]!;
    }
    entry.resolve(out);
  });
  w.on("error", (e) => settleAll(e instanceof Error ? e : new Error(String(e))));
  w.on("exit", (code) => settleAll(new Error(`pack thread exited (${code})`)));
  w.unref();
  worker = w;
  return w;
};

/**
 * Characters per message to the thread. The texts of one message go as one joined string (and
 * where each ends): the thread receives one large string, which its garbage collector never
 * copies, instead of as many strings as texts, each copied by every young-generation collection
 * they live through while the batch is compressed (most of the thread's time on a sync's answers).
 */
const MESSAGE_CHARS = 1 << 24;

/** Texts joined into one string, and where each ends (its characters). */
type Batch = { joined: string; bounds: Uint32Array };

/** `texts` in batches of at most about `MESSAGE_CHARS` characters (or one text). */
const batchesOf = (texts: readonly string[]): Batch[] => {
  const out: Batch[] = [];
  for (let start = 0; start < texts.length; ) {
    let end = start + 1;
    for (let chars = texts[start]!.length; end < texts.length; end++) {
      chars += texts[end]!.length;
      if (chars > MESSAGE_CHARS) break;
    }
    const part = texts.slice(start, end);
    const bounds = new Uint32Array(part.length);
    for (let i = 0, n = 0; i < part.length; i++) bounds[i] = n += part[i]!.length;
    out.push({ joined: part.join(""), bounds });
    start = end;
  }
  return out;
};

const packOnThread = (w: Worker, batch: Batch): Promise<Buffer[]> => {
  const id = nextId++;
  const result = new Promise<Buffer[]>((resolve, reject) => waiting.set(id, { resolve, reject }));
  w.ref();
  // The bounds are copied, not transferred: the fallback below may still need them.
  w.postMessage({ id, joined: batch.joined, bounds: batch.bounds });
  return result;
};

/** `packJsonText` of each text of `batch`, on this thread. */
const packHere = ({ joined, bounds }: Batch): Buffer[] =>
  Array.from(bounds, (end, i) => packJsonText(joined.slice(i === 0 ? 0 : bounds[i - 1], end)));

/**
 * The stored bytes of each text (`packJsonText`), computed on the pack thread. Falls back to this
 * thread when the thread cannot be started or fails. The texts are not kept meanwhile (only their
 * joined copies are).
 */
export const packJsonTexts = (texts: readonly string[]): Promise<Buffer[]> => {
  if (texts.length === 0) return Promise.resolve([]);
  return packBatches(batchesOf(texts));
};

const packBatches = async (batches: readonly Batch[]): Promise<Buffer[]> => {
  try {
    const w = thread();
    return (await Promise.all(batches.map((b) => packOnThread(w, b)))).flat();
  } catch {
    return batches.flatMap(packHere);
  }
};
