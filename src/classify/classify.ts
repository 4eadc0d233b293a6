import type { ClassifyContext } from "./context.ts";
import { DECODERS } from "./decoders/registry.ts";
import type { DecodeResult, Decoder } from "./decoders/types.ts";
import { matchHalves } from "./match.ts";
import {
  entryForHalf,
  type OverrideAction,
  type OverrideRule,
  reviewForHalf,
  ruleMatches,
} from "./overrides.ts";
import { applyGenericRules, attachFees, FEE_EVIDENCE } from "./rules.ts";
import { spamReason } from "./spam.ts";
import type { Entry, Movement, ReviewDraft, TxClassification, TxGroup, UnmatchedHalf } from "./types.ts";

const touches = (tx: TxGroup, addresses: readonly string[]): boolean => {
  if (addresses.length === 0) return false;
  const set = new Set(addresses.map((a) => a.toLowerCase()));
  if (tx.to && set.has(tx.to.toLowerCase())) return true;
  if (tx.logs.some((l) => set.has(l.address.toLowerCase()))) return true;
  return tx.programIds.some((p) => set.has(p.toLowerCase()));
};

/** Runs the first decoder that recognizes `tx`. Uniswap V2 pairs are found by their events. */
const decode = (
  tx: TxGroup,
  ctx: ClassifyContext,
  decoders: readonly Decoder[],
): DecodeResult | undefined => {
  for (const d of decoders) {
    if (
      d.recognizes
        ? !d.recognizes(tx)
        : d.protocol !== "uniswap-v2" && !touches(tx, d.addresses(tx.chain, ctx))
    )
      continue;
    const r = d.decode(tx, ctx);
    if (r) return r;
  }
  return undefined;
};

/**
 * Classifies one transaction across the user's wallets (before cross-chain matching).
 * `override` is the user's per-transaction decision, if any.
 */
export const classifyTx = (
  tx: TxGroup,
  ctx: ClassifyContext,
  override?: { id: number; action: OverrideAction },
  decoders: readonly Decoder[] = DECODERS,
): TxClassification => {
  const reviews: ReviewDraft[] = [];
  const base = { chain: tx.chain, txHash: tx.txHash, time: tx.time, blockNumber: tx.blockNumber };
  if (override && (override.action.as === "ignore" || override.action.as === "spam")) {
    return {
      ...base,
      kind: override.action.as === "spam" ? "spam" : "ignored",
      source: `override:${override.id}`,
      entries: [],
      reviews,
      unmatched: [],
    };
  }
  const feeMoves = tx.movements.filter((m) => FEE_EVIDENCE.has(m.evidence));
  const valueMoves = tx.movements.filter((m) => !FEE_EVIDENCE.has(m.evidence));
  const own = new Set(
    ctx.wallets.filter((w) => w.kind === "own" && w.chain === tx.chain).map((w) => w.address.toLowerCase()),
  );

  const spam = spamReason(tx, own, valueMoves);
  if (spam) {
    return {
      ...base,
      kind: "spam",
      source: "rule:spam",
      entries: [],
      reviews: [{ reason: "spam", message: spam }],
      unmatched: [],
    };
  }
  // Zero-value transfers carry no asset; drop them (they are still in the raw records).
  const moving = valueMoves.filter((m) => m.amount !== 0n);

  let entries: Entry[] = [];
  let source = "rule:generic";
  let subtype: string | undefined;
  let remaining: readonly Movement[] = moving;
  if (tx.status !== "failed") {
    const decoded = decode(tx, ctx, decoders);
    if (decoded) {
      source = `decoder:${decoded.action}`;
      subtype = decoded.subtype;
      const skip = new Set<Movement>([...(decoded.consumed ?? []), ...(decoded.ignored ?? [])]);
      remaining = moving.filter((m) => !skip.has(m));
      entries = [...(decoded.entries ?? [])];
      reviews.push(...(decoded.reviews ?? []));
    }
  } else {
    // A failed transaction moved nothing; any value movement reported for it would be an indexer bug.
    remaining = [];
  }
  const generic = applyGenericRules(tx, ctx, remaining, subtype);
  entries.push(...generic.entries);
  reviews.push(...generic.reviews);
  const kinds = generic.kinds;
  for (const k of attachFees(tx, ctx, feeMoves, entries, subtype)) kinds.add(k);
  if (source.startsWith("decoder:"))
    kinds.add(entries.some((e) => e.kind === "trade" && e.subtype === "swap") ? "swap" : "defi");
  if (generic.unmatched.length > 0) kinds.add("unmatched");

  let unmatched = generic.unmatched;
  if (override) {
    source = `override:${override.id}`;
    for (const h of unmatched) {
      const e = entryForHalf(h, override.action);
      if (e) entries.push(e);
    }
    unmatched = [];
    for (const e of entries) {
      if (override.action.note) e.note = override.action.note;
      if (override.action.subtype && e.kind !== "fee") e.subtype = override.action.subtype;
    }
    kinds.delete("unmatched");
    kinds.add(override.action.as);
  }
  const kind =
    kinds.size === 0
      ? "empty"
      : kinds.size === 1
        ? [...kinds][0]!
        : kinds.has("unmatched")
          ? "unmatched"
          : "mixed";
  return { ...base, kind, source, entries, reviews, unmatched };
};

/**
 * Classifies every transaction (in time order), pairs unmatched halves across transactions and
 * chains, then settles what is left: the user's rules first, then the settings' defaults
 * (`unmatchedOutflow`, `unmatchedInflow`), else a review item.
 */
export const classifyAll = (
  txs: readonly TxGroup[],
  ctx: ClassifyContext,
  overrides: {
    perTx: ReadonlyMap<string, { id: number; action: OverrideAction }>;
    rules: readonly OverrideRule[];
  },
  extraHalves: readonly UnmatchedHalf[] = [],
): TxClassification[] => {
  const sorted = [...txs].sort(
    (a, b) =>
      a.time.getTime() - b.time.getTime() ||
      a.chain.localeCompare(b.chain) ||
      a.txIndex - b.txIndex ||
      a.txHash.localeCompare(b.txHash),
  );
  const results = sorted.map((tx) => classifyTx(tx, ctx, overrides.perTx.get(`${tx.chain}:${tx.txHash}`)));
  const byTx = new Map(results.map((r) => [`${r.chain}:${r.txHash}`, r]));

  const halves = [...results.flatMap((r) => r.unmatched), ...extraHalves];
  const matched = new Set<UnmatchedHalf>();
  for (const m of matchHalves(halves, ctx.settings)) {
    matched.add(m.out);
    matched.add(m.in);
    const owner = byTx.get(`${m.out.chain}:${m.out.txHash}`) ?? byTx.get(`${m.in.chain}:${m.in.txHash}`);
    if (!owner) continue;
    // An imported exchange withdrawal already is the transfer row: the arrival only completes it.
    if (!m.out.imported) owner.entries.push({ ...m.entry, linkedTx: `${m.in.chain}:${m.in.txHash}` });
    for (const r of [byTx.get(`${m.out.chain}:${m.out.txHash}`), byTx.get(`${m.in.chain}:${m.in.txHash}`)]) {
      if (r && r.kind === "unmatched") r.kind = "self_transfer";
    }
  }

  for (const r of results) {
    const left = r.unmatched.filter((h) => !matched.has(h));
    r.unmatched = left;
    for (const h of left) {
      const rule = overrides.rules.find((x) => ruleMatches(x, h));
      const fallback: OverrideAction | undefined =
        h.direction === "out" && ctx.settings.unmatchedOutflow === "spend"
          ? { as: "spend" }
          : h.direction === "in" && ctx.settings.unmatchedInflow === "income"
            ? { as: "income", subtype: "unidentified" }
            : undefined;
      const action = rule?.action ?? fallback;
      if (action) {
        const e = entryForHalf(h, action);
        if (e) r.entries.push(e);
        if (rule) r.source = `${r.source};rule:${rule.id}`;
        else
          r.reviews.push({
            ...reviewForHalf(h),
            message: `${reviewForHalf(h).message} (taken as ${action.as} by setting)`,
          });
      } else {
        r.reviews.push(reviewForHalf(h));
      }
    }
  }
  return results;
};
