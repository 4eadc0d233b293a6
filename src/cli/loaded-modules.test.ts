import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { expect, test } from "vitest";
import { NO_NETWORK, ROOT, runCli } from "../../test/cli.ts";

/**
 * The packages of node_modules a run of the compiled CLI loads, from a module resolution hook
 * that names every module it resolves. The hook appends to a file, synchronously: hooks run on a
 * thread of their own, whose `process.stderr` writes reach the process's stderr through the main
 * thread, and `--version` exits at once (a loaded machine lost the last of them).
 */
const resolvedUrls = async (args: string[]): Promise<string[]> => {
  const dir = mkdtempSync(path.join(tmpdir(), "lotwise-loaded-"));
  const hooks = path.join(dir, "hooks.mjs");
  const log = path.join(dir, "resolved.txt");
  writeFileSync(log, "");
  writeFileSync(
    hooks,
    [
      'import { appendFileSync } from "node:fs";',
      "export async function resolve(specifier, context, next) {",
      "  const r = await next(specifier, context);",
      `  appendFileSync(${JSON.stringify(log)}, r.url + "\\n");`,
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
  return readFileSync(log, "utf8").split("\n").filter(Boolean);
};

const packagesLoaded = async (args: string[]): Promise<string[]> => {
  const packages = new Set<string>();
  for (const url of await resolvedUrls(args)) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
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

/**
 * The configuration's schema (config.ts, with zod bundled in: a 770 kB chunk, about 50–80 ms of
 * CPU) loads only when a run's settings need it: a command with no config file and only
 * top-level settings reads them without it (config-simple.ts).
 */
test("gains --ledger with no config file loads no configuration schema; a config file loads it", async () => {
  const chunks = path.join(ROOT, "dist", "chunks");
  const schemaChunks = readdirSync(chunks).filter((f) =>
    readFileSync(path.join(chunks, f), "utf8").includes("// src/config.ts\n"),
  );
  expect(schemaChunks).toHaveLength(1);
  const schemaLoaded = (urls: string[]) => urls.some((u) => u.endsWith(`/dist/chunks/${schemaChunks[0]}`));
  const dir = mkdtempSync(path.join(tmpdir(), "lotwise-loaded-gains-"));
  const ledger = path.join(dir, "ledger.csv");
  writeFileSync(
    ledger,
    [
      "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype",
      "b1,2024-01-31T10:00:00Z,buy,w,,,ETH,2,4000,,,,,,",
      "s1,2025-01-31T10:00:00Z,sell,w,ETH,0.5,,,1500,,,,,,",
    ].join("\n"),
  );
  const args = ["gains", "--ledger", ledger, "--year", "2025", "--out", path.join(dir, "out")];
  expect(schemaLoaded(await resolvedUrls(["--data-dir", path.join(dir, "data"), ...args]))).toBe(false);
  const config = path.join(dir, "lotwise.config.json");
  writeFileSync(config, JSON.stringify({ prices: { stalenessHours: 2 } }));
  expect(schemaLoaded(await resolvedUrls(["--config", config, ...args]))).toBe(true);
});
