import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { unknownKeys } from "./config-keys.ts";
import {
  configFileOf,
  ENV_KEYS,
  isPlainObject,
  isUrl,
  LOG_LEVELS,
  mergeSettings,
  QUEUE_PREFIX,
  settingsFromEnv,
} from "./config-simple.ts";
import { ConfigError } from "./errors.ts";
import { describeReadError } from "./utils/fs-errors.ts";

/**
 * lotwise's configuration: parsed once, from (lowest to highest precedence) defaults, the config
 * file, the environment and command-line flags. Nothing else in the code base reads `process.env`:
 * the CLI and the worker entry points pass `process.env` here and hand the typed result around.
 *
 * Secrets (`databaseUrl`, `redisUrl`, `rpc` URLs, API keys) live in this object only; the logger
 * redacts them and nothing writes them to exports.
 */

const urlString = z.string().refine(isUrl, "must be a URL");

const decimalString = z.string().regex(/^\d+(\.\d+)?$/, "must be a non-negative decimal number");

const evmAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an EVM address (0x and 40 hex digits)");

const CHAIN_ASSET_ID = /^(ethereum|base|arbitrum|optimism|polygon|solana|evm:\d{1,16}):[^\s:]+$/;

/** Price providers. */
export const PRICE_PROVIDERS = ["file", "stablecoin", "onchain", "defillama", "coingecko"] as const;
export type PriceProviderName = (typeof PRICE_PROVIDERS)[number];
/**
 * The default order: your file, a stablecoin's peg, then aggregated market prices (DefiLlama,
 * CoinGecko), and a DEX pool only as the last resort (a swap can move a pool's price).
 */
export const DEFAULT_PRICE_ORDER: readonly PriceProviderName[] = [
  "file",
  "stablecoin",
  "defillama",
  "coingecko",
  "onchain",
];

export const configSchema = z.object({
  /** Folder for embedded data (PGlite database, caches). @defaultValue `./.lotwise` */
  dataDir: z.string().min(1).default(".lotwise"),
  /** PostgreSQL connection string; unset means the embedded PGlite database under `dataDir`. */
  databaseUrl: urlString.optional(),
  /** Redis connection string; unset means jobs run in-process. */
  redisUrl: urlString.optional(),
  /** Redis key prefix of the job queues (several installations, or test runs, can share one Redis). @defaultValue lotwise */
  queuePrefix: z.string().regex(QUEUE_PREFIX, "letters, digits, '.', '_' and '-' only").default("lotwise"),
  /** The user whose wallets and ledger the CLI works on. @defaultValue `default` */
  user: z.string().min(1).default("default"),
  logLevel: z.enum(LOG_LEVELS).default("info"),
  /** Structured JSON log lines instead of human-readable ones. @defaultValue false */
  jsonLogs: z.boolean().default(false),
  /** Progress bars on stderr. @defaultValue true when stderr is a terminal */
  progress: z.boolean().default(false),
  /** JSON-RPC endpoint per chain id string (`ethereum`, `base`, `evm:31337`, `solana`). Secret. */
  rpc: z.record(z.string(), urlString).default({}),
  /** Etherscan-compatible explorer APIs per chain, used only to discover transactions faster. */
  explorers: z.record(z.string(), z.object({ url: urlString, apiKey: z.string().optional() })).default({}),
  /** Native asset symbol per `evm:<chainId>` chain. @defaultValue ETH */
  nativeSymbols: z.record(z.string(), z.string().min(1)).default({}),
  /**
   * Finality depth per chain id, in blocks (EVM) or slots (Solana), overriding the registry's
   * default, e.g. `{ "evm:31337": 5 }` to exercise reorg handling on anvil.
   */
  finality: z.record(z.string(), z.number().int().min(0)).default({}),
  /** Asset identity (src/assets): WETH / wrapped SOL handling and extra token mappings. */
  assets: z
    .object({
      /**
       * `same-as-eth`: every WETH contract is the asset ETH, so wrapping realizes nothing (the
       * default non-taxable treatment); `separate`: WETH is its own asset and a wrap is a swap.
       * @defaultValue same-as-eth
       */
      weth: z.enum(["separate", "same-as-eth"]).default("same-as-eth"),
      /** The same choice for wrapped SOL (`So111…112`). @defaultValue same-as-sol */
      wsol: z.enum(["separate", "same-as-sol"]).default("same-as-sol"),
      /**
       * Per chain asset id (`evm:31337:0x…`, `ethereum:0x…`, `<chain>:native`): a canonical asset
       * it *is* (`"USDC"`), or a declaration that keeps its id:
       * `{ "symbol": "TUSD", "usdStablecoin": true, "decimals": 18, "coingeckoId": "…", "llamaId": "…" }`.
       */
      tokens: z
        .record(
          z.string(),
          z.union([
            z.string().regex(/^\S+$/, "must be a canonical asset id (a symbol or <chain>:<address>)"),
            z
              .object({
                symbol: z.string().min(1).optional(),
                usdStablecoin: z.boolean().optional(),
                decimals: z.number().int().min(0).max(255).optional(),
                coingeckoId: z.string().min(1).optional(),
                llamaId: z.string().min(1).optional(),
                /** The balance grows or shrinks with no Transfer event (stETH-style): see classify.rebasingIncome. */
                rebasing: z.boolean().optional(),
              })
              .strict(),
          ]),
        )
        .superRefine((tokens, ctx) => {
          for (const key of Object.keys(tokens)) {
            if (!CHAIN_ASSET_ID.test(key)) {
              ctx.addIssue({
                code: "custom",
                path: [key],
                message: "is not a chain asset id: <chain>:<address, mint or native>, e.g. evm:31337:0x…",
              });
            }
          }
        })
        .default({}),
    })
    .prefault({}),
  /** Pricing (src/prices). */
  prices: z
    .object({
      /** Providers tried in order for every (asset, time); the first with a price wins. */
      order: z
        .array(z.enum(PRICE_PROVIDERS))
        .min(1)
        .refine((a) => new Set(a).size === a.length, "lists a provider twice")
        .default([...DEFAULT_PRICE_ORDER]),
      /** Oldest acceptable price before a movement, in hours. @defaultValue 24 */
      stalenessHours: z.number().positive().default(24),
      /**
       * A cached HTTP price (DefiLlama, CoinGecko) at most this many minutes before a movement is
       * used without asking the provider again; an older one (within `stalenessHours`) only when
       * the provider has nothing newer. @defaultValue 90 (hourly data plus slack)
       */
      cacheWindowMinutes: z.number().positive().default(90),
      /** Secret: sent in a header, never logged. Without it the `coingecko` provider is skipped. */
      coingeckoApiKey: z.string().min(1).optional(),
      /** `demo` (header `x-cg-demo-api-key`) or `pro` (`x-cg-pro-api-key`, pro-api host). @defaultValue demo */
      coingeckoPlan: z.enum(["demo", "pro"]).default("demo"),
      /** Base URLs, overridable for tests and self-hosted mirrors. */
      defillamaUrl: urlString.default("https://coins.llama.fi"),
      /** @defaultValue https://api.coingecko.com/api/v3 (demo) or https://pro-api.coingecko.com/api/v3 (pro) */
      coingeckoUrl: urlString.optional(),
      /** Request budget; DefiLlama publishes none for the free API, this is politeness. @defaultValue 120 */
      defillamaRequestsPerMinute: z.number().positive().default(120),
      /** Request budget; the CoinGecko Demo plan allows 30 per minute. @defaultValue 30 */
      coingeckoRequestsPerMinute: z.number().positive().default(30),
      /** Per HTTP request, in milliseconds. @defaultValue 30000 */
      timeoutMs: z.number().int().positive().default(30_000),
      /** Tries per HTTP request (429, 5xx, timeouts are retried with backoff). @defaultValue 5 */
      maxAttempts: z.number().int().positive().default(5),
      /**
       * Uniswap V2 pricing per chain, added to or replacing the built-in mainnet deployments
       * (ethereum, base, arbitrum, optimism, polygon): the factory, the USD stablecoin pairs are
       * read against, and the wrapped native token native assets are priced through.
       */
      onchain: z
        .record(
          z.string(),
          z
            .object({ factory: evmAddress, stablecoin: evmAddress, wrappedNative: evmAddress.optional() })
            .strict(),
        )
        .default({}),
      /** Pools holding less of the stablecoin than this (whole units) are too thin to price from. @defaultValue "10000" */
      onchainMinStableReserve: decimalString.default("10000"),
      /** A pool price values a movement of at most this fraction of the pool's token reserve. @defaultValue "0.1" */
      onchainMaxTradeShare: decimalString.default("0.1"),
      /** Above this fraction of the pool's token reserve, a pool price puts the transaction in review. @defaultValue "0.01" */
      onchainReviewTradeShare: decimalString.default("0.01"),
    })
    .prefault({}),
  /** Classification (src/classify): the default tax treatment of each DeFi action; see docs/classification.md. */
  classify: z
    .object({
      /** Aave supply/withdraw. @defaultValue nontaxable (a position account; interest at withdrawal) */
      lending: z.enum(["nontaxable", "swap"]).default("nontaxable"),
      /** Liquidity add/remove. @defaultValue swap (into / out of the LP token) */
      liquidity: z.enum(["swap", "nontaxable"]).default("swap"),
      /** Lido stake. @defaultValue swap (ETH for stETH) */
      staking: z.enum(["swap", "nontaxable"]).default("swap"),
      /** Outflow to an unknown address. @defaultValue review (no ledger row until decided) */
      unmatchedOutflow: z.enum(["review", "spend"]).default("review"),
      /** Inflow from an unknown sender. @defaultValue review (zero basis if sold undecided) */
      unmatchedInflow: z.enum(["review", "income"]).default("review"),
      /**
       * Income that moves balances without a transfer (stETH-style rebases, Aave aToken interest):
       * `accrued` (default) — income per sync interval and day at that day's price, as the balance
       * grows; `on-withdrawal` — nothing until the tokens leave (Aave interest at withdrawal, as
       * before). docs/classification.md explains the choice.
       */
      rebasingIncome: z.enum(["accrued", "on-withdrawal"]).default("accrued"),
      /** Bridge / cross-chain matching window, in hours. @defaultValue 24 */
      bridgeWindowHours: z.number().positive().default(24),
      /** Largest bridge fee as a fraction of the amount. @defaultValue "0.05" */
      bridgeTolerance: z
        .string()
        .regex(/^0(\.\d+)?$|^1$/, "must be a fraction between 0 and 1, e.g. 0.05")
        .default("0.05"),
      /** Pairing on amount and time alone (always listed for confirmation): window in hours. @defaultValue 6 */
      matchWindowHours: z.number().positive().default(6),
      /** Pairing on amount and time alone: largest shortfall as a fraction. @defaultValue "0.01" */
      matchTolerance: z
        .string()
        .regex(/^0(\.\d+)?$|^1$/, "must be a fraction between 0 and 1, e.g. 0.01")
        .default("0.01"),
      /** Protocol contracts on chains the built-in lists do not cover (e.g. the local demo chain). */
      contracts: z
        .record(
          z.string(),
          z.object({
            weth: z.array(evmAddress).optional(),
            uniswapV2Routers: z.array(evmAddress).optional(),
            uniswapV3PositionManagers: z.array(evmAddress).optional(),
            aavePools: z.array(evmAddress).optional(),
            lido: z.array(evmAddress).optional(),
            /** Bridge contracts: an outflow into one (or an inflow out of one) pairs across chains on that evidence. */
            bridges: z.array(evmAddress).optional(),
          }),
        )
        .default({}),
    })
    .prefault({}),
  sync: z
    .object({
      /** Parallel RPC requests per chain. @defaultValue 4 */
      concurrency: z.number().int().positive().default(4),
      /** Tries per RPC request before giving up. @defaultValue 6 */
      maxAttempts: z.number().int().positive().default(6),
      /** Per-request timeout, in milliseconds. @defaultValue 30000 */
      timeoutMs: z.number().int().positive().default(30_000),
      /**
       * Most blocks one EVM sync step covers; each step is committed atomically, so a smaller step
       * loses less work when a sync is killed. @defaultValue 50000
       */
      stepBlocks: z.number().int().positive().default(50_000),
      /**
       * RPC requests in flight per endpoint (scheme + host + port) across every wallet sync of
       * every user, in this process or (service mode) every worker sharing the Redis; 0 = no
       * limit. Set it to your provider plan's concurrency. @defaultValue 16
       */
      endpointConcurrency: z.number().int().min(0).default(16),
      /**
       * RPC requests started per second per endpoint, across every sync as above; 0 = no limit.
       * Set it to your provider plan's rate. @defaultValue 0
       */
      endpointRequestsPerSecond: z.number().int().min(0).default(0),
    })
    .prefault({}),
  server: z
    .object({
      host: z.string().default("127.0.0.1"),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Secret for `/admin/queues` (bull-board); also `LOTWISE_ADMIN_KEY`. Unset: the page is off. */
      adminKey: z.string().min(16, "must be at least 16 characters").optional(),
      /** Largest request body, in bytes. @defaultValue 1048576 (1 MiB) */
      bodyLimitBytes: z.number().int().positive().default(1_048_576),
    })
    .prefault({}),
  /** BullMQ queue limits (service mode); see docs/api.md "Pipeline". */
  queues: z
    .object({
      /** Wallet syncs one worker process runs at once. @defaultValue 2 */
      syncConcurrency: z.number().int().positive().default(2),
      /**
       * Wallet syncs running at once across every worker, for every user. Each sends at most
       * `sync.concurrency` requests at a time; whatever the number of syncs, one RPC endpoint
       * sees at most `sync.endpointConcurrency` requests in flight. @defaultValue 4
       */
      syncGlobalConcurrency: z.number().int().positive().default(4),
      /** Wallet syncs started per minute across every worker. @defaultValue 120 */
      syncStartsPerMinute: z.number().int().positive().default(120),
      /**
       * A job whose worker stops renewing its lock for this long (the process was killed) is
       * handed to another worker. @defaultValue 30000
       */
      lockMs: z.number().int().min(1000).default(30_000),
      /** On SIGTERM a worker waits this long for its running jobs before interrupting them. @defaultValue 120000 */
      drainMs: z.number().int().min(0).default(120_000),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

export type LoadConfigArgs = {
  /** Values from command-line flags (highest precedence); `undefined` values are ignored. */
  flags?: Partial<Record<keyof ConfigInput, unknown>> & Record<string, unknown>;
  /** Usually `process.env`, passed in by the entry point. */
  env?: Record<string, string | undefined>;
  /** Explicit config file; otherwise `LOTWISE_CONFIG` or `./lotwise.config.json` when present. */
  configFile?: string | undefined;
  /** Folder relative paths resolve against. @defaultValue process.cwd() */
  cwd?: string;
};

/**
 * Parses the configuration once.
 * @throws ConfigError naming the setting and its source when a value is invalid.
 */
export const loadConfig = (args: LoadConfigArgs = {}): Config => {
  const env = args.env ?? {};
  const cwd = args.cwd ?? process.cwd();
  const file = configFileOf(args.configFile, env, cwd);

  let fromFile: Record<string, unknown> = {};
  if (file) {
    const full = path.resolve(cwd, file);
    if (!existsSync(full)) throw new ConfigError(`config file not found: ${full}`);
    try {
      const parsed: unknown = JSON.parse(readFileSync(full, "utf8"));
      if (!isPlainObject(parsed)) throw new Error("the top level must be an object");
      fromFile = parsed;
    } catch (error) {
      // A folder or an unreadable file: a sentence, not Node's `EISDIR: illegal operation …`.
      const problem = describeReadError(full, error);
      throw new ConfigError(
        problem ? `config file ${problem}` : `config file ${full}: ${(error as Error).message}`,
      );
    }
    // No command reads tax choices from the configuration: each tax command takes them as flags,
    // with defaults it prints (method fifo, scope transition, filing status single, carryover from
    // the ledger). A `tax` block that was accepted and ignored would silently change nothing (an
    // `mfs` filer kept the $3,000 limit), so it is refused and the flags named.
    if ("tax" in fromFile) {
      throw new ConfigError(
        `config file ${full}: unknown setting tax: the tax choices are not read from the config file; ` +
          "give them to the command: --method fifo|lifo|hifo, --scope transition|universal|wallet, " +
          "--filing-status single|mfj|mfs|hoh, --carryover-st USD, --carryover-lt USD, --taxable-income USD",
      );
    }
    const unknown = unknownKeys(configSchema, fromFile);
    if (unknown.length > 0) {
      throw new ConfigError(
        `config file ${full}: ${unknown
          .map((u) => `unknown setting ${u.path}${u.suggestion ? ` (did you mean ${u.suggestion}?)` : ""}`)
          .join("; ")}; docs/configuration.md lists every setting with its default`,
      );
    }
  }

  const fromEnv = settingsFromEnv(env);

  const merged = mergeSettings(
    mergeSettings(fromFile, fromEnv),
    (args.flags ?? {}) as Record<string, unknown>,
  );
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const setting = issue.path.join(".") || "(config)";
    const source = settingSource(issue.path, { fromFile, fromEnv, flags: args.flags ?? {}, file });
    throw new ConfigError(`invalid setting ${setting}${source}: ${issue.message}`);
  }
  const config = result.data;
  config.dataDir = path.resolve(cwd, config.dataDir);
  return config;
};

const settingSource = (
  p: PropertyKey[],
  s: {
    fromFile: Record<string, unknown>;
    fromEnv: Record<string, unknown>;
    flags: object;
    file?: string | undefined;
  },
): string => {
  const has = (o: unknown): boolean => {
    let cur: unknown = o;
    for (const k of p) {
      if (!isPlainObject(cur) || !(String(k) in cur)) return false;
      cur = cur[String(k)];
    }
    return cur !== undefined;
  };
  if (has(s.flags)) return " (from a command-line flag)";
  if (has(s.fromEnv)) {
    const envName = Object.entries(ENV_KEYS).find(([, v]) => v === p[0])?.[0];
    return ` (from environment variable ${envName})`;
  }
  if (has(s.fromFile)) return ` (from ${s.file})`;
  return "";
};

export { secretsOf } from "./config-simple.ts";
