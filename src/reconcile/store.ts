/**
 * Stored broker forms: imports (`form1099da_imports`) and their rows (`form1099da_rows`).
 *
 * Idempotent: a row whose broker, broker account and transaction (its `transaction_id`, else its
 * asset, date sold and units) match a stored row is a correction and replaces the stored rows of
 * that transaction, unless nothing in it changed, in which case nothing is written. Importing the
 * same file twice therefore stores nothing new.
 */
import { createHash } from "node:crypto";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { type BulkColumns, bulkInsert } from "../../db/bulk.ts";
import type { DbOrTx } from "../../db/client.ts";
import { copyCell, copyOutPglite, copyRows, sqlLiteral } from "../../db/copy.ts";
import {
  form1099daImports,
  form1099daRows,
  importAccounts,
  ledgerRows,
  wallets,
} from "../../db/schema/index.ts";
import { chunks } from "../utils/chunks.ts";
import type { FormCheckbox, FormFormat, FormRow, FormTerm, ParsedFormRow } from "./types.ts";

/** What identifies a reported transaction for corrections (see the module comment). */
export const transactionKeyOf = (r: ParsedFormRow): string =>
  r.transactionId !== undefined ? `tx:${r.transactionId}` : `${r.asset}|${r.dateSold}|${r.units}`;

/** Hash of what a row reports (not where it was read), to tell a correction from a re-import. */
export const fingerprintOf = (r: ParsedFormRow, accountWallet: string): string =>
  createHash("sha256")
    .update(
      JSON.stringify([
        accountWallet,
        r.broker,
        r.brokerAccount,
        r.checkbox ?? null,
        r.assetCode ?? null,
        r.assetName,
        r.asset,
        r.units,
        r.dateAcquired ?? null,
        r.dateSold,
        r.proceeds,
        r.costBasis ?? null,
        r.accruedMarketDiscount ?? null,
        r.washSaleDisallowed ?? null,
        r.basisReported,
        r.federalWithheld ?? null,
        r.term ?? null,
        r.noncovered,
        r.transferredInUnits ?? null,
        r.transferredInDate ?? null,
        r.transactionId ?? null,
      ]),
    )
    .digest("hex")
    .slice(0, 32);

/**
 * The ledger wallet names the user has: registered wallets (`<chain>:<address>`, or the label
 * of an exchange deposit address, which is how the ledger names that exchange account) and every
 * wallet the stored ledger mentions (imported exchange histories).
 */
export const knownAccountWallets = async (db: DbOrTx, userId: number): Promise<Set<string>> => {
  const out = new Set<string>();
  const ws = await db.select().from(wallets).where(eq(wallets.userId, userId));
  for (const w of ws) {
    out.add(`${w.chain}:${w.address}`);
    if (w.kind === "exchange" && w.label) out.add(w.label);
  }
  // Exchange accounts: declared (`lotwise wallets add coinbase:main`) or holding imports.
  const accounts = await db
    .select({ name: importAccounts.name })
    .from(importAccounts)
    .where(eq(importAccounts.userId, userId));
  for (const a of accounts) out.add(a.name);
  const used = await db.execute<{ wallet: string }>(
    sql`select distinct wallet from ${ledgerRows} where user_id = ${userId}
        union select distinct to_wallet from ${ledgerRows} where user_id = ${userId} and to_wallet is not null`,
  );
  for (const r of rowsOf<{ wallet: string }>(used)) out.add(r.wallet);
  return out;
};

/** `db.execute` returns `{ rows }` on both drivers. */
const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

export type ImportFormsArgs = {
  userId: number;
  /** The file name as given (kept for `FILE:LINE` in reports). */
  file: string;
  /** SHA-256 of the file's bytes, hex. */
  sha256: string;
  format: FormFormat;
  /** The ledger wallet of the account the file reports (must exist; see `knownAccountWallets`). */
  accountWallet: string;
  rows: readonly ParsedFormRow[];
};

export type ImportFormsResult = {
  /** The new import's id; undefined when nothing was stored (every row already stored as is). */
  importId: number | undefined;
  /** Rows written. */
  inserted: number;
  /** Stored rows removed because a row of this file corrects them. */
  replaced: number;
  /** Rows already stored exactly as in this file. */
  unchanged: number;
  /** Tax years the file's rows fall in. */
  taxYears: number[];
};

const ROW_COLUMNS: BulkColumns = {
  user_id: "integer",
  import_id: "integer",
  account_wallet: "text",
  broker: "text",
  broker_account: "text",
  tax_year: "integer",
  source_file: "text",
  source_line: "integer",
  transaction_id: "text",
  transaction_key: "text",
  fingerprint: "text",
  checkbox: "text",
  asset_code: "text",
  asset_name: "text",
  asset: "text",
  units: "numeric",
  date_acquired: "text",
  date_sold: "text",
  proceeds: "numeric",
  cost_basis: "numeric",
  accrued_market_discount: "numeric",
  wash_sale_disallowed: "numeric",
  basis_reported: "boolean",
  federal_withheld: "numeric",
  term: "text",
  noncovered: "boolean",
  transferred_in_units: "numeric",
  transferred_in_date: "text",
  raw: "jsonb",
};

const CHUNK = 1000;
const TABLE = "lotwise_app.form1099da_rows";
/** Keys per stored-row lookup (one array parameter). */
const LOOKUP_CHUNK = 10_000;

/**
 * Stores a parsed file's rows for `accountWallet`, replacing corrected transactions, in one
 * database transaction.
 */
export const importForms = async (db: DbOrTx, args: ImportFormsArgs): Promise<ImportFormsResult> => {
  const { userId, accountWallet } = args;
  const taxYears = [...new Set(args.rows.map((r) => Number(r.dateSold.slice(0, 4))))].sort();
  // Incoming rows per transaction.
  const groupKey = (broker: string, account: string, key: string) => `${broker}\u0000${account}\u0000${key}`;
  const incoming = new Map<string, { row: ParsedFormRow; fingerprint: string; key: string }[]>();
  for (const row of args.rows) {
    const key = transactionKeyOf(row);
    const g = groupKey(row.broker, row.brokerAccount, key);
    const list = incoming.get(g) ?? [];
    list.push({ row, key, fingerprint: fingerprintOf(row, accountWallet) });
    incoming.set(g, list);
  }
  return db.transaction(async (tx) => {
    // Stored rows of the incoming transactions only, looked up by key through the key index (a
    // file's cost does not grow with what other files stored before it).
    const keysOf = new Map<string, { broker: string; account: string; keys: Set<string> }>();
    for (const row of args.rows) {
      const pair = `${row.broker}\u0000${row.brokerAccount}`;
      let e = keysOf.get(pair);
      if (!e) {
        e = { broker: row.broker, account: row.brokerAccount, keys: new Set() };
        keysOf.set(pair, e);
      }
      e.keys.add(transactionKeyOf(row));
    }
    const stored = new Map<string, { id: number; fingerprint: string }[]>();
    for (const { broker, account, keys } of keysOf.values()) {
      for (const part of chunks([...keys], LOOKUP_CHUNK)) {
        // One index probe per key (the lateral join): without statistics (an embedded database
        // is never analyzed) the planner would scan every row of the user for an IN list.
        const rs = rowsOf<{ transaction_key: string; id: number; fingerprint: string }>(
          await tx.execute(
            sql`select k.key as transaction_key, r.id, r.fingerprint
                from unnest(${sql.param(part)}::text[]) as k(key)
                cross join lateral (
                  select s.id, s.fingerprint from ${form1099daRows} s
                  where s.user_id = ${userId} and s.broker = ${broker}
                    and s.broker_account = ${account} and s.transaction_key = k.key
                ) r`,
          ),
        );
        for (const r of rs) {
          const g = groupKey(broker, account, r.transaction_key);
          const list = stored.get(g) ?? [];
          list.push({ id: Number(r.id), fingerprint: r.fingerprint });
          stored.set(g, list);
        }
      }
    }
    const toDelete: number[] = [];
    const toInsert: { row: ParsedFormRow; fingerprint: string; key: string }[] = [];
    let unchanged = 0;
    for (const [g, rows] of incoming) {
      const old = stored.get(g) ?? [];
      const same =
        old.length === rows.length &&
        old
          .map((o) => o.fingerprint)
          .sort()
          .join() ===
          rows
            .map((r) => r.fingerprint)
            .sort()
            .join();
      if (same) {
        unchanged += rows.length;
        continue;
      }
      for (const o of old) toDelete.push(o.id);
      toInsert.push(...rows);
    }
    for (const part of chunks(toDelete, CHUNK))
      await tx.delete(form1099daRows).where(inArray(form1099daRows.id, part));
    let importId: number | undefined;
    if (toInsert.length > 0) {
      const [imp] = await tx
        .insert(form1099daImports)
        .values({ userId, file: args.file, sha256: args.sha256, format: args.format, accountWallet })
        .returning({ id: form1099daImports.id });
      importId = imp!.id;
      const id = importId;
      const record = ({ row: r, fingerprint, key }: (typeof toInsert)[number]) => ({
        user_id: userId,
        import_id: id,
        account_wallet: accountWallet,
        broker: r.broker,
        broker_account: r.brokerAccount,
        tax_year: Number(r.dateSold.slice(0, 4)),
        source_file: args.file,
        source_line: r.line,
        transaction_id: r.transactionId ?? null,
        transaction_key: key,
        fingerprint,
        checkbox: r.checkbox ?? null,
        asset_code: r.assetCode ?? null,
        asset_name: r.assetName,
        asset: r.asset,
        units: r.units,
        date_acquired: r.dateAcquired ?? null,
        date_sold: r.dateSold,
        proceeds: r.proceeds,
        cost_basis: r.costBasis ?? null,
        accrued_market_discount: r.accruedMarketDiscount ?? null,
        wash_sale_disallowed: r.washSaleDisallowed ?? null,
        basis_reported: r.basisReported,
        federal_withheld: r.federalWithheld ?? null,
        term: r.term ?? null,
        noncovered: r.noncovered,
        transferred_in_units: r.transferredInUnits ?? null,
        transferred_in_date: r.transferredInDate ?? null,
        raw: r.raw,
      });
      // Streamed: COPY text is built batch by batch from the parsed rows (no second copy of
      // every row as a record held at once).
      const stream = {
        *[Symbol.iterator]() {
          for (const x of toInsert) yield record(x);
        },
      };
      if (!(await copyRows(tx, TABLE, ROW_COLUMNS, stream)))
        await bulkInsert(tx, TABLE, ROW_COLUMNS, toInsert.map(record));
    }
    if (toDelete.length > 0) await dropEmptyImports(tx, userId);
    return { importId, inserted: toInsert.length, replaced: toDelete.length, unchanged, taxYears };
  });
};

/** Removes imports whose rows were all replaced or removed. */
const dropEmptyImports = async (db: DbOrTx, userId: number) => {
  await db.execute(
    sql`delete from ${form1099daImports} i where i.user_id = ${userId}
        and not exists (select 1 from ${form1099daRows} r where r.import_id = i.id)`,
  );
};

/** Separators of `loadFormRows`' text pages: no stored text holds a control character (parse rejects them). */
const FIELD = "\u001f";
const RECORD = "\u001e";

/** Columns `loadFormRows` reads, in order (numerics as text, exact). */
const FORM_ROW_COLUMNS = [
  "id",
  "import_id",
  "account_wallet",
  "source_file",
  "tax_year",
  "source_line",
  "broker",
  "broker_account",
  "checkbox",
  "asset_code",
  "asset_name",
  "asset",
  "units",
  "date_acquired",
  "date_sold",
  "proceeds",
  "cost_basis",
  "accrued_market_discount",
  "wash_sale_disallowed",
  "basis_reported",
  "federal_withheld",
  "term",
  "noncovered",
  "transferred_in_units",
  "transferred_in_date",
  "transaction_id",
];
const FORM_ROW_TEXT = sql.raw(`concat(${FORM_ROW_COLUMNS.join(", E'\\x1f', ")})`);

/** Rows per page of `loadFormRows`. */
const LOAD_PAGE = 20_000;

/**
 * Stored form rows, by import then line. `taxYear` and `accountWallet` narrow them; `raw` (the
 * cells as read) is loaded only with `withRaw` (reconciliation never needs it).
 * @dev Pages of `LOAD_PAGE` rows, each one text value (`string_agg`) split here: decoding
 * 100,000 rows × 26 columns cell by cell costs seconds on PGlite. An empty field is a null
 * (no stored text is empty).
 */
export const loadFormRows = async (
  db: DbOrTx,
  userId: number,
  filter: { taxYear?: number | undefined; accountWallet?: string | undefined; withRaw?: boolean } = {},
): Promise<FormRow[]> => {
  const where = [sql`user_id = ${userId}`];
  if (filter.taxYear !== undefined) where.push(sql`tax_year = ${filter.taxYear}`);
  if (filter.accountWallet !== undefined) where.push(sql`account_wallet = ${filter.accountWallet}`);
  const tuples: string[][] = [];
  let after = 0;
  // PGlite: the whole selection as one COPY text (nulls read as empty, as below).
  const copied = await copyOutPglite(
    db,
    `select ${FORM_ROW_COLUMNS.join(", ")} from lotwise_app.form1099da_rows where user_id = ${Number(userId)}${
      filter.taxYear !== undefined ? ` and tax_year = ${Number(filter.taxYear)}` : ""
    }${filter.accountWallet !== undefined ? ` and account_wallet = ${sqlLiteral(filter.accountWallet)}` : ""}`,
  );
  if (copied) {
    for (const cells of copied) {
      for (let i = 0; i < cells.length; i++)
        if (cells[i]!.includes("\\")) cells[i] = copyCell(cells[i]!) ?? "";
      tuples.push(cells);
    }
  }
  for (; !copied; ) {
    const result = rowsOf<{ rows: string | null }>(
      await db.execute(
        sql`select string_agg(${FORM_ROW_TEXT}, E'\x1e' order by id) as rows from (select * from ${form1099daRows}
            where ${sql.join([...where, sql`id > ${after}`], sql` and `)} order by id limit ${LOAD_PAGE}) page`,
      ),
    );
    const text = result[0]?.rows;
    if (text === null || text === undefined || text === "") break;
    const records = text.split(RECORD);
    for (const r of records) tuples.push(r.split(FIELD));
    if (records.length < LOAD_PAGE) break;
    after = Number(tuples[tuples.length - 1]![0]);
  }
  const n = (v: string) => Number(v);
  tuples.sort((a, b) => n(a[1]!) - n(b[1]!) || n(a[5]!) - n(b[5]!) || n(a[0]!) - n(b[0]!));
  let raws: Map<number, Record<string, string>> | undefined;
  if (filter.withRaw) {
    const rs = await db
      .select({ id: form1099daRows.id, raw: form1099daRows.raw })
      .from(form1099daRows)
      .where(eq(form1099daRows.userId, userId));
    raws = new Map(rs.map((r) => [r.id, r.raw as Record<string, string>]));
  }
  const opt = (v: string | undefined) => (v === undefined || v === "" ? undefined : v);
  const bool = (v: string | undefined) => v === "true" || v === "t";
  return tuples.map((t) => ({
    id: Number(t[0]),
    importId: Number(t[1]),
    accountWallet: t[2]!,
    sourceFile: t[3]!,
    taxYear: Number(t[4]),
    line: Number(t[5]),
    broker: t[6]!,
    brokerAccount: t[7]!,
    checkbox: opt(t[8]) as FormCheckbox | undefined,
    assetCode: opt(t[9]),
    assetName: t[10]!,
    asset: t[11]!,
    units: t[12]!,
    dateAcquired: opt(t[13]),
    dateSold: t[14]!,
    proceeds: t[15]!,
    costBasis: opt(t[16]),
    accruedMarketDiscount: opt(t[17]),
    washSaleDisallowed: opt(t[18]),
    basisReported: bool(t[19]),
    federalWithheld: opt(t[20]),
    term: opt(t[21]) as FormTerm | undefined,
    noncovered: bool(t[22]),
    transferredInUnits: opt(t[23]),
    transferredInDate: opt(t[24]),
    transactionId: opt(t[25]),
    raw: raws?.get(Number(t[0])) ?? {},
  }));
};

/** Tax years with at least one stored form row. */
export const formTaxYears = async (db: DbOrTx, userId: number): Promise<number[]> => {
  const rs = await db
    .selectDistinct({ year: form1099daRows.taxYear })
    .from(form1099daRows)
    .where(eq(form1099daRows.userId, userId));
  return rs.map((r) => r.year).sort((a, b) => a - b);
};

/** One import as `lotwise forms list` shows it. */
export type FormImportSummary = {
  id: number;
  file: string;
  format: FormFormat;
  accountWallet: string;
  createdAt: Date;
  rows: number;
  brokers: string[];
  brokerAccounts: string[];
  taxYears: number[];
};

/** Every import of the user with its row count, brokers and years. */
export const listFormImports = async (db: DbOrTx, userId: number): Promise<FormImportSummary[]> => {
  const imports = await db
    .select()
    .from(form1099daImports)
    .where(eq(form1099daImports.userId, userId))
    .orderBy(asc(form1099daImports.id));
  const stats = rowsOf<{
    import_id: number;
    n: number;
    brokers: string[];
    accounts: string[];
    years: number[];
  }>(
    await db.execute(
      sql`select import_id, count(*)::int as n, array_agg(distinct broker) as brokers,
          array_agg(distinct broker_account) as accounts, array_agg(distinct tax_year) as years
          from ${form1099daRows} where user_id = ${userId} group by import_id`,
    ),
  );
  const byImport = new Map(stats.map((s) => [Number(s.import_id), s]));
  return imports.map((i) => {
    const s = byImport.get(i.id);
    return {
      id: i.id,
      file: i.file,
      format: i.format as FormFormat,
      accountWallet: i.accountWallet,
      createdAt: i.createdAt,
      rows: s ? Number(s.n) : 0,
      brokers: s ? [...s.brokers].sort() : [],
      brokerAccounts: s ? [...s.accounts].sort() : [],
      taxYears: s ? [...s.years].map(Number).sort((a, b) => a - b) : [],
    };
  });
};

/** What `removeForms` removes: every given filter must hold (at least one is required). */
export type RemoveFormsFilter = {
  importId?: number | undefined;
  accountWallet?: string | undefined;
  broker?: string | undefined;
  brokerAccount?: string | undefined;
  rowIds?: readonly number[] | undefined;
};

/**
 * Removes stored form rows (and imports left empty).
 * @returns the number of rows removed.
 */
export const removeForms = async (db: DbOrTx, userId: number, filter: RemoveFormsFilter): Promise<number> => {
  const conds = [eq(form1099daRows.userId, userId)];
  if (filter.importId !== undefined) conds.push(eq(form1099daRows.importId, filter.importId));
  if (filter.accountWallet !== undefined) conds.push(eq(form1099daRows.accountWallet, filter.accountWallet));
  if (filter.broker !== undefined) conds.push(eq(form1099daRows.broker, filter.broker));
  if (filter.brokerAccount !== undefined) conds.push(eq(form1099daRows.brokerAccount, filter.brokerAccount));
  if (filter.rowIds !== undefined) conds.push(inArray(form1099daRows.id, [...filter.rowIds]));
  if (conds.length === 1) throw new Error("removeForms needs at least one filter");
  return db.transaction(async (tx) => {
    const gone = await tx
      .delete(form1099daRows)
      .where(and(...conds))
      .returning({ id: form1099daRows.id });
    await dropEmptyImports(tx, userId);
    return gone.length;
  });
};
