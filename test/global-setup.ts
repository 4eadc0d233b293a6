/** vitest globalSetup: CLI tests run the compiled CLI, so build dist/ first when a source changed. */
import { ensureBuilt } from "./build.ts";

export default function setup(): void {
  ensureBuilt((line) => console.log(line));
}
