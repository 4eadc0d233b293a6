import { and, asc, eq, gt, gte, lt, or, type SQL, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { ledgerRows, ledgerVersions } from "../../db/schema/index.ts";
import { UserInputError } from "../errors.ts";
import type { LedgerRow } from "../ledger/types.ts";

/**
 * Reading the stored ledger a page at a time, in ledger order (time, seq, id), with keyset paging:
 * a page costs the same however deep it is (index `ledger_rows_user_time_idx`).
 */

export type LedgerFilter = {
  /** Rows of this wallet, as source or destination (`<chain>:<address>` or an account label). */
  wallet?: string | undefined;
  /** Rows moving this asset (out, in or fee). */
  asset?: string | undefined;
  type?: string | undefined;
  /** Instants: `from` inclusive, `to` exclusive. */
  from?: Date | undefined;
  to?: Date | undefined;
  /** Only rows with warnings (e.g. a missing price). */
  warnings?: boolean | undefined;
  /** `chain` or `import:<name>`. */
  origin?: string | undefined;
};

export type StoredLedgerRow = LedgerRow & {
  warnings: string[];
  priceSources: Record<string, string>;
  origin: string;
};

export type LedgerPage = { rows: StoredLedgerRow[]; nextCursor: string | undefined };

type Cursor = { time: Date; seq: number; id: string };

const encodeCursor = (c: Cursor): string =>
  Buffer.from(JSON.stringify([c.time.toISOString(), c.seq, c.id])).toString("base64url");

const decodeCursor = (text: string): Cursor => {
  try {
    const [time, seq, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as [
      string,
      number,
      string,
    ];
    const t = new Date(time);
    if (Number.isNaN(t.getTime()) || !Number.isInteger(seq) || typeof id !== "string") throw new Error();
    return { time: t, seq, id };
  } catch {
    throw new UserInputError(
      "cursor: not a cursor this API returned (use nextCursor from the previous page)",
    );
  }
};

const filterConditions = (userId: number, f: LedgerFilter): SQL[] => {
  const c: SQL[] = [eq(ledgerRows.userId, userId)];
  if (f.wallet) c.push(or(eq(ledgerRows.wallet, f.wallet), eq(ledgerRows.toWallet, f.wallet))!);
  if (f.asset)
    c.push(
      or(
        eq(ledgerRows.outAsset, f.asset),
        eq(ledgerRows.inAsset, f.asset),
        eq(ledgerRows.feeAsset, f.asset),
      )!,
    );
  if (f.type) c.push(eq(ledgerRows.type, f.type));
  if (f.from) c.push(gte(ledgerRows.time, f.from));
  if (f.to) c.push(lt(ledgerRows.time, f.to));
  if (f.warnings) c.push(sql`jsonb_array_length(${ledgerRows.warnings}) > 0`);
  if (f.origin) c.push(eq(ledgerRows.origin, f.origin));
  return c;
};

const toRow = (r: typeof ledgerRows.$inferSelect): StoredLedgerRow => ({
  id: r.id,
  time: r.time.toISOString().replace(".000Z", "Z"),
  type: r.type as LedgerRow["type"],
  wallet: r.wallet,
  outAsset: r.outAsset ?? undefined,
  outQuantity: r.outQuantity ?? undefined,
  inAsset: r.inAsset ?? undefined,
  inQuantity: r.inQuantity ?? undefined,
  usdValue: r.usdValue ?? undefined,
  feeAsset: r.feeAsset ?? undefined,
  feeQuantity: r.feeQuantity ?? undefined,
  feeUsd: r.feeUsd ?? undefined,
  toWallet: r.toWallet ?? undefined,
  lots: r.lots ?? undefined,
  subtype: r.subtype ?? undefined,
  tx: r.tx ?? undefined,
  note: r.note ?? undefined,
  warnings: (r.warnings as string[]) ?? [],
  priceSources: (r.priceSources as Record<string, string>) ?? {},
  origin: r.origin,
});

/**
 * One page of the user's ledger after `cursor` (from the start when absent), at most `limit` rows.
 * `nextCursor` is set when more rows may follow.
 * @throws UserInputError for a cursor this function did not produce.
 */
export const queryLedgerPage = async (
  db: DbOrTx,
  userId: number,
  args: { limit: number; cursor?: string | undefined; filter?: LedgerFilter },
): Promise<LedgerPage> => {
  const conds = filterConditions(userId, args.filter ?? {});
  if (args.cursor) {
    const c = decodeCursor(args.cursor);
    conds.push(
      or(
        gt(ledgerRows.time, c.time),
        and(eq(ledgerRows.time, c.time), gt(ledgerRows.seq, c.seq)),
        and(eq(ledgerRows.time, c.time), eq(ledgerRows.seq, c.seq), gt(ledgerRows.id, c.id)),
      )!,
    );
  }
  const rows = await db
    .select()
    .from(ledgerRows)
    .where(and(...conds))
    .orderBy(asc(ledgerRows.time), asc(ledgerRows.seq), asc(ledgerRows.id))
    .limit(args.limit + 1);
  const more = rows.length > args.limit;
  const page = more ? rows.slice(0, args.limit) : rows;
  const last = page[page.length - 1];
  return {
    rows: page.map(toRow),
    nextCursor: more && last ? encodeCursor({ time: last.time, seq: last.seq, id: last.id }) : undefined,
  };
};

/** The user's ledger version: bumped by every statement that writes their rows (database triggers). */
export const ledgerVersion = async (db: DbOrTx, userId: number): Promise<number> => {
  const [row] = await db
    .select({ version: ledgerVersions.version })
    .from(ledgerVersions)
    .where(eq(ledgerVersions.userId, userId));
  return row?.version ?? 0;
};
