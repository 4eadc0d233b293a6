import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { seedDataDir } from "../../../test/pglite-template.ts";
import { spawnLotwise } from "../../../test/processes.ts";
import { createTestDatabase } from "../../../test/services.ts";

/** A loopback port nothing listens on: Redis "is down". */
const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("serve and worker stop on SIGTERM while Redis does not answer", () => {
  it("serve exits 0 instead of waiting for Redis for good", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lotwise-stop-"));
    dirs.push(dir);
    // The embedded database is there already (the migrated template, test/pglite-template.ts):
    // the server waits on Redis alone, not on PGlite's first-run setup as well.
    await seedDataDir(path.join(dir, ".lotwise"));
    const redis = `redis://127.0.0.1:${await closedPort()}`;
    const serve = spawnLotwise(["serve", "--port", "0", "--no-ui"], { cwd: dir, env: { REDIS_URL: redis } });
    try {
      await serve.waitFor(/starting/, 30_000);
      serve.child.kill("SIGTERM");
      expect(await serve.exited).toBe(0);
      expect(serve.output()).toContain("stopped before it was ready");
      expect(serve.output()).not.toContain("lotwise API on");
      // It exits once its closes are done, not when the grace period runs out on the Redis
      // clients its start-up was still opening (they reconnect for good).
      expect(serve.output()).not.toContain("exiting anyway");
    } finally {
      if (serve.child.exitCode === null) serve.child.kill("SIGKILL");
    }
  });

  it("worker exits 0 instead of waiting for Redis for good", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lotwise-stop-"));
    dirs.push(dir);
    const database = await createTestDatabase("postgres");
    const redis = `redis://127.0.0.1:${await closedPort()}`;
    const worker = spawnLotwise(["worker"], {
      cwd: dir,
      env: { REDIS_URL: redis, DATABASE_URL: database.url! },
    });
    try {
      await worker.waitFor(/starting/, 30_000);
      worker.child.kill("SIGTERM");
      const code = await worker.exited;
      expect(code, worker.output()).toBe(0);
      expect(worker.output()).toContain("stopped before it was ready");
      expect(worker.output()).not.toContain("worker ready");
    } finally {
      if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
      await database.close();
    }
  });
});
