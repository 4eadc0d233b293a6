import { randomUUID } from "node:crypto";
import { type Job, Queue, QueueEvents, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { createRedisEndpointGate } from "../chains/endpoint-gate.ts";
import type { Database } from "../db/client.ts";
import type { Common } from "../src/common.ts";
import { NonRetryableError } from "../src/errors.ts";
import { attemptsOf, backoffOf } from "./policy.ts";
import type { AnyJobDefinition, JobHandle, JobProgress, JobQueue, JobState, JobStatus } from "./types.ts";

/** Redis key prefix for every lotwise queue. @defaultValue `lotwise` */
export const DEFAULT_PREFIX = "lotwise";
/** Completed jobs kept for the API / dashboard: 7 days or the newest 1000. */
export const KEEP_COMPLETED = { age: 7 * 24 * 3600, count: 1000 };
/** Failed jobs kept for inspection: 30 days. */
export const KEEP_FAILED = { age: 30 * 24 * 3600 };
/**
 * How long a job's secrets (e.g. an RPC URL given with `--rpc`) may wait in Redis for a worker:
 * they live in their own key, `<prefix>:secrets:<queue>:<job id>`, never in the job's data (which
 * BullMQ keeps for days), and the worker deletes the key when the job ends.
 */
export const SECRET_TTL_SECONDS = 3600;
const secretKey = (prefix: string, queue: string, id: string) => `${prefix}:secrets:${queue}:${id}`;

export type BullArgs = { common: Common; redisUrl: string; prefix?: string };

const connect = (url: string) =>
  // `maxRetriesPerRequest: null` is what BullMQ requires for blocking worker connections.
  new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });

/** Producer side: adds jobs to BullMQ queues and waits for their results. */
export const createBullQueue = (args: BullArgs): JobQueue => {
  const prefix = args.prefix ?? args.common.config.queuePrefix ?? DEFAULT_PREFIX;
  const connection = connect(args.redisUrl);
  connection.on("error", (error) => args.common.logger.debug("redis error", { error: error.message }));
  const queues = new Map<string, Queue>();
  const events = new Map<string, QueueEvents>();
  // BullMQ does not close connections it was given; we close them after the queues.
  const connections: Redis[] = [connection];

  const queueFor = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection, prefix });
      queues.set(name, q);
    }
    return q;
  };
  const eventsFor = async (name: string) => {
    let e = events.get(name);
    if (!e) {
      const eventsConnection = connect(args.redisUrl);
      connections.push(eventsConnection);
      e = new QueueEvents(name, { connection: eventsConnection, prefix });
      events.set(name, e);
      await e.waitUntilReady();
    }
    return e;
  };

  return {
    kind: "bullmq",
    enqueue: async (definition, rawData, options = {}) => {
      const data = definition.parse(rawData);
      const queueEvents = await eventsFor(definition.name);
      // Secrets go to their own expiring key under a job id chosen first, never into the job's data.
      const jobId = options.jobId ?? (options.secrets ? randomUUID() : undefined);
      if (options.secrets && Object.keys(options.secrets).length > 0) {
        const k = secretKey(prefix, definition.name, jobId!);
        await connection.multi().hset(k, options.secrets).expire(k, SECRET_TTL_SECONDS).exec();
      }
      const job = await queueFor(definition.name).add(definition.name, data, {
        ...(jobId ? { jobId } : {}),
        attempts: attemptsOf(definition),
        backoff: { type: "exponential", delay: backoffOf(definition) },
        removeOnComplete: KEEP_COMPLETED,
        removeOnFail: KEEP_FAILED,
      });
      const id = job.id!;
      if (options.onProgress) {
        const onProgress = options.onProgress;
        const listener = ({ jobId, data: p }: { jobId: string; data: unknown }) => {
          if (jobId === id && typeof p === "object" && p !== null) onProgress(p as JobProgress);
        };
        queueEvents.on("progress", listener);
        const stop = () => queueEvents.off("progress", listener);
        job.waitUntilFinished(queueEvents).then(stop, stop);
      }
      const handle: JobHandle<unknown> = {
        id,
        result: async () => {
          try {
            return await job.waitUntilFinished(queueEvents);
          } catch (error) {
            // BullMQ gives back only the message; keep the error's class when it was non-retryable.
            const message = error instanceof Error ? error.message : String(error);
            throw new JobFailedError(`job ${definition.name} ${id} failed: ${message}`, { cause: error });
          }
        },
      };
      return handle as JobHandle<never>;
    },
    status: async (definition, id) => {
      const job = await queueFor(definition.name).getJob(id);
      return job ? toStatus(job, await job.getState()) : undefined;
    },
    workerCount: (definition) => queueFor(definition.name).getWorkersCount(),
    close: async () => {
      for (const e of events.values()) await e.close();
      for (const q of queues.values()) await q.close();
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
};

export class JobFailedError extends NonRetryableError {
  override name = "JobFailedError";
}

const toStatus = (job: Job, state: string): JobStatus => ({
  id: job.id!,
  name: job.name,
  state: (["waiting", "active", "completed", "failed", "delayed"].includes(state)
    ? state
    : "unknown") as JobState,
  progress: typeof job.progress === "object" ? (job.progress as JobProgress) : undefined,
  attemptsMade: job.attemptsMade,
  result: job.returnvalue,
  error: job.failedReason || undefined,
});

/**
 * Consumer side: one BullMQ worker per job definition. Processors stay thin; this wrapper
 * validates the payload, builds the context and turns `NonRetryableError` into BullMQ's
 * `UnrecoverableError` so such jobs fail without retries. `close()` waits for active jobs.
 */
export const startBullWorkers = (
  args: BullArgs & { database: Database; definitions: readonly AnyJobDefinition[] },
): { close: () => Promise<void>; workers: Worker[] } => {
  const prefix = args.prefix ?? args.common.config.queuePrefix ?? DEFAULT_PREFIX;
  const connections: Redis[] = [];
  // One RPC quota per endpoint across every worker on this Redis (chains/endpoint-gate.ts).
  const gateConnection = connect(args.redisUrl);
  connections.push(gateConnection);
  const endpointGate = createRedisEndpointGate({
    redis: gateConnection,
    prefix,
    limits: {
      concurrency: args.common.config.sync.endpointConcurrency,
      requestsPerSecond: args.common.config.sync.endpointRequestsPerSecond,
    },
    leaseMs: args.common.config.sync.timeoutMs + 30_000,
  });
  const workers = args.definitions.map((definition) => {
    const connection = connect(args.redisUrl);
    connections.push(connection);
    const limits = definition.queueLimits?.(args.common.config) ?? {};
    if (limits.globalConcurrency !== undefined) {
      const queue = new Queue(definition.name, { connection, prefix });
      queue
        .setGlobalConcurrency(limits.globalConcurrency)
        .catch((error) => args.common.logger.warn("queue limit not set", { error: (error as Error).message }))
        .finally(() => queue.close().catch(() => {}));
    }
    const worker = new Worker(
      definition.name,
      async (job: Job) => {
        let data: unknown;
        try {
          data = definition.parse(job.data);
        } catch (error) {
          throw new UnrecoverableError(`invalid job payload: ${(error as Error).message}`);
        }
        const secrets = await connection.hgetall(secretKey(prefix, definition.name, job.id!));
        const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        let done = false;
        try {
          const result = await definition.process(data, {
            common: args.common,
            database: args.database,
            jobId: job.id!,
            attempt: job.attemptsMade + 1,
            signal: args.common.shutdown.signal,
            queuePrefix: prefix,
            endpointGate,
            secrets,
            reportProgress: (p) => {
              job.updateProgress(p).catch(() => {});
            },
          });
          done = true;
          return result;
        } catch (error) {
          if (error instanceof NonRetryableError) {
            done = true;
            throw new UnrecoverableError(error.message);
          }
          done = last;
          throw error;
        } finally {
          // The job is over (no retry will need them): its secrets go now.
          if (done) await connection.del(secretKey(prefix, definition.name, job.id!)).catch(() => {});
        }
      },
      {
        connection,
        prefix,
        concurrency: limits.concurrency ?? definition.concurrency ?? 1,
        // A killed worker's job goes back to the queue once its lock lapses (checked as often).
        lockDuration: args.common.config.queues.lockMs,
        stalledInterval: args.common.config.queues.lockMs,
        ...(limits.limiter ? { limiter: limits.limiter } : {}),
      },
    );
    worker.on("failed", (job, error) =>
      args.common.logger.warn("job failed", {
        job: definition.name,
        job_id: job?.id,
        attempts_made: job?.attemptsMade,
        attempts: attemptsOf(definition),
        error: error.message,
      }),
    );
    worker.on("error", (error) => args.common.logger.debug("worker error", { error: error.message }));
    return worker;
  });
  return {
    workers,
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
};
