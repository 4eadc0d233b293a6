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
  type ExactPrice,
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
import { type TaxContext, type TaxPicture, taxFigures, taxPicture } from "./tax.ts";

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
  /**
   * The lots below cost left out of the plan (they would not lower this year's tax): their loss,
   * and how much selling them too would add to the carryforward (all of the loss once the gains
   * are offset and the deduction used; nothing when they would only offset gains taxed at 0 %).
   */
  rest: { lots: number; loss: Cents; carryforwardAdded: Cents };
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

/** Products of doubles below this are exact integers (2^53). */
const MAX_EXACT = 2 ** 53;

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

/** A single-lot sale's effect, kept for the plan. */
type Single = {
  lot: ValuedLot;
  short: Cents;
  long: Cents;
  loss: Cents;
  saved: Cents;
  /** saved ÷ loss as a double (exact comparison on near ties). */
  ratio: number;
  /** `saved` and `loss` as doubles (exact: cents below 2^53). */
  savedN: number;
  lossN: number;
  candidate: Candidate;
};

const NOTE = {
  both: "saves tax this year and adds to the carryforward",
  saves: "saves tax this year",
  carry: "only adds to the carryforward",
  raises: "raises this year's tax",
  none: "no tax effect this year",
};

export const buildCandidatesAndPlan = (input: PlanInput): { candidates: Candidate[]; plan: Plan } => {
  const { yearSoFar, before, ctx, asOfDate } = input;
  const asOfDay = dayOf(asOfDate);

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
  const prices = new Map<string, ExactPrice>();
  const priceOf = (lot: ValuedLot): ExactPrice => {
    let p = prices.get(lot.asset);
    if (p === undefined) {
      p = exactPrice(lot.price!.usd);
      prices.set(lot.asset, p);
    }
    return p;
  };
  const afterWith = (short: Cents, long: Cents) =>
    taxPicture(
      {
        shortTermGain: yearSoFar.shortTermGain + short,
        longTermGain: yearSoFar.longTermGain + long,
        carryoverIn: yearSoFar.carryoverIn,
      },
      ctx,
    );
  /** The figures alone (no nested objects): evaluated for every lot below cost, twice. */
  const figuresWith = (short: Cents, long: Cents) =>
    taxFigures(yearSoFar.shortTermGain + short, yearSoFar.longTermGain + long, yearSoFar.carryoverIn, ctx);

  /** A sale of `takes` (one pool, one row) at the as-of price. */
  const evaluate = (takes: Take[]) => {
    const first = takes[0]!.lot;
    let units = 0n;
    for (const t of takes) units += t.units;
    const proceeds = valueCents(priceOf(first), units, first.exact.quantityScale);
    const rows = saleRows(takes, proceeds);
    const washDisallowed = input.washSale ? washEstimate(rows, takes, replacementsOf) : undefined;
    const totals = totalsOf(rows);
    return { proceeds, rows, totals, after: afterWith(totals.shortTerm, totals.longTerm), washDisallowed };
  };
  const carryDelta = (after: TaxPicture, base: TaxPicture) => ({
    shortTerm: after.carryoverOut.shortTerm - base.carryoverOut.shortTerm,
    longTerm: after.carryoverOut.longTerm - base.carryoverOut.longTerm,
  });
  const noteOf = (saved: Cents, carry: Cents, lots: readonly ValuedLot[]) => {
    let note =
      saved > 0n
        ? carry > 0n
          ? NOTE.both
          : NOTE.saves
        : carry > 0n
          ? NOTE.carry
          : saved < 0n
            ? NOTE.raises
            : NOTE.none;
    for (const l of lots) {
      if (l.term === "short" && l.daysToLongTerm <= 30)
        note += `; lot ${l.lotId} turns long-term in ${l.daysToLongTerm} day(s), on ${l.longTermOn}`;
    }
    return note;
  };

  // A wash-sale split leaves parts of one lot id in a pool with different bases: a `lots` cell
  // cannot tell them apart, so such parts are candidates but not in the plan's sale rows.
  const seen = new Set<string>();
  const ambiguous = new Set<string>();
  if (input.washSale) {
    for (const lot of input.lots) {
      const k = `${poolKey(lot)}\u0000${lot.lotId}`;
      if (seen.has(k)) ambiguous.add(k);
      seen.add(k);
    }
  }
  const candidates: Candidate[] = [];
  const singles: Single[] = [];
  for (const lot of input.lots) {
    if (lot.unrealized === undefined || lot.unrealized >= 0n) continue;
    // One whole lot: proceeds = its value, basis = its cost basis (the engine's own rounding).
    let gain = lot.unrealized;
    let washDisallowed: Cents | undefined;
    if (input.washSale) {
      const e = evaluate([{ lot, units: lot.exact.units }]);
      gain = e.rows[0]!.gain;
      washDisallowed = e.washDisallowed;
    }
    const short = lot.term === "short" ? gain : 0n;
    const long = lot.term === "long" ? gain : 0n;
    const after = figuresWith(short, long);
    const carry = {
      shortTerm: after.carryoverShort - before.carryoverOut.shortTerm,
      longTerm: after.carryoverLong - before.carryoverOut.longTerm,
    };
    const saved = before.totalTax - after.totalTax;
    const candidate: Candidate = {
      rank: 0,
      kind: "lot",
      wallet: lot.wallet === "" ? lot.acquiredIn : lot.wallet,
      pool: lot.wallet,
      asset: lot.asset,
      lotIds: [lot.lotId],
      quantity: lot.quantity,
      proceeds: lot.value!,
      costBasis: lot.costBasis,
      gain,
      shortTermGain: short,
      longTermGain: long,
      taxSaved: saved,
      carryforwardAdded: carry,
      washDisallowed,
      lots: `${lot.lotId}:${lot.quantity}`,
      note: noteOf(saved, carry.shortTerm + carry.longTerm, [lot]),
    };
    candidates.push(candidate);
    if (ambiguous.size > 0 && ambiguous.has(`${poolKey(lot)}\u0000${lot.lotId}`)) {
      candidate.note += `; lot ${lot.lotId} is split by the wash-sale simulation into parts a lots cell cannot tell apart: not in the plan`;
      continue;
    }
    if (gain < 0n) {
      const savedN = Number(saved);
      const lossN = Number(-gain);
      singles.push({ lot, short, long, loss: -gain, saved, ratio: savedN / lossN, savedN, lossN, candidate });
    }
  }

  // Whole positions: every lot of a pool, when it holds more than one and ends below cost.
  const pools = new Map<string, ValuedLot[]>();
  for (const lot of input.lots) {
    if (lot.price === undefined) continue;
    const k = poolKey(lot);
    const list = pools.get(k);
    if (list === undefined) pools.set(k, [lot]);
    else list.push(lot);
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
      note: noteOf(saved, carry.shortTerm + carry.longTerm, lots),
    });
  }
  const cmp = (a: bigint, b: bigint) => (a > b ? -1 : a < b ? 1 : 0);
  // Cents fit a double exactly below 2^53 (ninety trillion dollars): numeric keys sort fast.
  const ranked = candidates.map((c) => ({
    c,
    saved: Number(c.taxSaved),
    carry: Number(c.carryforwardAdded.shortTerm + c.carryforwardAdded.longTerm),
    gain: Number(c.gain),
  }));
  ranked.sort((x, y) => {
    if (x.saved !== y.saved) return y.saved - x.saved;
    if (x.carry !== y.carry) return y.carry - x.carry;
    if (x.gain !== y.gain) return x.gain - y.gain;
    const a = x.c;
    const b = y.c;
    if (a.kind !== b.kind) return a.kind === "lot" ? -1 : 1;
    return a.lots < b.lots ? -1 : a.lots > b.lots ? 1 : 0;
  });
  for (let i = 0; i < ranked.length; i++) {
    candidates[i] = ranked[i]!.c;
    candidates[i]!.rank = i + 1;
  }
  for (const one of singles) {
    const c = one.candidate;
    one.lot.candidate = {
      rank: c.rank,
      taxSaved: c.taxSaved,
      carryforwardAdded: c.carryforwardAdded.shortTerm + c.carryforwardAdded.longTerm,
    };
  }

  // The plan: loss lots by tax saved per dollar of loss (exact on near ties), then by size of loss.
  singles.sort((a, b) => {
    const ra = a.ratio;
    const rb = b.ratio;
    if (Math.abs(ra - rb) > 1e-12 * Math.max(Math.abs(ra), Math.abs(rb))) return rb - ra;
    // saved × loss cross products: exact in doubles below 2^53, else as bigints.
    const x1 = a.savedN * b.lossN;
    const x2 = b.savedN * a.lossN;
    const exact =
      Math.abs(x1) < MAX_EXACT && Math.abs(x2) < MAX_EXACT
        ? x1 > x2
          ? -1
          : x1 < x2
            ? 1
            : 0
        : cmp(a.saved * b.loss, b.saved * a.loss);
    if (exact !== 0) return exact;
    if (a.loss !== b.loss) return cmp(a.loss, b.loss);
    const x = a.lot.exact;
    const y = b.lot.exact;
    if (x.ms !== y.ms) return x.ms - y.ms;
    if (x.ns !== y.ns) return x.ns - y.ns;
    if (x.seq !== y.seq) return x.seq - y.seq;
    const ka = poolKey(a.lot);
    const kb = poolKey(b.lot);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const plannedLots: PlannedLot[] = [];
  let st = 0n;
  let lt = 0n;
  /** The chosen lots' own gains (as `st`, `lt` sum every lot's): the left-out lots' effect is the difference. */
  let chosenSt = 0n;
  let chosenLt = 0n;
  let taxNow = before.totalTax;
  const chosen: ValuedLot[] = [];
  for (const one of singles) {
    const lot = one.lot;
    st += one.short;
    lt += one.long;
    const next = figuresWith(st, lt).totalTax;
    const saved = taxNow - next;
    const bucket = saved > 0n ? "this_year" : "carryforward";
    if (bucket === "this_year") {
      chosen.push(lot);
      chosenSt += one.short;
      chosenLt += one.long;
    }
    lot.plan = { bucket, taxSaved: saved };
    taxNow = next;
    plannedLots.push({
      lotId: lot.lotId,
      wallet: lot.wallet === "" ? lot.acquiredIn : lot.wallet,
      asset: lot.asset,
      quantity: lot.quantity,
      gain: -one.loss,
      term: lot.term,
      taxSaved: saved,
      bucket,
    });
  }

  // One sale row per pool, naming its lots (in acquisition order).
  const byPool = new Map<string, ValuedLot[]>();
  for (const lot of chosen) {
    const k = poolKey(lot);
    const list = byPool.get(k);
    if (list === undefined) byPool.set(k, [lot]);
    else list.push(lot);
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
    for (const r of e.rows) rows.push(r);
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
  const after = afterWith(t.shortTerm, t.longTerm);
  const left = plannedLots.filter((p) => p.bucket === "carryforward");
  let restCarry = 0n;
  if (left.length > 0) {
    // Every lot below cost sold against the plan's lots alone, both from the lots' own gains (the
    // plan's rows split one sale's proceeds over its lots: a few cents' rounding apart).
    const all = figuresWith(st, lt);
    const planOnly = figuresWith(chosenSt, chosenLt);
    restCarry = all.carryoverShort + all.carryoverLong - planOnly.carryoverShort - planOnly.carryoverLong;
  }
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
      rest: {
        lots: left.length,
        loss: left.reduce((a, p) => a - p.gain, 0n),
        carryforwardAdded: restCarry < 0n ? 0n : restCarry,
      },
    },
  };
};

/** Sum of the lots' quantities as a plain decimal (one pool: one quantity scale). */
const sumQuantity = (lots: readonly ValuedLot[]): string => {
  let units = 0n;
  for (const l of lots) units += l.exact.units;
  return formatUnits(units, lots[0]!.exact.quantityScale);
};
