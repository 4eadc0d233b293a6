import type { Entry, Leg, TxClassification } from "../classify/types.ts";
import { type LedgerRow, type LedgerRowType, USD } from "../ledger/types.ts";
import { Decimal, plain, ZERO } from "../utils/decimal.ts";

/**
 * A unit price found for a leg: USD per whole unit, where it came from, its rank (lower is
 * better: the provider's place in `prices.order`) and how old it was at the movement, in ms.
 */
export type UnitPrice = {
  usd: Decimal;
  source: string;
  rank: number;
  ageMs?: number | undefined;
  /**
   * The leg's whole USD value when the source gives it directly (an exchange export's subtotal):
   * used as is instead of `quantity × usd`, so a file's value stays exact.
   */
  total?: Decimal | undefined;
  /** A caveat for review, e.g. a pool price where the trade is a large share of the pool. */
  warning?: { code: string; message: string } | undefined;
};

/**
 * Looks up the price of one leg at the transaction's time (prices are fetched before, in batches).
 * `explain` says why a leg has none (each provider's reason), for the review item.
 */
export type PriceLookup = ((leg: Leg, tx: { time: Date; blockNumber: bigint }) => UnitPrice | undefined) & {
  explain?: (leg: Leg, tx: { time: Date; blockNumber: bigint }) => string | undefined;
};

/**
 * What to put in a price file for a missing price of `asset` (the canonical ledger id, which is
 * what the file's `asset` column must name) on the date of `time`; for a chain's native coin
 * the mapping that would make a symbol's prices serve it instead.
 */
export const missingPriceHint = (asset: string, time: string, symbol?: string): string => {
  const line = `add the line "${asset},${time.slice(0, 10)},<USD per unit>" to a price file (header asset,time,usd) and run lotwise prices import FILE`;
  const native = /^(evm:\d+):native$/.exec(asset);
  return native && symbol && !symbol.includes(":")
    ? `${line}, or map the coin to its symbol in the config (assets.tokens: {"${asset}": "${symbol}"}) so ${symbol}'s prices serve it`
    : line;
};

/** Places kept when a quantity or value is split into shares (the last share takes the remainder). */
const SPLIT_PLACES = 18;

export type BuiltRow = LedgerRow & {
  /** Where each USD figure came from: `usd_value`, `fee_usd`. */
  priceSources: Record<string, string>;
  warnings: string[];
};

export type RowsResult = {
  rows: BuiltRow[];
  /** Per row, the index of the classification it came from (rows of one classification are adjacent). */
  owners: number[];
  /** Review items from pricing (missing prices), keyed by `<chain>:<hash>`. */
  missing: { chain: string; txHash: string; message: string }[];
  /** Other review items from pricing (e.g. `pool_price`: a pool price for a trade that is a large share of the pool). */
  reviews: { chain: string; txHash: string; reason: string; message: string }[];
};

const txRef = (c: TxClassification) => `${c.chain}:${c.txHash}`;

/** Splits `total` into parts proportional to `weights` (equal parts when all weights are zero), summing exactly to `total`. */
export const splitByWeight = (total: Decimal, weights: readonly Decimal[]): Decimal[] => {
  // One weight: the last share alone, `total` less nothing (as the loop below makes it).
  if (weights.length === 1) return [total.sub(ZERO)];
  const sum = weights.reduce((a, w) => a.add(w), new Decimal(0));
  const parts: Decimal[] = [];
  let used = new Decimal(0);
  weights.forEach((w, i) => {
    if (i === weights.length - 1) {
      parts.push(total.sub(used));
      return;
    }
    const share = sum.isZero() ? total.div(weights.length) : total.mul(w).div(sum);
    const p = share.toDecimalPlaces(SPLIT_PLACES, Decimal.ROUND_DOWN);
    parts.push(p);
    used = used.add(p);
  });
  return parts;
};

/**
 * Turns classified, unpriced entries into ledger CSV v1 rows with USD values. Rules:
 * - a 1×1 trade is a `swap` valued by its better-priced side: every leg priced, by the best
 *   provider rank (earlier in `prices.order`), then the fresher price, then the side given (the
 *   disposal being valued) — the price service's rule; an M×N trade becomes M×N swaps, each out asset's
 *   quantity split by the value shares of what came in and vice versa;
 * - a trade with nothing in is a `spend` (or `sell`), with nothing out an `income`, at FMV;
 * - network fees ride on the entry's first row as `fee_*`; a bridge gap is a same-asset fee;
 * - a missing price never becomes a silent zero: the row gets `usd_value` 0, a `missing_price`
 *   warning in `note` and `x_warnings`, and the transaction a review item.
 */
export const buildRows = (
  classifications: readonly TxClassification[],
  price: PriceLookup,
  /**
   * Only `classifications[from, to)`, appended to `into` (a ledger build makes its rows a batch
   * at a time while they are written): the same rows, owners and review items as one call.
   */
  part?: { from: number; to: number; into: RowsResult },
): RowsResult => {
  const result: RowsResult = part?.into ?? { rows: [], owners: [], missing: [], reviews: [] };
  const { rows, owners, missing, reviews } = result;
  // The classification being turned into rows, its row count so far, its time as rows print it
  // and the instant prices are looked up at: set per classification, read by the helpers below
  // (made once, not once per classification).
  let owner = part?.from ?? 0;
  const end = part?.to ?? classifications.length;
  let c = classifications[owner]!;
  let n = 0;
  let time = "";
  let at: { time: Date; blockNumber: bigint } = { time: new Date(0), blockNumber: 0n };
  const value = (leg: Leg) => {
    const p = price(leg, at);
    if (p?.warning && !reviews.some((r) => r.txHash === c.txHash && r.message === p.warning!.message))
      reviews.push({
        chain: c.chain,
        txHash: c.txHash,
        reason: p.warning.code,
        message: p.warning.message,
      });
    return p
      ? { usd: p.total ?? leg.quantity.mul(p.usd), source: p.source, rank: p.rank, ageMs: p.ageMs ?? 0 }
      : undefined;
  };
  const noteMissing = (row: BuiltRow, leg: Leg, column: string) => {
    const what = leg.symbol.includes(leg.asset) ? leg.symbol : `${leg.symbol} (${leg.asset})`;
    const why = price.explain?.(leg, at);
    const message = `missing price: ${what} at ${time}; ${column} set to 0 until a price is imported: ${missingPriceHint(leg.asset, time, leg.symbol)}`;
    row.warnings.push(`missing_price:${leg.asset}`);
    row.note = row.note ? `${row.note}; ${message}` : message;
    // The review item also says why each source had nothing.
    missing.push({ chain: c.chain, txHash: c.txHash, message: why ? `${message} (${why})` : message });
  };
  const newRow = (e: Entry, type: LedgerRowType, fields: Partial<LedgerRow>): BuiltRow => {
    const row: BuiltRow = {
      id: `${txRef(c)}:${n++}`,
      time,
      type,
      wallet: e.wallet,
      subtype: e.subtype,
      tx: e.linkedTx ? `${c.txHash};${e.linkedTx.slice(e.linkedTx.lastIndexOf(":") + 1)}` : c.txHash,
      note: e.note,
      priceSources: {},
      warnings: [],
      ...fields,
    };
    rows.push(row);
    owners.push(owner);
    return row;
  };
  const setUsd = (
    row: BuiltRow,
    leg: Leg,
    v: { usd: Decimal; source: string } | undefined,
    column: "usdValue" | "feeUsd",
  ) => {
    if (v) {
      row[column] = plain(v.usd);
      row.priceSources[column === "usdValue" ? "usd_value" : "fee_usd"] = v.source;
    } else {
      row[column] = "0";
      noteMissing(row, leg, column === "usdValue" ? "usd_value" : "fee_usd");
    }
  };

  for (; owner < end; owner++) {
    c = classifications[owner]!;
    n = 0;
    time = c.time.toISOString().replace(".000Z", "Z");
    at = { time: c.time, blockNumber: c.blockNumber };
    for (const e of c.entries) {
      const first = rows.length;
      switch (e.kind) {
        case "fee": {
          if (!e.fee) break; // costs alone: itemized below
          const row = newRow(e, "fee", { feeAsset: e.fee.asset, feeQuantity: plain(e.fee.quantity) });
          setUsd(row, e.fee, value(e.fee), "feeUsd");
          continue;
        }
        case "gift":
          for (const leg of e.outs)
            newRow(e, "gift", { outAsset: leg.asset, outQuantity: plain(leg.quantity) });
          break;
        case "transfer": {
          const leg = e.outs[0]!;
          const row = newRow(e, "transfer", {
            outAsset: leg.asset,
            outQuantity: plain(leg.quantity),
            toWallet: e.toWallet,
          });
          if (e.gap) {
            row.feeAsset = e.gap.asset;
            row.feeQuantity = plain(e.gap.quantity);
            setUsd(row, e.gap, value(e.gap), "feeUsd");
          }
          break;
        }
        case "trade":
          tradeRows(e, value, newRow, setUsd);
          break;
      }
      // Network fee (and costs paid to third parties in a trade, same asset) on the entry's first row.
      const target = rows[first];
      const sameAsset = (e.costs ?? []).filter((x) => !e.fee || x.leg.asset === e.fee.asset);
      let fee: Leg | undefined = e.fee;
      for (const x of sameAsset) fee = fee ? { ...fee, quantity: fee.quantity.add(x.leg.quantity) } : x.leg;
      if (fee && target && !target.feeAsset) {
        target.feeAsset = fee.asset;
        target.feeQuantity = plain(fee.quantity);
        setUsd(target, fee, value(fee), "feeUsd");
        if (sameAsset.length > 0) {
          const n = costNote(e, sameAsset, true);
          target.note = target.note ? `${target.note}; ${n}` : n;
        }
      } else if (fee) {
        const row = newRow({ ...e, subtype: target ? "network_fee" : (e.subtype ?? "trade_cost") }, "fee", {
          feeAsset: fee.asset,
          feeQuantity: plain(fee.quantity),
        });
        setUsd(row, fee, value(fee), "feeUsd");
        if (sameAsset.length > 0) row.note = costNote(e, sameAsset, true);
      }
      // A cost in another asset than the network fee: a fee row of its own, in the same transaction.
      for (const x of (e.costs ?? []).filter((y) => !sameAsset.includes(y))) {
        const row = newRow({ ...e, subtype: "trade_cost", note: undefined }, "fee", {
          feeAsset: x.leg.asset,
          feeQuantity: plain(x.leg.quantity),
        });
        row.note = costNote(e, [x], false);
        setUsd(row, x.leg, value(x.leg), "feeUsd");
      }
    }
  }
  return result;
};

/** The note of a fee that includes costs of `e`'s trade paid to third parties (`list`), and its network fee when `withNetwork`. */
const costNote = (e: Entry, list: readonly { leg: Leg; recipient: string }[], withNetwork: boolean) =>
  `fee includes ${list.map((x) => `${plain(x.leg.quantity)} ${x.leg.symbol} paid to ${x.recipient}`).join(", ")} (a cost of the trade paid to a third party)${withNetwork && e.fee ? ` and the ${plain(e.fee.quantity)} ${e.fee.symbol} network fee` : ""}`;

type Valued = { usd: Decimal; source: string; rank: number; ageMs: number } | undefined;

/** The USD total of a side when every leg of it is priced (0 plus each value, in order). */
const sum = (vs: Valued[]) => {
  for (const v of vs) if (!v) return undefined;
  let total = new Decimal(0);
  for (const v of vs) total = total.add(v!.usd);
  return total;
};
/** A side's worst (highest) provider rank, and its oldest price age (unpriced legs: infinite). */
const worst = (vs: Valued[]) => {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of vs) max = Math.max(max, v?.rank ?? Number.POSITIVE_INFINITY);
  return max;
};
const stalest = (vs: Valued[]) => {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of vs) max = Math.max(max, v?.ageMs ?? Number.POSITIVE_INFINITY);
  return max;
};

const tradeRows = (
  e: Entry,
  value: (leg: Leg) => Valued,
  newRow: (e: Entry, type: LedgerRowType, fields: Partial<LedgerRow>) => BuiltRow,
  setUsd: (
    row: BuiltRow,
    leg: Leg,
    v: { usd: Decimal; source: string } | undefined,
    column: "usdValue" | "feeUsd",
  ) => void,
) => {
  if (e.ins.length === 0) {
    for (const leg of e.outs) {
      const row = newRow(e, e.sell ? "sell" : "spend", {
        outAsset: leg.asset,
        outQuantity: plain(leg.quantity),
      });
      setUsd(row, leg, value(leg), "usdValue");
    }
    return;
  }
  if (e.outs.length === 0) {
    for (const leg of e.ins) {
      const row = newRow(e, "income", {
        inAsset: leg.asset,
        inQuantity: plain(leg.quantity),
        subtype: e.subtype ?? "income",
      });
      setUsd(row, leg, value(leg), "usdValue");
    }
    return;
  }
  // USD for one asset (an exchange's buy or sell): a `buy` or `sell` row valued by the USD side.
  if (e.outs.length === 1 && e.ins.length === 1 && (e.outs[0]!.asset === USD) !== (e.ins[0]!.asset === USD)) {
    const buying = e.outs[0]!.asset === USD;
    const cash = buying ? e.outs[0]! : e.ins[0]!;
    const asset = buying ? e.ins[0]! : e.outs[0]!;
    const row = newRow(
      e,
      buying ? "buy" : "sell",
      buying
        ? { inAsset: asset.asset, inQuantity: plain(asset.quantity) }
        : { outAsset: asset.asset, outQuantity: plain(asset.quantity) },
    );
    setUsd(row, cash, value(cash), "usdValue");
    return;
  }
  const outVals = e.outs.map(value);
  const inVals = e.ins.map(value);
  const outTotal = sum(outVals);
  const inTotal = sum(inVals);
  // The better-priced side: every leg priced; then the best (lowest) worst-rank; then the fresher
  // (smaller oldest age); then the side given.
  const useOut =
    outTotal !== undefined &&
    (inTotal === undefined ||
      worst(outVals) < worst(inVals) ||
      (worst(outVals) === worst(inVals) && stalest(outVals) <= stalest(inVals)));
  const total = useOut ? outTotal : inTotal;
  const side = useOut ? outVals : inVals;
  // Each source once, in order (one leg: its own).
  const source =
    total === undefined
      ? undefined
      : side.length === 1
        ? side[0]!.source
        : [...new Set(side.map((v) => v!.source))].join(";");

  // Weights: each leg's USD value when its side is fully priced, else equal shares. A split by one
  // weight is the whole (less nothing, as `splitByWeight` gives it) whatever the weight: a 1×1
  // trade (most) needs neither weights nor their product.
  let outParts: Decimal[][]; // [i][j]: out i given for in j
  let inParts: Decimal[][]; // [j][i]: in j got for out i
  let valueParts: Decimal[] | undefined;
  if (e.outs.length === 1 && e.ins.length === 1) {
    outParts = [[e.outs[0]!.quantity.sub(ZERO)]];
    inParts = [[e.ins[0]!.quantity.sub(ZERO)]];
    valueParts = total ? [total.sub(ZERO)] : undefined;
  } else {
    const outW = outVals.every(Boolean) ? outVals.map((v) => v!.usd) : e.outs.map(() => new Decimal(1));
    const inW = inVals.every(Boolean) ? inVals.map((v) => v!.usd) : e.ins.map(() => new Decimal(1));
    outParts = e.outs.map((leg) => splitByWeight(leg.quantity, inW));
    inParts = e.ins.map((leg) => splitByWeight(leg.quantity, outW));
    valueParts = total
      ? splitByWeight(
          total,
          outW.flatMap((ow) => inW.map((iw) => ow.mul(iw))),
        )
      : undefined;
  }
  e.outs.forEach((out, i) => {
    e.ins.forEach((inn, j) => {
      const row = newRow(e, "swap", {
        outAsset: out.asset,
        outQuantity: plain(outParts[i]![j]!),
        inAsset: inn.asset,
        inQuantity: plain(inParts[j]![i]!),
      });
      const v = valueParts?.[i * e.ins.length + j];
      if (v !== undefined && source) {
        setUsd(row, useOut ? out : inn, { usd: v, source }, "usdValue");
        return;
      }
      // Neither side wholly priced (an LP deposit of ETH and an unpriced token): the row's own
      // priced leg values it, for the share of that leg the row carries; the out leg first.
      const own = outVals[i]
        ? { v: outVals[i], part: outParts[i]![j]!, leg: out }
        : inVals[j]
          ? { v: inVals[j], part: inParts[j]![i]!, leg: inn }
          : undefined;
      const usd =
        own && (own.leg.quantity.isZero() ? own.v.usd : own.v.usd.mul(own.part).div(own.leg.quantity));
      setUsd(
        row,
        own?.leg ?? (useOut ? out : inn),
        own && usd ? { usd, source: own.v.source } : undefined,
        "usdValue",
      );
    });
  });
};
