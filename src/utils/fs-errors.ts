import path from "node:path";

/**
 * File-system errors as sentences: the path (the file the user named, not a temporary file
 * next to it) and what to do. Node's own messages (`EEXIST: file already exists, mkdir 'afile'`)
 * never reach the user.
 */

/** Temporary files lotwise writes before renaming: `.<name>.<pid>-<hex>.tmp`, `.<name>.<pid>.<ms>.tmp`. */
const TEMP = /^\.(.+)\.(?:\d+-[0-9a-f]+|\d+\.\d+)\.tmp$/;

/** The file a temporary file stands for (itself when it is not one). */
const intended = (p: string): string => {
  const m = TEMP.exec(path.basename(p));
  return m ? path.join(path.dirname(p), m[1]!) : p;
};

/** True for Node's system errors (`code` and `syscall`). */
export const isFsError = (e: unknown): e is NodeJS.ErrnoException =>
  e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string" && "syscall" in e;

/** The sentence for a file-system error, or undefined when `e` is not one lotwise can explain. */
export const describeFsError = (e: unknown): string | undefined => {
  if (!isFsError(e)) return undefined;
  const raw = e.path ?? (e as { dest?: string }).dest;
  if (raw === undefined) return undefined;
  const p = intended(String(raw));
  const writing = p !== String(raw) || e.syscall === "mkdir" || e.syscall === "rename";
  switch (e.code) {
    case "ENOENT":
      return writing
        ? `cannot write ${p}: the folder ${path.dirname(p)} does not exist; create it or choose another output path`
        : `${p}: no such file or folder; check the path`;
    case "EEXIST":
      return `${p} is a file, but a folder is needed there; choose another output folder or move the file away`;
    case "ENOTDIR":
      return `${p}: part of this path is a file, not a folder; choose another path`;
    case "EISDIR":
      return `${p} is a folder; give a file name`;
    case "EACCES":
    case "EPERM":
      return `${p}: permission denied; choose a path you can ${writing ? "write to" : "read"} or change its permissions`;
    case "EROFS":
      return `${p}: the file system is read-only; choose another path`;
    case "ENOSPC":
    case "EDQUOT":
      return `cannot write ${p}: no space left on the device; free some space and run again (nothing was replaced)`;
    case "EMFILE":
    case "ENFILE":
      return `${p}: too many open files; close other programs or raise the limit (ulimit -n) and run again`;
    case "ENAMETOOLONG":
      return `${p}: the path is too long; choose a shorter one`;
    default:
      return `${p}: ${e.code} during ${e.syscall}; check the path and its permissions`;
  }
};

/**
 * The sentence for an error reading `file` (the path as the user gave it, not the absolute one
 * Node names), or undefined when `e` is no file-system error.
 */
export const describeReadError = (file: string, e: unknown): string | undefined =>
  isFsError(e)
    ? describeFsError(Object.assign(new Error(e.message), { code: e.code, syscall: e.syscall, path: file }))
    : undefined;
