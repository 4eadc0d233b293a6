/**
 * `planHarvest`: the tax-loss harvesting planner over a ledger (the CLI, API and dashboard call
 * it). Steps: the engine runs the ledger up to the as-of instant and lists the open lots; the lots
 * are priced at the as-of instant (a lot without a price stays unpriced, never valued at 0); the
 * year so far is taxed; candidates and the plan are computed (src/harvest/plan.ts); a what-if
 * (`sells`, `buyBack`) runs the engine again with those sales appended.
 */

import { UserInputError } from "../errors.ts";
import { fractionDigits, isNonZeroDecimal, isPlainDecimal, toScaled } from "../ledger/decimal.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { FIRST_TAX_YEAR, type GainsReport, type LedgerFeed } from "../tax/gains.ts";
import { formatCents } from "../tax/money.ts";
import { taxTables } from "../tax/rates.ts";
import { universalScopeRule } from "../tax/scope-rule.ts";
import type {
  Cents,
  FilingStatus,
  Form8949Row,
  GainsOptions,
  GainsSummary,
  GainsWarning,
  Method,
  OpenLot,
  Scope,
} from "../tax/types.ts";
import { Decimal } from "../utils/decimal.ts";
import { runBooks } from "./books.ts";
import {
  dateNumber,
  dateText,
  exactPrice,
  longTermFrom,
  type PlannedRow,
  type PriceResult,
  usdCell,
  type ValuedLot,
  valueCents,
  valueLots,
} from "./lots.ts";
import { buildCandidatesAndPlan, type Candidate, type Plan } from "./plan.ts";
import {
  type CarryforwardYear,
  projectCarryforward,
  type TaxContext,
  type TaxPicture,
  taxPicture,
} from "./tax.ts";

/** Taxable income assumed when none is given (Form 1040 line 15 without the ledger's capital gains). */
export const DEFAULT_OTHER_TAXABLE_INCOME: Cents = 10_000_000n;

/** A what-if sale: `ASSET:QTY[@WALLET]`. */
export type SellOrder = { asset: string; quantity: string; wallet?: string | undefined };

/** Looks up USD prices of `assets` at `at` (the configured providers, or a price file). */
export type PriceLookup = (assets: readonly string[], at: Date) => Promise<Map<string, PriceResult>>;

export type HarvestOptions = {
  /** The instant the plan is made at: the books as of then, prices at then, sales dated then. */
  asOf: Date;
  /** @defaultValue "fifo" */
  method?: Method | undefined;
  /** @defaultValue "transition" */
  scope?: Scope | undefined;
  /** @defaultValue "single" */
  filingStatus?: FilingStatus | undefined;
  /**
   * Form 1040 line 15 without this ledger's capital gains and losses (cents, may be negative).
   * @defaultValue DEFAULT_OTHER_TAXABLE_INCOME ($100,000), flagged as assumed
   */
  taxableIncome?: Cents | undefined;
  /**
   * Capital loss carryover into the tax year (positive cents: Schedule D lines 6 and 14).
   * @defaultValue computed from the ledger's earlier years, as `lotwise gains` does (each earlier
   * year's taxable income taken as large enough for the full deduction)
   */
  carryoverIn?: { shortTerm: Cents; longTerm: Cents } | undefined;
  /** Simulate the proposed wash-sale rule for digital assets (src/tax/wash.ts). */
  washSale?: boolean | undefined;
  sells?: readonly SellOrder[] | undefined;
  /** With `sells`: buy the same quantity back right after each sale, at the same price. */
  buyBack?: boolean | undefined;
  /** Name of the ledger in error messages. @defaultValue "ledger.csv" */
  source?: string | undefined;
  /**
   * How errors name the options: the CLI's flags (`--sell ETH:2@W`) or the API's body fields
   * (`sells[0]`). @defaultValue "cli"
   */
  names?: "cli" | "api" | undefined;
};

/** A what-if sale as an error names it, and how to name its wallet. */
const orderNames = (names: "cli" | "api", s: SellOrder, i: number) =>
  names === "api"
    ? {
        what: `sells[${i}] (${s.quantity} ${s.asset}${s.wallet ? ` in ${s.wallet}` : ""})`,
        wallet: `set sells[${i}].wallet`,
      }
    : {
        what: `--sell ${s.asset}:${s.quantity}${s.wallet ? `@${s.wallet}` : ""}`,
        wallet: `name one: ${s.asset}:${s.quantity}@WALLET`,
      };

/** One pool's open lots together. */
export type PositionSummary = {
  wallet: string;
  asset: string;
  quantity: string;
  lots: number;
  costBasis: Cents;
  /** Undefined when any lot of the position is unpriced. */
  value: Cents | undefined;
  unrealized: Cents | undefined;
  /** Lots below cost / lots without a price. */
  lotsBelowCost: number;
  unpricedLots: number;
};

export type BuyBackPart = {
  quantity: string;
  costBasis: Cents;
  dateAcquired: string;
  longTermOn: string;
  /** True when the part's basis holds a disallowed wash-sale loss and its holding period is tacked. */
  washReplacement: boolean;
};

export type BuyBack = {
  wallet: string;
  asset: string;
  quantity: string;
  /** What the repurchase costs (the sale's proceeds). */
  cost: Cents;
  /** The new lot's basis: the cost, plus any loss a wash-sale rule disallowed. */
  basis: Cents;
  parts: BuyBackPart[];
  holdingPeriod: "restarts" | "tacked";
};

export type WhatIf = {
  sales: { id: string; wallet: string; asset: string; quantity: string; price: string; proceeds: Cents }[];
  /** The Form 8949 rows of the sales, as the engine made them. */
  rows: Form8949Row[];
  before: TaxPicture;
  after: TaxPicture;
  taxSaved: Cents;
  carryforwardAdded: { shortTerm: Cents; longTerm: Cents };
  buyBacks: BuyBack[];
};

export type HarvestReport = {
  asOf: string;
  taxYear: number;
  method: Method;
  scope: Scope;
  filingStatus: FilingStatus;
  assumptions: {
    taxableIncome: Cents;
    taxableIncomeAssumed: boolean;
    tables: { year: number; published: boolean; note: string };
    washSale: boolean;
    notes: string[];
  };
  prices: { asset: string; usd?: string; source?: string; time?: string; missing?: string }[];
  lots: ValuedLot[];
  positions: PositionSummary[];
  /** Schedule D and tax if nothing more is sold this year. */
  yearSoFar: TaxPicture & { shortTermRows: number; longTermRows: number };
  candidates: Candidate[];
  plan: Plan;
  whatIf: WhatIf | undefined;
  carryforward: { ifNothingSold: CarryforwardYear[]; afterPlan: CarryforwardYear[] };
  warnings: GainsWarning[];
};

/** The engine's summary of the tax year (earlier years are there when the carryover is computed). */
const yearSummary = (report: GainsReport, taxYear: number): GainsSummary => {
  const s = report.summaries.find((x) => x.taxYear === taxYear);
  if (s === undefined) throw new Error(`the engine reported no ${taxYear} summary`);
  return s;
};

const utcDate = (d: Date): number =>
  d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();

const plannedFrom = (r: Form8949Row, units: bigint): PlannedRow => ({
  lotId: r.lotId,
  wallet: r.wallet,
  asset: r.asset,
  quantity: r.quantity,
  units,
  dateAcquired: r.dateAcquired,
  proceeds: r.proceeds,
  costBasis: r.costBasis,
  adjustmentCode: r.adjustmentCode,
  adjustment: r.adjustment,
  gain: r.gain,
  term: r.term,
});

/**
 * Plans tax-loss harvesting as of `options.asOf`.
 * @throws UserInputError for an invalid ledger row (`FILE:LINE: column: …`), an invalid option, or
 * a what-if sale that names an asset without a price or more than a wallet holds.
 */
export const planHarvest = async (
  deps: { feed: LedgerFeed; prices: PriceLookup },
  options: HarvestOptions,
): Promise<HarvestReport> => {
  const asOf = options.asOf;
  if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime()))
    throw new UserInputError("invalid as-of instant");
  const taxYear = asOf.getUTCFullYear();
  const asOfDate = utcDate(asOf);
  const asOfTime = asOf.toISOString();
  const method = options.method ?? "fifo";
  const scope = options.scope ?? "transition";
  const filingStatus = options.filingStatus ?? "single";
  // Without a given carryover, the engine runs from the ledger's first year so that the loss
  // carried out of the earlier years enters this one (lines 6 and 14), as in `lotwise gains`.
  const carryoverGiven = options.carryoverIn !== undefined;
  const zero = { shortTerm: 0n, longTerm: 0n };
  const washSale = options.washSale ?? false;
  const tables = taxTables(taxYear);
  const taxableIncomeAssumed = options.taxableIncome === undefined;
  const otherTaxableIncome = options.taxableIncome ?? DEFAULT_OTHER_TAXABLE_INCOME;
  const ctx: TaxContext = { filingStatus, otherTaxableIncome, tables };
  const gainsOptions: GainsOptions = {
    fromYear: carryoverGiven ? taxYear : FIRST_TAX_YEAR,
    toYear: taxYear,
    rowsFromYear: taxYear,
    method,
    scope,
    carryoverIn: options.carryoverIn ?? zero,
    filingStatus,
    until: asOf.getTime(),
    openLots: true,
    washSale: washSale ? {} : undefined,
    source: options.source,
  };
  const sells = options.sells ?? [];
  const names = options.names ?? "cli";
  sells.forEach((s, i) => {
    if (!isPlainDecimal(s.quantity) || !isNonZeroDecimal(s.quantity)) {
      throw new UserInputError(
        `${names === "api" ? `sells[${i}].quantity` : `--sell ${s.asset}:${s.quantity}`}: the quantity must be a positive plain decimal`,
      );
    }
  });

  // The plan needs the year's totals and the open lots, not the year's Form 8949 rows.
  const { report } = await runBooks(deps.feed, { ...gainsOptions, totalsOnly: !washSale });
  const summary = yearSummary(report, taxYear);
  const prior = report.summaries.filter((s) => s.taxYear < taxYear);
  const carryoverIn = options.carryoverIn ?? prior.at(-1)?.carryoverOut ?? zero;
  /** The earliest earlier year with a disposal (it may have carried a loss over). */
  const earliestPrior = prior.find((s) => s.shortTerm.rows + s.longTerm.rows > 0)?.taxYear;
  const open = report.openLots ?? [];
  const assets = [...new Set([...open.map((l) => l.asset), ...sells.map((s) => s.asset)])].sort();
  const priceMap = assets.length > 0 ? await deps.prices(assets, asOf) : new Map<string, PriceResult>();
  const lots = valueLots(open, priceMap, asOfDate);

  const yearSoFarInput = {
    shortTermGain: summary.shortTerm.gain,
    longTermGain: summary.longTerm.gain,
    carryoverIn,
  };
  const before = taxPicture(yearSoFarInput, ctx);
  const { candidates, plan } = buildCandidatesAndPlan({
    lots,
    yearSoFar: yearSoFarInput,
    before,
    ctx,
    asOfDate,
    asOfTime,
    washSale,
  });

  // Under the wash-sale simulation the plan's own sales can replace each other: the engine decides.
  if (washSale && plan.sales.length > 0) {
    const run = await runBooks(
      deps.feed,
      gainsOptions,
      plan.sales.map((s) => s.row),
    );
    const s = yearSummary(run.report, taxYear);
    plan.after = taxPicture(
      { shortTermGain: s.shortTerm.gain, longTermGain: s.longTerm.gain, carryoverIn },
      ctx,
    );
    plan.rows = run.extraRows.map((r) => plannedFrom(r, 0n));
    plan.washDisallowed = run.extraRows.reduce((a, r) => a + (r.adjustment ?? 0n), 0n);
    plan.taxSaved = before.totalTax - plan.after.totalTax;
    plan.carryforwardAdded = {
      shortTerm: plan.after.carryoverOut.shortTerm - before.carryoverOut.shortTerm,
      longTerm: plan.after.carryoverOut.longTerm - before.carryoverOut.longTerm,
    };
  }

  const whatIf =
    sells.length > 0
      ? await runWhatIf({
          feed: deps.feed,
          gainsOptions,
          sells,
          buyBack: options.buyBack ?? false,
          lots,
          priceMap,
          before,
          ctx,
          asOfTime,
          carryoverIn,
          taxYear,
          names,
        })
      : undefined;

  const positions = summarizePositions(lots);
  const notes: string[] = [];
  if (!tables.published) notes.push(tables.note);
  const scopeRule = universalScopeRule(scope, taxYear);
  if (scopeRule !== undefined) {
    // As `lotwise gains` warns; a pool across wallets has no wallet of its own, so a sale row
    // names the wallet its first lot was acquired in.
    notes.push(
      `${scopeRule}: use universal only to compare. A suggested sale is dated in the wallet where its first lot was acquired, which may no longer hold the units`,
    );
  }
  if (!carryoverGiven && earliestPrior !== undefined) {
    notes.push(
      `capital loss carryover into ${taxYear} computed from the ledger's ${earliestPrior === taxYear - 1 ? taxYear - 1 : `${earliestPrior}–${taxYear - 1}`}: ` +
        `short-term ${formatCents(carryoverIn.shortTerm)}, long-term ${formatCents(carryoverIn.longTerm)} ` +
        "(assuming each earlier year's taxable income absorbed its capital loss deduction; " +
        `${names === "api" ? "carryoverSt/carryoverLt" : "--carryover-st/--carryover-lt"} override it with your ${taxYear - 1} return's figures)`,
    );
  }
  if (taxableIncomeAssumed) {
    notes.push(
      `taxable income not given: assumed $100,000 before this ledger's capital gains and losses (pass ${names === "api" ? "taxableIncome" : "--taxable-income"})`,
    );
  }
  notes.push(
    "federal income tax only (regular tax + 3.8% NIIT); no state tax, AMT, qualified dividends or other investment income; MAGI taken as taxable income + the standard deduction",
  );
  if (washSale) {
    notes.push(
      "wash-sale simulation: the proposed rule (not law for digital assets that are not securities) applied to every asset, 30 days before and after each sale",
    );
  }
  const warnings = [...report.warnings];
  for (const p of priceMap) {
    if (!p[1].ok) {
      const n = lots.filter((l) => l.asset === p[0]).length;
      if (n > 0) {
        warnings.push({
          code: "missing_price",
          id: "",
          date: dateText(asOfDate),
          message: `no USD price for ${p[0]} at ${asOfTime}: ${n} lot(s) unpriced (${p[1].reason})`,
        });
      }
    }
  }

  return {
    asOf: asOfTime,
    taxYear,
    method,
    scope,
    filingStatus,
    assumptions: {
      taxableIncome: otherTaxableIncome,
      taxableIncomeAssumed,
      tables: { year: tables.year, published: tables.published, note: tables.note },
      washSale,
      notes,
    },
    prices: assets.map((asset) => {
      const p = priceMap.get(asset);
      if (p?.ok) return { asset, usd: p.usd, source: p.source, time: p.time };
      return { asset, missing: p?.reason ?? "no price was looked up" };
    }),
    lots,
    positions,
    yearSoFar: { ...before, shortTermRows: summary.shortTerm.rows, longTermRows: summary.longTerm.rows },
    candidates,
    plan,
    whatIf,
    carryforward: {
      ifNothingSold: projectCarryforward({
        firstYear: taxYear + 1,
        carryover: before.carryoverOut,
        filingStatus,
      }),
      afterPlan: projectCarryforward({
        firstYear: taxYear + 1,
        carryover: plan.after.carryoverOut,
        filingStatus,
      }),
    },
    warnings,
  };
};

const summarizePositions = (lots: readonly ValuedLot[]): PositionSummary[] => {
  const out: PositionSummary[] = [];
  let cur: { s: PositionSummary; units: bigint; scale: number } | undefined;
  const close = () => {
    if (!cur) return;
    cur.s.quantity = formatQuantity(cur.units, cur.scale);
    if (cur.s.unpricedLots > 0) {
      cur.s.value = undefined;
      cur.s.unrealized = undefined;
    }
    out.push(cur.s);
  };
  for (const l of lots) {
    if (!cur || cur.s.wallet !== l.wallet || cur.s.asset !== l.asset) {
      close();
      cur = {
        s: {
          wallet: l.wallet,
          asset: l.asset,
          quantity: "",
          lots: 0,
          costBasis: 0n,
          value: 0n,
          unrealized: 0n,
          lotsBelowCost: 0,
          unpricedLots: 0,
        },
        units: 0n,
        scale: l.exact.quantityScale,
      };
    }
    const s = cur.s;
    cur.units += l.exact.units;
    s.lots++;
    s.costBasis += l.costBasis;
    if (l.value === undefined) s.unpricedLots++;
    else {
      s.value = (s.value ?? 0n) + l.value;
      s.unrealized = (s.unrealized ?? 0n) + l.unrealized!;
      if (l.unrealized! < 0n) s.lotsBelowCost++;
    }
  }
  close();
  return out;
};

const formatQuantity = (units: bigint, scale: number): string => {
  const s = units.toString().padStart(scale + 1, "0");
  if (scale === 0) return s;
  const frac = s.slice(-scale).replace(/0+$/, "");
  return frac === "" ? s.slice(0, -scale) : `${s.slice(0, -scale)}.${frac}`;
};

/** The what-if: the sales (and buy-backs) appended at the as-of instant, run through the engine. */
const runWhatIf = async (args: {
  feed: LedgerFeed;
  gainsOptions: GainsOptions;
  sells: readonly SellOrder[];
  buyBack: boolean;
  lots: readonly ValuedLot[];
  priceMap: ReadonlyMap<string, PriceResult>;
  before: TaxPicture;
  ctx: TaxContext;
  asOfTime: string;
  carryoverIn: { shortTerm: Cents; longTerm: Cents };
  taxYear: number;
  names: "cli" | "api";
}): Promise<WhatIf> => {
  const extra: LedgerRow[] = [];
  const sales: WhatIf["sales"] = [];
  const buys: { id: string; wallet: string; asset: string; quantity: string; cost: Cents }[] = [];
  // Units each pool has left after the what-if sales before it.
  const taken = new Map<string, Decimal>();
  args.sells.forEach((s, i) => {
    const { what, wallet: walletHint } = orderNames(args.names, s, i);
    const price = args.priceMap.get(s.asset);
    const held = args.lots.filter((l) => l.asset === s.asset);
    if (held.length === 0)
      throw new UserInputError(`${what}: no open lot of ${s.asset} as of ${args.asOfTime}`);
    if (!price?.ok)
      throw new UserInputError(
        `${what}: no USD price for ${s.asset} at ${args.asOfTime} (${price?.reason ?? "not looked up"})`,
      );
    const universal = held[0]!.wallet === "";
    let pool: readonly ValuedLot[];
    let wallet: string;
    if (universal) {
      pool = held;
      wallet = s.wallet ?? held[0]!.acquiredIn;
    } else {
      const wallets = [...new Set(held.map((l) => l.wallet))].sort();
      if (s.wallet === undefined && wallets.length > 1) {
        throw new UserInputError(
          `${what}: ${s.asset} is held in ${wallets.length} wallets (${wallets.join(", ")}); ${walletHint}`,
        );
      }
      wallet = s.wallet ?? wallets[0]!;
      pool = held.filter((l) => l.wallet === wallet);
      if (pool.length === 0)
        throw new UserInputError(
          `${what}: ${wallet} holds no ${s.asset} as of ${args.asOfTime} (held in ${wallets.join(", ")})`,
        );
    }
    const key = `${pool[0]!.wallet}\u0000${s.asset}`;
    let have = taken.get(key);
    if (have === undefined) {
      have = pool.reduce((a, l) => a.plus(l.quantity), new Decimal(0));
    }
    const want = new Decimal(s.quantity);
    if (want.gt(have)) {
      throw new UserInputError(
        `${what}: ${universal ? "the pool" : wallet} holds only ${have.toFixed()} ${s.asset} as of ${args.asOfTime}`,
      );
    }
    taken.set(key, have.minus(want));
    const proceeds = valueCents(
      exactPrice(price.usd),
      toScaled(s.quantity, fractionDigits(s.quantity)),
      fractionDigits(s.quantity),
    );
    const id = `whatif-sell-${i + 1}`;
    extra.push({
      id,
      time: args.asOfTime,
      type: "sell",
      wallet,
      outAsset: s.asset,
      outQuantity: s.quantity,
      usdValue: usdCell(proceeds),
      note: "lotwise harvest what-if",
    });
    sales.push({ id, wallet, asset: s.asset, quantity: s.quantity, price: price.usd, proceeds });
    if (args.buyBack) {
      const buyId = `whatif-buy-${i + 1}`;
      extra.push({
        id: buyId,
        time: args.asOfTime,
        type: "buy",
        wallet,
        inAsset: s.asset,
        inQuantity: s.quantity,
        usdValue: usdCell(proceeds),
        note: "lotwise harvest what-if buy-back",
      });
      buys.push({ id: buyId, wallet, asset: s.asset, quantity: s.quantity, cost: proceeds });
    }
  });
  const run = await runBooks(args.feed, args.gainsOptions, extra);
  const s = yearSummary(run.report, args.taxYear);
  const after = taxPicture(
    { shortTermGain: s.shortTerm.gain, longTermGain: s.longTerm.gain, carryoverIn: args.carryoverIn },
    args.ctx,
  );
  const openAfter = run.report.openLots ?? [];
  const buyBacks: BuyBack[] = buys.map((b) => {
    const parts = openAfter.filter((l: OpenLot) => l.lotId === b.id);
    const basis = parts.reduce((a, p) => a + p.costBasis, 0n);
    const tacked = parts.some((p) => p.washReplacement);
    return {
      wallet: b.wallet,
      asset: b.asset,
      quantity: b.quantity,
      cost: b.cost,
      basis,
      parts: parts.map((p) => ({
        quantity: p.quantity,
        costBasis: p.costBasis,
        dateAcquired: p.dateAcquired,
        longTermOn: dateText(longTermFrom(dateNumber(p.dateAcquired))),
        washReplacement: p.washReplacement,
      })),
      holdingPeriod: tacked ? "tacked" : "restarts",
    };
  });
  return {
    sales,
    rows: run.extraRows,
    before: args.before,
    after,
    taxSaved: args.before.totalTax - after.totalTax,
    carryforwardAdded: {
      shortTerm: after.carryoverOut.shortTerm - args.before.carryoverOut.shortTerm,
      longTerm: after.carryoverOut.longTerm - args.before.carryoverOut.longTerm,
    },
    buyBacks,
  };
};
