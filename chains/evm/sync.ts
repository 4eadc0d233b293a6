import { and, eq, sql } from "drizzle-orm";
import { getAddress } from "viem";
import type { DbOrTx } from "../../db/client.ts";
import { evmScans } from "../../db/schema/index.ts";
import { rebasingAssets } from "../../src/assets/rebasing.ts";
import { NonRetryableError } from "../../src/errors.ts";
import { createFetchAhead } from "../../src/utils/fetch-ahead.ts";
import { withRetry } from "../../src/utils/retry.ts";
import { yieldToEventLoop } from "../../src/utils/yield.ts";
import { finalityDepthOf, walletKey } from "../registry.ts";
import { createDbRpcCache } from "../rpc-cache.ts";
import {
  getCursor,
  type MovementRow,
  type PackedRawRecordRow,
  packRawRecords,
  type RawRecordRow,
  saveBlocks,
  saveRawRecords,
  saveTransactionsWithMovements,
  setCursor,
  type TransactionRow,
  walletTotals,
} from "../store.ts";
import {
  createHttpTransport,
  isMethodUnsupported,
  RpcProviderError,
  type RpcTransport,
} from "../transport.ts";
import type { SyncWalletArgs, SyncWalletResult } from "../types.ts";
import { hexToBig } from "./abi.ts";
import {
  BLOCK_SCAN_STEP,
  type CallsMode,
  createDiscoveryState,
  type DiscoveryState,
  discoverRange,
  type Found,
  type ScanRow,
  saveScans,
} from "./discover.ts";
import { createExplorer, type ExplorerConfig } from "./explorer.ts";
import { checkReorg, finalBlock } from "./finality.ts";
import { findHistoryStart, type HistoryStart } from "./first-activity.ts";
import {
  decodeTokenTransfers,
  normalizeTransaction,
  type TokenInfo,
  type TokenTransfer,
} from "./normalize.ts";
import { sampleRebases } from "./rebase.ts";
import {
  type BlockHeader,
  getBlockHeaders,
  getChainHead,
  getTransactionsWithReceipts,
  getTxTraces,
  type RpcReceipt,
  type RpcTransaction,
  type TraceMethod,
  type TxTraces,
  validateReceipt,
  validateTransaction,
} from "./rpc.ts";
import { hasStoredAnswersIn, loadStoredAnswers, type StoredAnswers } from "./stored.ts";
import { ensureTokens, type TokenStandard } from "./tokens.ts";

/**
 * One wallet's EVM sync: cursors, finality, incremental steps, progress, and atomic writes.
 *
 * A run reads the chain head, rechecks non-final data (finality.ts), then walks the blocks after
 * the wallet's cursor in steps of at most `stepBlocks`: discover (discover.ts) → fetch
 * transactions, receipts, headers and traces (rpc.ts, cached when final) → token metadata
 * (tokens.ts) → normalize (normalize.ts) → write raw records, transactions, movements, scans and
 * cursors in one database transaction per chunk of at most `CHUNK_TXS` transactions. A killed run
 * resumes at the last committed chunk; every write is idempotent, so the rows come out identical.
 */

/** Cursor sources of the EVM family (one row per wallet and source). */
export const CURSOR_SOURCES = ["evm:logs", "evm:calls"] as const;

/** Cursor position: every block up to `finalTo` is final and fully stored for the wallet. */
export type EvmCursor = {
  /** Decimal block number. */
  finalTo: string;
  /** Methods detected on the node, reused by the next run (no detection calls). */
  callsMode?: CallsMode;
  traceMethod?: TraceMethod | "none";
  /** Where the wallet's history scan started and why (decided on the first sync). */
  start?: HistoryStart;
};

/** Transactions per committed chunk: bounds memory and the work a crash can lose. */
const CHUNK_TXS = 500;
/**
 * Transactions in a step's first chunk; each next chunk doubles it, up to `CHUNK_TXS`. Normalizing
 * and writing (this thread's work, longer than fetching) start once a first few answers are in,
 * instead of after a whole chunk's fetch with nothing else to do; later chunks are fetched while
 * earlier ones are written (`PREFETCH_CHUNKS`), so the next, larger, fetch is ready about when
 * that write ends.
 */
const FIRST_CHUNK_TXS = 100;
/**
 * Chunks being fetched while one is normalized and written (src/utils/fetch-ahead.ts). Two keep
 * the node's queue full while this thread is inside a long write (answers that arrive meanwhile
 * wait unread, and only then are the next requests sent): the loop waits about half as long for
 * answers as with one (bench evm-sync). At most `PREFETCH_CHUNKS + 1` chunks' answers are held in
 * memory (up to 1,500 transactions with receipts).
 */
const PREFETCH_CHUNKS = 2;

export type EvmSyncOptions = {
  /** @defaultValue config `sync.stepBlocks` */
  stepBlocks?: number;
  /** @defaultValue config `finality.<chain>`, else the registry's depth */
  finalityDepth?: number;
  /** @defaultValue config `explorers.<chain>` */
  explorer?: ExplorerConfig | undefined;
  /** Explorer tuning (tests page with tiny pages and no spacing). */
  explorerPageSize?: number;
  explorerMinIntervalMs?: number;
  /** First `eth_getLogs` / `trace_filter` range in blocks. @defaultValue 10000 */
  initialRange?: number;
  /** Force a discovery method instead of detecting it. */
  callsMode?: CallsMode;
  /** Force a per-transaction trace method instead of detecting it. */
  traceMethod?: TraceMethod | "none";
  /** Transport tuning; defaults from config `sync.*`. */
  concurrency?: number;
  maxAttempts?: number;
  timeoutMs?: number;
  retryBaseMs?: number;
  maxBatch?: number;
  /** Use this transport instead of creating one (tests inspect its stats). */
  transport?: RpcTransport;
  /**
   * First block to scan on the wallet's first sync (`lotwise sync --from-block`); without it the
   * start is searched (first-activity.ts). Ignored once the wallet has a cursor.
   */
  fromBlock?: bigint | undefined;
};

type Context = {
  db: DbOrTx;
  rpc: RpcTransport;
  args: SyncWalletArgs;
  address: string;
  safe: bigint;
  discovery: DiscoveryState;
  /** Per-transaction trace method: detected, remembered from the last run, or forced (tests). */
  trace: { method: TraceMethod | "none" | undefined; forced: boolean };
  warnings: Set<string>;
  /** Token metadata looked up in this run, by checksummed contract (`tokensOf`). */
  tokens: Map<string, Promise<TokenInfo>>;
  /** Node answers read back from raw records instead of asked for (reported as cache hits). */
  reused: number;
  /** Whether the current step's final blocks hold any raw record (`hasStoredAnswersIn`). */
  storedInStep: boolean;
  /** The wallet's cursor when the run started: cursors never move back. */
  finalTo: bigint;
  /** Where the history scan started (kept in the cursor). */
  start?: HistoryStart | undefined;
};

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

const traceMethodOf = (t: TxTraces): TraceMethod =>
  t.format === "parity" ? "trace_transaction" : "debug_traceTransaction";

/**
 * Per-transaction traces, falling back trace_transaction → debug_traceTransaction → none. Final
 * traces stored earlier (`stored`) are used when their method is the one in use (or none is yet).
 */
const fetchTraces = async (
  ctx: Context,
  all: Found[],
  stored: ReadonlyMap<string, StoredAnswers>,
): Promise<Map<string, TxTraces>> => {
  const out = new Map<string, TxTraces>();
  if (ctx.trace.method === "none" && ctx.trace.forced) return out;
  const refs: Found[] = [];
  for (const r of all) {
    const t = r.block <= ctx.safe ? stored.get(r.hash)?.traces : undefined;
    const inUse = ctx.trace.method === "none" ? undefined : ctx.trace.method;
    if (t && (inUse === undefined ? !ctx.trace.forced : traceMethodOf(t) === inUse)) {
      out.set(r.hash, t);
      ctx.trace.method = traceMethodOf(t);
    } else refs.push(r);
  }
  if (refs.length === 0) return out;
  const order: TraceMethod[] =
    ctx.discovery.callsMode === "trace_filter" || ctx.discovery.callsMode === undefined
      ? ["trace_transaction", "debug_traceTransaction"]
      : ["debug_traceTransaction", "trace_transaction"];
  const current = ctx.trace.method;
  if (current === "none" && ctx.trace.forced) return out;
  const candidates =
    ctx.trace.forced && current
      ? [current]
      : current && current !== "none"
        ? [current, ...order.filter((m) => m !== current)]
        : order;
  for (const method of candidates) {
    if (method === "none") return out;
    try {
      // Not cached: the answers are stored once, as raw records (stored.ts).
      const traces = await getTxTraces(ctx.rpc, refs, method, -1n);
      for (const [i, r] of refs.entries()) out.set(r.hash, traces[i]!);
      ctx.trace.method = method;
      return out;
    } catch (error) {
      if (!isMethodUnsupported(error) || ctx.trace.forced) throw error;
    }
  }
  ctx.trace.method = "none";
  ctx.warnings.add("the node offers no transaction traces: internal transfers are not recorded");
  return out;
};

/** One chunk's node answers (fetched, or read back from raw records), not yet normalized. */
type FetchedChunk = {
  chunk: Found[];
  fetched: { tx: RpcTransaction; receipt: RpcReceipt }[];
  headers: Map<bigint, BlockHeader>;
  traces: Map<string, TxTraces>;
  /** The new answers' raw records, packed on the pack thread (db/pack-thread.ts) meanwhile. */
  raw: Promise<PackedRawRecordRow[]>;
  /** Each receipt's token transfers (`decodeTokenTransfers`). */
  transfers: TokenTransfer[][];
  /** Metadata of the tokens the wallet moves in the chunk (`tokensOf`). */
  tokens: Map<string, TokenInfo>;
};

/** One chunk fetched and normalized, ready to write. */
type PreparedChunk = {
  txRows: TransactionRow[];
  moveRows: MovementRow[];
  raw: Promise<PackedRawRecordRow[]>;
  blockRows: Map<bigint, BlockHeader>;
  count: number;
};

/**
 * Fetches one chunk's transactions, receipts, headers and traces, starts packing the new answers'
 * raw records on the pack thread (so that it runs while the chunk is normalized), and looks up the
 * metadata of the tokens it moves (`tokensOf`: stores that of tokens met for the first time, and
 * writes nothing else).
 */
const fetchChunk = async (ctx: Context, chunk: Found[]): Promise<FetchedChunk> => {
  const { db, rpc, args, safe } = ctx;
  const chain = args.chain;
  // Final answers stored earlier (this wallet's or another's) instead of RPC calls.
  const stored = ctx.storedInStep
    ? await loadStoredAnswers(
        db,
        chain.id,
        chunk.filter((f) => f.block <= safe).map((f) => f.hash),
      )
    : new Map<string, StoredAnswers>();
  const missing = chunk.filter((f) => {
    const s = f.block <= safe ? stored.get(f.hash) : undefined;
    return !(s?.tx && s.receipt);
  });
  // Transactions with receipts, headers and traces asked for at once (they are independent).
  // Not cached: the answers are stored once, as raw records.
  const [answers, headers, traces] = await Promise.all([
    getTransactionsWithReceipts(rpc, missing, -1n),
    getBlockHeaders(
      rpc,
      chunk.map((f) => f.block),
      { safe },
    ),
    fetchTraces(
      ctx,
      chunk.filter((f) => f.calls),
      stored,
    ),
  ]);
  const byHash = new Map(missing.map((f, i) => [f.hash, answers[i]!]));
  const raw: RawRecordRow[] = [];
  const fetched = chunk.map((ref) => {
    const got = byHash.get(ref.hash);
    let answer = got;
    if (!answer) {
      const s = stored.get(ref.hash)!;
      const tx = validateTransaction(chain.id, s.tx, ref);
      answer = { tx, receipt: validateReceipt(chain.id, s.receipt, tx) };
    }
    const record = (kind: string, index: number, data: unknown): RawRecordRow => ({
      chain: chain.id,
      txHash: ref.hash,
      blockNumber: ref.block,
      blockHash: answer.receipt.blockHash,
      kind,
      index,
      data,
    });
    // Records read back from storage are there already (and immutable): only new answers are written.
    if (got) {
      raw.push(record("tx", -1, got.tx));
      // The whole receipt, logs included: one record (the node's answer as it came).
      raw.push(record("receipt", -1, got.receipt));
    } else ctx.reused += 2;
    const txTraces = traces.get(ref.hash);
    if (txTraces !== undefined && txTraces === stored.get(ref.hash)?.traces) ctx.reused++;
    else if (txTraces?.format === "parity") {
      for (const [j, t] of txTraces.traces.entries()) raw.push(record("trace", j, t));
    } else if (txTraces) raw.push(record("call_trace", -1, txTraces.frame));
    return answer;
  });
  const packed = packRawRecords(raw);
  // Decoded once: for the token metadata here, and by normalizeTransaction.
  const transfers = fetched.map(({ receipt }) => decodeTokenTransfers(receipt.logs));
  const tokens = await tokensOf(ctx, transfers);
  return { chunk, fetched, headers, traces, raw: packed, transfers, tokens };
};

/**
 * Metadata of the tokens the wallet moves in `transfers` (tokens.ts: read from the tokens table,
 * else asked for and stored), each looked up once per run: chunks fetched at the same time share
 * one lookup. Asked for while the chunk is fetched, not when it is normalized: there the calls
 * would queue behind the next chunks' prefetched requests, and this thread wait for them all.
 */
const tokensOf = async (
  ctx: Context,
  transfers: readonly TokenTransfer[][],
): Promise<Map<string, TokenInfo>> => {
  const wanted = new Map<string, TokenStandard>();
  for (const list of transfers) {
    for (const t of list) {
      // Both sides are checksummed (as the wallet's address is): equal exactly when the same.
      if (t.from !== ctx.address && t.to !== ctx.address) continue;
      const standard: TokenStandard =
        t.evidence === "erc721" || t.evidence === "erc1155" ? t.evidence : "erc20";
      if (!wanted.has(t.contract)) wanted.set(t.contract, standard);
    }
  }
  const ask = new Map([...wanted].filter(([address]) => !ctx.tokens.has(address)));
  if (ask.size > 0) {
    const lookup = ensureTokens({ db: ctx.db, rpc: ctx.rpc, chain: ctx.args.chain.id, wanted: ask });
    for (const address of ask.keys()) {
      const info = lookup.then((found) => found.get(address)!);
      // A failed lookup is not kept: the step's retry asks again. Awaited below (or by another chunk).
      info.catch(() => {
        if (ctx.tokens.get(address) === info) ctx.tokens.delete(address);
      });
      ctx.tokens.set(address, info);
    }
  }
  // Every promise taken before the first await: a lookup that fails meanwhile leaves the map
  // (above), and its address must then fail here, not read as missing.
  const pending = [...wanted.keys()].map((address) => [address, ctx.tokens.get(address)!] as const);
  const out = new Map<string, TokenInfo>();
  for (const [address, info] of pending) out.set(address, await info);
  return out;
};

/** Normalizes one fetched chunk (writes nothing). */
const normalizeChunk = async (ctx: Context, f: FetchedChunk): Promise<PreparedChunk> => {
  const { args, safe } = ctx;
  const chain = args.chain;
  const { chunk, fetched, headers, traces, transfers, tokens } = f;

  const txRows: TransactionRow[] = [];
  const moveRows: MovementRow[] = [];
  const blockRows = new Map<bigint, BlockHeader>();
  for (const [i, { tx, receipt }] of fetched.entries()) {
    if (i % 100 === 99) await yieldToEventLoop();
    const ref = chunk[i]!;
    const header = headers.get(ref.block)!;
    if (header.hash !== receipt.blockHash) {
      throw new RpcProviderError(
        `${chain.id}: transaction ${ref.hash} names block hash ${receipt.blockHash}, block ${ref.block} is ${header.hash}`,
      );
    }
    blockRows.set(ref.block, header);
    const n = normalizeTransaction({
      chain,
      wallet: { id: args.wallet.id, address: ctx.address },
      tx,
      receipt,
      traces: traces.get(ref.hash),
      block: header,
      final: ref.block <= safe,
      tokens,
      tokenTransfers: transfers[i],
    });
    txRows.push(n.transaction);
    moveRows.push(...n.movements);
  }

  return { txRows, moveRows, raw: f.raw, blockRows, count: fetched.length };
};

/**
 * Writes a prepared chunk — block headers, raw records, transactions and movements, scans, the
 * RPC answers cached while fetching it — and moves the cursors to `cursorTo`, in one transaction.
 */
const commitChunk = async (ctx: Context, prepared: PreparedChunk, scans: ScanRow[], cursorTo: bigint) => {
  const { db, rpc, args } = ctx;
  const chain = args.chain;
  const { txRows, moveRows, blockRows } = prepared;
  const raw = await prepared.raw;
  const cursorBase = {
    callsMode: ctx.discovery.callsMode,
    traceMethod: ctx.trace.method,
    ...(ctx.start ? { start: ctx.start } : {}),
  };
  await db.transaction(async (tx) => {
    await saveBlocks(
      tx,
      [...blockRows.entries()].map(([number, h]) => ({
        chain: chain.id,
        number,
        hash: h.hash,
        parentHash: h.parentHash,
        timestamp: hexToBig(h.timestamp),
      })),
    );
    await yieldToEventLoop();
    await saveRawRecords(tx, raw);
    await yieldToEventLoop();
    await saveTransactionsWithMovements(tx, txRows, moveRows);
    await yieldToEventLoop();
    await saveScans(tx, scans);
    await rpc.flushCache?.(tx);
    if (cursorTo > ctx.finalTo) {
      for (const source of CURSOR_SOURCES) {
        const position: EvmCursor = { finalTo: cursorTo.toString(), ...cursorBase } as EvmCursor;
        await setCursor(tx, {
          walletId: args.wallet.id,
          source,
          chain: chain.id,
          position: JSON.parse(JSON.stringify(position)),
        });
      }
    }
  });
  return prepared.count;
};

/**
 * Splits a step's transactions into chunks of about `FIRST_CHUNK_TXS`, twice that, … up to
 * `CHUNK_TXS`, never splitting a block.
 */
const chunkByBlock = (found: Found[]): Found[][] => {
  const chunks: Found[][] = [];
  let cur: Found[] = [];
  let size = Math.min(FIRST_CHUNK_TXS, CHUNK_TXS);
  for (const f of found) {
    if (cur.length >= size && cur[cur.length - 1]!.block !== f.block) {
      chunks.push(cur);
      cur = [];
      size = Math.min(2 * size, CHUNK_TXS);
    }
    cur.push(f);
  }
  chunks.push(cur);
  return chunks;
};

/**
 * Syncs one wallet on an EVM chain (see the module comment).
 * @throws NonRetryableError when the endpoint serves another chain; UnrecoverableReorgError when
 *   final data changed; RpcProviderError / RetryableError when the node keeps failing; the
 *   signal's reason when aborted.
 */
export const syncEvmWallet = async (
  args: SyncWalletArgs,
  options: EvmSyncOptions = {},
): Promise<SyncWalletResult> => {
  const { common, database, wallet, chain, signal } = args;
  const { config } = common;
  const db = database.db;
  const address = getAddress(wallet.address);
  const logger = common.logger.child({ action: "evm_sync", chain: chain.id, wallet: address });
  const depth = options.finalityDepth ?? finalityDepthOf(chain, config.finality);
  const rpc =
    options.transport ??
    createHttpTransport({
      chain: chain.id,
      url: args.rpcUrl,
      logger,
      cache: createDbRpcCache(db, chain.id),
      concurrency: options.concurrency ?? config.sync.concurrency,
      maxAttempts: options.maxAttempts ?? config.sync.maxAttempts,
      timeoutMs: options.timeoutMs ?? config.sync.timeoutMs,
      signal,
      gate: args.endpointGate,
      ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
      ...(options.maxBatch !== undefined ? { maxBatch: options.maxBatch } : {}),
    });

  const { chainId, head } = await getChainHead(rpc);
  if (chain.chainId !== undefined && chainId !== chain.chainId) {
    throw new NonRetryableError(
      `the RPC endpoint for ${chain.id} serves chain id ${chainId}, not ${chain.chainId}`,
    );
  }
  const safe = finalBlock(head, depth);
  const cursors = await Promise.all(CURSOR_SOURCES.map((s) => getCursor<EvmCursor>(db, wallet.id, s)));
  const finalTo = cursors.reduce((lo, c) => min(lo, c ? BigInt(c.finalTo) : -1n), head);
  const remembered = cursors[1];

  const explorerConfig = options.explorer ?? config.explorers[chain.id];
  const explorer = explorerConfig
    ? createExplorer({
        chain: chain.id,
        chainId: chain.chainId,
        address,
        config: explorerConfig,
        logger,
        signal,
        timeoutMs: config.sync.timeoutMs,
        ...(options.explorerPageSize !== undefined ? { pageSize: options.explorerPageSize } : {}),
        ...(options.explorerMinIntervalMs !== undefined
          ? { minIntervalMs: options.explorerMinIntervalMs }
          : {}),
        ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
      })
    : undefined;
  const ctx: Context = {
    db,
    rpc,
    args,
    address,
    safe,
    discovery: createDiscoveryState({
      explorer,
      callsMode: options.callsMode ?? remembered?.callsMode,
      ...(options.initialRange !== undefined ? { initialRange: options.initialRange } : {}),
    }),
    trace: {
      method: options.traceMethod ?? remembered?.traceMethod,
      forced: options.traceMethod !== undefined,
    },
    warnings: new Set(),
    tokens: new Map(),
    reused: 0,
    storedInStep: true,
    finalTo,
  };

  // First sync: start where the wallet's history starts, not at genesis.
  let historyStart = remembered?.start;
  if (finalTo < 0n) {
    // The same address already scanned for another wallet (another user): start where that scan did.
    const [scanned] = await db
      .select({ from: sql<string | null>`min(${evmScans.fromBlock})::text` })
      .from(evmScans)
      .where(and(eq(evmScans.chain, chain.id), eq(evmScans.address, address)));
    const fromBlock = options.fromBlock ?? args.fromBlock;
    historyStart =
      fromBlock === undefined && scanned?.from != null
        ? {
            block: scanned.from,
            method: "cache",
            reason: `the same address was scanned from block ${scanned.from} before (another wallet)`,
          }
        : await findHistoryStart({
            rpc,
            address,
            head,
            fromBlock,
            explorer,
          });
    if (historyStart.method === "genesis")
      logger.warn(`history scan starts at block 0: ${historyStart.reason}`);
    else logger.debug(`history scan starts at block ${historyStart.block}: ${historyStart.reason}`);
  } else if ((options.fromBlock ?? args.fromBlock) !== undefined) {
    logger.warn("--from-block applies to a wallet's first sync only; this wallet is synced already", {
      synced_to: finalTo.toString(),
    });
  }
  ctx.start = historyStart;
  const start = finalTo < 0n && historyStart ? BigInt(historyStart.block) : finalTo + 1n;
  if (start <= head) {
    const reorg = await checkReorg({
      db,
      rpc,
      chain: chain.id,
      walletId: wallet.id,
      safe,
      finalityDepth: depth,
    });
    if (reorg.forkPoint !== undefined) {
      logger.warn("reorg: rolled back non-final data", {
        fork_point: reorg.forkPoint.toString(),
        stale_blocks: reorg.staleBlocks.map(String),
      });
    }
  }

  const total = Number(head - start + 1n);
  let txCount = 0;
  let stepBlocks = BigInt(options.stepBlocks ?? config.sync.stepBlocks);
  for (let from = start; from <= head; ) {
    signal.throwIfAborted();
    if (ctx.discovery.callsMode && ctx.discovery.callsMode !== "trace_filter")
      stepBlocks = min(stepBlocks, BigInt(BLOCK_SCAN_STEP));
    const to = min(from + stepBlocks - 1n, head);
    const done = await withRetry(
      async () => {
        const { found, scans } = await discoverRange({
          db,
          rpc,
          chain: chain.id,
          address,
          range: { from, to },
          safe,
          state: ctx.discovery,
        });
        // Stored answers are only read for final blocks: is there any in this step's?
        let low: bigint | undefined;
        let high: bigint | undefined;
        for (const f of found) {
          if (f.block > safe) continue;
          if (low === undefined || f.block < low) low = f.block;
          if (high === undefined || f.block > high) high = f.block;
        }
        ctx.storedInStep =
          low !== undefined && high !== undefined && (await hasStoredAnswersIn(db, chain.id, low, high));
        const chunks = chunkByBlock(found);
        let n = 0;
        // Pipelined: the next `PREFETCH_CHUNKS` chunks are being fetched while this one is
        // normalized and written (writes stay in order). A fetch abandoned when a chunk fails is
        // settled without effect (the step is then retried whole).
        const ahead = createFetchAhead(chunks, (c) => fetchChunk(ctx, c), PREFETCH_CHUNKS);
        for (let i = 0; i < chunks.length; i++) {
          signal.throwIfAborted();
          let got: FetchedChunk | undefined = await ahead.take(i);
          const prepared = await normalizeChunk(ctx, got);
          // The node's answers are not needed by the write: let them die young (a chunk's write
          // outlives several young-generation collections, each of which would copy them).
          got = undefined;
          const end = i === chunks.length - 1 ? to : chunks[i + 1]![0]!.block - 1n;
          n += await commitChunk(ctx, prepared, i === 0 ? scans : [], min(end, safe));
          args.reportProgress({
            done: Number(end - start + 1n),
            total,
            unit: "blocks",
            detail: `${txCount + n} txs`,
          });
        }
        return n;
      },
      { attempts: 3, baseMs: 500, signal, shouldRetry: (e) => e instanceof RpcProviderError },
    );
    txCount += done;
    from = to + 1n;
  }

  // Balance changes without a transfer (rebasing tokens), sampled per day up to the head.
  const rebasing = rebasingAssets(config.assets.tokens);
  if (rebasing.size > 0) {
    await sampleRebases({ db, rpc, chain, walletId: wallet.id, address, syncedTo: head, safe, rebasing });
  }

  await rpc.flushCache?.();
  for (const w of [...ctx.warnings, ...ctx.discovery.warnings]) logger.warn(w);
  const totals = await walletTotals(db, { walletId: wallet.id, chain: chain.id });
  const stats = rpc.stats();
  const syncedTo = max(finalTo, min(head, safe));
  return {
    wallet: walletKey(chain.id, address),
    transactions: totals.transactions,
    movements: totals.movements,
    rpcCalls: stats.requests,
    cacheHits: stats.cacheHits + ctx.discovery.cachedScans + ctx.reused,
    ...(syncedTo >= 0n ? { syncedTo: syncedTo.toString() } : {}),
    ...(historyStart ? { historyStart } : {}),
  };
};
