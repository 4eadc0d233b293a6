import { buildLedgerJob } from "./processors/build-ledger.ts";
import { syncWalletJob } from "./processors/sync-wallet.ts";
import type { AnyJobDefinition } from "./types.ts";

/**
 * Every job type a `lotwise worker` process serves. Each issue adds its processors here
 * (explicit list, no discovery).
 */
export const JOB_DEFINITIONS: readonly AnyJobDefinition[] = [syncWalletJob, buildLedgerJob];
