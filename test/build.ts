/**
 * The compiled CLI (`dist/`) that CLI tests and benchmarks run, rebuilt when any source is newer
 * than the last build, so a child process never runs stale code. `npm run build` is `tsc -p
 * tsconfig.build.json` (incremental); type errors do not stop the emit, as with tsx.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The compiled CLI entry (package.json `bin`). */
export const DIST_BIN = path.join(ROOT, "dist", "src", "cli", "bin.js");
/** Written after a build from this module: the time of the last build that saw every source. */
const STAMP = path.join(ROOT, "dist", ".build-stamp");
/** Folders compiled into dist/ (tsconfig.build.json `include`). */
const SOURCE_DIRS = ["src", "chains", "db", "workers"];

/** Newest modification time (ms) of the compiled sources and the build settings. */
const newestSource = (): number => {
  let newest = 0;
  const visit = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "node_modules") visit(full);
      } else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) {
        newest = Math.max(newest, statSync(full).mtimeMs);
      }
    }
  };
  for (const d of SOURCE_DIRS) visit(path.join(ROOT, d));
  for (const f of ["tsconfig.json", "tsconfig.build.json", "package.json"])
    newest = Math.max(newest, statSync(path.join(ROOT, f)).mtimeMs);
  return newest;
};

const builtAt = (): number => (existsSync(STAMP) && existsSync(DIST_BIN) ? statSync(STAMP).mtimeMs : 0);

/**
 * Builds dist/ when it is missing or older than a source. Returns whether it built.
 * @throws Error when tsc emitted nothing usable.
 */
export const ensureBuilt = (log: (line: string) => void = () => {}): boolean => {
  if (builtAt() >= newestSource()) return false;
  const started = Date.now();
  log("building dist/ (sources changed since the last build)…");
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) {
    // Type errors still emit (like tsx, tests run); `npm run typecheck` reports them.
    log(`tsc reported errors (dist/ still emitted):\n${r.stdout}${r.stderr}`);
  }
  if (!existsSync(DIST_BIN)) throw new Error(`tsc did not produce ${DIST_BIN}:\n${r.stdout}${r.stderr}`);
  writeFileSync(STAMP, `${new Date(started).toISOString()}\n`);
  // The stamp's time is when the build started: a source saved during the build is newer.
  utimesSync(STAMP, new Date(started), new Date(started));
  return true;
};
