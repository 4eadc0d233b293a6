import { eq } from "drizzle-orm";
import { walletKey } from "../../chains/wallet-key.ts";
import type { DbOrTx } from "../../db/client.ts";
import { forEachCells, forEachPackedRow } from "../../db/copy.ts";
import { packedJsonSql } from "../../db/packed-json.ts";
import { packedCellReader } from "../../db/raw-blobs.ts";
import { wallets } from "../../db/schema/index.ts";
import { escrowChangesOf } from "../classify/decoders/jupiter/escrow.ts";
import type { EvmLog, Movement, TxGroup, WalletInfo } from "../classify/types.ts";

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
 * A copy of `cell` that holds only its own characters. A cell read from a line is a slice of it
 * (V8 keeps a slice of 13 or more characters as a view of its parent): kept, it would keep its
 * whole line alive, and every line of a build would be carried through the garbage collector's
 * young generation with the rows that keep them.
 */
export const ownText = (cell: string): string => ` ${cell}`.slice(1);

/**
 * One string per distinct text of `cell`s (addresses, assets, selectors: a handful of values
 * repeated row after row), each its own copy (`ownText`). For one read: it holds every distinct value.
 */
export const interner = () => {
  const seen = new Map<string, string>();
  return (cell: string | null): string | null => {
    if (cell === null || cell.length < 13) return cell;
    let v = seen.get(cell);
    if (v === undefined) {
      v = ownText(cell);
      seen.set(v, v);
    }
    return v;
  };
};

/**
 * The packs the transactions and movements are read in (`forEachPackedRow`): 32, by the hash's
 * hash (any split does: the groups are made by key, and classification sorts them).
 */
const PACK_BY_HASH = "hashtext(tx_hash) & 31";

/** A transaction's movements in order: by wallet, evidence, then evidence index. */
export const byWalletEvidence = (a: Movement, b: Movement): number =>
  a.wallet.key.localeCompare(b.wallet.key) ||
  a.evidence.localeCompare(b.evidence) ||
  a.evidenceIndex.localeCompare(b.evidenceIndex);

/** Longest list `sortShort` sorts itself (longer ones go to `Array.prototype.sort`). */
const SHORT_SORT = 8;

/**
 * Sorts `list` in place by `compare`, stably, as `Array.prototype.sort` does: the same order for
 * a consistent `compare`. A list of a few (a transaction's movements) by insertion, without the
 * work space the engine's sort allocates per call (about 1 KB: 30 MB over a 100,000-movement
 * build); a longer one by the engine.
 */
export const sortShort = <T>(list: T[], compare: (a: T, b: T) => number): T[] => {
  if (list.length > SHORT_SORT) return list.sort(compare);
  for (let i = 1; i < list.length; i++) {
    const item = list[i]!;
    let j = i - 1;
    // Moved past only what sorts strictly after it: equal items keep their order.
    while (j >= 0 && compare(list[j]!, item) > 0) {
      list[j + 1] = list[j]!;
      j--;
    }
    list[j + 1] = item;
  }
  return list;
};

/**
 * Puts each of `moves` (in the order read) into its transaction's group (`groupOf`; a movement
 * without one is left out), after the group's movements so far, with the group's `txHash` string.
 * A transaction's movements are read one after the other (usually): each run of them goes into its
 * group as one copy of exactly its length, not pushed one by one into an array that grows to room
 * for 17 (the engine's first growth: 150 bytes a transaction, kept to the end of a build); a run
 * apart from the group's earlier ones is appended to them.
 */
export const addMovements = (
  moves: readonly Movement[],
  groupOf: (chain: string, txHash: string) => TxGroup | undefined,
): void => {
  for (let start = 0; start < moves.length; ) {
    const first = moves[start]!;
    const g = groupOf(first.chain, first.txHash);
    let end = start + 1;
    while (end < moves.length && moves[end]!.txHash === first.txHash && moves[end]!.chain === first.chain)
      end++;
    if (g) {
      // The group's hash (its own copy), not the movement line's.
      for (let i = start; i < end; i++) moves[i]!.txHash = g.txHash;
      const run = moves.slice(start, end);
      g.movements = g.movements.length === 0 ? run : g.movements.concat(run);
    }
    start = end;
  }
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
  const ids = own.map((w) => Number(w.id)).join(", ");
  // Plain text cells (db/copy.ts `selectCells`), converted here: the query builder's per-row
  // mapping cost more than the reads themselves on 100,000 movements.
  const sinceSql = since ? ` and time >= '${since.toISOString()}'::timestamptz` : "";
  // The three reads are sent at once: on PostgreSQL (a pool) each runs on a connection of its
  // own and hands each row over as it arrives (`forEachCells`), so the server reads movements
  // while this process makes the groups, and no row's cells outlive it (a single connection or
  // PGlite runs them one after the other). Each is one statement, as before.
  // Groups by chain, then hash (no key text per row), in the order read.
  const groups = new Map<string, Map<string, TxGroup>>();
  const list: TxGroup[] = [];
  const groupOf = (chain: string, txHash: string) => groups.get(chain)?.get(txHash);
  // Cells read in place (`forEachPackedRow`: no array per row); a column's value repeated row after row
  // (a chain, a status, an asset) is the previous row's string, not a new one.
  let chain: string | null = null;
  let status: string | null = null;
  // Cells kept by a group or movement: the line they were read from is let go at once.
  const intern = interner();
  const txRead = forEachPackedRow(
    db,
    [
      "chain",
      "tx_hash",
      "floor(extract(epoch from time) * 1000)::int8",
      "block_number",
      "tx_index",
      "status",
      '"from"',
      '"to"',
      "method",
      "fee_payer",
    ],
    `from lotwise_sync.transactions where wallet_id in (${ids})${sinceSql}`,
    PACK_BY_HASH,
    (t) => {
      chain = t.same(chain);
      const txHash = t.next()!;
      let byHash = groups.get(chain!);
      if (!byHash) {
        byHash = new Map();
        groups.set(chain!, byHash);
      }
      if (byHash.has(txHash)) return;
      const hash = ownText(txHash);
      const time = new Date(Number(t.next()));
      const blockNumber = BigInt(t.next()!);
      const txIndex = Number(t.next());
      status = t.same(status);
      const g: TxGroup = {
        chain: chain!,
        txHash: hash,
        time,
        blockNumber,
        txIndex,
        status: status!,
        from: intern(t.next()),
        to: intern(t.next()),
        method: intern(t.next()),
        feePayer: intern(t.next()),
        movements: [],
        logs: [],
        programIds: [],
      };
      byHash.set(hash, g);
      list.push(g);
    },
  );
  // Movements in the order read (joined to their transactions once every read is done).
  const moves: Movement[] = [];
  let moveChain: string | null = null;
  // A transaction's movements usually come one after the other: its hash is one string for them.
  let moveHash: string | null = null;
  let evidence: string | null = null;
  let evidenceIndex: string | null = null;
  let asset: string | null = null;
  let symbol: string | null = null;
  let counterparty: string | null = null;
  const moveRead = forEachPackedRow(
    db,
    [
      "wallet_id",
      "chain",
      "tx_hash",
      "evidence",
      "evidence_index",
      "asset",
      "symbol",
      "decimals",
      "amount",
      "counterparty",
      "token_id",
    ],
    `from lotwise_sync.movements where wallet_id in (${ids})${sinceSql}`,
    PACK_BY_HASH,
    (m) => {
      const wallet = byId.get(Number(m.next()));
      if (!wallet) return;
      moveChain = m.same(moveChain);
      moveHash = m.same(moveHash);
      const txHash = moveHash!;
      evidence = intern(m.same(evidence));
      evidenceIndex = intern(m.same(evidenceIndex));
      asset = intern(m.same(asset));
      symbol = intern(m.same(symbol));
      const decimals = m.next();
      const amount = BigInt(m.next()!);
      counterparty = intern(m.same(counterparty));
      moves.push({
        wallet,
        chain: moveChain!,
        txHash,
        evidence: evidence!,
        evidenceIndex: evidenceIndex!,
        chainAsset: asset!,
        symbol: symbol!,
        decimals: decimals === null ? null : Number(decimals),
        amount,
        counterparty: counterparty!,
        tokenId: intern(m.next()),
      } satisfies Movement);
    },
  );
  // Raw records (EVM logs and Solana transactions) of those transactions, in one query.
  const raws: (string | null)[][] = [];
  const rawRead = forEachCells(
    db,
    `select r.chain, r.tx_hash, r.kind, r.index, ${packedJsonSql("r.data")} from lotwise_sync.raw_records r
      where r.kind in ('log', 'receipt', 'solana_tx')
        and exists (select 1 from lotwise_sync.transactions t
                     where t.wallet_id in (${ids}) and t.chain = r.chain and t.tx_hash = r.tx_hash${sinceSql.replace("time", "t.time")})`,
    (r) => {
      raws.push(r);
    },
  );
  // Settled together (a failed read is not left unobserved while another is awaited).
  await Promise.all([txRead, moveRead, rawRead]);
  addMovements(moves, groupOf);
  // Answers stored as parts of blobs (db/raw-blobs.ts): each blob fetched once.
  const unpack = await packedCellReader(
    db,
    raws.map((r) => r[4]),
  );
  for (const [chain, txHash, kind, index, data] of raws) {
    const g = groupOf(chain!, txHash!);
    if (!g) continue;
    const parsed: unknown = data === null || data === undefined ? null : unpack(data);
    if (kind === "solana_tx") {
      g.programIds = programIdsOf(parsed);
      const side = sidePaymentsOf(parsed);
      if (side.length > 0) g.sidePayments = side;
      const escrow = escrowChangesOf(parsed);
      if (escrow.length > 0) g.escrow = escrow;
    } else {
      for (const l of logsOf(kind!, Number(index), parsed)) {
        if (!g.logs.some((x) => x.logIndex === l.logIndex)) g.logs.push(l);
      }
    }
  }
  for (const g of list) {
    if (g.logs.length > 1) g.logs.sort((a, b) => a.logIndex - b.logIndex);
    sortShort(g.movements, byWalletEvidence);
    if (g.programIds.length === 0 && g.chain === "solana" && g.method) g.programIds = g.method.split(",");
  }
  return list;
};
