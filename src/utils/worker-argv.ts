/**
 * Node options for a worker thread that runs a compiled script (dist/*.js, or eval'd JavaScript):
 * the parent's `process.execArgv` without a TypeScript loader (tsx).
 *
 * A worker inherits its parent's options by default. When the parent runs the TypeScript sources
 * under tsx (tests, benchmarks, `npx tsx`), the worker would load tsx and route every import of
 * its compiled script through tsx's hooks: about 80 ms more CPU per thread started (measured
 * booting a worker that imports dist/engine.js and dist/ledger.js under `node --import tsx`),
 * which a user of the CLI (plain node on dist/) never pays. Every other option is kept.
 */

/** Options that take the module to load as their value (`--import tsx`, `--import=tsx`). */
const LOADER_FLAGS = new Set(["--import", "--require", "-r", "--loader", "--experimental-loader"]);

/** `tsx`, `tsx/esm`, `tsx/cjs`, or a path or URL inside a `node_modules/tsx` folder. */
const isTsx = (module: string): boolean =>
  /^tsx(\/|$)/.test(module) || /[\\/]node_modules[\\/]tsx[\\/]/.test(module);

export const workerExecArgv = (argv: readonly string[] = process.execArgv): string[] => {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf("=");
    if (eq > 0 && LOADER_FLAGS.has(a.slice(0, eq)) && isTsx(a.slice(eq + 1))) continue;
    if (LOADER_FLAGS.has(a) && i + 1 < argv.length && isTsx(argv[i + 1]!)) {
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
};
