import type { Command } from "commander";
import { NotImplementedError } from "../../errors.ts";

/**
 * Declares a subcommand whose issue has not landed yet: it is listed in `--help` with
 * "(not available yet)" and fails with a clear message, exit 1. It never pretends to work.
 */
export const pendingCommand = (program: Command, name: string, description: string): Command =>
  program
    .command(name)
    .description(`${description} (not available yet)`)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new NotImplementedError(`'lotwise ${name}' is not available in this version yet`);
    });
