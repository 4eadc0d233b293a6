import { and, eq, gte, lte } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { evmScans } from "../../db/schema/index.ts";
import { isMethodUnsupported, RpcRangeError, type RpcTransport } from "../transport.ts";
import { addressTopic, TOPICS } from "./abi.ts";
import type { Explorer, ExplorerHit } from "./explorer.ts";
import { flattenTraces } from "./normalize.ts";
import {
  type BlockRange,
  createRangeController,
  type RangeController,
  rangeGaps,
  splitRange,
} from "./ranges.ts";
import { getBlocksWithTransactions, getLogs, type LogFilter, traceBlockCalls, traceFilter } from "./rpc.ts";

/**
 * Finds the transactions that touch one address in a block range, from two sources:
 *
 * - `logs`: `eth_getLogs` with the padded address in topic 1, 2 or 3 (ERC-20/721 `Transfer`,
 *   ERC-1155 `TransferSingle`/`TransferBatch`, WETH `Deposit`/`Withdrawal`, ERC-20 `Approval`);
 * - `calls`: every transaction with a call from or to the address (sent, received, internal), by
 *   the best method the node offers: `trace_filter` (Erigon, Reth, Nethermind, anvil), else a
 *   block scan with `debug_traceBlockByNumber` + callTracer (geth), else a block scan of plain
 *   transactions (`eth_getBlockByNumber`, which cannot see internal transfers: a warning is
 *   reported). With an explorer configured, final ranges come from the explorer instead.
 *
 * Range queries adapt to the provider: they shrink on "range too large" / "too many results"
 * refusals and grow on success. Final ranges are remembered in `evm_scans`; a later sync (or
 * another wallet with the same address) reads them and only asks the node about the gaps.
 */

/** A transaction found in discovery. `calls`: a call or trace touches the address (fetch traces). */
export type Found = { hash: string; block: bigint; calls: boolean };

export type CallsMode = "trace_filter" | "debug_block" | "block_txs";

export type ScanRow = typeof evmScans.$inferInsert;

/** Results per `trace_filter` page (`count`). */
const TRACE_PAGE = 1000;
/** Blocks per block-scan request batch. */
const BLOCK_SCAN_BATCH = 100;
/** Largest step a block scan covers, so a slow fallback still commits progress often. */
export const BLOCK_SCAN_STEP = 2000;

export type DiscoveryState = {
  logsRange: RangeController;
  tracesRange: RangeController;
  /** Detected on first use; `undefined` until then. */
  callsMode: CallsMode | undefined;
  explorer: { client: Explorer; prefetched?: { range: BlockRange; hits: ExplorerHit[] } } | undefined;
  /** Human-readable limits met during the run (e.g. no traces: internal transfers unseen). */
  warnings: Set<string>;
  /** Source ranges answered from `evm_scans` without a node call. */
  cachedScans: number;
};

export type CreateDiscoveryStateArgs = {
  /** First `eth_getLogs` / `trace_filter` range, in blocks. @defaultValue 10000 */
  initialRange?: number;
  /** Largest range ever asked, in blocks. @defaultValue 1000000 */
  maxRange?: number;
  explorer?: Explorer | undefined;
  /** Skip detection (tests of the fallbacks; a node known to lack traces). */
  callsMode?: CallsMode | undefined;
};

export const createDiscoveryState = (args: CreateDiscoveryStateArgs = {}): DiscoveryState => {
  const range = { initial: args.initialRange ?? 10_000, max: args.maxRange ?? 1_000_000 };
  return {
    logsRange: createRangeController(range),
    tracesRange: createRangeController(range),
    callsMode: args.callsMode,
    explorer: args.explorer ? { client: args.explorer } : undefined,
    warnings: new Set(),
    cachedScans: 0,
  };
};

/** The three topic filters that name `address` (topic positions are ANDed, so one query each). */
export const logQueries = (address: string): LogFilter["topics"][] => {
  const me = addressTopic(address);
  return [
    [[TOPICS.transfer, TOPICS.approval, TOPICS.deposit, TOPICS.withdrawal], me],
    [[TOPICS.transfer, TOPICS.transferSingle, TOPICS.transferBatch], null, me],
    [[TOPICS.transferSingle, TOPICS.transferBatch], null, null, me],
  ];
};

/** Pieces asked for at once once the range size is capped (the transport limits concurrency). */
const PARALLEL_PIECES = 4;

/**
 * Runs `query` over `range` in adaptive pieces: a refused piece is split (per `controller`), a
 * piece that worked lets the next one grow. Once the size is capped by the provider's stated
 * limit (anvil's 300-block `trace_filter`, a provider's 10,000-block `eth_getLogs`), the next
 * pieces are asked for at once; results keep the order of the pieces either way.
 */
export const scanAdaptive = async <T>(
  range: BlockRange,
  controller: RangeController,
  query: (piece: BlockRange) => Promise<T[]>,
): Promise<T[]> => {
  const out: T[] = [];
  let from = range.from;
  while (from <= range.to) {
    if (controller.capped()) {
      const size = BigInt(controller.size());
      const last = from + size * BigInt(PARALLEL_PIECES) - 1n;
      const pieces = splitRange({ from, to: last < range.to ? last : range.to }, size);
      if (pieces.length > 1) {
        const settled = await Promise.allSettled(pieces.map(query));
        const failed = settled.findIndex((s) => s.status === "rejected");
        for (const s of failed < 0 ? settled : settled.slice(0, failed)) {
          out.push(...(s as PromiseFulfilledResult<T[]>).value);
          controller.onSuccess();
        }
        if (failed < 0) {
          from = pieces[pieces.length - 1]!.to + 1n;
          continue;
        }
        // The first refused piece goes on one at a time, as below (the later ones are asked again).
        const error = (settled[failed] as PromiseRejectedResult).reason;
        if (!(error instanceof RpcRangeError)) throw error;
        controller.onRangeError(error, pieces[failed]!);
        from = pieces[failed]!.from;
        continue;
      }
    }
    const end = from + BigInt(controller.size()) - 1n;
    const piece = { from, to: end < range.to ? end : range.to };
    try {
      out.push(...(await query(piece)));
      controller.onSuccess();
      from = piece.to + 1n;
    } catch (error) {
      if (!(error instanceof RpcRangeError)) throw error;
      controller.onRangeError(error, piece);
    }
  }
  return out;
};

const scanLogs = (rpc: RpcTransport, address: string, range: BlockRange, state: DiscoveryState) =>
  scanAdaptive(range, state.logsRange, async (piece) => {
    const lists = await Promise.all(
      logQueries(address).map((topics) => getLogs(rpc, { fromBlock: piece.from, toBlock: piece.to, topics })),
    );
    return lists
      .flat()
      .map(
        (l): Found => ({ hash: l.transactionHash.toLowerCase(), block: BigInt(l.blockNumber), calls: false }),
      );
  });

const scanTraceFilter = (rpc: RpcTransport, address: string, range: BlockRange, state: DiscoveryState) =>
  scanAdaptive(range, state.tracesRange, async (piece) => {
    const found: Found[] = [];
    const me = address.toLowerCase();
    await Promise.all(
      (["fromAddress", "toAddress"] as const).map(async (side) => {
        for (let after = 0; ; after += TRACE_PAGE) {
          const traces = await traceFilter(rpc, {
            fromBlock: piece.from,
            toBlock: piece.to,
            [side]: [me],
            after,
            count: TRACE_PAGE,
          });
          for (const t of traces) {
            if (t.transactionHash)
              found.push({
                hash: t.transactionHash.toLowerCase(),
                block: BigInt(t.blockNumber),
                calls: true,
              });
          }
          if (traces.length < TRACE_PAGE) return;
        }
      }),
    );
    return found;
  });

const scanBlocks = async (
  rpc: RpcTransport,
  address: string,
  range: BlockRange,
  mode: "debug_block" | "block_txs",
): Promise<Found[]> => {
  const me = address.toLowerCase();
  const found: Found[] = [];
  for (const piece of splitRange(range, BigInt(BLOCK_SCAN_BATCH))) {
    const numbers: bigint[] = [];
    for (let n = piece.from; n <= piece.to; n++) numbers.push(n);
    if (mode === "debug_block") {
      for (const [n, txs] of await traceBlockCalls(rpc, numbers)) {
        for (const { txHash, frame } of txs) {
          const touches = flattenTraces({ format: "callTracer", frame }).some(
            (f) => f.from.toLowerCase() === me || f.to?.toLowerCase() === me,
          );
          if (touches) found.push({ hash: txHash.toLowerCase(), block: n, calls: true });
        }
      }
    } else {
      for (const [n, txs] of await getBlocksWithTransactions(rpc, numbers)) {
        for (const tx of txs) {
          if (tx.from.toLowerCase() === me || tx.to?.toLowerCase() === me)
            found.push({ hash: tx.hash.toLowerCase(), block: n, calls: true });
        }
      }
    }
  }
  return found;
};

/** `calls` discovery over `range` by the node, detecting the method on first use. */
const scanCalls = async (
  rpc: RpcTransport,
  address: string,
  range: BlockRange,
  state: DiscoveryState,
): Promise<Found[]> => {
  for (;;) {
    const mode = state.callsMode ?? "trace_filter";
    try {
      const found =
        mode === "trace_filter"
          ? await scanTraceFilter(rpc, address, range, state)
          : await scanBlocks(rpc, address, range, mode);
      state.callsMode = mode;
      return found;
    } catch (error) {
      if (!isMethodUnsupported(error) || mode === "block_txs") throw error;
      state.callsMode = mode === "trace_filter" ? "debug_block" : "block_txs";
      if (state.callsMode === "block_txs") {
        state.warnings.add(
          "the node offers neither trace_filter nor debug_traceBlockByNumber: internal transfers in " +
            "transactions the wallet did not send are not discovered (configure an explorer or a tracing node)",
        );
      }
    }
  }
};

/** Explorer hits in `part` (final blocks), prefetching everything up to `safe` on first use. */
const explorerHits = async (state: DiscoveryState, part: BlockRange, safe: bigint): Promise<Found[]> => {
  const ex = state.explorer!;
  const p = ex.prefetched;
  if (!p || part.from < p.range.from || part.to > p.range.to) {
    const range = { from: part.from, to: safe };
    ex.prefetched = { range, hits: await ex.client.discover(range) };
  }
  return ex
    .prefetched!.hits.filter((h) => h.block >= part.from && h.block <= part.to)
    .map((h) => ({ hash: h.hash, block: h.block, calls: true }));
};

const loadScans = (db: DbOrTx, chain: string, address: string, range: BlockRange) =>
  db
    .select()
    .from(evmScans)
    .where(
      and(
        eq(evmScans.chain, chain),
        eq(evmScans.address, address),
        lte(evmScans.fromBlock, range.to),
        gte(evmScans.toBlock, range.from),
      ),
    );

/** Stores scan rows (final ranges only). Idempotent. */
export const saveScans = async (db: DbOrTx, rows: readonly ScanRow[]): Promise<void> => {
  for (let i = 0; i < rows.length; i += 200)
    await db
      .insert(evmScans)
      .values(rows.slice(i, i + 200))
      .onConflictDoNothing();
};

const minBig = (x: bigint, y: bigint) => (x < y ? x : y);

const scanRow = (
  chain: string,
  address: string,
  source: string,
  range: BlockRange,
  found: readonly Found[],
): ScanRow => ({
  chain,
  address,
  source,
  fromBlock: range.from,
  toBlock: range.to,
  txs: [
    ...new Map(
      found.filter((f) => f.block >= range.from && f.block <= range.to).map((f) => [f.hash, f]),
    ).values(),
  ]
    .sort((x, y) => (x.block < y.block ? -1 : x.block > y.block ? 1 : x.hash < y.hash ? -1 : 1))
    .map((f) => [f.hash, f.block.toString()]),
});

export type DiscoverArgs = {
  db: DbOrTx;
  rpc: RpcTransport;
  chain: string;
  /** Checksummed. */
  address: string;
  range: BlockRange;
  /** Highest final block: only ranges at or below it are cached. */
  safe: bigint;
  state: DiscoveryState;
};

/**
 * Discovers the address's transactions in `range` (from the scan cache where possible).
 * Returns them deduplicated, ascending by block, and the scan rows to store with the step.
 * @throws RpcResponseError / RpcProviderError from the node; NonRetryableError from the explorer.
 */
export const discoverRange = async (args: DiscoverArgs): Promise<{ found: Found[]; scans: ScanRow[] }> => {
  const { db, rpc, chain, address, range, safe, state } = args;
  const cached = await loadScans(db, chain, address, range);
  const scans: ScanRow[] = [];
  const all: Found[] = [];

  const runSource = async (source: "logs" | "calls") => {
    const rows = cached.filter((r) => (source === "logs" ? r.source === "logs" : r.source !== "logs"));
    for (const r of rows) {
      for (const [hash, block] of r.txs as [string, string][]) {
        const b = BigInt(block);
        if (b >= range.from && b <= range.to) all.push({ hash, block: b, calls: source === "calls" });
      }
    }
    const gaps = rangeGaps(
      range,
      rows.map((r) => ({ from: r.fromBlock, to: r.toBlock })),
    );
    if (rows.length > 0) state.cachedScans++;
    for (const gap of gaps) {
      const finalPart = gap.from <= safe ? { from: gap.from, to: minBig(gap.to, safe) } : undefined;
      if (source === "calls" && state.explorer && finalPart) {
        const hits = await explorerHits(state, finalPart, safe);
        all.push(...hits);
        scans.push(scanRow(chain, address, "explorer", finalPart, hits));
        if (gap.to > safe)
          all.push(...(await scanCalls(rpc, address, { from: safe + 1n, to: gap.to }, state)));
        continue;
      }
      const found =
        source === "logs"
          ? await scanLogs(rpc, address, gap, state)
          : await scanCalls(rpc, address, gap, state);
      all.push(...found);
      // A plain block scan misses internal transfers: not cached, so a better node fills them in later.
      const complete = source === "logs" || state.callsMode !== "block_txs";
      if (finalPart && complete) scans.push(scanRow(chain, address, source, finalPart, found));
    }
  };
  await Promise.all([runSource("logs"), runSource("calls")]);

  const merged = new Map<string, Found>();
  for (const f of all) {
    const prev = merged.get(f.hash);
    merged.set(f.hash, prev ? { ...prev, calls: prev.calls || f.calls } : f);
  }
  const found = [...merged.values()].sort((a, b) => (a.block < b.block ? -1 : a.block > b.block ? 1 : 0));
  return { found, scans };
};
