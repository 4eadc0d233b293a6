import { existsSync } from "node:fs";
import path from "node:path";
import type { Config } from "./config.ts";

/**
 * The configuration's sources (environment, default file) and its zod-free path.
 *
 * Most CLI runs set nothing but a few top-level values (`--data-dir`, `DATABASE_URL`,
 * `--log-level`, …) and no config file. For those, {@link simpleConfig} builds the `Config` from
 * {@link configDefaults} without loading zod and the schema (config.ts: about 50 ms of CPU before
 * a command's first step). Anything else — a config file, `LOTWISE_RPC_*`, `LOTWISE_ADMIN_KEY`, a
 * nested setting, or a value this path does not accept — goes to `loadConfig` (config.ts), which
 * stays the one authority: it also gives the error messages. The two paths give equal results
 * (config-simple.test.ts checks it value by value).
 */

/** Environment variables lotwise reads, and the setting each one fills. */
export const ENV_KEYS = {
  LOTWISE_DATA_DIR: "dataDir",
  DATABASE_URL: "databaseUrl",
  REDIS_URL: "redisUrl",
  LOTWISE_USER: "user",
  LOTWISE_LOG_LEVEL: "logLevel",
  LOTWISE_QUEUE_PREFIX: "queuePrefix",
} as const;

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Deep merge where `undefined` in `over` keeps `base`. Arrays are replaced, not merged. */
export const mergeSettings = (
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? mergeSettings(b, v) : v;
  }
  return out;
};

/**
 * The settings the environment gives: {@link ENV_KEYS}, `LOTWISE_RPC_<CHAIN>=url` (e.g.
 * `LOTWISE_RPC_ETHEREUM`, `LOTWISE_RPC_EVM_31337` for `evm:31337`) and `LOTWISE_ADMIN_KEY`.
 * Empty values count as unset.
 */
export const settingsFromEnv = (env: Record<string, string | undefined>): Record<string, unknown> => {
  const fromEnv: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(ENV_KEYS)) {
    const value = env[key];
    if (value !== undefined && value !== "") fromEnv[setting] = value;
  }
  const rpcFromEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const m = /^LOTWISE_RPC_([A-Z0-9_]+)$/.exec(key);
    if (m && value) rpcFromEnv[m[1]!.toLowerCase().replace(/^evm_/, "evm:")] = value;
  }
  if (Object.keys(rpcFromEnv).length > 0) fromEnv.rpc = rpcFromEnv;
  if (env.LOTWISE_ADMIN_KEY) fromEnv.server = { adminKey: env.LOTWISE_ADMIN_KEY };
  return fromEnv;
};

/**
 * The config file a run reads: the one named (`--config`), else `LOTWISE_CONFIG`, else
 * `./lotwise.config.json` in `cwd` when it exists. Falsy (undefined or "") when there is none.
 */
export const configFileOf = (
  named: string | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
): string | undefined => {
  if (named !== undefined) return named;
  if (env.LOTWISE_CONFIG !== undefined) return env.LOTWISE_CONFIG;
  const candidate = path.join(cwd, "lotwise.config.json");
  return existsSync(candidate) ? candidate : undefined;
};

/**
 * The configuration when nothing is set (what `configSchema.parse({})` gives), `dataDir` still
 * relative. A new object each call: callers may change it.
 */
export const configDefaults = (): Config => ({
  dataDir: ".lotwise",
  queuePrefix: "lotwise",
  user: "default",
  logLevel: "info",
  jsonLogs: false,
  progress: false,
  rpc: {},
  explorers: {},
  nativeSymbols: {},
  finality: {},
  assets: { weth: "same-as-eth", wsol: "same-as-sol", tokens: {} },
  prices: {
    order: ["file", "stablecoin", "defillama", "coingecko", "onchain"],
    stalenessHours: 24,
    cacheWindowMinutes: 90,
    coingeckoPlan: "demo",
    defillamaUrl: "https://coins.llama.fi",
    defillamaRequestsPerMinute: 120,
    coingeckoRequestsPerMinute: 30,
    timeoutMs: 30_000,
    maxAttempts: 5,
    onchain: {},
    onchainMinStableReserve: "10000",
    onchainMaxTradeShare: "0.1",
    onchainReviewTradeShare: "0.01",
  },
  classify: {
    lending: "nontaxable",
    liquidity: "swap",
    staking: "swap",
    unmatchedOutflow: "review",
    unmatchedInflow: "review",
    rebasingIncome: "accrued",
    bridgeWindowHours: 24,
    bridgeTolerance: "0.05",
    matchWindowHours: 6,
    matchTolerance: "0.01",
    contracts: {},
  },
  sync: {
    concurrency: 4,
    maxAttempts: 6,
    timeoutMs: 30_000,
    stepBlocks: 50_000,
    endpointConcurrency: 16,
    endpointRequestsPerSecond: 0,
  },
  server: { host: "127.0.0.1", port: 8080, bodyLimitBytes: 1_048_576 },
  queues: {
    syncConcurrency: 2,
    syncGlobalConcurrency: 4,
    syncStartsPerMinute: 120,
    lockMs: 30_000,
    drainMs: 120_000,
  },
});

/** Whether `v` is a string `new URL` accepts (the schema's URL settings). */
export const isUrl = (v: unknown): v is string => {
  if (typeof v !== "string") return false;
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
};
const nonEmpty = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
/** What `queuePrefix` may hold: letters, digits, '.', '_' and '-'. */
export const QUEUE_PREFIX = /^[\w.-]+$/;

/**
 * The top-level settings this path takes, each with the check configSchema makes of it. Only a
 * value that passes is taken here; any other goes to `loadConfig`, which names the problem.
 */
const SIMPLE: Readonly<Record<string, (v: unknown) => boolean>> = {
  dataDir: nonEmpty,
  databaseUrl: isUrl,
  redisUrl: isUrl,
  queuePrefix: (v) => typeof v === "string" && QUEUE_PREFIX.test(v),
  user: nonEmpty,
  logLevel: (v) => (LOG_LEVELS as readonly unknown[]).includes(v),
  jsonLogs: isBoolean,
  progress: isBoolean,
  /** Endpoint per chain id string (`LOTWISE_RPC_*`, `--rpc`): every value a URL. */
  rpc: (v) => isPlainObject(v) && Object.values(v).every(isUrl),
};

/**
 * The configuration from `settings` (already merged; `undefined` values are unset) when every set
 * one is a valid top-level value of {@link SIMPLE}; `undefined` when `loadConfig` must decide.
 * `dataDir` is resolved against `cwd`, as `loadConfig` does.
 */
export const simpleConfig = (settings: Record<string, unknown>, cwd: string): Config | undefined => {
  const config = configDefaults() as Record<string, unknown>;
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    const valid = SIMPLE[key];
    if (valid === undefined || !valid(value)) return undefined;
    config[key] = value;
  }
  const c = config as Config;
  c.dataDir = path.resolve(cwd, c.dataDir);
  return c;
};

/**
 * A URL that is its origin alone (`http://127.0.0.1:8545`, `https://node.example`): no user,
 * password, path, query or fragment, so no key. Messages name an endpoint by its origin, so such
 * a URL as a secret would redact the very host a connection error must name.
 */
const keylessUrl = (url: string): boolean => {
  try {
    const u = new URL(url);
    return (
      u.username === "" &&
      u.password === "" &&
      (u.pathname === "" || u.pathname === "/") &&
      u.search === "" &&
      u.hash === ""
    );
  } catch {
    return false;
  }
};

/** The values that must never appear in logs or exports. */
export const secretsOf = (config: Config): string[] => {
  const out: string[] = [];
  if (config.databaseUrl) out.push(config.databaseUrl);
  if (config.redisUrl) out.push(config.redisUrl);
  for (const url of Object.values(config.rpc)) if (!keylessUrl(url)) out.push(url);
  for (const e of Object.values(config.explorers)) if (e.apiKey) out.push(e.apiKey);
  if (config.prices.coingeckoApiKey) out.push(config.prices.coingeckoApiKey);
  if (config.server.adminKey) out.push(config.server.adminKey);
  return out.filter((s) => s.length >= 6);
};
