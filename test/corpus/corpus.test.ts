import { afterAll, describe, expect, test } from "vitest";
import { type CorpusRun, runCorpus } from "./run.ts";

/**
 * The hand-labelled corpus (test/corpus/scenario.ts): every labelled transaction's ledger rows,
 * fees and review items equal its label. The accuracy figure is printed (and measured by
 * `npm run bench -- corpus`).
 */
describe("classification corpus on anvil", () => {
  let run: CorpusRun | undefined;
  afterAll(async () => {
    await run?.anvil.stop();
  });

  test("every labelled transaction classifies as labelled", { timeout: 600_000 }, async () => {
    run = await runCorpus();
    expect(run.results.length).toBeGreaterThanOrEqual(40);
    const wrong = run.results.filter((r) => !r.ok);
    console.log(
      `corpus: ${run.results.length - wrong.length}/${run.results.length} transactions as labelled (accuracy ${(run.accuracy * 100).toFixed(1)} %)`,
    );
    for (const r of run.results) {
      expect.soft(r.actual, `${r.label.step} (${r.label.kind}) ${r.label.hash}`).toEqual(r.expected);
    }
    expect(run.accuracy).toBe(1);
  });
});
