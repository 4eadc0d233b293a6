/**
 * `npm run bench corpus`: classification accuracy on the hand-labelled corpus (test/corpus): the
 * share of labelled transactions whose ledger rows, fees and review items equal their label, with
 * the misses listed by case.
 */
import { performance } from "node:perf_hooks";
import { runCorpus } from "../test/corpus/run.ts";

export default async (): Promise<void> => {
  const t0 = performance.now();
  const run = await runCorpus();
  try {
    const wrong = run.results.filter((r) => !r.ok);
    console.log(
      `corpus: ${run.results.length} labelled transactions, ${run.results.length - wrong.length} as labelled: accuracy ${(run.accuracy * 100).toFixed(1)} %`,
    );
    const kinds = new Map<string, { n: number; ok: number }>();
    for (const r of run.results) {
      const k = r.label.kind.replace(/ \(.*\)$/, "");
      const s = kinds.get(k) ?? { n: 0, ok: 0 };
      s.n++;
      if (r.ok) s.ok++;
      kinds.set(k, s);
    }
    for (const [k, s] of [...kinds].sort()) console.log(`  ${k.padEnd(40)} ${s.ok}/${s.n}`);
    for (const r of wrong) console.log(`  MISS ${r.label.step} (${r.label.kind}) ${r.label.hash}`);
    console.log(`time: ${((performance.now() - t0) / 1000).toFixed(1)} s (play, sync, classify, compare)`);
  } finally {
    await run.anvil.stop();
  }
};
