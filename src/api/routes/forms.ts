import "@fastify/multipart";
import { z } from "zod";
import {
  type FormImportSummary,
  type FormRow,
  importFormBytes,
  listFormImports,
  loadFormRows,
  normalizeAccountWallet,
  removeForms,
} from "../../reconcile/index.ts";
import { ApiError, notFound } from "../errors.ts";
import { errors, FileName, IdParam, iso, MAX_PAGE } from "../schemas.ts";
import type { RegisterRoutes } from "../types.ts";

/** A stored Form 1099-DA import (one uploaded file for one account wallet). */
const FormImport = z
  .object({
    id: z.number().int(),
    file: z.string().describe("the file name given on upload (form lines are FILE:LINE)"),
    format: z.string().describe("1099da or coinbase-gainloss"),
    accountWallet: z.string().describe("the ledger wallet of the account the form reports"),
    createdAt: z.string(),
    rows: z.number().int(),
    brokers: z.array(z.string()),
    brokerAccounts: z.array(z.string()),
    taxYears: z.array(z.number().int()),
  })
  .meta({ id: "FormImport" });

const toImport = (i: FormImportSummary): z.infer<typeof FormImport> => ({
  ...i,
  createdAt: iso(i.createdAt)!,
});

const Opt = z.string().nullable();

/** One stored form row (a Form 1099-DA transaction), amounts as on the form. */
const FormRowBody = z
  .object({
    id: z.number().int(),
    importId: z.number().int(),
    line: z.string().describe("FILE:LINE of the row in its upload"),
    taxYear: z.number().int(),
    accountWallet: z.string(),
    broker: z.string(),
    brokerAccount: z.string(),
    checkbox: Opt.describe('G, H, J, K or Y: the "Applicable checkbox on Form 8949" (X is read as Y)'),
    asset: z.string().describe("the ledger asset id the form's asset resolves to"),
    assetName: z.string(),
    units: z.string(),
    dateAcquired: Opt,
    dateSold: z.string(),
    proceeds: z.string(),
    costBasis: Opt.describe("null when the broker does not report basis"),
    washSaleDisallowed: Opt,
    basisReported: z.boolean(),
    term: Opt.describe("short, long or ordinary"),
    noncovered: z.boolean(),
    transactionId: Opt,
  })
  .meta({ id: "FormRow" });

const toRow = (r: FormRow): z.infer<typeof FormRowBody> => ({
  id: r.id,
  importId: r.importId,
  line: `${r.sourceFile}:${r.line}`,
  taxYear: r.taxYear,
  accountWallet: r.accountWallet,
  broker: r.broker,
  brokerAccount: r.brokerAccount,
  checkbox: r.checkbox ?? null,
  asset: r.asset,
  assetName: r.assetName,
  units: r.units,
  dateAcquired: r.dateAcquired ?? null,
  dateSold: r.dateSold,
  proceeds: r.proceeds,
  costBasis: r.costBasis ?? null,
  washSaleDisallowed: r.washSaleDisallowed ?? null,
  basisReported: r.basisReported,
  term: r.term ?? null,
  noncovered: r.noncovered,
  transactionId: r.transactionId ?? null,
});

const FORMATS = ["auto", "1099da", "coinbase-gainloss"] as const;

const ImportQuery = z.object({
  account: z
    .string()
    .min(1)
    .max(200)
    .describe("the ledger wallet of the account the form reports, e.g. coinbase:main or ethereum:0x…"),
  format: z.enum(FORMATS).default("auto"),
  file: FileName.optional().describe(
    "the name kept for FILE:LINE in errors and explanations (default: the uploaded file's name, or form.csv)",
  ),
});

/** Reads a multipart upload: its one file part, plus `account`/`format`/`file` fields. */
const readMultipart = async (
  request: import("fastify").FastifyRequest,
): Promise<{ bytes: Buffer; fileName: string | undefined; fields: Record<string, string> }> => {
  const fields: Record<string, string> = {};
  let bytes: Buffer | undefined;
  let fileName: string | undefined;
  for await (const part of request.parts()) {
    if (part.type === "file") {
      if (bytes !== undefined) throw new ApiError(400, "invalid_request", "upload one file per request");
      bytes = await part.toBuffer();
      fileName = part.filename || undefined;
    } else if (typeof part.value === "string") fields[part.fieldname] = part.value;
  }
  if (bytes === undefined)
    throw new ApiError(400, "invalid_request", "multipart body: no file part (send the CSV as a file field)");
  return { bytes, fileName, fields };
};

export const registerForms: RegisterRoutes = (app, ctx) => {
  const db = ctx.database.db;
  const nativeSymbols = ctx.common.config.nativeSymbols;

  app.post(
    "/forms/imports",
    {
      schema: {
        tags: ["forms"],
        summary: "Import a broker's Form 1099-DA CSV (or Coinbase's gain/loss CSV) for an account wallet",
        description:
          "The body is the CSV as `text/csv`, or `multipart/form-data` with one file part (fields `account`, `format`, `file` may come as form fields instead of the query). Nothing is stored when any row has a problem: the error lists each `FILE:LINE: column: problem`. Rows already stored are kept; a corrected form replaces the rows it corrects. Your gains and reports then route the year's rows to boxes G–L.",
        querystring: ImportQuery.partial({ account: true }),
        body: z.string().nullish().describe("the CSV text (text/csv), or a multipart/form-data upload"),
        response: {
          201: z.object({
            importId: z.number().int().nullable().describe("null when every row was already stored"),
            file: z.string(),
            format: z.string(),
            accountWallet: z.string(),
            rows: z.number().int(),
            inserted: z.number().int(),
            replaced: z.number().int(),
            unchanged: z.number().int(),
            taxYears: z.array(z.number().int()),
          }),
          ...errors,
          413: errors[400],
        },
      },
    },
    async (request, reply) => {
      let bytes: Buffer;
      let uploaded: string | undefined;
      let q: Record<string, unknown> = { ...request.query };
      if (request.isMultipart()) {
        const m = await readMultipart(request);
        bytes = m.bytes;
        uploaded = m.fileName;
        q = { ...m.fields, ...Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) };
      } else {
        if (typeof request.body !== "string" || request.body.length === 0)
          throw new ApiError(400, "invalid_request", "body: send the form's CSV as text/csv (or multipart)");
        bytes = Buffer.from(request.body, "utf8");
      }
      const parsed = ImportQuery.safeParse(q);
      if (!parsed.success)
        throw new ApiError(
          400,
          "invalid_request",
          parsed.error.issues.map((i) => `query.${i.path.join(".")}: ${i.message}`).join("; "),
        );
      const file =
        parsed.data.file ?? (uploaded && FileName.safeParse(uploaded).success ? uploaded : "form.csv");
      const r = await importFormBytes({
        db,
        userId: request.userId,
        file,
        bytes,
        account: parsed.data.account,
        format: parsed.data.format,
        identity: ctx.identity,
        nativeSymbols,
        names: "api",
      });
      reply.status(201);
      return {
        importId: r.importId ?? null,
        file,
        format: r.format,
        accountWallet: r.accountWallet,
        rows: r.rows,
        inserted: r.inserted,
        replaced: r.replaced,
        unchanged: r.unchanged,
        taxYears: r.taxYears,
      };
    },
  );

  app.get(
    "/forms/imports",
    {
      schema: {
        tags: ["forms"],
        summary: "Your imported forms, by import (file, account, brokers, tax years, rows)",
        response: { 200: z.object({ imports: z.array(FormImport) }), ...errors },
      },
    },
    async (request) => ({ imports: (await listFormImports(db, request.userId)).map(toImport) }),
  );

  app.get(
    "/forms/rows",
    {
      schema: {
        tags: ["forms"],
        summary: "Your stored form rows, a page at a time",
        querystring: z.object({
          year: z.coerce.number().int().min(2009).max(2100).optional(),
          account: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
          offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
        }),
        response: { 200: z.object({ rows: z.array(FormRowBody), total: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const { year, account, limit, offset } = request.query;
      const rows = await loadFormRows(db, request.userId, {
        taxYear: year,
        accountWallet: account === undefined ? undefined : normalizeAccountWallet(account, nativeSymbols),
      });
      return { rows: rows.slice(offset, offset + limit).map(toRow), total: rows.length };
    },
  );

  app.delete(
    "/forms/imports/:id",
    {
      schema: {
        tags: ["forms"],
        summary: "Remove an import (every row it stored)",
        params: IdParam,
        response: { 200: z.object({ removed: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const removed = await removeForms(db, request.userId, { importId: request.params.id });
      if (removed === 0) throw notFound(`form import ${request.params.id}`);
      return { removed };
    },
  );

  app.delete(
    "/forms/rows/:id",
    {
      schema: {
        tags: ["forms"],
        summary: "Remove one form row",
        params: IdParam,
        response: { 200: z.object({ removed: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const removed = await removeForms(db, request.userId, { rowIds: [request.params.id] });
      if (removed === 0) throw notFound(`form row ${request.params.id}`);
      return { removed };
    },
  );

  app.delete(
    "/forms",
    {
      schema: {
        tags: ["forms"],
        summary: "Remove form rows by account wallet, broker or broker account",
        querystring: z
          .object({
            account: z.string().min(1).max(200).optional(),
            broker: z.string().min(1).max(200).optional(),
            brokerAccount: z.string().min(1).max(200).optional(),
          })
          .refine(
            (q) => Object.values(q).some((v) => v !== undefined),
            "give account, broker or brokerAccount",
          ),
        response: { 200: z.object({ removed: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const { account, broker, brokerAccount } = request.query;
      const removed = await removeForms(db, request.userId, {
        accountWallet: account === undefined ? undefined : normalizeAccountWallet(account, nativeSymbols),
        broker,
        brokerAccount,
      });
      if (removed === 0) throw notFound("form rows matching that");
      return { removed };
    },
  );
};
