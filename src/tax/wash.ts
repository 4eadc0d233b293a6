/**
 * Wash sales (IRC §1091; Treas. Reg. §1.1091-1) as an engine option, off by default.
 *
 * Today §1091 reaches only stock and securities: digital assets that are tokenized securities
 * (2025 Schedule D instructions), not BTC or ETH. Proposals to extend it to all digital assets
 * (S. 2207, H.R. 9172, …) have not been enacted. The option serves both: tokenized securities
 * (`assets` lists them) and a simulation of the proposed rule for every asset.
 *
 * The mechanism, in the engine's terms:
 * - A disposal's Form 8949 row with a loss looks for replacement units of the same asset (any
 *   wallet: the rule is per taxpayer) acquired by purchase or taxable exchange (`buy`, `swap`)
 *   within 30 days before or after the date sold (the 61-day period, §1.1091-1(a)).
 * - Units of the very lot sold are never its replacement (Rev. Rul. 56-602); units that already
 *   replaced one loss replace no other (§1.1091-1(e)); only units still held can be matched.
 * - Losses are matched in order of disposition (§1.1091-1(b)); within one disposal the sold units
 *   in order of their acquisition (§1.1091-1(c)); replacement units in order of acquisition, the
 *   earliest carrying the loss when there are more than needed (§1.1091-1(d)).
 * - The disallowed part of a loss (the loss × matched units ÷ units sold, rounded to cents, the
 *   cents split so that the parts add up) is the row's adjustment, code `W`, a positive amount in
 *   column (g) (Form 8949 instructions). It is added to the replacement units' basis (§1091(d)),
 *   and their holding period includes the sold units' (§1223(3)): their date acquired moves back
 *   by the days the sold units were held. Their place in the FIFO/LIFO order stays their own
 *   acquisition instant.
 * - Matched replacement units become a lot of their own (same lot id) with the adjusted per-unit
 *   basis; the rest of the lot keeps its basis. A `lots` cell naming that id takes the part with
 *   units left (the unadjusted part first while it has any).
 * - A loss row is held back until its window closes (the first row dated more than 30 days after
 *   the sale, or the end of the ledger), so rows reach the sink in disposal order with their final
 *   adjustment. Purchases after the last ledger row are unknown: the run ends the window there.
 */
import { civilFromDays, daysFromCivil } from "../ledger/instant.ts";
import { holdingsOf, type Lot, unitOf } from "./lots.ts";
import { divRoundHalfUp, form8949Gain, minBigint } from "./money.ts";
import { addToPool, type Pool, takeLot } from "./pools.ts";
import type { Cents, Form8949Row, WashSaleOptions } from "./types.ts";

/** Days before and after a sale in which a purchase is a replacement (§1091(a)). */
export const WASH_SALE_WINDOW_DAYS = 30;

/** Day number (days since 1970-01-01) of a `yyyymmdd` date. */
export const dayOf = (yyyymmdd: number): number =>
  daysFromCivil(Math.floor(yyyymmdd / 10000), Math.floor(yyyymmdd / 100) % 100, yyyymmdd % 100);

/** A Form 8949 row waiting to be released to the sink. */
type Held = { year: number; inRange: boolean; row: Form8949Row; loss: PendingLoss | undefined };

/** A loss row whose replacement window is open. */
type PendingLoss = {
  asset: string;
  saleDay: number;
  /** Day of the sold units' (possibly tacked) date acquired. */
  soldDay: number;
  soldLotId: string;
  /** Units of the row. */
  units: bigint;
  matched: bigint;
  /** The loss, positive cents. */
  loss: Cents;
  /** Cents disallowed so far. */
  disallowed: Cents;
  /** Last day a purchase can replace this loss. */
  closesDay: number;
};

/** A part of a lot to add to a pool. */
export type LotPart = { lot: Lot; quantity: bigint };

export type WashTracker = {
  /** Whether the rule applies to `asset`. */
  applies: (asset: string) => boolean;
  /** Call before each row: releases the rows whose windows closed before `day`. */
  advance: (day: number) => void;
  /**
   * A disposal's rows, in the order the engine made them, each with the lot its units came from
   * (undefined for a shortfall). Loss rows are matched with earlier purchases now and held until
   * their window closes; `inRange` rows are output in order.
   */
  disposal: (args: {
    rows: { row: Form8949Row; lot: Lot | undefined; units: bigint }[];
    asset: string;
    day: number;
    year: number;
    inRange: boolean;
  }) => void;
  /** Any other Form 8949 row of a reported year (kept behind held rows, in order). */
  row: (year: number, row: Form8949Row) => void;
  /**
   * A purchase of `quantity` units of `asset` on `day` as `lot`: matched against open losses;
   * returns the parts to add to the pool (adjusted replacement parts, then the rest of `lot`).
   */
  purchase: (lot: Lot, asset: string, day: number, quantity: bigint) => LotPart[];
  /** Multiplies held quantities by `factor` (the engine raised its quantity scale). */
  rescale: (factor: bigint) => void;
  /** Releases every held row (end of the ledger). */
  finish: () => void;
};

export const createWashTracker = (args: {
  options: WashSaleOptions;
  /** Receives released rows of reported years. */
  output: (year: number, row: Form8949Row) => void;
  /** USD units per cent at the engine's current scale. */
  usdPerCent: () => bigint;
  /** Called when `replacement` takes over from `lot`, which has no units left (lot-id lookups). */
  replaced: (lot: Lot, replacement: Lot) => void;
}): WashTracker => {
  const only = args.options.assets === undefined ? undefined : new Set(args.options.assets);
  const applies = (asset: string) => only === undefined || only.has(asset);
  const queue: Held[] = [];
  let head = 0;
  /** Open losses per asset, in order of disposition. */
  const pending = new Map<string, PendingLoss[]>();
  /** Purchased lots per asset, in acquisition order, acquired within the last 30 days. */
  const recent = new Map<string, Lot[]>();

  const release = (h: Held) => {
    const p = h.loss;
    if (p !== undefined && p.disallowed > 0n) {
      const r = h.row;
      r.adjustmentCode = "W";
      r.adjustment = p.disallowed;
      r.gain = form8949Gain(r.proceeds, r.costBasis, p.disallowed);
    }
    if (h.inRange) args.output(h.year, h.row);
  };
  const done = (p: PendingLoss, day: number) => p.matched === p.units || day > p.closesDay;
  const advance = (day: number) => {
    while (head < queue.length) {
      const h = queue[head]!;
      if (h.loss !== undefined && !done(h.loss, day)) break;
      release(h);
      queue[head++] = undefined as unknown as Held;
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
  };
  const hold = (h: Held) => {
    if (h.loss === undefined && head === queue.length) release(h);
    else queue.push(h);
  };

  /**
   * Units `m` of `lot` replace loss `p`: the disallowed cents grow to the loss × matched ÷ units
   * (rounded), and that increase goes into a new lot holding the `m` units.
   */
  const replacementLot = (p: PendingLoss, lot: Lot, m: bigint): Lot => {
    p.matched += m;
    const total = divRoundHalfUp(p.loss * p.matched, p.units);
    const increase = total - p.disallowed;
    p.disallowed = total;
    // Per-unit basis = lot.basis ÷ lot.quantity + increase ÷ m, kept exact as one ratio.
    const tacked = civilFromDays(dayOf(lot.date) - (p.saleDay - p.soldDay));
    const replacement: Lot = {
      id: lot.id,
      ms: lot.ms,
      ns: lot.ns,
      seq: lot.seq,
      date: tacked,
      basis: lot.basis * m + increase * args.usdPerCent() * lot.quantity,
      quantity: lot.quantity * m,
      unit: 0,
      holding: undefined,
      wallet: lot.wallet,
      purchase: true,
      washReplacement: true,
    };
    replacement.unit = unitOf(replacement.basis, replacement.quantity);
    return replacement;
  };

  const held = (lot: Lot): bigint => {
    let n = 0n;
    for (let h = lot.holding; h !== undefined; h = h.next) n += h.remaining;
    return n;
  };

  /** Matches `p` with purchases made up to 30 days before its sale that are still held. */
  const matchEarlier = (p: PendingLoss) => {
    const list = recent.get(p.asset);
    if (list === undefined) return;
    // Lots leave the front for good once they are older than the window or used up (a lot's
    // units never come back), so each sale scans only live lots, and stops when matched.
    let drop = 0;
    while (
      drop < list.length &&
      (dayOf(list[drop]!.date) < p.saleDay - WASH_SALE_WINDOW_DAYS || held(list[drop]!) === 0n)
    )
      drop++;
    if (drop > 0) list.splice(0, drop);
    for (const lot of list) {
      if (p.matched === p.units) return;
      if (lot.id === p.soldLotId) continue;
      const available = held(lot);
      if (available === 0n) continue;
      const m = minBigint(available, p.units - p.matched);
      const replacement = replacementLot(p, lot, m);
      let left = m;
      for (const h of holdingsOf(lot)) {
        if (left === 0n) break;
        const q = minBigint(h.remaining, left);
        if (q === 0n) continue;
        const pool = h.pool as Pool;
        takeLot(pool, lot, q);
        addToPool(pool, replacement, q);
        left -= q;
      }
      if (held(lot) === 0n) args.replaced(lot, replacement);
    }
  };

  const disposal: WashTracker["disposal"] = ({ rows, asset, day, year, inRange }) => {
    const losses: { p: PendingLoss; lot: Lot }[] = [];
    for (const { row, lot, units } of rows) {
      let loss: PendingLoss | undefined;
      if (lot !== undefined && row.gain < 0n) {
        loss = {
          asset,
          saleDay: day,
          soldDay: dayOf(lot.date),
          soldLotId: lot.id,
          units,
          matched: 0n,
          loss: -row.gain,
          disallowed: 0n,
          closesDay: day + WASH_SALE_WINDOW_DAYS,
        };
        losses.push({ p: loss, lot });
      }
      if (loss !== undefined || inRange) hold({ year, inRange, row, loss });
    }
    if (losses.length === 0) return;
    // Sold units are matched in order of their acquisition (§1.1091-1(c)).
    losses.sort((a, b) => a.lot.ms - b.lot.ms || a.lot.ns - b.lot.ns || a.lot.seq - b.lot.seq);
    let open = pending.get(asset);
    for (const { p } of losses) {
      matchEarlier(p);
      if (p.matched < p.units) {
        if (open === undefined) {
          open = [];
          pending.set(asset, open);
        }
        open.push(p);
      }
    }
  };

  const purchase: WashTracker["purchase"] = (lot, asset, day, quantity) => {
    let list = recent.get(asset);
    if (list === undefined) {
      list = [];
      recent.set(asset, list);
    }
    list.push(lot);
    const open = pending.get(asset);
    if (open === undefined) return [{ lot, quantity }];
    const parts: LotPart[] = [];
    let left = quantity;
    for (const p of open) {
      if (left === 0n) break;
      if (done(p, day)) continue;
      const m = minBigint(left, p.units - p.matched);
      parts.push({ lot: replacementLot(p, lot, m), quantity: m });
      left -= m;
    }
    // Closed and fully matched losses are at the front: later ones close later and are matched later.
    let k = 0;
    while (k < open.length && done(open[k]!, day)) k++;
    if (k > 0) open.splice(0, k);
    if (open.length === 0) pending.delete(asset);
    if (left > 0n) parts.push({ lot, quantity: left });
    else args.replaced(lot, parts[parts.length - 1]!.lot);
    return parts;
  };

  return {
    applies,
    advance,
    disposal,
    row: (year, row) => hold({ year, inRange: true, row, loss: undefined }),
    purchase,
    rescale: (factor) => {
      for (const list of pending.values()) {
        for (const p of list) {
          p.units *= factor;
          p.matched *= factor;
        }
      }
    },
    finish: () => advance(Number.POSITIVE_INFINITY),
  };
};
