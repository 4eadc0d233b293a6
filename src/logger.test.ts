import { describe, expect, test } from "vitest";
import { createLogger, createRedactor } from "./logger.ts";

describe("logger", () => {
  test("redacts configured secrets, URL passwords and api keys in query strings", () => {
    const lines: string[] = [];
    const logger = createLogger({
      secrets: ["https://mainnet.example/v3/abcdef0123456789"],
      write: (l) => lines.push(l),
    });
    logger.info("rpc failed", {
      url: "https://mainnet.example/v3/abcdef0123456789",
      other: "https://api.etherscan.io/v2/api?chainid=1&apikey=SECRET&module=account",
      db: "postgres://user:hunter2@db:5432/x",
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("abcdef0123456789");
    expect(lines[0]).not.toContain("SECRET");
    expect(lines[0]).not.toContain("hunter2");
    expect(lines[0]).toContain("apikey=[redacted]");
  });

  test("levels filter and json lines carry msg plus fields", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "warn", json: true, write: (l) => lines.push(l) }).child({
      action: "sync",
    });
    logger.info("hidden");
    logger.warn("shown", { chain_id: 1, big: 2n ** 70n });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: "warn",
      msg: "shown",
      action: "sync",
      chain_id: 1,
      big: "1180591620717411303424",
    });
  });

  test("createRedactor() leaves text without secrets alone", () => {
    expect(createRedactor([])("plain text 0xabc")).toBe("plain text 0xabc");
  });
});
