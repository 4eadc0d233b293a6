import { z } from "zod";
import type { RunEvent } from "../../sync/events.ts";
import {
  cancelRun,
  FINAL_RUN_STATUSES,
  getRun,
  listRuns,
  type SyncRun,
  startSyncRun,
} from "../../sync/runs.ts";
import { ApiError, notFound } from "../errors.ts";
import { ErrorBody, errors, IdParam, iso, MAX_PAGE } from "../schemas.ts";
import { openSse } from "../sse.ts";
import type { RegisterRoutes } from "../types.ts";

const RunWallet = z.object({
  walletId: z.number().int(),
  wallet: z.string(),
  state: z.enum(["queued", "active", "retrying", "completed", "failed", "cancelled"]),
  attempts: z.number().int(),
  error: z.string().nullable().describe("the last error of this wallet's sync (kept after retries)"),
  result: z
    .object({
      transactions: z.number(),
      movements: z.number(),
      rpcCalls: z.number(),
      cacheHits: z.number(),
      syncedTo: z.string().optional(),
    })
    .passthrough()
    .nullable(),
  updatedAt: z.string(),
});

export const Run = z
  .object({
    id: z.number().int(),
    trigger: z.string().describe("api, schedule, retry or cli"),
    status: z.enum(["queued", "running", "completed", "partial", "failed", "cancelled"]),
    retryOf: z.number().int().nullable(),
    error: z.string().nullable(),
    ledger: z.record(z.string(), z.unknown()).nullable().describe("the ledger rebuild's outcome"),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    wallets: z.array(RunWallet),
  })
  .meta({ id: "SyncRun" });

export const toRunBody = (r: SyncRun) => ({
  id: r.id,
  trigger: r.trigger,
  status: r.status as z.infer<typeof Run>["status"],
  retryOf: r.retryOf ?? null,
  error: r.error ?? null,
  ledger: (r.ledger as Record<string, unknown> | undefined) ?? null,
  createdAt: iso(r.createdAt)!,
  startedAt: iso(r.startedAt),
  finishedAt: iso(r.finishedAt),
  wallets: r.wallets.map((w) => ({
    walletId: w.walletId,
    wallet: w.wallet,
    state: w.state as z.infer<typeof RunWallet>["state"],
    attempts: w.attempts,
    error: w.error ?? null,
    result: (w.result as z.infer<typeof RunWallet>["result"]) ?? null,
    updatedAt: iso(w.updatedAt)!,
  })),
});

const isFinal = (status: string) => (FINAL_RUN_STATUSES as readonly string[]).includes(status);

export const registerSync: RegisterRoutes = (app, ctx) => {
  const db = ctx.database.db;

  app.post(
    "/sync",
    {
      schema: {
        tags: ["sync"],
        summary: "Start a sync of your wallets (all, or walletIds), then a ledger rebuild",
        description:
          "Queues one job per wallet and one ledger rebuild after all of them (a failed wallet does not block the others; it is reported). 409 when a sync of yours is already queued or running. Follow it with GET /v1/sync/runs/{id}/events.",
        body: z
          .object({ walletIds: z.array(z.number().int().positive()).max(500).optional() })
          .nullish()
          .describe("optional: walletIds to sync only those"),
        response: { 202: Run, 409: ErrorBody, ...errors },
      },
    },
    async (request, reply) => {
      const run = await startSyncRun({
        db,
        dispatcher: ctx.dispatcher,
        userId: request.userId,
        trigger: "api",
        walletIds: request.body?.walletIds,
      });
      reply.status(202);
      return toRunBody(run);
    },
  );

  app.get(
    "/sync/runs",
    {
      schema: {
        tags: ["sync"],
        summary: "Run history, newest first, with each wallet's outcome and error",
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(20),
          before: z.coerce
            .number()
            .int()
            .positive()
            .optional()
            .describe("a run id: older runs only (paging)"),
          trigger: z.enum(["api", "schedule", "retry", "cli"]).optional(),
        }),
        response: { 200: z.object({ runs: z.array(Run) }), ...errors },
      },
    },
    async (request) => ({
      runs: (await listRuns(db, request.userId, request.query)).map(toRunBody),
    }),
  );

  const owned = async (userId: number, id: number) => {
    const run = await getRun(db, userId, id);
    if (!run) throw notFound(`sync run ${id}`);
    return run;
  };

  app.get(
    "/sync/runs/:id",
    { schema: { tags: ["sync"], summary: "One run", params: IdParam, response: { 200: Run, ...errors } } },
    async (request) => toRunBody(await owned(request.userId, request.params.id)),
  );

  app.post(
    "/sync/runs/:id/retry",
    {
      schema: {
        tags: ["sync"],
        summary: "Retry the wallets that failed in a finished run (a new run)",
        params: IdParam,
        response: { 202: Run, 409: ErrorBody, ...errors },
      },
    },
    async (request, reply) => {
      const run = await owned(request.userId, request.params.id);
      if (!isFinal(run.status)) throw new ApiError(409, "sync_running", `run ${run.id} has not finished`);
      const failed = run.wallets.filter((w) => w.state !== "completed").map((w) => w.walletId);
      if (failed.length === 0 && run.status !== "failed")
        throw new ApiError(400, "invalid_input", `run ${run.id} has no failed wallet to retry`);
      const retry = await startSyncRun({
        db,
        dispatcher: ctx.dispatcher,
        userId: request.userId,
        trigger: "retry",
        walletIds: failed.length > 0 ? failed : run.wallets.map((w) => w.walletId),
        retryOf: run.id,
      });
      reply.status(202);
      return toRunBody(retry);
    },
  );

  app.post(
    "/sync/runs/:id/cancel",
    {
      schema: {
        tags: ["sync"],
        summary: "Cancel a queued or running run (jobs not started are removed; the ledger is not rebuilt)",
        params: IdParam,
        response: { 200: Run, 409: ErrorBody, ...errors },
      },
    },
    async (request) => {
      const run = await owned(request.userId, request.params.id);
      const done = await cancelRun({ db, dispatcher: ctx.dispatcher, userId: request.userId, runId: run.id });
      if (!done) throw new ApiError(409, "not_active", `run ${run.id} is ${run.status}`);
      return toRunBody((await getRun(db, request.userId, run.id))!);
    },
  );

  app.get(
    "/sync/runs/:id/events",
    {
      schema: {
        tags: ["sync"],
        summary: "Live progress of a run as server-sent events",
        description:
          "`text/event-stream`. First a `snapshot` event (the run as GET /v1/sync/runs/{id} returns it), then `wallet` events (state active/progress/retrying/completed/failed with done/total), `ledger` events, and a final `run` event with the outcome, after which the stream ends. A finished run sends its snapshot and ends.",
        params: IdParam,
        response: { 200: z.string().describe("text/event-stream"), ...errors },
      },
    },
    async (request, reply) => {
      const userId = request.userId;
      const run = await owned(userId, request.params.id);
      const pending: RunEvent[] = [];
      let live = false;
      let stream: ReturnType<typeof openSse> | undefined;
      const onEvent = (e: RunEvent) => {
        if (e.runId !== run.id) return;
        if (!live) {
          pending.push(e);
          return;
        }
        stream!.send(e.type, e);
        if (e.type === "run") stream!.end();
      };
      // Subscribe before reading the snapshot so nothing between the two is lost.
      const unsubscribe = isFinal(run.status) ? () => {} : await ctx.events.subscribe(userId, onEvent);
      stream = openSse(request, reply, unsubscribe);
      const snapshot = (await getRun(db, userId, run.id))!;
      stream.send("snapshot", toRunBody(snapshot));
      if (isFinal(snapshot.status)) {
        stream.send("run", {
          type: "run",
          runId: snapshot.id,
          status: snapshot.status,
          error: snapshot.error,
        });
        stream.end();
        return;
      }
      live = true;
      for (const e of pending.splice(0)) onEvent(e);
    },
  );
};
