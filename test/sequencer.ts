import path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Seconds each slow test file takes in a full run on this 2-core machine (a clean-clone CI run of
 * stop 26; parse-thread.test.ts after its generator stopped being quadratic).
 * Vitest orders files by the durations it cached in an earlier run; a clean clone has none, and its
 * fallback (larger files first) started the 78 s dashboard demo last, so one worker ran alone for
 * its whole length. Listed files start first, slowest first; the rest follow in Vitest's own order.
 * A file missing here only loses the head start.
 */
const SLOW_SECONDS: Readonly<Record<string, number>> = {
  // The end-to-end project (test/, a fresh process per file).
  "test/e2e/package.test.ts": 49,
  "test/e2e/service.test.ts": 23,
  "test/e2e/evm-sync.test.ts": 22,
  "test/e2e/dashboard.test.ts": 21,
  "test/e2e/demo-dashboard.test.ts": 19,
  "test/e2e/solana-cli.test.ts": 13,
  "test/e2e/cli.test.ts": 11,
  "test/e2e/wallets-cli.test.ts": 9,
  "test/e2e/service-cli.test.ts": 8,
  "test/e2e/solana-ledger.test.ts": 8,
  "test/e2e/ledger-service.test.ts": 8,
  "test/e2e/evm-ledger.test.ts": 6,
  "test/e2e/ledger-freshness.test.ts": 6,
  "test/e2e/interrupt.test.ts": 5,
  // The unit project (one shared process per worker).
  "db/dir-lock.test.ts": 15,
  "src/cli/commands/reconcile.test.ts": 15,
  "chains/solana/sync.test.ts": 13,
  "src/tax/decode-raw.test.ts": 11,
  "src/cli/commands/report.test.ts": 10,
  "src/tax/parse-thread.test.ts": 10,
  "src/books/imports.test.ts": 10,
  "src/cli/commands/stop-before-ready.test.ts": 9,
  "src/cli/commands/gains-stored.test.ts": 8,
};

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const weight = (f: TestSpecification) =>
      SLOW_SECONDS[path.relative(f.project.config.root, f.moduleId).split(path.sep).join("/")] ?? 0;
    // The e2e project's files first, then the unit project's: both share one process per worker
    // (vitest.config.ts), and a worker keeps its process for the next file in the queue only when
    // that file is of the same project, so each project's files run together (the short unit
    // files at the end). Within each, a stable sort: unlisted files (weight 0) keep Vitest's
    // order after the listed ones.
    const e2e = (f: TestSpecification) => (f.project.name === "e2e" ? 1 : 0);
    return ordered
      .map((f, i) => ({ f, i, w: weight(f), e2e: e2e(f) }))
      .sort((a, b) => b.e2e - a.e2e || b.w - a.w || a.i - b.i)
      .map((x) => x.f);
  }
}
