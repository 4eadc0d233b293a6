import v8 from "node:v8";

/**
 * Top-level commands that keep V8's optimizing WebAssembly compiler (TurboFan) for PGlite's 9 MB
 * PostgreSQL: those that live for hours (the API server, the job worker, the demo server), where
 * optimized statements pay back the compile. Every other command, `sync` included, compiles it with
 * the baseline compiler (Liftoff) only.
 *
 * Why not `sync`: on a cold Solana sync of 5,011 transactions (bench/solana-sync.bench.ts, PGlite on
 * disk, 2 cores), optimizing PGlite's hot functions in the background took about 0.8 CPU s of V8's
 * helper threads (perf: `ExecuteTurbofanWasmCompilation`) and saved the main thread only about
 * 0.05-0.1 s of statements: with Liftoff only the sync process used about 2.8 CPU s instead of
 * 3.5, and took 2.17 s instead of 2.37 s at load 2. The optimized code pays for itself only on
 * much larger syncs: at 20,000 new transactions both used about 9 CPU s and Liftoff's main
 * thread took 0.6 s more (wall about 4% longer). A sync against a real node also waits on the
 * network most of the time, where the statements' speed matters less.
 */
const OPTIMIZES_WASM = new Set(["serve", "worker", "demo"]);

/** Whether the top-level command `name` (`sync`, `serve`, `ledger`, …) keeps TurboFan for WebAssembly. */
export const optimizesWasm = (name: string): boolean => OPTIMIZES_WASM.has(name);

/**
 * Sets V8's WebAssembly compilers for the top-level command `name`: `--liftoff-only` unless
 * `optimizesWasm(name)`. Process-wide and one-way (a flag cannot be unset safely), so call it once,
 * before PGlite compiles its module (the CLI does it before a command loads anything). Measured
 * for short commands: opening the embedded database took 1.3 s instead of 2.8 s and 130 MB instead
 * of 195 MB, and a 150,000-row insert-and-query probe ran as fast.
 */
export const chooseWasmTiers = (name: string): void => {
  if (!optimizesWasm(name)) v8.setFlagsFromString("--liftoff-only");
};
