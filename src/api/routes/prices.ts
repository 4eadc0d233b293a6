import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { ledgerRows, prices } from "../../../db/schema/index.ts";
import { errors, MAX_PAGE } from "../schemas.ts";
import type { RegisterRoutes } from "../types.ts";

/**
 * Prices are shared by every user of an instance (one table of USD prices per asset and instant),
 * so users read only the prices of assets in their own ledger, and imports are the operator's
 * (PUT /admin/prices/imports/{name}, admin key).
 */
export const registerPrices: RegisterRoutes = (app, ctx) => {
  const db = ctx.database.db;

  app.get(
    "/prices",
    {
      schema: {
        tags: ["prices"],
        summary: "Stored USD prices of an asset in your ledger (imported and fetched), newest first",
        querystring: z.object({
          asset: z.string().min(1).max(200).describe("ledger asset id, e.g. ETH or evm:1:0x…"),
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
        }),
        response: {
          200: z.object({
            prices: z.array(
              z.object({ asset: z.string(), time: z.string(), usd: z.string(), source: z.string() }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { asset, limit } = request.query;
      const [held] = await db
        .select({ n: sql<number>`1` })
        .from(ledgerRows)
        .where(
          and(
            eq(ledgerRows.userId, request.userId),
            sql`(${ledgerRows.outAsset} = ${asset} or ${ledgerRows.inAsset} = ${asset} or ${ledgerRows.feeAsset} = ${asset})`,
          ),
        )
        .limit(1);
      if (!held) return { prices: [] };
      const rows = await db
        .select()
        .from(prices)
        .where(eq(prices.asset, asset))
        .orderBy(sql`${prices.time} desc`)
        .limit(limit);
      return {
        prices: rows.map((r) => ({
          asset: r.asset,
          time: r.time.toISOString(),
          usd: r.usd,
          source: r.source,
        })),
      };
    },
  );

  app.get(
    "/prices/gaps",
    {
      schema: {
        tags: ["prices"],
        summary: "Assets your ledger has no USD price for (rows valued at 0), with where they occur",
        response: {
          200: z.object({
            gaps: z.array(
              z.object({
                asset: z.string().describe("what to put in a price file's asset column"),
                rows: z.number().int(),
                first: z.string(),
                last: z.string(),
                rowIds: z.array(z.string()).describe("up to 20 affected ledger rows"),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const rows = await db
        .select({ id: ledgerRows.id, time: ledgerRows.time, warnings: ledgerRows.warnings })
        .from(ledgerRows)
        .where(
          and(
            eq(ledgerRows.userId, request.userId),
            sql`${ledgerRows.warnings}::text like '%missing_price:%'`,
          ),
        )
        .orderBy(asc(ledgerRows.time), asc(ledgerRows.seq), asc(ledgerRows.id));
      const gaps = new Map<
        string,
        { asset: string; rows: number; first: Date; last: Date; rowIds: string[] }
      >();
      for (const r of rows) {
        for (const w of r.warnings as string[]) {
          if (!w.startsWith("missing_price:")) continue;
          const asset = w.slice("missing_price:".length);
          const g = gaps.get(asset) ?? { asset, rows: 0, first: r.time, last: r.time, rowIds: [] };
          g.rows++;
          g.last = r.time;
          if (g.rowIds.length < 20) g.rowIds.push(r.id);
          gaps.set(asset, g);
        }
      }
      return {
        gaps: [...gaps.values()].map((g) => ({
          ...g,
          first: g.first.toISOString(),
          last: g.last.toISOString(),
        })),
      };
    },
  );
};
