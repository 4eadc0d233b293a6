/**
 * The lot engine: applies prepared rows, in time order, to the pools of the chosen scope. Form
 * 8949 rows and gifts of the reported years go to a sink as they happen; per-year totals,
 * ordinary income, warnings and the transition allocation record are kept for `finish`.
 *
 * Fee rules (spec "Types"): a fee in the disposed asset leaves with the disposed units as one
 * disposal (proceeds `usd_value`); a fee on a transfer in the moved asset is a disposal made before
 * the move; any other digital-asset fee is a separate disposal `<id>:fee` made after the row's own
 * acquisition or disposal. A USD fee adds to a buy's or income's basis and reduces proceeds.
 */
import { formatScaled, pow10 } from "../ledger/decimal.ts";
import { formatInstant } from "../ledger/instant.ts";
import { ledgerError } from "../ledger/read.ts";
import { allocateToWallets, TRANSITION_MS } from "./allocation.ts";
import { type DateOf, formatDate, isLongTerm, yearOf } from "./dates.ts";
import { bigintToNumber } from "./exact-scale.ts";
import { createLot, type Lot, lotOrder, queueOrder, type Take, unitOf } from "./lots.ts";
import {
  divRoundHalfUp,
  exactCents,
  form8949Gain,
  minBigint,
  mulDivRoundHalfUp,
  roundedEstimate,
} from "./money.ts";
import {
  addToPool,
  createPool,
  moveHolding,
  type Pool,
  poolUnits,
  type Takes,
  takeByMethod,
  takeLot,
} from "./pools.ts";
import { KEY_FEE, KEY_IN, KEY_OUT, KEY_TO, KEY_WALLET, NO_NAME_KEYS, type PreparedRow } from "./prepare.ts";
import type {
  AllocationEntry,
  Cents,
  Form8949Row,
  GainsWarning,
  GiftRow,
  Method,
  OpenLot,
  PartTotals,
  Position,
  Scope,
  WashSaleOptions,
} from "./types.ts";
import { createWashTracker, dayOf, type WashTracker } from "./wash.ts";

/** Receives the rows of the reported years as the engine produces them. */
export type GainsSink = {
  /** A Form 8949 row dated in `year`, in disposal order. */
  form8949: (year: number, row: Form8949Row) => void;
  /** A gift dated in `year`. */
  gift: (year: number, gift: GiftRow) => void;
  /**
   * Optional: a lot (or part of one) a transfer carried into another wallet's pool (wallet-scope
   * pools only: in universal pools a transfer moves no lot). Called for every year, so a report
   * can trace how units reached the wallet that sold them.
   */
  lotMoved?: (move: LotMove) => void;
  /**
   * Optional, for a sink that writes rows as bytes: a Form 8949 row of a lot taken by a disposal,
   * as its parts instead of a `Form8949Row` object. The row is exactly
   * `{ disposalId, lotId, wallet, asset, quantity: formatScaled(units, quantityScale), dateAcquired,
   * dateSold, proceeds, costBasis, adjustmentCode: "", adjustment: undefined, gain: proceeds −
   * costBasis, term: long ? "long" : "short", box: long ? "L" : "I", description: `${quantity} ${asset}` }`.
   * Answer `false` (having done nothing) to receive it through `form8949` instead. Not called
   * with the wash-sale rule (its rows are held and adjusted) nor for shortfall rows.
   */
  form8949Parts?: Form8949Parts;
};

/**
 * See `GainsSink.form8949Parts`; `units` > 0, in units of 10^-quantityScale; `proceeds` and
 * `costBasis` in cents, integers of at most 2^50 in magnitude (rows with larger amounts come
 * through `form8949`).
 */
export type Form8949Parts = (
  year: number,
  disposalId: string,
  lotId: string,
  wallet: string,
  asset: string,
  units: bigint,
  quantityScale: number,
  dateAcquired: string,
  dateSold: string,
  proceeds: number,
  costBasis: number,
  long: boolean,
) => boolean;

/** A lot carried by a transfer from one wallet's pool to another's. */
export type LotMove = {
  /** The transfer row's id. */
  transferId: string;
  from: string;
  to: string;
  asset: string;
  /** The lot's id (for a shortfall carried with basis 0, the transfer's own id). */
  lotId: string;
  /** `YYYY-MM-DD` of the transfer. */
  date: string;
};

export type EngineOptions = {
  method: Method;
  scope: Scope;
  strict: boolean;
  /** Rows, gifts and income are produced only for dates in `fromYear … toYear`. */
  fromYear: number;
  toYear: number;
  dateOf: DateOf;
  source: string;
  /** Initial scales (see `PreparedLedger`); `rescale` raises them. */
  quantityScale: number;
  usdScale: number;
  sink: GainsSink;
  /** Whether `id` is the id of a lot-creating row seen so far (for error messages). */
  isKnownLot?: (id: string) => boolean;
  /** List every open lot in `finish` (`EngineOutput.openLots`). */
  openLots?: boolean | undefined;
  /** The wash-sale rule (src/tax/wash.ts); off when undefined. */
  washSale?: WashSaleOptions | undefined;
  /** Keep only the per-year totals: no Form 8949 row of a lot reaches the sink (faster). */
  totalsOnly?: boolean | undefined;
  /**
   * The name numbers of the row each `apply` is given, read during that call
   * (`RowPreparer.nameKeys` of the preparer that made it, prepared just before): pools are found
   * by number. Leave undefined when rows are not applied as they are prepared.
   */
  nameKeys?: Readonly<Int32Array> | undefined;
  /**
   * Years before this one keep only their totals, as with `totalsOnly`: no Form 8949 row of a
   * lot and no gift of those years reaches the sink (a report that only needs their carryover).
   * @defaultValue `fromYear` (every reported year gets its rows)
   */
  rowsFromYear?: number | undefined;
};

/** A warning with its `yyyymmdd` date, so each year reports those raised up to its end. */
export type DatedWarning = GainsWarning & { dateNumber: number };

export type EngineOutput = {
  /** Totals of the Form 8949 rows per year (short term = box I, long term = box L). */
  totals: Map<number, { short: PartTotals; long: PartTotals }>;
  /** Ordinary income per year (cents per subtype, each row rounded). */
  income: Map<number, Map<string, Cents>>;
  warnings: DatedWarning[];
  /** `undefined` unless the transition allocation happened and allocated something. */
  allocation: AllocationEntry[] | undefined;
  /** What the pools hold after the last row. */
  positions: Position[];
  /** Every open lot after the last row, when `openLots` was asked for. */
  openLots: OpenLot[] | undefined;
};

export type GainsEngine = {
  /** Applies the next row; rows must come in time order (equal times in file order). */
  apply: (row: PreparedRow) => void;
  /** Raises the scales of quantities and USD amounts (exact: existing values are multiplied). */
  rescale: (quantityScale: number, usdScale: number) => void;
  /** Ends the run (performs the transition allocation if it is still due). */
  finish: () => EngineOutput;
};

/** One wallet's holding of one asset: its pool (wallet scope) and unit balance (transition). */
type Place = { pool: Pool | undefined; balance: bigint };

/** What a row's `lots` cell still has to hand out (takes consume it in order). */
type Selection = { entries: { lotId: string; quantity: bigint }[]; index: number; used: bigint };

/** `a + b` and `a − b`, without a new bigint when `b` is 0 (a row's fee cells usually are). */
const plus = (a: bigint, b: bigint): bigint => (b === 0n ? a : a + b);
const minus = (a: bigint, b: bigint): bigint => (b === 0n ? a : a - b);

const emptyTotals = (): PartTotals => ({ proceeds: 0n, costBasis: 0n, adjustments: 0n, gain: 0n, rows: 0 });
/** Pending sums past this go into the totals first (see `countPending`). */
const PENDING_MAX = 2 ** 52;
/**
 * Slots of the engine's pending sums (see `countPending`): each term's proceeds, basis and gain,
 * in that order.
 */
const SHORT_PROCEEDS = 0;
const SHORT_BASIS = 1;
const SHORT_GAIN = 2;
const LONG_PROCEEDS = 3;
const LONG_BASIS = 4;
const LONG_GAIN = 5;
const PENDING_SLOTS = 6;

export const createGainsEngine = (options: EngineOptions): GainsEngine => {
  const { strict, fromYear, toYear, dateOf, source, sink } = options;
  const totalsOnly = options.totalsOnly ?? false;
  const rowsFromYear = options.rowsFromYear ?? fromYear;
  let quantityScale = options.quantityScale;
  let usdScale = options.usdScale;
  const before = lotOrder(options.method);
  // The FIFO/LIFO queues hand out lots as the heap does only while no two lots of a pool tie in
  // `before` (so the order is the method's alone): true of lots made from rows and of the
  // allocation's, but not of the wash-sale rule's replacement parts, which keep their lot's
  // instant and row. With that rule the pools keep the plain heap, as before.
  const order = options.washSale === undefined ? queueOrder(options.method) : "heap";
  let usdPerCent = pow10(usdScale - 2);
  const qty = (q: bigint) => formatScaled(q, quantityScale);
  const dateTexts = new Map<number, string>();
  // The last date asked for: most calls ask for the row's own date again.
  let lastDate = -1;
  let lastDateText = "";
  const dateText = (d: number): string => {
    if (d === lastDate) return lastDateText;
    let s = dateTexts.get(d);
    if (s === undefined) {
      s = formatDate(d);
      dateTexts.set(d, s);
    }
    lastDate = d;
    lastDateText = s;
    return s;
  };

  const out: EngineOutput = {
    totals: new Map(),
    income: new Map(),
    warnings: [],
    allocation: undefined,
    positions: [],
    openLots: undefined,
  };
  const keys = options.nameKeys ?? NO_NAME_KEYS;
  const trackBalances = options.scope === "transition";
  let walletMode = options.scope === "wallet";
  let allocated = false;
  const universal = new Map<string, Pool>();
  /** Per wallet and asset: its pool (wallet scope) and its unit balance (transition, before 2025). */
  const places = new Map<string, Map<string, Place>>();
  let lastWallet: string | undefined;
  let lastPlaces: Map<string, Place> | undefined;

  const placeOf = (wallet: string, asset: string): Place => {
    let m: Map<string, Place> | undefined;
    if (wallet === lastWallet) m = lastPlaces!;
    else {
      m = places.get(wallet);
      if (m === undefined) {
        m = new Map();
        places.set(wallet, m);
      }
      lastWallet = wallet;
      lastPlaces = m;
    }
    let p = m.get(asset);
    if (p === undefined) {
      p = { pool: undefined, balance: 0n };
      m.set(asset, p);
    }
    return p;
  };
  /**
   * `placeOf` through the name numbers of `wallet` and `asset` (`EngineOptions.nameKeys`; -1: not
   * known): an array index per name instead of two map lookups.
   */
  const keyedPlaces: (Place | undefined)[][] = [];
  const placeAt = (wallet: string, asset: string, walletKey: number, assetKey: number): Place => {
    if (walletKey < 0 || assetKey < 0) return placeOf(wallet, asset);
    let byAsset = keyedPlaces[walletKey];
    if (byAsset === undefined) {
      byAsset = [];
      keyedPlaces[walletKey] = byAsset;
    }
    let p = byAsset[assetKey];
    if (p === undefined) {
      p = placeOf(wallet, asset);
      byAsset[assetKey] = p;
    }
    return p;
  };
  const walletPool = (wallet: string, asset: string, walletKey = -1, assetKey = -1): Pool => {
    const place = placeAt(wallet, asset, walletKey, assetKey);
    if (place.pool === undefined) place.pool = createPool(before, order);
    return place.pool;
  };
  /** Universal pools by the asset's name number (see `placeAt`). */
  const keyedUniversal: (Pool | undefined)[] = [];
  const poolOf = (wallet: string, asset: string, walletKey: number, assetKey: number): Pool => {
    if (walletMode) return walletPool(wallet, asset, walletKey, assetKey);
    let p = assetKey < 0 ? undefined : keyedUniversal[assetKey];
    if (p !== undefined) return p;
    p = universal.get(asset);
    if (p === undefined) {
      p = createPool(before, order);
      universal.set(asset, p);
    }
    if (assetKey >= 0) keyedUniversal[assetKey] = p;
    return p;
  };
  /** Adds `quantity` units to (`sign` 1) or takes them from (`sign` -1) a wallet's balance. */
  const adjustBalance = (
    wallet: string,
    asset: string,
    quantity: bigint,
    sign: 1 | -1,
    walletKey: number,
    assetKey: number,
  ) => {
    if (!trackBalances || walletMode) return;
    const place = placeAt(wallet, asset, walletKey, assetKey);
    if (sign === 1) place.balance += quantity;
    else place.balance -= quantity;
  };
  /** Unit balances per asset and wallet (for the transition allocation). */
  const balancesByAsset = (): Map<string, Map<string, bigint>> => {
    const out = new Map<string, Map<string, bigint>>();
    for (const [wallet, m] of places) {
      for (const [asset, place] of m) {
        let w = out.get(asset);
        if (w === undefined) {
          w = new Map();
          out.set(asset, w);
        }
        w.set(wallet, place.balance);
        place.balance = 0n;
      }
    }
    return out;
  };
  const poolName = (wallet: string, asset: string) =>
    walletMode ? `${wallet}'s ${asset} pool` : `the ${asset} pool (all wallets)`;

  // The row being applied.
  let row: PreparedRow;
  let date = 0;
  let year = 0;
  let inRange = false;
  /** The current year's rows stop at its totals (`totalsOnly`, or a year before `rowsFromYear`). */
  let rowless = totalsOnly;
  let yearTotals: { short: PartTotals; long: PartTotals } = { short: emptyTotals(), long: emptyTotals() };
  // Cents of rows counted into `yearTotals` by `countPending`, not yet added there, by `PENDING_*`
  // slot: doubles, exact because every value counted is at most 2^50 in magnitude (a gain 2^51)
  // and a sum is moved into `yearTotals` (`settlePending`) before it passes 2^52, and always
  // before `yearTotals` changes or the totals are read (`finish`). In a typed array, not in `let`s
  // of this closure: a double stored in a closure's variable is a new heap number each time
  // (three per row counted).
  const pending = new Float64Array(PENDING_SLOTS);
  const settlePending = () => {
    const s = yearTotals.short;
    const l = yearTotals.long;
    const v = pending;
    if (v[SHORT_PROCEEDS] !== 0) s.proceeds += BigInt(v[SHORT_PROCEEDS]!);
    if (v[SHORT_BASIS] !== 0) s.costBasis += BigInt(v[SHORT_BASIS]!);
    if (v[SHORT_GAIN] !== 0) s.gain += BigInt(v[SHORT_GAIN]!);
    if (v[LONG_PROCEEDS] !== 0) l.proceeds += BigInt(v[LONG_PROCEEDS]!);
    if (v[LONG_BASIS] !== 0) l.costBasis += BigInt(v[LONG_BASIS]!);
    if (v[LONG_GAIN] !== 0) l.gain += BigInt(v[LONG_GAIN]!);
    v.fill(0);
  };
  /** Counts a row of `proceeds` and `basis` cents (exact doubles, |v| ≤ 2^50) into `yearTotals`. */
  const countPending = (long: boolean, proceeds: number, basis: number) => {
    const v = pending;
    // The term's three sums: proceeds, basis, gain (slots `at`, `at + 1`, `at + 2`).
    const at = long ? LONG_PROCEEDS : SHORT_PROCEEDS;
    let sp = v[at]!;
    let sb = v[at + 1]!;
    let sg = v[at + 2]!;
    if (
      sp > PENDING_MAX ||
      sp < -PENDING_MAX ||
      sb > PENDING_MAX ||
      sb < -PENDING_MAX ||
      sg > PENDING_MAX ||
      sg < -PENDING_MAX
    ) {
      settlePending();
      sp = sb = sg = 0;
    }
    v[at] = sp + proceeds;
    v[at + 1] = sb + basis;
    v[at + 2] = sg + (proceeds - basis);
    if (long) yearTotals.long.rows++;
    else yearTotals.short.rows++;
  };
  let sel: { asset: string; selection: Selection } | undefined;

  /**
   * Lots by id, for `lots` cells. Built from the pools on the first `lots` cell (a ledger
   * without one never pays for it), then kept up to date as lots are created.
   */
  let lotIndex: Map<string, Lot> | undefined;

  const warn = (w: GainsWarning, dateNumber: number) => out.warnings.push({ ...w, dateNumber });

  const allocate = () => {
    allocated = true;
    walletMode = true;
    const allocDate = dateOf(TRANSITION_MS);
    const { entries, warnings } = allocateToWallets({
      universal,
      balances: balancesByAsset(),
      poolOf: walletPool,
      date: allocDate,
      quantityScale,
      usdPerCent,
    });
    for (const w of warnings) warn(w, allocDate);
    if (entries.length > 0) out.allocation = entries;
    lotIndex = undefined; // rebuilt from the wallet pools if a `lots` cell needs it
  };

  /** Units a pool could not supply: an error with --strict, else a warning. */
  const shortfallOf = (
    column: string,
    wallet: string,
    asset: string,
    quantity: bigint,
    shortfall: bigint,
    what: string,
  ) => {
    const pool = poolName(wallet, asset);
    // A take that comes up short took every unit the pool held.
    const held = quantity - shortfall;
    if (strict) {
      throw ledgerError(
        source,
        row.line,
        column,
        `row ${row.id} takes ${qty(quantity)} ${asset} from ${pool}, which holds ${qty(held)} (shortfall ${qty(shortfall)})`,
      );
    }
    warn(
      {
        code: "missing_basis",
        id: row.id,
        date: dateText(date),
        message: `row ${row.id} (line ${row.line}) takes ${qty(quantity)} ${asset} from ${pool}, which holds ${qty(held)}: ${qty(shortfall)} ${what}`,
      },
      date,
    );
  };

  /** Takes `quantity` from `pool`: from the row's `lots` selection when given, else by method. */
  const take = (
    pool: Pool,
    quantity: bigint,
    selection: Selection | undefined,
    asset: string,
    wallet: string,
  ): Takes => {
    if (selection === undefined) return takeByMethod(pool, quantity);
    const takes: Take[] = [];
    let need = quantity;
    while (need > 0n) {
      const entry = selection.entries[selection.index]!;
      const q = minBigint(entry.quantity - selection.used, need);
      const lot = lotById(entry.lotId);
      const t = lot === undefined ? "is not in the pool" : takeLot(pool, lot, q);
      if (typeof t === "string") {
        const why =
          options.isKnownLot && !options.isKnownLot(entry.lotId) && !entry.lotId.startsWith("alloc:")
            ? "is not a lot acquired before this row"
            : t;
        throw ledgerError(
          source,
          row.line,
          "lots",
          `lot "${entry.lotId}" ${why} (${qty(q)} ${asset} wanted from ${poolName(wallet, asset)} at ${formatInstant(row)})`,
        );
      }
      const same = takes.find((x) => x.lot === t.lot);
      if (same) same.quantity += q;
      else takes.push(t);
      need -= q;
      selection.used += q;
      if (selection.used === entry.quantity) {
        selection.index++;
        selection.used = 0n;
      }
    }
    return { takes, count: takes.length, shortfall: 0n };
  };

  const lotById = (id: string): Lot | undefined => {
    if (lotIndex === undefined) {
      const index = new Map<string, Lot>();
      const visit = (pool: Pool) =>
        pool.heap.forEach((h) => {
          // A wash-sale split leaves parts of one id: the part with units left answers.
          if (h.remaining > 0n || !index.has(h.lot.id)) index.set(h.lot.id, h.lot);
        });
      for (const p of universal.values()) visit(p);
      for (const m of places.values()) for (const place of m.values()) if (place.pool) visit(place.pool);
      lotIndex = index;
    }
    return lotIndex.get(id);
  };
  const newLot = (
    id: string,
    ms: number,
    ns: number,
    seq: number,
    d: number,
    basis: bigint,
    quantity: bigint,
    wallet: string,
    purchase = false,
  ) => {
    const lot = createLot(id, ms, ns, seq, d, basis, quantity, wallet, purchase);
    lotIndex?.set(id, lot);
    return lot;
  };

  /** Adds a Form 8949 row of reported year `y` to the totals and hands it to the sink. */
  const output = (y: number, r: Form8949Row) => {
    const totals = y === year && inRange ? yearTotals : totalsOf(y);
    const t = r.term === "long" ? totals.long : totals.short;
    t.proceeds += r.proceeds;
    t.costBasis += r.costBasis;
    if (r.adjustment !== undefined) t.adjustments += r.adjustment;
    t.gain += r.gain;
    t.rows++;
    sink.form8949(y, r);
  };
  const wash: WashTracker | undefined = options.washSale
    ? createWashTracker({
        options: options.washSale,
        output,
        usdPerCent: () => usdPerCent,
        replaced: (lot, replacement) => {
          if (lotIndex?.get(lot.id) === lot) lotIndex.set(lot.id, replacement);
        },
      })
    : undefined;
  let day = 0;
  const emit = (r: Form8949Row) => (wash ? wash.row(year, r) : output(year, r));
  /** The sink's byte path (never with the wash-sale rule: its rows are held and adjusted). */
  const parts = wash === undefined ? sink.form8949Parts : undefined;
  /**
   * Offers a take's row to the sink's byte path (`p`, `b`: proceeds and basis in cents, |v| ≤ 2^50);
   * one function for the engine, not a closure per disposal.
   */
  const offerParts = (
    t: Take,
    long: boolean,
    p: number,
    b: number,
    disposalId: string,
    wallet: string,
    asset: string,
  ): boolean =>
    parts?.(
      year,
      disposalId,
      t.lot.id,
      wallet,
      asset,
      t.quantity,
      quantityScale,
      dateText(t.lot.date),
      dateText(date),
      p,
      b,
      long,
    ) === true;

  /**
   * Disposes `quantity` of `asset` from `wallet` for `proceeds` (USD units) as Form 8949 rows of
   * disposal id `row.id`, or `<row.id>:fee` when `fee` (made only when a row is written).
   */
  const dispose = (
    wallet: string,
    asset: string,
    quantity: bigint,
    proceeds: bigint,
    fee: boolean,
    column: string,
    selection: Selection | undefined,
    walletKey: number,
    assetKey: number,
  ) => {
    const pool = poolOf(wallet, asset, walletKey, assetKey);
    const { takes, count, shortfall } = take(pool, quantity, selection, asset, wallet);
    adjustBalance(wallet, asset, quantity, -1, walletKey, assetKey);
    if (shortfall > 0n) shortfallOf(column, wallet, asset, quantity, shortfall, "get cost basis 0");
    const washing = wash?.applies(asset) ?? false;
    if (!inRange && !washing) return;
    const disposalId = fee ? `${row.id}:fee` : row.id;
    // With the wash-sale rule the rows go to the tracker (losses are matched even outside the
    // reported years: they change later years' basis).
    const made: { row: Form8949Row; lot: Lot | undefined; units: bigint }[] | undefined = washing
      ? []
      : undefined;
    const whole = count === 1 && shortfall === 0n;
    const cents = usdPerCent === 1n;
    const share = whole ? 0n : cents ? quantity : quantity * usdPerCent;
    // In cents, a take's basis and share of the proceeds are rounded from double estimates when
    // those settle the rounding exactly (`roundedEstimate`): `lot.unit` is Number(basis) ÷
    // Number(quantity), `perUnit` proceeds ÷ quantity (3 roundings each), × units (2 more).
    // Rows that go straight to the year's totals are then counted in doubles (`countPending`).
    const fast = cents && made === undefined;
    const perUnit = whole || !cents ? 0 : bigintToNumber(proceeds) / bigintToNumber(quantity);
    const wholeProceeds = fast && whole ? exactCents(proceeds) : Number.NaN;
    for (let i = 0; i < count; i++) {
      const t = takes[i]!;
      const lot = t.lot;
      const all = t.quantity === lot.quantity;
      const units = whole && all ? 0 : bigintToNumber(t.quantity);
      const long = isLongTerm(lot.date, date);
      /** Whether the sink's byte path was offered this row (and declined it). */
      let offered = false;
      if (fast) {
        const b = all ? exactCents(lot.basis) : roundedEstimate(lot.unit * units);
        const p = whole ? wholeProceeds : roundedEstimate(perUnit * units);
        if (!Number.isNaN(b) && !Number.isNaN(p)) {
          if (rowless || offerParts(t, long, p, b, disposalId, wallet, asset)) {
            countPending(long, p, b);
            continue;
          }
          offered = true;
        }
      }
      const basis = all
        ? divRoundHalfUp(lot.basis, usdPerCent)
        : cents
          ? mulDivRoundHalfUp(lot.basis, t.quantity, lot.quantity, lot.unit * units)
          : divRoundHalfUp(lot.basis * t.quantity, lot.quantity * usdPerCent);
      const p = whole
        ? divRoundHalfUp(proceeds, usdPerCent)
        : cents
          ? mulDivRoundHalfUp(proceeds, t.quantity, share, perUnit * units)
          : divRoundHalfUp(proceeds * t.quantity, share);
      if (made === undefined && !offered) {
        // Straight to the year's totals: rows of a rowless year, or rows the sink takes as parts
        // (`output`'s accounting: in a disposal, `year` is in range and its totals are `yearTotals`).
        const pn = exactCents(p);
        const bn = exactCents(basis);
        if (
          rowless ||
          (!Number.isNaN(pn) && !Number.isNaN(bn) && offerParts(t, long, pn, bn, disposalId, wallet, asset))
        ) {
          const part = long ? yearTotals.long : yearTotals.short;
          part.proceeds += p;
          part.costBasis += basis;
          part.gain += p - basis;
          part.rows++;
          continue;
        }
      }
      const q = qty(t.quantity);
      const r: Form8949Row = {
        disposalId,
        lotId: lot.id,
        wallet,
        asset,
        quantity: q,
        dateAcquired: dateText(lot.date),
        dateSold: dateText(date),
        proceeds: p,
        costBasis: basis,
        adjustmentCode: "",
        adjustment: undefined,
        gain: form8949Gain(p, basis),
        term: long ? "long" : "short",
        box: long ? "L" : "I",
        description: `${q} ${asset}`,
      };
      if (made !== undefined) made.push({ row: r, lot, units: t.quantity });
      else emit(r);
    }
    if (shortfall > 0n) {
      const p = divRoundHalfUp(proceeds * shortfall, quantity * usdPerCent);
      const q = qty(shortfall);
      const r: Form8949Row = {
        disposalId,
        lotId: "",
        wallet,
        asset,
        quantity: q,
        dateAcquired: "",
        dateSold: dateText(date),
        proceeds: p,
        costBasis: 0n,
        adjustmentCode: "",
        adjustment: undefined,
        gain: form8949Gain(p, 0n),
        term: "short",
        box: "I",
        description: `${q} ${asset}`,
      };
      if (made !== undefined) made.push({ row: r, lot: undefined, units: shortfall });
      else emit(r);
    }
    if (made) wash!.disposal({ rows: made, asset, day, year, inRange });
  };

  /** `purchase`: a `buy` or a swap's acquisition (a possible wash-sale replacement). */
  const acquire = (
    wallet: string,
    asset: string,
    quantity: bigint,
    basis: bigint,
    purchase: boolean,
    walletKey: number,
    assetKey: number,
  ) => {
    const lot = newLot(row.id, row.ms, row.ns, row.seq, date, basis, quantity, wallet, purchase);
    const pool = poolOf(wallet, asset, walletKey, assetKey);
    if (wash && purchase && wash.applies(asset)) {
      for (const part of wash.purchase(lot, asset, day, quantity)) addToPool(pool, part.lot, part.quantity);
    } else addToPool(pool, lot, quantity);
    adjustBalance(wallet, asset, quantity, 1, walletKey, assetKey);
  };

  const give = (
    wallet: string,
    asset: string,
    quantity: bigint,
    selection: Selection | undefined,
    walletKey: number,
    assetKey: number,
  ) => {
    const pool = poolOf(wallet, asset, walletKey, assetKey);
    const { takes, count, shortfall } = take(pool, quantity, selection, asset, wallet);
    adjustBalance(wallet, asset, quantity, -1, walletKey, assetKey);
    if (shortfall > 0n) shortfallOf("out_quantity", wallet, asset, quantity, shortfall, "have no basis");
    if (!inRange || year < rowsFromYear) return;
    const given = dateText(date);
    for (let i = 0; i < count; i++) {
      const t = takes[i]!;
      sink.gift(year, {
        giftId: row.id,
        lotId: t.lot.id,
        wallet,
        asset,
        quantity: qty(t.quantity),
        dateAcquired: dateText(t.lot.date),
        dateGiven: given,
        costBasis: divRoundHalfUp(t.lot.basis * t.quantity, t.lot.quantity * usdPerCent),
      });
    }
    if (shortfall > 0n) {
      sink.gift(year, {
        giftId: row.id,
        lotId: "",
        wallet,
        asset,
        quantity: qty(shortfall),
        dateAcquired: "",
        dateGiven: given,
        costBasis: 0n,
      });
    }
  };

  const move = (
    from: string,
    to: string,
    asset: string,
    quantity: bigint,
    selection: Selection | undefined,
    fromKey: number,
    toKey: number,
    assetKey: number,
  ) => {
    if (!walletMode) {
      // Universal pools: a transfer changes no lot; only the wallets' unit balances move.
      adjustBalance(from, asset, quantity, -1, fromKey, assetKey);
      adjustBalance(to, asset, quantity, 1, toKey, assetKey);
      return;
    }
    const src = walletPool(from, asset, fromKey, assetKey);
    const { takes, count, shortfall } = take(src, quantity, selection, asset, from);
    const dst = walletPool(to, asset, toKey, assetKey);
    // Under the wash-sale rule a lot's holdings keep their order of creation (the rule splits a
    // lot across its holdings in that order): no holding is reused there.
    if (wash === undefined) for (let i = 0; i < count; i++) moveHolding(dst, takes[i]!);
    else for (let i = 0; i < count; i++) addToPool(dst, takes[i]!.lot, takes[i]!.quantity);
    if (sink.lotMoved) {
      const d = dateText(date);
      for (let i = 0; i < count; i++)
        sink.lotMoved({ transferId: row.id, from, to, asset, lotId: takes[i]!.lot.id, date: d });
      if (shortfall > 0n) sink.lotMoved({ transferId: row.id, from, to, asset, lotId: row.id, date: d });
    }
    if (shortfall > 0n) {
      shortfallOf(
        "out_quantity",
        from,
        asset,
        quantity,
        shortfall,
        `arrive in ${to} as lot ${row.id} with cost basis 0`,
      );
      addToPool(dst, newLot(row.id, row.ms, row.ns, row.seq, date, 0n, shortfall, to), shortfall);
    }
  };

  /** The row's `lots` cell as a selection for one asset's pool, after checking it adds up. */
  const selectionFor = (r: PreparedRow, lots: { lotId: string; quantity: bigint }[]) => {
    const asset = (r.outAsset ?? r.feeAsset)!;
    const total =
      (r.outAsset !== undefined ? r.outQuantity : 0n) + (r.feeAsset === asset ? r.feeQuantity : 0n);
    let sum = 0n;
    for (const e of lots) sum += e.quantity;
    if (sum !== total) {
      throw ledgerError(
        source,
        r.line,
        "lots",
        `adds up to ${qty(sum)} but the row takes ${qty(total)} ${asset} from the pool${r.feeAsset === asset && r.feeQuantity > 0n ? " (fee units included)" : ""}`,
      );
    }
    return { asset, selection: { entries: lots, index: 0, used: 0n } };
  };
  const selFor = (asset: string) => (sel !== undefined && sel.asset === asset ? sel.selection : undefined);

  /** A digital-asset fee not paid in the disposed asset: its own disposal `<id>:fee`, after the row. */
  const separateFee = (r: PreparedRow) => {
    const feeAsset = r.feeAsset;
    if (feeAsset !== undefined && r.feeQuantity > 0n) {
      dispose(
        r.wallet,
        feeAsset,
        r.feeQuantity,
        r.feeUsd,
        true,
        "fee_quantity",
        selFor(feeAsset),
        keys[KEY_WALLET]!,
        keys[KEY_FEE]!,
      );
    }
  };
  const addIncome = (r: PreparedRow) => {
    let m = out.income.get(year);
    if (m === undefined) {
      m = new Map();
      out.income.set(year, m);
    }
    m.set(r.subtype, (m.get(r.subtype) ?? 0n) + divRoundHalfUp(r.usd, usdPerCent));
  };
  const totalsOf = (y: number) => {
    let t = out.totals.get(y);
    if (t === undefined) {
      t = { short: emptyTotals(), long: emptyTotals() };
      out.totals.set(y, t);
    }
    return t;
  };

  const apply = (r: PreparedRow) => {
    if (trackBalances && !allocated && r.ms >= TRANSITION_MS) allocate();
    row = r;
    const d = dateOf(r.ms);
    if (wash && d !== date) {
      day = dayOf(d);
      wash.advance(day);
    }
    date = d;
    const y = yearOf(date);
    if (y !== year) {
      settlePending();
      year = y;
      inRange = year >= fromYear && year <= toYear;
      rowless = totalsOnly || year < rowsFromYear;
      if (inRange) yearTotals = totalsOf(year);
    }
    sel = r.lots === undefined ? undefined : selectionFor(r, r.lots);
    const { wallet, outAsset, feeAsset } = r;
    const feeInOut = feeAsset !== undefined && feeAsset === outAsset;
    switch (r.type) {
      case "buy":
      case "income": {
        if (r.inAsset !== undefined)
          acquire(
            wallet,
            r.inAsset,
            r.inQuantity,
            plus(r.usd, r.feeUsd),
            r.type === "buy",
            keys[KEY_WALLET]!,
            keys[KEY_IN]!,
          );
        if (r.type === "income" && inRange) addIncome(r);
        separateFee(r);
        break;
      }
      case "sell":
      case "spend":
      case "swap": {
        if (outAsset !== undefined) {
          if (feeInOut) {
            dispose(
              wallet,
              outAsset,
              plus(r.outQuantity, r.feeQuantity),
              r.usd,
              false,
              "out_quantity",
              selFor(outAsset),
              keys[KEY_WALLET]!,
              keys[KEY_OUT]!,
            );
          } else {
            dispose(
              wallet,
              outAsset,
              r.outQuantity,
              minus(r.usd, r.feeUsd),
              false,
              "out_quantity",
              selFor(outAsset),
              keys[KEY_WALLET]!,
              keys[KEY_OUT]!,
            );
          }
        }
        if (r.type === "swap" && r.inAsset !== undefined)
          acquire(wallet, r.inAsset, r.inQuantity, r.usd, true, keys[KEY_WALLET]!, keys[KEY_IN]!);
        if (!feeInOut) separateFee(r);
        break;
      }
      case "gift": {
        if (outAsset !== undefined)
          give(wallet, outAsset, r.outQuantity, selFor(outAsset), keys[KEY_WALLET]!, keys[KEY_OUT]!);
        separateFee(r);
        break;
      }
      case "transfer": {
        if (outAsset !== undefined) {
          if (feeInOut && r.feeQuantity > 0n) {
            dispose(
              wallet,
              outAsset,
              r.feeQuantity,
              r.feeUsd,
              true,
              "fee_quantity",
              selFor(outAsset),
              keys[KEY_WALLET]!,
              keys[KEY_OUT]!,
            );
          }
          move(
            wallet,
            r.toWallet!,
            outAsset,
            r.outQuantity,
            selFor(outAsset),
            keys[KEY_WALLET]!,
            keys[KEY_TO]!,
            keys[KEY_OUT]!,
          );
        }
        if (!feeInOut) separateFee(r);
        break;
      }
      case "fee": {
        if (feeAsset !== undefined && r.feeQuantity > 0n) {
          dispose(
            wallet,
            feeAsset,
            r.feeQuantity,
            r.feeUsd,
            false,
            "fee_quantity",
            selFor(feeAsset),
            keys[KEY_WALLET]!,
            keys[KEY_FEE]!,
          );
        }
        break;
      }
    }
  };

  const rescale = (newQuantityScale: number, newUsdScale: number) => {
    const qf = pow10(newQuantityScale - quantityScale);
    const uf = pow10(newUsdScale - usdScale);
    const seen = new Set<Lot>();
    const visitPool = (pool: Pool) => {
      pool.heap.forEach((h) => {
        h.remaining *= qf;
        const lot = h.lot;
        if (seen.has(lot)) return;
        seen.add(lot);
        lot.basis *= uf;
        lot.quantity *= qf;
        lot.unit = unitOf(lot.basis, lot.quantity);
      });
      // Every lot of this pool has its new `unit` now (the same order: basis and quantity are
      // multiplied alike for all lots).
      pool.heap.rekey();
    };
    for (const p of universal.values()) visitPool(p);
    for (const m of places.values()) {
      for (const place of m.values()) {
        if (place.pool) visitPool(place.pool);
        place.balance *= qf;
      }
    }
    wash?.rescale(qf);
    quantityScale = newQuantityScale;
    usdScale = newUsdScale;
    usdPerCent = pow10(usdScale - 2);
  };

  const finish = (): EngineOutput => {
    settlePending();
    if (trackBalances && !allocated && toYear >= 2025) allocate();
    wash?.finish();
    const positions: Position[] = [];
    const openLots: OpenLot[] | undefined = options.openLots ? [] : undefined;
    const add = (wallet: string, asset: string, pool: Pool) => {
      let basis = 0n;
      let lots = 0;
      pool.heap.forEach((h) => {
        if (h.remaining === 0n) return;
        lots++;
        const lot = h.lot;
        const lotBasis = divRoundHalfUp(lot.basis * h.remaining, lot.quantity * usdPerCent);
        basis += lotBasis;
        openLots?.push({
          wallet,
          asset,
          lotId: lot.id,
          acquiredIn: lot.wallet,
          quantity: qty(h.remaining),
          acquired: formatInstant(lot),
          dateAcquired: dateText(lot.date),
          costBasis: lotBasis,
          purchase: lot.purchase,
          washReplacement: lot.washReplacement,
          exact: {
            units: h.remaining,
            lotBasis: lot.basis,
            lotQuantity: lot.quantity,
            quantityScale,
            usdScale,
            ms: lot.ms,
            ns: lot.ns,
            seq: lot.seq,
          },
        });
      });
      const units = poolUnits(pool);
      if (units > 0n) positions.push({ wallet, asset, quantity: qty(units), costBasis: basis, lots });
    };
    for (const [asset, pool] of universal) add("", asset, pool);
    for (const [wallet, m] of places)
      for (const [asset, place] of m) if (place.pool) add(wallet, asset, place.pool);
    positions.sort((a, b) =>
      a.wallet < b.wallet ? -1 : a.wallet > b.wallet ? 1 : a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0,
    );
    out.positions = positions;
    if (openLots) {
      const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      openLots.sort(
        (a, b) =>
          byName(a.wallet, b.wallet) ||
          byName(a.asset, b.asset) ||
          a.exact.ms - b.exact.ms ||
          a.exact.ns - b.exact.ns ||
          a.exact.seq - b.exact.seq ||
          byName(a.dateAcquired, b.dateAcquired),
      );
      out.openLots = openLots;
    }
    return out;
  };

  return { apply, rescale, finish };
};
