import { NonRetryableError } from "../../src/errors.ts";
import { createLimiter } from "../../src/utils/retry.ts";
import { yieldToEventLoop } from "../../src/utils/yield.ts";
import { canonicalAddress, walletKey } from "../registry.ts";
import {
  type BlobRawRecordRow,
  getCursor,
  type MovementRow,
  saveRawRecords,
  saveTransactionsWithMovements,
  setCursor,
  storedTransactionsAndRecords,
  type TransactionRow,
} from "../store.ts";
import { createHttpTransport, isMethodUnsupported } from "../transport.ts";
import type { ChainInfo, SyncWalletArgs, SyncWalletResult } from "../types.ts";
import { discoverTokenAccounts, loadTokenAccounts, saveTokenAccounts, signaturePages } from "./discover.ts";
import { getFinalizedSlot, SOLANA_COMMITMENT } from "./finality.ts";
import { type NormalizedSolanaTx, normalizeTransaction, SOL_DECIMALS } from "./normalize.ts";
import { syncWalletStaking } from "./rewards.ts";
import {
  createSolanaRpc,
  getBlockTime,
  MAX_SIGNATURES_PER_PAGE,
  readTransactions,
  type SignatureInfo,
  type SolanaRpc,
} from "./rpc.ts";
import type { StakeAccountRef } from "./stake.ts";
import { stakeAccountsControlledIn, touchesStakeProgram } from "./stake-instructions.ts";
import { cacheMints } from "./tokens.ts";
import type { SolanaTransactionResponse } from "./tx-json.ts";
import { startTxThread, type TxRead } from "./tx-thread.ts";

/** Raw record kind of a Solana `getTransaction` answer (index −1: the whole transaction). */
export const RAW_KIND = "solana_tx";

/**
 * Signatures per `getTransaction` JSON-RPC batch. 50 keeps one HTTP answer around 1–3 MB
 * (a v0 swap is 10–60 kB of JSON) and matches the transport's default batch size.
 */
const TX_BATCH = 50;

/**
 * Transactions (and raw records) per write statement on the embedded database. PGlite runs a
 * statement synchronously on the sync's thread, which meanwhile neither sends the next requests
 * nor hands answers to the transaction thread: written a page (1,000 transactions) at a time, the
 * raw records and the transactions each held it 50–90 ms, long enough for the node and the
 * transaction thread to run out of work (`sync.concurrency` batches in flight, about 10 ms each
 * on the thread), so fetching stopped while a page was stored. A quarter of a page at a time
 * holds it about a quarter as long, with a turn of the event loop between statements.
 */
const STORE_CHUNK = 250;

export type SolanaSyncOptions = {
  /** Signatures per `getSignaturesForAddress` page, 1…1000. @defaultValue 1000 */
  pageSize?: number;
  /** Signatures per `getTransaction` batch. @defaultValue 50 */
  txBatchSize?: number;
  /** First retry delay, in milliseconds (transport and validation retries). @defaultValue 250 */
  retryBaseMs?: number;
  /**
   * Transactions per write statement (raw records: whole batches, about as many).
   * @defaultValue 250 on PGlite (`STORE_CHUNK`), a whole page on PostgreSQL
   */
  storeChunk?: number;
};

/**
 * Cursor of one scanned address (`solana:sigs:<address>`). `newest` is the newest signature whose
 * whole history below it is stored; `pending` is a walk in progress from `top` down, resumed below
 * `before` after an interruption.
 */
type SignatureCursor = {
  newest?: { signature: string; slot: number };
  pending?: { top: { signature: string; slot: number }; before: string };
};

/**
 * Syncs one Solana wallet: its signatures and those of its token accounts, `getTransaction` for
 * each signature not stored yet (raw records double as the cache: a stored transaction is never
 * fetched again), normalization, idempotent writes. Incremental (a later sync stops at the newest
 * stored signature of each address), resumable (a cursor after each page) and abortable through
 * `args.signal`.
 * @throws UserInputError when the wallet address is not a Solana public key.
 * @throws RetryableError / RpcProviderError when the RPC keeps failing after retries.
 * @throws SolanaNormalizeError naming the signature of a transaction that cannot be read.
 */
export const syncSolanaWallet = async (
  args: SyncWalletArgs,
  options: SolanaSyncOptions = {},
): Promise<SyncWalletResult> => {
  const { common, database, wallet, chain, signal } = args;
  const { db } = database;
  const address = canonicalAddress(chain, wallet.address);
  const key = walletKey(chain.id, address);
  const retryBaseMs = options.retryBaseMs ?? 250;
  const pageSize = options.pageSize ?? MAX_SIGNATURES_PER_PAGE;
  const txBatch = options.txBatchSize ?? TX_BATCH;
  // Statements on PGlite hold this thread (see STORE_CHUNK); PostgreSQL takes a page at once.
  const storeChunk =
    options.storeChunk ?? (database.kind === "pglite" ? STORE_CHUNK : Number.POSITIVE_INFINITY);
  const transport = createHttpTransport({
    chain: chain.id,
    url: args.rpcUrl,
    logger: common.logger,
    concurrency: common.config.sync.concurrency,
    maxAttempts: common.config.sync.maxAttempts,
    timeoutMs: common.config.sync.timeoutMs,
    retryBaseMs,
    signal,
    gate: args.endpointGate,
  });
  const rpc = createSolanaRpc({
    chain: chain.id,
    url: args.rpcUrl,
    transport,
    commitment: SOLANA_COMMITMENT,
    maxAttempts: common.config.sync.maxAttempts,
    retryBaseMs,
    signal,
  });
  // Booting the transaction thread overlaps the first calls (rpc.ts `readTransactions` reads there).
  startTxThread();
  const limit = createLimiter(common.config.sync.concurrency);
  const counts = { signatures: 0, transactions: 0, movements: 0, reused: 0 };
  const handled = new Set<string>();
  /** Stake accounts the wallet's new transactions show it controlling. */
  const stakeFound: StakeAccountRef[] = [];

  // Both calls only add to what the signatures give: a node (or proxy) that lacks them still syncs.
  let finalizedSlot: bigint | undefined;
  try {
    finalizedSlot = await getFinalizedSlot(rpc);
  } catch (error) {
    if (!isMethodUnsupported(error)) throw error;
    common.logger.warn("getSlot is not supported by this endpoint: the final slot is not reported", {
      chain: chain.id,
    });
  }
  try {
    await discoverTokenAccounts(rpc, db, { id: wallet.id, address });
  } catch (error) {
    if (!isMethodUnsupported(error)) throw error;
    common.logger.warn(
      "getTokenAccountsByOwner is not supported by this endpoint: token accounts are found from the wallet's own transactions only",
      { chain: chain.id, wallet: address },
    );
  }
  const known = new Set((await loadTokenAccounts(db, wallet.id)).map((a) => a.address));

  /**
   * Gets `signatures` in batches, `txBatch` at a time, read on the transaction thread (rpc.ts
   * `readTransactions`): each batch's transactions, in batch order. `onStarted` is called once
   * every batch has started (at once when there is none).
   */
  const fetchTransactions = (signatures: string[], onStarted: () => void): Promise<Map<string, TxRead>>[] => {
    const chunks: string[][] = [];
    for (let i = 0; i < signatures.length; i += txBatch) chunks.push(signatures.slice(i, i + txBatch));
    if (chunks.length === 0) onStarted();
    return chunks.map((c, i) =>
      limit(async () => {
        // The limiter starts its tasks in order: the last one started means all have.
        if (i === chunks.length - 1) onStarted();
        return readTransactions(rpc, c, address);
      }),
    );
  };

  /**
   * A fetched transaction as `store` needs it: its stake accounts and normalization, read on the
   * transaction thread when these cannot depend on token accounts found in earlier pages
   * (tx-thread.ts `dependsOnKnownAccounts`), else (or if reading it threw there) the transaction
   * itself, read by `store` in page order.
   */
  type Early = { tx: SolanaTransactionResponse } | { stake: string[]; slot: number; n: NormalizedSolanaTx };
  const early = (read: TxRead): Early =>
    "text" in read
      ? { tx: JSON.parse(read.text) as SolanaTransactionResponse }
      : { stake: read.stake, slot: read.slot, n: read.n };

  type Prepared = {
    todo: SignatureInfo[];
    raws: Map<string, SolanaTransactionResponse>;
    /** Filled in as the batches come. */
    fetched: Map<string, Early>;
    /**
     * Each batch's raw records, in batch order, as it comes: parts of the batch's blob
     * (db/raw-blobs.ts, compressed on the transaction thread already).
     */
    batches: Promise<BlobRawRecordRow[]>[];
    /** Every batch in (`fetched` complete); rejects as soon as one fails. */
    all: Promise<void>;
  };

  /**
   * Finds which of `entries` this wallet lacks and starts getting their transactions (stored raw
   * records first); resolves once they are asked for, not once they are in (`Prepared.all`).
   * `onStarted` is called once every batch to fetch has started (at once when there is none).
   */
  const prepare = async (
    entries: readonly SignatureInfo[],
    onStarted: () => void,
  ): Promise<Prepared | undefined> => {
    const fresh = entries.filter((e) => !handled.has(e.signature));
    for (const e of fresh) handled.add(e.signature);
    counts.signatures += fresh.length;
    if (fresh.length === 0) {
      onStarted();
      return undefined;
    }
    const { stored, raws } = (await storedTransactionsAndRecords(db, {
      walletId: wallet.id,
      chain: chain.id,
      kind: RAW_KIND,
      index: -1,
      hashes: fresh.map((e) => e.signature),
    })) as { stored: Set<string>; raws: Map<string, SolanaTransactionResponse> };
    const todo = fresh.filter((e) => !stored.has(e.signature));
    if (todo.length === 0) {
      onStarted();
      return undefined;
    }
    counts.reused += raws.size;
    const fetched = new Map<string, Early>();
    const batches = fetchTransactions(
      todo.filter((e) => !raws.has(e.signature)).map((e) => e.signature),
      onStarted,
    ).map(async (batch) => {
      const reads = await batch;
      for (const [signature, read] of reads) fetched.set(signature, early(read));
      return [...reads.values()].map(
        (read): BlobRawRecordRow => ({
          chain: chain.id,
          txHash: read.signature,
          kind: RAW_KIND,
          index: -1,
          blockNumber: BigInt(read.slot),
          blockHash: null,
          part: read.stored,
        }),
      );
    });
    // Awaited by `store`, or never when the page fails first: not unhandled meanwhile.
    for (const b of batches) b.catch(() => {});
    const all = Promise.all(batches).then(() => {});
    all.catch(() => {});
    return { todo, raws, fetched, batches, all };
  };

  /**
   * Writes one prepared page: its raw records as its batches come, then, once all are in, its
   * normalized transactions. Pages are stored strictly in order. It returns to the event loop
   * (`yieldToEventLoop`) before each statement, so that the fetching (this page's, the next
   * page's listing, lookup and fetch) goes on meanwhile (src/utils/yield.ts says why).
   */
  const store = async ({ todo, raws, fetched, batches, all }: Prepared) => {
    // Raw records first, written as their batches come (whole batches, `storeChunk` records or
    // more a call: a batch's blob is stored once): after a crash here the next run normalizes
    // them without an RPC call.
    let rows: BlobRawRecordRow[] = [];
    for (let i = 0; i < batches.length; i++) {
      rows.push(...(await batches[i]!));
      if (rows.length >= storeChunk || i === batches.length - 1) {
        await yieldToEventLoop();
        await saveRawRecords(db, rows);
        rows = [];
      }
    }
    await all;
    await yieldToEventLoop();
    const normalized: { n: NormalizedSolanaTx; time: Date }[] = [];
    for (const e of todo) {
      const early = fetched.get(e.signature);
      if (early && "n" in early) {
        for (const account of early.stake) stakeFound.push({ account, firstSlot: early.slot, via: "tx" });
        normalized.push({ n: early.n, time: await blockTimeOf(rpc, early.n, e) });
        continue;
      }
      const tx = early?.tx ?? raws.get(e.signature)!;
      if (touchesStakeProgram(tx)) {
        for (const account of stakeAccountsControlledIn(tx, address))
          stakeFound.push({ account, firstSlot: tx.slot, via: "tx" });
      }
      const n = normalizeTransaction(tx, address, { knownTokenAccounts: known });
      normalized.push({ n, time: await blockTimeOf(rpc, n, e) });
    }
    const discovered = normalized
      .flatMap(({ n }) => n.ownedTokenAccounts)
      .filter((a) => !known.has(a.address));
    await yieldToEventLoop();
    await saveTokenAccounts(
      db,
      wallet.id,
      [...new Map(discovered.map((a) => [a.address, a])).values()].map((a) => ({
        ...a,
        source: "tx" as const,
      })),
    );
    for (const a of discovered) known.add(a.address);
    await yieldToEventLoop();
    const symbols = await cacheMints(
      db,
      chain.id,
      normalized.flatMap(({ n }) => n.mints),
    );
    for (let i = 0; i < normalized.length; i += storeChunk) {
      const part = normalized.slice(i, i + storeChunk);
      const txRows = part.map(({ n, time }) => transactionRow(wallet.id, chain.id, n, time));
      const moveRows = part.flatMap(({ n, time }) => movementRows(wallet.id, chain, n, time, symbols));
      await yieldToEventLoop();
      await saveTransactionsWithMovements(db, txRows, moveRows);
      counts.transactions += txRows.length;
      counts.movements += moveRows.length;
    }
    args.reportProgress({
      done: counts.transactions,
      unit: "txs",
      detail: `${counts.signatures} signatures, ${counts.transactions} new txs`,
    });
  };

  /** Brings one address's signatures up to date, resuming an interrupted walk first. */
  const scanAddress = async (account: string) => {
    const source = `solana:sigs:${account}`;
    let cursor = (await getCursor<SignatureCursor>(db, wallet.id, source)) ?? {};
    const save = (next: SignatureCursor) => {
      cursor = next;
      return setCursor(db, { walletId: wallet.id, source, chain: chain.id, position: next });
    };
    const walk = async (before: string | undefined, top: SignatureCursor["newest"]) => {
      const pages = signaturePages(rpc, account, {
        before,
        until: cursor.newest?.signature,
        limit: pageSize,
      });
      // Pipelined: a page is stored (and the cursor moved past it) while the next one is listed
      // and fetched. Pages are stored strictly in order; the cursor never passes an unstored page.
      // The next page's batches are asked for as soon as this page's have all started (not once
      // they are all in), so the node and the transaction thread never wait at a page's end; at
      // most two pages' transactions are held at once (the next page starts once the one before
      // this one is stored).
      let storing: Promise<void> = Promise.resolve();
      try {
        for await (const page of pages) {
          top ??= page.entries[0] && { signature: page.entries[0].signature, slot: page.entries[0].slot };
          let started!: () => void;
          const allStarted = new Promise<void>((resolve) => {
            started = resolve;
          });
          const preparing = prepare(page.entries, started);
          preparing.catch(() => {});
          const fetchedAll = preparing.then((p) => p?.all);
          fetchedAll.catch(() => {});
          // A failure before every batch started (the lookup, a batch) stops the walk here.
          await Promise.race([allStarted, fetchedAll]);
          await storing;
          const pageTop = top;
          storing = (async () => {
            const prepared = await preparing;
            if (prepared) await store(prepared);
            if (pageTop) await save({ ...cursor, pending: { top: pageTop, before: page.cursor } });
          })();
          // Awaited on the next page or below; a failure must not surface as unhandled meanwhile.
          storing.catch(() => {});
        }
      } finally {
        await storing;
      }
      if (top) await save({ newest: top });
    };
    if (cursor.pending) await walk(cursor.pending.before, cursor.pending.top);
    await walk(undefined, undefined);
  };

  // The wallet first, then its token accounts; transactions reveal more token accounts, scanned next.
  const scanned = new Set<string>();
  for (;;) {
    const next = [address, ...(await loadTokenAccounts(db, wallet.id)).map((a) => a.address)].filter(
      (a) => !scanned.has(a),
    );
    if (next.length === 0) break;
    for (const account of next) {
      scanned.add(account);
      await scanAddress(account);
    }
  }

  // Staking rewards: credited to the wallet's stake accounts at epoch boundaries, with no transaction.
  const staking = await syncWalletStaking({
    db,
    rpc,
    chain: chain.id,
    walletId: wallet.id,
    wallet: address,
    found: stakeFound,
    onUnsupported: (method) =>
      common.logger.warn(
        `${method} is not supported by this endpoint: stake accounts are found from the wallet's own stake instructions only`,
        { chain: chain.id, wallet: address },
      ),
    onProgress: (detail) => args.reportProgress({ done: counts.transactions, unit: "txs", detail }),
  });
  counts.movements += staking.rewards;

  const stats = transport.stats();
  common.logger.debug("solana sync done", {
    wallet: key,
    addresses: scanned.size,
    signatures: counts.signatures,
    transactions: counts.transactions,
    rpc_calls: stats.requests,
    retries: stats.retries,
  });
  return {
    wallet: key,
    transactions: counts.transactions,
    movements: counts.movements,
    rpcCalls: stats.requests,
    // Transactions normalized from stored raw records (fetched earlier, e.g. by another wallet).
    cacheHits: counts.reused,
    syncedTo: finalizedSlot?.toString(),
    ...(staking.accounts > 0
      ? {
          staking: {
            accounts: staking.accounts,
            rewards: staking.rewards,
            throughEpoch: staking.throughEpoch,
          },
        }
      : {}),
  };
};

/** The wallet's row for a transaction: slot as block number; the in-block index is unknown (0). */
const transactionRow = (
  walletId: number,
  chainId: string,
  n: NormalizedSolanaTx,
  time: Date,
): TransactionRow => ({
  walletId,
  chain: chainId,
  txHash: n.signature,
  blockNumber: n.slot,
  blockHash: null,
  txIndex: 0,
  time,
  from: n.feePayer,
  to: null,
  status: n.status,
  method: n.programIds.join(","),
  feePayer: n.feePayer,
  final: true,
  details: n.details,
});

/** Movement rows: `<chain>:native` for SOL, `<chain>:<mint>` for SPL tokens. */
const movementRows = (
  walletId: number,
  chain: ChainInfo,
  n: NormalizedSolanaTx,
  time: Date,
  symbols: ReadonlyMap<string, { symbol: string | null }>,
): MovementRow[] =>
  n.movements.map((m) => ({
    walletId,
    chain: chain.id,
    txHash: n.signature,
    evidence: m.evidence,
    evidenceIndex: m.evidenceIndex,
    blockNumber: n.slot,
    blockHash: null,
    txIndex: 0,
    time,
    asset: `${chain.id}:${m.mint ?? "native"}`,
    symbol: m.mint ? (symbols.get(m.mint)?.symbol ?? null) : chain.nativeSymbol,
    decimals: m.mint ? m.decimals : SOL_DECIMALS,
    amount: m.amount,
    counterparty: m.counterparty,
    tokenId: null,
    final: true,
  }));

/** The block time of a transaction: its own, else its signature entry's, else `getBlockTime`. */
const blockTimeOf = async (rpc: SolanaRpc, n: NormalizedSolanaTx, entry: SignatureInfo): Promise<Date> => {
  const seconds = n.blockTime ?? entry.blockTime ?? (await getBlockTime(rpc, Number(n.slot)));
  if (seconds === null) {
    throw new NonRetryableError(`solana transaction ${n.signature}: no block time for slot ${n.slot}`);
  }
  return new Date(seconds * 1000);
};
