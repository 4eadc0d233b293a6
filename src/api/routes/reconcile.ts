import { z } from "zod";
import { readStoredLedger, storedLedgerWarnings } from "../../books/stored-ledger.ts";
import {
  type Discrepancy,
  formatDiscrepanciesCsv,
  formatReconciledForm8949,
  loadFormRows,
  RECONCILE_CLASSES,
  type ReconcileRun,
  reconcile,
  reconciliationJson,
} from "../../reconcile/index.ts";
import { formatCents } from "../../tax/money.ts";
import { METHODS, SCOPES } from "../../tax/types.ts";
import { sendCsv } from "../csv.ts";
import { notFound } from "../errors.ts";
import { errors, MAX_PAGE } from "../schemas.ts";
import type { RegisterRoutes } from "../types.ts";
import { createVersionedCache } from "../versioned-cache.ts";
import { Form8949, form8949Json } from "./gains.ts";

const ReconcileQuery = z.object({
  year: z.coerce.number().int().min(2009).max(2100),
  method: z.enum(METHODS as ["fifo", "lifo", "hifo"]).default("fifo"),
  scope: z.enum(SCOPES as ["transition", "universal", "wallet"]).default("transition"),
});

const Cents = z.string().nullable().describe("USD with two decimals; null when not reported");

const DiscrepancyBody = z
  .object({
    class: z.enum(RECONCILE_CLASSES),
    broker: z.string(),
    account: z.string().describe("broker account number(s)"),
    accountWallet: z.string(),
    formLine: z.string().describe("FILE:LINE of the form row; empty for ledger_only"),
    formRowId: z.number().int().nullable(),
    ledgerIds: z.array(z.string()),
    asset: z.string(),
    dateSold: z.string(),
    unitsForm: z.string(),
    unitsLedger: z.string(),
    proceedsForm: Cents,
    proceedsLedger: Cents,
    basisForm: Cents,
    basisLedger: Cents,
    termForm: z.string(),
    termLedger: z.string(),
    adjustmentCodes: z.string().describe("Form 8949 column (f) codes"),
    adjustment: Cents.describe("Form 8949 column (g)"),
    explanation: z.string().describe("why the row is in its class, for people"),
  })
  .meta({ id: "Discrepancy" });

const c = (v: bigint | undefined) => (v === undefined ? null : formatCents(v));
const toDiscrepancy = (d: Discrepancy): z.infer<typeof DiscrepancyBody> => ({
  class: d.class,
  broker: d.broker,
  account: d.account,
  accountWallet: d.accountWallet,
  formLine: d.formLine,
  formRowId: d.formRowId ?? null,
  ledgerIds: d.ledgerIds,
  asset: d.asset,
  dateSold: d.dateSold,
  unitsForm: d.unitsForm,
  unitsLedger: d.unitsLedger,
  proceedsForm: c(d.proceedsForm),
  proceedsLedger: c(d.proceedsLedger),
  basisForm: c(d.basisForm),
  basisLedger: c(d.basisLedger),
  termForm: d.termForm,
  termLedger: d.termLedger,
  adjustmentCodes: d.adjustmentCodes,
  adjustment: c(d.adjustment),
  explanation: d.explanation,
});

export const registerReconcile: RegisterRoutes = (app, ctx) => {
  const db = ctx.database.db;
  const cache = createVersionedCache<ReconcileRun>({ db, maxEntries: 32 });

  /** `lotwise reconcile` on the stored ledger (as the last rebuild left it), cached per ledger version. */
  const run = async (userId: number, q: z.infer<typeof ReconcileQuery>) =>
    (
      await cache.get(userId, `${q.year}/${q.method}/${q.scope}`, async () => {
        const forms = await loadFormRows(db, userId, { taxYear: q.year });
        if (forms.length === 0)
          throw notFound(
            `Form 1099-DA rows for ${q.year}: import your broker's form first (POST /v1/forms/imports)`,
          );
        const stored = await readStoredLedger(db, userId);
        const r = await reconcile({
          db,
          userId,
          year: q.year,
          method: q.method,
          scope: q.scope,
          forms,
          ledger: { kind: "rows", rows: stored.rows },
          displaySymbol: (a) => ctx.identity.displaySymbol(a),
        });
        r.warnings.push(...storedLedgerWarnings(stored.notes, q.year));
        return r;
      })
    ).value;

  app.get(
    "/reconcile",
    {
      schema: {
        tags: ["forms"],
        summary: "Reconcile a tax year's Forms 1099-DA with your books (as `lotwise reconcile`)",
        description:
          "`reconciliation` is reconciliation.json (classes with totals, Schedule D lines, notes, warnings); `discrepancies` a page of discrepancies.csv's rows (every form row and every unreported disposal, with its class and explanation), filtered by `class`. Computed on the stored ledger, cached until the ledger or the forms change.",
        querystring: ReconcileQuery.extend({
          class: z.enum(RECONCILE_CLASSES).optional(),
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
          offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
        }),
        response: {
          200: z.object({
            reconciliation: z.record(z.string(), z.unknown()).describe("reconciliation.json"),
            discrepancies: z.array(DiscrepancyBody),
            total: z.number().int().describe("discrepancies matching `class`"),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { class: cls, limit, offset, ...q } = request.query;
      const r = await run(request.userId, q);
      const list = cls ? r.discrepancies.filter((d) => d.class === cls) : r.discrepancies;
      return {
        reconciliation: reconciliationJson(r),
        discrepancies: list.slice(offset, offset + limit).map(toDiscrepancy),
        total: list.length,
      };
    },
  );

  app.get(
    "/reconcile/form8949",
    {
      schema: {
        tags: ["forms"],
        summary: "The reconciled Form 8949 rows (boxes G–L, codes B/E/T/W), a page at a time",
        querystring: ReconcileQuery.extend({
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
          offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
        }),
        response: { 200: z.object({ rows: z.array(Form8949), total: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const { limit, offset, ...q } = request.query;
      const r = await run(request.userId, q);
      return { rows: r.form8949.slice(offset, offset + limit).map(form8949Json), total: r.form8949.length };
    },
  );

  for (const file of ["form8949.csv", "discrepancies.csv"] as const) {
    app.get(
      `/reconcile/${file}`,
      {
        schema: {
          tags: ["forms"],
          summary: `Download the reconciliation's ${file} (as \`lotwise reconcile\` writes it)`,
          querystring: ReconcileQuery,
          response: { 200: z.string().describe("text/csv"), ...errors },
        },
      },
      async (request, reply) => {
        const r = await run(request.userId, request.query);
        const text =
          file === "form8949.csv" ? formatReconciledForm8949(r) : formatDiscrepanciesCsv(r.discrepancies);
        return sendCsv(reply, `reconciled-${request.query.year}-${file}`, text);
      },
    );
  }
};
