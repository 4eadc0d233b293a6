import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statfsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { createScratchDir, MIN_FREE_BYTES } from "./scratch-dir.ts";

/** Whether /dev/shm has room for a run (half the threshold: the run took some since globalSetup checked). */
const room = (): boolean => {
  try {
    const fs = statfsSync("/dev/shm");
    return fs.bavail * fs.bsize >= MIN_FREE_BYTES / 2;
  } catch {
    return false;
  }
};

describe("the run's temporary files go to the memory filesystem when it has room", () => {
  test("os.tmpdir() in the test process and in a child: the run's folder on /dev/shm", () => {
    const child = spawnSync(process.execPath, ["-p", "require('node:os').tmpdir()"], { encoding: "utf8" });
    expect(child.stdout).toBe(`${os.tmpdir()}\n`);
    if (room()) expect(os.tmpdir()).toMatch(/^\/dev\/shm\/lotwise-test-\d+-[^/]+$/);
    else expect(os.tmpdir().startsWith("/dev/shm/")).toBe(false);
  });

  test("a new run's folder; the folder of a run whose process is gone is removed, a live one's kept", () => {
    if (!room()) return expect(createScratchDir()).toBeUndefined();
    const ended = spawnSync(process.execPath, ["-e", ""]).pid;
    const dead = path.join("/dev/shm", `lotwise-test-${ended}-gone`);
    const live = path.join("/dev/shm", `lotwise-test-${process.pid}-live`);
    mkdirSync(path.join(dead, "left"), { recursive: true });
    mkdirSync(live);
    const scratch = createScratchDir();
    try {
      expect(scratch?.dir).toMatch(new RegExp(`^/dev/shm/lotwise-test-${process.pid}-[^/]+$`));
      expect(existsSync(scratch!.dir)).toBe(true);
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
      scratch!.remove();
      expect(existsSync(scratch!.dir)).toBe(false);
    } finally {
      rmSync(dead, { recursive: true, force: true });
      rmSync(live, { recursive: true, force: true });
      scratch?.remove();
    }
  });
});
