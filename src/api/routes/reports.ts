import { and, desc, eq, lt, sql } from "drizzle-orm";
import { z } from "zod";
import { ledgerRows, reports } from "../../../db/schema/index.ts";
import { renderReport } from "../../reports/index.ts";
import { formatForm8949Csv, formatGiftsCsv, summaryJson } from "../../tax/format.ts";
import type { Form8949Row, GainsSummary, GiftRow } from "../../tax/types.ts";
import { sendCsv } from "../csv.ts";
import { notFound } from "../errors.ts";
import { errors, IdParam, iso } from "../schemas.ts";
import type { RegisterRoutes } from "../types.ts";
import { GainsQuery, gainsOptionsOf, Summary } from "./gains.ts";

/** bigint cents survive JSON as strings, tagged so they come back as bigints. */
const toJson = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x)));
const fromJson = <T>(v: unknown): T =>
  JSON.parse(JSON.stringify(v), (_k, x) =>
    typeof x === "string" && /^-?\d+n$/.test(x) ? BigInt(x.slice(0, -1)) : x,
  ) as T;

const Report = z
  .object({
    id: z.number().int(),
    kind: z.string(),
    taxYear: z.number().int().nullable(),
    params: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    files: z.array(z.string()).describe("downloads: GET /v1/reports/{id}/{file}"),
  })
  .meta({ id: "Report" });

type StoredGainsReport = {
  summary: Record<string, unknown>;
  form8949: Form8949Row[];
  gifts: GiftRow[];
  /** The engine's summary (bigint cents), for the filing formats. */
  gainsSummary?: GainsSummary;
  /** Price source → number of USD values in the ledger up to the year end (the PDF's cover). */
  priceSources?: Record<string, number>;
  timeZone?: string;
};

/**
 * Downloads: `lotwise gains`'s files, then the filing formats of src/reports (Form 8949 PDF with
 * its cover statement, TurboTax and TaxAct CSV imports), rendered on demand from the stored rows.
 */
const FILES = [
  "summary.json",
  "form8949.csv",
  "gifts.csv",
  "form8949.pdf",
  "turbotax.csv",
  "taxact.csv",
  "report-form8949.csv",
] as const;
/** The filing formats of `lotwise report --format` (src/reports), by download name. */
const FORMAT_OF = {
  "form8949.pdf": "pdf",
  "turbotax.csv": "turbotax",
  "taxact.csv": "taxact",
  "report-form8949.csv": "csv",
} as const;

export const registerReports: RegisterRoutes = (app, ctx) => {
  const db = ctx.database.db;
  const toReport = (r: typeof reports.$inferSelect) => ({
    id: r.id,
    kind: r.kind,
    taxYear: r.taxYear,
    params: r.params as Record<string, unknown>,
    createdAt: iso(r.createdAt)!,
    files: [...FILES],
  });
  const owned = async (userId: number, id: number) => {
    const [r] = await db
      .select()
      .from(reports)
      .where(and(eq(reports.id, id), eq(reports.userId, userId)));
    if (!r) throw notFound(`report ${id}`);
    return r;
  };

  app.post(
    "/reports",
    {
      schema: {
        tags: ["reports"],
        summary: "Generate a gains report (Schedule D summary, Form 8949, gifts) and keep it for download",
        body: z.object({ kind: z.literal("gains") }).extend(GainsQuery.shape),
        response: { 201: Report.extend({ summary: Summary }), ...errors },
      },
    },
    async (request, reply) => {
      const { kind, ...q } = request.body;
      const g = await ctx.gainsCache.get(request.userId, gainsOptionsOf(q));
      const sources = await db
        .select({
          source: sql<string>`${ledgerRows.priceSources}->>'usd_value'`,
          n: sql<number>`count(*)::int`,
        })
        .from(ledgerRows)
        .where(
          and(
            eq(ledgerRows.userId, request.userId),
            lt(ledgerRows.time, new Date(Date.UTC(q.year + 1, 0, 1))),
            sql`${ledgerRows.priceSources} ? 'usd_value'`,
          ),
        )
        .groupBy(sql`1`);
      const result: StoredGainsReport = {
        summary: summaryJson(g.summary),
        form8949: g.form8949,
        gifts: g.gifts,
        gainsSummary: g.summary,
        priceSources: Object.fromEntries(sources.map((x) => [x.source, Number(x.n)])),
        ...(q.tz ? { timeZone: q.tz } : {}),
      };
      const [row] = await db
        .insert(reports)
        .values({ userId: request.userId, kind, taxYear: q.year, params: q, result: toJson(result) })
        .returning();
      reply.status(201);
      return { ...toReport(row!), summary: result.summary as z.infer<typeof Summary> };
    },
  );

  app.get(
    "/reports",
    {
      schema: {
        tags: ["reports"],
        summary: "Your reports, newest first",
        response: { 200: z.object({ reports: z.array(Report) }), ...errors },
      },
    },
    async (request) => {
      const rows = await db
        .select()
        .from(reports)
        .where(eq(reports.userId, request.userId))
        .orderBy(desc(reports.id))
        .limit(200);
      return { reports: rows.map(toReport) };
    },
  );

  app.get(
    "/reports/:id",
    {
      schema: {
        tags: ["reports"],
        summary: "One report",
        params: IdParam,
        response: { 200: Report, ...errors },
      },
    },
    async (request) => toReport(await owned(request.userId, request.params.id)),
  );

  app.get(
    "/reports/:id/:file",
    {
      schema: {
        tags: ["reports"],
        summary:
          "Download a report file: summary.json, form8949.csv, gifts.csv (as `lotwise gains` writes them), form8949.pdf, turbotax.csv, taxact.csv, report-form8949.csv (`lotwise report --format pdf|turbotax|taxact|csv`). With imported Forms 1099-DA for the year, rows are in boxes G–L as `lotwise gains` routes them.",
        params: IdParam.extend({ file: z.enum(FILES) }),
        response: { 200: z.string().describe("the file"), ...errors },
      },
    },
    async (request, reply) => {
      const r = await owned(request.userId, request.params.id);
      const stored = fromJson<StoredGainsReport>(r.result);
      const base = `${r.kind}-${r.taxYear ?? ""}-${r.id}`;
      switch (request.params.file) {
        case "summary.json":
          return reply
            .header("content-type", "application/json; charset=utf-8")
            .header("content-disposition", `attachment; filename="${base}-summary.json"`)
            .send(`${JSON.stringify(stored.summary, null, 2)}\n`);
        case "form8949.csv":
          return sendCsv(reply, `${base}-form8949.csv`, formatForm8949Csv(stored.form8949));
        case "gifts.csv":
          return sendCsv(reply, `${base}-gifts.csv`, formatGiftsCsv(stored.gifts));
        default: {
          if (!stored.gainsSummary) throw notFound(`file ${request.params.file} in report ${r.id}`);
          const file = await renderReport(FORMAT_OF[request.params.file], {
            taxYear: r.taxYear!,
            rows: stored.form8949,
            summary: stored.gainsSummary,
            priceSources: stored.priceSources ?? {},
            ledgerSource: "stored ledger",
            timeZone: stored.timeZone,
            generatedAt: r.createdAt.toISOString(),
          });
          return reply
            .header("content-type", file.contentType)
            .header("content-disposition", `attachment; filename="${base}-${file.fileName}"`)
            .header("x-content-type-options", "nosniff")
            .send(Buffer.from(file.bytes) as unknown as string); // a Buffer is sent as is (no serializer)
        }
      }
    },
  );

  app.delete(
    "/reports/:id",
    {
      schema: {
        tags: ["reports"],
        summary: "Delete a report",
        params: IdParam,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const r = await owned(request.userId, request.params.id);
      await db.delete(reports).where(and(eq(reports.id, r.id), eq(reports.userId, request.userId)));
      return reply.status(204).send(null);
    },
  );
};
