import { scheduledSyncJob } from "./processors/scheduled-sync.ts";
import { lockedBuildLedgerJob, syncRunLedgerJob, syncRunWalletJob } from "./processors/sync-run.ts";
import { syncWalletJob } from "./processors/sync-wallet.ts";
import type { AnyJobDefinition } from "./types.ts";

/**
 * Every job type a `lotwise worker` process serves. Each issue adds its processors here
 * (explicit list, no discovery). `build-ledger` runs under the user's ledger lock here, so a
 * rebuild a CLI command queues never overlaps a sync run's.
 */
export const JOB_DEFINITIONS: readonly AnyJobDefinition[] = [
  syncWalletJob,
  lockedBuildLedgerJob,
  syncRunWalletJob,
  syncRunLedgerJob,
  scheduledSyncJob,
];
