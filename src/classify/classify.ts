import type { ClassifyContext } from "./context.ts";
import { attachTradeCosts, extractTradeCosts } from "./costs.ts";
import { DECODERS } from "./decoders/registry.ts";
import type { DecodeResult, Decoder } from "./decoders/types.ts";
import { halfRef, type MatchDecisions, matchHalves } from "./match.ts";
import {
  actionApplies,
  entryForHalf,
  type OverrideAction,
  type OverrideRule,
  reviewForHalf,
  ruleMatches,
} from "./overrides.ts";
import { applyGenericRules, attachFees, FEE_EVIDENCE } from "./rules.ts";
import { spamReason } from "./spam.ts";
import type { Entry, Movement, ReviewDraft, TxClassification, TxGroup, UnmatchedHalf } from "./types.ts";

/**
 * A decoder's addresses on a chain, lower-cased, made once per classification context (they
 * depend on the chain and the context's configured contracts only) instead of once per transaction.
 */
const addressSets = new WeakMap<
  ClassifyContext,
  { contracts: ClassifyContext["contracts"]; sets: Map<Decoder, Map<string, Set<string>>> }
>();
const addressSet = (d: Decoder, chain: string, ctx: ClassifyContext): Set<string> => {
  let cached = addressSets.get(ctx);
  if (!cached || cached.contracts !== ctx.contracts) {
    cached = { contracts: ctx.contracts, sets: new Map() };
    addressSets.set(ctx, cached);
  }
  let byChain = cached.sets.get(d);
  if (!byChain) {
    byChain = new Map();
    cached.sets.set(d, byChain);
  }
  let set = byChain.get(chain);
  if (!set) {
    set = new Set(d.addresses(chain, ctx).map((a) => a.toLowerCase()));
    byChain.set(chain, set);
  }
  return set;
};

/** Own wallet addresses on a chain (lower-cased), once per context and wallet list. */
const ownSets = new WeakMap<
  ClassifyContext,
  { wallets: ClassifyContext["wallets"]; sets: Map<string, Set<string>> }
>();
const ownAddresses = (ctx: ClassifyContext, chain: string): Set<string> => {
  let cached = ownSets.get(ctx);
  if (!cached || cached.wallets !== ctx.wallets) {
    cached = { wallets: ctx.wallets, sets: new Map() };
    ownSets.set(ctx, cached);
  }
  let set = cached.sets.get(chain);
  if (!set) {
    set = new Set(
      ctx.wallets.filter((w) => w.kind === "own" && w.chain === chain).map((w) => w.address.toLowerCase()),
    );
    cached.sets.set(chain, set);
  }
  return set;
};

/** A transaction's addresses lower-cased (its `to`, its logs' and its programs'), as decoders' sets hold them. */
type Lowered = { to: string | undefined; logs: readonly string[]; programs: readonly string[] };

const lowered = (tx: TxGroup): Lowered => ({
  to: tx.to ? tx.to.toLowerCase() : undefined,
  logs: tx.logs.length === 0 ? [] : tx.logs.map((l) => l.address.toLowerCase()),
  programs: tx.programIds.length === 0 ? [] : tx.programIds.map((p) => p.toLowerCase()),
});

/** Whether `set` holds the transaction's `to`, a log's address or a program (loops: no callback made per decoder and transaction). */
const touches = (tx: Lowered, set: ReadonlySet<string>): boolean => {
  if (set.size === 0) return false;
  if (tx.to !== undefined && set.has(tx.to)) return true;
  for (const a of tx.logs) if (set.has(a)) return true;
  for (const p of tx.programs) if (set.has(p)) return true;
  return false;
};

/** Runs the first decoder that recognizes `tx`. Uniswap V2 pairs are found by their events. */
const decode = (
  tx: TxGroup,
  ctx: ClassifyContext,
  decoders: readonly Decoder[],
): DecodeResult | undefined => {
  // Lower-cased once per transaction (not once per decoder), when a decoder first asks (no closure
  // made per transaction to ask it).
  let addresses: Lowered | undefined;
  for (const d of decoders) {
    if (d.recognizes) {
      if (!d.recognizes(tx)) continue;
    } else if (d.protocol !== "uniswap-v2") {
      addresses ??= lowered(tx);
      if (!touches(addresses, addressSet(d, tx.chain, ctx))) continue;
    }
    const r = d.decode(tx, ctx);
    if (r) return r;
  }
  return undefined;
};

/** Pending network fees of a classified transaction (attached once every entry is known). */
type Pending = { tx: TxGroup; feeMoves: Movement[]; subtype: string | undefined };

/**
 * Classifies one transaction across the user's wallets (before cross-chain matching). Network
 * fees are not attached yet (`pending`): entries added later (a pairing, a rule, a setting) must
 * get the fee exactly as entries made here would.
 * `override` is the user's per-transaction decision, if any.
 */
const classifyOne = (
  tx: TxGroup,
  ctx: ClassifyContext,
  override?: { id: number; action: OverrideAction },
  decoders: readonly Decoder[] = DECODERS,
): { result: TxClassification; pending: Pending } => {
  const reviews: ReviewDraft[] = [];
  const base = { chain: tx.chain, txHash: tx.txHash, time: tx.time, blockNumber: tx.blockNumber };
  if (override && (override.action.as === "ignore" || override.action.as === "spam")) {
    return {
      result: {
        ...base,
        kind: override.action.as === "spam" ? "spam" : "ignored",
        source: `override:${override.id}`,
        entries: [],
        reviews,
        unmatched: [],
      },
      pending: { tx, feeMoves: [], subtype: undefined },
    };
  }
  const feeMoves: Movement[] = [];
  const valueMoves: Movement[] = [];
  for (const m of tx.movements) (FEE_EVIDENCE.has(m.evidence) ? feeMoves : valueMoves).push(m);
  const own = ownAddresses(ctx, tx.chain);

  const spam = spamReason(tx, own, valueMoves);
  if (spam) {
    return {
      result: {
        ...base,
        kind: "spam",
        source: "rule:spam",
        entries: [],
        reviews: [{ reason: "spam", message: spam }],
        unmatched: [],
      },
      pending: { tx, feeMoves: [], subtype: undefined },
    };
  }
  // Zero-value transfers carry no asset; drop them (they are still in the raw records).
  // Costs paid to third parties inside a trade come out of the netted amounts, to be itemized.
  const { moves: moving, costs } = extractTradeCosts(
    tx,
    ctx,
    valueMoves.filter((m) => m.amount !== 0n),
  );

  let entries: Entry[] = [];
  let source = "rule:generic";
  let subtype: string | undefined;
  let details: Record<string, unknown> | undefined;
  let remaining: readonly Movement[] = moving;
  let decidable: DecodeResult["decidable"];
  if (tx.status !== "failed") {
    const decoded = decode(tx, ctx, decoders);
    if (decoded) {
      source = `decoder:${decoded.action}`;
      subtype = decoded.subtype;
      const skip = new Set<Movement>([...(decoded.consumed ?? []), ...(decoded.ignored ?? [])]);
      remaining = moving.filter((m) => !skip.has(m));
      entries = [...(decoded.entries ?? [])];
      reviews.push(...(decoded.reviews ?? []));
      details = decoded.details;
      decidable = decoded.decidable;
    }
  } else {
    // A failed transaction moved nothing; any value movement reported for it would be an indexer bug.
    remaining = [];
  }
  const generic = applyGenericRules(tx, ctx, remaining, subtype);
  // One copy of both lists, of exactly their length (pushed into an empty list, a transaction's one
  // entry would take an array with room for 17, kept to the end of the build).
  entries = entries.concat(generic.entries);
  attachTradeCosts(entries, costs);
  reviews.push(...generic.reviews);
  const kinds = generic.kinds;
  if (source.startsWith("decoder:"))
    kinds.add(entries.some((e) => e.kind === "trade" && e.subtype === "swap") ? "swap" : "defi");
  if (generic.unmatched.length > 0) kinds.add("unmatched");

  let unmatched = generic.unmatched;
  if (override) {
    source = `override:${override.id}`;
    // A half the decision cannot decide (income for an outflow) stays unmatched: paired or reviewed.
    const left = unmatched.filter((h) => !actionApplies(override.action, h.direction));
    for (const h of unmatched) {
      if (left.includes(h)) continue;
      const e = entryForHalf(h, override.action);
      if (e) entries.push(e);
    }
    unmatched = left;
    // What the decoder left to the user (a negative rebase): the decision records it and answers
    // the decoder's review item.
    if (decidable?.halves.every((h) => actionApplies(override.action, h.direction))) {
      for (const h of decidable.halves) {
        const e = entryForHalf(h, override.action);
        if (e) entries.push(e);
      }
      const answered = decidable.reason;
      for (let i = reviews.length - 1; i >= 0; i--) if (reviews[i]!.reason === answered) reviews.splice(i, 1);
    }
    for (const e of entries) {
      if (override.action.note) e.note = override.action.note;
      if (override.action.subtype && e.kind !== "fee") e.subtype = override.action.subtype;
    }
    if (left.length === 0) kinds.delete("unmatched");
    kinds.add(override.action.as);
  }
  const kind =
    kinds.size === 0
      ? "empty"
      : kinds.size === 1
        ? kinds.values().next().value!
        : kinds.has("unmatched")
          ? "unmatched"
          : "mixed";
  // Built field by field (the same keys in the same order as spreading `base`, without the spreads).
  const result: TxClassification = {
    chain: base.chain,
    txHash: base.txHash,
    time: base.time,
    blockNumber: base.blockNumber,
    kind,
    source,
    entries,
    reviews,
    unmatched,
  };
  if (details) result.details = details;
  return { result, pending: { tx, feeMoves, subtype } };
};

/** Classifies one transaction on its own (no pairing across transactions), fees attached. */
export const classifyTx = (
  tx: TxGroup,
  ctx: ClassifyContext,
  override?: { id: number; action: OverrideAction },
  decoders: readonly Decoder[] = DECODERS,
): TxClassification => {
  const { result, pending } = classifyOne(tx, ctx, override, decoders);
  finishFees(result, pending, ctx);
  return result;
};

const finishFees = (r: TxClassification, p: Pending, ctx: ClassifyContext) => {
  if (p.feeMoves.length === 0) return;
  const kinds = attachFees(p.tx, ctx, p.feeMoves, r.entries, p.subtype);
  if (kinds.length > 0 && r.kind === "empty") r.kind = "fee";
};

/**
 * Chain position order: time, then chain, then block (or slot), then position in the block, then
 * hash. Two transactions of one chain in the same second but different blocks keep block order.
 */
export const byChainPosition = (a: TxGroup, b: TxGroup): number =>
  a.time.getTime() - b.time.getTime() ||
  a.chain.localeCompare(b.chain) ||
  (a.blockNumber < b.blockNumber ? -1 : a.blockNumber > b.blockNumber ? 1 : 0) ||
  a.txIndex - b.txIndex ||
  a.txHash.localeCompare(b.txHash);

export type ClassifyOverrides = {
  perTx: ReadonlyMap<string, { id: number; action: OverrideAction }>;
  rules: readonly OverrideRule[];
  /** `lotwise review link/unlink` decisions. */
  links?: MatchDecisions | undefined;
};

/**
 * Registered exchange deposit addresses (`wallets add ADDR --exchange --label kraken:main`): the
 * lower-cased address → the account labelled on it, on any chain (an export names an address
 * without its chain). Undefined when there are none.
 */
const depositAccounts = (ctx: ClassifyContext): ReadonlyMap<string, string> | undefined => {
  const book = new Map<string, string>();
  for (const w of ctx.wallets) if (w.kind === "exchange") book.set(w.address.toLowerCase(), w.key);
  return book.size > 0 ? book : undefined;
};

/**
 * An imported withdrawal whose destination is a deposit address registered for another account
 * (Coinbase straight to Kraken), with that account as its `account`: it pairs only with that
 * account's deposit, and unpaired it is a transfer there. Any other half as it is.
 */
const paidToDeposit = (h: UnmatchedHalf, deposits: ReadonlyMap<string, string>): UnmatchedHalf => {
  if (h.direction !== "out" || h.hasRow || h.account) return h;
  for (const address of h.evidence?.addresses ?? []) {
    const account = deposits.get(address.toLowerCase());
    if (account && account !== h.wallet.key) return { ...h, account, counterparty: address };
  }
  return h;
};

/**
 * Classifies every transaction (in chain position order), pairs unmatched halves across
 * transactions, chains and imports (`match.ts`), then settles what is left: the user's rules
 * first, then the settings' defaults (`unmatchedOutflow`, `unmatchedInflow`), else a review item.
 * Network fees are attached last, to each wallet's first entry of the transaction, so a decision
 * or a setting produces exactly the rows classification would.
 *
 * `extraHalves` are imported halves (exchange withdrawals and deposits). One left unpaired, with
 * no ledger row of its own (`hasRow` false), gets a classification of its own keyed
 * `<its chain>:<its row id>` (e.g. `import:coinbase:cb-7`) carrying its review item or decided entry.
 * `preMatched` are halves a previous build already paired with a transaction outside this build's
 * range: they are left out of matching and count as matched.
 */
export const classifyAll = (
  txs: readonly TxGroup[],
  ctx: ClassifyContext,
  overrides: ClassifyOverrides,
  extraHalves: readonly UnmatchedHalf[] = [],
  options: { preMatched?: (h: UnmatchedHalf) => boolean } = {},
): TxClassification[] => {
  const sorted = [...txs].sort(byChainPosition);
  const pendings: Pending[] = [];
  const results: TxClassification[] = [];
  const keys: string[] = [];
  // `<chain>:<tx hash>` → classification (the last of a key, as a map of all of them would hold).
  const byTx = new Map<string, TxClassification>();
  const decided = overrides.perTx.size > 0;
  for (const tx of sorted) {
    const key = `${tx.chain}:${tx.txHash}`;
    const { result, pending } = classifyOne(tx, ctx, decided ? overrides.perTx.get(key) : undefined);
    pendings.push(pending);
    results.push(result);
    keys.push(key);
    byTx.set(key, result);
  }

  // Imported halves the user decided on directly (review set import:<name>:<id>) skip matching.
  const imported: UnmatchedHalf[] = [];
  const importResults: TxClassification[] = [];
  const importResult = (h: UnmatchedHalf): TxClassification => {
    const key = `${h.chain}:${h.txHash}`;
    let r = byTx.get(key);
    if (!r) {
      r = {
        chain: h.chain,
        txHash: h.txHash,
        time: h.time,
        blockNumber: 0n,
        kind: "unmatched",
        source: "import",
        entries: [],
        reviews: [],
        unmatched: [],
      };
      byTx.set(key, r);
      importResults.push(r);
    }
    return r;
  };
  const depositAccount = depositAccounts(ctx);
  for (const x of extraHalves) {
    const h = depositAccount ? paidToDeposit(x, depositAccount) : x;
    // No key text per half when the user decided nothing (50,000 halves in a large import).
    const decided = overrides.perTx.size > 0 ? overrides.perTx.get(`${h.chain}:${h.txHash}`) : undefined;
    if (decided && !h.hasRow && actionApplies(decided.action, h.direction)) {
      const r = importResult(h);
      r.source = `override:${decided.id}`;
      r.kind = decided.action.as;
      const e = entryForHalf(h, decided.action);
      if (e) r.entries.push(e);
    } else imported.push(h);
  }

  const preMatched = options.preMatched ?? (() => false);
  const halves: UnmatchedHalf[] = [];
  const matched = new Set<UnmatchedHalf>();
  const sortHalf = (h: UnmatchedHalf) => {
    if (preMatched(h)) matched.add(h);
    else halves.push(h);
  };
  // The classification `byTx` holds for a half's `halfRef`, remembered for the halves of chain
  // transactions (their ref is their transaction's key) so pairing them does not build it again.
  const txOf = new Map<UnmatchedHalf, TxClassification>();
  results.forEach((r, k) => {
    if (r.unmatched.length === 0) return;
    const holder = byTx.get(keys[k]!)!;
    for (const h of r.unmatched) {
      if (h.chain === r.chain && h.txHash === r.txHash) txOf.set(h, holder);
      sortHalf(h);
    }
  });
  for (const h of imported) sortHalf(h);
  const resultOf = (h: UnmatchedHalf) => txOf.get(h) ?? byTx.get(halfRef(h));
  for (const h of matched) {
    const r = byTx.get(halfRef(h));
    if (r && r.kind === "unmatched") r.kind = "self_transfer";
  }
  const { matches, ambiguous, leftovers } = matchHalves(halves, ctx, overrides.links);
  for (const m of matches) {
    matched.add(m.out);
    matched.add(m.in);
    // Two exports' halves the user linked: the withdrawal's import row holds the transfer.
    const owner = m.owner
      ? (resultOf(m.owner) ?? (m.owner.imported ? importResult(m.owner) : undefined))
      : undefined;
    if (owner && m.entry) owner.entries.push(m.entry);
    if (owner && m.review) owner.reviews.push(m.review);
    // An imported transfer row (ledger CSV with to_wallet) already is the transfer: the chain
    // transaction it pairs with writes no row, so it names that row, whose exported `tx` then
    // names the chain transaction too (every transaction traceable to a row).
    for (const [imp, chain] of [
      [m.out, m.in],
      [m.in, m.out],
    ] as const) {
      const r = imp.imported && imp.hasRow && !chain.imported ? resultOf(chain) : undefined;
      if (r) {
        const rows = (r.details?.pairedRows as string[] | undefined) ?? [];
        if (!rows.includes(imp.txHash)) r.details = { ...r.details, pairedRows: [...rows, imp.txHash] };
      }
    }
    for (const h of [m.out, m.in]) {
      const r = resultOf(h);
      if (r && r.kind === "unmatched") r.kind = "self_transfer";
    }
  }
  for (const h of leftovers) {
    const r = h.imported ? undefined : byTx.get(halfRef(h));
    r?.unmatched.push(h);
  }

  const settle = (r: TxClassification, h: UnmatchedHalf) => {
    const amb = ambiguous.get(h);
    if (amb) r.reviews.push(amb);
    if (h.account) {
      // Paid to (received from) a labelled exchange deposit address and no import paired it.
      r.entries.push(entryForHalf(h, { as: "transfer", to: h.account })!);
      if (r.kind === "unmatched") r.kind = "self_transfer";
      return;
    }
    const rule = overrides.rules.find((x) => ruleMatches(x, h));
    const fallback: OverrideAction | undefined =
      h.direction === "out" && ctx.settings.unmatchedOutflow === "spend"
        ? { as: "spend" }
        : h.direction === "in" && ctx.settings.unmatchedInflow === "income"
          ? { as: "income" }
          : undefined;
    const action = rule?.action ?? fallback;
    if (action) {
      const e = entryForHalf(h, action);
      if (e) r.entries.push(e);
      if (rule) r.source = `${r.source};rule:${rule.id}`;
      else if (!amb)
        r.reviews.push({
          ...reviewForHalf(h),
          message: `${reviewForHalf(h).message} (taken as ${action.as} by setting)`,
        });
    } else if (!amb) {
      r.reviews.push(reviewForHalf(h));
    }
  };
  for (const r of results) {
    if (r.unmatched.length === 0) continue;
    const left = r.unmatched.filter((h) => !matched.has(h));
    r.unmatched = left;
    for (const h of left) settle(r, h);
  }
  // Imported halves nobody paired: legacy rows already are the transfer; the others need a decision.
  for (const h of imported) {
    if (matched.has(h) || h.hasRow) continue;
    const r = importResult(h);
    r.unmatched.push(h);
    settle(r, h);
  }
  pendings.forEach((p, k) => {
    finishFees(results[k]!, p, ctx);
  });
  return [...results, ...importResults];
};
