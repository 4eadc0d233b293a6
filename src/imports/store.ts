import { createHash, hash } from "node:crypto";
import { and, eq, inArray, ne } from "drizzle-orm";
import { isChainName, parseWalletSpec } from "../../chains/registry.ts";
import { bulkInsert } from "../../db/bulk.ts";
import type { DbOrTx } from "../../db/client.ts";
import { dropIndexesForLoad } from "../../db/deferred-indexes.ts";
import { importAccounts, importRecords, ledgerRows, wallets } from "../../db/schema/index.ts";
import { markLedgerDirty } from "../books/dirty.ts";
import { UserInputError } from "../errors.ts";
import { accountNameProblem, DECLARED_FAMILY } from "./accounts.ts";
import { isDigestId } from "./common.ts";
import { EXCHANGE_FAMILIES } from "./registry.ts";
import type { ImportRecord } from "./types.ts";

/** Ids per `IN (…)` list (bind-parameter headroom). */
const CHUNK = 5000;

/** What one import changed. */
export type StoreImportResult = {
  account: string;
  /** Rows new to the account. */
  added: number;
  /** Stored rows whose values changed (an edited export). */
  replaced: number;
  /** Rows already stored with the same values. */
  unchanged: number;
  /** Rows without exchange ids that a re-export of their time span no longer has. */
  removed: number;
};

/**
 * The account's ledger wallet: `NAME` as given when it has a `:` (`coinbase:main`), else
 * `<family>:NAME` (`main` → `coinbase:main`; a tool format's family is its format name).
 */
export const accountName = (name: string, family: string): string => {
  const n = name.trim();
  if (!/^[\w.:-]+$/.test(n))
    throw new UserInputError(`--account: '${name}': use letters, digits, '.', '_', '-' and ':'`);
  return n.includes(":") ? n : `${family}:${n}`;
};

/**
 * Exchanges and brokers lotwise reads no export of (lower case, as an account's prefix). Like the
 * `EXCHANGE_FAMILIES` lotwise imports, an account named for one (`binance:main`) holds that
 * venue's activity, so an export of another exchange does not go into it. A tool export (Koinly,
 * CoinTracker) or a ledger CSV may go into any account name not holding another family's imports:
 * it can describe any venue's history.
 */
const OTHER_VENUES = new Set([
  "binance",
  "binanceus",
  "binance.us",
  "bybit",
  "okx",
  "kucoin",
  "bitstamp",
  "bitfinex",
  "crypto.com",
  "cryptocom",
  "gate.io",
  "gateio",
  "huobi",
  "htx",
  "bitget",
  "mexc",
  "bittrex",
  "poloniex",
  "uphold",
  "etoro",
  "webull",
  "paypal",
  "venmo",
  "cashapp",
  "strike",
  "swan",
  "river",
]);

/**
 * Refuses an account of the wrong type: a chain wallet, an account named for another exchange
 * (`kraken:main` for a Coinbase file) or one that already holds another exchange's imports.
 */
/** Records which family an account holds (its first import decides; a declared account takes it). */
export const claimAccount = async (db: DbOrTx, args: { userId: number; account: string; family: string }) => {
  await db
    .insert(importAccounts)
    .values({ userId: args.userId, name: args.account, family: args.family })
    .onConflictDoUpdate({
      target: [importAccounts.userId, importAccounts.name],
      set: { family: args.family },
      setWhere: eq(importAccounts.family, DECLARED_FAMILY),
    });
};

export const checkAccount = async (
  db: DbOrTx,
  args: {
    userId: number;
    account: string;
    family: string;
    label: string;
    /** The file's format: an account holding another report of the same exchange refuses it. */
    format?: string | undefined;
  },
): Promise<void> => {
  const { account, family } = args;
  let chainKey: string | undefined;
  try {
    chainKey = parseWalletSpec(account).key;
  } catch {
    chainKey = undefined;
  }
  const prefix = account.slice(0, account.indexOf(":")).toLowerCase();
  // A chain's name before the `:` is a wallet even when the rest is no address (`ethereum:main`),
  // as `lotwise wallets add` reads it: never an account named like a chain.
  const chainPrefix = !EXCHANGE_FAMILIES.has(prefix) && (prefix === "evm" || isChainName(prefix));
  if ((chainKey || chainPrefix) && !EXCHANGE_FAMILIES.has(prefix))
    throw new UserInputError(
      `--account ${account} is a blockchain wallet: a ${args.label} goes into an exchange account, e.g. --account ${family === "any" ? "koinly" : family}:main`,
    );
  const problem = accountNameProblem(account, isChainName);
  if (problem)
    throw new UserInputError(
      `--account ${account} ${problem}: a ${args.label} goes into an exchange account, e.g. --account ${family === "any" ? "koinly" : family}:main`,
    );
  if (
    (EXCHANGE_FAMILIES.has(prefix) || OTHER_VENUES.has(prefix)) &&
    EXCHANGE_FAMILIES.has(family) &&
    prefix !== family
  )
    throw new UserInputError(
      `--account ${account} is a ${prefix} account, but the file is a ${args.label}: use --account ${family}:<name>`,
    );
  const own = await db
    .select({ id: wallets.id, kind: wallets.kind, label: wallets.label })
    .from(wallets)
    .where(and(eq(wallets.userId, args.userId), eq(wallets.kind, "own")));
  if (own.some((w) => w.label === account))
    throw new UserInputError(`--account ${account} names one of your own wallets, not an exchange account`);
  const [stored] = await db
    .select()
    .from(importAccounts)
    .where(and(eq(importAccounts.userId, args.userId), eq(importAccounts.name, account)));
  if (stored && stored.family !== family && stored.family !== DECLARED_FAMILY)
    throw new UserInputError(
      `--account ${account} holds ${stored.family === "any" ? "tool (Koinly/CoinTracker)" : stored.family === "ledger" ? "ledger CSV" : stored.family} imports, but the file is a ${args.label}: import it into another account`,
    );
  if (args.format && family !== "any" && family !== "ledger") {
    // Two reports of one exchange (Coinbase's transaction history and its raw transaction report)
    // describe the same activity under different ids: both in one account would count it twice.
    const [other] = await db
      .select({ format: importRecords.format })
      .from(importRecords)
      .where(
        and(
          eq(importRecords.userId, args.userId),
          eq(importRecords.account, account),
          ne(importRecords.format, args.format),
        ),
      )
      .limit(1);
    if (other)
      throw new UserInputError(
        `--account ${account} holds rows of another ${family} report (--format ${other.format}), but the file is a ${args.label}: the two describe the same activity under different ids, so one account takes one of them; import it into another account only if it covers other activity`,
      );
  }
};

/** SHA-256 of `text` as hex: one call (`crypto.hash`, Node 20.12+), no Hash object per record. */
const sha256Hex: (text: string) => string =
  typeof hash === "function"
    ? (text) => hash("sha256", text, "hex")
    : (text) => createHash("sha256").update(text).digest("hex");

/** Whether the members of `r` other than `line` start with `id`, `time` and `kind`, in that order. */
const leadsWithIdTimeKind = (r: ImportRecord): boolean => {
  let k = 0;
  for (const name in r) {
    if (name === "line") continue;
    if (name !== (k === 0 ? "id" : k === 1 ? "time" : "kind")) return false;
    if (++k === 3) return true;
  }
  return false;
};

/**
 * A record's fingerprint, stored `data` (the record less its line, id, time and kind, as JSON) and
 * time as ISO text. The fingerprint is the digest of the record's values (all but its line): the
 * JSON of the record less `line`, its time as the ISO string (`Date#toJSON` writes exactly that).
 * Stored: its bytes must never change. A record whose other members start with `id`, `time` and
 * `kind` (every parser's) has that JSON as those three written out and then `data`'s members:
 * `data` is written once and the rest put before it (JSON.stringify of an object holding a Date
 * takes its slow path, twice the time of one without).
 */
const fingerprintOf = (r: ImportRecord): { fingerprint: string; data: string; iso: string } => {
  const ms = r.time.getTime();
  if (typeof r.id === "string" && typeof r.kind === "string" && !Number.isNaN(ms) && leadsWithIdTimeKind(r)) {
    const { line: _line, id, time, kind, ...d } = r;
    const data = JSON.stringify(d);
    const iso = time.toISOString();
    const head = `{"id":${JSON.stringify(id)},"time":"${iso}","kind":${JSON.stringify(kind)}`;
    const json = data === "{}" ? `${head}}` : `${head},${data.slice(1)}`;
    return { fingerprint: sha256Hex(json), data, iso };
  }
  const { line: _line, ...rest } = r;
  const { id: _id, time: _time, kind: _kind, ...d } = rest;
  return { fingerprint: sha256Hex(JSON.stringify(rest)), data: JSON.stringify(d), iso: r.time.toISOString() };
};

/**
 * Stores parsed rows in `account`, idempotently, in one transaction:
 * - rows with the exchange's own id replace the stored row of that id only when their values
 *   changed; the same export twice, or an overlapping later one, adds nothing twice;
 * - rows without ids (`row-<digest>`): stored digest rows of the account inside the file's time
 *   span that the file no longer has are removed (the file is the account's history for its span);
 * - the ledger is marked dirty from the earliest changed row less the matching window.
 */
export const storeImport = async (
  db: DbOrTx,
  args: {
    userId: number;
    account: string;
    family: string;
    format: string;
    file: string;
    records: readonly ImportRecord[];
    /** Hours before the earliest change the ledger is rebuilt from (pairs straddling it re-match). @defaultValue 24 */
    windowHours?: number;
  },
): Promise<StoreImportResult> => {
  const { userId, account } = args;
  const seen = new Map<string, ImportRecord>();
  for (const r of args.records) {
    const dup = seen.get(r.id);
    if (dup)
      throw new UserInputError(`${args.file}:${r.line}: ID: '${r.id}' appears twice (also line ${dup.line})`);
    seen.set(r.id, r);
  }
  return db.transaction(async (tx) => {
    await claimAccount(tx, { userId, account, family: args.family });
    const [clash] = await tx
      .select({ id: ledgerRows.id })
      .from(ledgerRows)
      .where(and(eq(ledgerRows.userId, userId), eq(ledgerRows.origin, `import:${account}`)))
      .limit(1);
    if (clash)
      throw new UserInputError(
        `--account ${account} already holds a ledger CSV import (lotwise ledger import --name): use another account name`,
      );
    const stored = await tx
      .select({
        externalId: importRecords.externalId,
        fingerprint: importRecords.fingerprint,
        time: importRecords.time,
      })
      .from(importRecords)
      .where(and(eq(importRecords.userId, userId), eq(importRecords.account, account)));
    const before = new Map(stored.map((s) => [s.externalId, s]));
    let earliest: number | undefined;
    const touch = (t: Date) => {
      if (earliest === undefined || t.getTime() < earliest) earliest = t.getTime();
    };
    const fresh: Record<string, unknown>[] = [];
    const replacedIds: string[] = [];
    let unchanged = 0;
    let minTime = Number.POSITIVE_INFINITY;
    let maxTime = Number.NEGATIVE_INFINITY;
    for (const r of args.records) {
      minTime = Math.min(minTime, r.time.getTime());
      maxTime = Math.max(maxTime, r.time.getTime());
      const { fingerprint: fp, data, iso } = fingerprintOf(r);
      const old = before.get(r.id);
      if (old && old.fingerprint === fp) {
        unchanged++;
        continue;
      }
      if (old) {
        replacedIds.push(r.id);
        touch(old.time);
      }
      touch(r.time);
      fresh.push({
        user_id: userId,
        account,
        external_id: r.id,
        format: args.format,
        file: args.file,
        line: r.line,
        time: iso,
        kind: r.kind,
        fingerprint: fp,
        // JSON text: the column is text (migration 0010), so the database never parses it.
        data,
      });
    }
    // Digest rows of the file's span that the file no longer has.
    const gone = stored.filter(
      (s) =>
        isDigestId(s.externalId) &&
        !seen.has(s.externalId) &&
        s.time.getTime() >= minTime &&
        s.time.getTime() <= maxTime,
    );
    for (const g of gone) touch(g.time);
    const toDelete = [...replacedIds, ...gone.map((g) => g.externalId)];
    for (let i = 0; i < toDelete.length; i += CHUNK)
      await tx
        .delete(importRecords)
        .where(
          and(
            eq(importRecords.userId, userId),
            eq(importRecords.account, account),
            inArray(importRecords.externalId, toDelete.slice(i, i + CHUNK)),
          ),
        );
    // Many records into a table holding fewer (a first import): the index is built once they are
    // in, and an empty table takes them without WAL (db/deferred-indexes.ts). Ids are unique in
    // the file (checked above) and replaced ones were deleted: the unique index builds.
    const rebuildIndexes = await dropIndexesForLoad(tx, "lotwise_app.import_records", fresh.length);
    // Then in the unique index's order (one user and account: by id, as JavaScript compares strings,
    // the "C" collation's byte order but for astral characters): the index is built from presorted
    // rows. Any order stores the same records (their serial keys follow it).
    if (rebuildIndexes)
      fresh.sort((a, b) => {
        const x = a.external_id as string;
        const y = b.external_id as string;
        return x < y ? -1 : x > y ? 1 : 0;
      });
    await bulkInsert(
      tx,
      "lotwise_app.import_records",
      {
        user_id: "integer",
        account: "text",
        external_id: "text",
        format: "text",
        file: "text",
        line: "integer",
        time: "timestamptz",
        kind: "text",
        fingerprint: "text",
        data: "text",
      },
      fresh,
      "",
      { freeze: rebuildIndexes?.truncated },
    );
    await rebuildIndexes?.();
    if (earliest !== undefined)
      await markLedgerDirty(tx, {
        userId,
        from: new Date(earliest - (args.windowHours ?? 24) * 3_600_000),
      });
    return {
      account,
      added: fresh.length - replacedIds.length,
      replaced: replacedIds.length,
      unchanged,
      removed: gone.length,
    };
  });
};
