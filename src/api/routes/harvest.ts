import { z } from "zod";
import { readStoredLedger } from "../../books/stored-ledger.ts";
import { resolveAsOf } from "../../harvest/as-of.ts";
import {
  formatHarvestCsv,
  type HarvestReport,
  type PriceLookup,
  planHarvest,
  pricesFromFile,
  pricesFromService,
  writeHarvestJson,
} from "../../harvest/index.ts";
import { parseInstant } from "../../ledger/instant.ts";
import { createPriceService } from "../../prices/service.ts";
import { parseUsdCents } from "../../tax/money.ts";
import { FILING_STATUSES, type GainsWarning, METHODS, SCOPES } from "../../tax/types.ts";
import { sendCsv } from "../csv.ts";
import { ApiError } from "../errors.ts";
import { errors } from "../schemas.ts";
import type { RegisterRoutes } from "../types.ts";

const Usd = (negative: boolean) =>
  z
    .string()
    .max(40)
    .refine(
      (s) => parseUsdCents(s, negative) !== undefined,
      `a USD amount with at most 2 decimals${negative ? "" : ", not negative"}`,
    );

const Quantity = z
  .string()
  .max(80)
  .regex(/^\d+(\.\d+)?$/, "a positive decimal quantity");

/** The `lotwise harvest` options, as a JSON body. */
const HarvestBody = z.object({
  asOf: z
    .string()
    .max(40)
    .optional()
    .describe("plan at this instant (with an offset) or date (the end of that UTC day); default now"),
  year: z.number().int().min(2009).max(2100).optional().describe("a past year plans at its last instant"),
  method: z.enum(METHODS as ["fifo", "lifo", "hifo"]).default("fifo"),
  scope: z.enum(SCOPES as ["transition", "universal", "wallet"]).default("transition"),
  filingStatus: z.enum(FILING_STATUSES as ["single", "mfj", "mfs", "hoh"]).default("single"),
  taxableIncome: Usd(true)
    .optional()
    .describe("taxable income without this ledger's capital gains and losses (default $100,000, assumed)"),
  carryoverSt: Usd(false)
    .optional()
    .describe(
      "short-term capital loss carryover into the year (default: computed from the ledger's earlier years; 0 when carryoverLt is given)",
    ),
  carryoverLt: Usd(false)
    .optional()
    .describe(
      "long-term capital loss carryover into the year (default: computed from the ledger's earlier years; 0 when carryoverSt is given)",
    ),
  sells: z
    .array(
      z.object({
        asset: z.string().min(1).max(200),
        quantity: Quantity,
        wallet: z.string().max(200).optional(),
      }),
    )
    .max(50)
    .default([])
    .describe("what-if: sell these at the as-of price"),
  buyBack: z.boolean().default(false).describe("what-if: buy the same quantity back right after each sale"),
  washSale: z
    .boolean()
    .default(false)
    .describe("simulate the proposed 30-day wash-sale rule for digital assets"),
  prices: z
    .array(
      z.object({
        asset: z.string().min(1).max(200),
        time: z.string().max(40).describe("an instant with an offset, or a date (00:00 UTC)"),
        usd: z
          .string()
          .max(40)
          .regex(/^\d+(\.\d+)?$/, "a USD price"),
      }),
    )
    .max(10_000)
    .optional()
    .describe(
      "USD prices to plan with (as `--prices FILE`); default: stored prices and the configured providers",
    ),
});

export const registerHarvest: RegisterRoutes = (app, ctx) => {
  const db = ctx.database.db;

  const plan = async (userId: number, b: z.infer<typeof HarvestBody>): Promise<HarvestReport> => {
    if (b.buyBack && b.sells.length === 0)
      throw new ApiError(400, "invalid_input", "buyBack needs at least one sale in sells");
    const asOf = resolveAsOf(
      {
        ...(b.asOf !== undefined ? { asOf: b.asOf } : {}),
        ...(b.year !== undefined ? { year: String(b.year) } : {}),
      },
      new Date(),
      { asOf: "asOf", year: "year" },
    );
    let lookup: PriceLookup;
    if (b.prices) {
      const rows = b.prices.map((p, i) => {
        const t = /^\d{4}-\d{2}-\d{2}$/.test(p.time)
          ? parseInstant(`${p.time}T00:00:00Z`)
          : parseInstant(p.time);
        if (!t)
          throw new ApiError(
            400,
            "invalid_input",
            `prices[${i}].time: "${p.time}" is not an instant with an offset`,
          );
        return {
          line: i + 1,
          asset: ctx.identity.normalizeUserAsset(p.asset),
          time: new Date(t.ms),
          usd: p.usd,
        };
      });
      lookup = pricesFromFile(rows, {
        file: "request",
        stalenessMs: ctx.common.config.prices.stalenessHours * 3_600_000,
      });
    } else {
      lookup = pricesFromService(
        createPriceService({ common: ctx.common, database: ctx.database, identity: ctx.identity }),
      );
    }
    const stored = await readStoredLedger(db, userId);
    const extra: GainsWarning[] = [];
    const day = asOf.toISOString().slice(0, 10);
    for (const m of stored.notes.missingPrices)
      if (m.date <= day) extra.push({ code: "missing_price", ...m });
    if (stored.notes.openReviews > 0)
      extra.push({
        code: "unreviewed",
        id: "",
        date: "",
        message: `${stored.notes.openReviews} transaction(s) await review and may be missing from the ledger or valued by a guess`,
      });
    const report = await planHarvest(
      {
        feed: async (h) => {
          for (const r of stored.rows) h.row(r);
        },
        prices: lookup,
      },
      {
        asOf,
        method: b.method,
        scope: b.scope,
        filingStatus: b.filingStatus,
        taxableIncome: b.taxableIncome === undefined ? undefined : parseUsdCents(b.taxableIncome, true),
        carryoverIn:
          b.carryoverSt === undefined && b.carryoverLt === undefined
            ? undefined
            : {
                shortTerm: b.carryoverSt === undefined ? 0n : parseUsdCents(b.carryoverSt)!,
                longTerm: b.carryoverLt === undefined ? 0n : parseUsdCents(b.carryoverLt)!,
              },
        washSale: b.washSale,
        sells: b.sells.map((s) => ({ ...s, asset: ctx.identity.normalizeUserAsset(s.asset) })),
        buyBack: b.buyBack,
        source: "stored ledger",
        names: "api",
      },
    );
    report.warnings.push(...extra);
    return report;
  };

  app.post(
    "/harvest",
    {
      schema: {
        tags: ["harvest"],
        summary: "Tax-loss harvesting: open lots at a price, candidates, a year-end plan and what-ifs",
        description:
          "As `lotwise harvest` on your stored ledger. The answer is harvest.json (docs/harvest.md): positions, lots, the year so far, candidates, the plan, and with `sells` the what-if (tax before/after, buy-backs and wash sales with `buyBack`/`washSale`).",
        body: HarvestBody,
        response: { 200: z.record(z.string(), z.unknown()).describe("harvest.json"), ...errors },
      },
    },
    async (request, reply) =>
      // harvest.json is written by its own streaming writer (large lot lists); a Buffer is sent as is.
      reply
        .header("content-type", "application/json; charset=utf-8")
        .send(
          writeHarvestJson(await plan(request.userId, request.body)) as unknown as Record<string, unknown>,
        ),
  );

  app.post(
    "/harvest/harvest.csv",
    {
      schema: {
        tags: ["harvest"],
        summary: "The same plan as harvest.csv (one row per open lot)",
        body: HarvestBody,
        response: { 200: z.string().describe("text/csv"), ...errors },
      },
    },
    async (request, reply) =>
      sendCsv(reply, "harvest.csv", formatHarvestCsv(await plan(request.userId, request.body))),
  );
};
