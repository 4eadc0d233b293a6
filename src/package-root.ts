import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The lotwise package's folder: the nearest folder above this module holding a package.json. The
 * same from the TypeScript sources (`<root>/src/`), the compiled build (`<root>/dist/src/`) and an
 * installed package (`node_modules/lotwise/dist/src/`), so files read at run time (migrations,
 * Solidity sources) are found in one place whichever way lotwise runs.
 */
const findPackageRoot = (): string => {
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; ) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
};

export const PACKAGE_ROOT = findPackageRoot();

/** The version in the package's package.json (`lotwise --version`). */
export const packageVersion = (): string =>
  (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
