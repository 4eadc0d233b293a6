import type { AnyJobDefinition, JobQueue } from "../../workers/types.ts";
import { UserInputError } from "../errors.ts";

/** How often a waiting command checks that some worker still consumes its queue. */
const WATCH_MS = 5_000;

export class NoWorkerError extends UserInputError {
  override name = "NoWorkerError";
}

const message = (definition: AnyJobDefinition, stillQueued: boolean) =>
  `no worker is consuming the '${definition.name}' queue (REDIS_URL is set, so jobs go to Redis): ` +
  "start one with 'lotwise worker' (same DATABASE_URL and REDIS_URL), or run the jobs in this process with --in-process" +
  (stillQueued
    ? ". The queued jobs stay queued: 'lotwise jobs list' shows them, 'lotwise jobs cancel' removes them"
    : "");

/** With BullMQ, fails when no worker consumes `definition`'s queue: check before queuing anything. */
export const requireWorker = async (queue: JobQueue, definition: AnyJobDefinition): Promise<void> => {
  if (queue.kind === "bullmq" && queue.workerCount && (await queue.workerCount(definition)) === 0)
    throw new NoWorkerError(message(definition, false));
};

/**
 * With BullMQ, fails at once when no worker consumes `definition`'s queue (a command would wait
 * forever), and while `work` runs, fails when the last worker goes away. In-process: just `work`.
 */
export const withWorkers = async <T>(
  queue: JobQueue,
  definition: AnyJobDefinition,
  work: () => Promise<T>,
): Promise<T> => {
  if (queue.kind !== "bullmq" || !queue.workerCount) return work();
  const count = queue.workerCount;
  if ((await count(definition)) === 0) throw new NoWorkerError(message(definition, false));
  let timer: NodeJS.Timeout | undefined;
  const gone = new Promise<never>((_, reject) => {
    const check = async () => {
      const n = await count(definition).catch(() => 1);
      if (n === 0) reject(new NoWorkerError(message(definition, true)));
      else timer = setTimeout(check, WATCH_MS);
    };
    timer = setTimeout(check, WATCH_MS);
  });
  try {
    return await Promise.race([work(), gone]);
  } finally {
    clearTimeout(timer);
  }
};
