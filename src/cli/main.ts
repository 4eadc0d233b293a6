import { Command, CommanderError } from "commander";
import type { Common } from "../common.ts";
import { secretsOf } from "../config-simple.ts";
import { BaseError, UserInputError } from "../errors.ts";
import { createRedactor } from "../logger.ts";
import { packageVersion } from "../package-root.ts";
import { describeFsError } from "../utils/fs-errors.ts";
import { COMMANDS } from "./commands/index.ts";
import { installInterruptHandlers } from "./interrupt.ts";
import { createCliRuntime } from "./runtime.ts";
import { chooseWasmTiers } from "./wasm-tiers.ts";

/** The subcommand of the root program that `command` belongs to (`review` for `review list`). */
const topLevelName = (command: Command): string => {
  let c = command;
  while (c.parent?.parent) c = c.parent;
  return c.name();
};

export type RunIo = {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /**
   * Handle SIGINT/SIGTERM: say what was kept and how to resume, close, exit 130/143
   * (src/cli/interrupt.ts). Only the real process (bin/lotwise.js) sets it.
   */
  handleSignals?: boolean;
};

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code.
 * User errors print one line to stderr (exit 2 unless the error says otherwise), never a stack;
 * unexpected errors print their message (and the stack with `--log-level debug`) and exit 1.
 */
export const run = async (
  argv: string[],
  env: Record<string, string | undefined>,
  io: RunIo = {},
): Promise<number> => {
  const out = io.out ?? ((t: string) => void process.stdout.write(t));
  const stderr = io.err ?? ((t: string) => void process.stderr.write(t));
  // After Ctrl-C the message says what was kept; the work it cut short then fails on its closed
  // database or aborted requests, and those failures ("sync failed … This operation was aborted",
  // "1 of 1 wallet syncs failed") would contradict it: stderr says nothing more.
  let interrupted = false;
  const err = (t: string) => {
    if (!interrupted) stderr(t);
  };
  const commons: Common[] = [];
  const runtime = createCliRuntime({ env, out, err, onCommon: (c) => commons.push(c) });

  const program = new Command("lotwise")
    .description("On-chain indexer and wallet reconciliation for U.S. crypto taxes")
    .version(packageVersion())
    .option("--config <file>", "JSON config file (default: ./lotwise.config.json when present)")
    .option("--data-dir <dir>", "folder for the embedded database (default: ./.lotwise)")
    .option("--database-url <url>", "PostgreSQL URL (default: $DATABASE_URL, else embedded PGlite)")
    .option("--redis-url <url>", "Redis URL for BullMQ (default: $REDIS_URL, else in-process jobs)")
    .option("--user <name>", "the user whose data to use (default: default)")
    .option("--log-level <level>", "debug, info, warn, error or silent")
    .option("--json-logs", "structured JSON log lines")
    .option("--no-progress", "no progress bars")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });

  for (const register of COMMANDS) register(program, runtime);
  // Heavy modules load only when a command runs: `--help` and `--version` stay fast.
  program.hook("preAction", (_program, action) => {
    chooseWasmTiers(topLevelName(action));
    return runtime.load(action);
  });

  const closeAll = async () => {
    for (const c of commons.splice(0)) await c.shutdown.close();
  };

  // The running command's path (`ledger import`), for the interrupt message.
  let running: string | undefined;
  program.hook("preAction", (_root, action) => {
    const names: string[] = [];
    for (let c: Command | null = action; c && c !== program; c = c.parent) names.unshift(c.name());
    running = names.join(" ");
  });
  const uninstall = io.handleSignals
    ? installInterruptHandlers({
        command: () => running,
        service: () => commons.some((c) => c.config.redisUrl !== undefined),
        close: closeAll,
        err: (t) => {
          stderr(t);
          interrupted = true;
        },
      })
    : undefined;

  try {
    await program.parseAsync(argv, { from: "user" });
    await closeAll();
    uninstall?.();
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    await closeAll().catch(() => {});
    uninstall?.();
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    const redact = createRedactor(commons.flatMap((c) => secretsOf(c.config)));
    if (error instanceof UserInputError) {
      err(`${error.located ? "" : "lotwise: "}${redact(error.message)}\n`);
      return error.exitCode;
    }
    // A file-system problem is the user's to fix: a sentence naming the path, exit 2.
    const fsProblem = describeFsError(error);
    if (fsProblem !== undefined) {
      err(`lotwise: ${redact(fsProblem)}\n`);
      return 2;
    }
    if (error instanceof BaseError) {
      err(`lotwise: ${redact(error.message)}\n`);
    } else {
      err(`lotwise: unexpected error: ${redact(error instanceof Error ? error.message : String(error))}\n`);
    }
    if (commons[0]?.config.logLevel === "debug" || env.LOTWISE_LOG_LEVEL === "debug") {
      err(`${redact(error instanceof Error ? (error.stack ?? "") : "")}\n`);
    }
    return 1;
  }
};
