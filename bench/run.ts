/**
 * `npm run bench [-- name …]`: runs the named benchmarks (all when none is named) and prints
 * their figures. Each `bench/<name>.bench.ts` default-exports `(args: string[]) => Promise<void>`.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ensureBuilt } from "../test/build.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .sort();

const argv = process.argv.slice(2);
const names = argv.filter((a) => !a.startsWith("-"));
const flags = argv.filter((a) => a.startsWith("-"));
const selected = names.length > 0 ? names : available;

// Benchmarks time the compiled CLI (bin/lotwise.js runs dist/): build it if a source changed.
ensureBuilt((line) => console.log(line));

for (const name of selected) {
  if (!available.includes(name)) {
    console.error(`unknown benchmark '${name}'; available: ${available.join(", ")}`);
    process.exit(2);
  }
  console.log(`\n=== bench ${name} ===`);
  const mod = (await import(pathToFileURL(path.join(here, `${name}.bench.ts`)).href)) as {
    default: (args: string[]) => Promise<void>;
  };
  await mod.default(flags);
}
