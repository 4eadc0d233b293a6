import { and, eq, gte, inArray } from "drizzle-orm";
import { walletKey } from "../../chains/registry.ts";
import type { DbOrTx } from "../../db/client.ts";
import { movements, rawRecords, transactions, wallets } from "../../db/schema/index.ts";
import { escrowChangesOf } from "../classify/decoders/jupiter/escrow.ts";
import type { EvmLog, Movement, TxGroup, WalletInfo } from "../classify/types.ts";

/** Transactions per query when loading raw records (bind-parameter headroom). */
const CHUNK = 500;

/** The user's wallets as classification sees them: own wallets by `<chain>:<address>`, exchange deposit addresses by label. */
export const loadWallets = async (db: DbOrTx, userId: number): Promise<WalletInfo[]> => {
  const rows = await db.select().from(wallets).where(eq(wallets.userId, userId));
  return rows.map((w) => ({
    id: w.id,
    chain: w.chain,
    address: w.address,
    key: w.kind === "exchange" && w.label ? w.label : walletKey(w.chain, w.address),
    kind: w.kind === "exchange" ? "exchange" : "own",
    label: w.label,
  }));
};

/** Logs from a raw record: a `log` record (one log) or a `receipt` record (all of its logs). */
const logsOf = (kind: string, index: number, data: unknown): EvmLog[] => {
  const toLog = (l: Record<string, unknown>, fallbackIndex: number): EvmLog | undefined => {
    if (typeof l.address !== "string" || !Array.isArray(l.topics)) return undefined;
    const li = l.logIndex;
    return {
      address: l.address,
      topics: l.topics as string[],
      data: typeof l.data === "string" ? l.data : "0x",
      logIndex: typeof li === "number" ? li : typeof li === "string" ? Number(li) : fallbackIndex,
    };
  };
  if (!data || typeof data !== "object") return [];
  if (kind === "log") {
    const l = toLog(data as Record<string, unknown>, index);
    return l ? [l] : [];
  }
  if (kind === "receipt" && Array.isArray((data as { logs?: unknown }).logs)) {
    return (data as { logs: Record<string, unknown>[] }).logs
      .map((l, i) => toLog(l, i))
      .filter(Boolean) as EvmLog[];
  }
  return [];
};

/** Program ids invoked by a Solana transaction (top-level and inner), from its raw `getTransaction` result. */
export const programIdsOf = (data: unknown): string[] => {
  const tx =
    (data as { transaction?: { message?: Record<string, unknown> }; meta?: Record<string, unknown> }) ?? {};
  const message = tx.transaction?.message ?? {};
  const keys = ((message.accountKeys as unknown[]) ?? []).map((k) =>
    typeof k === "string" ? k : ((k as { pubkey?: string }).pubkey ?? ""),
  );
  const loaded = (tx.meta?.loadedAddresses as { writable?: string[]; readonly?: string[] } | undefined) ?? {};
  const all = [...keys, ...(loaded.writable ?? []), ...(loaded.readonly ?? [])];
  const ids = new Set<string>();
  const visit = (ix: Record<string, unknown>) => {
    if (typeof ix.programId === "string") ids.add(ix.programId);
    else if (typeof ix.programIdIndex === "number" && all[ix.programIdIndex])
      ids.add(all[ix.programIdIndex]!);
  };
  for (const ix of (message.instructions as Record<string, unknown>[]) ?? []) visit(ix);
  for (const inner of (tx.meta?.innerInstructions as { instructions?: Record<string, unknown>[] }[]) ?? []) {
    for (const ix of inner.instructions ?? []) visit(ix);
  }
  return [...ids];
};

/**
 * Top-level system-program transfers (`jsonParsed` encoding) of a Solana transaction: who paid
 * whom how many lamports in an instruction of its own (not inside a program's route). Transfers
 * to an account that holds a token balance in the transaction (a wrapped-SOL account) are left
 * out: they are the trade itself.
 */
export const sidePaymentsOf = (data: unknown): { from: string; to: string; lamports: bigint }[] => {
  const tx =
    (data as {
      transaction?: { message?: { instructions?: unknown[]; accountKeys?: unknown[] } };
      meta?: {
        preTokenBalances?: { accountIndex: number }[];
        postTokenBalances?: { accountIndex: number }[];
      };
    }) ?? {};
  const keys = (tx.transaction?.message?.accountKeys ?? []).map((k) =>
    typeof k === "string" ? k : ((k as { pubkey?: string }).pubkey ?? ""),
  );
  // Token accounts (with a balance, or created, synced or closed in the transaction): lamports sent
  // to them are wrapped SOL on its way into the trade, not a payment to someone.
  const tokenAccounts = new Set<string | undefined>(
    [...(tx.meta?.preTokenBalances ?? []), ...(tx.meta?.postTokenBalances ?? [])].map(
      (b) => keys[b.accountIndex],
    ),
  );
  const inner = (
    (tx.meta as { innerInstructions?: { instructions?: unknown[] }[] } | undefined)?.innerInstructions ?? []
  ).flatMap((i) => i.instructions ?? []);
  for (const ix of [...(tx.transaction?.message?.instructions ?? []), ...inner] as Record<
    string,
    unknown
  >[]) {
    const program = String(ix.program ?? "");
    const info = (ix.parsed as { info?: Record<string, unknown> } | undefined)?.info;
    if (!info) continue;
    if (program.startsWith("spl-token") || program === "spl-associated-token-account") {
      for (const k of ["account", "newAccount", "source", "destination"]) {
        if (typeof info[k] === "string") tokenAccounts.add(info[k] as string);
      }
    } else if (program === "system" && typeof info.newAccount === "string")
      tokenAccounts.add(info.newAccount);
  }
  const out: { from: string; to: string; lamports: bigint }[] = [];
  for (const ix of (tx.transaction?.message?.instructions ?? []) as Record<string, unknown>[]) {
    const parsed = ix.parsed as { type?: string; info?: Record<string, unknown> } | undefined;
    if (ix.program !== "system" || parsed?.type !== "transfer") continue;
    const info = parsed.info ?? {};
    const { source, destination, lamports } = info as {
      source?: unknown;
      destination?: unknown;
      lamports?: unknown;
    };
    if (typeof source !== "string" || typeof destination !== "string") continue;
    if (typeof lamports !== "number" && typeof lamports !== "string") continue;
    if (tokenAccounts.has(destination)) continue;
    out.push({ from: source, to: destination, lamports: BigInt(lamports) });
  }
  return out;
};

/**
 * Loads every transaction of the user's own wallets with its movements (across all of the user's
 * wallets that took part), EVM logs and Solana program ids, grouped per (chain, transaction).
 * `since` limits it to transactions at or after that instant.
 */
export const loadTxGroups = async (
  db: DbOrTx,
  walletList: readonly WalletInfo[],
  since?: Date,
): Promise<TxGroup[]> => {
  const own = walletList.filter((w) => w.kind === "own");
  if (own.length === 0) return [];
  const byId = new Map(walletList.map((w) => [w.id, w]));
  const ids = own.map((w) => w.id);
  const txRows = await db
    .select()
    .from(transactions)
    .where(
      since
        ? and(inArray(transactions.walletId, ids), gte(transactions.time, since))
        : inArray(transactions.walletId, ids),
    );
  const groups = new Map<string, TxGroup>();
  for (const t of txRows) {
    const key = `${t.chain}:${t.txHash}`;
    if (groups.has(key)) continue;
    groups.set(key, {
      chain: t.chain,
      txHash: t.txHash,
      time: t.time,
      blockNumber: t.blockNumber,
      txIndex: t.txIndex,
      status: t.status,
      from: t.from,
      to: t.to,
      method: t.method,
      feePayer: t.feePayer,
      movements: [],
      logs: [],
      programIds: [],
    });
  }
  const moveRows = await db
    .select()
    .from(movements)
    .where(
      since
        ? and(inArray(movements.walletId, ids), gte(movements.time, since))
        : inArray(movements.walletId, ids),
    );
  for (const m of moveRows) {
    const g = groups.get(`${m.chain}:${m.txHash}`);
    const wallet = byId.get(m.walletId);
    if (!g || !wallet) continue;
    g.movements.push({
      wallet,
      chain: m.chain,
      txHash: m.txHash,
      evidence: m.evidence,
      evidenceIndex: m.evidenceIndex,
      chainAsset: m.asset,
      symbol: m.symbol,
      decimals: m.decimals,
      amount: m.amount,
      counterparty: m.counterparty,
      tokenId: m.tokenId,
    } satisfies Movement);
  }
  // Raw records: EVM logs and Solana transactions, per chain.
  const byChain = new Map<string, string[]>();
  for (const g of groups.values()) {
    const list = byChain.get(g.chain) ?? [];
    list.push(g.txHash);
    byChain.set(g.chain, list);
  }
  for (const [chain, hashes] of byChain) {
    for (let i = 0; i < hashes.length; i += CHUNK) {
      const rows = await db
        .select({
          txHash: rawRecords.txHash,
          kind: rawRecords.kind,
          index: rawRecords.index,
          data: rawRecords.data,
        })
        .from(rawRecords)
        .where(
          and(
            eq(rawRecords.chain, chain),
            inArray(rawRecords.txHash, hashes.slice(i, i + CHUNK)),
            inArray(rawRecords.kind, ["log", "receipt", "solana_tx"]),
          ),
        );
      for (const r of rows) {
        const g = groups.get(`${chain}:${r.txHash}`)!;
        if (r.kind === "solana_tx") {
          g.programIds = programIdsOf(r.data);
          const side = sidePaymentsOf(r.data);
          if (side.length > 0) g.sidePayments = side;
          const escrow = escrowChangesOf(r.data);
          if (escrow.length > 0) g.escrow = escrow;
        } else {
          for (const l of logsOf(r.kind, r.index, r.data)) {
            if (!g.logs.some((x) => x.logIndex === l.logIndex)) g.logs.push(l);
          }
        }
      }
    }
  }
  for (const g of groups.values()) {
    g.logs.sort((a, b) => a.logIndex - b.logIndex);
    g.movements.sort(
      (a, b) =>
        a.wallet.key.localeCompare(b.wallet.key) ||
        a.evidence.localeCompare(b.evidence) ||
        a.evidenceIndex.localeCompare(b.evidenceIndex),
    );
    if (g.programIds.length === 0 && g.chain === "solana" && g.method) g.programIds = g.method.split(",");
  }
  return [...groups.values()];
};
