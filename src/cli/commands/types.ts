import type { Command } from "commander";
import type { CliRuntime } from "../runtime.ts";

/** A command module adds its subcommand(s) to the root program. */
export type RegisterCommand = (program: Command, runtime: CliRuntime) => void;
