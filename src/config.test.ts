import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { configSchema, loadConfig, secretsOf } from "./config.ts";
import { allPaths } from "./config-keys.ts";
import { ConfigError } from "./errors.ts";

describe("loadConfig()", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "lotwise-config-"));

  test("defaults: embedded database under ./.lotwise, in-process jobs", () => {
    const c = loadConfig({ env: {}, cwd: dir });
    expect(c.dataDir).toBe(path.join(dir, ".lotwise"));
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.prices.stalenessHours).toBe(24);
  });

  test("precedence: flags over environment over file", () => {
    const file = path.join(dir, "a.json");
    writeFileSync(
      file,
      JSON.stringify({ user: "fromfile", logLevel: "warn", rpc: { base: "http://file:1" } }),
    );
    const env = { LOTWISE_USER: "fromenv", LOTWISE_RPC_EVM_31337: "http://127.0.0.1:8545" };
    const c = loadConfig({ env, configFile: file, flags: { logLevel: "debug", user: undefined }, cwd: dir });
    expect(c.user).toBe("fromenv");
    expect(c.logLevel).toBe("debug");
    expect(c.rpc).toEqual({ base: "http://file:1", "evm:31337": "http://127.0.0.1:8545" });
  });

  test("a bad value fails fast naming the setting and where it came from", () => {
    expect(() => loadConfig({ env: { DATABASE_URL: "not a url" }, cwd: dir })).toThrow(
      /invalid setting databaseUrl \(from environment variable DATABASE_URL\)/,
    );
    const file = path.join(dir, "b.json");
    writeFileSync(file, JSON.stringify({ classify: { lending: "lofo" } }));
    expect(() => loadConfig({ env: {}, configFile: file, cwd: dir })).toThrow(
      /invalid setting classify.lending \(from .*b\.json\)/,
    );
    expect(() => loadConfig({ env: {}, flags: { logLevel: "loud" }, cwd: dir })).toThrow(ConfigError);
  });

  test("a missing or broken config file is a clear error", () => {
    expect(() => loadConfig({ env: {}, configFile: "nope.json", cwd: dir })).toThrow(/config file not found/);
    const file = path.join(dir, "c.json");
    writeFileSync(file, "{ nope");
    expect(() => loadConfig({ env: {}, configFile: file, cwd: dir })).toThrow(/config file .*c\.json/);
    // A folder given as the config file: a sentence naming it, not Node's EISDIR message.
    expect(() => loadConfig({ env: {}, configFile: ".", cwd: dir })).toThrow(
      `config file ${dir} is a folder; give a file name`,
    );
  });

  test("secretsOf() leaves out an RPC URL that is only an origin: an error must name its host", () => {
    // Before: `--rpc ethereum=http://127.0.0.1:9` made the sync error read "cannot connect to
    // [redacted]": the whole URL, all host, was a secret. A key sits in the path, query or user part.
    const c = loadConfig({
      env: {},
      flags: {
        rpc: {
          ethereum: "http://127.0.0.1:9",
          base: "https://base.example/",
          optimism: "https://op.example/v2/SECRETKEY123",
          arbitrum: "https://user:pw@arb.example",
          polygon: "https://pol.example/?apikey=SECRET99",
        },
      },
      cwd: dir,
    });
    const secrets = secretsOf(c);
    expect(secrets).not.toContain("http://127.0.0.1:9");
    expect(secrets).not.toContain("https://base.example/");
    expect(secrets).toEqual(
      expect.arrayContaining([
        "https://op.example/v2/SECRETKEY123",
        "https://user:pw@arb.example",
        "https://pol.example/?apikey=SECRET99",
      ]),
    );
  });

  test("secretsOf() lists URLs and keys so the logger can redact them", () => {
    const c = loadConfig({
      env: { DATABASE_URL: "postgres://u:pw@db:5432/x" },
      flags: { rpc: { ethereum: "https://eth.example/v2/SECRETKEY123" } },
      cwd: dir,
    });
    expect(secretsOf(c)).toEqual(
      expect.arrayContaining(["postgres://u:pw@db:5432/x", "https://eth.example/v2/SECRETKEY123"]),
    );
  });

  test("a tax block is refused, naming the flags: no command reads it, so it would change nothing", () => {
    // Before: `tax.filingStatus: mfs` was accepted and ignored (gains kept the single filer's
    // $3,000 limit), as were tax.method, tax.scope and the carryovers.
    const file = path.join(dir, "tax.json");
    writeFileSync(
      file,
      JSON.stringify({ tax: { method: "lifo", filingStatus: "mfs", carryoverSt: "1000" } }),
    );
    expect(() => loadConfig({ env: {}, configFile: file, cwd: dir })).toThrow(
      new ConfigError(
        `config file ${file}: unknown setting tax: the tax choices are not read from the config file; ` +
          "give them to the command: --method fifo|lifo|hifo, --scope transition|universal|wallet, " +
          "--filing-status single|mfj|mfs|hoh, --carryover-st USD, --carryover-lt USD, --taxable-income USD",
      ),
    );
  });

  test("docs/configuration.md, which the unknown-setting error names, lists every setting", () => {
    // Before: the error sent readers to src/config.ts, which the npm package does not contain, and
    // no page listed the settings.
    const page = readFileSync(path.resolve(import.meta.dirname, "../docs/configuration.md"), "utf8");
    const paths = allPaths(configSchema);
    // Each setting (a path no other path extends) has its row.
    const leaves = paths.filter((p) => !paths.some((q) => q.startsWith(`${p}.`)));
    expect(leaves.length).toBeGreaterThan(50);
    const missing = leaves.filter((p) => !page.includes(`| \`${p}\` |`));
    expect(missing).toEqual([]);
    // The package ships docs/, not src/.
    const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../package.json"), "utf8"));
    expect(pkg.files).toContain("docs/");
  });

  test("unknown keys in the file are refused, with the nearest valid setting", () => {
    const file = path.join(dir, "typos.json");
    writeFileSync(
      file,
      JSON.stringify({
        rpcs: { ethereum: "http://127.0.0.1:8545" },
        prices: { stalenessHour: 12 },
        stalenessHours: 3,
        assets: { tokens: { "evm:1:0xabc": { symbol: "X", decimal: 6 } } },
        classify: { contracts: { "evm:31337": { weth: [] } } },
        zzzzzzzzzz: 1,
      }),
    );
    expect(() => loadConfig({ env: {}, configFile: file, cwd: dir })).toThrow(
      new ConfigError(
        `config file ${file}: unknown setting rpcs (did you mean rpc?); ` +
          "unknown setting prices.stalenessHour (did you mean prices.stalenessHours?); " +
          "unknown setting stalenessHours (did you mean prices.stalenessHours?); " +
          "unknown setting assets.tokens.evm:1:0xabc.decimal (did you mean assets.tokens.evm:1:0xabc.decimals?); " +
          "unknown setting zzzzzzzzzz; docs/configuration.md lists every setting with its default",
      ),
    );
    // Record keys (chain ids, token ids) are free; a `$schema` key is allowed.
    writeFileSync(file, JSON.stringify({ $schema: "x", rpc: { anything: "http://127.0.0.1:1" } }));
    expect(loadConfig({ env: {}, configFile: file, cwd: dir }).rpc).toEqual({
      anything: "http://127.0.0.1:1",
    });
  });
});
