/**
 * Runs the CLI as a child process and measures its wall time and peak resident memory (under
 * `/usr/bin/time -v` when available, else by polling /proc).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { TEST_POSTGRES_URL } from "../test/services.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export type Measure = {
  wallS: number;
  rssMB: number;
  /**
   * User + system CPU seconds of the child (all its threads, garbage collection included), from
   * `/usr/bin/time`; NaN without it. On a machine shared with other work this is the steadier figure.
   */
  cpuS: number;
  exit: number;
  stderr: string;
};

/**
 * Runs the CLI under `/usr/bin/time -v` when available, else polls /proc for the peak RSS.
 * @param stdoutFd - a file descriptor for the child's stdout. @defaultValue discarded
 */
export const measure = (
  args: string[],
  stdoutFd?: number,
  options: { /** Replaces the inherited environment. */ env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<Measure> =>
  new Promise((resolve, reject) => {
    const useTime = existsSync("/usr/bin/time");
    const cmd = useTime ? "/usr/bin/time" : process.execPath;
    const argv = useTime ? ["-v", process.execPath, ...args] : args;
    const started = performance.now();
    const child = spawn(cmd, argv, {
      cwd: options.cwd ?? root,
      stdio: ["ignore", stdoutFd ?? "ignore", "pipe"],
      ...(options.env ? { env: options.env } : {}),
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    let peakKb = 0;
    const poll = useTime
      ? undefined
      : setInterval(() => {
          try {
            const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
            const m = /VmHWM:\s+(\d+) kB/.exec(status);
            if (m) peakKb = Math.max(peakKb, Number(m[1]));
          } catch {}
        }, 20);
    child.on("error", reject);
    child.on("close", (code) => {
      if (poll) clearInterval(poll);
      const wallS = (performance.now() - started) / 1000;
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      if (m) peakKb = Number(m[1]);
      const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
      const system = /System time \(seconds\): ([\d.]+)/.exec(stderr);
      const cpuS = user && system ? Number(user[1]) + Number(system[1]) : Number.NaN;
      resolve({ wallS, rssMB: peakKb / 1024, cpuS, exit: code ?? -1, stderr });
    });
  });

/**
 * The I/O floor of `file` (bench/io-floor.js: read every line, split every field, in node), the
 * fastest of `runs` — what the ratios of the ledger benchmarks are measured against.
 */
export const measureIoFloor = async (file: string, runs = 3): Promise<Measure> => {
  let best: Measure | undefined;
  for (let i = 0; i < runs; i++) {
    const m = await measure(["bench/io-floor.js", file]);
    if (m.exit !== 0) throw new Error(`io-floor exited ${m.exit}: ${m.stderr.slice(0, 500)}`);
    if (!best || m.wallS < best.wallS) best = m;
  }
  return best!;
};

/** `figure` as a multiple of `floor` (`3.21×`), for wall or CPU seconds. */
export const ratio = (figure: number, floor: number): string =>
  Number.isFinite(figure) && Number.isFinite(floor) && floor > 0 ? `${(figure / floor).toFixed(2)}×` : "?";

/** The environment without the caller's lotwise settings (database, Redis, `LOTWISE_*`), plus `extra`. */
export const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const k of Object.keys(env))
    if (k === "DATABASE_URL" || k === "REDIS_URL" || k.startsWith("LOTWISE_")) delete env[k];
  return { ...env, ...extra };
};

/** Runs one statement on the test PostgreSQL server's admin connection. */
const adminQuery = async (sql: string): Promise<void> => {
  const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
};

/**
 * Creates an empty database `lotwise_bench_<random>` on the test PostgreSQL server: its URL, and
 * `drop` (which never throws) for the bench's cleanup. @throws when the server does not answer.
 */
export const createScratchDatabase = async (): Promise<{ url: string; drop: () => Promise<void> }> => {
  const name = `lotwise_bench_${randomBytes(5).toString("hex")}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`).catch(() => {}),
  };
};
