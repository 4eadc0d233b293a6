/**
 * One error base class for lotwise, split into retryable and non-retryable.
 *
 * - `RetryableError`: a transient failure (HTTP 429/5xx, timeout, dropped connection). The single
 *   retry helper (`src/utils/retry.ts`) and BullMQ (`attempts` + `backoff`) retry these.
 * - `NonRetryableError`: retrying cannot help (bad input, a contract that reverts, a lying RPC).
 *   Queue processors translate these into BullMQ's `UnrecoverableError` so the job fails fast.
 * - `UserInputError`: a non-retryable error caused by what the user gave us (a malformed address,
 *   a broken CSV row). The CLI prints only `message` (no stack) and exits with `exitCode`.
 *
 * `meta` holds hint lines printed under the message; it must never contain secrets.
 */
export type BaseErrorArgs = {
  /** Lines printed under the message (hints, the request that failed, …). */
  meta?: string[] | undefined;
  cause?: unknown;
};

export class BaseError extends Error {
  override name = "BaseError";
  /** The message without hints. */
  readonly shortMessage: string;
  readonly meta: string[];

  constructor(shortMessage: string, args: BaseErrorArgs = {}) {
    const meta = args.meta ?? [];
    super([shortMessage, ...meta].join("\n"), args.cause === undefined ? undefined : { cause: args.cause });
    this.shortMessage = shortMessage;
    this.meta = meta;
  }
}

export class RetryableError extends BaseError {
  override name = "RetryableError";
  /** Server-suggested delay before the next try, in milliseconds (e.g. from `Retry-After`). */
  readonly retryAfterMs: number | undefined;
  constructor(shortMessage: string, args: BaseErrorArgs & { retryAfterMs?: number | undefined } = {}) {
    super(shortMessage, args);
    this.retryAfterMs = args.retryAfterMs;
  }
}

export class NonRetryableError extends BaseError {
  override name = "NonRetryableError";
}

/** Bad input from the user. `exitCode` defaults to 2 (usage / data error). */
export class UserInputError extends NonRetryableError {
  override name = "UserInputError";
  readonly exitCode: number;
  /**
   * Every line of the message already names where the problem is (`FILE:LINE: column: problem`,
   * the ledger CSV v1 error format): the CLI prints it as it is, without its `lotwise: ` prefix.
   */
  readonly located: boolean;
  constructor(shortMessage: string, args: BaseErrorArgs & { exitCode?: number; located?: boolean } = {}) {
    super(shortMessage, args);
    this.exitCode = args.exitCode ?? 2;
    this.located = args.located ?? false;
  }
}

/** Located problems listed in one failure, beyond which only a count is given. */
export const MAX_LISTED_PROBLEMS = 10;

/**
 * One failure listing a file's `problems` (`FILE:LINE: column: problem` each, as every reader of
 * ledger, exchange, price and 1099-DA files writes them): the first is its message, then up to
 * nine more, a count of the rest and `trailer`.
 */
export const locatedProblems = (problems: readonly string[], trailer?: string): UserInputError => {
  const more =
    problems.length > MAX_LISTED_PROBLEMS
      ? [`… and ${problems.length - MAX_LISTED_PROBLEMS} more errors`]
      : [];
  return new UserInputError(problems[0]!, {
    meta: [...problems.slice(1, MAX_LISTED_PROBLEMS), ...more, ...(trailer ? [trailer] : [])],
    located: true,
  });
};

/** A configuration value is missing or invalid; names the setting. */
export class ConfigError extends UserInputError {
  override name = "ConfigError";
}

/** A feature whose issue has not landed yet. Exits 1 with a clear message, never pretends to work. */
export class NotImplementedError extends NonRetryableError {
  override name = "NotImplementedError";
}

/** True when retrying `error` may succeed. Unknown errors are treated as retryable only by network code. */
export const isRetryable = (error: unknown): boolean => error instanceof RetryableError;

/** An error as it crosses a worker thread (`postMessage` copies plain data, not classes). */
export type SentError = {
  userInput: boolean;
  name: string;
  shortMessage: string;
  meta: string[];
  exitCode: number | undefined;
  located: boolean;
  message: string;
};

/** `error` as plain data a worker thread can post. */
export const sendableError = (error: unknown): SentError => {
  const e = error as Partial<UserInputError> & Error;
  return {
    userInput: error instanceof UserInputError,
    name: e.name ?? "Error",
    shortMessage: e.shortMessage ?? e.message ?? String(error),
    meta: Array.isArray(e.meta) ? e.meta : [],
    exitCode: typeof e.exitCode === "number" ? e.exitCode : undefined,
    located: e.located === true,
    message: e.message ?? String(error),
  };
};

/** The error again on the receiving side: a `UserInputError` stays one (same lines, exit code and name). */
export const revivedError = (e: SentError): Error => {
  if (!e.userInput) return new Error(e.message);
  const error = new UserInputError(e.shortMessage, {
    meta: e.meta,
    exitCode: e.exitCode,
    located: e.located,
  });
  error.name = e.name;
  return error;
};
