import type { Database } from "../../db/client.ts";
import type { JobQueue } from "../../workers/types.ts";
import type { AssetIdentity } from "../assets/index.ts";
import type { Common } from "../common.ts";
import type { Scheduler } from "../schedule/schedules.ts";
import type { RunEvents } from "../sync/events.ts";
import type { SyncDispatcher } from "../sync/runs.ts";
import type { GainsCache } from "./gains-cache.ts";

/** What the routes work with: the same services the CLI opens, plus the service-mode parts. */
export type ApiContext = {
  common: Common;
  database: Database;
  /** Ledger rebuilds after a decision or an import go here (BullMQ or in-process). */
  queue: JobQueue;
  dispatcher: SyncDispatcher;
  scheduler: Scheduler;
  events: RunEvents;
  gainsCache: GainsCache;
  /** Asset ids ↔ symbols (config `assets`): form imports, harvest what-ifs, explanations. */
  identity: AssetIdentity;
  /** Answers when Redis is reachable (`/readyz`); absent in embedded mode. */
  pingRedis?: (() => Promise<void>) | undefined;
};
