import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { importAccounts, importRecords, ledgerRows } from "../../db/schema/index.ts";
import { markLedgerDirty } from "../books/dirty.ts";
import { removeLedgerImport } from "../books/imports.ts";
import { UserInputError } from "../errors.ts";
import { EXCHANGE_FAMILIES } from "./registry.ts";

/**
 * Exchange accounts (`coinbase:main`) as wallets: `lotwise wallets add coinbase:main` declares one
 * before anything is imported into it, so a broker's Form 1099-DA can be tied to it
 * (`lotwise forms import --account coinbase:main`) and its history imported later
 * (`lotwise import FILE --account coinbase:main`; the first import decides its exchange).
 */

/**
 * The family of an account declared with `lotwise wallets add coinbase:main` before anything was
 * imported into it: any import may go in, and the first one decides its family.
 */
export const DECLARED_FAMILY = "declared";

/** An account name: `<exchange>:<name>` of letters, digits, `.`, `_`, `-` (more `:` allowed in the name). */
const ACCOUNT = /^[A-Za-z][\w.-]*:[\w.-][\w.:-]*$/;
/** What an address looks like after a chain prefix (a typo'd chain name must not become an account). */
const ADDRESS_LIKE = /^(0x[0-9a-fA-F]*|[1-9A-HJ-NP-Za-km-z]{32,44})$/;

/**
 * True when `spec` names an exchange account rather than a `<chain>:<address>` wallet: it has the
 * account shape, its name part does not look like an address, and `isChain(prefix)` is false or
 * the prefix is one of `exchanges` (the exchanges lotwise imports): viem knows a chain named
 * `robinhood`, yet `robinhood:main` is the Robinhood account (`robinhood:0x…` stays a wallet).
 */
export const isAccountSpec = (
  spec: string,
  isChain: (name: string) => boolean,
  exchanges: ReadonlySet<string> = EXCHANGE_FAMILIES,
): boolean => {
  if (!ACCOUNT.test(spec)) return false;
  const i = spec.indexOf(":");
  const prefix = spec.slice(0, i);
  const rest = spec.slice(i + 1);
  if (ADDRESS_LIKE.test(rest) || /^\d+$/.test(rest.split(":")[0]!)) return false;
  // `evm:` always starts a chain (`evm:<chainId>:0x…`): a typo'd chain id is a wallet error, not an account.
  if (prefix.toLowerCase() === "evm") return false;
  return exchanges.has(prefix.toLowerCase()) || !isChain(prefix);
};

/**
 * Why `spec` (an `--account` of `lotwise import`, after the exchange's prefix is added) is no
 * account name `lotwise wallets` reads as one, or undefined when it is one: an account it read as
 * a wallet could be listed but never removed by its name.
 */
export const accountNameProblem = (spec: string, isChain: (name: string) => boolean): string | undefined => {
  if (isAccountSpec(spec, isChain)) return undefined;
  return ADDRESS_LIKE.test(spec.slice(spec.indexOf(":") + 1))
    ? "looks like a wallet address, not an exchange account"
    : "is no account name (lotwise wallets would read it as a wallet): use <exchange>:<name>, the exchange starting with a letter and the name neither a number nor an address";
};

/** Declares the account; returns false when it already exists (declared or holding imports). */
export const declareAccount = async (db: DbOrTx, userId: number, name: string): Promise<boolean> => {
  const added = await db
    .insert(importAccounts)
    .values({ userId, name, family: DECLARED_FAMILY })
    .onConflictDoNothing()
    .returning({ id: importAccounts.id });
  return added.length > 0;
};

export type AccountListing = {
  name: string;
  /** The exchange whose exports it holds (`coinbase`, …), `any` (tool formats), `ledger`, or `declared` (nothing imported yet). */
  family: string;
  /** Exchange rows imported into it. */
  rows: number;
};

/** The user's exchange accounts, by name. */
export const listAccounts = async (db: DbOrTx, userId: number): Promise<AccountListing[]> => {
  const rows = await db
    .select({
      name: importAccounts.name,
      family: importAccounts.family,
      // A ledger CSV account's rows are ledger rows of origin `import:<name>`, not import records.
      rows: sql<number>`case when ${importAccounts.family} = 'ledger'
        then (select count(*) from ${ledgerRows} l where l.user_id = ${importAccounts.userId} and l.origin = 'import:' || ${importAccounts.name})
        else (select count(*) from ${importRecords} r where r.user_id = ${importAccounts.userId} and r.account = ${importAccounts.name}) end`.mapWith(
        Number,
      ),
    })
    .from(importAccounts)
    .where(eq(importAccounts.userId, userId))
    .orderBy(importAccounts.name);
  return rows;
};

/**
 * Removes an account and every exchange row imported into it, marking the ledger dirty from the
 * earliest of them less `windowHours` (transfers paired across it are matched again). Returns the
 * rows removed. @throws UserInputError when there is no such account.
 */
export const removeAccount = async (
  db: DbOrTx,
  args: { userId: number; name: string; windowHours: number },
): Promise<number> => {
  const { userId, name } = args;
  return db.transaction(async (tx) => {
    const [account] = await tx
      .select({ id: importAccounts.id, family: importAccounts.family })
      .from(importAccounts)
      .where(and(eq(importAccounts.userId, userId), eq(importAccounts.name, name)));
    if (!account) throw new UserInputError(`no such wallet or account: ${name}`);
    const removed = await tx
      .delete(importRecords)
      .where(and(eq(importRecords.userId, userId), eq(importRecords.account, name)))
      .returning({ time: importRecords.time });
    await tx.delete(importAccounts).where(eq(importAccounts.id, account.id));
    // A ledger CSV account's rows are a ledger import of its name (`lotwise ledger remove-import`).
    if (account.family === "ledger") {
      return removeLedgerImport(tx, { userId, name, windowHours: args.windowHours });
    }
    if (removed.length > 0) {
      let earliest = Number.POSITIVE_INFINITY;
      for (const r of removed) earliest = Math.min(earliest, r.time.getTime());
      await markLedgerDirty(tx, { userId, from: new Date(earliest - args.windowHours * 3600_000) });
    }
    return removed.length;
  });
};
