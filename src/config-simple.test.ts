import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { loadConfig } from "./config.ts";
import { configDefaults, simpleConfig } from "./config-simple.ts";

/**
 * The zod-free path must give what loadConfig (the schema) gives, or step aside: a value it takes
 * and the schema would refuse, or one it reads differently, would be a setting nobody checked.
 */
describe("simpleConfig()", () => {
  const cwd = mkdtempSync(path.join(tmpdir(), "lotwise-config-simple-"));

  test("with nothing set it equals the schema's defaults, dataDir resolved", () => {
    const simple = simpleConfig({}, cwd);
    expect(simple).toStrictEqual(loadConfig({ env: {}, cwd }));
    expect(simple?.dataDir).toBe(path.join(cwd, ".lotwise"));
  });

  test("each call gives a new object", () => {
    const a = configDefaults();
    a.rpc.ethereum = "http://127.0.0.1:8545";
    a.prices.order.pop();
    const b = configDefaults();
    expect(b.rpc).toEqual({});
    expect(b.prices.order).toHaveLength(5);
  });

  // Each setting this path takes: values it must take (and read as the schema does), values it
  // must leave to loadConfig.
  const cases: Record<string, { take: unknown[]; leave: unknown[] }> = {
    dataDir: { take: ["data", "/var/lib/lotwise", "./x y"], leave: ["", 1, true] },
    databaseUrl: { take: ["postgres://u:p@127.0.0.1:5432/db"], leave: ["not a url", "", 5] },
    redisUrl: { take: ["redis://127.0.0.1:6379"], leave: ["127.0.0.1:6379 x", false] },
    queuePrefix: { take: ["lotwise-test.1_a"], leave: ["a b", "", "a/b"] },
    user: { take: ["alice", "a b"], leave: ["", 0] },
    logLevel: { take: ["debug", "info", "warn", "error", "silent"], leave: ["loud", "INFO", ""] },
    jsonLogs: { take: [true, false], leave: ["true", 1] },
    progress: { take: [true, false], leave: ["yes", 0] },
    rpc: {
      take: [{}, { ethereum: "https://eth.example/v2/key", "evm:31337": "http://127.0.0.1:8545" }],
      leave: [{ ethereum: "nope" }, { ethereum: 1 }, ["http://a.b"], "http://a.b"],
    },
  };
  for (const [key, { take, leave }] of Object.entries(cases)) {
    test(`${key}: takes what the schema takes, leaves the rest to it`, () => {
      for (const value of take) {
        const simple = simpleConfig({ [key]: value }, cwd);
        expect(simple, `${key} = ${JSON.stringify(value)}`).toStrictEqual(
          loadConfig({ env: {}, flags: { [key]: value }, cwd }),
        );
      }
      for (const value of leave) {
        expect(simpleConfig({ [key]: value }, cwd), `${key} = ${JSON.stringify(value)}`).toBeUndefined();
      }
    });
  }

  test("undefined values are unset; nested or unknown settings go to loadConfig", () => {
    expect(simpleConfig({ user: undefined, rpc: undefined }, cwd)).toStrictEqual(
      loadConfig({ env: {}, cwd }),
    );
    expect(simpleConfig({ server: { port: 9000 } }, cwd)).toBeUndefined();
    expect(simpleConfig({ prices: { stalenessHours: 2 } }, cwd)).toBeUndefined();
    expect(simpleConfig({ rpcs: {} }, cwd)).toBeUndefined();
  });
});
