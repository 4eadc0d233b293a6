import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU seconds (user + system) of this process's main thread and of all its other threads
 * together (worker threads, V8's and libuv's helpers), read from `/proc/self/task` (Linux; clock
 * ticks, usually 10 ms). A benchmark subtracts two readings to tell the main thread's share of a
 * section from the rest. Undefined where `/proc` is not readable. `started` is the part of
 * `others` spent by threads that did not exist at the first reading (worker threads the section
 * started, e.g. the Solana transaction threads); the rest of `others` is threads that were already
 * running (V8's compiler and garbage collector helpers, libuv's pool, earlier workers).
 */
export type ThreadCpu = { main: number; others: number; started: number };

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Per-thread CPU ticks by thread id, for `threadCpuSince`. */
export type ThreadCpuReading = Map<number, number>;

export const readThreadCpu = (): ThreadCpuReading | undefined => {
  try {
    const out: ThreadCpuReading = new Map();
    for (const tid of readdirSync("/proc/self/task")) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      } catch {
        continue; // the thread ended meanwhile
      }
      // Fields after the command name (which may hold spaces) in parentheses: utime is field 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(Number(tid), Number(fields[11]) + Number(fields[12]));
    }
    return out;
  } catch {
    return undefined;
  }
};

/**
 * CPU seconds since `start` (threads ended since then are not counted). Threads in `alsoStarted`
 * (ids from an earlier reading, e.g. transaction threads a previous section started) count in
 * `started` too.
 */
export const threadCpuSince = (
  start: ThreadCpuReading | undefined,
  alsoStarted?: ReadonlySet<number>,
): ThreadCpu | undefined => {
  const now = readThreadCpu();
  if (!start || !now) return undefined;
  let main = 0;
  let others = 0;
  let started = 0;
  for (const [tid, ticks] of now) {
    const before = start.get(tid);
    const seconds = (ticks - (before ?? 0)) / TICKS_PER_SECOND;
    if (tid === process.pid) main += seconds;
    else {
      others += seconds;
      if (before === undefined || alsoStarted?.has(tid)) started += seconds;
    }
  }
  return { main, others, started };
};

/**
 * CPU seconds (user + system, all its threads) process `pid` has used so far, from
 * `/proc/<pid>/stat` (Linux, clock ticks); undefined where it cannot be read (no `/proc`, the
 * process gone). For a child such as a local node, whose CPU shares the machine with the sync.
 */
export const processCpuSeconds = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
};
