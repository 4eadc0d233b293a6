/**
 * vitest globalSetup: CLI tests run the compiled CLI, so build dist/ first when a source changed;
 * temporary files go to a folder on the memory filesystem when there is one (test/scratch-dir.ts),
 * removed with everything in it when the run ends.
 */
import { ensureBuilt } from "./build.ts";
import { createScratchDir } from "./scratch-dir.ts";

export default function setup(): () => void {
  ensureBuilt((line) => console.log(line));
  const scratch = createScratchDir();
  // Read by os.tmpdir() in the test processes, which inherit it, and in their children.
  if (scratch) process.env.TMPDIR = scratch.dir;
  return () => scratch?.remove();
}
