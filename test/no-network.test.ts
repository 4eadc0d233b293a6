import { spawn } from "node:child_process";
import { describe, expect, test } from "vitest";
import { NO_NETWORK } from "./cli.ts";
// @ts-expect-error plain JavaScript module
import { blockedConnections } from "./no-network.mjs";

describe("no test reaches the internet", () => {
  test("a connection to a public address fails in the test process and is recorded", async () => {
    // 203.0.113.7 is TEST-NET-3 (documentation range): never reached, the guard stops it first.
    await expect(fetch("http://203.0.113.7/prices")).rejects.toThrow();
    expect((blockedConnections as string[]).splice(0)).toEqual(["203.0.113.7:80"]);
    // Loopback is allowed (the connection is refused, not blocked).
    await expect(fetch("http://127.0.0.1:1/")).rejects.toThrow();
    expect(blockedConnections).toEqual([]);
  });

  test("a CLI child that tries exits with 97 and says why", async () => {
    const child = spawn(process.execPath, ["-e", "fetch('https://coins.llama.fi/prices').catch(() => {})"], {
      env: { ...process.env, LOTWISE_TEST_CHILD: "1", NODE_OPTIONS: `--import ${NO_NETWORK}` },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(97);
    expect(stderr).toContain("test tried to reach the internet (coins.llama.fi:443)");
  });
});
