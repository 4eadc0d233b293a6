import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import { Queue } from "bullmq";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { Redis } from "ioredis";
import { z } from "zod";
import { DEFAULT_PREFIX } from "../../workers/bullmq.ts";
import { JOB_DEFINITIONS } from "../../workers/registry.ts";
import { assetOptionsFromConfig, createAssetIdentity } from "../assets/index.ts";
import { replaceSourcePrices } from "../prices/cache.ts";
import { parsePriceFile } from "../prices/import.ts";
import { checkAdminKey } from "./auth.ts";
import type { ApiContext } from "./context.ts";
import { errors } from "./schemas.ts";
import type { Api } from "./types.ts";

/**
 * Operator routes behind `server.adminKey` (Bearer, or Basic auth with the key as password so a
 * browser can open the dashboard): bull-board at `/admin/queues` (service mode) and price imports
 * (prices are shared by every user of an instance). Without an admin key they answer 404.
 */
export const registerAdmin = async (app: Api, ctx: ApiContext, options: { prefix?: string } = {}) => {
  const adminKey = ctx.common.config.server.adminKey;
  await app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    // Answered here rather than thrown: bull-board's plugin has an error handler of its own.
    scope.addHook("onRequest", async (request, reply) => {
      if (!adminKey)
        return reply
          .status(404)
          .send({ code: "not_found", message: "no admin key is configured (server.adminKey)" });
      if (!checkAdminKey(adminKey, request.headers.authorization))
        return reply
          .status(401)
          .header("www-authenticate", 'Basic realm="lotwise admin"')
          .send({ code: "unauthorized", message: "the admin key is required" });
    });

    scope.put(
      "/admin/prices/imports/:name",
      {
        schema: {
          tags: ["admin"],
          summary: "Import a USD price file (CSV asset,time,usd) for every user of the instance",
          description: "Admin key. Replaces the earlier import of the same name (source file:<name>.csv).",
          params: z.object({ name: z.string().regex(/^[\w.-]{1,64}$/) }),
          body: z.string().min(1),
          response: {
            200: z.object({ source: z.string(), rows: z.number().int(), replaced: z.number().int() }),
            ...errors,
          },
        },
      },
      async (request) => {
        const file = `${request.params.name}.csv`;
        const identity = createAssetIdentity(assetOptionsFromConfig(ctx.common.config));
        const rows = parsePriceFile(request.body, { file, identity });
        const source = `file:${file}`;
        const { removed } = await replaceSourcePrices(
          ctx.database.db,
          source,
          rows.map((r) => ({ asset: r.asset, time: r.time, usd: r.usd })),
        );
        return { source, rows: rows.length, replaced: removed };
      },
    );

    const url = ctx.common.config.redisUrl;
    if (url) {
      const connection = new Redis(url, { maxRetriesPerRequest: null });
      connection.on("error", (e) => ctx.common.logger.debug("redis error", { error: e.message }));
      const queues = JOB_DEFINITIONS.map(
        (d) =>
          new Queue(d.name, {
            connection,
            prefix: options.prefix ?? ctx.common.config.queuePrefix ?? DEFAULT_PREFIX,
          }),
      );
      ctx.common.shutdown.add("admin queues", async () => {
        await Promise.all(queues.map((q) => q.close()));
        await connection.quit().catch(() => connection.disconnect());
      });
      const serverAdapter = new FastifyAdapter();
      serverAdapter.setBasePath("/admin/queues");
      createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter });
      await scope.register(serverAdapter.registerPlugin() as never, { prefix: "/admin/queues" });
    }
  });
};
