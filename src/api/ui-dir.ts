import { existsSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "../package-root.ts";

/**
 * Where the built dashboard lives: `dist-ui/` in the package folder, written by `npm run build:ui`
 * (part of the root `prepare` script, so `npm ci` builds it). Undefined when it has not been
 * built, for example after `npm ci --ignore-scripts`; `lotwise serve` then answers `/` with the
 * JSON index.
 */
export const builtDashboardDir = (): string | undefined => {
  const dir = path.join(PACKAGE_ROOT, "dist-ui");
  return existsSync(path.join(dir, "index.html")) ? dir : undefined;
};
