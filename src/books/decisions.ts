import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import {
  classifications,
  importRecords,
  ledgerRows,
  movements,
  overrides,
  transactions,
  wallets,
} from "../../db/schema/index.ts";
import type { OverrideAction, OverrideRule } from "../classify/overrides.ts";
import { FEE_EVIDENCE } from "../classify/rules.ts";
import { UserInputError } from "../errors.ts";
import { markLedgerDirty } from "./dirty.ts";
import { splitTxKey } from "./tx-key.ts";

/**
 * The user's decisions, stored in `lotwise_app.overrides` and keyed on chain data (chain +
 * transaction hash, or an import row id), so they survive re-syncs and rebuilds. Each change
 * marks the ledger dirty from the transaction on, less `windowHours` (a decision changes what
 * the transaction pairs with), so the next build redoes exactly that range.
 *
 * - per transaction: `{ chain, tx_hash, action }` (`lotwise review set`);
 * - a rule: `{ rule: { counterparty?, asset?, chain?, direction? }, action }` (`lotwise review rule`);
 * - a link: `{ rule: { link: [A, B] }, action: { as: "link" } }` and an unlink:
 *   `{ rule: { unlink: [A, B] }, action: { as: "unlink" } }` (`lotwise review link/unlink`).
 */

/**
 * A transaction or decision the user does not have (never says whether another user has it). A
 * user error for the CLI (exit 2); the API answers 404.
 */
export class DecisionNotFoundError extends UserInputError {
  override name = "DecisionNotFoundError";
  /** The message for an API client, who has no CLI to run (defaults to the CLI's). */
  readonly apiMessage: string;
  constructor(message: string, apiMessage?: string) {
    super(message);
    this.apiMessage = apiMessage ?? message;
  }
}

export type DecisionArgs = {
  db: DbOrTx;
  userId: number;
  /** The matching window (max of `classify.bridgeWindowHours` and `matchWindowHours`), in hours. */
  windowHours: number;
};

/** A transaction (or import row) the user names: `<chain>:<hash>`, a bare hash, or an import row id. */
export type ResolvedRef = { chain: string; txHash: string; time: Date | undefined };

/**
 * Finds what `ref` names among the user's classified transactions and imported rows.
 * @throws UserInputError when it names nothing or is ambiguous.
 */
export const resolveRef = async (db: DbOrTx, userId: number, ref: string): Promise<ResolvedRef> => {
  const split = ref.includes(":") ? splitTxKey(ref) : undefined;
  const chain = split?.chain || undefined;
  const hash = split ? split.txHash : ref;
  // A synthetic transaction's hash holds `:` itself (a rebasing token's day
  // `rebase:<token>:<YYYY-MM-DD>`, a staking reward `reward:<account>:<epoch>`): the reference is
  // `<chain>:<hash>` or the bare hash, so both readings are looked up.
  const readings = [{ chain, hash }, ...(split ? [{ chain: undefined, hash: ref }] : [])];
  const known = await db
    .select({ chain: classifications.chain, txHash: classifications.txHash })
    .from(classifications)
    .where(
      and(
        eq(classifications.userId, userId),
        inArray(
          sql`lower(${classifications.txHash})`,
          readings.map((r) => r.hash.toLowerCase()),
        ),
      ),
    );
  let match = known.filter((k) =>
    readings.some(
      (r) => k.txHash.toLowerCase() === r.hash.toLowerCase() && (!r.chain || k.chain === r.chain),
    ),
  );
  if (match.length === 0) {
    // An imported row (ledger CSV import) whose transfer is completed by a chain arrival.
    const rows = await db
      .select({ origin: ledgerRows.origin, id: ledgerRows.id })
      .from(ledgerRows)
      .where(and(eq(ledgerRows.userId, userId), ne(ledgerRows.origin, "chain"), eq(ledgerRows.id, hash)));
    match = rows.filter((r) => !chain || r.origin === chain).map((r) => ({ chain: r.origin, txHash: r.id }));
  }
  if (match.length === 0) {
    // A row of an exchange export (`lotwise import`): `import:<account>:<exchange id>` or the bare id.
    const rows = await db
      .select({ account: importRecords.account, id: importRecords.externalId, time: importRecords.time })
      .from(importRecords)
      .where(and(eq(importRecords.userId, userId), eq(importRecords.externalId, hash)));
    const found = rows.filter((r) => !chain || `import:${r.account}` === chain);
    if (found.length === 1)
      return { chain: `import:${found[0]!.account}`, txHash: found[0]!.id, time: found[0]!.time };
    match = found.map((r) => ({ chain: `import:${r.account}`, txHash: r.id }));
  }
  if (match.length === 0 && chain && !chain.startsWith("import:")) {
    // Another name of a chain lotwise stores under its short name (`evm:10` or `OP Mainnet` for
    // `optimism`, as `wallets add` accepts them). The registry (and viem) load only here.
    const { resolveChain } = await import("../../chains/registry.ts");
    let id: string | undefined;
    try {
      id = resolveChain(chain).id;
    } catch {
      id = undefined;
    }
    if (id && id !== chain) return resolveRef(db, userId, `${id}:${hash}`);
  }
  if (match.length === 0)
    throw new DecisionNotFoundError(
      `unknown transaction ${ref}: sync first, or check lotwise review list`,
      `unknown transaction ${ref}: sync first (POST /v1/sync), or check GET /v1/review/items`,
    );
  if (match.length > 1)
    throw new UserInputError(
      `${hash} exists on ${match.map((m) => m.chain).join(" and ")}: write <chain>:${hash}`,
    );
  const found = match[0]!;
  return { ...found, time: await timeOf(db, userId, found) };
};

const timeOf = async (db: DbOrTx, userId: number, r: { chain: string; txHash: string }) => {
  const [t] = await db
    .select({ time: sql<Date | null>`min(${transactions.time})`.mapWith(transactions.time) })
    .from(transactions)
    .where(and(eq(transactions.chain, r.chain), eq(transactions.txHash, r.txHash)));
  if (t?.time) return t.time;
  const [row] = await db
    .select({ time: sql<Date | null>`min(${ledgerRows.time})`.mapWith(ledgerRows.time) })
    .from(ledgerRows)
    .where(
      and(
        eq(ledgerRows.userId, userId),
        sql`(${ledgerRows.id} = ${r.txHash} or ${ledgerRows.id} like ${`${r.chain}:${r.txHash}:%`})`,
      ),
    );
  return row?.time ?? undefined;
};

const markAround = async (args: DecisionArgs, times: readonly (Date | undefined)[]) => {
  // An unknown time (nothing stored yet) marks everything: safe, if slower.
  const known = times.filter((t): t is Date => t !== undefined);
  const earliest =
    known.length === times.length && known.length > 0
      ? new Date(Math.min(...known.map((t) => t.getTime())) - args.windowHours * 3600_000)
      : new Date(0);
  await markLedgerDirty(args.db, { userId: args.userId, from: earliest });
};

/**
 * Whether a chain transaction sends value out of the user's wallets and whether it brings value
 * in (fees aside); undefined for what has no stored movements (an import row, a ledger-import row).
 */
const directionsOf = async (
  db: DbOrTx,
  userId: number,
  r: ResolvedRef,
): Promise<{ out: boolean; in: boolean } | undefined> => {
  if (r.chain.startsWith("import:")) return undefined;
  const rows = await db
    .select({ amount: movements.amount, evidence: movements.evidence })
    .from(movements)
    .innerJoin(wallets, eq(wallets.id, movements.walletId))
    .where(and(eq(wallets.userId, userId), eq(movements.chain, r.chain), eq(movements.txHash, r.txHash)));
  if (rows.length === 0) return undefined;
  const value = rows.filter((m) => !FEE_EVIDENCE.has(m.evidence));
  return { out: value.some((m) => m.amount < 0n), in: value.some((m) => m.amount > 0n) };
};

const whatItMoves = (d: { out: boolean; in: boolean }) =>
  d.out && d.in
    ? "sends and receives"
    : d.out
      ? "only sends coins out of your wallets"
      : d.in
        ? "only brings coins into your wallets"
        : "moves nothing into or out of your wallets (only its fee)";

/** `lotwise review set`: replaces the decision for one transaction. */
export const setTxDecision = async (
  args: DecisionArgs & { ref: string; action: OverrideAction; note?: string | undefined },
): Promise<{ chain: string; txHash: string; id: number }> => {
  const { db, userId } = args;
  const r = await resolveRef(db, userId, args.ref);
  if (args.action.as === "income") {
    // Income decides inflows only: on a transaction that brought nothing in it would decide
    // nothing, while saying it did.
    const d = await directionsOf(db, userId, r);
    if (d && !d.in)
      throw new UserInputError(
        `${r.chain}:${r.txHash} ${whatItMoves(d)}: --as income decides what came in; what went out is spend, sell, gift, transfer (with --to) or ignore`,
      );
  }
  const id = await db.transaction(async (t) => {
    await t
      .delete(overrides)
      .where(and(eq(overrides.userId, userId), eq(overrides.chain, r.chain), eq(overrides.txHash, r.txHash)));
    const [row] = await t
      .insert(overrides)
      .values({ userId, chain: r.chain, txHash: r.txHash, action: args.action, note: args.note ?? "" })
      .returning({ id: overrides.id });
    await markAround({ ...args, db: t }, [r.time]);
    return row!.id;
  });
  return { chain: r.chain, txHash: r.txHash, id };
};

/**
 * `lotwise review rule`: decides every matching unmatched movement, now and in future syncs.
 * Adding a rule changes the rules' fingerprint, so the next build is a full one (nothing to mark).
 * @throws UserInputError for a rule that matches on nothing.
 */
export const addRule = async (args: {
  db: DbOrTx;
  userId: number;
  match: OverrideRule["match"];
  action: OverrideAction;
  note?: string | undefined;
}): Promise<{ id: number; match: OverrideRule["match"] }> => {
  const match = Object.fromEntries(
    Object.entries(args.match).filter(([, v]) => v !== undefined && v !== ""),
  ) as OverrideRule["match"];
  if (Object.keys(match).length === 0)
    throw new UserInputError("a rule needs at least one of counterparty, asset, chain, direction");
  if (args.action.as === "income" && match.direction === "out")
    throw new UserInputError(
      "--as income decides inflows only: a rule with --direction out would decide nothing",
    );
  const [row] = await args.db
    .insert(overrides)
    .values({ userId: args.userId, rule: match, action: args.action, note: args.note ?? "" })
    .returning({ id: overrides.id });
  return { id: row!.id, match };
};

/** `lotwise review link A B` (or `unlink`): pairs (or forbids pairing) A's and B's halves. */
export const setLink = async (
  args: DecisionArgs & { a: string; b: string; unlink: boolean },
): Promise<{ id: number; a: string; b: string }> => {
  const { db, userId } = args;
  const ra = await resolveRef(db, userId, args.a);
  const rb = await resolveRef(db, userId, args.b);
  const a = `${ra.chain}:${ra.txHash}`;
  const b = `${rb.chain}:${rb.txHash}`;
  if (a === b) throw new UserInputError(`link needs two different transactions, got ${a} twice`);
  if (!args.unlink) {
    // Two arrivals (or two departures, or a call that moved only its fee) have no pair to make:
    // the link would be stored, say "linked", and do nothing.
    const [da, db_] = [await directionsOf(db, userId, ra), await directionsOf(db, userId, rb)];
    if (da && db_ && !((da.out && db_.in) || (db_.out && da.in)))
      throw new UserInputError(
        `a link pairs a departure with its arrival (lotwise review link <departure> <arrival>), but ${a} ${whatItMoves(da)} and ${b} ${whatItMoves(db_)}`,
      );
    // An export's row that moved nothing in or out (a buy, a trade, income) has no half to pair:
    // the link would be stored and do nothing.
    for (const r of [ra, rb]) {
      if (!r.chain.startsWith("import:")) continue;
      const [rec] = await db
        .select({ kind: importRecords.kind })
        .from(importRecords)
        .where(
          and(
            eq(importRecords.userId, userId),
            eq(importRecords.account, r.chain.slice("import:".length)),
            eq(importRecords.externalId, r.txHash),
          ),
        );
      if (rec && rec.kind !== "withdrawal" && rec.kind !== "deposit")
        throw new UserInputError(
          `${r.chain}:${r.txHash} is a ${rec.kind} in the export, not a withdrawal or deposit: lotwise review link pairs a departure with its arrival`,
        );
    }
  }
  const id = await db.transaction(async (t) => {
    // The newest word on a pair wins: drop earlier links and unlinks of the same two.
    const existing = await t
      .select({ id: overrides.id, rule: overrides.rule })
      .from(overrides)
      .where(and(eq(overrides.userId, userId), sql`${overrides.txHash} is null`));
    const same = existing
      .filter((e) => {
        const pair =
          (e.rule as { link?: string[]; unlink?: string[] } | null)?.link ??
          (e.rule as { unlink?: string[] } | null)?.unlink;
        return pair && new Set(pair).size === 2 && pair.includes(a) && pair.includes(b);
      })
      .map((e) => e.id);
    if (same.length > 0) await t.delete(overrides).where(inArray(overrides.id, same));
    const [row] = await t
      .insert(overrides)
      .values({
        userId,
        rule: args.unlink ? { unlink: [a, b] } : { link: [a, b] },
        action: { as: args.unlink ? "unlink" : "link" },
      })
      .returning({ id: overrides.id });
    await markAround({ ...args, db: t }, [ra.time, rb.time]);
    return row!.id;
  });
  return { id, a, b };
};

/** `lotwise review unset ID`: removes a decision (per transaction, rule or link). */
export const removeDecision = async (args: DecisionArgs & { id: number }): Promise<void> => {
  const { db, userId } = args;
  const [row] = await db
    .delete(overrides)
    .where(and(eq(overrides.userId, userId), eq(overrides.id, args.id)))
    .returning();
  if (!row) throw new DecisionNotFoundError(`no decision ${args.id}`);
  const rule = row.rule as { link?: string[]; unlink?: string[] } | null;
  const refs =
    row.chain && row.txHash ? [`${row.chain}:${row.txHash}`] : (rule?.link ?? rule?.unlink ?? undefined);
  // A rule's removal changes the rules' fingerprint: the next build is a full one anyway.
  if (!refs) return;
  const times: (Date | undefined)[] = [];
  for (const ref of refs) times.push(await timeOf(db, userId, splitTxKey(ref)));
  await markAround(args, times);
};
