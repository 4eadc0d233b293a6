import { NonRetryableError } from "../src/errors.ts";
import type { AnyJobDefinition } from "./types.ts";

/** Defaults shared by both runners so a job behaves the same on BullMQ and in-process. */
export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1000;

export const attemptsOf = (d: AnyJobDefinition): number => d.attempts ?? DEFAULT_ATTEMPTS;
export const backoffOf = (d: AnyJobDefinition): number => d.backoffMs ?? DEFAULT_BACKOFF_MS;

/** Delay before try `attempt + 1` after try `attempt` failed (exponential, as BullMQ's `exponential`). */
export const retryDelayMs = (d: AnyJobDefinition, attempt: number): number =>
  backoffOf(d) * 2 ** (attempt - 1);

export const shouldRetry = (error: unknown): boolean => !(error instanceof NonRetryableError);
