/**
 * Exchange and tool exports (`lotwise import` over HTTP): upload a Coinbase, Kraken, Gemini,
 * Robinhood, Koinly or CoinTracker export (or ledger CSV v1) into an exchange account, list the
 * accounts, remove one. The CLI's own code reads and stores the rows; the ledger is rebuilt after.
 */
import { z } from "zod";
import { matchingWindowHours } from "../../classify/settings.ts";
import { listAccounts, removeAccount } from "../../imports/accounts.ts";
import { FORMAT_NAMES } from "../../imports/registry.ts";
import { importText } from "../../imports/run.ts";
import { notFound } from "../errors.ts";
import { queueRebuild } from "../rebuild.ts";
import { errors, FileName } from "../schemas.ts";
import type { RegisterRoutes } from "../types.ts";

/** An account name as `lotwise import --account` takes it: `coinbase:main`, or `main` (the format's family then prefixes it). */
const Account = z
  .string()
  .regex(
    /^[\w.-]{1,64}(:[\w.-]{1,64})?$/,
    "an account such as coinbase:main (letters, digits, '.', '_', '-')",
  );

export const registerImports: RegisterRoutes = (app, ctx) => {
  const db = ctx.database.db;
  const windowHours = matchingWindowHours(ctx.common.config.classify);

  app.get(
    "/imports",
    {
      schema: {
        tags: ["imports"],
        summary: "Your exchange accounts and how many exported rows each holds",
        response: {
          200: z.object({
            accounts: z.array(z.object({ name: z.string(), family: z.string(), rows: z.number().int() })),
          }),
          ...errors,
        },
      },
    },
    async (request) => ({ accounts: await listAccounts(db, request.userId) }),
  );

  app.put(
    "/imports/:account",
    {
      schema: {
        tags: ["imports"],
        summary: "Import an exchange's or tax tool's export into an exchange account (as lotwise import)",
        description:
          "The body is the export's CSV text (content-type text/csv). The same file twice, or an overlapping later export, adds nothing twice; an edited export replaces what changed. A bad row is 400 `FILE:LINE: column: problem` and stores nothing from the file.",
        params: z.object({ account: Account }),
        querystring: z.object({
          format: z
            .enum(["auto", ...FORMAT_NAMES])
            .default("auto")
            .describe("the export's format; auto detects it from the header"),
          file: FileName.default("upload.csv").describe("the file's name, cited in errors and price sources"),
        }),
        body: z.string().min(1).describe("the export's CSV text"),
        response: {
          200: z.object({
            account: z.string(),
            format: z.string(),
            label: z.string(),
            detected: z.boolean(),
            rows: z.number().int(),
            added: z.number().int(),
            replaced: z.number().int(),
            unchanged: z.number().int(),
            removed: z.number().int(),
            rebuild: z.object({ jobId: z.string() }),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const r = await importText(db, {
        userId: request.userId,
        text: request.body,
        file: request.query.file,
        account: request.params.account,
        format: request.query.format,
        windowHours,
      });
      return { ...r, rebuild: { jobId: await queueRebuild(ctx, request.userId) } };
    },
  );

  app.delete(
    "/imports/:account",
    {
      schema: {
        tags: ["imports"],
        summary: "Remove an exchange account and every row imported into it",
        params: z.object({ account: Account }),
        response: {
          200: z.object({ removed: z.number().int(), rebuild: z.object({ jobId: z.string() }) }),
          ...errors,
        },
      },
    },
    async (request) => {
      // Another user's account, or none: 404, as every foreign id.
      const accounts = await listAccounts(db, request.userId);
      if (!accounts.some((a) => a.name === request.params.account))
        throw notFound(`account ${request.params.account}`);
      const removed = await removeAccount(db, {
        userId: request.userId,
        name: request.params.account,
        windowHours,
      });
      return { removed, rebuild: { jobId: await queueRebuild(ctx, request.userId) } };
    },
  );
};
