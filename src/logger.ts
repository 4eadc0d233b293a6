/**
 * Structured logger: `msg` plus snake_case fields, child loggers labelled by `action`.
 * Every line passes through `redact`, which replaces configured secrets (RPC URLs with keys,
 * API keys, database passwords) and anything that looks like a URL credential or `apikey=` query.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type LogFields = Record<string, unknown>;

export type Logger = {
  debug: (msg: string, fields?: LogFields) => void;
  info: (msg: string, fields?: LogFields) => void;
  warn: (msg: string, fields?: LogFields) => void;
  error: (msg: string, fields?: LogFields) => void;
  child: (fields: LogFields) => Logger;
};

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Replaces secrets and URL credentials in `text`. */
export const createRedactor = (secrets: readonly string[]) => {
  const sorted = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text: string): string => {
    let out = text;
    for (const s of sorted) out = out.split(s).join("[redacted]");
    return out
      .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi, "$1$2:[redacted]@")
      .replace(/([?&](?:api[-_]?key|apikey|key|token|x_cg_[a-z_]+)=)[^&\s"']+/gi, "$1[redacted]");
  };
};

export type CreateLoggerArgs = {
  level?: LogLevel;
  json?: boolean;
  secrets?: readonly string[];
  /** Where lines go. @defaultValue process.stderr */
  write?: (line: string) => void;
  fields?: LogFields;
};

export const createLogger = (args: CreateLoggerArgs = {}): Logger => {
  const level = ORDER[args.level ?? "info"];
  const redact = createRedactor(args.secrets ?? []);
  const write = args.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const json = args.json ?? false;

  const make = (base: LogFields): Logger => {
    const log = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields) => {
      if (ORDER[lvl] < level) return;
      const all = { ...base, ...fields };
      if (json) {
        write(
          redact(JSON.stringify({ level: lvl, time: new Date().toISOString(), msg, ...all }, jsonReplacer)),
        );
        return;
      }
      const extra = Object.entries(all)
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v, jsonReplacer)}`)
        .join(" ");
      write(redact(`${lvl.padEnd(5)} ${msg}${extra ? ` ${extra}` : ""}`));
    };
    return {
      debug: (m, f) => log("debug", m, f),
      info: (m, f) => log("info", m, f),
      warn: (m, f) => log("warn", m, f),
      error: (m, f) => log("error", m, f),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(args.fields ?? {});
};

const jsonReplacer = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value);

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = createLogger({ level: "silent" });
