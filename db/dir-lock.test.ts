import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { runCli } from "../test/cli.ts";
import { seedDataDir } from "../test/pglite-template.ts";
import { type LotwiseProcess, spawnLotwise } from "../test/processes.ts";

const dir = mkdtempSync(path.join(tmpdir(), "lotwise-dirlock-"));
let serve: LotwiseProcess | undefined;
afterAll(async () => {
  if (serve && serve.child.exitCode === null) {
    serve.child.kill("SIGKILL");
    await serve.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

// Before the lock, `users create` beside an embedded `serve` printed a key the server answered
// with 401, and the user was gone once the server stopped (the server's PGlite overwrote it).
const SECOND_PROCESS = "a second process on an embedded database folder is refused while the first runs";
test(SECOND_PROCESS, { timeout: 120_000 }, async () => {
  // The folder starts with the migrated template (test/pglite-template.ts): what a first command
  // leaves, without PGlite's setup in every server (the lock is the same either way).
  const dataDir = await seedDataDir(path.join(dir, "data"));
  serve = spawnLotwise(["--data-dir", dataDir, "serve", "--port", "0", "--no-ui"], { cwd: dir, env: {} });
  const pid = serve.child.pid;
  await serve.waitFor(/lotwise API on http:\/\/127\.0\.0\.1:\d+/);

  const refused = await runCli(["--data-dir", dataDir, "users", "create", "zed"], { cwd: dir, env: {} });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(
    `the embedded database in ${path.join(dataDir, "pgdata")} is open in another lotwise process (pid ${pid}`,
  );
  expect(refused.stdout).not.toContain("API key");

  serve.child.kill("SIGTERM");
  await serve.exited;
  // A stopped server leaves the folder free, and what the command writes stays.
  const created = await runCli(["--data-dir", dataDir, "users", "create", "zed"], { cwd: dir, env: {} });
  expect(created.code).toBe(0);
  const listed = await runCli(["--data-dir", dataDir, "users", "list"], { cwd: dir, env: {} });
  expect(listed.stdout).toMatch(/^zed\t1 active key\(s\)/m);
});

test("a lock left by a process that is gone is taken over", { timeout: 120_000 }, async () => {
  const dataDir = await seedDataDir(path.join(dir, "killed"));
  const s = spawnLotwise(["--data-dir", dataDir, "serve", "--port", "0", "--no-ui"], { cwd: dir, env: {} });
  await s.waitFor(/lotwise API on http/);
  s.child.kill("SIGKILL");
  await s.exited;
  const r = await runCli(["--data-dir", dataDir, "users", "list"], { cwd: dir, env: {} });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
});
