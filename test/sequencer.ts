import path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Seconds each slow test file takes in a full run on this 2-core machine (the clean-clone CI run of
 * stop 27's final head: its tests' own time, hooks excluded).
 * Vitest orders files by the durations it cached in an earlier run; a clean clone has none, and its
 * fallback (larger files first) started the 78 s dashboard demo last, so one worker ran alone for
 * its whole length. Listed files start first within their project, slowest first; the rest follow
 * in Vitest's own order. A file missing here only loses the head start.
 */
const SLOW_SECONDS: Readonly<Record<string, number>> = {
  // The end-to-end project (test/).
  "test/e2e/package.test.ts": 50,
  "test/e2e/service.test.ts": 23,
  "test/e2e/evm-sync.test.ts": 20,
  "test/e2e/dashboard.test.ts": 20,
  "test/e2e/demo-dashboard.test.ts": 18,
  "test/e2e/solana-cli.test.ts": 16,
  "test/e2e/cli.test.ts": 15,
  "test/e2e/wallets-cli.test.ts": 11,
  "test/e2e/service-cli.test.ts": 7,
  "test/e2e/interrupt.test.ts": 7,
  "test/e2e/solana-ledger.test.ts": 6,
  "test/e2e/ledger-freshness.test.ts": 5,
  "test/e2e/imports-cli.test.ts": 5,
  "test/e2e/check-cli.test.ts": 5,
  // The unit project (next to the code).
  "src/books/import-paths.test.ts": 19,
  "src/tax/parse-thread.test.ts": 14,
  "src/cli/commands/reconcile.test.ts": 13,
  "src/tax/decode-raw.test.ts": 12,
  "chains/solana/sync.test.ts": 12,
  "db/dir-lock.test.ts": 9,
  "src/cli/commands/stop-before-ready.test.ts": 8,
  "src/cli/commands/report.test.ts": 8,
  "src/cli/commands/ledger.test.ts": 7,
  "src/books/imports.test.ts": 7,
  "src/cli/commands/gains-stored.test.ts": 6,
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
