import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { seedDataDir } from "../pglite-template.ts";
import { spawnLotwise } from "../processes.ts";

/** Process ids of `pid`'s children with their command names. */
const childrenOf = (pid: number): { pid: number; comm: string }[] => {
  try {
    return execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(pid)], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => {
        const [p, comm] = l.trim().split(/\s+/);
        return { pid: Number(p), comm: comm ?? "" };
      });
  } catch {
    return []; // ps exits 1 when there is none
  }
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Ctrl-C says what was kept and how to resume, and stops child processes. */
describe("SIGINT", () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
  });

  test("during demo: the message, exit 130, and anvil is gone", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "lotwise-int-demo-"));
    const p = spawnLotwise(["demo", "--no-progress"], { cwd, env: {} });
    await p.waitFor(/\$ lotwise wallets add/, 180_000);
    const anvil = childrenOf(p.child.pid!).filter((c) => c.comm === "anvil");
    expect(anvil).toHaveLength(1);
    p.child.kill("SIGINT");
    expect(await p.exited).toBe(130);
    expect(p.output()).toContain(
      "lotwise demo: interrupted (SIGINT): the demo chain (anvil) and the dashboard are stopped; the demo folder holds the results written so far (all of them once the dashboard was being served); run `lotwise demo` again: it starts over.",
    );
    // Before: anvil outlived a SIGINT to the node process.
    await expect.poll(() => alive(anvil[0]!.pid), { timeout: 10_000 }).toBe(false);
  }, 240_000);

  test("during sync: what was kept and how to resume, exit 130", async () => {
    // An RPC endpoint that accepts requests and never answers: the sync waits on it.
    let asked!: () => void;
    const wasAsked = new Promise<void>((r) => (asked = r));
    const server = createServer(() => asked());
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const cwd = mkdtempSync(path.join(tmpdir(), "lotwise-int-sync-"));
    // The embedded database as a first command leaves it (test/pglite-template.ts): this test is
    // about the interrupt, not the setup.
    await seedDataDir(path.join(cwd, ".lotwise"));
    writeFileSync(
      path.join(cwd, "lotwise.config.json"),
      JSON.stringify({ rpc: { "evm:31337": `http://127.0.0.1:${port}` } }),
    );
    const add = spawnLotwise(["wallets", "add", "evm:31337:0x70997970C51812dc3A010C7d01b50e0d17dc79C8"], {
      cwd,
      env: {},
    });
    expect(await add.exited).toBe(0);
    const p = spawnLotwise(["sync", "--no-progress"], { cwd, env: {} });
    await wasAsked;
    p.child.kill("SIGINT");
    expect(await p.exited).toBe(130);
    expect(p.output()).toContain(
      "lotwise sync: interrupted (SIGINT): every sync step that finished is stored (each step commits on its own) and nothing half-done is kept; run `lotwise sync` again to continue from there.",
    );
    // Before: the aborted request then logged "error sync failed … This operation was aborted" and
    // "1 of 1 wallet syncs failed (see above)" under the message.
    expect(p.output()).not.toMatch(/sync failed|aborted|syncs failed/);
  }, 120_000);
});
