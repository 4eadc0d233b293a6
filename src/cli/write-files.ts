/**
 * Writes a set of output files into a folder all or nothing (`lotwise report`, `lotwise harvest`):
 * each file under a temporary name first, then every target checked, then the renames. A folder
 * standing where a file goes is refused before the first rename (it would fail its rename after
 * earlier files were replaced); any failure removes the temporary files and replaces nothing.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

/** One file: its name in the folder and its bytes (one buffer, or pieces written in order). */
export type OutputFile = { name: string; data: Uint8Array | readonly Uint8Array[] };

/** @returns the paths written, in `files` order. @throws the file-system error (EISDIR for a folder in a file's place). */
export const writeFilesAtomically = async (dir: string, files: readonly OutputFile[]): Promise<string[]> => {
  await mkdir(dir, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const temps = files.map((f) => ({
    final: path.join(dir, f.name),
    tmp: path.join(dir, `.${f.name}.${tag}.tmp`),
    data: f.data,
  }));
  try {
    for (const t of temps) await writeFile(t.tmp, t.data);
    for (const t of temps)
      if ((await stat(t.final).catch(() => undefined))?.isDirectory())
        throw Object.assign(new Error(`EISDIR: illegal operation on a directory, rename '${t.final}'`), {
          code: "EISDIR",
          syscall: "rename",
          path: t.final,
        });
    for (const t of temps) await rename(t.tmp, t.final);
  } catch (e) {
    for (const t of temps) await rm(t.tmp, { force: true });
    throw e;
  }
  return temps.map((t) => t.final);
};
