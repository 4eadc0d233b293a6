import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { expect, test } from "vitest";
import { NO_NETWORK, runCli } from "../../test/cli.ts";

/**
 * The packages of node_modules a run of the compiled CLI loads, from a module resolution hook
 * that names every module it resolves.
 */
const packagesLoaded = async (args: string[]): Promise<string[]> => {
  const dir = mkdtempSync(path.join(tmpdir(), "lotwise-loaded-"));
  const hooks = path.join(dir, "hooks.mjs");
  writeFileSync(
    hooks,
    [
      "export async function resolve(specifier, context, next) {",
      "  const r = await next(specifier, context);",
      '  process.stderr.write("RESOLVED " + r.url + "\\n");',
      "  return r;",
      "}",
      "",
    ].join("\n"),
  );
  const register = path.join(dir, "register.mjs");
  writeFileSync(
    register,
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  const r = await runCli(args, {
    env: { NODE_OPTIONS: `--import ${NO_NETWORK} --import ${pathToFileURL(register).href}` },
  });
  expect(r.code, r.stderr).toBe(0);
  const packages = new Set<string>();
  for (const line of r.stderr.split("\n")) {
    const m = /^RESOLVED .*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (m) packages.add(m[1]!);
  }
  return [...packages].sort();
};

/**
 * Issue 15: the CLI starts in a blink, and heavy modules are loaded only by the commands that use
 * them. `--version` loads what every command needs and nothing else: no database driver (`pg`
 * cost `--version` 15 MB and 0.09 s of CPU, and every embedded-database command the same), no
 * chain library, no server.
 */
test("lotwise --version loads no database driver, chain library or server", async () => {
  expect(await packagesLoaded(["--version"])).toEqual(["commander", "decimal.js"]);
});
