import { spawnSync } from "node:child_process";
import { statfsSync } from "node:fs";
import os from "node:os";
import { describe, expect, test } from "vitest";
import { MIN_FREE_BYTES } from "./scratch-dir.ts";

describe("the run's temporary files go to the memory filesystem when it has room", () => {
  test("os.tmpdir() in the test process and in a child: the run's folder on /dev/shm", () => {
    let room = false;
    try {
      const fs = statfsSync("/dev/shm");
      // The run took some of it since globalSetup checked: half the threshold is room enough.
      room = fs.bavail * fs.bsize >= MIN_FREE_BYTES / 2;
    } catch {}
    const child = spawnSync(process.execPath, ["-p", "require('node:os').tmpdir()"], { encoding: "utf8" });
    expect(child.stdout).toBe(`${os.tmpdir()}\n`);
    if (room) expect(os.tmpdir()).toMatch(/^\/dev\/shm\/lotwise-test-[^/]+$/);
    else expect(os.tmpdir().startsWith("/dev/shm/")).toBe(false);
  });
});
