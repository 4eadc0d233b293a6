import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Poppler's command-line tools (Debian `poppler-utils`: `pdftoppm`, `pdftotext`), used to check
 * rendered PDFs the way a reader sees them. `.ci/run` installs the package when it is missing; a
 * missing tool fails the test with a message saying so (never a skip).
 */
const run = (tool: string, args: string[]): string => {
  const r = spawnSync(tool, args, { encoding: "utf8" });
  if (r.error) {
    throw new Error(
      `${tool} is not available (${r.error.message}): install Debian's poppler-utils (apt-get install poppler-utils)`,
    );
  }
  if (r.status !== 0) throw new Error(`${tool} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  // Poppler reports a malformed PDF on stderr and carries on: a clean file prints nothing there.
  if (r.stderr.trim() !== "")
    throw new Error(`${tool} ${args.join(" ")} complained: ${r.stderr.slice(0, 2000)}`);
  return r.stdout;
};

/** Writes `bytes` to a fresh temporary file and returns its path. */
export const writeTempPdf = (bytes: Uint8Array, name = "report.pdf"): string => {
  const dir = mkdtempSync(path.join(tmpdir(), "lotwise-pdf-"));
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
};

/** Renders every page with `pdftoppm` (PNG at a low resolution) and returns how many it rendered. */
export const renderedPageCount = (file: string): number => {
  const dir = mkdtempSync(path.join(tmpdir(), "lotwise-ppm-"));
  try {
    run("pdftoppm", ["-r", "20", "-png", file, path.join(dir, "page")]);
    return readdirSync(dir).filter((f) => f.endsWith(".png")).length;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** The text of one page (1-based) or of the whole document, laid out (`pdftotext -layout`). */
export const pdfText = (file: string, page?: number): string =>
  run("pdftotext", [
    "-layout",
    ...(page === undefined ? [] : ["-f", String(page), "-l", String(page)]),
    file,
    "-",
  ]);
