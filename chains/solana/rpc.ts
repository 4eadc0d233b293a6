import { Connection, type Finality, PublicKey, SolanaJSONRPCError } from "@solana/web3.js";
import { BaseError, ConfigError, NonRetryableError } from "../../src/errors.ts";
import { withRetry } from "../../src/utils/retry.ts";
import { RpcProviderError, RpcResponseError, type RpcTransport } from "../transport.ts";
import { isSafeCount, type JudgedAnswer, judgeAnswer, type SolanaTransactionResponse } from "./tx-json.ts";
import { readTransactionAnswersOnThread, type TxBatchReading, type TxRead } from "./tx-thread.ts";

/**
 * Typed Solana JSON-RPC calls. Every call goes through the real `@solana/web3.js` v1 `Connection`,
 * whose HTTP requests go through `chains/transport.ts` (`transport.fetch`: timeouts, concurrency
 * limit, retries with backoff on 429/5xx/timeouts/dropped connections). Each call is followed by
 * a validation that throws `RpcProviderError` (retryable) when the node's answer is malformed or
 * contradicts the request; those, a garbled body and the node's "try again" JSON-RPC errors are
 * retried here, `maxAttempts` times in all, and nothing else is.
 */

export const TOKEN_PROGRAM_ID = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
export const TOKEN_2022_PROGRAM_ID = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";

/** Largest page `getSignaturesForAddress` returns. */
export const MAX_SIGNATURES_PER_PAGE = 1000;

/**
 * JSON-RPC error codes that mean "ask again later": node behind or unhealthy (-32005), block not
 * yet available (-32004), minimum context slot not reached (-32016), internal error (-32603) and
 * the rate-limit codes some providers put in the body instead of HTTP 429.
 */
const RETRYABLE_CODES = new Set([-32005, -32004, -32016, -32603, -32429, 429]);

export type SolanaRpc = {
  /** lotwise chain id (`solana`), used in error messages. */
  chain: string;
  connection: Connection;
  commitment: Finality;
  /** Tries per call for answers that fail validation. */
  maxAttempts: number;
  /** First retry delay, in milliseconds. */
  retryBaseMs: number;
  signal?: AbortSignal | undefined;
  /**
   * POSTs a JSON-RPC body of `calls` calls of `method` to the endpoint through the transport
   * (`transport.postBytes`: node:http, same retries and limits) and gives the answer's bytes, in
   * transferable pieces.
   */
  postBytes: (body: string, count: { method: string; calls: number }) => Promise<Uint8Array[]>;
};

export type CreateSolanaRpcArgs = {
  chain: string;
  /** Endpoint URL (secret: never logged; errors name the chain and method only). */
  url: string;
  transport: RpcTransport;
  /** @defaultValue "finalized" */
  commitment?: Finality;
  /** @defaultValue 6 */
  maxAttempts?: number;
  /** @defaultValue 250 */
  retryBaseMs?: number;
  signal?: AbortSignal | undefined;
};

/**
 * A web3.js `Connection` whose HTTP goes through `transport.fetch` (web3.js's own 429 retry is
 * off so that retries happen in one place).
 * @throws ConfigError when the URL is not http(s).
 */
export const createSolanaRpc = (args: CreateSolanaRpcArgs): SolanaRpc => {
  if (!/^https?:\/\//i.test(args.url)) {
    throw new ConfigError(`${args.chain} RPC endpoint must be an http(s) URL`);
  }
  const commitment = args.commitment ?? "finalized";
  const connection = new Connection(args.url, {
    commitment,
    fetch: args.transport.fetch,
    disableRetryOnRateLimit: true,
    // Our fetch ignores agents; false stops web3.js from creating a keep-alive agent it never uses.
    httpAgent: false,
  });
  return {
    chain: args.chain,
    connection,
    commitment,
    maxAttempts: args.maxAttempts ?? 6,
    retryBaseMs: args.retryBaseMs ?? 250,
    signal: args.signal,
    postBytes: args.transport.postBytes,
  };
};

/** An entry of `getSignaturesForAddress`, newest first. */
export type SignatureInfo = {
  signature: string;
  slot: number;
  err: unknown;
  blockTime: number | null;
  confirmationStatus: string | null;
};

/** A token account as `getParsedTokenAccountsByOwner` lists it. */
export type TokenAccountInfo = { address: string; mint: string; programId: string };

// ---------------------------------------------------------------------------------------------
// Calls

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Maps what web3.js throws to lotwise errors; transport errors (already retried) pass through. */
const classify = (rpc: SolanaRpc, what: string, error: unknown): unknown => {
  if (error instanceof BaseError || rpc.signal?.aborted) return error;
  if (error instanceof SolanaJSONRPCError) {
    const code = typeof error.code === "number" ? error.code : 0;
    if (RETRYABLE_CODES.has(code)) {
      return new RpcProviderError(`${rpc.chain} RPC ${what}: ${error.message} (code ${code})`, {
        cause: error,
      });
    }
    return new RpcResponseError({ chain: rpc.chain, method: what, code, message: error.message });
  }
  // A garbled body (jayson's JSON.parse) or an answer web3.js's schema rejects.
  if (error instanceof SyntaxError || (error instanceof Error && error.name === "StructError")) {
    return new RpcProviderError(`${rpc.chain} RPC ${what}: malformed answer (${errorText(error)})`, {
      cause: error,
    });
  }
  return error;
};

/** Runs one call with lotwise's error mapping, retrying `RpcProviderError`s with backoff. */
export const call = <T>(rpc: SolanaRpc, what: string, fn: () => Promise<T>): Promise<T> =>
  withRetry(
    async () => {
      try {
        return await fn();
      } catch (error) {
        throw classify(rpc, what, error);
      }
    },
    {
      attempts: rpc.maxAttempts,
      baseMs: rpc.retryBaseMs,
      signal: rpc.signal,
      shouldRetry: (e) => e instanceof RpcProviderError,
    },
  );

const BASE58_SIG = /^[1-9A-HJ-NP-Za-km-z]{32,90}$/;

/**
 * One page of `getSignaturesForAddress`, newest first.
 * @param options.limit 1…1000 signatures.
 * @throws RpcProviderError when the page is not newest-first, repeats a signature, includes
 *   `before`/`until` or is longer than `limit`.
 */
export const getSignaturesForAddress = (
  rpc: SolanaRpc,
  address: string,
  options: { before?: string | undefined; until?: string | undefined; limit: number },
): Promise<SignatureInfo[]> => {
  const what = "getSignaturesForAddress";
  return call(rpc, what, async () => {
    // web3.js's own request without its response schema (superstruct: about 0.1 ms per entry,
    // a third of a cold sync's listing); every field read is checked below.
    const answer = (await rawRequestOf(rpc.connection)(what, [
      new PublicKey(address).toBase58(),
      {
        commitment: rpc.commitment,
        limit: options.limit,
        ...(options.before ? { before: options.before } : {}),
        ...(options.until ? { until: options.until } : {}),
      },
    ])) as JsonRpcAnswer | undefined;
    if (answer?.error) {
      const { code, message = "error" } = answer.error;
      throw new SolanaJSONRPCError({ code, message }, "failed to get signatures for address");
    }
    const list = answer?.result as
      | {
          signature?: unknown;
          slot?: unknown;
          err?: unknown;
          blockTime?: unknown;
          confirmationStatus?: unknown;
        }[]
      | undefined;
    const request = `request: ${what} ${address} before=${options.before ?? "-"} until=${options.until ?? "-"} limit=${options.limit}`;
    const bad = (problem: string) =>
      new RpcProviderError(`${rpc.chain} RPC ${what} for ${address}: ${problem}`, { meta: [request] });
    if (!Array.isArray(list)) throw bad("answer is not a list");
    if (list.length > options.limit) throw bad(`${list.length} signatures for limit ${options.limit}`);
    const seen = new Set<string>();
    let previousSlot = Number.POSITIVE_INFINITY;
    const out: SignatureInfo[] = [];
    for (const s of list) {
      if (typeof s.signature !== "string" || !BASE58_SIG.test(s.signature))
        throw bad(`invalid signature ${String(s.signature)}`);
      if (!isSafeCount(s.slot)) throw bad(`invalid slot for ${s.signature}`);
      if (s.confirmationStatus != null && typeof s.confirmationStatus !== "string")
        throw bad(`invalid confirmation status for ${s.signature}`);
      if (seen.has(s.signature)) throw bad(`signature ${s.signature} listed twice`);
      if (s.signature === options.before || s.signature === options.until)
        throw bad(`page includes its own bound ${s.signature}`);
      if (s.slot > previousSlot) throw bad(`not newest first at ${s.signature} (slot ${s.slot})`);
      seen.add(s.signature);
      previousSlot = s.slot;
      out.push({
        signature: s.signature,
        slot: s.slot,
        err: s.err ?? null,
        blockTime: typeof s.blockTime === "number" ? s.blockTime : null,
        confirmationStatus: (s.confirmationStatus as string | null | undefined) ?? null,
      });
    }
    return out;
  });
};

type JsonRpcAnswer = { result?: unknown; error?: { code?: number; message?: string } };
type RawBatch = (requests: { methodName: string; args: unknown[] }[]) => Promise<JsonRpcAnswer[]>;
type RawRequest = (methodName: string, args: unknown[]) => Promise<JsonRpcAnswer>;

/** web3.js v1's own JSON-RPC client for one call (`Connection._rpcRequest`), answer unchecked. */
const rawRequestOf = (connection: Connection): RawRequest => {
  const fn = (connection as unknown as { _rpcRequest?: RawRequest })._rpcRequest;
  if (typeof fn !== "function") {
    throw new NonRetryableError("@solana/web3.js has no Connection._rpcRequest: lotwise needs web3.js v1");
  }
  return fn;
};

/**
 * web3.js v1's own JSON-RPC batch client — the function `Connection.getParsedTransactions` calls —
 * used without web3.js's response schema, because that schema turns every key into a `PublicKey`
 * (the raw record must be the node's JSON) and rejects `json`-encoded answers, which lotwise
 * accepts (lookup-table keys in `meta.loadedAddresses`).
 */
const rawBatchOf = (connection: Connection): RawBatch => {
  const fn = (connection as unknown as { _rpcBatchRequest?: RawBatch })._rpcBatchRequest;
  if (typeof fn !== "function") {
    throw new NonRetryableError(
      "@solana/web3.js has no Connection._rpcBatchRequest: lotwise needs web3.js v1",
    );
  }
  return fn;
};

/** `getTransaction`'s options: `jsonParsed`, v0 transactions, at `rpc.commitment`. */
export const getTransactionConfig = (rpc: SolanaRpc) =>
  ({ encoding: "jsonParsed", maxSupportedTransactionVersion: 0, commitment: rpc.commitment }) as const;

/**
 * The answers to one `getTransaction` batch for `pending` (in request order, each judged), or
 * what came instead of a list (`notList`: the error of a single answer to the whole batch, if any).
 */
export type BatchAnswers<T> =
  | { answers: JudgedAnswer<T>[] }
  | { notList: { code?: number; message?: string } | undefined };

/**
 * `getTransaction` for each signature (`jsonParsed`, `maxSupportedTransactionVersion: 0`) in one
 * JSON-RPC batch; answers are matched by their own signature, not by position. Signatures whose
 * answer failed validation are asked again (only those), up to `maxAttempts` tries.
 * @throws RpcProviderError naming the signature when the node has no transaction for it or its
 *   answer is inconsistent; RpcResponseError for other JSON-RPC errors.
 */
export const getTransactions = (
  rpc: SolanaRpc,
  signatures: readonly string[],
): Promise<Map<string, SolanaTransactionResponse>> => {
  const batch = rawBatchOf(rpc.connection);
  return getTransactionsWith(rpc, signatures, async (pending) => {
    const answers = await batch(
      pending.map((signature) => ({
        methodName: "getTransaction",
        args: [signature, getTransactionConfig(rpc)],
      })),
    );
    if (!Array.isArray(answers)) return { notList: (answers as JsonRpcAnswer | undefined)?.error };
    const wanted = new Set(pending);
    return { answers: answers.map((a) => judgeAnswer(a, wanted)) };
  });
};

/**
 * `getTransactions` for `wallet`'s sync: the batch is posted through the transport's `node:http`
 * client (`postBytes`: about 0.5 ms less CPU on this thread per answer than `fetch`, which
 * web3.js's batch client uses) and its answer read on the transaction thread (tx-thread.ts), which
 * gives each usable transaction's stored bytes and normalized form instead of its parsed JSON.
 * Same requests, checks, errors and retries.
 */
export const readTransactions = (
  rpc: SolanaRpc,
  signatures: readonly string[],
  wallet: string,
): Promise<Map<string, TxRead>> =>
  getTransactionsWith(rpc, signatures, async (pending) => {
    const body = await rpc.postBytes(
      JSON.stringify(
        pending.map((signature, id) => ({
          jsonrpc: "2.0",
          id,
          method: "getTransaction",
          params: [signature, getTransactionConfig(rpc)],
        })),
      ),
      { method: "getTransaction", calls: pending.length },
    );
    let reading: TxBatchReading;
    try {
      reading = await readTransactionAnswersOnThread(body, pending, wallet);
    } catch (error) {
      if (rpc.signal?.aborted) throw error;
      // The thread failed (later batches are read on this thread): ask again.
      throw new RpcProviderError(`${rpc.chain} RPC getTransaction: ${errorText(error)}`, { cause: error });
    }
    if ("malformed" in reading) throw new SyntaxError(reading.malformed);
    return reading;
  });

/**
 * `getTransactions` with the batch asked and its answers judged by `ask` (e.g. on a thread,
 * tx-thread.ts): the same checks, errors and retries; the map holds what `ask` made of each
 * usable answer.
 */
export const getTransactionsWith = async <T>(
  rpc: SolanaRpc,
  signatures: readonly string[],
  ask: (pending: string[]) => Promise<BatchAnswers<T>>,
): Promise<Map<string, T>> => {
  const out = new Map<string, T>();
  if (signatures.length === 0) return out;
  let pending = [...new Set(signatures)];
  await call(rpc, "getTransaction", async () => {
    const got = await ask(pending);
    if ("notList" in got) {
      const e = got.notList;
      if (e) {
        // A single error for the whole batch: most likely an endpoint that refuses batches.
        throw new RpcResponseError({
          chain: rpc.chain,
          method: `getTransaction (batch of ${pending.length})`,
          code: e.code ?? 0,
          message: `${e.message ?? "error"}; the endpoint may not accept JSON-RPC batches`,
        });
      }
      throw new RpcProviderError(`${rpc.chain} RPC getTransaction: the answer to a batch is not a list`);
    }
    const { answers } = got;
    if (answers.length !== pending.length) {
      throw new RpcProviderError(
        `${rpc.chain} RPC getTransaction: ${answers.length} answers for ${pending.length} requests`,
      );
    }
    let firstProblem: unknown;
    answers.forEach((answer, i) => {
      // Errors and nulls carry no signature: the node answers a batch in order (JSON-RPC ids match).
      const positional = pending[i]!;
      if ("error" in answer) {
        const { code, message } = answer.error;
        const what = `getTransaction ${positional}`;
        const e = RETRYABLE_CODES.has(code)
          ? new RpcProviderError(`${rpc.chain} RPC ${what}: ${message} (code ${code})`)
          : new RpcResponseError({ chain: rpc.chain, method: what, code, message });
        if (!(e instanceof RpcProviderError)) throw e;
        firstProblem ??= e;
        return;
      }
      if ("missing" in answer) {
        firstProblem ??= new RpcProviderError(
          `${rpc.chain} RPC getTransaction ${positional}: the node has no such transaction although it listed the signature`,
          { meta: ["hint: the endpoint may not keep full history; use an archive RPC provider"] },
        );
        return;
      }
      if ("problem" in answer) {
        firstProblem ??= new RpcProviderError(
          `${rpc.chain} RPC getTransaction ${positional}: ${answer.problem}`,
        );
        return;
      }
      out.set(answer.signature, answer.ok);
    });
    pending = pending.filter((s) => !out.has(s));
    if (pending.length > 0) {
      throw (
        firstProblem ??
        new RpcProviderError(`${rpc.chain} RPC getTransaction ${pending[0]}: no answer for this signature`)
      );
    }
  });
  return out;
};

/**
 * Token accounts `owner` holds now, under both token programs (SPL Token and Token-2022).
 * @throws RpcProviderError when the node lists an account of another owner.
 */
export const getTokenAccountsByOwner = async (rpc: SolanaRpc, owner: string): Promise<TokenAccountInfo[]> => {
  const out: TokenAccountInfo[] = [];
  for (const programId of [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID]) {
    const what = "getTokenAccountsByOwner";
    const list = await call(rpc, what, async () => {
      const res = await rpc.connection.getParsedTokenAccountsByOwner(
        new PublicKey(owner),
        { programId: new PublicKey(programId) },
        rpc.commitment,
      );
      return res.value.map(({ pubkey, account }) => {
        const info = (account.data.parsed as { info?: { mint?: unknown; owner?: unknown } } | undefined)
          ?.info;
        const address = pubkey.toBase58();
        if (info?.owner !== owner || typeof info.mint !== "string") {
          throw new RpcProviderError(
            `${rpc.chain} RPC ${what} for ${owner}: account ${address} is not a ${programId} token account of this owner`,
          );
        }
        return { address, mint: info.mint, programId };
      });
    });
    out.push(...list);
  }
  return out;
};

/** The newest slot at the RPC's commitment (`finalized`). */
export const getSlot = (rpc: SolanaRpc): Promise<number> =>
  call(rpc, "getSlot", async () => {
    const slot = await rpc.connection.getSlot(rpc.commitment);
    if (!isSafeCount(slot)) throw new RpcProviderError(`${rpc.chain} RPC getSlot: invalid slot ${slot}`);
    return slot;
  });

/** Unix seconds of a slot's block, or null when the node does not know it. */
export const getBlockTime = (rpc: SolanaRpc, slot: number): Promise<number | null> =>
  call(rpc, "getBlockTime", async () => {
    const time = await rpc.connection.getBlockTime(slot);
    if (time !== null && !isSafeCount(time))
      throw new RpcProviderError(`${rpc.chain} RPC getBlockTime ${slot}: invalid time ${time}`);
    return time;
  });
