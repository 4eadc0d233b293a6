/**
 * vitest setup (opt-in): with LOTWISE_TEST_CPU_LOG=<file>, each test file appends one JSON line
 * there: its path, its wall seconds from this setup to its last hook, and the CPU seconds its test
 * process spent meanwhile (`self`: all of that process's threads) and its children that ended
 * meanwhile (`children`: CLI children, anvil, chromium, npm, tsc; a child still running at the end
 * is not counted; PostgreSQL and Redis are servers of their own and never are). Wall time alone
 * says little on this 2-core machine shared with other jobs; CPU seconds say what a file costs.
 * Without the variable it does nothing.
 */
import { appendFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, expect } from "vitest";

const LOG = process.env.LOTWISE_TEST_CPU_LOG;

/** Clock ticks per second of /proc/<pid>/stat's times (Linux's USER_HZ). */
const TICKS = 100;

/** CPU seconds of this process's waited-for children (cutime + cstime of /proc/self/stat). */
const childrenCpu = (): number => {
  const stat = readFileSync("/proc/self/stat", "utf8");
  // Fields after the command name (which may hold spaces), from field 3 (state) on.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / TICKS;
};

/** CPU seconds of this process (every thread). */
const selfCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

if (LOG) {
  const start = { wall: performance.now(), self: selfCpu(), children: childrenCpu() };
  afterAll(() => {
    const round = (x: number) => Math.round(x * 100) / 100;
    appendFileSync(
      LOG,
      `${JSON.stringify({
        file: path.relative(process.cwd(), expect.getState().testPath ?? ""),
        pid: process.pid,
        wall: round((performance.now() - start.wall) / 1000),
        self: round(selfCpu() - start.self),
        children: round(childrenCpu() - start.children),
      })}\n`,
    );
  });
}
