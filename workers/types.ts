import type { EndpointGate } from "../chains/endpoint-gate.ts";
import type { Database } from "../db/client.ts";
import type { Common } from "../src/common.ts";
import type { Config } from "../src/config.ts";

/** Progress a job reports; the API and dashboard show it, the CLI draws a bar. */
export type JobProgress = {
  /** Units done (blocks, transactions, rows). */
  done: number;
  /** Expected units, when known. */
  total?: number | undefined;
  unit?: string | undefined;
  /** Short human text, e.g. `block 1200/5000`. */
  detail?: string | undefined;
};

/** What a processor gets besides its payload. */
export type JobContext = {
  common: Common;
  database: Database;
  jobId: string;
  /** 1-based try number. */
  attempt: number;
  /** Aborted on shutdown; long work must stop at the next safe point. */
  signal: AbortSignal;
  /**
   * Secrets the producer handed over with `EnqueueOptions.secrets` (e.g. an RPC URL given with
   * `--rpc`): never part of the job's data. On BullMQ they sit in a separate Redis key that
   * expires after `SECRET_TTL_SECONDS` and is deleted when the job ends.
   */
  secrets: Readonly<Record<string, string>>;
  reportProgress: (progress: JobProgress) => void;
  /** BullMQ key prefix of the queue the job came from (absent in-process). */
  queuePrefix?: string | undefined;
  /**
   * Per-endpoint RPC quotas shared by every job of this process (in-process) or every worker on
   * the Redis (BullMQ): `sync.endpointConcurrency`, `sync.endpointRequestsPerSecond`.
   */
  endpointGate?: EndpointGate | undefined;
};

/**
 * A job type: a plain, thin processor function plus its retry policy. The same definition runs on
 * BullMQ (with `REDIS_URL`) and in-process (without), with the same retry semantics:
 * `NonRetryableError` fails at once; anything else is retried up to `attempts` times with
 * exponential backoff starting at `backoffMs`.
 */
export type JobDefinition<Data = unknown, Result = unknown> = {
  name: string;
  /** Validates and types `job.data`; throws `NonRetryableError` on a bad payload. */
  parse: (data: unknown) => Data;
  process: (data: Data, ctx: JobContext) => Promise<Result>;
  /** Total tries. @defaultValue 3 */
  attempts?: number;
  /** First retry delay in milliseconds; doubles each try. @defaultValue 1000 */
  backoffMs?: number;
  /** Jobs of this type run at once per worker process. @defaultValue 1 */
  concurrency?: number;
  /**
   * Queue limits from the configuration (BullMQ only): per-process concurrency (overrides
   * `concurrency`), jobs started per `duration` ms across every worker, and jobs running at once
   * across every worker.
   */
  queueLimits?: (config: Config) => QueueLimits;
};

export type QueueLimits = {
  concurrency?: number | undefined;
  limiter?: { max: number; duration: number } | undefined;
  globalConcurrency?: number | undefined;
};

/** A definition of any payload and result (lists of job types; each keeps its own types where used). */
// biome-ignore lint/suspicious/noExplicitAny: payload types are contravariant; a list of definitions needs `any` here.
export type AnyJobDefinition = JobDefinition<any, any>;

export type JobState = "waiting" | "active" | "completed" | "failed" | "delayed" | "unknown";

export type JobStatus = {
  id: string;
  name: string;
  state: JobState;
  progress: JobProgress | undefined;
  attemptsMade: number;
  result?: unknown;
  error?: string | undefined;
};

export type JobHandle<Result = unknown> = {
  id: string;
  /** Resolves with the processor's result, rejects with its final error. */
  result: () => Promise<Result>;
};

export type EnqueueOptions = {
  /** Deduplicates: a job with the same id that is waiting or active is not added twice. */
  jobId?: string;
  /** Called with progress while the caller waits (CLI bars). */
  onProgress?: (progress: JobProgress) => void;
  /** Values the job needs that must not be stored with it (RPC URLs with keys): see `JobContext.secrets`. */
  secrets?: Readonly<Record<string, string>> | undefined;
};

/** Where jobs are sent: BullMQ (`kind: "bullmq"`) or the in-process runner. */
export type JobQueue = {
  kind: "bullmq" | "in-process";
  enqueue: <D, R>(
    definition: JobDefinition<D, R>,
    data: D,
    options?: EnqueueOptions,
  ) => Promise<JobHandle<R>>;
  status: (definition: AnyJobDefinition, id: string) => Promise<JobStatus | undefined>;
  /** BullMQ: worker processes consuming the definition's queue now (absent in-process). */
  workerCount?: (definition: AnyJobDefinition) => Promise<number>;
  close: () => Promise<void>;
};
