import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { ConfigError } from "../errors.ts";
import { createCliRuntime } from "./runtime.ts";

// Counts the imports of config.ts (zod and the schema): the simple path must not load it.
const imports = vi.hoisted(() => ({ count: 0 }));
vi.mock("../config.ts", async (importOriginal) => {
  imports.count++;
  return importOriginal();
});

/** The action command of `lotwise <args>`, with the CLI's global options, as preAction sees it. */
const commandOf = (args: string[]): Command => {
  const program = new Command()
    .exitOverride()
    .option("--config <file>")
    .option("--data-dir <dir>")
    .option("--database-url <url>")
    .option("--redis-url <url>")
    .option("--user <name>")
    .option("--log-level <level>")
    .option("--json-logs")
    .option("--no-progress");
  let action: Command | undefined;
  program.command("run").action((_opts, c: Command) => {
    action = c;
  });
  program.parse(["run", ...args], { from: "user" });
  return action!;
};

const logged: string[] = [];
const runtimeOf = (env: Record<string, string>) =>
  createCliRuntime({ env, out: () => {}, err: (t) => void logged.push(t), onCommon: () => {} });

let cwd: string;
const startDir = process.cwd();
beforeEach(() => {
  cwd = mkdtempSync(path.join(tmpdir(), "lotwise-runtime-config-"));
  process.chdir(cwd);
});
afterEach(() => process.chdir(startDir));

test("top-level flags and environment only: no config.ts; a config file, an admin key or a bad value load it", async () => {
  const simple = runtimeOf({ DATABASE_URL: "postgres://u:p@127.0.0.1:5432/db", LOTWISE_USER: "alice" });
  const command = commandOf(["--data-dir", "d", "--log-level", "warn"]);
  await simple.load(command);
  const common = simple.createCommon(command);
  expect(imports.count).toBe(0);
  expect(common.config.dataDir).toBe(path.join(cwd, "d"));
  expect(common.config.user).toBe("alice");
  expect(common.config.logLevel).toBe("warn");
  expect(common.config.databaseUrl).toBe("postgres://u:p@127.0.0.1:5432/db");
  expect(common.config.prices.stalenessHours).toBe(24);
  // The logger redacts the database URL, as on the schema's path.
  common.logger.warn("connecting", { url: "postgres://u:p@127.0.0.1:5432/db" });
  expect(logged.join("")).toContain("connecting");
  expect(logged.join("")).not.toContain("u:p@");

  // An --rpc flag with a URL (sync, check) stays on the simple path.
  await simple.load(command, { rpc: { ethereum: "https://eth.example/v2/secret" } });
  expect(
    simple.createCommon(command, { rpc: { ethereum: "https://eth.example/v2/secret" } }).config.rpc,
  ).toEqual({
    ethereum: "https://eth.example/v2/secret",
  });
  expect(imports.count).toBe(0);
  // A setting passed without load() seeing it is a programming error, not a silent default.
  expect(() => simple.createCommon(command, { server: { port: 1 } })).toThrow(/before runtime.load/);

  // A bad value: the schema says what is wrong and where it came from.
  const bad = runtimeOf({ DATABASE_URL: "not a url" });
  await bad.load(commandOf([]));
  expect(imports.count).toBe(1);
  expect(() => bad.createCommon(commandOf([]))).toThrow(ConfigError);
  expect(() => bad.createCommon(commandOf([]))).toThrow(
    /invalid setting databaseUrl \(from environment variable DATABASE_URL\)/,
  );
});

test("./lotwise.config.json is read whenever it exists", async () => {
  writeFileSync(path.join(cwd, "lotwise.config.json"), JSON.stringify({ prices: { stalenessHours: 2 } }));
  const runtime = runtimeOf({});
  const command = commandOf([]);
  await runtime.load(command);
  expect(runtime.createCommon(command).config.prices.stalenessHours).toBe(2);
});

test("an admin key from the environment goes through the schema (min 16 characters)", async () => {
  const runtime = runtimeOf({ LOTWISE_ADMIN_KEY: "short" });
  const command = commandOf([]);
  await runtime.load(command);
  expect(() => runtime.createCommon(command)).toThrow(/invalid setting server.adminKey/);
});
