import { loadRecordedTransactions } from "../test/solana-replay.ts";
import { resultRanges } from "../chains/solana/result-ranges.ts";
const W = "GAgnD5XviS4wN7GpcTBbgvtFAZnT6Lc1ehkbnP3qo1bz";
const tm = loadRecordedTransactions().filter((r) => JSON.stringify(r.tx).includes(W));
const bodies = Array.from({ length: 100 }, (_, b) =>
  Buffer.from(JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ jsonrpc: "2.0", id: i, result: { ...tm[(b * 50 + i) % tm.length]!.tx, slot: b * 50 + i } })))),
);
const mode = process.argv[2];
let sink = 0;
const c0 = process.cpuUsage(); const t0 = performance.now();
for (const body of bodies) {
  if (mode === "whole") {
    const json = JSON.parse(body.toString("utf8"));
    for (const a of json) sink += a.result.slot;
  } else if (mode === "ranges") {
    const json = JSON.parse(body.toString("utf8"));
    const r = resultRanges(body)!;
    for (const a of json) sink += a.result.slot;
    sink += r.starts.length;
  } else {
    const r = resultRanges(body)!;
    for (let i = 0; i < r.starts.length; i++) {
      const tx = JSON.parse(body.toString("utf8", r.starts[i]!, r.ends[i]!));
      sink += tx.slot;
    }
  }
}
const c = process.cpuUsage(c0);
console.log(mode, "wall ms", (performance.now() - t0).toFixed(0), "cpu ms", ((c.user + c.system) / 1000).toFixed(0), sink > 0);
