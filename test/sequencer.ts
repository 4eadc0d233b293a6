import path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Seconds each slow test file took in a full run on this 2-core machine (CI on a clean clone,
 * stop 21). Vitest orders files by the durations it cached in an earlier run; a
 * clean clone has none, and its fallback (larger files first) started the 78 s dashboard demo
 * last, so one worker ran alone for its whole length. Listed files start first, slowest first;
 * the rest follow in Vitest's own order. A file missing here only loses the head start.
 */
const SLOW_SECONDS: Readonly<Record<string, number>> = {
  "test/e2e/package.test.ts": 39,
  "test/e2e/service.test.ts": 29,
  "test/e2e/service-cli.test.ts": 25,
  "test/e2e/solana-ledger.test.ts": 15,
  "test/e2e/dashboard.test.ts": 14,
  "test/e2e/evm-sync.test.ts": 12,
  "test/e2e/ledger-service.test.ts": 11,
  "test/e2e/demo-dashboard.test.ts": 11,
  "test/e2e/cli.test.ts": 10,
  "test/e2e/evm-ledger.test.ts": 10,
  "test/e2e/ledger-freshness.test.ts": 10,
  "test/e2e/wallets-cli.test.ts": 9,
  "test/e2e/solana-cli.test.ts": 9,
  "src/cli/commands/reconcile.test.ts": 9,
  "chains/solana/sync.test.ts": 8,
  "test/e2e/interrupt.test.ts": 7,
  "src/tax/parse-thread.test.ts": 7,
};

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const weight = (f: TestSpecification) =>
      SLOW_SECONDS[path.relative(f.project.config.root, f.moduleId).split(path.sep).join("/")] ?? 0;
    // A stable sort: unlisted files (weight 0) keep Vitest's order after the listed ones.
    return ordered
      .map((f, i) => ({ f, i, w: weight(f) }))
      .sort((a, b) => b.w - a.w || a.i - b.i)
      .map((x) => x.f);
  }
}
