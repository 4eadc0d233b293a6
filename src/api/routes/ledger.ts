import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { ledgerRows } from "../../../db/schema/index.ts";
import { exportRow, loadExportRows } from "../../books/export-rows.ts";
import { importLedgerRows } from "../../books/imports.ts";
import { queryLedgerPage } from "../../books/query.ts";
import { type ExternalLotReference, parseLedgerCsv } from "../../ledger/read.ts";
import { LEDGER_ROW_TYPES } from "../../ledger/types.ts";
import { formatLedgerCsv } from "../../ledger/write.ts";
import { isTimeZone } from "../../tax/dates.ts";
import { sendCsv } from "../csv.ts";
import { notFound } from "../errors.ts";
import { queueRebuild } from "../rebuild.ts";
import { errors, MAX_PAGE } from "../schemas.ts";
import type { RegisterRoutes } from "../types.ts";

const Row = z
  .object({
    id: z.string(),
    time: z.string(),
    type: z.enum(LEDGER_ROW_TYPES),
    wallet: z.string(),
    outAsset: z.string().nullable(),
    outQuantity: z.string().nullable(),
    inAsset: z.string().nullable(),
    inQuantity: z.string().nullable(),
    usdValue: z.string().nullable(),
    feeAsset: z.string().nullable(),
    feeQuantity: z.string().nullable(),
    feeUsd: z.string().nullable(),
    toWallet: z.string().nullable(),
    lots: z.string().nullable(),
    subtype: z.string().nullable(),
    tx: z.string().nullable(),
    note: z.string().nullable(),
    priceSources: z.record(z.string(), z.string()).describe("where each USD figure came from"),
    warnings: z.array(z.string()),
    origin: z.string().describe("chain, or import:<name>"),
  })
  .meta({ id: "LedgerRow" });

const instant = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date or instant")
  .transform((s) => new Date(s));

const Year = z.coerce.number().int().min(2009).max(2100);

const ImportName = z.string().regex(/^[\w.-]{1,64}$/, "letters, digits, '.', '_' and '-' only");

export const registerLedger: RegisterRoutes = (app, ctx) => {
  const db = ctx.database.db;

  app.get(
    "/ledger",
    {
      schema: {
        tags: ["ledger"],
        summary: "The reconciled ledger, a page at a time, in ledger order",
        description: "Keyset paging: pass the previous page's nextCursor as cursor. Filters combine.",
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
          cursor: z.string().max(500).optional(),
          wallet: z.string().max(200).optional(),
          asset: z.string().max(200).optional(),
          type: z.enum(LEDGER_ROW_TYPES).optional(),
          from: instant.optional().describe("inclusive"),
          to: instant.optional().describe("exclusive"),
          year: Year.optional().describe("rows of this calendar year (UTC)"),
          warnings: z.enum(["true", "false"]).optional().describe("true: only rows with warnings"),
          origin: z.string().max(100).optional(),
        }),
        response: { 200: z.object({ rows: z.array(Row), nextCursor: z.string().nullable() }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await queryLedgerPage(db, request.userId, {
        limit: q.limit,
        cursor: q.cursor,
        filter: {
          wallet: q.wallet,
          asset: q.asset,
          type: q.type,
          from: q.from ?? (q.year ? new Date(Date.UTC(q.year, 0, 1)) : undefined),
          to: q.to ?? (q.year ? new Date(Date.UTC(q.year + 1, 0, 1)) : undefined),
          warnings: q.warnings === "true" ? true : undefined,
          origin: q.origin,
        },
      });
      // Rows come in the response shape; the response schema validates them (and drops `seq`).
      return { rows: page.rows, nextCursor: page.nextCursor ?? null };
    },
  );

  app.get(
    "/ledger.csv",
    {
      schema: {
        tags: ["ledger"],
        summary: "Download the ledger as ledger CSV v1 (what `lotwise gains --ledger` reads)",
        description:
          "With year: every row up to the end of that year (earlier years carry their lots into it). Extra columns x_price_source, x_fee_price_source, x_warnings, x_origin. Cells that a spreadsheet would run as a formula are prefixed with '.",
        querystring: z.object({
          year: Year.optional(),
          tz: z
            .string()
            .max(64)
            .refine(isTimeZone, "an IANA time zone, e.g. America/New_York")
            .optional()
            .describe("where the year ends, as the gains routes' tz dates rows (default: UTC)"),
        }),
        response: { 200: z.string().describe("text/csv"), ...errors },
      },
    },
    async (request, reply) => {
      const y = request.query.year;
      const rows = await loadExportRows(db, request.userId, y, request.query.tz);
      const out = rows.map(exportRow);
      return sendCsv(reply, y ? `ledger-${y}.csv` : "ledger.csv", formatLedgerCsv(out));
    },
  );

  app.get(
    "/ledger/imports",
    {
      schema: {
        tags: ["ledger"],
        summary: "Your imported ledgers (exchange histories) and their row counts",
        response: {
          200: z.object({ imports: z.array(z.object({ name: z.string(), rows: z.number().int() })) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const rows = await db
        .select({ origin: ledgerRows.origin, n: sql<number>`count(*)::int` })
        .from(ledgerRows)
        .where(and(eq(ledgerRows.userId, request.userId), sql`${ledgerRows.origin} like 'import:%'`))
        .groupBy(ledgerRows.origin)
        .orderBy(ledgerRows.origin);
      return { imports: rows.map((r) => ({ name: r.origin.slice("import:".length), rows: Number(r.n) })) };
    },
  );

  app.put(
    "/ledger/imports/:name",
    {
      schema: {
        tags: ["ledger"],
        summary:
          "Import an exchange's history written as ledger CSV v1 (replaces the import of the same name)",
        description:
          "The body is the CSV text (content-type text/csv) and counts against the body size limit.",
        params: z.object({ name: ImportName }),
        body: z.string().min(1).describe("ledger CSV v1 text"),
        response: {
          200: z.object({
            name: z.string(),
            inserted: z.number().int(),
            replaced: z.number().int(),
            rebuild: z.object({ jobId: z.string() }),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const name = request.params.name;
      // A `lots` cell may name a lot of the stored ledger (another import, a chain row): checked there.
      const externalLots: ExternalLotReference[] = [];
      const rows = parseLedgerCsv(request.body, `${name}.csv`, externalLots);
      const r = await importLedgerRows(db, {
        userId: request.userId,
        name,
        rows,
        file: `${name}.csv`,
        externalLots,
      });
      return { name, ...r, rebuild: { jobId: await queueRebuild(ctx, request.userId) } };
    },
  );

  app.delete(
    "/ledger/imports/:name",
    {
      schema: {
        tags: ["ledger"],
        summary: "Remove an imported ledger",
        params: z.object({ name: ImportName }),
        response: {
          200: z.object({ removed: z.number().int(), rebuild: z.object({ jobId: z.string() }) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const removed = await db
        .delete(ledgerRows)
        .where(
          and(eq(ledgerRows.userId, request.userId), eq(ledgerRows.origin, `import:${request.params.name}`)),
        )
        .returning({ id: ledgerRows.id });
      if (removed.length === 0) throw notFound(`import ${request.params.name}`);
      return { removed: removed.length, rebuild: { jobId: await queueRebuild(ctx, request.userId) } };
    },
  );
};
