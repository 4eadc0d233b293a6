import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Where the built dashboard lives: `dist-ui/` at the package root, written by `npm run build:ui`
 * (the root `prepare` script, so `npm ci` builds it). Undefined when it has not been built, for
 * example with `npm ci --ignore-scripts`; `lotwise serve` then answers `/` with the JSON index.
 */
export const builtDashboardDir = (): string | undefined => {
  const dir = fileURLToPath(new URL("../../dist-ui/", import.meta.url));
  return existsSync(`${dir}index.html`) ? dir : undefined;
};
