import type { Command } from "commander";
import type { Common } from "../common.ts";
import type { Config } from "../config.ts";
import { configFileOf, mergeSettings, secretsOf, settingsFromEnv, simpleConfig } from "../config-simple.ts";
import { createLogger } from "../logger.ts";
import { createShutdown } from "../shutdown.ts";
import { createTerminalProgress } from "../ui/progress.ts";

/** Global flags every command accepts (defined on the root program). */
export type GlobalFlags = {
  config?: string;
  dataDir?: string;
  databaseUrl?: string;
  redisUrl?: string;
  user?: string;
  logLevel?: string;
  jsonLogs?: boolean;
  progress?: boolean;
};

/** What a command module receives: a way to build the shared kernel once its own flags are known. */
export type CliRuntime = {
  env: Record<string, string | undefined>;
  /** stdout writer (tests capture it). */
  out: (text: string) => void;
  /** stderr writer for messages that must not mix with data on stdout (`--out -`). */
  err: (text: string) => void;
  /**
   * Loads the configuration parser (zod, config.ts) when `command`'s settings (environment,
   * config file, global flags, then `flags`) need it: the common case, a few top-level values and
   * no config file, is read without it (config-simple.ts). The CLI awaits it with no `flags`
   * before any action runs (a `preAction` hook), so `--help` and `--version` never pay for it; a
   * command that passes settings to `createCommon` awaits it again with them first.
   */
  load: (command: Command, flags?: Record<string, unknown>) => Promise<void>;
  /**
   * Parses the configuration once (global flags + `flags` from the command) and builds `Common`.
   * Requires `load(command, flags)` first (throws otherwise when the settings need config.ts).
   * Callers must `await common.shutdown.close()` when done (the CLI does it after the action).
   */
  createCommon: (command: Command, flags?: Record<string, unknown>) => Common;
};

/** Where a global option's value came from (`cli`, `default`, `env`, …), looking up the command chain. */
const sourceOf = (command: Command, name: string): string | undefined => {
  for (let c: Command | null = command; c; c = c.parent) {
    const source = c.getOptionValueSource(name);
    if (source && source !== "default") return source;
  }
  return undefined;
};

export const createCliRuntime = (args: {
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  /** Where log lines go (the CLI's stderr). @defaultValue process.stderr */
  err?: ((text: string) => void) | undefined;
  onCommon: (common: Common) => void;
}): CliRuntime => {
  let configModule: typeof import("../config.ts") | undefined;
  /** The run's settings: the config file named (if any), and global then command flags. */
  const settingsOf = (command: Command, flags: Record<string, unknown>) => {
    const g = command.optsWithGlobals<GlobalFlags>();
    return {
      configFile: g.config,
      flags: {
        dataDir: g.dataDir,
        databaseUrl: g.databaseUrl,
        redisUrl: g.redisUrl,
        user: g.user,
        logLevel: g.logLevel,
        jsonLogs: g.jsonLogs,
        // `--no-progress` makes commander default `progress` to true: only an explicit flag counts.
        progress: sourceOf(command, "progress") === "cli" ? g.progress : Boolean(process.stderr.isTTY),
        ...flags,
      },
    };
  };
  /** The configuration without zod (config-simple.ts), or `undefined` when loadConfig must parse it. */
  const simpleOf = (s: ReturnType<typeof settingsOf>): Config | undefined => {
    const cwd = process.cwd();
    // A config file (the one loadConfig would read) needs the schema.
    if (configFileOf(s.configFile, args.env, cwd)) return undefined;
    return simpleConfig(mergeSettings(settingsFromEnv(args.env), s.flags), cwd);
  };
  return {
    env: args.env,
    out: args.out,
    err: args.err ?? ((t: string) => void process.stderr.write(t)),
    load: async (command, flags = {}) => {
      if (configModule !== undefined || simpleOf(settingsOf(command, flags)) !== undefined) return;
      configModule = await import("../config.ts");
    },
    createCommon: (command, flags = {}) => {
      const s = settingsOf(command, flags);
      const config: Config | undefined =
        configModule === undefined
          ? simpleOf(s)
          : configModule.loadConfig({ env: args.env, configFile: s.configFile, flags: s.flags });
      if (config === undefined) {
        throw new Error("internal: createCommon(command, flags) before runtime.load(command, flags)");
      }
      const err = args.err;
      const logger = createLogger({
        level: config.logLevel,
        json: config.jsonLogs,
        secrets: secretsOf(config),
        ...(err ? { write: (line: string) => err(`${line}\n`) } : {}),
      });
      const shutdown = createShutdown({
        onError: (name, error) => logger.warn("close failed", { name, error: String(error) }),
      });
      const progress = createTerminalProgress({ enabled: config.progress });
      const common: Common = { config, logger, shutdown, progress };
      args.onCommon(common);
      return common;
    },
  };
};
