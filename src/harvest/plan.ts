/**
 * Harvest candidates and the year-end plan.
 *
 * A candidate is a sale at the as-of date of one lot, or of a whole position (every lot of one
 * pool), evaluated alone against the year so far: its Form 8949 rows (exactly as the engine would
 * make them), the tax picture after it, the tax saved this year (before − after) and the capital
 * loss it adds to the carryforward (after − before, each character). Candidates are ranked by tax
 * saved this year, then by carryforward added.
 *
 * The plan picks loss lots in order of tax saved per dollar of loss (short-term losses against
 * short-term gains come first when those are taxed at higher rates), adding one at a time: a lot
 * that still lowers this year's tax is `this_year`; once the gains are offset and the $3,000
 * ($1,500 MFS) deduction is used, the rest only add to the carryforward (`carryforward`). The
 * `this_year` lots of each pool become one sale row naming them in its `lots` cell (specific
 * identification), and the plan's Schedule D is computed from those rows.
 */
import type { LedgerRow } from "../ledger/types.ts";
import { minBigint } from "../tax/money.ts";
import type { Cents, Term } from "../tax/types.ts";
import { dayOf, WASH_SALE_WINDOW_DAYS } from "../tax/wash.ts";
import {
  dateNumber,
  exactPrice,
  formatUnits,
  lotsCell,
  type PlannedRow,
  saleRows,
  type Take,
  totalsOf,
  usdCell,
  type ValuedLot,
  valueCents,
} from "./lots.ts";
import { type TaxContext, type TaxPicture, taxPicture } from "./tax.ts";

/** The year's Form 8949 totals before any planned sale. */
export type YearSoFar = {
  shortTermGain: Cents;
  longTermGain: Cents;
  carryoverIn: { shortTerm: Cents; longTerm: Cents };
};

export type Candidate = {
  /** 1 = the largest saving. */
  rank: number;
  kind: "lot" | "position";
  /** The wallet of the sale row. */
  wallet: string;
  /** The pool's wallet (empty for a universal pool). */
  pool: string;
  asset: string;
  lotIds: string[];
  quantity: string;
  proceeds: Cents;
  costBasis: Cents;
  /** Form 8949 gain or loss of the sale (after any simulated wash-sale disallowance). */
  gain: Cents;
  shortTermGain: Cents;
  longTermGain: Cents;
  /** Federal tax saved this year (regular tax + NIIT, before − after). */
  taxSaved: Cents;
  /** Capital loss added to the carryforward into next year. */
  carryforwardAdded: { shortTerm: Cents; longTerm: Cents };
  /** Loss a proposed wash-sale rule would disallow (only with the simulation; else undefined). */
  washDisallowed: Cents | undefined;
  /** Specific identification of the sale: `lotid:qty;…`. */
  lots: string;
  note: string;
};

export type PlannedLot = {
  lotId: string;
  wallet: string;
  asset: string;
  quantity: string;
  gain: Cents;
  term: Term;
  /** Tax saved this year by adding this lot after the ones before it in the plan. */
  taxSaved: Cents;
  bucket: "this_year" | "carryforward";
};

/** A sale row to record (append to the ledger) to carry out the plan. */
export type SuggestedSale = {
  wallet: string;
  asset: string;
  quantity: string;
  proceeds: Cents;
  lots: string;
  row: LedgerRow;
};

export type Plan = {
  lots: PlannedLot[];
  sales: SuggestedSale[];
  /** The Form 8949 rows of `sales` (as the engine makes them). */
  rows: PlannedRow[];
  after: TaxPicture;
  taxSaved: Cents;
  carryforwardAdded: { shortTerm: Cents; longTerm: Cents };
  /** Loss the proposed wash-sale rule would disallow on the plan's sales (simulation only). */
  washDisallowed: Cents | undefined;
};

export type PlanInput = {
  lots: readonly ValuedLot[];
  yearSoFar: YearSoFar;
  before: TaxPicture;
  ctx: TaxContext;
  /** `yyyymmdd` of the as-of instant. */
  asOfDate: number;
  /** ISO instant of the sale rows. */
  asOfTime: string;
  /** Simulate the proposed wash-sale rule (replacements bought in the 30 days before). */
  washSale: boolean;
};

const sum = (xs: readonly { gain: Cents }[]) => xs.reduce((a, x) => a + x.gain, 0n);

/** Pools: (pool wallet, asset) → lots in the engine's acquisition order. */
const poolKey = (l: { wallet: string; asset: string }) => `${l.wallet}\u0000${l.asset}`;

/**
 * Wash-sale estimate of a sale of `takes` at the as-of date: the loss rows, in order of their
 * lots' acquisition, matched with units of the same asset bought (`buy`/`swap`) in the 30 days
 * before and still held, other than the lots sold and units that already replaced a loss — the
 * engine's rule (src/tax/wash.ts) for a sale with no later purchase.
 */
const washEstimate = (
  rows: PlannedRow[],
  takes: readonly Take[],
  replacementsOf: (asset: string) => readonly ValuedLot[],
): Cents => {
  const sold = new Set(takes.map((t) => t.lot.lotId));
  const order = new Map(takes.map((t) => [t.lot.lotId, t.lot.exact] as const));
  const losses = rows
    .filter((r) => r.gain < 0n)
    .sort((a, b) => {
      const x = order.get(a.lotId)!;
      const y = order.get(b.lotId)!;
      return x.ms - y.ms || x.ns - y.ns || x.seq - y.seq;
    });
  if (losses.length === 0) return 0n;
  const pool = replacementsOf(losses[0]!.asset).filter((l) => !sold.has(l.lotId));
  const left = pool.map((l) => l.exact.units);
  let disallowed = 0n;
  let i = 0;
  for (const r of losses) {
    let matched = 0n;
    while (matched < r.units && i < pool.length) {
      const m = minBigint(left[i]!, r.units - matched);
      left[i]! -= m;
      matched += m;
      if (left[i] === 0n) i++;
    }
    if (matched === 0n) break;
    const d = (-r.gain * matched * 2n + r.units) / (2n * r.units); // half-up of loss × matched ÷ units
    r.gain += d;
    disallowed += d;
  }
  return disallowed;
};

export const buildCandidatesAndPlan = (input: PlanInput): { candidates: Candidate[]; plan: Plan } => {
  const { yearSoFar, before, ctx, asOfDate } = input;
  const asOfDay = dayOf(asOfDate);
  const priced = input.lots.filter((l) => l.price !== undefined);

  // Possible wash-sale replacements per asset, in acquisition order.
  const replacements = new Map<string, ValuedLot[]>();
  if (input.washSale) {
    for (const l of input.lots) {
      if (!l.purchase || l.washReplacement) continue;
      const day = dayOf(dateNumber(l.dateAcquired));
      if (day < asOfDay - WASH_SALE_WINDOW_DAYS || day > asOfDay) continue;
      const list = replacements.get(l.asset) ?? [];
      list.push(l);
      replacements.set(l.asset, list);
    }
    for (const list of replacements.values())
      list.sort((a, b) => a.exact.ms - b.exact.ms || a.exact.ns - b.exact.ns || a.exact.seq - b.exact.seq);
  }
  const replacementsOf = (asset: string) => replacements.get(asset) ?? [];

  const evaluate = (takes: Take[]) => {
    const first = takes[0]!.lot;
    let units = 0n;
    for (const t of takes) units += t.units;
    const proceeds = valueCents(exactPrice(first.price!.usd), units, first.exact.quantityScale);
    const rows = saleRows(takes, proceeds, asOfDate);
    const washDisallowed = input.washSale ? washEstimate(rows, takes, replacementsOf) : undefined;
    const t = totalsOf(rows);
    const after = taxPicture(
      {
        shortTermGain: yearSoFar.shortTermGain + t.shortTerm,
        longTermGain: yearSoFar.longTermGain + t.longTerm,
        carryoverIn: yearSoFar.carryoverIn,
      },
      ctx,
    );
    return { proceeds, rows, totals: t, after, washDisallowed };
  };
  const carryDelta = (after: TaxPicture, base: TaxPicture) => ({
    shortTerm: after.carryoverOut.shortTerm - base.carryoverOut.shortTerm,
    longTerm: after.carryoverOut.longTerm - base.carryoverOut.longTerm,
  });
  const noteOf = (saved: Cents, carry: { shortTerm: Cents; longTerm: Cents }, lots: readonly ValuedLot[]) => {
    const parts: string[] = [];
    if (saved > 0n && carry.shortTerm + carry.longTerm > 0n)
      parts.push("saves tax this year and adds to the carryforward");
    else if (saved > 0n) parts.push("saves tax this year");
    else if (carry.shortTerm + carry.longTerm > 0n) parts.push("only adds to the carryforward");
    else if (saved < 0n) parts.push("raises this year's tax");
    else parts.push("no tax effect this year");
    const soon = lots.filter((l) => l.term === "short" && l.daysToLongTerm <= 30);
    for (const l of soon)
      parts.push(`lot ${l.lotId} turns long-term in ${l.daysToLongTerm} day(s), on ${l.longTermOn}`);
    return parts.join("; ");
  };

  const candidates: Candidate[] = [];
  const single = new Map<ValuedLot, ReturnType<typeof evaluate>>();
  for (const lot of priced) {
    if (lot.unrealized === undefined || lot.unrealized >= 0n) continue;
    const e = evaluate([{ lot, units: lot.exact.units }]);
    if (sum(e.rows) >= 0n) continue;
    single.set(lot, e);
    const carry = carryDelta(e.after, before);
    const saved = before.totalTax - e.after.totalTax;
    const row = e.rows[0]!;
    candidates.push({
      rank: 0,
      kind: "lot",
      wallet: lot.wallet === "" ? lot.acquiredIn : lot.wallet,
      pool: lot.wallet,
      asset: lot.asset,
      lotIds: [lot.lotId],
      quantity: lot.quantity,
      proceeds: e.proceeds,
      costBasis: row.costBasis,
      gain: row.gain,
      shortTermGain: e.totals.shortTerm,
      longTermGain: e.totals.longTerm,
      taxSaved: saved,
      carryforwardAdded: carry,
      washDisallowed: e.washDisallowed,
      lots: lotsCell([{ lotId: lot.lotId, quantity: lot.quantity }]),
      note: noteOf(saved, carry, [lot]),
    });
  }

  // Whole positions: every lot of a pool, when it holds more than one and ends below cost.
  const pools = new Map<string, ValuedLot[]>();
  for (const lot of priced) {
    const k = poolKey(lot);
    const list = pools.get(k) ?? [];
    list.push(lot);
    pools.set(k, list);
  }
  for (const lots of pools.values()) {
    if (lots.length < 2) continue;
    const e = evaluate(lots.map((lot) => ({ lot, units: lot.exact.units })));
    const gain = sum(e.rows);
    if (gain >= 0n) continue;
    const carry = carryDelta(e.after, before);
    const saved = before.totalTax - e.after.totalTax;
    const first = lots[0]!;
    candidates.push({
      rank: 0,
      kind: "position",
      wallet: first.wallet === "" ? first.acquiredIn : first.wallet,
      pool: first.wallet,
      asset: first.asset,
      lotIds: lots.map((l) => l.lotId),
      quantity: sumQuantity(lots),
      proceeds: e.proceeds,
      costBasis: e.rows.reduce((a, r) => a + r.costBasis, 0n),
      gain,
      shortTermGain: e.totals.shortTerm,
      longTermGain: e.totals.longTerm,
      taxSaved: saved,
      carryforwardAdded: carry,
      washDisallowed: e.washDisallowed,
      lots: lotsCell(lots.map((l) => ({ lotId: l.lotId, quantity: l.quantity }))),
      note: noteOf(saved, carry, lots),
    });
  }
  const cmp = (a: bigint, b: bigint) => (a > b ? -1 : a < b ? 1 : 0);
  candidates.sort(
    (a, b) =>
      cmp(a.taxSaved, b.taxSaved) ||
      cmp(
        a.carryforwardAdded.shortTerm + a.carryforwardAdded.longTerm,
        b.carryforwardAdded.shortTerm + b.carryforwardAdded.longTerm,
      ) ||
      cmp(-a.gain, -b.gain) ||
      (a.kind === b.kind ? 0 : a.kind === "lot" ? -1 : 1) ||
      (a.lots < b.lots ? -1 : a.lots > b.lots ? 1 : 0),
  );
  candidates.forEach((c, i) => {
    c.rank = i + 1;
  });

  // The plan: loss lots by tax saved per dollar of loss, then by size of loss.
  const order = [...single.entries()].sort(([la, a], [lb, b]) => {
    const lossA = -sum(a.rows);
    const lossB = -sum(b.rows);
    const savedA = before.totalTax - a.after.totalTax;
    const savedB = before.totalTax - b.after.totalTax;
    const perDollar = cmp(savedA * lossB, savedB * lossA);
    return (
      perDollar ||
      cmp(lossA, lossB) ||
      la.exact.ms - lb.exact.ms ||
      la.exact.ns - lb.exact.ns ||
      la.exact.seq - lb.exact.seq ||
      (poolKey(la) < poolKey(lb) ? -1 : poolKey(la) > poolKey(lb) ? 1 : 0)
    );
  });
  const plannedLots: PlannedLot[] = [];
  let st = yearSoFar.shortTermGain;
  let lt = yearSoFar.longTermGain;
  let state = before;
  const chosen: ValuedLot[] = [];
  for (const [lot, e] of order) {
    st += e.totals.shortTerm;
    lt += e.totals.longTerm;
    const next = taxPicture({ shortTermGain: st, longTermGain: lt, carryoverIn: yearSoFar.carryoverIn }, ctx);
    const saved = state.totalTax - next.totalTax;
    const bucket = saved > 0n ? "this_year" : "carryforward";
    if (bucket === "this_year") chosen.push(lot);
    plannedLots.push({
      lotId: lot.lotId,
      wallet: lot.wallet === "" ? lot.acquiredIn : lot.wallet,
      asset: lot.asset,
      quantity: lot.quantity,
      gain: sum(e.rows),
      term: e.rows[0]!.term,
      taxSaved: saved,
      bucket,
    });
    state = next;
  }

  // One sale row per pool, naming its lots (in acquisition order).
  const byPool = new Map<string, ValuedLot[]>();
  for (const lot of chosen) {
    const k = poolKey(lot);
    const list = byPool.get(k) ?? [];
    list.push(lot);
    byPool.set(k, list);
  }
  const sales: SuggestedSale[] = [];
  const rows: PlannedRow[] = [];
  let washDisallowed: Cents | undefined = input.washSale ? 0n : undefined;
  const stamp = input.asOfTime.slice(0, 10).replaceAll("-", "");
  const keys = [...byPool.keys()].sort();
  keys.forEach((k, i) => {
    const lots = byPool
      .get(k)!
      .sort((a, b) => a.exact.ms - b.exact.ms || a.exact.ns - b.exact.ns || a.exact.seq - b.exact.seq);
    const e = evaluate(lots.map((lot) => ({ lot, units: lot.exact.units })));
    rows.push(...e.rows);
    if (washDisallowed !== undefined) washDisallowed += e.washDisallowed ?? 0n;
    const first = lots[0]!;
    const wallet = first.wallet === "" ? first.acquiredIn : first.wallet;
    const quantity = sumQuantity(lots);
    const cell = lotsCell(lots.map((l) => ({ lotId: l.lotId, quantity: l.quantity })));
    sales.push({
      wallet,
      asset: first.asset,
      quantity,
      proceeds: e.proceeds,
      lots: cell,
      row: {
        id: `harvest-${stamp}-${i + 1}`,
        time: input.asOfTime,
        type: "sell",
        wallet,
        outAsset: first.asset,
        outQuantity: quantity,
        usdValue: usdCell(e.proceeds),
        lots: cell,
        note: "lotwise harvest plan",
      },
    });
  });
  const t = totalsOf(rows);
  const after = taxPicture(
    {
      shortTermGain: yearSoFar.shortTermGain + t.shortTerm,
      longTermGain: yearSoFar.longTermGain + t.longTerm,
      carryoverIn: yearSoFar.carryoverIn,
    },
    ctx,
  );
  return {
    candidates,
    plan: {
      lots: plannedLots,
      sales,
      rows,
      after,
      taxSaved: before.totalTax - after.totalTax,
      carryforwardAdded: carryDelta(after, before),
      washDisallowed,
    },
  };
};

/** Sum of the lots' quantities as a plain decimal (one pool: one quantity scale). */
const sumQuantity = (lots: readonly ValuedLot[]): string => {
  let units = 0n;
  for (const l of lots) units += l.exact.units;
  return formatUnits(units, lots[0]!.exact.quantityScale);
};
