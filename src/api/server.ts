import { randomUUID } from "node:crypto";
import path from "node:path";
import fastifyMultipart from "@fastify/multipart";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import { sql } from "drizzle-orm";
import Fastify from "fastify";
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { z } from "zod";
import { registerAdmin } from "./admin.ts";
import { createKeyAuth } from "./auth.ts";
import type { ApiContext } from "./context.ts";
import { ApiError, createErrorHandler } from "./errors.ts";
import { registerChains } from "./routes/chains.ts";
import { registerForms } from "./routes/forms.ts";
import { registerGains } from "./routes/gains.ts";
import { registerHarvest } from "./routes/harvest.ts";
import { registerImports } from "./routes/imports.ts";
import { registerLedger } from "./routes/ledger.ts";
import { registerMe } from "./routes/me.ts";
import { registerPrices } from "./routes/prices.ts";
import { registerReconcile } from "./routes/reconcile.ts";
import { registerReports } from "./routes/reports.ts";
import { registerReview } from "./routes/review.ts";
import { registerReviewTransaction } from "./routes/review-transaction.ts";
import { registerSchedule } from "./routes/schedule.ts";
import { registerSync } from "./routes/sync.ts";
import { registerWallets } from "./routes/wallets.ts";
import { zodResponseSerializer } from "./serializer.ts";
import type { Api, RegisterRoutes } from "./types.ts";

/** Every authenticated route module, mounted under `/v1`. */
const ROUTES: readonly RegisterRoutes[] = [
  registerMe,
  registerWallets,
  registerChains,
  registerSync,
  registerReview,
  registerReviewTransaction,
  registerLedger,
  registerImports,
  registerPrices,
  registerGains,
  registerReports,
  registerForms,
  registerReconcile,
  registerHarvest,
  registerSchedule,
];

export type ApiServerOptions = {
  /**
   * A folder of static files served at `/` (the web dashboard, issue #12: `index.html` and its
   * assets). Without it `/` answers a JSON index of the API.
   */
  staticRoot?: string | undefined;
  /** BullMQ key prefix (tests). */
  queuePrefix?: string | undefined;
};

const VERSION = "0.1.0";

/**
 * The HTTP API (Fastify). Request and response bodies are zod schemas: they validate (responses
 * too) and make the OpenAPI 3.1 document (`/openapi.json`, browsable at `/docs` from assets in
 * node_modules, no CDN). Errors are JSON `{ code, message }`.
 */
export const createApiServer = async (ctx: ApiContext, options: ApiServerOptions = {}): Promise<Api> => {
  const { config, logger } = ctx.common;
  const app = Fastify({
    logger: false,
    bodyLimit: config.server.bodyLimitBytes,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(zodResponseSerializer);
  app.setErrorHandler(createErrorHandler(logger));
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ code: "not_found", message: `no route ${request.method} ${request.url.split("?")[0]}` }),
  );
  // CSV uploads (ledger and price imports) arrive as text.
  app.addContentTypeParser(["text/csv", "text/plain"], { parseAs: "string" }, (_req, body, done) =>
    done(null, body),
  );
  // Form uploads may also come as multipart/form-data: one file, no larger than a body.
  await app.register(fastifyMultipart, {
    limits: { fileSize: config.server.bodyLimitBytes, files: 1, fields: 10, fieldSize: 1000, parts: 12 },
    throwFileSizeLimit: true,
  });
  app.addHook("onResponse", async (request, reply) => {
    logger.info("request", {
      request_id: request.id,
      method: request.method,
      route: request.routeOptions.url ?? "(none)",
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      ...(request.userId ? { user_id: request.userId } : {}),
    });
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "lotwise API",
        version: VERSION,
        description:
          "Self-hosted on-chain indexer and wallet reconciliation for U.S. crypto taxes. Authenticate with `Authorization: Bearer <key>` (`lotwise users create NAME`). Errors are `{ code, message }`.",
      },
      components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer" } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs", uiConfig: { deepLinking: true } });

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  app.get(
    "/healthz",
    {
      schema: {
        tags: ["operations"],
        summary: "The process answers",
        security: [],
        response: { 200: z.object({ ok: z.boolean() }) },
      },
    },
    async () => ({ ok: true }),
  );
  app.get(
    "/readyz",
    {
      schema: {
        tags: ["operations"],
        summary: "PostgreSQL (or the embedded database) and Redis answer",
        security: [],
        response: {
          200: z.object({ database: z.string(), redis: z.string() }),
          503: z.object({ database: z.string(), redis: z.string() }),
        },
      },
    },
    async (_request, reply) => {
      const check = async (fn: () => Promise<unknown>) => {
        try {
          await Promise.race([
            fn(),
            new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 2000)),
          ]);
          return "ok";
        } catch {
          return "down";
        }
      };
      const database = await check(() => ctx.database.db.execute(sql`select 1`));
      const redis = ctx.pingRedis ? await check(ctx.pingRedis) : "not used";
      reply.status(database === "ok" && redis !== "down" ? 200 : 503);
      return { database, redis };
    },
  );

  await registerAdmin(app, ctx, { prefix: options.queuePrefix });

  const authenticate = createKeyAuth(ctx.database.db);
  await app.register(
    async (v1) => {
      const api = v1.withTypeProvider<ZodTypeProvider>();
      api.addHook("onRequest", authenticate);
      for (const register of ROUTES) register(api, ctx);
      api.all("/*", { schema: { hide: true } }, async (request) => {
        throw new ApiError(404, "not_found", `no route ${request.method} ${request.url.split("?")[0]}`);
      });
    },
    { prefix: "/v1" },
  );

  if (options.staticRoot) {
    // The dashboard's hook: its built files at `/` (issue #12).
    await app.register(fastifyStatic, {
      root: path.resolve(options.staticRoot),
      prefix: "/",
      wildcard: false,
    });
  } else {
    app.get("/", { schema: { hide: true } }, async () => ({
      name: "lotwise",
      version: VERSION,
      api: "/v1",
      openapi: "/openapi.json",
      docs: "/docs",
      health: "/healthz",
      ready: "/readyz",
    }));
  }
  return app;
};
