#!/usr/bin/env node
/**
 * `npm run build`: the compiled package in dist/ (run by `prepare`, so `npm ci` leaves a runnable
 * CLI).
 *
 * - JavaScript: esbuild bundles the CLI (`dist/cli.js`) and the library entry points
 *   (`dist/engine.js`, `dist/ledger.js`), code shared between them in `dist/chunks/`, every module
 *   behind a dynamic `import()` in its own chunk so a command loads only what it uses. zod
 *   and drizzle-orm (pure ES modules) are bundled in (one file instead of ~300 for a database command:
 *   measured 27% faster `wallets list` on PostgreSQL); every other dependency stays in
 *   node_modules (PGlite and solc find their WebAssembly next to their own files).
 * - Types: tsc emits declarations of the library entry points into dist/types/ (`--types-only`
 *   runs this step alone, `--no-types` skips it).
 *
 * Files read at run time (db/migrations, src/devchain/contracts) are not copied: the code finds
 * them from the package folder (src/package-root.ts), and package.json `files` ships them.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);

/** Dependencies compiled into the bundle: pure JavaScript that every command loads. */
const BUNDLED = new Set(["zod", "drizzle-orm"]);

export const buildJs = async () => {
  const started = new Date();
  const esbuild = await import("esbuild");
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  const external = Object.keys(pkg.dependencies)
    .filter((d) => !BUNDLED.has(d))
    .flatMap((d) => [d, `${d}/*`]);
  for (const f of [
    "cli.js",
    "engine.js",
    "ledger.js",
    "gains-thread.js",
    "reconcile-thread.js",
    "ledger-thread.js",
    "form8949-thread.js",
    "solana-tx-thread.js",
    "import-thread.js",
    "chunks",
  ])
    rmSync(path.join(root, "dist", f), { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: {
      cli: "src/cli/bin.ts",
      engine: "src/tax/index.ts",
      ledger: "src/ledger/index.ts",
      // The API's gains worker thread (src/api/gains-thread.ts): its own entry, loaded by path.
      "gains-thread": "src/api/gains-thread-main.ts",
      // `lotwise reconcile --ledger`'s worker thread (src/reconcile/file-thread.ts).
      "reconcile-thread": "src/reconcile/file-thread-main.ts",
      // The thread that reads `lotwise gains --ledger`'s file (src/tax/parse-thread.ts).
      "ledger-thread": "src/tax/parse-thread-main.ts",
      // The thread that writes `lotwise gains --ledger`'s Form 8949 files (src/tax/form8949-thread.ts).
      "form8949-thread": "src/tax/form8949-thread-main.ts",
      // The thread that reads a Solana sync's getTransaction answers (chains/solana/tx-thread.ts).
      "solana-tx-thread": "chains/solana/tx-thread-main.ts",
      // `lotwise ledger import`'s file thread (src/books/import-thread.ts).
      "import-thread": "src/books/import-thread-main.ts",
    },
    outdir: "dist",
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external,
    legalComments: "none",
    logLevel: "warning",
  });
  // When this build started: test/build.ts rebuilds when a source is newer (not published).
  const stamp = path.join(root, "dist", ".build-stamp");
  writeFileSync(stamp, `${started.toISOString()}\n`);
  utimesSync(stamp, started, started);
};

export const buildTypes = () => {
  const started = new Date();
  const tsc = require.resolve("typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error("tsc failed to emit the declarations");
  // When these declarations started: test/build.ts emits them again when a source is newer (not published).
  const stamp = path.join(root, "dist", ".types-stamp");
  writeFileSync(stamp, `${started.toISOString()}\n`);
  utimesSync(stamp, started, started);
};

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!args.includes("--types-only")) await buildJs();
  if (!args.includes("--no-types")) buildTypes();
}
