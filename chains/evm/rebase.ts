import { and, asc, eq, inArray, like, ne, sql } from "drizzle-orm";
import { getAddress } from "viem";
import type { DbOrTx } from "../../db/client.ts";
import { movements, transactions } from "../../db/schema/index.ts";
import { getCursor, saveTransactionsWithMovements, setCursor } from "../store.ts";
import type { RpcTransport } from "../transport.ts";
import type { ChainInfo } from "../types.ts";
import { findMulticall3, readEvmBalances } from "./balances.ts";
import { getBlockHeaders } from "./rpc.ts";

/**
 * Balance changes without a transfer: stETH-style rebases and Aave aToken interest. For each token
 * declared rebasing (the registry's stETH, `assets.tokens[…].rebasing: true`) that the wallet
 * has moved, the balance is read at the last block of every UTC day it was held (and at the
 * synced block for the current day); what it grew or shrank beyond the day's transfers is one
 * synthetic transaction per token and day:
 *
 * - `tx_hash` `rebase:<token, lowercase>:<YYYY-MM-DD>`, block and time of the sampled block,
 *   `to` = the token, `from` = its underlying asset when the token is an Aave aToken
 *   (`UNDERLYING_ASSET_ADDRESS()`), `method` = `rebase`;
 * - one movement, evidence `rebase`, index `balance`, the change in raw units (negative for a
 *   negative rebase).
 *
 * Classification (decoders/rebase) turns them into income per the `classify.rebasingIncome`
 * policy. The current day's row is recomputed on each sync until the day is over and final; a
 * cursor per token (`evm:rebase:<token>`) remembers the last complete day's block and balance.
 */

/** `UNDERLYING_ASSET_ADDRESS()` of Aave V2/V3 aTokens. */
const UNDERLYING_SELECTOR = "0xb16a19de";
const DAY_MS = 86_400_000;

export type RebaseCursor = { day: string; block: string; balance: string };

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The last block with a timestamp before `beforeMs` in (lo, hi], or undefined when there is none. */
const lastBlockBefore = async (
  lo: bigint,
  hi: bigint,
  beforeMs: number,
  timeOf: (b: bigint) => Promise<number>,
): Promise<bigint | undefined> => {
  if ((await timeOf(hi)) < beforeMs) return hi;
  if (hi <= lo + 1n || (await timeOf(lo + 1n)) >= beforeMs) return undefined;
  // Invariant: time(a) < beforeMs ≤ time(b).
  let a = lo + 1n;
  let b = hi;
  while (b - a > 1n) {
    const mid = a + (b - a) / 2n;
    if ((await timeOf(mid)) < beforeMs) a = mid;
    else b = mid;
  }
  return a;
};

/**
 * Samples the wallet's rebasing tokens up to `syncedTo` and writes the daily balance changes.
 * @returns how many rebase transactions were written.
 */
export const sampleRebases = async (args: {
  db: DbOrTx;
  rpc: RpcTransport;
  chain: ChainInfo;
  walletId: number;
  address: string;
  /** Highest block synced (the current day is sampled there). */
  syncedTo: bigint;
  /** Final block: days ending at or below it are complete for good. */
  safe: bigint;
  /** Chain asset ids (`<chain>:<checksummed token>`) declared rebasing. */
  rebasing: ReadonlySet<string>;
}): Promise<number> => {
  const { db, rpc, chain, walletId, syncedTo, safe } = args;
  const address = getAddress(args.address);
  const prefix = `${chain.id}:`;
  const tokens = [...args.rebasing].filter((id) => id.startsWith(prefix));
  if (tokens.length === 0) return 0;
  const held = await db
    .selectDistinct({ asset: movements.asset })
    .from(movements)
    .where(
      and(
        eq(movements.walletId, walletId),
        inArray(movements.asset, tokens),
        ne(movements.evidence, "rebase"),
      ),
    );
  if (held.length === 0) return 0;

  const times = new Map<bigint, number>();
  const timeOf = async (b: bigint) => {
    let t = times.get(b);
    if (t === undefined) {
      const h = (await getBlockHeaders(rpc, [b], { safe })).get(b)!;
      t = Number(BigInt(h.timestamp)) * 1000;
      times.set(b, t);
    }
    return t;
  };
  const balanceAt = async (token: string, block: bigint) => {
    const multicall = await findMulticall3(rpc, chain, block);
    const r = await readEvmBalances({ rpc, address, block, tokens: [token], multicall });
    const v = r.tokens.get(getAddress(token));
    if (v === undefined)
      throw new Error(`${chain.id}: balanceOf(${address}) of ${token} failed at block ${block}`);
    return v;
  };

  let written = 0;
  for (const { asset } of held) {
    const token = getAddress(asset.slice(prefix.length));
    const source = `evm:rebase:${token.toLowerCase()}`;
    const moves = await db
      .select({ block: movements.blockNumber, amount: movements.amount })
      .from(movements)
      .where(
        and(eq(movements.walletId, walletId), eq(movements.asset, asset), ne(movements.evidence, "rebase")),
      )
      .orderBy(asc(movements.blockNumber));
    if (moves.length === 0) continue;
    const underlying = await rpc
      .batchSettled<string>([
        { method: "eth_call", params: [{ to: token, data: UNDERLYING_SELECTOR }, "latest"] },
      ])
      .then(([r]) =>
        r?.ok && /^0x[0-9a-fA-F]{64}$/.test(r.result) ? getAddress(`0x${r.result.slice(26)}`) : null,
      );

    const cursor = await getCursor<RebaseCursor>(db, walletId, source);
    let prevBlock = cursor ? BigInt(cursor.block) : moves[0]!.block - 1n;
    let prevBalance = cursor
      ? BigInt(cursor.balance)
      : prevBlock >= 0n
        ? await balanceAt(token, prevBlock)
        : 0n;
    // Rows of days after the cursor are recomputed (the current day moves on).
    await db
      .delete(movements)
      .where(
        and(
          eq(movements.walletId, walletId),
          eq(movements.chain, chain.id),
          like(movements.txHash, `rebase:${token.toLowerCase()}:%`),
          sql`${movements.blockNumber} > ${prevBlock.toString()}`,
        ),
      );
    await db
      .delete(transactions)
      .where(
        and(
          eq(transactions.walletId, walletId),
          eq(transactions.chain, chain.id),
          like(transactions.txHash, `rebase:${token.toLowerCase()}:%`),
          sql`${transactions.blockNumber} > ${prevBlock.toString()}`,
        ),
      );
    let dayStart =
      Math.floor((await timeOf(prevBlock + 1n > syncedTo ? syncedTo : prevBlock + 1n)) / DAY_MS) * DAY_MS;
    const lastMs = await timeOf(syncedTo);
    while (dayStart <= lastMs && prevBlock < syncedTo) {
      const end = await lastBlockBefore(prevBlock, syncedTo, dayStart + DAY_MS, timeOf);
      const day = dayOf(dayStart);
      dayStart += DAY_MS;
      if (end === undefined || end <= prevBlock) continue;
      const balance = await balanceAt(token, end);
      const moved = moves
        .filter((m) => m.block > prevBlock && m.block <= end)
        .reduce((s, m) => s + m.amount, 0n);
      const change = balance - prevBalance - moved;
      if (change !== 0n) {
        const time = new Date(await timeOf(end));
        const txHash = `rebase:${token.toLowerCase()}:${day}`;
        const final = end <= safe;
        await saveTransactionsWithMovements(
          db,
          [
            {
              walletId,
              chain: chain.id,
              txHash,
              blockNumber: end,
              time,
              from: underlying,
              to: token,
              status: "success",
              method: "rebase",
              final,
              details: { kind: "rebase", day, balance: balance.toString() },
            },
          ],
          [
            {
              walletId,
              chain: chain.id,
              txHash,
              evidence: "rebase",
              evidenceIndex: "balance",
              blockNumber: end,
              time,
              asset,
              symbol: null,
              decimals:
                (
                  await db
                    .select({ d: movements.decimals })
                    .from(movements)
                    .where(and(eq(movements.walletId, walletId), eq(movements.asset, asset)))
                    .limit(1)
                )[0]?.d ?? null,
              amount: change,
              counterparty: token,
              final,
            },
          ],
        );
        written++;
      }
      // A day that is over and final never changes again.
      const complete = end < syncedTo || (await timeOf(syncedTo)) >= dayStart;
      if (complete && end <= safe) {
        await setCursor(db, {
          walletId,
          source,
          chain: chain.id,
          position: { day, block: end.toString(), balance: balance.toString() },
        });
      }
      prevBlock = end;
      prevBalance = balance;
    }
  }
  return written;
};
