import { z } from "zod";
import type { StoredGainsOptions } from "../../books/gains.ts";
import { isTimeZone } from "../../tax/dates.ts";
import { formatForm8949Csv, summaryJson } from "../../tax/format.ts";
import { formatCents, parseUsdCents } from "../../tax/money.ts";
import { FILING_STATUSES, type Form8949Row, METHODS, SCOPES } from "../../tax/types.ts";
import { sendCsv } from "../csv.ts";
import { errors, MAX_PAGE } from "../schemas.ts";
import type { RegisterRoutes } from "../types.ts";

/** A carryover amount; absent (both absent) means computed from the ledger's earlier years. */
const UsdIn = z
  .string()
  .refine((s) => parseUsdCents(s) !== undefined, "a USD amount with at most 2 decimals, not negative")
  .optional();

/** Query of every gains endpoint: the `lotwise gains` options. */
export const GainsQuery = z.object({
  // Coerced (a query string is text), so a missing year arrives as NaN, as "abc" does: without a
  // message of its own both would read "expected number, received NaN".
  year: z.coerce
    .number({
      error: (issue) => (issue.code === "invalid_type" ? "required: a tax year (YYYY)" : undefined),
    })
    .int()
    .min(2009)
    .max(2100),
  method: z.enum(METHODS as ["fifo", "lifo", "hifo"]).default("fifo"),
  scope: z.enum(SCOPES as ["transition", "universal", "wallet"]).default("transition"),
  filingStatus: z.enum(FILING_STATUSES as ["single", "mfj", "mfs", "hoh"]).default("single"),
  carryoverSt: UsdIn.describe(
    "short-term capital loss carryover into the year, Schedule D line 6 (default: computed from the ledger's earlier years, as lotwise gains does; 0 when carryoverLt is given)",
  ),
  carryoverLt: UsdIn.describe(
    "long-term capital loss carryover into the year, Schedule D line 14 (default: computed from the ledger's earlier years, as lotwise gains does; 0 when carryoverSt is given)",
  ),
  tz: z.string().max(64).refine(isTimeZone, "an IANA time zone, e.g. America/New_York").optional(),
});

export const gainsOptionsOf = (q: z.infer<typeof GainsQuery>): StoredGainsOptions => ({
  year: q.year,
  method: q.method,
  scope: q.scope,
  filingStatus: q.filingStatus,
  carryoverIn:
    q.carryoverSt === undefined && q.carryoverLt === undefined
      ? undefined
      : {
          shortTerm: q.carryoverSt === undefined ? 0n : parseUsdCents(q.carryoverSt)!,
          longTerm: q.carryoverLt === undefined ? 0n : parseUsdCents(q.carryoverLt)!,
        },
  timeZone: q.tz,
});

const Money = z.string().describe("USD, two decimals");
const Part = z.object({ proceeds: Money, cost_basis: Money, adjustments: Money, gain: Money });
const Pair = z.object({ short_term: Money, long_term: Money });

/** Schedule D as `summary.json` writes it (docs/tax-engine.md). */
export const Summary = z
  .object({
    tax_year: z.number().int(),
    method: z.string(),
    scope: z.string(),
    filing_status: z.string(),
    short_term: Part,
    long_term: Part,
    carryover_in: Pair,
    net_short_term: Money,
    net_long_term: Money,
    net: Money,
    capital_loss_deduction: Money,
    carryover_out: Pair,
    // `total`, one key per subtype, and the same split under `by_subtype`.
    ordinary_income: z.object({ total: Money, by_subtype: z.record(z.string(), Money) }).catchall(Money),
    warnings: z.array(z.object({ code: z.string(), id: z.string(), date: z.string(), message: z.string() })),
  })
  .meta({ id: "GainsSummary" });

export const Form8949 = z
  .object({
    disposalId: z.string(),
    lotId: z.string(),
    wallet: z.string(),
    asset: z.string(),
    quantity: z.string(),
    dateAcquired: z.string(),
    dateSold: z.string(),
    proceeds: Money,
    costBasis: Money,
    adjustmentCode: z.string(),
    adjustment: Money.nullable(),
    gain: Money,
    term: z.enum(["short", "long"]),
    box: z.string(),
    description: z.string(),
  })
  .meta({ id: "Form8949Row" });

export const form8949Json = (r: Form8949Row): z.infer<typeof Form8949> => ({
  disposalId: r.disposalId,
  lotId: r.lotId,
  wallet: r.wallet,
  asset: r.asset,
  quantity: r.quantity,
  dateAcquired: r.dateAcquired,
  dateSold: r.dateSold,
  proceeds: formatCents(r.proceeds),
  costBasis: formatCents(r.costBasis),
  adjustmentCode: r.adjustmentCode,
  adjustment: r.adjustment === undefined ? null : formatCents(r.adjustment),
  gain: formatCents(r.gain),
  term: r.term,
  box: r.box,
  description: r.description,
});

export const registerGains: RegisterRoutes = (app, ctx) => {
  app.get(
    "/gains/summary",
    {
      schema: {
        tags: ["gains"],
        summary: "Schedule D summary of a tax year on your stored ledger",
        description:
          "Cached per ledger version: any ledger change (a sync, a decision, an import) makes the next request recompute.",
        querystring: GainsQuery,
        response: {
          200: z.object({
            summary: Summary,
            form8949Rows: z.number().int(),
            ledgerRows: z.number().int(),
            cached: z.boolean(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const g = await ctx.gainsCache.summary(request.userId, gainsOptionsOf(request.query));
      return {
        summary: summaryJson(g.summary) as z.infer<typeof Summary>,
        form8949Rows: g.form8949Rows,
        ledgerRows: g.ledgerRows,
        cached: g.cached,
      };
    },
  );

  app.get(
    "/gains/form8949",
    {
      schema: {
        tags: ["gains"],
        summary: "Form 8949 rows of a tax year, a page at a time",
        querystring: GainsQuery.extend({
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: { 200: z.object({ rows: z.array(Form8949), total: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const { limit, offset, ...q } = request.query;
      const g = await ctx.gainsCache.get(request.userId, gainsOptionsOf(q));
      return { rows: g.form8949.slice(offset, offset + limit).map(form8949Json), total: g.form8949.length };
    },
  );

  app.get(
    "/gains/form8949.csv",
    {
      schema: {
        tags: ["gains"],
        summary: "Download Form 8949 rows as form8949.csv (as `lotwise gains` writes it)",
        querystring: GainsQuery,
        response: { 200: z.string().describe("text/csv"), ...errors },
      },
    },
    async (request, reply) => {
      const g = await ctx.gainsCache.get(request.userId, gainsOptionsOf(request.query));
      return sendCsv(reply, `form8949-${request.query.year}.csv`, formatForm8949Csv(g.form8949));
    },
  );
};
