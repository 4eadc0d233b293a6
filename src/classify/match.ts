import { Decimal } from "../utils/decimal.ts";
import { isBridge } from "./bridges.ts";
import type { ClassifyContext } from "./context.ts";
import type { ClassifySettings } from "./settings.ts";
import type { Entry, ReviewDraft, UnmatchedHalf } from "./types.ts";

/**
 * Pairing of unmatched halves across transactions, chains and exchange imports. A pairing is
 * never made silently on amount and time alone. In order:
 *
 * 1. **Your decisions.** `lotwise review link A B` pairs the outflow of A with the inflow of B
 *    (same asset) whatever the amounts and times; `lotwise review unlink A B` forbids that pair.
 * 2. **Evidence**, within `bridgeWindowHours` and short by at most `bridgeTolerance`:
 *    - a transaction hash an import gives for the other side (strongest);
 *    - an address: an import's withdrawal destination / deposit source is the wallet, a ledger CSV
 *      `transfer` row's `to_wallet` is the wallet, the chain side paid a labelled deposit
 *      address of the very exchange account the import belongs to, or an export's withdrawal
 *      names a labelled deposit address of the account whose export holds the deposit;
 *    - a bridge contract (built-in list or `classify.contracts.<chain>.bridges`): on either side
 *      across two chains, on both sides within one chain — only when it is the one bridge
 *      candidate both ways.
 * 3. **Amount and time alone**, within `matchWindowHours` and short by at most `matchTolerance`:
 *    only when each half is the other's one candidate; the transfer's note says "matched by amount
 *    and time" and a `confirm_match` review item lists it. Several candidates: nothing is paired and
 *    an `ambiguous_match` review item ranks them (closest in time, then in amount).
 *
 * A chain outflow always precedes its inflow; an exchange's export and the chain may disagree on
 * the second, so with an imported half the window counts both ways. Two imported halves (a
 * withdrawal from one export, a deposit in another: Coinbase straight to Kraken) are paired by the
 * user's link, or by evidence when both exports name the same transaction hash or the withdrawal's
 * destination is a deposit address registered for the other account; never on amount and time. The gap between what left and what arrived is the transfer's fee, paid in the asset.
 */

/** A user's link or unlink decision: two references, `<chain>:<tx hash>` or an import row id. */
export type LinkDecision = { id: number; a: string; b: string };
export type MatchDecisions = { links: readonly LinkDecision[]; unlinks: readonly LinkDecision[] };
export const NO_DECISIONS: MatchDecisions = { links: [], unlinks: [] };

export type MatchHow = "user" | "evidence" | "amount_time";

export type HalfMatch = {
  out: UnmatchedHalf;
  in: UnmatchedHalf;
  how: MatchHow;
  /** Why they were paired, for notes and review items. */
  why: string;
  /** The transfer to add, and the half whose transaction owns it; none when an imported row already is the transfer. */
  entry?: Entry | undefined;
  owner?: UnmatchedHalf | undefined;
  /** A `confirm_match` review item for pairs made on amount and time. */
  review?: ReviewDraft | undefined;
};

export type MatchResult = {
  matches: HalfMatch[];
  /** Halves with several candidates: the review item that ranks them (nothing was paired). */
  ambiguous: Map<UnmatchedHalf, ReviewDraft>;
  /** What is left of a half a link paired only in part (the inflow exceeded the outflow). */
  leftovers: UnmatchedHalf[];
};

/** `<chain>:<tx hash>`: how review items and decisions name a half's transaction (or import row). */
export const halfRef = (h: UnmatchedHalf): string => `${h.chain}:${h.txHash}`;

/** Whether a user's reference (`<chain>:<hash>`, a bare hash or an import row id) names `h`. */
export const refersTo = (ref: string, h: UnmatchedHalf): boolean => {
  const r = ref.toLowerCase();
  return r === halfRef(h).toLowerCase() || r === h.txHash.toLowerCase();
};

const HOUR = 3600_000;

type Params = { windowMs: number; keep: Decimal; keepApprox: number };

const describe = (h: UnmatchedHalf) =>
  `${halfRef(h)} (${h.wallet.key} ${h.direction === "out" ? "sent" : "received"} ${h.leg.quantity.toFixed()} ${h.leg.symbol} at ${h.time.toISOString().replace(".000Z", "Z")})`;

/**
 * An outflow being matched: its quantity as a float (`approxOf`) and the least inflow that fits it
 * under the scan's `Params` (made on first use, once per outflow rather than once per candidate).
 */
type OutScan = { o: UnmatchedHalf; qo: number; least: Decimal | undefined };

/**
 * Same asset, two wallets, time and amount within `p`; two imported halves only when
 * `bothImported` (the evidence scan: they must name one transaction). `qi` is the inflow's
 * quantity as a float (`approxOf`).
 */
const fits = (out: OutScan, i: UnmatchedHalf, p: Params, qi: number, bothImported = false): boolean => {
  const { o, qo } = out;
  if (o.leg.asset !== i.leg.asset || o.wallet.key === i.wallet.key) return false;
  if (o.chain === i.chain && o.txHash === i.txHash) return false;
  if (o.imported && i.imported && !bothImported) return false;
  if (o.toWallet && o.toWallet !== i.wallet.key) return false;
  if (i.toWallet && i.toWallet !== o.wallet.key) return false;
  // A half paid to a labelled exchange deposit address pairs only with that account's own import.
  if (o.account && !(i.imported && i.wallet.key === o.account)) return false;
  if (i.account && !(o.imported && o.wallet.key === i.account)) return false;
  const dt = i.time.getTime() - o.time.getTime();
  const timeOk = o.imported || i.imported ? Math.abs(dt) <= p.windowMs : dt >= 0 && dt <= p.windowMs;
  if (!timeOk) return false;
  if (outsideApprox(qo, qi, p)) return false;
  if (!i.leg.quantity.lte(o.leg.quantity)) return false;
  out.least ??= o.leg.quantity.mul(p.keep);
  return i.leg.quantity.gte(out.least);
};

/**
 * Far outside the amount range by the float estimate (a margin of 1e-9 keeps it conservative):
 * no exact comparison needed. Everything near the bounds is decided exactly (`fits`).
 */
const outsideApprox = (qo: number, qi: number, p: Params): boolean =>
  qi > qo * (1 + 1e-9) || qi < qo * p.keepApprox * (1 - 1e-9);

/** A half's quantity as a float, only to rule out candidates cheaply before the exact comparison. */
const approxOf = (h: UnmatchedHalf): number => h.leg.quantity.toNumber();

/** Lower-cased evidence of a half, made once per evidence list (many candidates ask for it). */
const lowered = new WeakMap<readonly string[], Set<string>>();
const EMPTY = new Set<string>();
const lowerSet = (xs: readonly string[] | undefined): Set<string> => {
  if (!xs) return EMPTY;
  let set = lowered.get(xs);
  if (!set) {
    set = new Set(xs.map((x) => x.toLowerCase()));
    lowered.set(xs, set);
  }
  return set;
};

type Evidence = { rank: number; why: string };
/** Evidence of each rank without its reason (`evidenceOf` without `describe`). */
const RANKS: readonly Evidence[] = [0, 1, 2].map((rank) => ({ rank, why: "" }));

/**
 * Evidence that `o` and `i` are one transfer: rank (lower is stronger) and a reason, or undefined.
 * Without `describe` the reason is left empty (a scan ranks many candidate pairs and pairs few).
 */
const evidenceOf = (
  o: UnmatchedHalf,
  i: UnmatchedHalf,
  ctx: Pick<ClassifyContext, "contracts">,
  describe = true,
): Evidence | undefined => {
  const named =
    importNames(o, i, describe) ??
    importNames(i, o, describe) ??
    sameHash(o, i, describe) ??
    paidToAccount(o, i, describe);
  if (named) return named;
  if (!o.imported && !i.imported) {
    const bridgeOut = isBridge(o.chain, o.counterparty, ctx.contracts?.[o.chain]?.bridges);
    const bridgeIn = isBridge(i.chain, i.counterparty, ctx.contracts?.[i.chain]?.bridges);
    // Across chains one side's bridge is enough; on one chain both sides must deal with one.
    if (o.chain !== i.chain ? bridgeOut || bridgeIn : bridgeOut && bridgeIn) {
      if (!describe) return RANKS[2];
      return {
        rank: 2,
        why: `bridge contract ${bridgeOut ? `${o.counterparty} on ${o.chain}` : `${i.counterparty} on ${i.chain}`}`,
      };
    }
  }
  return undefined;
};

/** What the imported half `imp` says about the chain half `chain`, if it names it (see `evidenceOf`). */
const importNames = (imp: UnmatchedHalf, chain: UnmatchedHalf, describe: boolean): Evidence | undefined => {
  if (!imp.imported || chain.imported) return undefined;
  const { txHashes, addresses } = imp.evidence ?? {};
  if (txHashes?.length && lowerSet(txHashes).has(chain.txHash.toLowerCase()))
    return describe ? { rank: 0, why: `the import names transaction ${chain.txHash}` } : RANKS[0];
  if (addresses?.length && lowerSet(addresses).has(chain.wallet.address.toLowerCase()))
    return describe
      ? {
          rank: 1,
          why: `the import names ${chain.wallet.address} as the ${imp.direction === "out" ? "destination" : "source"}`,
        }
      : RANKS[1];
  if (imp.toWallet && imp.toWallet === chain.wallet.key)
    return describe
      ? { rank: 1, why: `the imported transfer names ${chain.wallet.key} as its destination` }
      : RANKS[1];
  if (chain.account && chain.account === imp.wallet.key)
    return describe
      ? { rank: 1, why: `${chain.counterparty} is a deposit address of ${imp.wallet.key}` }
      : RANKS[1];
  return undefined;
};

/**
 * Two exports that name one transaction hash (a withdrawal whose export gives the hash, a deposit
 * whose export gives it too): the coins went from one account straight to the other.
 */
const sameHash = (o: UnmatchedHalf, i: UnmatchedHalf, describe: boolean): Evidence | undefined => {
  if (!o.imported || !i.imported) return undefined;
  const outs = o.evidence?.txHashes;
  const ins = i.evidence?.txHashes;
  if (!outs?.length || !ins?.length) return undefined;
  const theirs = lowerSet(ins);
  const hash = outs.find((h) => theirs.has(h.toLowerCase()));
  if (hash === undefined) return undefined;
  return describe ? { rank: 0, why: `both exports name transaction ${hash}` } : RANKS[0];
};

/**
 * An export's withdrawal to a deposit address the user registered for another account (`classify.ts`
 * sets `account` on it), and that account's deposit: Coinbase straight to Kraken, the address
 * telling where the coins went.
 */
const paidToAccount = (o: UnmatchedHalf, i: UnmatchedHalf, describe: boolean): Evidence | undefined => {
  if (!o.imported || !i.imported || !o.account || o.account !== i.wallet.key) return undefined;
  return describe
    ? { rank: 1, why: `the export names ${o.counterparty}, a deposit address of ${i.wallet.key}` }
    : RANKS[1];
};

/** Ranking of candidates: closest in time, then in amount, then by reference (deterministic). */
const closeness = (o: UnmatchedHalf, i: UnmatchedHalf) => ({
  dt: Math.abs(i.time.getTime() - o.time.getTime()),
  gap: o.leg.quantity.sub(i.leg.quantity).abs(),
});
const byCloseness = (o: UnmatchedHalf) => (a: UnmatchedHalf, b: UnmatchedHalf) => {
  const x = closeness(o, a);
  const y = closeness(o, b);
  return x.dt - y.dt || x.gap.cmp(y.gap) || halfRef(a).localeCompare(halfRef(b));
};
const byClosenessIn = (i: UnmatchedHalf) => (a: UnmatchedHalf, b: UnmatchedHalf) => {
  const x = closeness(a, i);
  const y = closeness(b, i);
  return x.dt - y.dt || x.gap.cmp(y.gap) || halfRef(a).localeCompare(halfRef(b));
};

/**
 * The transfer a pair stands for, owned by the chain side's transaction (the outflow's when both
 * are on chain, or both imported: two exports the user linked).
 */
const pairEntry = (
  o: UnmatchedHalf,
  i: UnmatchedHalf,
  how: MatchHow,
  why: string,
): { entry?: Entry; owner?: UnmatchedHalf } => {
  if ((o.imported && o.hasRow) || (i.imported && i.hasRow)) return {};
  const owner = o.imported && !i.imported ? i : o;
  const other = owner === o ? i : o;
  const moved = i.leg.quantity.lte(o.leg.quantity) ? i.leg : o.leg;
  const gap = o.leg.quantity.sub(moved.quantity);
  const subtype =
    o.imported || i.imported
      ? o.imported
        ? "withdrawal"
        : "deposit"
      : o.chain !== i.chain || why.startsWith("bridge")
        ? "bridge"
        : "transfer";
  const note =
    how === "amount_time"
      ? `matched by amount and time with ${halfRef(other)}: confirm with lotwise review link ${halfRef(o)} ${halfRef(i)}, or undo with lotwise review unlink ${halfRef(o)} ${halfRef(i)}`
      : `matched with ${halfRef(other)} (${why})`;
  return {
    owner,
    entry: {
      kind: "transfer",
      wallet: o.wallet.key,
      toWallet: i.wallet.key,
      outs: [moved],
      ins: [],
      ...(gap.gt(0) ? { gap: { ...o.leg, quantity: gap } } : {}),
      subtype,
      note,
      linkedTx: halfRef(other),
    },
  };
};

/**
 * Halves of one asset sorted by time, with their times and float quantities side by side in typed
 * arrays: a candidate scan reads those two numbers of each half in the window and looks at the
 * half itself only when its amount can fit (a handful of the hundreds a busy window holds).
 */
type AssetIndex = { halves: UnmatchedHalf[]; times: Float64Array; approx: Float64Array; traits: Uint8Array };

const indexByAsset = (
  halves: readonly UnmatchedHalf[],
  /** What the scan's `visit` may want to know of each half before looking at it (`traitsOf`). */
  traitsOf: (h: UnmatchedHalf) => number = () => 0,
): Map<string, AssetIndex> => {
  const lists = new Map<string, UnmatchedHalf[]>();
  for (const h of halves) {
    const list = lists.get(h.leg.asset);
    if (list) list.push(h);
    else lists.set(h.leg.asset, [h]);
  }
  const m = new Map<string, AssetIndex>();
  for (const [asset, list] of lists) {
    // Stable: halves of one instant keep their order in `halves`.
    list.sort((a, b) => a.time.getTime() - b.time.getTime());
    const times = new Float64Array(list.length);
    const approx = new Float64Array(list.length);
    const traits = new Uint8Array(list.length);
    for (let k = 0; k < list.length; k++) {
      times[k] = list[k]!.time.getTime();
      approx[k] = approxOf(list[k]!);
      traits[k] = traitsOf(list[k]!);
    }
    m.set(asset, { halves: list, times, approx, traits });
  }
  return m;
};

/**
 * Calls `visit` with each half of `index` whose time is within [from, to] and whose amount can fit
 * `qo` under `p` (`outsideApprox`), in time order (binary search for the start).
 */
const scan = (
  index: AssetIndex,
  from: number,
  to: number,
  qo: number,
  p: Params,
  visit: (i: UnmatchedHalf, qi: number, traits: number) => void,
): void => {
  const { times, approx, halves, traits } = index;
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo; k < times.length && times[k]! <= to; k++) {
    const qi = approx[k]!;
    if (!outsideApprox(qo, qi, p)) visit(halves[k]!, qi, traits[k]!);
  }
};

/**
 * Traits of a half for the evidence scan: imported; naming its other side (a transaction hash, an
 * address, a destination wallet); dealing with a bridge contract.
 */
const IMPORTED = 1;
const NAMES = 2;
const BRIDGE = 4;
const evidenceTraits =
  (ctx: Pick<ClassifyContext, "contracts">) =>
  (h: UnmatchedHalf): number =>
    (h.imported ? IMPORTED : 0) |
    (h.evidence?.txHashes?.length || h.evidence?.addresses?.length || h.toWallet ? NAMES : 0) |
    (isBridge(h.chain, h.counterparty, ctx.contracts?.[h.chain]?.bridges) ? BRIDGE : 0);

/**
 * Whether `evidenceOf(o, i)` can find anything, from the halves' traits alone (and the deposit
 * account): an imported half that names nothing pairs by evidence only with a payment to its own
 * account's deposit address, two imported halves only when both name something (a hash) or the
 * withdrawal names a deposit address of the deposit's account, two chain halves only through a
 * bridge. A necessary condition, so the scan skips the rest without changing
 * what is found.
 */
const mayEvidence = (o: UnmatchedHalf, ot: number, i: UnmatchedHalf, it: number): boolean => {
  if (ot & IMPORTED) {
    if (it & IMPORTED)
      return (ot & NAMES) !== 0 && ((it & NAMES) !== 0 || (!!o.account && o.account === i.wallet.key));
    return (ot & NAMES) !== 0 || (!!i.account && i.account === o.wallet.key);
  }
  if (it & IMPORTED) return (it & NAMES) !== 0 || (!!o.account && o.account === i.wallet.key);
  return ((ot | it) & BRIDGE) !== 0;
};

/** Appends `v` to the list `m` holds for `k` (made on first use; insertion order kept). */
const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
};

/**
 * Pairs unmatched halves (rules above). Pure: returns the pairs with their transfer entries and
 * review items, and the halves left ambiguous.
 */
export const matchHalves = (
  halves: readonly UnmatchedHalf[],
  /** The classification context (settings and configured bridge contracts), or the settings alone. */
  context: Pick<ClassifyContext, "settings" | "contracts"> | ClassifySettings,
  decisions: MatchDecisions = NO_DECISIONS,
): MatchResult => {
  const ctx = "bridgeWindowHours" in context ? { settings: context } : context;
  const s = ctx.settings;
  const params = (hours: number, tolerance: string): Params => {
    const keep = new Decimal(1).sub(tolerance);
    return { windowMs: hours * HOUR, keep, keepApprox: keep.toNumber() };
  };
  const evidenceParams = params(s.bridgeWindowHours, s.bridgeTolerance);
  const amountParams = params(s.matchWindowHours, s.matchTolerance);
  const used = new Set<UnmatchedHalf>();
  const matches: HalfMatch[] = [];
  const ambiguous = new Map<UnmatchedHalf, ReviewDraft>();
  const leftovers: UnmatchedHalf[] = [];
  // A pair is unlinked only when both halves are named by some unlink decision: look up each half's
  // names once (most halves are named by none) before comparing the pair with each decision.
  const unlinkRefs = new Set(decisions.unlinks.flatMap((u) => [u.a.toLowerCase(), u.b.toLowerCase()]));
  const named = new Map<UnmatchedHalf, boolean>();
  const inUnlinks = (h: UnmatchedHalf) => {
    let n = named.get(h);
    if (n === undefined) {
      n = unlinkRefs.has(halfRef(h).toLowerCase()) || unlinkRefs.has(h.txHash.toLowerCase());
      named.set(h, n);
    }
    return n;
  };
  const unlinked = (o: UnmatchedHalf, i: UnmatchedHalf) =>
    unlinkRefs.size > 0 &&
    inUnlinks(o) &&
    inUnlinks(i) &&
    decisions.unlinks.some(
      (u) => (refersTo(u.a, o) && refersTo(u.b, i)) || (refersTo(u.a, i) && refersTo(u.b, o)),
    );
  const pair = (o: UnmatchedHalf, i: UnmatchedHalf, how: MatchHow, why: string, review?: ReviewDraft) => {
    used.add(o);
    used.add(i);
    const m: HalfMatch = { out: o, in: i, how, why };
    const { owner, entry } = pairEntry(o, i, how, why);
    if (entry) {
      m.owner = owner;
      m.entry = entry;
    }
    if (review) m.review = review;
    matches.push(m);
  };

  // 1. The user's links. Halves by the names a decision may give them (lower-cased `refersTo`),
  // so each link looks up its two sides instead of testing every half.
  const byRef = new Map<string, number[]>();
  if (decisions.links.length > 0)
    halves.forEach((h, k) => {
      push(byRef, halfRef(h).toLowerCase(), k);
      push(byRef, h.txHash.toLowerCase(), k);
    });
  for (const link of decisions.links) {
    const refs = [...(byRef.get(link.a.toLowerCase()) ?? []), ...(byRef.get(link.b.toLowerCase()) ?? [])];
    // In the order of `halves`, each once.
    const sides = [...new Set(refs)]
      .sort((x, y) => x - y)
      .map((k) => halves[k]!)
      .filter((h) => !used.has(h));
    const options: [UnmatchedHalf, UnmatchedHalf][] = [];
    for (const o of sides) {
      if (o.direction !== "out") continue;
      for (const i of sides) {
        if (i.direction !== "in" || i.leg.asset !== o.leg.asset || i.wallet.key === o.wallet.key) continue;
        const crosses =
          (refersTo(link.a, o) && refersTo(link.b, i)) || (refersTo(link.b, o) && refersTo(link.a, i));
        if (crosses) options.push([o, i]);
      }
    }
    options.sort(
      ([o1, i1], [o2, i2]) =>
        o1.leg.quantity.sub(i1.leg.quantity).abs().cmp(o2.leg.quantity.sub(i2.leg.quantity).abs()) ||
        halfRef(o1).localeCompare(halfRef(o2)),
    );
    const best = options[0];
    if (!best) continue;
    const [o, i] = best;
    if (i.leg.quantity.gt(o.leg.quantity)) {
      // More arrived than left: the link covers what left; the rest is still unexplained.
      const rest = i.leg.quantity.sub(o.leg.quantity);
      pair(
        o,
        { ...i, leg: { ...i.leg, quantity: o.leg.quantity } },
        "user",
        `linked by you (decision ${link.id})`,
      );
      used.add(i);
      leftovers.push({ ...i, leg: { ...i.leg, quantity: rest } });
    } else pair(o, i, "user", `linked by you (decision ${link.id})`);
  }

  // 2. Evidence, strongest first.
  const open = halves.filter((h) => !used.has(h));
  const outs = open.filter((h) => h.direction === "out");
  const ins = open.filter((h) => h.direction === "in");
  const traitsOf = evidenceTraits(ctx);
  const insByAsset = indexByAsset(ins, traitsOf);
  // What the inflows can offer as evidence at all: an outflow none of them could pair with by
  // evidence (`mayEvidence`) skips its scan.
  let insOffer = 0;
  const insAccounts = new Set<string>();
  const insImportKeys = new Set<string>();
  for (const i of ins) {
    const it = traitsOf(i);
    if (it & IMPORTED) {
      insImportKeys.add(i.wallet.key);
      if (it & NAMES) insOffer |= NAMES;
    } else {
      insOffer |= IMPORTED; // a chain inflow, for imported outflows that name their destination
      if (it & BRIDGE) insOffer |= BRIDGE;
      if (i.account) insAccounts.add(i.account);
    }
  }
  const mayScan = (o: UnmatchedHalf, ot: number): boolean => {
    if (ot & IMPORTED)
      return (
        ((ot & NAMES) !== 0 && (insOffer & (IMPORTED | NAMES)) !== 0) ||
        insAccounts.has(o.wallet.key) ||
        (!!o.account && insImportKeys.has(o.account))
      );
    return (
      (insOffer & (NAMES | BRIDGE)) !== 0 ||
      ((ot & BRIDGE) !== 0 && (insOffer & IMPORTED) !== 0) ||
      (!!o.account && insImportKeys.has(o.account))
    );
  };
  type EvidencePair = {
    o: UnmatchedHalf;
    i: UnmatchedHalf;
    rank: number;
    /** The outflow's time (ms) and the closeness in time, computed once (the sort compares them O(n log n) times). */
    t: number;
    dt: number;
    /** Closeness in amount, made when the sort first needs it (only for pairs equally close in time). */
    gap: Decimal | undefined;
  };
  const gapOf = (p: EvidencePair) => {
    p.gap ??= closeness(p.o, p.i).gap;
    return p.gap;
  };
  const evidencePairs: EvidencePair[] = [];
  for (const o of outs) {
    const index = insByAsset.get(o.leg.asset);
    if (!index) continue;
    const t = o.time.getTime();
    const ot = traitsOf(o);
    if (!mayScan(o, ot)) continue;
    const out: OutScan = { o, qo: approxOf(o), least: undefined };
    scan(
      index,
      t - evidenceParams.windowMs,
      t + evidenceParams.windowMs,
      out.qo,
      evidenceParams,
      (i, qi, it) => {
        if (!mayEvidence(o, ot, i, it)) return;
        if (!fits(out, i, evidenceParams, qi, true) || unlinked(o, i)) return;
        const e = evidenceOf(o, i, ctx, false);
        if (e)
          evidencePairs.push({ o, i, rank: e.rank, t, dt: Math.abs(i.time.getTime() - t), gap: undefined });
      },
    );
  }
  evidencePairs.sort(
    (a, b) =>
      a.rank - b.rank ||
      a.t - b.t ||
      a.dt - b.dt ||
      gapOf(a).cmp(gapOf(b)) ||
      halfRef(a.i).localeCompare(halfRef(b.i)),
  );
  // Bridge pairs per half, so counting a half's open bridge candidates does not scan every pair.
  const bridgePairs = new Map<UnmatchedHalf, EvidencePair[]>();
  for (const p of evidencePairs) {
    if (p.rank !== 2) continue;
    push(bridgePairs, p.o, p);
    push(bridgePairs, p.i, p);
  }
  const bridgeCount = (h: UnmatchedHalf) =>
    (bridgePairs.get(h) ?? []).filter((p) => !used.has(p.o) && !used.has(p.i)).length;
  for (const p of evidencePairs) {
    if (used.has(p.o) || used.has(p.i)) continue;
    if (p.rank === 2 && (bridgeCount(p.o) > 1 || bridgeCount(p.i) > 1)) continue;
    pair(p.o, p.i, "evidence", evidenceOf(p.o, p.i, ctx)!.why);
  }

  // 3. Amount and time alone: only a pair that is each side's one candidate, always for confirmation.
  // Halves that name their other side (an address, a hash, an account) are never paired on a guess.
  const rest = halves.filter(
    (h) =>
      !used.has(h) &&
      !h.account &&
      !h.toWallet &&
      !h.evidence?.txHashes?.length &&
      !h.evidence?.addresses?.length,
  );
  const restIns = indexByAsset(rest.filter((h) => h.direction === "in"));
  const candOut = new Map<UnmatchedHalf, UnmatchedHalf[]>();
  const candIn = new Map<UnmatchedHalf, UnmatchedHalf[]>();
  for (const o of rest) {
    if (o.direction !== "out") continue;
    const index = restIns.get(o.leg.asset);
    if (!index) continue;
    const t = o.time.getTime();
    const out: OutScan = { o, qo: approxOf(o), least: undefined };
    scan(index, t - amountParams.windowMs, t + amountParams.windowMs, out.qo, amountParams, (i, qi) => {
      if (!fits(out, i, amountParams, qi) || unlinked(o, i)) return;
      push(candOut, o, i);
      push(candIn, i, o);
    });
  }
  for (const [o, list] of candOut) {
    const i = list[0]!;
    if (list.length === 1 && candIn.get(i)!.length === 1) {
      pair(o, i, "amount_time", "amount and time", {
        reason: "confirm_match",
        message:
          `${describe(o)} was paired with ${describe(i)} by amount and time alone (no transaction hash, ` +
          "address or bridge says so): confirm it with " +
          `lotwise review link ${halfRef(o)} ${halfRef(i)}, or undo it with ` +
          `lotwise review unlink ${halfRef(o)} ${halfRef(i)}`,
      });
    }
  }
  const rank = (h: UnmatchedHalf, list: UnmatchedHalf[]) =>
    [...list]
      .sort(h.direction === "out" ? byCloseness(h) : byClosenessIn(h))
      .map((c, n) => `${n + 1}) ${describe(c)}`)
      .join("; ");
  for (const [o, list] of candOut) {
    if (used.has(o)) continue;
    ambiguous.set(o, {
      reason: "ambiguous_match",
      message:
        `${describe(o)} may have gone to one of your wallets; candidates, closest first: ${rank(o, list)}. ` +
        `Nothing was paired: link the right one with lotwise review link ${halfRef(o)} <arrival>, or decide it with lotwise review set`,
    });
  }
  for (const [i, list] of candIn) {
    if (used.has(i)) continue;
    ambiguous.set(i, {
      reason: "ambiguous_match",
      message:
        `${describe(i)} may have come from one of your wallets; candidates, closest first: ${rank(i, list)}. ` +
        `Nothing was paired: link the right one with lotwise review link <departure> ${halfRef(i)}, or decide it with lotwise review set`,
    });
  }
  // Bridge evidence that fits several arrivals (or departures) is ambiguous too.
  for (const p of evidencePairs) {
    if (p.rank !== 2) continue;
    for (const h of [p.o, p.i]) {
      if (used.has(h) || ambiguous.has(h)) continue;
      const others = (bridgePairs.get(h) ?? [])
        .filter((q) => !used.has(q.o) && !used.has(q.i))
        .map((q) => (q.o === h ? q.i : q.o));
      if (others.length > 1)
        ambiguous.set(h, {
          reason: "ambiguous_match",
          message: `${describe(h)} went through a bridge and fits several ${h.direction === "out" ? "arrivals" : "departures"}, closest first: ${rank(h, others)}. Nothing was paired: link the right one with lotwise review link`,
        });
    }
  }
  return { matches, ambiguous, leftovers };
};
