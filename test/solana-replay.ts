/**
 * A small Solana JSON-RPC server on 127.0.0.1 that replays recorded mainnet responses from
 * `test/fixtures/solana` (recorded mainnet data, never modified), with bounded fault injection.
 *
 * What it serves, and where each answer comes from:
 * - `getTransaction`: the recorded `result` for the signature, **in the encoding recorded**
 *   whatever the request asks (Jupiter and staketaxcsv recordings are `jsonParsed`, MetaMask's are
 *   `json` with `meta.loadedAddresses`); `null` for an unknown signature, as a node does.
 * - `getSignaturesForAddress`: staketaxcsv's real `_get_txids` recordings when the request
 *   (address, limit, before) was recorded; otherwise a list **derived** from the recorded
 *   transactions: every recorded transaction whose full key list (lookup-table keys included)
 *   contains the address, as `{signature, slot, err, memo: null, blockTime, confirmationStatus:
 *   "finalized"}`, newest slot first (ties by signature: the real in-slot order is not recorded).
 *   `before`, `until` and `limit` are honoured on both.
 * - `getTokenAccountsByOwner` (`jsonParsed`): staketaxcsv's `_fetch_token_accounts` recordings for
 *   (owner, program) when the owner has any (the three files without a program in their name are
 *   an older call and are not used); otherwise **derived**: the owner's token accounts still open
 *   after the last recorded transaction that touched them, shaped like a node's answer.
 * - `getSlot`: the newest recorded slot. `getBlockTime`: a recorded transaction's `blockTime` for
 *   the slot, else staketaxcsv's `get_block_time` recording (a UTC string, converted), else null.
 * - `getInflationReward` (one address, `{ epoch }`): staketaxcsv's `_get_inflation_reward`
 *   recordings; an (address, epoch) not recorded is a JSON-RPC error (never a made-up null).
 * - `getEpochSchedule`: mainnet's schedule (432,000 slots per epoch, no warm-up: the recorded
 *   rewards' effective slots are epoch × 432,000). `getEpochInfo`: **derived** from the head slot
 *   (`getSlot`) with that schedule.
 * - `getProgramAccounts` (stake program, `memcmp` on the staker or withdrawer field): nothing is
 *   recorded, so it lists only the `stakeAccounts` a test hands the replay — **hand-built**
 *   accounts that tests must label as such — and otherwise none.
 * - `getHealth`, and JSON-RPC batches of any of these.
 *
 * Faults (each bounded by `times`): HTTP 429, a response delayed past the client's timeout, a
 * dropped connection, a garbled body, a `getSignaturesForAddress` page cut short (half of what it
 * should hold although more signatures exist), and a batch refused with a single error object.
 *
 * Bench only: `synthetic` serves `count` made-up signatures for one wallet, each answered with a
 * copy of one of that wallet's recorded transactions under the new signature and slot. Numbers from
 * it are replay throughput, not mainnet data.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from "../chains/solana/rpc.ts";
import { accountKeysOf, type SolanaTransactionResponse } from "../chains/solana/tx-json.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The shared, read-only Solana fixtures. */
/** Recorded Solana responses (copied unchanged from shared/fixtures/solana; see test/fixtures/README.md). */
export const SOLANA_FIXTURES = path.resolve(ROOT, "test/fixtures/solana");

export type ReplayFault =
  /** Answer HTTP 429 (with `Retry-After: 0`). */
  | ({ kind: "429" } & FaultScope)
  /** Hold the answer `delayMs` (longer than the client's timeout). */
  | ({ kind: "delay"; delayMs: number } & FaultScope)
  /** Destroy the socket without answering. */
  | ({ kind: "drop" } & FaultScope)
  /** Answer 200 with a body that is not JSON. */
  | ({ kind: "garbled" } & FaultScope)
  /** Return half a `getSignaturesForAddress` page although more signatures exist. */
  | ({ kind: "short-page" } & FaultScope)
  /** Refuse a JSON-RPC batch with one error object, as endpoints without batch support do. */
  | ({ kind: "no-batch" } & FaultScope);

/** Which requests a fault hits: at most `times`, every `every`-th one (default 1) of `method` (default any). */
export type FaultScope = { times: number; every?: number; method?: string };

/**
 * A stake account for `getProgramAccounts` — hand-built by a test (no such answer is recorded):
 * its authorities and delegation epochs, shaped like a node's `jsonParsed` stake account.
 */
export type HandBuiltStakeAccount = {
  pubkey: string;
  staker: string;
  withdrawer: string;
  lamports: number;
  voter: string;
  activationEpoch: number;
  /** Undefined: never deactivated. */
  deactivationEpoch?: number;
};

/** Mainnet's epoch schedule. */
const SLOTS_PER_EPOCH = 432_000;

export type ReplayOptions = {
  fixturesDir?: string;
  /** Hand-built stake accounts `getProgramAccounts` lists (see `HandBuiltStakeAccount`). */
  stakeAccounts?: HandBuiltStakeAccount[];
  faults?: ReplayFault[];
  /** Bench only: `count` synthetic signatures for `wallet`, replaying its recorded transactions. */
  synthetic?: { wallet: string; count: number };
};

export type ReplayStats = {
  /** HTTP requests received. */
  http: number;
  /** JSON-RPC calls per method (batch items counted one by one). */
  calls: Record<string, number>;
  /** Faults injected per kind. */
  faults: Record<string, number>;
};

export type ReplayServer = {
  url: string;
  stats: () => ReplayStats;
  resetStats: () => void;
  /** Replaces the fault plan (counts start again). */
  setFaults: (faults: ReplayFault[]) => void;
  /** Calls `hook` before answering each JSON-RPC call (tests use it to abort mid-sync). */
  onCall: (hook: ((method: string) => void) | undefined) => void;
  /**
   * Lets `hook` replace each answer's `result` (tests use it to make the node lie). The hook gets
   * a deep copy, so it may mutate it; recorded fixtures stay untouched.
   */
  onAnswer: (hook: ((method: string, params: unknown[], result: unknown) => unknown) | undefined) => void;
  /**
   * Pretends the chain ends at `slot` (undefined = the newest recording): newer transactions are
   * unknown, as they were before they happened. Tests use it for incremental syncs.
   */
  setHead: (slot: number | undefined) => void;
  /** A recorded transaction, as the fixture holds it. */
  transaction: (signature: string) => SolanaTransactionResponse | undefined;
  /** Every recorded transaction with the fixture file it came from. */
  transactions: () => { signature: string; file: string; tx: SolanaTransactionResponse }[];
  close: () => Promise<void>;
};

const REPLAY_ERROR = Symbol("replay error");
/** JSON punctuation as bytes, for answers put together from pieces (`answerBytes`). */
const OPEN_LIST = Buffer.from("[");
const CLOSE_LIST = Buffer.from("]");
const COMMA = Buffer.from(",");
const CLOSE = Buffer.from("}");
/** Returned by an `onAnswer` hook: answer with this JSON-RPC error instead of a result. */
export const replayError = (code: number, message: string) => ({ [REPLAY_ERROR]: { code, message } });

type SignatureEntry = {
  signature: string;
  slot: number;
  err: unknown;
  memo: string | null;
  blockTime: number | null;
  confirmationStatus: string;
};

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, "utf8"));
const listJson = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => path.join(dir, f));

/** Loads every recorded `getTransaction` result (Jupiter, MetaMask, staketaxcsv). */
export const loadRecordedTransactions = (dir = SOLANA_FIXTURES) => {
  const files = [
    ...listJson(path.join(dir, "jupiter-instruction-parser")),
    ...listJson(path.join(dir, "metamask-snap-solana-wallet")),
    ...listJson(path.join(dir, "staketaxcsv/data/SOL/fetch_tx")),
  ];
  return files.map((file) => {
    const tx = (readJson(file) as { result: SolanaTransactionResponse }).result;
    return { signature: tx.transaction.signatures[0]!, file: path.relative(dir, file), tx };
  });
};

/** The recorded transaction whose signature starts with `prefix` (throws when none or several). */
export const recordedTransaction = (prefix: string, dir = SOLANA_FIXTURES): SolanaTransactionResponse => {
  const found = loadRecordedTransactions(dir).filter((r) => r.signature.startsWith(prefix));
  if (found.length !== 1) throw new Error(`${found.length} recorded transactions start with ${prefix}`);
  return found[0]!.tx;
};

/**
 * The transactions of a recorded `getBlock` sample (`coinbase-chainstorage/getBlock-<name>.json`)
 * shaped as `getTransaction` results. A block's transactions carry no slot or block time: the block
 * time is the block's, the slot is taken from the file name when it holds one (`block_241043141`)
 * and is otherwise `parentSlot + 1` — derived, not recorded.
 */
export const loadBlockTransactions = (name: string, dir = SOLANA_FIXTURES): SolanaTransactionResponse[] => {
  const block = readJson(path.join(dir, `coinbase-chainstorage/getBlock-${name}.json`)) as {
    parentSlot: number;
    blockTime: number;
    transactions: Omit<SolanaTransactionResponse, "slot" | "blockTime">[];
  };
  const slot = Number(/_(\d{6,})/.exec(name)?.[1] ?? block.parentSlot + 1);
  return block.transactions.map((t) => ({ ...t, slot, blockTime: block.blockTime }));
};

const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const base58 = (bytes: Uint8Array): string => {
  let n = BigInt(`0x${Buffer.from(bytes).toString("hex") || "0"}`);
  let out = "";
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
};

/** A deterministic fake 64-byte signature (bench only). */
const syntheticSignature = (i: number): string => {
  const a = createHash("sha256").update(`lotwise-bench-${i}-a`).digest();
  const b = createHash("sha256").update(`lotwise-bench-${i}-b`).digest();
  return base58(Buffer.concat([a, b]));
};

export const startSolanaReplay = async (options: ReplayOptions = {}): Promise<ReplayServer> => {
  const dir = options.fixturesDir ?? SOLANA_FIXTURES;
  const recorded = loadRecordedTransactions(dir);
  const txs = new Map(recorded.map((r) => [r.signature, r.tx]));
  const stx = path.join(dir, "staketaxcsv/data/SOL");

  // Real getSignaturesForAddress recordings: wrapper-<address>-<limit>-<before>.json
  const sigRecordings = new Map<string, SignatureEntry[]>();
  const sigRecordedAddresses = new Map<string, Map<string, SignatureEntry>>();
  for (const file of listJson(path.join(stx, "_get_txids"))) {
    const m = /wrapper-([1-9A-HJ-NP-Za-km-z]+)-(\d+)-([1-9A-HJ-NP-Za-km-z]*)\.json$/.exec(file);
    if (!m) continue;
    const list = (readJson(file) as { result: SignatureEntry[] }).result;
    sigRecordings.set(`${m[1]}|${m[2]}|${m[3]}`, list);
    const all = sigRecordedAddresses.get(m[1]!) ?? new Map<string, SignatureEntry>();
    for (const s of list) all.set(s.signature, s);
    sigRecordedAddresses.set(m[1]!, all);
  }

  // Real getTokenAccountsByOwner recordings: wrapper-<owner>-<programId>.json
  const tokenRecordings = new Map<string, unknown>();
  const tokenRecordedOwners = new Set<string>();
  for (const file of listJson(path.join(stx, "_fetch_token_accounts"))) {
    const m = /wrapper-([1-9A-HJ-NP-Za-km-z]+)-(Token[1-9A-HJ-NP-Za-km-z]+)\.json$/.exec(file);
    if (!m) continue;
    tokenRecordings.set(`${m[1]}|${m[2]}`, (readJson(file) as { result: unknown }).result);
    tokenRecordedOwners.add(m[1]!);
  }

  // Real getInflationReward recordings: wrapper-<address>-<epoch>.json
  const rewardRecordings = new Map<string, unknown>();
  for (const file of listJson(path.join(stx, "_get_inflation_reward"))) {
    const m = /wrapper-([1-9A-HJ-NP-Za-km-z]+)-(\d+)\.json$/.exec(file);
    if (m) rewardRecordings.set(`${m[1]}|${m[2]}`, (readJson(file) as { result: unknown }).result);
  }

  const recordedBlockTimes = new Map<number, number>();
  for (const file of listJson(path.join(stx, "get_block_time"))) {
    const m = /get_block_time-(\d+)\.json$/.exec(file);
    const text = readJson(file);
    if (m && typeof text === "string")
      recordedBlockTimes.set(Number(m[1]), Date.parse(`${text.replace(" ", "T")}Z`) / 1000);
  }
  for (const { tx } of recorded)
    if (typeof tx.blockTime === "number") recordedBlockTimes.set(tx.slot, tx.blockTime);

  // Bench only: synthetic signatures for one wallet, newest first.
  const synthetic = new Map<string, SolanaTransactionResponse>();
  /**
   * Bench only: each synthetic transaction's JSON text as UTF-8 bytes, made once here (outside
   * the bench's timed sections), as a node serves stored answers without building them again:
   * what `JSON.stringify` of the transaction gives, spliced into the answer (`answerBytes`).
   */
  const syntheticBytes = new Map<SolanaTransactionResponse, Buffer>();
  const syntheticList: SignatureEntry[] = [];
  if (options.synthetic) {
    const templates = recorded.filter((r) => accountKeysOf(r.tx).includes(options.synthetic!.wallet));
    if (templates.length === 0)
      throw new Error(`no recorded transaction involves ${options.synthetic.wallet}`);
    const topSlot = 400_000_000;
    for (let i = 0; i < options.synthetic.count; i++) {
      const template = templates[i % templates.length]!.tx;
      const signature = syntheticSignature(i);
      const slot = topSlot - i;
      const tx = structuredClone(template);
      tx.transaction.signatures = [signature, ...tx.transaction.signatures.slice(1)];
      tx.slot = slot;
      tx.blockTime = 1_750_000_000 - i;
      synthetic.set(signature, tx);
      syntheticBytes.set(tx, Buffer.from(JSON.stringify(tx), "utf8"));
      syntheticList.push({
        signature,
        slot,
        err: tx.meta?.err ?? null,
        memo: null,
        blockTime: tx.blockTime,
        confirmationStatus: "finalized",
      });
    }
  }

  // Derived signature lists: address → entries, newest first.
  const derived = new Map<string, SignatureEntry[]>();
  for (const { signature, tx } of recorded) {
    for (const key of new Set(accountKeysOf(tx))) {
      const list = derived.get(key) ?? [];
      list.push({
        signature,
        slot: tx.slot,
        err: tx.meta?.err ?? null,
        memo: null,
        blockTime: tx.blockTime ?? null,
        confirmationStatus: "finalized",
      });
      derived.set(key, list);
    }
  }
  const newestFirst = (a: SignatureEntry, b: SignatureEntry) =>
    b.slot - a.slot || (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0);
  for (const list of derived.values()) list.sort(newestFirst);
  const maxSlot = Math.max(...recorded.map((r) => r.tx.slot), ...syntheticList.map((s) => s.slot));

  let head: number | undefined;
  const visible = (slot: number) => head === undefined || slot <= head;

  const signaturesFor = (address: string, cfg: { before?: string; until?: string; limit?: number }) => {
    const limit = cfg.limit ?? 1000;
    if (options.synthetic && address === options.synthetic.wallet) return slice(syntheticList, cfg, limit);
    const exact =
      !cfg.until && head === undefined
        ? sigRecordings.get(`${address}|${limit}|${cfg.before ?? ""}`)
        : undefined;
    if (exact) return exact;
    const recordedAll = sigRecordedAddresses.get(address);
    const list = recordedAll ? [...recordedAll.values()].sort(newestFirst) : (derived.get(address) ?? []);
    return slice(
      list.filter((e) => visible(e.slot)),
      cfg,
      limit,
    );
  };

  const tokenAccountsFor = (owner: string, programId: string, slot: number) => {
    if (tokenRecordedOwners.has(owner)) {
      return tokenRecordings.get(`${owner}|${programId}`) ?? { context: { slot }, value: [] };
    }
    const open = new Map<string, unknown>();
    for (const { tx } of [...recorded]
      .filter((r) => visible(r.tx.slot))
      .sort((a, b) => a.tx.slot - b.tx.slot)) {
      const keys = accountKeysOf(tx);
      const meta = tx.meta!;
      for (const b of meta.preTokenBalances ?? []) if (b.owner === owner) open.delete(keys[b.accountIndex]!);
      for (const b of meta.postTokenBalances ?? []) {
        if (b.owner !== owner || (b.programId ?? TOKEN_PROGRAM_ID) !== programId) continue;
        open.set(keys[b.accountIndex]!, {
          pubkey: keys[b.accountIndex],
          account: {
            data: {
              parsed: {
                info: {
                  isNative: b.mint === "So11111111111111111111111111111111111111112",
                  mint: b.mint,
                  owner,
                  state: "initialized",
                  tokenAmount: b.uiTokenAmount,
                },
                type: "account",
              },
              program: programId === TOKEN_2022_PROGRAM_ID ? "spl-token-2022" : "spl-token",
              space: 165,
            },
            executable: false,
            lamports: meta.postBalances[b.accountIndex],
            owner: programId,
            rentEpoch: 0,
            space: 165,
          },
        });
      }
    }
    return { context: { slot }, value: [...open.values()] };
  };

  let faults: (ReplayFault & { left: number; seen: number })[] = [];
  const setFaults = (list: ReplayFault[]) => {
    faults = list.map((f) => ({ ...f, left: f.times, seen: 0 }));
  };
  setFaults(options.faults ?? []);
  const emptyStats = (): ReplayStats => ({ http: 0, calls: {}, faults: {} });
  let stats = emptyStats();
  let hook: ((method: string) => void) | undefined;
  let answerHook: ((method: string, params: unknown[], result: unknown) => unknown) | undefined;

  const takeFault = (kind: ReplayFault["kind"], method: string) => {
    const f = faults.find((x) => x.kind === kind && x.left > 0 && (!x.method || x.method === method));
    if (!f || f.seen++ % (f.every ?? 1) !== 0) return undefined;
    f.left--;
    stats.faults[kind] = (stats.faults[kind] ?? 0) + 1;
    return f;
  };

  type Call = { jsonrpc?: string; id?: unknown; method?: string; params?: unknown[] };
  const answer = (c: Call): object => {
    const method = String(c.method);
    stats.calls[method] = (stats.calls[method] ?? 0) + 1;
    hook?.(method);
    const params = Array.isArray(c.params) ? c.params : [];
    const ok = (recorded: unknown) => {
      const result = answerHook ? answerHook(method, params, structuredClone(recorded)) : recorded;
      const error = (result as { [REPLAY_ERROR]?: unknown } | null)?.[REPLAY_ERROR];
      return error
        ? { jsonrpc: "2.0", id: c.id ?? null, error }
        : { jsonrpc: "2.0", id: c.id ?? null, result };
    };
    switch (method) {
      case "getHealth":
        return ok("ok");
      case "getSlot":
        return ok(head === undefined ? maxSlot : Math.min(head, maxSlot));
      case "getBlockTime":
        return ok(recordedBlockTimes.get(Number(params[0])) ?? null);
      case "getTransaction": {
        const sig = String(params[0]);
        const tx = synthetic.get(sig) ?? txs.get(sig);
        return ok(tx && visible(tx.slot) ? tx : null);
      }
      case "getSignaturesForAddress": {
        const cfg = (params[1] ?? {}) as { before?: string; until?: string; limit?: number };
        let list = signaturesFor(String(params[0]), cfg);
        if (list.length > 1 && takeFault("short-page", method))
          list = list.slice(0, Math.ceil(list.length / 2));
        return ok(list);
      }
      case "getInflationReward": {
        const addresses = (params[0] ?? []) as string[];
        const epoch = (params[1] as { epoch?: number } | undefined)?.epoch;
        const recorded =
          addresses.length === 1 ? rewardRecordings.get(`${addresses[0]}|${epoch}`) : undefined;
        if (recorded === undefined) {
          return {
            jsonrpc: "2.0",
            id: c.id ?? null,
            error: {
              code: -32099,
              message: `replay: no recorded getInflationReward for ${addresses.join(",")} epoch ${epoch}`,
            },
          };
        }
        return ok(recorded);
      }
      case "getEpochSchedule":
        return ok({
          firstNormalEpoch: 0,
          firstNormalSlot: 0,
          leaderScheduleSlotOffset: SLOTS_PER_EPOCH,
          slotsPerEpoch: SLOTS_PER_EPOCH,
          warmup: false,
        });
      case "getEpochInfo": {
        const slot = head === undefined ? maxSlot : Math.min(head, maxSlot);
        return ok({
          absoluteSlot: slot,
          blockHeight: slot,
          epoch: Math.floor(slot / SLOTS_PER_EPOCH),
          slotIndex: slot % SLOTS_PER_EPOCH,
          slotsInEpoch: SLOTS_PER_EPOCH,
        });
      }
      case "getProgramAccounts": {
        const cfg = (params[1] ?? {}) as { filters?: { memcmp?: { offset: number; bytes: string } }[] };
        const memcmp = cfg.filters?.find((f) => f.memcmp)?.memcmp;
        const list =
          String(params[0]) !== "Stake11111111111111111111111111111111111111"
            ? []
            : (options.stakeAccounts ?? []).filter(
                (a) =>
                  memcmp &&
                  ((memcmp.offset === 12 && a.staker === memcmp.bytes) ||
                    (memcmp.offset === 44 && a.withdrawer === memcmp.bytes)),
              );
        return ok(
          list.map((a) => ({
            pubkey: a.pubkey,
            account: {
              data: {
                parsed: {
                  info: {
                    meta: {
                      authorized: { staker: a.staker, withdrawer: a.withdrawer },
                      lockup: { custodian: "11111111111111111111111111111111", epoch: 0, unixTimestamp: 0 },
                      rentExemptReserve: "2282880",
                    },
                    stake: {
                      creditsObserved: 0,
                      delegation: {
                        activationEpoch: String(a.activationEpoch),
                        deactivationEpoch: String(a.deactivationEpoch ?? "18446744073709551615"),
                        stake: String(a.lamports - 2282880),
                        voter: a.voter,
                        warmupCooldownRate: 0.25,
                      },
                    },
                  },
                  type: "delegated",
                },
                program: "stake",
                space: 200,
              },
              executable: false,
              lamports: a.lamports,
              owner: "Stake11111111111111111111111111111111111111",
              rentEpoch: 0,
              space: 200,
            },
          })),
        );
      }
      case "getTokenAccountsByOwner": {
        const filter = (params[1] ?? {}) as { programId?: string };
        return ok(tokenAccountsFor(String(params[0]), String(filter.programId), maxSlot));
      }
      default:
        return { jsonrpc: "2.0", id: c.id ?? null, error: { code: -32601, message: "Method not found" } };
    }
  };

  /**
   * The UTF-8 bytes of `JSON.stringify(a)`, as pieces: an answer `ok` made (keys `jsonrpc`, `id`,
   * `result`, in that order) whose result is a synthetic transaction takes that transaction's
   * bytes as made once.
   */
  const answerBytes = (a: object, into: Buffer[]): void => {
    const { id, result } = a as { id?: unknown; result?: unknown };
    const bytes =
      result && typeof result === "object"
        ? syntheticBytes.get(result as SolanaTransactionResponse)
        : undefined;
    if (bytes === undefined || id === undefined || Object.keys(a).join() !== "jsonrpc,id,result") {
      into.push(Buffer.from(JSON.stringify(a), "utf8"));
      return;
    }
    const jsonrpc = JSON.stringify((a as { jsonrpc: unknown }).jsonrpc);
    into.push(
      Buffer.from(`{"jsonrpc":${jsonrpc},"id":${JSON.stringify(id)},"result":`, "utf8"),
      bytes,
      CLOSE,
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    stats.http++;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Call | Call[];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Call | Call[];
    } catch {
      res.writeHead(400).end("bad request");
      return;
    }
    const first = String((Array.isArray(body) ? body[0]?.method : body.method) ?? "");
    if (takeFault("drop", first)) {
      req.socket.destroy();
      return;
    }
    if (takeFault("429", first)) {
      res.writeHead(429, { "retry-after": "0", "content-type": "text/plain" }).end("Too many requests");
      return;
    }
    const delay = takeFault("delay", first);
    if (delay && "delayMs" in delay) await new Promise((r) => setTimeout(r, delay.delayMs));
    if (Array.isArray(body) && takeFault("no-batch", first)) {
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(
          '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Batch requests are not supported"}}',
        );
      return;
    }
    if (takeFault("garbled", first)) {
      res.writeHead(200, { "content-type": "application/json" }).end('{"jsonrpc":"2.0","result":[{"sig');
      return;
    }
    // The bytes of JSON.stringify of the answer (a list for a batch).
    const out: Buffer[] = [];
    if (Array.isArray(body)) {
      out.push(OPEN_LIST);
      body.forEach((c, i) => {
        if (i > 0) out.push(COMMA);
        answerBytes(answer(c), out);
      });
      out.push(CLOSE_LIST);
    } else answerBytes(answer(body), out);
    if (res.destroyed) return;
    res.writeHead(200, { "content-type": "application/json" }).end(Buffer.concat(out));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    setFaults,
    onCall: (h) => {
      hook = h;
    },
    onAnswer: (h) => {
      answerHook = h;
    },
    setHead: (slot) => {
      head = slot;
    },
    transaction: (signature) => txs.get(signature),
    transactions: () => recorded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** `before`/`until`/`limit` over a newest-first list, as a node applies them. */
const slice = (
  list: readonly SignatureEntry[],
  cfg: { before?: string; until?: string },
  limit: number,
): SignatureEntry[] => {
  let start = 0;
  if (cfg.before) {
    const i = list.findIndex((s) => s.signature === cfg.before);
    if (i < 0) return [];
    start = i + 1;
  }
  let end = list.length;
  if (cfg.until) {
    const j = list.findIndex((s) => s.signature === cfg.until);
    if (j >= 0) end = j;
  }
  return list.slice(start, Math.min(end, start + limit));
};
