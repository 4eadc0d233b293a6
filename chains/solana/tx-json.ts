/**
 * A `getTransaction` answer as JSON (the node's, unchanged): its types, key list and consistency
 * check. Pure and free of web3.js, so that the transaction thread (tx-thread.ts) loads only this,
 * normalize.ts and stake-instructions.ts. Code that reads an answer imports it from here, not
 * through rpc.ts (which loads web3.js).
 */

/* Raw response types (the subset lotwise reads; everything else is kept in the raw record). */

/** One entry of `meta.pre/postTokenBalances`; `amount` is the raw integer amount as a string. */
export type TokenBalance = {
  accountIndex: number;
  mint: string;
  /** Missing in some very old transactions. */
  owner?: string;
  programId?: string;
  uiTokenAmount: { amount: string; decimals: number };
};

/** `jsonParsed` account key; lookup-table keys are already merged in (`source: "lookupTable"`). */
export type ParsedAccountKey = { pubkey: string; signer: boolean; writable: boolean; source?: string };

/** A `jsonParsed` instruction (parsed known program, or raw) or a `json` compiled instruction. */
export type RawInstruction = {
  program?: string;
  programId?: string;
  parsed?: unknown;
  programIdIndex?: number;
  accounts?: (string | number)[];
  data?: string;
  stackHeight?: number | null;
};

/** `getTransaction` result in `jsonParsed` or `json` encoding. Numbers are lamports or counts. */
export type SolanaTransactionResponse = {
  slot: number;
  /** Unix seconds; null for some old transactions. */
  blockTime?: number | null;
  version?: "legacy" | number;
  transaction: {
    signatures: string[];
    message: {
      accountKeys: (string | ParsedAccountKey)[];
      header?: { numRequiredSignatures: number };
      instructions: RawInstruction[];
    };
  };
  meta: {
    err: unknown;
    fee: number;
    preBalances: number[];
    postBalances: number[];
    preTokenBalances?: TokenBalance[] | null;
    postTokenBalances?: TokenBalance[] | null;
    innerInstructions?: { index: number; instructions: RawInstruction[] }[] | null;
    /** `json` encoding only: keys loaded from address lookup tables, appended after `accountKeys`. */
    loadedAddresses?: { writable: string[]; readonly: string[] } | null;
    computeUnitsConsumed?: number;
  } | null;
};

export type TransactionEncoding = "jsonParsed" | "json";

/** Whether a response is `jsonParsed` (account keys are objects) or `json` (strings). */
export const encodingOf = (tx: SolanaTransactionResponse): TransactionEncoding =>
  typeof tx.transaction.message.accountKeys[0] === "object" ? "jsonParsed" : "json";

/**
 * The full account key list that `pre/postBalances` and token balance `accountIndex` refer to:
 * `jsonParsed` keys as given (lookup-table keys included), or for `json` the static keys followed by
 * `meta.loadedAddresses.writable` and then `.readonly`.
 *
 * Plain loops, not `Array.prototype.map` or spreads: with `.map` here (called 2 to 3 times per
 * transaction), V8 threw away the optimized code of normalize.ts and tx-thread.ts after about
 * 2,500 transactions ("wrong map" deopts of normalizeUsableTransaction, valueMovements,
 * readBalances, parsedTransfers, transferFeesPaid, transactionProblem, readAnswer at once) and
 * compiled them all again: about 0.1 CPU s of compiler threads in a 5,000-transaction sync.
 */
export const accountKeysOf = (tx: SolanaTransactionResponse): string[] => {
  const list = tx.transaction.message.accountKeys;
  const keys: string[] = [];
  for (let k = 0; k < list.length; k++) {
    const key = list[k]!;
    keys.push(typeof key === "string" ? key : key.pubkey);
  }
  if (encodingOf(tx) === "json" && tx.meta?.loadedAddresses) {
    const { writable, readonly } = tx.meta.loadedAddresses;
    for (let k = 0; k < writable.length; k++) keys.push(writable[k]!);
    for (let k = 0; k < readonly.length; k++) keys.push(readonly[k]!);
  }
  return keys;
};

/** A JSON number that is an exact non-negative integer (lamports, slots, counts). */
export const isSafeCount = (n: unknown): n is number =>
  typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

/**
 * What is wrong with a `getTransaction` answer, or undefined when it is usable: status metadata
 * present, lamport balances aligned with the full key list and exact (JSON numbers above 2^53 lose
 * precision), token balances pointing at real keys with integer amounts.
 */
export const transactionProblem = (tx: SolanaTransactionResponse): string | undefined => {
  if (!tx || typeof tx !== "object" || !tx.transaction?.message) return "not a transaction";
  if (!Array.isArray(tx.transaction.signatures) || typeof tx.transaction.signatures[0] !== "string")
    return "no signatures";
  if (!isSafeCount(tx.slot)) return "invalid slot";
  const meta = tx.meta;
  if (!meta) return "no status metadata (meta is null)";
  if (!Array.isArray(tx.transaction.message.accountKeys) || tx.transaction.message.accountKeys.length === 0)
    return "no account keys";
  const keys = accountKeysOf(tx);
  if (keys.some((k) => typeof k !== "string")) return "account key is not a string";
  if (!isSafeCount(meta.fee)) return `fee ${String(meta.fee)} is not an exact lamport amount`;
  for (const name of ["preBalances", "postBalances"] as const) {
    const list = meta[name];
    if (!Array.isArray(list) || list.length !== keys.length)
      return `${name} has ${Array.isArray(list) ? list.length : "no"} entries for ${keys.length} account keys`;
    if (!list.every(isSafeCount)) return `${name} holds a value that is not an exact lamport amount`;
  }
  for (const name of ["preTokenBalances", "postTokenBalances"] as const) {
    for (const b of meta[name] ?? []) {
      if (!Number.isInteger(b.accountIndex) || b.accountIndex < 0 || b.accountIndex >= keys.length)
        return `${name} accountIndex ${b.accountIndex} is out of range`;
      if (typeof b.mint !== "string") return `${name} entry without mint`;
      if (typeof b.uiTokenAmount?.amount !== "string" || !/^\d+$/.test(b.uiTokenAmount.amount))
        return `${name} amount ${String(b.uiTokenAmount?.amount)} is not an integer string`;
      if (!Number.isInteger(b.uiTokenAmount.decimals)) return `${name} decimals missing`;
    }
  }
  return undefined;
};

/**
 * One answer of a `getTransaction` batch, judged against the signatures asked for: a usable
 * transaction (`ok`, with its own signature), the node's JSON-RPC error, no transaction (null),
 * or an unusable one (`problem`: inconsistent, or for a signature not asked for).
 */
export type JudgedAnswer<T> =
  | { ok: T; signature: string }
  | { error: { code: number; message: string } }
  | { missing: true }
  | { problem: string };

/** Judges one JSON-RPC answer of a `getTransaction` batch (see `JudgedAnswer`). */
export const judgeAnswer = (
  answer: unknown,
  wanted: ReadonlySet<string>,
): JudgedAnswer<SolanaTransactionResponse> => {
  const a = answer as { result?: unknown; error?: { code?: number; message?: string } } | null | undefined;
  if (a?.error) {
    const { code = 0, message = "error" } = a.error;
    return { error: { code, message } };
  }
  const tx = a?.result as SolanaTransactionResponse | null | undefined;
  if (tx === null || tx === undefined) return { missing: true };
  const problem = transactionProblem(tx);
  const signature = tx.transaction?.signatures?.[0];
  if (problem || !signature || !wanted.has(signature))
    return { problem: problem ?? `answer is for another signature (${signature})` };
  return { ok: tx, signature };
};
