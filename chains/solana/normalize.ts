import { NonRetryableError } from "../../src/errors.ts";
import {
  accountKeysOf,
  encodingOf,
  type RawInstruction,
  type SolanaTransactionResponse,
  type TokenBalance,
  type TransactionEncoding,
  transactionProblem,
} from "./tx-json.ts";

/**
 * Raw `getTransaction` JSON → the wallet's movements, from balance deltas (pure; no I/O).
 *
 * Rules, for wallet W (amounts are signed raw integers: lamports, token base units):
 * - **Owned token accounts** are those whose pre- or post-token balance names W as `owner` (plus
 *   `knownTokenAccounts`, for old transactions whose balances lack `owner`).
 * - **SOL** (`sol`, one net movement) = W's lamport change + the fee when W paid it + the lamport
 *   changes of W's owned token accounts. Counting the lamports of W's token accounts makes
 *   wrapping/unwrapping SOL net to zero, and turns the rent of a token account W creates or closes
 *   into a move between W's own accounts (no phantom income when a wrapped-SOL account closes).
 *   Rent W pays for someone else's new account (e.g. the recipient's token account in a send) is a
 *   real SOL outflow and stays in this movement; it is not a fee.
 * - **SPL** (`spl`, one movement per mint) = Σ post − Σ pre `uiTokenAmount.amount` over W's owned
 *   token accounts; a missing pre (account created) or post (account closed) counts as 0. Wrapped
 *   SOL is skipped here: its lamports are already in the SOL movement.
 * - **Fee** (`sol_fee`) = −`meta.fee` (base fee + priority fee) when W is the fee payer (the first
 *   account key); nothing when a relayer paid.
 * - **Failed transactions** (`meta.err` set) charge only the fee; no other movement is recorded.
 * - Zero amounts are dropped. Counterparties come from parsed transfer instructions (`jsonParsed`
 *   only) and are set only when exactly one other party is involved.
 */

export const WSOL_MINT = "So11111111111111111111111111111111111111112";
/** Decimals of SOL (1 SOL = 10^9 lamports). */
export const SOL_DECIMALS = 9;
/** Base fee per signature, in lamports; the rest of `meta.fee` is the priority fee. */
export const LAMPORTS_PER_SIGNATURE = 5000n;

export type SolanaEvidence = "sol" | "spl" | "sol_fee" | "spl_fee";

export type SolanaMovement = {
  evidence: SolanaEvidence;
  /** `net` for SOL, `fee` for the fee, the mint for SPL. */
  evidenceIndex: string;
  /** `null` for SOL, else the mint. */
  mint: string | null;
  decimals: number;
  /** Signed raw amount: positive in, negative out. */
  amount: bigint;
  counterparty: string | null;
};

export type NormalizedSolanaTx = {
  signature: string;
  slot: bigint;
  /** Unix seconds, null when the node did not record it. */
  blockTime: number | null;
  status: "success" | "failed";
  feePayer: string;
  /** Total fee in lamports (base + priority). */
  fee: bigint;
  walletIsFeePayer: boolean;
  /** Top-level program ids in instruction order, without repeats. */
  programIds: string[];
  movements: SolanaMovement[];
  /** Token accounts of W seen in this transaction (for discovery). */
  ownedTokenAccounts: { address: string; mint: string; programId: string | null }[];
  /** Mints W's movements touch, with their decimals (for the tokens table). */
  mints: { mint: string; decimals: number; programId: string | null }[];
  /** JSON-safe facts for the transaction row (bigints as strings). */
  details: {
    encoding: TransactionEncoding;
    version: string;
    fee: string;
    baseFee: string;
    priorityFee: string;
    computeUnitsConsumed: number | null;
    err: unknown;
    walletSigned: boolean;
    warnings: string[];
  };
};

export type NormalizeOptions = {
  /** Token accounts known to belong to W, used when a token balance has no `owner`. */
  knownTokenAccounts?: ReadonlySet<string>;
};

/** Thrown for a transaction that cannot be normalized; names the signature. */
export class SolanaNormalizeError extends NonRetryableError {
  override name = "SolanaNormalizeError";
}

const delta = (pre: number | undefined, post: number | undefined): bigint =>
  BigInt(post ?? 0) - BigInt(pre ?? 0);

/*
 * normalizeTransaction is split into the functions below, each a plain loop over the answer, so
 * that V8 optimizes each on its own: as one function (with tuple loops and spreads) its optimized
 * code took 0.3–0.5 s of compiler time, and the new object shapes of later transactions threw it
 * away three times in a 5,000-transaction sync (1.5 CPU s of a 6 s cold sync).
 */

/** W's token balances (by account index), the owners of all token accounts, and the warnings. */
type Balances = {
  pre: Map<number, TokenBalance>;
  post: Map<number, TokenBalance>;
  ownerOf: Map<string, string>;
  warnings: string[];
};

/** Reads one token balance list (pre or post) into `into` and `out` (see `Balances`). */
const readBalances = (
  list: readonly TokenBalance[],
  into: Map<number, TokenBalance>,
  out: Balances,
  keys: readonly string[],
  wallet: string,
  known: ReadonlySet<string>,
): void => {
  for (let k = 0; k < list.length; k++) {
    const b = list[k]!;
    const account = keys[b.accountIndex]!;
    const owner = b.owner;
    if (owner) out.ownerOf.set(account, owner);
    else if (!known.has(account)) out.warnings.push(`token balance of ${account} has no owner`);
    if (owner === wallet || (owner === undefined && known.has(account))) into.set(b.accountIndex, b);
  }
};

/** Adds `sign` × each balance's amount to its mint in `byMint`, and its mint to `mints` (wrapped SOL skipped). */
const addBalances = (
  balances: ReadonlyMap<number, TokenBalance>,
  sign: bigint,
  byMint: Map<string, bigint>,
  mints: Map<string, { mint: string; decimals: number; programId: string | null }>,
): void => {
  for (const b of balances.values()) {
    if (b.mint === WSOL_MINT) continue;
    byMint.set(b.mint, (byMint.get(b.mint) ?? 0n) + sign * BigInt(b.uiTokenAmount.amount));
    mints.set(b.mint, { mint: b.mint, decimals: b.uiTokenAmount.decimals, programId: b.programId ?? null });
  }
};

/**
 * The movements of a successful transaction other than the fee (SOL net, SPL per mint, Token-2022
 * transfer fees), in that order; fills `mints` with the mints of W's token balances.
 */
const valueMovements = (
  tx: SolanaTransactionResponse,
  keys: readonly string[],
  wallet: string,
  fee: bigint,
  walletIsFeePayer: boolean,
  balances: Balances,
  ownedIndexes: ReadonlySet<number>,
  ownedTokenAccounts: readonly { address: string }[],
  mints: Map<string, { mint: string; decimals: number; programId: string | null }>,
): SolanaMovement[] => {
  const meta = tx.meta!;
  const { pre, post, ownerOf } = balances;
  const movements: SolanaMovement[] = [];
  const walletIndex = keys.indexOf(wallet);
  let sol = walletIndex >= 0 ? delta(meta.preBalances[walletIndex], meta.postBalances[walletIndex]) : 0n;
  if (walletIsFeePayer) sol += fee;
  for (const i of ownedIndexes) sol += delta(meta.preBalances[i], meta.postBalances[i]);

  const byMint = new Map<string, bigint>();
  addBalances(pre, -1n, byMint, mints);
  addBalances(post, 1n, byMint, mints);

  const mine = new Set<string>([wallet]);
  for (const a of ownedTokenAccounts) mine.add(a.address);
  const parsed = encodingOf(tx) === "jsonParsed";
  const transfers = parsed ? parsedTransfers(tx, keys, meta) : [];
  if (sol !== 0n) {
    movements.push({
      evidence: "sol",
      evidenceIndex: "net",
      mint: null,
      decimals: SOL_DECIMALS,
      amount: sol,
      counterparty: counterpartyOf(transfers, null, sol, mine, ownerOf),
    });
  }
  const withheld = parsed ? transferFeesPaid(tx, keys, meta, mine, byMint) : new Map<string, bigint>();
  const sorted = [...byMint.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const mint of sorted) {
    const amount = byMint.get(mint)!;
    if (amount === 0n) continue;
    // A Token-2022 transfer fee W paid is a cost of the transfer: the value sent is the net, the fee its own row.
    const fee = withheld.get(mint) ?? 0n;
    if (amount + fee !== 0n) {
      movements.push({
        evidence: "spl",
        evidenceIndex: mint,
        mint,
        decimals: mints.get(mint)!.decimals,
        amount: amount + fee,
        counterparty: counterpartyOf(transfers, mint, amount, mine, ownerOf),
      });
    }
    if (fee !== 0n) {
      movements.push({
        evidence: "spl_fee",
        evidenceIndex: mint,
        mint,
        decimals: mints.get(mint)!.decimals,
        amount: -fee,
        counterparty: null,
      });
    }
  }
  return movements;
};

/** Whether W signed the transaction (`jsonParsed`: its key's `signer`; `json`: among the first signers). */
const walletSignedIn = (tx: SolanaTransactionResponse, keys: readonly string[], wallet: string): boolean => {
  if (encodingOf(tx) !== "jsonParsed") {
    const at = keys.indexOf(wallet);
    return at >= 0 && at < (tx.transaction.message.header?.numRequiredSignatures ?? 1);
  }
  const list = tx.transaction.message.accountKeys;
  for (let k = 0; k < list.length; k++) {
    const key = list[k]!;
    if (typeof key === "object" && key.pubkey === wallet && key.signer) return true;
  }
  return false;
};

/**
 * Normalizes one transaction from `wallet`'s point of view.
 * @throws SolanaNormalizeError naming the signature when the JSON is not a usable transaction.
 */
export const normalizeTransaction = (
  tx: SolanaTransactionResponse,
  wallet: string,
  options: NormalizeOptions = {},
): NormalizedSolanaTx => {
  const problem = transactionProblem(tx);
  if (problem) {
    const signature = tx?.transaction?.signatures?.[0] ?? "(unknown signature)";
    throw new SolanaNormalizeError(`solana transaction ${signature}: ${problem}`);
  }
  return normalizeUsableTransaction(tx, wallet, options);
};

/**
 * `normalizeTransaction` of a transaction already found usable (`transactionProblem` gave
 * nothing, e.g. `judgeAnswer`'s `ok`), without checking it again (about 15 µs a transaction).
 */
export const normalizeUsableTransaction = (
  tx: SolanaTransactionResponse,
  wallet: string,
  options: NormalizeOptions = {},
): NormalizedSolanaTx => {
  const signature = tx.transaction.signatures[0]!;
  const meta = tx.meta!;
  const keys = accountKeysOf(tx);
  const feePayer = keys[0]!;
  const walletIsFeePayer = feePayer === wallet;
  const fee = BigInt(meta.fee);
  const failed = meta.err !== null && meta.err !== undefined;
  const known = options.knownTokenAccounts ?? new Set<string>();

  // Token balances of W's accounts, by account index.
  const balances: Balances = { pre: new Map(), post: new Map(), ownerOf: new Map(), warnings: [] };
  readBalances(meta.preTokenBalances ?? [], balances.pre, balances, keys, wallet, known);
  readBalances(meta.postTokenBalances ?? [], balances.post, balances, keys, wallet, known);
  const { pre, post } = balances;
  const ownedIndexes = new Set<number>(pre.keys());
  for (const i of post.keys()) ownedIndexes.add(i);
  // A loop, not `.map`: see tx-json.ts accountKeysOf (a "wrong map" deopt of valueMovements).
  const indexes = [...ownedIndexes].sort((a, b) => a - b);
  const ownedTokenAccounts: NormalizedSolanaTx["ownedTokenAccounts"] = [];
  for (let k = 0; k < indexes.length; k++) {
    const i = indexes[k]!;
    const b = (post.get(i) ?? pre.get(i))!;
    ownedTokenAccounts.push({ address: keys[i]!, mint: b.mint, programId: b.programId ?? null });
  }

  const mints = new Map<string, { mint: string; decimals: number; programId: string | null }>();
  const movements = failed
    ? []
    : valueMovements(
        tx,
        keys,
        wallet,
        fee,
        walletIsFeePayer,
        balances,
        ownedIndexes,
        ownedTokenAccounts,
        mints,
      );
  if (walletIsFeePayer && fee !== 0n) {
    movements.push({
      evidence: "sol_fee",
      evidenceIndex: "fee",
      mint: null,
      decimals: SOL_DECIMALS,
      amount: -fee,
      counterparty: null,
    });
  }
  for (const m of [...mints.keys()]) if (!movements.some((x) => x.mint === m)) mints.delete(m);

  const baseFee = LAMPORTS_PER_SIGNATURE * BigInt(tx.transaction.signatures.length);
  return {
    signature,
    slot: BigInt(tx.slot),
    blockTime: typeof tx.blockTime === "number" ? tx.blockTime : null,
    status: failed ? "failed" : "success",
    feePayer,
    fee,
    walletIsFeePayer,
    programIds: programIdsOf(tx, keys),
    movements,
    ownedTokenAccounts,
    mints: [...mints.values()],
    details: {
      encoding: encodingOf(tx),
      version: String(tx.version ?? "legacy"),
      fee: fee.toString(),
      baseFee: (fee < baseFee ? fee : baseFee).toString(),
      priorityFee: (fee > baseFee ? fee - baseFee : 0n).toString(),
      computeUnitsConsumed: typeof meta.computeUnitsConsumed === "number" ? meta.computeUnitsConsumed : null,
      err: failed ? meta.err : null,
      walletSigned: walletSignedIn(tx, keys, wallet),
      warnings: [...new Set(balances.warnings)],
    },
  };
};

const programIdOf = (ix: RawInstruction, keys: readonly string[]): string | undefined =>
  ix.programId ?? (ix.programIdIndex !== undefined ? keys[ix.programIdIndex] : undefined);

const programIdsOf = (tx: SolanaTransactionResponse, keys: readonly string[]): string[] => {
  const out: string[] = [];
  for (const ix of tx.transaction.message.instructions) {
    const id = programIdOf(ix, keys);
    if (id && !out.includes(id)) out.push(id);
  }
  return out;
};

const amountOf = (v: unknown): bigint | undefined => {
  const a = (v as { amount?: unknown } | undefined)?.amount;
  return typeof a === "string" && /^\d+$/.test(a) ? BigInt(a) : undefined;
};

/**
 * Token-2022 transfer fees W paid, per mint (raw units, positive). A mint with the TransferFeeConfig
 * extension withholds a fee from each transfer in the recipient's account, where it counts in no
 * balance: the sender gives `amount`, the recipient's balance grows by `amount − fee`. Read from
 * `jsonParsed` `spl-token-2022` instructions whose source is one of W's accounts and whose
 * destination is not: `transferCheckedWithFee` states `feeAmount`; a `transferChecked` / `transfer`
 * shows it as the amount minus the destination's balance growth, when that destination is credited
 * by that one instruction only. Capped at what W's balance of the mint actually lost.
 */
const transferFeesPaid = (
  tx: SolanaTransactionResponse,
  keys: readonly string[],
  meta: NonNullable<SolanaTransactionResponse["meta"]>,
  mine: ReadonlySet<string>,
  byMint: ReadonlyMap<string, bigint>,
): Map<string, bigint> => {
  const all = [
    ...tx.transaction.message.instructions,
    ...(meta.innerInstructions ?? []).flatMap((i) => i.instructions),
  ];
  const token2022 = all.filter((ix) => ix.program === "spl-token-2022");
  // No Token-2022 instruction, no fee: the balances need not be read (most transactions).
  if (token2022.length === 0) return new Map<string, bigint>();
  const growth = new Map<string, bigint>();
  const mintOf = new Map<string, string>();
  for (const [sign, list] of [
    [-1n, meta.preTokenBalances ?? []],
    [1n, meta.postTokenBalances ?? []],
  ] as const) {
    for (const b of list) {
      const account = keys[b.accountIndex]!;
      mintOf.set(account, b.mint);
      growth.set(account, (growth.get(account) ?? 0n) + sign * BigInt(b.uiTokenAmount.amount));
    }
  }
  const credits = new Map<string, number>();
  for (const ix of token2022) {
    const to = (ix.parsed as ParsedIx | undefined)?.info?.destination;
    if (typeof to === "string") credits.set(to, (credits.get(to) ?? 0) + 1);
  }
  const fees = new Map<string, bigint>();
  for (const ix of token2022) {
    const parsed = ix.parsed as ParsedIx | undefined;
    const info = parsed?.info;
    if (!info || !/^(transfer|transferChecked|transferCheckedWithFee)$/.test(parsed?.type ?? "")) continue;
    const from = typeof info.source === "string" ? info.source : undefined;
    const to = typeof info.destination === "string" ? info.destination : undefined;
    if (!from || !to || !mine.has(from) || mine.has(to)) continue;
    const mint = (typeof info.mint === "string" ? info.mint : undefined) ?? mintOf.get(from);
    if (!mint) continue;
    const amount =
      amountOf(info.tokenAmount) ?? (typeof info.amount === "string" ? BigInt(info.amount) : undefined);
    let fee = amountOf(info.feeAmount);
    if (fee === undefined && amount !== undefined && credits.get(to) === 1) {
      const got = growth.get(to);
      if (got !== undefined && got >= 0n && got < amount) fee = amount - got;
    }
    if (fee && fee > 0n) fees.set(mint, (fees.get(mint) ?? 0n) + fee);
  }
  for (const [mint, fee] of fees) {
    const lost = -(byMint.get(mint) ?? 0n);
    if (lost <= 0n) fees.delete(mint);
    else if (fee > lost) fees.set(mint, lost);
  }
  return fees;
};

/** A value transfer read from a parsed instruction; `mint` null = lamports (SOL or wrapped SOL). */
type Transfer = { from: string; to: string; mint: string | null };

type ParsedIx = { type?: string; info?: Record<string, unknown> };

/** System and token transfers from `jsonParsed` instructions (top level and inner). */
const parsedTransfers = (
  tx: SolanaTransactionResponse,
  keys: readonly string[],
  meta: NonNullable<SolanaTransactionResponse["meta"]>,
): Transfer[] => {
  const mintOf = new Map<string, string>();
  for (const b of [...(meta.preTokenBalances ?? []), ...(meta.postTokenBalances ?? [])])
    mintOf.set(keys[b.accountIndex]!, b.mint);
  const all = [
    ...tx.transaction.message.instructions,
    ...(meta.innerInstructions ?? []).flatMap((i) => i.instructions),
  ];
  const out: Transfer[] = [];
  for (const ix of all) {
    const parsed = ix.parsed as ParsedIx | undefined;
    const info = parsed?.info;
    if (!info || typeof parsed?.type !== "string") continue;
    const str = (k: string) => (typeof info[k] === "string" ? (info[k] as string) : undefined);
    if (ix.program === "system") {
      const from = str("source") ?? str("from");
      const to = str("destination") ?? str("newAccount");
      if (from && to && /^(transfer|transferWithSeed|createAccount|createAccountWithSeed)$/.test(parsed.type))
        out.push({ from, to, mint: null });
    } else if (ix.program === "spl-token" || ix.program === "spl-token-2022") {
      const from = str("source");
      const to = str("destination");
      if (from && to && /^(transfer|transferChecked|transferCheckedWithFee)$/.test(parsed.type)) {
        const mint = str("mint") ?? mintOf.get(from) ?? mintOf.get(to) ?? null;
        out.push({ from, to, mint: mint === WSOL_MINT ? null : mint });
      }
    }
  }
  return out;
};

/**
 * The one other party of W's transfers of `mint` (null = lamports) in the movement's direction,
 * as a wallet (token accounts are mapped to their owner), or null when none or several.
 */
const counterpartyOf = (
  transfers: readonly Transfer[],
  mint: string | null,
  amount: bigint,
  mine: ReadonlySet<string>,
  ownerOf: ReadonlyMap<string, string>,
): string | null => {
  const parties = new Set<string>();
  for (const t of transfers) {
    if (t.mint !== mint) continue;
    const other = amount < 0n ? (mine.has(t.from) && !mine.has(t.to) ? t.to : undefined) : undefined;
    const source = amount > 0n ? (mine.has(t.to) && !mine.has(t.from) ? t.from : undefined) : undefined;
    const party = other ?? source;
    if (party) parties.add(ownerOf.get(party) ?? party);
  }
  return parties.size === 1 ? [...parties][0]! : null;
};
