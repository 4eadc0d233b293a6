import { RpcProviderError, type RpcRequest, type RpcTransport, type Settled } from "../transport.ts";
import { hexToBig, toQuantity } from "./abi.ts";

/**
 * Typed EVM JSON-RPC calls as free functions over the transport. Each call is followed by a
 * `validate*` check that throws `RpcProviderError` (retryable) when the node's answer is
 * malformed or contradicts the request; the request is named in the error's `meta`, never the URL.
 * Values stay as the node returned them (hex strings); normalize.ts converts them.
 */

/** `eth_getBlockByNumber(n, false)`, the fields the worker relies on. */
export type BlockHeader = {
  number: string;
  hash: string;
  parentHash: string;
  /** Unix seconds, hex. */
  timestamp: string;
  [k: string]: unknown;
};

export type RpcTransaction = {
  hash: string;
  blockHash: string | null;
  blockNumber: string | null;
  transactionIndex: string | null;
  from: string;
  /** Null for contract creations. */
  to: string | null;
  /** Wei, hex. */
  value: string;
  input: string;
  nonce: string;
  gasPrice?: string;
  type?: string;
  [k: string]: unknown;
};

export type RpcLog = {
  address: string;
  topics: string[];
  data: string;
  logIndex: string;
  transactionHash: string;
  transactionIndex: string;
  blockNumber: string;
  blockHash: string;
  removed?: boolean;
};

export type RpcReceipt = {
  transactionHash: string;
  blockHash: string;
  blockNumber: string;
  transactionIndex: string;
  from: string;
  to: string | null;
  /** `0x1` success, `0x0` failure; absent before Byzantium (then `root` is set). */
  status?: string;
  gasUsed: string;
  /** Absent on some pre-London receipts: the transaction's `gasPrice` applies. */
  effectiveGasPrice?: string;
  /** OP-stack L1 data fee, in wei. */
  l1Fee?: string | null;
  blobGasUsed?: string;
  blobGasPrice?: string;
  contractAddress: string | null;
  logs: RpcLog[];
  [k: string]: unknown;
};

/** A Parity/OpenEthereum-style flat trace (`trace_filter`, `trace_transaction`). */
export type ParityTrace = {
  type: string;
  action: {
    from?: string;
    to?: string;
    callType?: string;
    value?: string;
    input?: string;
    /** `create`: no `to`; `suicide`: `address`, `refundAddress`, `balance`. */
    address?: string;
    refundAddress?: string;
    balance?: string;
    [k: string]: unknown;
  };
  result?: { address?: string; [k: string]: unknown } | null;
  error?: string;
  traceAddress: number[];
  subtraces: number;
  transactionHash?: string;
  transactionPosition?: number;
  blockNumber: number;
  blockHash: string;
};

/** A geth `callTracer` frame. */
export type CallFrame = {
  type: string;
  from: string;
  to?: string;
  value?: string;
  input?: string;
  error?: string;
  calls?: CallFrame[];
  [k: string]: unknown;
};

/** Raw answer of a per-transaction trace call, tagged with its format. */
export type TxTraces =
  | { format: "parity"; traces: ParityTrace[] }
  | { format: "callTracer"; frame: CallFrame };

/** Which per-transaction trace method a node answers (detected lazily by sync.ts). */
export type TraceMethod = "trace_transaction" | "debug_traceTransaction";

const describe = (method: string, params: readonly unknown[]) =>
  `request: ${method} ${JSON.stringify(params, (_k, v) => (typeof v === "bigint" ? toQuantity(v) : v))}`;

// A function declaration (not an arrow) so `never` narrows types at call sites.
function fail(chain: string, message: string, method: string, params: readonly unknown[]): never {
  throw new RpcProviderError(`${chain} RPC ${method}: ${message}`, { meta: [describe(method, params)] });
}

const HEX = /^0x[0-9a-fA-F]*$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;
const isHex = (v: unknown): v is string => typeof v === "string" && HEX.test(v);
const isHash = (v: unknown): v is string => typeof v === "string" && HASH.test(v);

/** Cache option for data in `block`: cached only at or below the final block `safe`. */
export const cacheIfFinal = (block: bigint, safe: bigint): Pick<RpcRequest, "options"> =>
  block <= safe ? { options: { cache: { blockNumber: block } } } : {};

/**
 * `eth_chainId` and `eth_blockNumber` in one round trip (never cached).
 * @throws RpcProviderError when either answer is not a hex quantity.
 */
export const getChainHead = async (rpc: RpcTransport): Promise<{ chainId: number; head: bigint }> => {
  const [chainId, head] = await rpc.batch<string>([
    { method: "eth_chainId", params: [] },
    { method: "eth_blockNumber", params: [] },
  ]);
  if (!isHex(chainId) || chainId === "0x")
    fail(rpc.chain, "chain id is not a hex quantity", "eth_chainId", []);
  if (!isHex(head) || head === "0x")
    fail(rpc.chain, "block number is not a hex quantity", "eth_blockNumber", []);
  return { chainId: Number(hexToBig(chainId)), head: hexToBig(head) };
};

export const validateBlockHeader = (chain: string, block: unknown, n: bigint): BlockHeader => {
  const params = [toQuantity(n), false];
  const b = block as BlockHeader | null;
  if (!b) return fail(chain, `block ${n} not found`, "eth_getBlockByNumber", params);
  if (!isHex(b.number) || hexToBig(b.number) !== n)
    fail(chain, `asked for block ${n}, got ${String(b.number)}`, "eth_getBlockByNumber", params);
  if (!isHash(b.hash) || !isHash(b.parentHash) || !isHex(b.timestamp))
    fail(chain, `block ${n} lacks hash, parentHash or timestamp`, "eth_getBlockByNumber", params);
  return b;
};

/**
 * Block headers by number (batched). Headers at or below `safe` are cached in the database;
 * `cache: false` bypasses the cache (reorg checks must see the node's current answer).
 */
export const getBlockHeaders = async (
  rpc: RpcTransport,
  numbers: readonly bigint[],
  args: { safe: bigint; cache?: boolean },
): Promise<Map<bigint, BlockHeader>> => {
  const unique = [...new Set(numbers)];
  const answers = await rpc.batch(
    unique.map(
      (n): RpcRequest => ({
        method: "eth_getBlockByNumber",
        params: [toQuantity(n), false],
        ...(args.cache === false ? {} : cacheIfFinal(n, args.safe)),
      }),
    ),
  );
  return new Map(unique.map((n, i) => [n, validateBlockHeader(rpc.chain, answers[i], n)]));
};

/**
 * Canonical hashes of `numbers`, straight from the node (never cached); `undefined` for blocks
 * the node does not have (the chain got shorter).
 */
export const getCanonicalHashes = async (
  rpc: RpcTransport,
  numbers: readonly bigint[],
): Promise<Map<bigint, string | undefined>> => {
  const unique = [...new Set(numbers)];
  const answers = await rpc.batch<BlockHeader | null>(
    unique.map((n) => ({ method: "eth_getBlockByNumber", params: [toQuantity(n), false] })),
  );
  return new Map(
    unique.map((n, i): [bigint, string | undefined] => [
      n,
      answers[i] ? validateBlockHeader(rpc.chain, answers[i], n).hash : undefined,
    ]),
  );
};

export type LogFilter = { fromBlock: bigint; toBlock: bigint; topics: (string | string[] | null)[] };

/** Whether topic `got` is one of `want` (lowercase; null: any topic). */
const topicMatches = (want: readonly string[] | null, got: string | undefined) =>
  want === null || (got !== undefined && (want.includes(got) || want.includes(got.toLowerCase())));

export const validateLogs = (chain: string, logs: unknown, filter: LogFilter): RpcLog[] => {
  const params = [
    { fromBlock: toQuantity(filter.fromBlock), toBlock: toQuantity(filter.toBlock), topics: filter.topics },
  ];
  if (!Array.isArray(logs)) return fail(chain, "result is not an array", "eth_getLogs", params);
  // Lowercased once per answer, not once per log (an answer can hold thousands).
  const wants = filter.topics.map((t) =>
    t === null || t === undefined ? null : (Array.isArray(t) ? t : [t]).map((w) => w.toLowerCase()),
  );
  for (const log of logs as RpcLog[]) {
    if (
      !isHash(log?.transactionHash) ||
      !isHex(log.blockNumber) ||
      !isHex(log.logIndex) ||
      !Array.isArray(log.topics)
    )
      fail(chain, "log lacks transactionHash, blockNumber, logIndex or topics", "eth_getLogs", params);
    const n = hexToBig(log.blockNumber);
    if (n < filter.fromBlock || n > filter.toBlock)
      fail(chain, `log of block ${n} outside the requested range`, "eth_getLogs", params);
    if (!wants.every((w, i) => topicMatches(w, log.topics[i])))
      fail(
        chain,
        `log ${log.transactionHash}#${hexToBig(log.logIndex)} does not match the topic filter`,
        "eth_getLogs",
        params,
      );
  }
  return (logs as RpcLog[]).filter((l) => !l.removed);
};

/**
 * `eth_getLogs` over an explicit block range (not cached: discover.ts caches whole final ranges).
 * @throws RpcRangeError when the provider refuses the range; RpcProviderError on inconsistent logs.
 */
export const getLogs = async (rpc: RpcTransport, filter: LogFilter): Promise<RpcLog[]> => {
  const params = [
    { fromBlock: toQuantity(filter.fromBlock), toBlock: toQuantity(filter.toBlock), topics: filter.topics },
  ];
  return validateLogs(rpc.chain, await rpc.request("eth_getLogs", params), filter);
};

export type TraceFilter = {
  fromBlock: bigint;
  toBlock: bigint;
  /** Exactly one of the two: the union/intersection semantics of both differ between clients. */
  fromAddress?: string[];
  toAddress?: string[];
  after: number;
  count: number;
};

export const validateTraces = (chain: string, traces: unknown, filter: TraceFilter): ParityTrace[] => {
  const params = [filter];
  if (!Array.isArray(traces)) return fail(chain, "result is not an array", "trace_filter", params);
  for (const t of traces as ParityTrace[]) {
    if (!t || typeof t.type !== "string" || !t.action || !Array.isArray(t.traceAddress))
      fail(chain, "trace lacks type, action or traceAddress", "trace_filter", params);
    const n = BigInt(t.blockNumber);
    if (n < filter.fromBlock || n > filter.toBlock)
      fail(chain, `trace of block ${n} outside the requested range`, "trace_filter", params);
    if (t.type !== "reward" && !isHash(t.transactionHash))
      fail(chain, `trace in block ${n} lacks transactionHash`, "trace_filter", params);
  }
  return traces as ParityTrace[];
};

/**
 * `trace_filter` (Erigon, Reth, Nethermind, anvil): traces from or to one address in a range.
 * Block numbers must be explicit (anvil rejects `latest`).
 * @throws RpcRangeError when the range is refused; RpcResponseError when unsupported.
 */
export const traceFilter = async (rpc: RpcTransport, filter: TraceFilter): Promise<ParityTrace[]> => {
  const params = [
    {
      fromBlock: toQuantity(filter.fromBlock),
      toBlock: toQuantity(filter.toBlock),
      ...(filter.fromAddress ? { fromAddress: filter.fromAddress } : {}),
      ...(filter.toAddress ? { toAddress: filter.toAddress } : {}),
      after: filter.after,
      count: filter.count,
    },
  ];
  return validateTraces(rpc.chain, await rpc.request("trace_filter", params), filter);
};

/** A transaction to fetch: its hash and the block discovery saw it in. */
export type TxRef = { hash: string; block: bigint };

export const validateTransaction = (chain: string, tx: unknown, ref: TxRef): RpcTransaction => {
  const params = [ref.hash];
  const t = tx as RpcTransaction | null;
  if (!t)
    return fail(
      chain,
      `transaction ${ref.hash} not found (seen in block ${ref.block})`,
      "eth_getTransactionByHash",
      params,
    );
  if (t.hash?.toLowerCase() !== ref.hash.toLowerCase())
    fail(chain, `asked for ${ref.hash}, got ${String(t.hash)}`, "eth_getTransactionByHash", params);
  if (!isHex(t.blockNumber) || hexToBig(t.blockNumber) !== ref.block || !isHash(t.blockHash))
    fail(
      chain,
      `transaction ${ref.hash} is in block ${String(t.blockNumber)}, not ${ref.block}`,
      "eth_getTransactionByHash",
      params,
    );
  if (!isHex(t.value) || !isHex(t.input) || typeof t.from !== "string")
    fail(chain, `transaction ${ref.hash} lacks from, value or input`, "eth_getTransactionByHash", params);
  return t;
};

export const validateReceipt = (chain: string, receipt: unknown, tx: RpcTransaction): RpcReceipt => {
  const params = [tx.hash];
  const r = receipt as RpcReceipt | null;
  if (!r) return fail(chain, `receipt of ${tx.hash} not found`, "eth_getTransactionReceipt", params);
  if (r.transactionHash?.toLowerCase() !== tx.hash.toLowerCase() || r.blockHash !== tx.blockHash)
    fail(
      chain,
      `receipt of ${tx.hash} names another transaction or block`,
      "eth_getTransactionReceipt",
      params,
    );
  if (!isHex(r.gasUsed) || !Array.isArray(r.logs))
    fail(chain, `receipt of ${tx.hash} lacks gasUsed or logs`, "eth_getTransactionReceipt", params);
  for (const log of r.logs) {
    if (log.transactionHash?.toLowerCase() !== tx.hash.toLowerCase() || !isHex(log.logIndex))
      fail(
        chain,
        `receipt of ${tx.hash} holds a log of another transaction`,
        "eth_getTransactionReceipt",
        params,
      );
  }
  return r;
};

/**
 * Transactions and their receipts (two batched calls per transaction), cached when final (at or
 * below `safe`; -1n: never — the sync stores them as raw records instead).
 * @throws RpcProviderError when a transaction is missing or moved block (a reorg under way).
 */
export const getTransactionsWithReceipts = async (
  rpc: RpcTransport,
  refs: readonly TxRef[],
  safe: bigint,
): Promise<{ tx: RpcTransaction; receipt: RpcReceipt }[]> => {
  const requests = refs.flatMap((r): RpcRequest[] => [
    { method: "eth_getTransactionByHash", params: [r.hash], ...cacheIfFinal(r.block, safe) },
    { method: "eth_getTransactionReceipt", params: [r.hash], ...cacheIfFinal(r.block, safe) },
  ]);
  const answers = await rpc.batch(requests);
  return refs.map((ref, i) => {
    const tx = validateTransaction(rpc.chain, answers[2 * i], ref);
    return { tx, receipt: validateReceipt(rpc.chain, answers[2 * i + 1], tx) };
  });
};

export const validateTxTraces = (
  chain: string,
  answer: unknown,
  method: TraceMethod,
  hash: string,
): TxTraces => {
  if (method === "trace_transaction") {
    if (!Array.isArray(answer)) return fail(chain, `traces of ${hash} are not an array`, method, [hash]);
    for (const t of answer as ParityTrace[]) {
      if (
        !t ||
        !Array.isArray(t.traceAddress) ||
        (t.transactionHash && t.transactionHash.toLowerCase() !== hash.toLowerCase())
      )
        fail(chain, `trace of ${hash} is malformed or names another transaction`, method, [hash]);
    }
    return { format: "parity", traces: answer as ParityTrace[] };
  }
  const frame = answer as CallFrame | null;
  if (!frame || typeof frame.type !== "string" || typeof frame.from !== "string")
    fail(chain, `call trace of ${hash} lacks type or from`, method, [hash]);
  return { format: "callTracer", frame: frame as CallFrame };
};

const traceParams = (method: TraceMethod, hash: string) =>
  method === "trace_transaction" ? [hash] : [hash, { tracer: "callTracer" }];

/**
 * Full call traces of transactions with `method`, cached when final (at or below `safe`; -1n:
 * never). A node that lacks the method
 * answers every call with an error: the first one is thrown (see `isMethodUnsupported`).
 */
export const getTxTraces = async (
  rpc: RpcTransport,
  refs: readonly TxRef[],
  method: TraceMethod,
  safe: bigint,
): Promise<TxTraces[]> => {
  const answers = await rpc.batch(
    refs.map((r) => ({ method, params: traceParams(method, r.hash), ...cacheIfFinal(r.block, safe) })),
  );
  return refs.map((r, i) => validateTxTraces(rpc.chain, answers[i], method, r.hash));
};

/**
 * `debug_traceBlockByNumber` with callTracer: every transaction's call tree. Not cached (whole
 * blocks are large; discover.ts caches what it found per address instead).
 */
export const traceBlockCalls = async (
  rpc: RpcTransport,
  blocks: readonly bigint[],
): Promise<Map<bigint, { txHash: string; frame: CallFrame }[]>> => {
  const answers = await rpc.batch<unknown>(
    blocks.map((n) => ({
      method: "debug_traceBlockByNumber",
      params: [toQuantity(n), { tracer: "callTracer" }],
    })),
  );
  return new Map(
    blocks.map((n, i) => {
      const list = answers[i];
      if (!Array.isArray(list))
        fail(rpc.chain, `block ${n} traces are not an array`, "debug_traceBlockByNumber", [toQuantity(n)]);
      const out = (list as { txHash?: string; result?: CallFrame }[]).map((item) => {
        if (!isHash(item?.txHash) || !item.result || typeof item.result.from !== "string")
          fail(rpc.chain, `block ${n} trace lacks txHash or result`, "debug_traceBlockByNumber", [
            toQuantity(n),
          ]);
        return { txHash: item.txHash as string, frame: item.result as CallFrame };
      });
      return [n, out];
    }),
  );
};

/** `eth_getBlockByNumber(n, true)`: the block's transactions (last-resort discovery; not cached). */
export const getBlocksWithTransactions = async (
  rpc: RpcTransport,
  blocks: readonly bigint[],
): Promise<Map<bigint, RpcTransaction[]>> => {
  const answers = await rpc.batch<(BlockHeader & { transactions?: RpcTransaction[] }) | null>(
    blocks.map((n) => ({ method: "eth_getBlockByNumber", params: [toQuantity(n), true] })),
  );
  return new Map(
    blocks.map((n, i) => {
      const b = validateBlockHeader(rpc.chain, answers[i], n) as BlockHeader & { transactions?: unknown };
      if (!Array.isArray(b.transactions) || b.transactions.some((t) => typeof t !== "object"))
        fail(rpc.chain, `block ${n} lacks full transactions`, "eth_getBlockByNumber", [toQuantity(n), true]);
      return [n, b.transactions as RpcTransaction[]];
    }),
  );
};

/** `eth_call`s at `block`, each settled on its own (a reverting token must not fail the batch). */
export const ethCallSettled = (
  rpc: RpcTransport,
  calls: readonly { to: string; data: string }[],
  block: string,
): Promise<Settled<string>[]> =>
  rpc.batchSettled<string>(
    calls.map((c) => ({ method: "eth_call", params: [{ to: c.to, data: c.data }, block] })),
  );
