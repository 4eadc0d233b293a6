import type { Command } from "commander";
import type { Common } from "../common.ts";
import type { Services } from "../services.ts";
import type { CliRuntime } from "./runtime.ts";

/**
 * One `Common` and one set of services per command run, however many helpers ask for them: the
 * embedded database (PGlite) must be opened once per process.
 */
const commons = new WeakMap<Command, Common>();
const services = new WeakMap<Command, Promise<Services>>();

/** The command's `Common` (configuration, logger, shutdown), created on first use. */
export const commandCommon = (command: Command, runtime: CliRuntime): Common => {
  let c = commons.get(command);
  if (c === undefined) {
    c = runtime.createCommon(command);
    commons.set(command, c);
  }
  return c;
};

/** The command's database, queue and user, opened on first use (closed by the CLI's shutdown). */
export const commandServices = (command: Command, runtime: CliRuntime): Promise<Services> => {
  let s = services.get(command);
  if (s === undefined) {
    const common = commandCommon(command, runtime);
    s = import("../services.ts").then(({ openServices }) => openServices(common));
    services.set(command, s);
  }
  return s;
};
