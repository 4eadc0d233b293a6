import { z } from "zod";
import { hasControlCharacter } from "../reconcile/fields.ts";

/** Shared pieces of the API's zod schemas (they validate requests and responses and make the OpenAPI document). */

export const ErrorBody = z
  .object({
    code: z.string().describe("machine-readable error code, e.g. not_found, invalid_request"),
    message: z.string().describe("what went wrong, for people"),
  })
  .meta({ id: "Error" });

/** The standard error responses of a route. */
export const errors = {
  400: ErrorBody,
  401: ErrorBody,
  404: ErrorBody,
} as const;

/** A positive integer id in a path. */
export const IdParam = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

/** A decimal string (exact: never a JSON number). */
export const Decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/)
  .describe("exact decimal as a string");

/** USD with two places, as on the forms (negative for losses). */
export const Usd = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .describe("USD amount with two decimals");

export const Iso = z.string().describe("ISO 8601 instant (UTC)");

export const iso = (d: Date | undefined | null): string | null => (d ? d.toISOString() : null);

/** Page sizes: at most 500 rows per page. */
export const MAX_PAGE = 500;

export const OkBody = z.object({ ok: z.literal(true) });

/**
 * An uploaded file's own name as a browser gives it (`Coinbase history (1).csv`), cited in
 * `FILE:LINE` errors and price sources: 1 to 200 characters, no control character or slash.
 */
export const FileName = z
  .string()
  .min(1)
  .max(200)
  .refine(
    (s) => !hasControlCharacter(s) && !/[/\\]/.test(s),
    "a file name without control characters or slashes",
  );
