/**
 * Matching form rows to disposals within one group: one account wallet, one asset, one UTC date
 * sold (spec §2). Units decide; transaction ids, then closest proceeds, break ties.
 *
 * Passes, each on what earlier passes left:
 * 1. Transaction ids: the form rows sharing a `transaction_id` (a sale reported per tax lot, or
 *    with its fee row) against the disposals naming that id (ledger row id or tx hash), when the
 *    units add up (all of them, or one disposal, or row by row).
 * 2. One form row ↔ one disposal with equal units; within equal units, same transaction id first,
 *    then closest proceeds.
 * 3. One side's set ↔ one item of the other: a form row against the disposals of one ledger
 *    transaction (a sale and its same-asset fee disposal), form rows of one transaction id against
 *    one disposal, then one transaction's rows against one transaction's disposals.
 * 4. Everything left of the day: one form row ↔ all disposals, all form rows ↔ one disposal,
 *    all ↔ all — when the units add up.
 * What is still left is `form_only` / `ledger_only`.
 *
 * Cost: linear in the group size apart from sorting (maps keyed by units and ids), so the whole
 * reconciliation is O(n log n).
 */
import type { Cents } from "../tax/types.ts";

/** A form row as matching sees it. `index` is the caller's. */
export type MatchForm = {
  index: number;
  /** Box 1c in units of 10^-scale. */
  units: bigint;
  proceeds: Cents;
  /** Normalized `transaction_id` (lowercase), if any. */
  txid: string | undefined;
};

/** A disposal (all its Form 8949 rows) as matching sees it. */
export type MatchDisposal = {
  index: number;
  units: bigint;
  proceeds: Cents;
  /** Normalized identifiers: the ledger row id, `:fee`-less id, tx hashes (lowercase). */
  keys: readonly string[];
  /** Disposals of one ledger transaction share it (a sale and its `:fee` disposal). */
  ledgerTx: string;
  /**
   * A fee disposal: a `<row id>:fee` (a transfer's network fee, a fee paid in another asset) or a
   * `fee` row. Brokers often leave these out of a day's summed row.
   */
  fee?: boolean;
};

/** Form rows and disposals that report the same units. */
export type MatchPair = { forms: number[]; disposals: number[] };

export type GroupMatch = { pairs: MatchPair[]; formOnly: number[]; ledgerOnly: number[] };

const abs = (v: bigint) => (v < 0n ? -v : v);
const sumUnits = (xs: readonly { units: bigint }[]) => xs.reduce((s, x) => s + x.units, 0n);
const sumProceeds = (xs: readonly { proceeds: Cents }[]) => xs.reduce((s, x) => s + x.proceeds, 0n);

/** Groups items by a key, keeping first-appearance order. */
const groupBy = <T>(items: readonly T[], key: (t: T) => string | undefined): Map<string, T[]> => {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
};

/**
 * Pairs form rows with disposals (all of equal units) by closest proceeds, greedily: the pair
 * with the smallest proceeds distance first, ties by form index then disposal index, until one
 * side is used up. The same pairs as sorting every form × disposal candidate by (distance, form
 * index, disposal index), in O(n log n) instead of O(n²) time and memory (a bot's day of 5,000
 * equal sales was 25 million candidates and 3 GB).
 *
 * Why it is exact: in the best remaining pair (f, d), no other item's proceeds lie strictly
 * between theirs (a form row there would be closer to d, a disposal closer to f). So the best
 * pair is, among the distinct proceeds values still holding items, either within one value (the
 * lowest-index form row and disposal there) or across two neighbouring values (the lowest-index
 * form row of one and disposal of the other). Those candidates sit in a heap; pairing removes two
 * items, changes at most two values' first items and, when a value empties, one adjacency; the
 * candidates that change are pushed again, and stale ones are skipped when they surface.
 */
export const closestProceeds = (
  forms: readonly MatchForm[],
  disposals: readonly MatchDisposal[],
): [MatchForm, MatchDisposal][] => {
  type Node = {
    value: Cents;
    forms: MatchForm[];
    disps: MatchDisposal[];
    /** Next unpaired item of each list. */
    fi: number;
    di: number;
    prev: Node | undefined;
    next: Node | undefined;
    alive: boolean;
  };
  const byValue = new Map<Cents, Node>();
  const node = (value: Cents): Node => {
    let n = byValue.get(value);
    if (n === undefined) {
      n = { value, forms: [], disps: [], fi: 0, di: 0, prev: undefined, next: undefined, alive: true };
      byValue.set(value, n);
    }
    return n;
  };
  for (const f of forms) node(f.proceeds).forms.push(f);
  for (const d of disposals) node(d.proceeds).disps.push(d);
  const nodes = [...byValue.values()].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    n.forms.sort((a, b) => a.index - b.index);
    n.disps.sort((a, b) => a.index - b.index);
    n.prev = nodes[i - 1];
    n.next = nodes[i + 1];
  }
  type Cand = { dist: Cents; f: MatchForm; d: MatchDisposal; fn: Node; dn: Node };
  const before = (a: Cand, b: Cand) =>
    a.dist !== b.dist
      ? a.dist < b.dist
      : a.f.index !== b.f.index
        ? a.f.index < b.f.index
        : a.d.index < b.d.index;
  const heap: Cand[] = [];
  const push = (c: Cand) => {
    heap.push(c);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const pop = (): Cand | undefined => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  const headF = (n: Node) => n.forms[n.fi];
  const headD = (n: Node) => n.disps[n.di];
  /** A form row of `fn` with a disposal of `dn` (the same node, or neighbours). */
  const offer = (fn: Node | undefined, dn: Node | undefined) => {
    if (fn === undefined || dn === undefined) return;
    const f = headF(fn);
    const d = headD(dn);
    if (f === undefined || d === undefined) return;
    push({ dist: abs(fn.value - dn.value), f, d, fn, dn });
  };
  /** Every candidate of node `n`: within it, and with its neighbours both ways. */
  const offerAround = (n: Node) => {
    offer(n, n);
    offer(n, n.prev);
    offer(n.prev, n);
    offer(n, n.next);
    offer(n.next, n);
  };
  for (const n of nodes) {
    offer(n, n);
    offer(n, n.next);
    offer(n.next, n);
  }
  const out: [MatchForm, MatchDisposal][] = [];
  for (let c = pop(); c !== undefined; c = pop()) {
    const { fn, dn } = c;
    // Stale: either item taken since, or the two nodes no longer neighbours.
    if (!fn.alive || !dn.alive || headF(fn) !== c.f || headD(dn) !== c.d) continue;
    if (fn !== dn && fn.next !== dn && fn.prev !== dn) continue;
    out.push([c.f, c.d]);
    fn.fi++;
    dn.di++;
    for (const n of fn === dn ? [fn] : [fn, dn]) {
      if (headF(n) === undefined && headD(n) === undefined) {
        n.alive = false;
        if (n.prev) n.prev.next = n.next;
        if (n.next) n.next.prev = n.prev;
        if (n.prev && n.next) {
          offer(n.prev, n.next);
          offer(n.next, n.prev);
        }
      } else offerAround(n);
    }
  }
  return out;
};

/**
 * Items taken one by one by closest value: `take(p)` removes and returns the item whose value is
 * closest to `p`, ties to the earlier item in `items` — what sorting the items still there by
 * distance (a stable sort) and taking the first gives, in O(log n) amortized instead of O(n log n)
 * per call.
 */
const nearestIndex = <T>(items: readonly T[], value: (t: T) => Cents) => {
  const order = items
    .map((item, i) => ({ item, i, v: value(item) }))
    .sort((a, b) => (a.v < b.v ? -1 : a.v > b.v ? 1 : a.i - b.i));
  const n = order.length;
  // nextUp[k]: the first position ≥ k still there (n: none); nextDown[k + 1]: the last ≤ k (0: none).
  const nextUp = Array.from({ length: n + 1 }, (_, k) => k);
  const nextDown = Array.from({ length: n + 1 }, (_, k) => k);
  const up = (k: number): number => {
    let r = k;
    while (nextUp[r] !== r) r = nextUp[r]!;
    for (let x = k; nextUp[x] !== r; ) {
      const nx = nextUp[x]!;
      nextUp[x] = r;
      x = nx;
    }
    return r;
  };
  const down = (k: number): number => {
    let r = k;
    while (nextDown[r] !== r) r = nextDown[r]!;
    for (let x = k; nextDown[x] !== r; ) {
      const nx = nextDown[x]!;
      nextDown[x] = r;
      x = nx;
    }
    return r;
  };
  /** First position whose value is ≥ v. */
  const lowerBound = (v: Cents) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order[mid]!.v < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    take: (p: Cents): T | undefined => {
      const at = lowerBound(p);
      const r = up(at);
      const below = down(at) - 1; // the last position < at still there, or -1
      // Of the values below p, the closest is the largest; among its equals, the earliest item.
      const l = below < 0 ? -1 : up(lowerBound(order[below]!.v));
      let k: number;
      if (r === n && l < 0) return undefined;
      if (l < 0) k = r;
      else if (r === n) k = l;
      else {
        const dl = p - order[l]!.v;
        const dr = order[r]!.v - p;
        k = dl < dr ? l : dr < dl ? r : order[l]!.i < order[r]!.i ? l : r;
      }
      nextUp[k] = k + 1;
      nextDown[k + 1] = k;
      return order[k]!.item;
    },
  };
};

/**
 * The rest of a day as one pair when the units add up: all against all, else all form rows
 * against one disposal, else one form row against all disposals (the other side's extra item
 * stays form_only / ledger_only). Whether it paired.
 */
const restOfDay = (
  fs: readonly MatchForm[],
  ds: readonly MatchDisposal[],
  pair: (fs: readonly MatchForm[], ds: readonly MatchDisposal[]) => void,
): boolean => {
  const fu = sumUnits(fs);
  const du = sumUnits(ds);
  if (fu === du) {
    pair(fs, ds);
    return true;
  }
  const d = fs.length > 1 ? ds.find((x) => x.units === fu) : undefined;
  if (d) {
    pair(fs, [d]);
    return true;
  }
  if (ds.length > 1) {
    const f = fs.find((x) => x.units === du);
    if (f) {
      pair([f], ds);
      return true;
    }
  }
  return false;
};

/** Matches one group (one account, asset and date). */
export const matchGroup = (forms: readonly MatchForm[], disposals: readonly MatchDisposal[]): GroupMatch => {
  // The common cases, without building any index.
  if (forms.length === 0) return { pairs: [], formOnly: [], ledgerOnly: disposals.map((d) => d.index) };
  if (disposals.length === 0) return { pairs: [], formOnly: forms.map((f) => f.index), ledgerOnly: [] };
  if (forms.length === 1 && disposals.length === 1 && forms[0]!.units === disposals[0]!.units)
    return {
      pairs: [{ forms: [forms[0]!.index], disposals: [disposals[0]!.index] }],
      formOnly: [],
      ledgerOnly: [],
    };
  const pairs: MatchPair[] = [];
  const formDone = new Set<number>();
  const dispDone = new Set<number>();
  const openForms = () => forms.filter((f) => !formDone.has(f.index));
  const openDisps = () => disposals.filter((d) => !dispDone.has(d.index));
  const pair = (fs: readonly MatchForm[], ds: readonly MatchDisposal[]) => {
    for (const f of fs) formDone.add(f.index);
    for (const d of ds) dispDone.add(d.index);
    pairs.push({ forms: fs.map((f) => f.index), disposals: ds.map((d) => d.index) });
  };

  // 1. Transaction ids.
  const byKey = new Map<string, MatchDisposal[]>();
  for (const d of disposals) {
    for (const k of new Set(d.keys)) {
      const list = byKey.get(k);
      if (list) list.push(d);
      else byKey.set(k, [d]);
    }
  }
  for (const [txid, fs] of groupBy(forms, (f) => f.txid)) {
    const cands = (byKey.get(txid) ?? []).filter((d) => !dispDone.has(d.index));
    if (cands.length === 0) continue;
    const units = sumUnits(fs);
    if (units === sumUnits(cands)) {
      pair(fs, cands);
      continue;
    }
    const one = cands.find((d) => d.units === units);
    if (one) {
      pair(fs, [one]);
      continue;
    }
    for (const f of fs) {
      const d = cands.find((c) => !dispDone.has(c.index) && c.units === f.units);
      if (d) pair([f], [d]);
    }
  }

  // 2. One to one by units: same transaction id first, then closest proceeds.
  {
    const fBy = groupBy(openForms(), (f) => f.units.toString());
    const dBy = groupBy(openDisps(), (d) => d.units.toString());
    for (const [u, fs] of fBy) {
      const ds = dBy.get(u);
      if (!ds) continue;
      if (fs.length === 1 && ds.length === 1) {
        pair(fs, ds);
        continue;
      }
      for (const f of fs) {
        if (f.txid === undefined) continue;
        // The disposals naming the id (byKey), in disposal order: the first open one of these units.
        const d = byKey.get(f.txid)?.find((x) => x.units === f.units && !dispDone.has(x.index));
        if (d) pair([f], [d]);
      }
      const restF = fs.filter((f) => !formDone.has(f.index));
      const restD = ds.filter((d) => !dispDone.has(d.index));
      if (restF.length === 0 || restD.length === 0) continue;
      for (const [f, d] of closestProceeds(restF, restD)) pair([f], [d]);
    }
  }

  // 3. Sets of one transaction against one item of the other side.
  {
    const ledgerSets = [...groupBy(openDisps(), (d) => d.ledgerTx).values()].filter((s) => s.length > 1);
    const setUnits = new Map<MatchDisposal[], bigint>();
    const setsByUnits = new Map<bigint, MatchDisposal[][]>();
    for (const s of ledgerSets) {
      const u = sumUnits(s);
      setUnits.set(s, u);
      const list = setsByUnits.get(u);
      if (list) list.push(s);
      else setsByUnits.set(u, [s]);
    }
    const isOpen = (s: readonly MatchDisposal[]) => s.every((d) => !dispDone.has(d.index));
    // A form row against the open set of its units whose proceeds are closest (ties: the earlier
    // set). Sets are taken whole here, so "open" is "not taken by this loop".
    const nearest = new Map<bigint, ReturnType<typeof nearestIndex<MatchDisposal[]>>>();
    for (const f of openForms()) {
      const sets = setsByUnits.get(f.units);
      if (sets === undefined) continue;
      let index = nearest.get(f.units);
      if (index === undefined) {
        index = nearestIndex(sets, sumProceeds);
        nearest.set(f.units, index);
      }
      const set = index.take(f.proceeds);
      if (set !== undefined) pair([f], set);
    }
    // The form rows of one transaction id against the first open disposal of their units, else
    // the first open ledger set of their units (cursors: what is taken stays taken).
    const formSets = [...groupBy(openForms(), (f) => f.txid).values()].filter((s) => s.length > 1);
    if (formSets.length > 0) {
      const dispsByUnits = groupBy(openDisps(), (d) => d.units.toString());
      const dCursor = new Map<string, number>();
      const sCursor = new Map<bigint, number>();
      for (const fs of formSets) {
        const units = sumUnits(fs);
        const ds = dispsByUnits.get(units.toString());
        if (ds !== undefined) {
          let i = dCursor.get(units.toString()) ?? 0;
          while (i < ds.length && dispDone.has(ds[i]!.index)) i++;
          dCursor.set(units.toString(), i);
          if (i < ds.length) {
            pair(fs, [ds[i]!]);
            continue;
          }
        }
        const sets = setsByUnits.get(units);
        if (sets === undefined) continue;
        let j = sCursor.get(units) ?? 0;
        while (j < sets.length && !isOpen(sets[j]!)) j++;
        sCursor.set(units, j);
        if (j < sets.length) pair(fs, sets[j]!);
      }
    }
  }

  // 4. Whatever is left of the day, when it adds up; if it does not, the same without the day's
  // fee disposals (a withdrawal's network fee the broker does not count among the day's sales),
  // which then stay ledger_only.
  {
    const fs = openForms();
    const ds = openDisps();
    if (fs.length > 0 && ds.length > 0 && !restOfDay(fs, ds, pair)) {
      const sales = ds.filter((d) => d.fee !== true);
      if (sales.length > 0 && sales.length < ds.length) restOfDay(fs, sales, pair);
    }
  }

  return {
    pairs,
    formOnly: forms.filter((f) => !formDone.has(f.index)).map((f) => f.index),
    ledgerOnly: disposals.filter((d) => !dispDone.has(d.index)).map((d) => d.index),
  };
};
