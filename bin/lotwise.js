#!/usr/bin/env node
// Shortcut for a checkout: runs the compiled CLI in dist/ (built by `npm ci` or `npm run build`).
// The package's own `bin` is dist/cli.js; this file is not published.
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("lotwise: dist/ is not built: run `npm run build` (npm ci does it)\n");
  process.exit(1);
}
await import(entry.href);
