import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parentPort, Worker } from "node:worker_threads";
import { type BlobPart, packBlob } from "../../db/raw-blobs.ts";
import { PACKAGE_ROOT } from "../../src/package-root.ts";
import { workerExecArgv } from "../../src/utils/worker-argv.ts";
import { type NormalizedSolanaTx, normalizeUsableTransaction } from "./normalize.ts";
import { quickResultRanges, type ResultRanges, resultRanges } from "./result-ranges.ts";
import { stakeAccountsControlledIn, touchesStakeProgram } from "./stake-instructions.ts";
import { type JudgedAnswer, judgeAnswer, type SolanaTransactionResponse } from "./tx-json.ts";

/**
 * The body of a `getTransaction` batch answer read on a worker thread: the thread decodes and
 * parses it, judges each answer (tx-json.ts `judgeAnswer`, as rpc.ts `getTransactions` does),
 * packs the usable transactions' own bytes in the body for their raw records, all of the batch
 * compressed together into one blob (result-ranges.ts, db/raw-blobs.ts: no second serialization)
 * and normalizes each for the wallet (normalize.ts,
 * stake-instructions.ts). The sync's thread, which also runs the embedded database, then never
 * parses the node's JSON (about 30 kB a transaction): it gets each transaction's normalized form
 * and stored bytes. A transaction whose normalization
 * depends on the wallet's token accounts found so far (`dependsOnKnownAccounts`), or fails,
 * comes back as its JSON text for the sync to read in page order, as before.
 *
 * The thread's script is `dist/solana-tx-thread.js` (built from tx-thread-main.ts), also when
 * this module runs from the TypeScript sources (tests and benches rebuild dist/ first; Node 20
 * does not apply tsx's loader to a worker's entry). Without it, or when the thread fails, the
 * same reading runs on the caller's thread.
 */

/** What the sync needs of a usable transaction, read on the thread. */
export type TxRead = {
  signature: string;
  slot: number;
  /**
   * Its raw record's bytes as a part of the batch's blob (db/raw-blobs.ts, one blob object shared
   * by the batch's answers): the answer's own bytes in the body, which read as the same JSON value
   * (`JSON.stringify(tx)` when the body could not be cut).
   */
  stored: BlobPart;
} & (
  | { stake: string[]; n: NormalizedSolanaTx }
  /** Its JSON text (as stored), for the caller to read in page order. */
  | { text: string }
);

/**
 * The answers to one batch: judged in request order, or what came instead of a list, or the
 * message of the `SyntaxError` a garbled body gave.
 */
export type TxBatchReading =
  | { answers: JudgedAnswer<TxRead>[] }
  | { notList: { code?: number; message?: string } | undefined }
  | { malformed: string };

/**
 * Whether normalizing `tx` reads the wallet's known token accounts: only token balances without
 * an owner do (normalize.ts `knownTokenAccounts`, for old transactions), and the set grows as
 * pages are stored, so such a transaction is normalized in page order.
 */
export const dependsOnKnownAccounts = (tx: SolanaTransactionResponse): boolean =>
  (tx.meta?.preTokenBalances ?? []).some((b) => !b.owner) ||
  (tx.meta?.postTokenBalances ?? []).some((b) => !b.owner);

/** The body's bytes as a Buffer (no copy). */
const bufferOf = (body: Uint8Array): Buffer => Buffer.from(body.buffer, body.byteOffset, body.byteLength);

/** The body's text as `Response.text()` gives it: UTF-8, a leading byte order mark dropped. */
const decode = (body: Uint8Array): string => {
  const text = bufferOf(body).toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
};

/** Bytes of a leading UTF-8 byte order mark (EF BB BF), which `decode` drops. */
const bomLength = (body: Uint8Array): number =>
  body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;

/** Thrown by `answersInPieces`' reader when a piece of the body is no JSON: parse it whole instead. */
export class PieceNotJson extends Error {}

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Answer `i` of a batch body parsed on its own (its `result` apart from the rest of its object),
 * so that a batch's answers are never all in memory as objects at once: each one is read and
 * dropped before the next is parsed (fewer live objects for the garbage collector to copy and
 * promote; about a quarter of the parsing CPU, GC threads included). The value is the one parsing
 * the whole body gives: the element with its result cut out (`null` in its place: the same key,
 * at the same position) and the result, set back in.
 * @throws PieceNotJson when a piece is no JSON.
 */
const pieceOf = (all: Buffer, r: ResultRanges, i: number): unknown => {
  const from = r.elementStarts[i]!;
  const to = r.elementEnds[i]!;
  const start = r.starts[i]!;
  try {
    if (start < 0) return JSON.parse(all.toString("utf8", from, to));
    const end = r.ends[i]!;
    const answer = JSON.parse(
      `${all.toString("utf8", from, start)}null${all.toString("utf8", end, to)}`,
    ) as Record<string, unknown>;
    answer.result = JSON.parse(all.toString("utf8", start, end));
    return answer;
  } catch (error) {
    if (error instanceof SyntaxError) throw new PieceNotJson(error.message);
    throw error;
  }
};

/**
 * The answers of batch body `all` (`ranges` its `resultRanges`), each parsed when asked for
 * (`pieceOf`); undefined when the body must be parsed whole: the scan did not follow it, or
 * something other than spaces follows the array (JSON.parse refuses that).
 */
export const answersInPieces = (
  all: Buffer,
  ranges: ResultRanges | undefined,
): { count: number; at: (i: number) => unknown } | undefined => {
  if (!ranges) return undefined;
  for (let k = ranges.end; k < all.length; k++) if (!isSpace(all[k]!)) return undefined;
  return { count: ranges.elementStarts.length, at: (i) => pieceOf(all, ranges, i) };
};

/**
 * `readAnswers` answer by answer (`answersInPieces`) when `ranges` followed the body and nothing
 * but spaces follows the array (as JSON.parse requires); undefined when they did not, or a piece
 * is no JSON (the caller then tries the next way, last of all JSON.parse of the whole body, which
 * says why).
 */
const readInPieces = (
  all: Buffer,
  ranges: ResultRanges | undefined,
  pending: readonly string[],
  wallet: string,
): TxBatchReading | undefined => {
  const pieces = answersInPieces(all, ranges);
  if (!ranges || !pieces) return undefined;
  try {
    return readAnswers(all, pieces.count, pieces.at, ranges, pending, wallet);
  } catch (error) {
    if (!(error instanceof PieceNotJson)) throw error;
    return undefined;
  }
};

/**
 * Reads a batch answer's body for `pending` (the signatures asked, in request order) and
 * `wallet`, as web3.js's JSON-RPC client and rpc.ts `getTransactions` would: an empty body is no
 * list; a body that is no JSON is `malformed`.
 */
export const readTransactionAnswers = (
  body: Uint8Array,
  pending: readonly string[],
  wallet: string,
): TxBatchReading => {
  const all = bufferOf(body);
  const from = bomLength(body);
  // A body in the compact shape nodes write: its answers' ranges found by a few searches, then
  // confirmed by parsing each answer (result-ranges.ts `quickResultRanges`); a result whose text
  // holds the next answer's start sends the body to the full scan below.
  const quick = readInPieces(all, quickResultRanges(all, from), pending, wallet);
  if (quick) return quick;
  // Each answer's own bytes in the body (result-ranges.ts), stored as they came; else (a body the
  // scan does not follow) the parsed answer serialized again, as the same JSON text.
  const ranges = resultRanges(body, from);
  const pieces = readInPieces(all, ranges, pending, wallet);
  if (pieces) return pieces;
  const text = decode(body);
  let json: unknown;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch (error) {
      return { malformed: error instanceof Error ? error.message : String(error) };
    }
  }
  if (!Array.isArray(json))
    return { notList: (json as { error?: { code?: number; message?: string } } | null | undefined)?.error };
  const own = ranges?.starts.length === json.length ? ranges : undefined;
  return readAnswers(all, json.length, (i) => json[i], own, pending, wallet);
};

/**
 * Judges, packs and normalizes the `count` answers `answerAt` gives (in order, each asked once);
 * `own` the body's ranges when each answer's own bytes can be cut from it.
 */
const readAnswers = (
  all: Buffer,
  count: number,
  answerAt: (i: number) => unknown,
  own: ResultRanges | undefined,
  pending: readonly string[],
  wallet: string,
): TxBatchReading => {
  const wanted = new Set(pending);
  // The usable answers' bytes, in order, and their parts of the blob (filled in once it is made).
  const texts: Uint8Array[] = [];
  const parts: BlobPart[] = [];
  const answers: JudgedAnswer<TxRead>[] = [];
  for (let i = 0; i < count; i++) answers.push(readAnswer(answerAt(i), i));
  function readAnswer(answer: unknown, i: number): JudgedAnswer<TxRead> {
    const judged = judgeAnswer(answer, wanted);
    if (!("ok" in judged)) return judged;
    const tx = judged.ok;
    let bytes: Buffer;
    let text: () => string;
    if (own && own.starts[i]! >= 0) {
      const slice = all.subarray(own.starts[i]!, own.ends[i]!);
      bytes = slice;
      text = () => slice.toString("utf8");
    } else {
      const json = JSON.stringify(tx);
      bytes = Buffer.from(json, "utf8");
      text = () => json;
    }
    texts.push(bytes);
    const stored: BlobPart = { blob: { bytes: new Uint8Array(0) }, start: 0, end: 0 };
    parts.push(stored);
    const read = { signature: judged.signature, slot: tx.slot, stored };
    if (dependsOnKnownAccounts(tx)) return { ok: { ...read, text: text() }, signature: judged.signature };
    try {
      const stake = touchesStakeProgram(tx) ? stakeAccountsControlledIn(tx, wallet) : [];
      return {
        ok: { ...read, stake, n: normalizeUsableTransaction(tx, wallet) },
        signature: judged.signature,
      };
    } catch {
      return { ok: { ...read, text: text() }, signature: judged.signature };
    }
  }
  if (texts.length > 0) {
    const { blob, ends } = packBlob(texts);
    parts.forEach((p, k) => {
      p.blob = blob;
      p.start = k === 0 ? 0 : ends[k - 1]!;
      p.end = ends[k]!;
    });
  }
  return { answers };
};

/** The body in pieces (joined on the thread). */
type Request = { id: number; body: Uint8Array[]; pending: readonly string[]; wallet: string };
/**
 * The batch's blob travels once (structured cloning keeps the answers' parts sharing one blob
 * object), its bytes transferred.
 */
type Reply = { id: number; reading: TxBatchReading } | { id: number; error: string };

/** The script of the thread, when built. */
const threadScript = (): string | undefined => {
  const file = path.join(PACKAGE_ROOT, "dist", "solana-tx-thread.js");
  return existsSync(file) ? file : undefined;
};

/**
 * How many transaction threads read batches at once: one per core the sync's own thread leaves
 * free (`os.availableParallelism() - 1`), at least 1, at most 4 (the sync keeps
 * `sync.concurrency` batches in flight, 4 by default). `LOTWISE_SOLANA_THREADS` overrides it.
 */
export const txThreadCount = (): number => {
  const set = Number(process.env.LOTWISE_SOLANA_THREADS);
  if (Number.isInteger(set) && set >= 1) return Math.min(set, 16);
  return Math.max(1, Math.min(4, availableParallelism() - 1));
};

/** A started thread and the requests it has not answered yet. */
type Slot = { worker: Worker; waiting: Map<number, Waiter> };
type Waiter = { resolve: (r: TxBatchReading) => void; reject: (e: Error) => void };

let slots: Slot[] = [];
/** False once the script was found missing or a thread failed: read here from then on. */
let usable = true;
let nextId = 0;

/** How many transaction threads are running (for tests). */
export const txThreadsRunning = (): number => slots.length;

/** A thread died: every thread's requests fail (their callers ask again) and later ones are read here. */
const failAll = (error: Error) => {
  const dead = slots;
  slots = [];
  usable = false;
  for (const s of dead) {
    for (const w of s.waiting.values()) w.reject(error);
    s.waiting.clear();
    s.worker.removeAllListeners();
    void s.worker.terminate();
  }
};

const start = (script: string): Slot => {
  const w = new Worker(pathToFileURL(script), { execArgv: workerExecArgv() });
  const slot: Slot = { worker: w, waiting: new Map() };
  w.on("message", (m: Reply) => {
    const entry = slot.waiting.get(m.id);
    if (!entry) return;
    slot.waiting.delete(m.id);
    if (slot.waiting.size === 0) w.unref();
    if ("error" in m) {
      entry.reject(new Error(`solana transaction thread: ${m.error}`));
      return;
    }
    entry.resolve(m.reading);
  });
  w.on("error", (e) => failAll(e instanceof Error ? e : new Error(String(e))));
  w.on("exit", (code) => failAll(new Error(`solana transaction thread exited (${code})`)));
  w.unref();
  return slot;
};

/** The least busy thread, started on first need (up to `txThreadCount()`); undefined when not usable. */
const thread = (): Slot | undefined => {
  if (!usable) return undefined;
  const idle = slots.find((s) => s.waiting.size === 0);
  if (idle) return idle;
  if (slots.length < txThreadCount()) {
    const script = threadScript();
    if (!script) {
      usable = false;
      return undefined;
    }
    const slot = start(script);
    slots.push(slot);
    return slot;
  }
  return slots.reduce((a, b) => (b.waiting.size < a.waiting.size ? b : a), slots[0]!);
};

/** `thread()`, or undefined when a thread cannot start (`new Worker` threw): none is tried again. */
const threadOrNone = (): Slot | undefined => {
  try {
    return thread();
  } catch {
    usable = false;
    return undefined;
  }
};

/**
 * Starts a transaction thread now unless one runs (or none can): a thread takes 0.1 to 0.5 s to
 * boot and load its script (more on a busy machine), during which the batches already fetched
 * wait. The sync starts it as it begins, before it lists signatures. Unref'd: an idle thread does
 * not keep the process alive.
 */
export const startTxThread = (): void => {
  if (slots.length === 0) threadOrNone();
};

/** The body's pieces joined (the one piece itself when there is one). */
const joined = (pieces: readonly Uint8Array[]): Uint8Array =>
  pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);

/**
 * `readTransactionAnswers` on the transaction thread; the body's `pieces` (http-post.ts `pieces`:
 * each over an ArrayBuffer of its own) are transferred (the caller must not use them afterwards)
 * and joined there. Reads on this thread when the thread is not built or cannot start.
 * @throws Error when the thread failed while reading (the body went with it: ask again).
 */
export const readTransactionAnswersOnThread = async (
  pieces: readonly Uint8Array[],
  pending: readonly string[],
  wallet: string,
): Promise<TxBatchReading> => {
  const slot = threadOrNone();
  if (!slot) return readTransactionAnswers(joined(pieces), pending, wallet);
  const id = nextId++;
  const { worker, waiting } = slot;
  const reading = new Promise<TxBatchReading>((resolve, reject) => waiting.set(id, { resolve, reject }));
  worker.ref();
  // A piece over part of a buffer (e.g. of Node's shared Buffer pool) goes as a copy: its
  // transfer would detach the rest of that buffer.
  const sent = pieces.map((p) =>
    p.buffer instanceof ArrayBuffer && p.byteOffset === 0 && p.byteLength === p.buffer.byteLength
      ? p
      : new Uint8Array(p),
  );
  const request: Request = { id, body: sent, pending, wallet };
  worker.postMessage(request, [...new Set(sent.map((p) => p.buffer as ArrayBuffer))]);
  return reading;
};

/**
 * The thread's side: answers `readTransactionAnswersOnThread`'s requests. A body in pieces is
 * joined in one buffer kept from one request to the next (grown when too small): nothing read from
 * a body outlives its request (answers are copied out: their texts, their blob), and a new buffer
 * for each 1–3 MB body cost more than the copy into it (fresh memory).
 */
export const runTxThread = (): void => {
  const port = parentPort;
  if (!port) throw new Error("solana transaction thread: not started as a worker thread");
  let scratch = Buffer.allocUnsafeSlow(0);
  const join = (pieces: readonly Uint8Array[]): Uint8Array => {
    if (pieces.length === 1) return pieces[0]!;
    let n = 0;
    for (const p of pieces) n += p.byteLength;
    if (scratch.length < n) scratch = Buffer.allocUnsafeSlow(Math.max(n, 2 * scratch.length));
    let at = 0;
    for (const p of pieces) {
      scratch.set(p, at);
      at += p.byteLength;
    }
    return scratch.subarray(0, n);
  };
  port.on("message", ({ id, body, pending, wallet }: Request) => {
    try {
      const reading = readTransactionAnswers(join(body), pending, wallet);
      if (!("answers" in reading)) {
        port.postMessage({ id, reading } satisfies Reply);
        return;
      }
      const first = reading.answers.find((a) => "ok" in a);
      const blob = first && "ok" in first ? first.ok.stored.blob.bytes.buffer : undefined;
      port.postMessage({ id, reading } satisfies Reply, blob ? [blob as ArrayBuffer] : []);
    } catch (error) {
      port.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies Reply);
    }
  });
};
