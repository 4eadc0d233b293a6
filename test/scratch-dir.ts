/**
 * The folder a test run's temporary files go to (TMPDIR for the test processes and every child
 * they start: `os.tmpdir()`): a new folder on the memory filesystem /dev/shm when it has room, so
 * that the suite's embedded databases (a 40 MB copy of the migrated template each, then PGlite's
 * own writes and checkpoints), data folders, the package test's install (330 MB) and the browsers'
 * profiles cost no disk writes. On this machine's ext4 a template copy and its removal took
 * 0.4-0.7 s of CPU, on /dev/shm 0.08 s; the kernel's writeback of those bytes came on top.
 * Nothing changes for the code under test: the same files, fsync and rename on one filesystem.
 * Elsewhere (no /dev/shm, or less room than `MIN_FREE_BYTES`, as Docker's default 64 MB /dev/shm)
 * the run keeps the system's temporary folder.
 */
import { mkdtempSync, readdirSync, rmSync, statfsSync } from "node:fs";
import path from "node:path";

/** The memory filesystem tried first (Linux). */
const SHM = "/dev/shm";
/** Room the run needs there (bytes): its peak is the package test's install and the largest ledgers. @defaultValue 4 GiB */
export const MIN_FREE_BYTES = 4 * 2 ** 30;

/** Whether process `pid` still runs (signal 0 checks without sending anything). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * A new folder on /dev/shm for this run (`lotwise-test-<pid>-…`, the pid of the vitest process),
 * and a function removing it with whatever the run left there; undefined when /dev/shm is missing,
 * not writable or has less than `MIN_FREE_BYTES` free. The folders of runs whose process is gone
 * (killed before their teardown) are removed first: /dev/shm is memory until the next boot.
 */
export const createScratchDir = (): { dir: string; remove: () => void } | undefined => {
  try {
    for (const name of readdirSync(SHM)) {
      const pid = /^lotwise-test-(\d+)-/.exec(name)?.[1];
      if (pid !== undefined && !alive(Number(pid)))
        rmSync(path.join(SHM, name), { recursive: true, force: true });
    }
    const fs = statfsSync(SHM);
    if (fs.bavail * fs.bsize < MIN_FREE_BYTES) return undefined;
    const dir = mkdtempSync(path.join(SHM, `lotwise-test-${process.pid}-`));
    return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch {
    return undefined;
  }
};
