import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import type { Shutdown } from "./shutdown.ts";
import type { Progress } from "./ui/progress.ts";

/** The shared kernel passed explicitly as `{ common, … }` to every service. */
export type Common = {
  config: Config;
  logger: Logger;
  shutdown: Shutdown;
  /** Progress reporting (a bar on the CLI, job progress in the queue). */
  progress: Progress;
};
