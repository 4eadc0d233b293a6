import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BIN, runCli } from "../cli.ts";
import { createTestDatabase, TEST_REDIS_URL } from "../services.ts";

describe("lotwise CLI", () => {
  test("--help lists every command", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const c of [
      "wallets",
      "sync",
      "prices",
      "ledger",
      "gains",
      "reconcile",
      "harvest",
      "serve",
      "worker",
      "demo",
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, "m"));
    }
  });

  test("wallets add|list|remove on the embedded database, with clear errors", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "lotwise-cli-"));
    const add = await runCli(
      ["wallets", "add", "ethereum:0x52908400098527886e0f7030069857d2e4169ee7", "--label", "cold"],
      { cwd },
    );
    // The first command in a folder creates the embedded database and says so (it takes seconds).
    expect(add.stderr).toBe(
      `info  setting up the embedded database in ${path.join(cwd, ".lotwise", "pgdata")} (first run; takes a few seconds)\n`,
    );
    expect(add.code).toBe(0);
    expect(add.stdout).toBe("added ethereum:0x52908400098527886E0F7030069857D2E4169EE7\n");

    const bad = await runCli(["wallets", "add", "ethereum:0x52908400098527886e0F7030069857D2E4169EE7"], {
      cwd,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/checksum does not match/);
    expect(bad.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace for user errors

    const unknown = await runCli(["wallets", "add", "notachain:0xabc"], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown chain 'notachain'/);

    const list = await runCli(["wallets", "list", "--json"], { cwd });
    expect(list.stderr).toBe(""); // set up already: nothing to say
    expect(JSON.parse(list.stdout)).toEqual([
      {
        wallet: "ethereum:0x52908400098527886E0F7030069857D2E4169EE7",
        chain: "ethereum",
        address: "0x52908400098527886E0F7030069857D2E4169EE7",
        label: "cold",
        kind: "own",
      },
    ]);
    const rm = await runCli(["wallets", "remove", "ethereum:0x52908400098527886E0F7030069857D2E4169EE7"], {
      cwd,
    });
    expect(rm.code).toBe(0);
    const again = await runCli(["wallets", "remove", "ethereum:0x52908400098527886E0F7030069857D2E4169EE7"], {
      cwd,
    });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no such wallet/);
  }, 180_000); // three CLI runs, the first creating the embedded database: slow on a loaded machine

  test("a bad setting fails fast naming it", async () => {
    const r = await runCli(["wallets", "list"], { env: { DATABASE_URL: "nonsense" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid setting databaseUrl \(from environment variable DATABASE_URL\)/);
  });

  test("worker refuses to start without Redis", async () => {
    const r = await runCli(["worker"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs a Redis URL/);
  });
});

describe("lotwise worker process", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase("postgres");
  });
  afterAll(async () => {
    await database?.close();
  });

  test("starts against PostgreSQL + Redis and stops cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, [BIN, "worker"], {
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        LOTWISE_LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    const ready = new Promise<void>((resolve) => {
      child.stderr.on("data", (d) => {
        stderr += d;
        if (stderr.includes("worker ready")) resolve();
      });
    });
    await ready;
    expect(stderr).toContain("queues=");
    expect(stderr).not.toContain(database.url!); // the connection string never reaches the logs
    const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(stderr).toContain("shutting down");
  });
});
