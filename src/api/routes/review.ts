import { z } from "zod";
import { matchingWindowHours } from "../../classify/settings.ts";
import {
  addRule,
  type Decision,
  decideTransaction,
  linkTransactions,
  listDecisions,
  listReviewItems,
  REVIEW_ACTIONS,
  removeDecision,
} from "../../review/decisions.ts";
import { queueRebuild } from "../rebuild.ts";
import { errors, IdParam, iso, MAX_PAGE } from "../schemas.ts";
import type { RegisterRoutes } from "../types.ts";

const Action = z.object({
  as: z.enum(REVIEW_ACTIONS).describe("spend, sell, gift, income, transfer (needs to), ignore, spam"),
  to: z
    .string()
    .max(200)
    .optional()
    .describe("for transfer: the account of yours it went to / came from, e.g. coinbase:main"),
  subtype: z.string().max(64).optional().describe("ledger subtype, e.g. airdrop, staking, payment"),
  note: z.string().max(1000).optional(),
});

const Match = z.object({
  counterparty: z.string().max(100).optional(),
  asset: z.string().max(200).optional(),
  chain: z.string().max(40).optional(),
  direction: z.enum(["in", "out"]).optional(),
});

const Pair = z.tuple([z.string(), z.string()]);

const DecisionBody = z
  .object({
    id: z.number().int(),
    tx: z.string().nullable().describe("<chain>:<hash> for a per-transaction decision"),
    rule: Match.nullable().describe("the matcher, for a rule"),
    link: Pair.nullable().describe("the two transactions a link (or unlink) decision pairs"),
    action: Action.extend({
      as: z.enum([...REVIEW_ACTIONS, "link", "unlink"]).describe("what was decided; link/unlink for pairs"),
    }),
    createdAt: z.string(),
  })
  .meta({ id: "Decision" });

const toDecision = (d: Decision) => {
  const rule = d.rule as (Decision["rule"] & { link?: string[]; unlink?: string[] }) | undefined;
  const pair = rule?.link ?? rule?.unlink;
  return {
    id: d.id,
    tx: d.tx ? `${d.chain}:${d.tx}` : null,
    rule: rule && !pair ? rule : null,
    link: pair ? ([pair[0]!, pair[1]!] as [string, string]) : null,
    action: {
      as: d.action.as as z.infer<typeof DecisionBody>["action"]["as"],
      to: d.action.to,
      subtype: d.action.subtype,
      note: d.action.note ?? (d.note || undefined),
    },
    createdAt: iso(d.createdAt)!,
  };
};

const Rebuild = z.object({ jobId: z.string().describe("the ledger rebuild this change queued") });

export const registerReview: RegisterRoutes = (app, ctx) => {
  const db = ctx.database.db;
  const windowHours = matchingWindowHours(ctx.common.config.classify);
  const of = (userId: number) => ({ db, userId, windowHours });

  app.get(
    "/review/items",
    {
      schema: {
        tags: ["review"],
        summary: "The review queue: what lotwise was unsure about",
        querystring: z.object({
          status: z.enum(["open", "resolved", "all"]).default("open"),
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                tx: z.string().describe("<chain>:<hash>, what decisions take"),
                chain: z.string(),
                reason: z
                  .string()
                  .describe("unmatched_outflow, unmatched_inflow, missing_price, unknown_contract, …"),
                message: z.string(),
                status: z.string(),
                createdAt: z.string(),
              }),
            ),
            total: z.number().int(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const r = await listReviewItems(db, request.userId, request.query);
      return {
        items: r.items.map((i) => ({ ...i, tx: `${i.chain}:${i.tx}`, createdAt: iso(i.createdAt)! })),
        total: r.total,
      };
    },
  );

  app.get(
    "/review/decisions",
    {
      schema: {
        tags: ["review"],
        summary: "Your decisions: per transaction and rules",
        response: { 200: z.object({ decisions: z.array(DecisionBody) }), ...errors },
      },
    },
    async (request) => ({ decisions: (await listDecisions(db, request.userId)).map(toDecision) }),
  );

  app.post(
    "/review/decisions",
    {
      schema: {
        tags: ["review"],
        summary: "Decide one transaction (replaces an earlier decision on it); the ledger is rebuilt",
        body: Action.extend({ tx: z.string().min(1).max(200).describe("<chain>:<hash> or a bare hash") }),
        response: { 201: z.object({ decision: DecisionBody, rebuild: Rebuild }), ...errors },
      },
    },
    async (request, reply) => {
      const { tx, ...action } = request.body;
      const decision = await decideTransaction(of(request.userId), { tx, action });
      reply.status(201);
      return { decision: toDecision(decision), rebuild: { jobId: await queueRebuild(ctx, request.userId) } };
    },
  );

  app.post(
    "/review/rules",
    {
      schema: {
        tags: ["review"],
        summary: "Decide every matching unmatched movement, now and in future syncs",
        body: z.object({ match: Match, action: Action }),
        response: { 201: z.object({ decision: DecisionBody, rebuild: Rebuild }), ...errors },
      },
    },
    async (request, reply) => {
      const decision = await addRule(of(request.userId), request.body);
      reply.status(201);
      return { decision: toDecision(decision), rebuild: { jobId: await queueRebuild(ctx, request.userId) } };
    },
  );

  app.delete(
    "/review/decisions/:id",
    {
      schema: {
        tags: ["review"],
        summary: "Remove a decision or rule; the ledger is rebuilt",
        params: IdParam,
        response: { 200: z.object({ rebuild: Rebuild }), ...errors },
      },
    },
    async (request) => {
      await removeDecision(of(request.userId), request.params.id);
      return { rebuild: { jobId: await queueRebuild(ctx, request.userId) } };
    },
  );

  for (const unlink of [false, true]) {
    app.post(
      unlink ? "/review/unlinks" : "/review/links",
      {
        schema: {
          tags: ["review"],
          summary: unlink
            ? "Forbid pairing two transactions' halves (as `lotwise review unlink A B`); the ledger is rebuilt"
            : "Pair two transactions' halves as one transfer (as `lotwise review link A B`); the ledger is rebuilt",
          description:
            "Each side is `<chain>:<hash>`, a bare hash or an imported ledger row id. The newest link or unlink of the same two replaces earlier ones; remove it with DELETE /review/decisions/{id}.",
          body: z.object({ a: z.string().min(1).max(200), b: z.string().min(1).max(200) }),
          response: { 201: z.object({ decision: DecisionBody, rebuild: Rebuild }), ...errors },
        },
      },
      async (request, reply) => {
        const decision = await linkTransactions(of(request.userId), { ...request.body, unlink });
        reply.status(201);
        return {
          decision: toDecision(decision),
          rebuild: { jobId: await queueRebuild(ctx, request.userId) },
        };
      },
    );
  }
};
