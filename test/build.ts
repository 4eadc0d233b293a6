/**
 * The compiled CLI (`dist/`) that CLI tests and benchmarks run, rebuilt when any source is newer
 * than the last build, so a child process never runs stale code. Only the JavaScript is rebuilt
 * (`node scripts/build.mjs --no-types`, esbuild: about a second); type errors do not stop it, as
 * with tsx (`npm run typecheck` reports them).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The compiled CLI entry (package.json `bin`). */
export const DIST_BIN = path.join(ROOT, "dist", "cli.js");
/** Written by scripts/build.mjs, dated when that build started (a source saved during it is newer). */
const STAMP = path.join(ROOT, "dist", ".build-stamp");
/** Folders compiled into dist/ (tsconfig.build.json `include`). */
const SOURCE_DIRS = ["src", "chains", "db", "workers"];

/** Written by scripts/build.mjs after tsc emitted the declarations, dated when tsc started. */
const TYPES_STAMP = path.join(ROOT, "dist", ".types-stamp");

/** Newest modification time (ms) of the compiled sources, the build settings and `extra` files. */
const newestSource = (extra: string[] = []): number => {
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
  for (const f of ["scripts/build.mjs", "package.json", ...extra])
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
  log("building dist/ (sources changed since the last build)…");
  const r = spawnSync(process.execPath, ["scripts/build.mjs", "--no-types"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0 || !existsSync(DIST_BIN))
    throw new Error(`the build failed (node scripts/build.mjs):\n${r.stdout}${r.stderr}`);
  return true;
};

/**
 * Emits the library's declarations into dist/types/ (`node scripts/build.mjs --types-only`: tsc,
 * about 4 s of CPU) when they are missing or older than a source or a tsconfig. `npm ci` leaves
 * them fresh (its `prepare` builds them), so a clean clone's package test does not emit them
 * again. Returns whether it built.
 * @throws Error when tsc failed.
 */
export const ensureTypesBuilt = (): boolean => {
  const fresh =
    existsSync(TYPES_STAMP) &&
    existsSync(path.join(ROOT, "dist", "types", "src", "tax", "index.d.ts")) &&
    statSync(TYPES_STAMP).mtimeMs >= newestSource(["tsconfig.json", "tsconfig.build.json"]);
  if (fresh) return false;
  const r = spawnSync(process.execPath, ["scripts/build.mjs", "--types-only"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (r.status !== 0)
    throw new Error(`the declarations failed (node scripts/build.mjs --types-only):\n${r.stdout}${r.stderr}`);
  return true;
};
