/**
 * `--cpu-prof=FILE` for benchmarks: a V8 CPU profile of one section only (not the data set-up
 * around it), written as a `.cpuprofile` (open it in Chrome DevTools or speedscope).
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

/** The file named by `--cpu-prof=FILE` among the benchmark's flags, if any. */
export const profileFlag = (args: readonly string[]): string | undefined =>
  args.find((a) => a.startsWith("--cpu-prof="))?.slice("--cpu-prof=".length) || undefined;

/** Runs `section`, profiled into `file` when one is given. */
export const profiled = async <T>(file: string | undefined, section: () => Promise<T>): Promise<T> => {
  if (!file) return section();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  try {
    return await section();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`CPU profile of the section: ${file}`);
  }
};
