import { EventEmitter } from "node:events";
import { Redis } from "ioredis";
import type { Common } from "../common.ts";

/**
 * Live sync progress: workers publish, the API's server-sent-event streams subscribe. With
 * `REDIS_URL` events go through Redis pub/sub (channel per user), so any API process sees any
 * worker's progress; without it, through an in-process emitter (jobs run in the API process).
 * Events are notifications only: the run's state of record is in `sync_runs`/`sync_run_wallets`.
 */

export type RunEvent =
  | {
      type: "wallet";
      runId: number;
      walletId: number;
      wallet: string;
      /** `active`, `progress`, `retrying`, `completed`, `failed`, `skipped`. */
      state: string;
      attempt?: number | undefined;
      progress?: {
        done: number;
        total?: number | undefined;
        unit?: string | undefined;
        detail?: string | undefined;
      };
      error?: string | undefined;
      result?: unknown;
    }
  | {
      type: "ledger";
      runId: number;
      state: string;
      progress?: { done: number; total?: number | undefined; detail?: string | undefined };
      error?: string | undefined;
      result?: unknown;
    }
  | { type: "run"; runId: number; status: string; error?: string | undefined };

export type RunEvents = {
  /**
   * Sends `event` to the user's subscribers. Resolves once Redis has taken it (never rejects: a
   * lost event only delays a live view). Awaited before a job returns, a job's last event reaches
   * Redis before the job's completion frees its queue slot, so events of consecutive jobs run by
   * different workers arrive in the order the jobs ran.
   */
  publish: (userId: number, event: RunEvent) => Promise<void>;
  /** Calls `listener` with every event of the user's runs until the returned function is called. */
  subscribe: (userId: number, listener: (event: RunEvent) => void) => Promise<() => void>;
};

/**
 * The Redis channel of a user's run events, under the installation's queue prefix (default
 * `lotwise`), as its queues are: installations or test runs sharing one Redis, whose user ids
 * overlap, must not see each other's runs.
 */
const channelOf = (prefix: string, userId: number) => `${prefix}:run-events:${userId}`;

/** One emitter per process: in-process jobs and the API share it. */
const local = new EventEmitter();
local.setMaxListeners(0);

const localChannel = (userId: number) => `run-events:${userId}`;
const localEvents: RunEvents = {
  publish: async (userId, event) => {
    local.emit(localChannel(userId), event);
  },
  subscribe: async (userId, listener) => {
    local.on(localChannel(userId), listener);
    return () => local.off(localChannel(userId), listener);
  },
};

const byCommon = new WeakMap<Common, RunEvents>();

/** The event channel for this configuration (cached per `Common`; connections close on shutdown). */
export const runEventsFor = (common: Common): RunEvents => {
  const cached = byCommon.get(common);
  if (cached) return cached;
  const url = common.config.redisUrl;
  const events = url ? createRedisRunEvents(common, url, common.config.queuePrefix) : localEvents;
  byCommon.set(common, events);
  return events;
};

const createRedisRunEvents = (common: Common, url: string, prefix: string): RunEvents => {
  let publisher: Redis | undefined;
  let subscriber: Redis | undefined;
  const listeners = new Map<string, Set<(event: RunEvent) => void>>();
  const quiet = (r: Redis) => r.on("error", (e) => common.logger.debug("redis error", { error: e.message }));
  common.shutdown.add("run events", async () => {
    await Promise.all(
      [publisher, subscriber].filter(Boolean).map((c) => c!.quit().catch(() => c!.disconnect())),
    );
  });
  return {
    publish: (userId, event) => {
      if (!publisher) {
        publisher = new Redis(url, { maxRetriesPerRequest: 3 });
        quiet(publisher);
      }
      return publisher.publish(channelOf(prefix, userId), JSON.stringify(event)).then(
        () => {},
        () => {},
      );
    },
    subscribe: async (userId, listener) => {
      if (!subscriber) {
        subscriber = new Redis(url, { maxRetriesPerRequest: null });
        quiet(subscriber);
        subscriber.on("message", (channel: string, message: string) => {
          let event: RunEvent;
          try {
            event = JSON.parse(message) as RunEvent;
          } catch {
            return;
          }
          for (const l of listeners.get(channel) ?? []) l(event);
        });
      }
      const channel = channelOf(prefix, userId);
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        await subscriber.subscribe(channel);
      }
      set.add(listener);
      return () => {
        set!.delete(listener);
        if (set!.size === 0) {
          listeners.delete(channel);
          subscriber?.unsubscribe(channel).catch(() => {});
        }
      };
    },
  };
};
