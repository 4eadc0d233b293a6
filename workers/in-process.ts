import { randomUUID } from "node:crypto";
import { processEndpointGate } from "../chains/endpoint-gate.ts";
import type { Database } from "../db/client.ts";
import type { Common } from "../src/common.ts";
import { attemptsOf, retryDelayMs, shouldRetry } from "./policy.ts";
import type { AnyJobDefinition, JobHandle, JobProgress, JobQueue, JobStatus } from "./types.ts";

/**
 * Runs jobs in this process, right away, with the same retry policy as the BullMQ runner.
 * Used when no `REDIS_URL` is configured (the embedded default).
 */
export const createInProcessQueue = (args: { common: Common; database: Database }): JobQueue => {
  // One RPC quota per endpoint for every job of this process (chains/endpoint-gate.ts).
  const endpointGate = processEndpointGate({
    concurrency: args.common.config.sync.endpointConcurrency,
    requestsPerSecond: args.common.config.sync.endpointRequestsPerSecond,
  });
  const jobs = new Map<string, JobStatus & { promise: Promise<unknown> }>();
  const sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => {
        clearTimeout(t);
        resolve();
      });
    });

  const key = (definition: AnyJobDefinition, id: string) => `${definition.name}:${id}`;

  // Per job type, at most `concurrency` jobs run at once, as a BullMQ worker would run them.
  const running = new Map<string, number>();
  const waiters = new Map<string, (() => void)[]>();
  const acquire = async (definition: AnyJobDefinition) => {
    const limit = definition.concurrency ?? 1;
    while ((running.get(definition.name) ?? 0) >= limit) {
      await new Promise<void>((resolve) => {
        const list = waiters.get(definition.name) ?? [];
        list.push(resolve);
        waiters.set(definition.name, list);
      });
    }
    running.set(definition.name, (running.get(definition.name) ?? 0) + 1);
  };
  const release = (definition: AnyJobDefinition) => {
    running.set(definition.name, (running.get(definition.name) ?? 1) - 1);
    waiters.get(definition.name)?.shift()?.();
  };

  return {
    kind: "in-process",
    enqueue: async (definition, rawData, options = {}) => {
      const id = options.jobId ?? randomUUID();
      const existing = jobs.get(key(definition, id));
      if (existing && (existing.state === "active" || existing.state === "waiting")) {
        return { id, result: () => existing.promise } as JobHandle<never>;
      }
      const data = definition.parse(JSON.parse(JSON.stringify(rawData ?? null)));
      const status: JobStatus & { promise: Promise<unknown> } = {
        id,
        name: definition.name,
        state: "waiting",
        progress: undefined,
        attemptsMade: 0,
        promise: Promise.resolve(),
      };
      const signal = args.common.shutdown.signal;
      const run = async () => {
        await acquire(definition);
        status.state = "active";
        try {
          return await attemptAll();
        } finally {
          release(definition);
        }
      };
      const attemptAll = async () => {
        const attempts = attemptsOf(definition);
        for (let attempt = 1; ; attempt++) {
          try {
            const result = await definition.process(data, {
              common: args.common,
              database: args.database,
              jobId: id,
              attempt,
              signal,
              endpointGate,
              // In-process: secrets stay in this process's memory.
              secrets: options.secrets ?? {},
              reportProgress: (p: JobProgress) => {
                status.progress = p;
                options.onProgress?.(p);
              },
            });
            status.attemptsMade = attempt;
            status.state = "completed";
            // Results cross Redis as JSON on BullMQ; round-trip them here so both runners return the same.
            status.result = result === undefined ? undefined : JSON.parse(JSON.stringify(result));
            return status.result;
          } catch (error) {
            status.attemptsMade = attempt;
            if (!shouldRetry(error) || attempt >= attempts || signal.aborted) {
              status.state = "failed";
              status.error = error instanceof Error ? error.message : String(error);
              throw error;
            }
            const delayMs = retryDelayMs(definition, attempt);
            // Says when and how often it will try again: a user at the CLI waits meanwhile.
            args.common.logger.warn("job failed, retrying", {
              job: definition.name,
              job_id: id,
              attempt,
              attempts,
              retry_in_s: delayMs / 1000,
              error: error instanceof Error ? error.message : String(error),
            });
            status.state = "delayed";
            await sleep(delayMs, signal);
            status.state = "active";
          }
        }
      };
      status.promise = run();
      // The caller observes failures through `result()`; avoid an unhandled rejection meanwhile.
      status.promise.catch(() => {});
      jobs.set(key(definition, id), status);
      return { id, result: () => status.promise } as JobHandle<never>;
    },
    status: async (definition, id) => {
      const s = jobs.get(key(definition, id));
      if (!s) return undefined;
      const { promise: _promise, ...rest } = s;
      return rest;
    },
    close: async () => {
      await Promise.allSettled([...jobs.values()].map((j) => j.promise));
    },
  };
};
