import { Worker } from "node:worker_threads";
import { PACK_LEVEL, PACK_MIN_CHARS, packJsonText } from "./packed-json.ts";

/**
 * `packJsonText` for many texts on a worker thread, so that a sync's compression (about 1 s of
 * CPU per 150 MB of Solana answers) runs beside its fetching, normalizing and PGlite writes
 * instead of adding to them. One thread for the process, started on first use and not holding
 * the process open while idle. Its code is a few lines of plain JavaScript evaluated as the
 * thread's script (no build step: the same under tsx and from dist/). Results are the bytes
 * `packJsonText` gives for each text, in order.
 *
 * Taps (`tapJsonRpcAnswers`): a JSON-RPC answer body handed over as it came from the node is
 * parsed on the thread and each result whose key (`keyOf`) is known is serialized and packed
 * there, so that the caller's thread, which parses the same body for its own use, need not
 * serialize the result again: `packJsonTexts` takes a key in place of a text and gets the same
 * bytes (`JSON.stringify` of the same parsed JSON is the same text). A key the thread does not
 * hold (never tapped, dropped, or the tap failed) is packed on the caller's thread from its text.
 */

/**
 * Tapped results the thread keeps at most, oldest dropped first (about 25 MB of Solana answers;
 * a sync takes each page's within seconds, and a dropped one is packed from its text).
 */
const MAX_TAPPED = 5_000;

const SCRIPT = `
const { parentPort } = require("node:worker_threads");
const { deflateSync } = require("node:zlib");
const pack = (t) =>
  t.length >= ${PACK_MIN_CHARS} ? deflateSync(t, { level: ${PACK_LEVEL} }) : Buffer.from(t, "utf8");
const tapped = new Map();
const keyOf = {
  solanaTx: (r) => r && r.transaction && Array.isArray(r.transaction.signatures) ? r.transaction.signatures[0] : undefined,
};
parentPort.on("message", (m) => {
  if (m.tap) {
    try {
      const body = JSON.parse(Buffer.from(m.tap).toString("utf8"));
      for (const item of Array.isArray(body) ? body : [body]) {
        const key = item && item.result != null ? keyOf[m.kind](item.result) : undefined;
        if (typeof key !== "string") continue;
        tapped.delete(key);
        tapped.set(key, pack(JSON.stringify(item.result)));
        if (tapped.size > ${MAX_TAPPED}) tapped.delete(tapped.keys().next().value);
      }
    } catch {}
    return;
  }
  const { id, items } = m;
  try {
    const missing = [];
    const parts = items.map((x, i) => {
      if (typeof x === "string") return pack(x);
      const b = tapped.get(x.key);
      tapped.delete(x.key);
      if (b === undefined) missing.push(i);
      return b || Buffer.alloc(0);
    });
    const ends = new Uint32Array(parts.length);
    let n = 0;
    parts.forEach((p, i) => { n += p.length; ends[i] = n; });
    const all = new Uint8Array(n);
    parts.forEach((p, i) => all.set(p, i === 0 ? 0 : ends[i - 1]));
    parentPort.postMessage({ id, all, ends, missing }, [all.buffer, ends.buffer]);
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e) });
  }
});
`;

type Reply = { id: number; all?: Uint8Array; ends?: Uint32Array; missing?: number[]; error?: string };

/** What a tapped body's results are keyed by: `solanaTx`, a `getTransaction` answer's signature. */
export type TapKind = "solanaTx";

/** A text to pack, or the key of a tapped result with the text to pack should the thread lack it. */
export type PackItem = string | { key: string; text: () => string };

let worker: Worker | undefined;
type Done = { out: Buffer[]; missing: number[] };
const waiting = new Map<number, { resolve: (d: Done) => void; reject: (e: Error) => void }>();
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
    entry.resolve({ out, missing: m.missing ?? [] });
  });
  w.on("error", (e) => settleAll(e instanceof Error ? e : new Error(String(e))));
  w.on("exit", (code) => settleAll(new Error(`pack thread exited (${code})`)));
  w.unref();
  worker = w;
  return w;
};

/**
 * Hands a JSON-RPC answer body (one answer or a batch, as received) to the pack thread, which
 * packs each result keyed by `kind` for a later `packJsonTexts` (see the module comment). `body`
 * is transferred: the caller must not use it afterwards. Never throws.
 */
export const tapJsonRpcAnswers = (kind: TapKind, body: ArrayBuffer): void => {
  try {
    thread().postMessage({ tap: body, kind }, [body]);
  } catch {
    // Untapped: the keys are packed from their texts.
  }
};

/**
 * The stored bytes of each item (`packJsonText` of its text, or of a tapped result's), computed
 * on the pack thread. Falls back to this thread when the thread cannot be started or fails.
 */
export const packJsonTexts = async (items: readonly PackItem[]): Promise<Buffer[]> => {
  const local = (x: PackItem) => packJsonText(typeof x === "string" ? x : x.text());
  if (items.length === 0) return [];
  let done: Done;
  try {
    const w = thread();
    const id = nextId++;
    const result = new Promise<Done>((resolve, reject) => waiting.set(id, { resolve, reject }));
    w.ref();
    w.postMessage({ id, items: items.map((x) => (typeof x === "string" ? x : { key: x.key })) });
    done = await result;
  } catch {
    return items.map(local);
  }
  for (const i of done.missing) done.out[i] = local(items[i]!);
  return done.out;
};
