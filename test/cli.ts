import { spawn } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DIST_BIN, ROOT } from "./build.ts";
import { seedDataDir } from "./pglite-template.ts";

export { ROOT };
/**
 * The CLI children run: the compiled entry in dist/ (package.json `bin`), which vitest's
 * globalSetup rebuilds from the sources when they changed (test/build.ts). Starting it costs a
 * tenth of a second against half a second or more for tsx compiling the sources in every child.
 */
export const BIN = DIST_BIN;
/** The module that blocks non-loopback connections (loaded into CLI children). */
export const NO_NETWORK = pathToFileURL(path.join(ROOT, "test", "no-network.mjs")).href;

export type CliResult = { code: number | null; stdout: string; stderr: string };

/**
 * Runs the real CLI (`node dist/cli.js …`) as a child process. `env` replaces the inherited
 * environment's lotwise settings, so a test never picks up the developer's DATABASE_URL/REDIS_URL.
 */
export const runCli = (
  args: string[],
  options: {
    cwd?: string;
    env?: Record<string, string | undefined>;
    timeoutMs?: number;
    input?: string;
  } = {},
): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const base: Record<string, string | undefined> = { ...process.env };
    for (const k of Object.keys(base))
      if (k === "DATABASE_URL" || k === "REDIS_URL" || k.startsWith("LOTWISE_")) delete base[k];
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      // The child cannot reach the internet either: it exits with 97 if it tries (test/no-network.mjs).
      env: {
        ...base,
        NO_COLOR: "1",
        LOTWISE_TEST_CHILD: "1",
        NODE_OPTIONS: `${base.NODE_OPTIONS ? `${base.NODE_OPTIONS} ` : ""}--import ${NO_NETWORK}`,
        ...options.env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 180_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });

/** What `lotwise` run in the test's own process wrote, and its exit code. */
export type InProcessResult = { code: number; out: string; err: string };

/** Data folders already given the migrated template in this process (see `runInProcess`). */
const seeded = new Map<string, Promise<string>>();

/**
 * Runs `lotwise …argv` in this process (`run` of src/cli/main.ts, the CLI's own entry without a
 * child process), with `env` as its whole environment, and returns what it wrote to stdout
 * (`out`) and stderr (`err`). Test files wrap it with their settings (data folder, config file,
 * `--no-progress`, log level). The CLI's modules load on the first call (importers of this file
 * for `ROOT` or `runCli` do not pay for them).
 *
 * `seed`: the run's data folder, given a copy of the migrated embedded database before the
 * first command that names it (test/pglite-template.ts), so no command pays PGlite's setup (about
 * 2 s of CPU). Only for tests that are not about the first run: the copy is what a first command
 * leaves, but that command then prints no "setting up" line, and a `--ledger FILE` command that
 * opens no database when there is none would open this one.
 */
export const runInProcess = async (
  argv: string[],
  env: Record<string, string | undefined> = {},
  options: { seed?: string } = {},
): Promise<InProcessResult> => {
  if (options.seed !== undefined) {
    const dataDir = path.resolve(options.seed);
    if (!seeded.has(dataDir)) seeded.set(dataDir, seedDataDir(dataDir));
    await seeded.get(dataDir);
  }
  const { run } = await import("../src/cli/main.ts");
  let out = "";
  let err = "";
  const code = await run(argv, env, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
};

/**
 * `runInProcess` with `runCli`'s result (`stdout`, `stderr`, `code`): for tests about what a
 * command does and says, not about the process around it. A child costs about 0.75 s of CPU to
 * start and load the CLI (more with PGlite's WebAssembly); in this process the modules load once.
 */
export const runCliInProcess = async (
  argv: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> => {
  const r = await runInProcess(argv, env);
  return { code: r.code, stdout: r.out, stderr: r.err };
};
