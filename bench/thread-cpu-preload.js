/**
 * Preload of a benchmarked command (`node --import <this file> bin/lotwise.js …`): at the exit of
 * each thread, its CPU seconds (user + system, from /proc/thread-self/stat) on stderr, as
 * `lotwise-bench-thread main 1.42` or `lotwise-bench-thread worker 1.20 0.64` (`writer` instead of
 * `worker` for the Form 8949 writing thread, src/tax/form8949-thread.ts), a worker's second
 * figure being the seconds it spent blocked in `Atomics.wait` (the ledger reading thread waits
 * there while the engine's thread is `MAX_AHEAD` batches behind it). Which thread sets the pace
 * of a two-thread run shows here: a reading thread that waited long was ahead of the engine.
 * Worker threads inherit the preload (`execArgv`). Linux only: elsewhere it prints nothing.
 * Plain JavaScript: the command runs without a TypeScript loader. (bench/thread-cpu.ts reads the
 * threads of the bench process itself.)
 */
import { readFileSync } from "node:fs";
import { isMainThread, workerData } from "node:worker_threads";

/** User + system CPU seconds of this thread, undefined without /proc. */
const threadCpu = () => {
  try {
    const stat = readFileSync("/proc/thread-self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 of proc(5) (utime, stime), in clock ticks of 1/100 s on Linux.
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
};

let waitedMs = 0;
if (!isMainThread) {
  const wait = Atomics.wait;
  Atomics.wait = (...args) => {
    const start = performance.now();
    try {
      return wait(...args);
    } finally {
      waitedMs += performance.now() - start;
    }
  };
}
process.on("exit", () => {
  const cpu = threadCpu();
  if (cpu === undefined) return;
  const line = isMainThread
    ? `lotwise-bench-thread main ${cpu.toFixed(2)}`
    : `lotwise-bench-thread ${workerData?.lotwiseForm8949Thread === true ? "writer" : "worker"} ${cpu.toFixed(2)} ${(waitedMs / 1000).toFixed(2)}`;
  process.stderr.write(`${line}\n`);
});
