/**
 * One process at a time on an embedded (PGlite) database folder. PGlite keeps PostgreSQL's pages
 * in its own memory: a second process on the same folder neither sees the first one's writes nor
 * keeps its own (the first overwrites them), so `lotwise users create` beside a running
 * `lotwise serve` printed a key the server refused and the user was gone after the server
 * stopped. The lock is `<dir>.lock` beside the folder (PGlite wants the folder to itself) with
 * `<pid>\n<folder>\n`; a lock whose process is gone, or that names another folder (a copied
 * data dir), is stale and taken over. Opens in one process nest (counted).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UserInputError } from "../src/errors.ts";

/** Open count per locked folder in this process. */
const held = new Map<string, number>();

/** The pid of another live process holding `file` for `dir`, else undefined. */
const otherHolder = (file: string, dir: string): number | undefined => {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const [pidText, lockedDir] = text.split("\n");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || lockedDir !== dir) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM" ? pid : undefined;
  }
};

/** Creates `file` with `content` unless it exists: true when created. */
const createLock = (file: string, content: string): boolean => {
  try {
    writeFileSync(file, content, { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
};

/**
 * Takes the folder's lock; returns its release.
 * @throws UserInputError when another live process has the folder open.
 */
export const lockDataDir = (folder: string): (() => void) => {
  const dir = path.resolve(folder);
  const file = `${dir}.lock`;
  const count = held.get(dir) ?? 0;
  if (count === 0) {
    const content = `${process.pid}\n${dir}\n`;
    // Created only if absent (`wx`), so two processes starting together cannot both take it.
    if (!createLock(file, content)) {
      const pid = otherHolder(file, dir);
      if (pid !== undefined)
        throw new UserInputError(
          `the embedded database in ${dir} is open in another lotwise process (pid ${pid}, for example lotwise serve): stop that process first, or use PostgreSQL (DATABASE_URL), which the server and commands can share`,
        );
      // A stale lock (its process is gone, or it names another folder): replaced.
      writeFileSync(file, content);
    }
  }
  held.set(dir, count + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (held.get(dir) ?? 1) - 1;
    if (left > 0) {
      held.set(dir, left);
      return;
    }
    held.delete(dir);
    try {
      if (readFileSync(file, "utf8").startsWith(`${process.pid}\n`)) rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
};
