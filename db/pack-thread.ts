import { Worker } from "node:worker_threads";
import { PACK_LEVEL, PACK_MIN_CHARS, packJsonText } from "./packed-json.ts";

/**
 * `packJsonText` for many texts on a worker thread, so that a sync's compression (about 1 s of
 * CPU per 150 MB of Solana answers) runs beside its fetching, normalizing and PGlite writes
 * instead of adding to them. One thread for the process, started on first use and not holding
 * the process open while idle. Its code is a few lines of plain JavaScript evaluated as the
 * thread's script (no build step: the same under tsx and from dist/). Results are the bytes
 * `packJsonText` gives for each text, in order. (A Solana sync packs its transactions on its own
 * thread instead, chains/solana/tx-thread.ts, where it parses them.)
 */

const SCRIPT = `
const { parentPort } = require("node:worker_threads");
const { deflateSync } = require("node:zlib");
const pack = (t) =>
  t.length >= ${PACK_MIN_CHARS} ? deflateSync(t, { level: ${PACK_LEVEL} }) : Buffer.from(t, "utf8");
parentPort.on("message", (m) => {
  const { id, items } = m;
  try {
    const parts = items.map(pack);
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
  const w = new Worker(SCRIPT, { eval: true });
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
 * The stored bytes of each text (`packJsonText`), computed on the pack thread. Falls back to this
 * thread when the thread cannot be started or fails.
 */
export const packJsonTexts = async (texts: readonly string[]): Promise<Buffer[]> => {
  if (texts.length === 0) return [];
  try {
    const w = thread();
    const id = nextId++;
    const result = new Promise<Buffer[]>((resolve, reject) => waiting.set(id, { resolve, reject }));
    w.ref();
    w.postMessage({ id, items: texts });
    return await result;
  } catch {
    return texts.map(packJsonText);
  }
};
