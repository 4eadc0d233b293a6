/**
 * Per-row rules of ledger CSV v1: required cells per type, decimals, instants and `lots` cells.
 * Cross-row rules (unique ids, `lots` naming a lot that exists) live in `read.ts`; rules that
 * depend on pool contents (a lot still in the pool) are the engine's.
 */
import { explainDecimal, isNonZeroDecimal, isPlainDecimal } from "./decimal.ts";
import { explainInstant, type Instant, parseInstant } from "./instant.ts";
import { LEDGER_ROW_TYPES, type LedgerColumn, type LedgerRow, type LotSelection, USD } from "./types.ts";

/** What is wrong with a row: the column and a sentence. */
export type RowProblem = { column: LedgerColumn | "row"; message: string };

type Need = "required" | "optional" | "forbidden";
type Shape = { out: Need; in: Need; usd: Need; to: Need };

/**
 * Which cells each type needs. Cells a type cannot use are rejected rather than ignored, so a
 * mistyped type never silently drops an acquisition; `usd_value` on a gift, transfer or fee is
 * allowed as information and not used.
 */
const SHAPES: Readonly<Record<LedgerRow["type"], Shape>> = {
  buy: { out: "forbidden", in: "required", usd: "required", to: "forbidden" },
  income: { out: "forbidden", in: "required", usd: "required", to: "forbidden" },
  sell: { out: "required", in: "forbidden", usd: "required", to: "forbidden" },
  spend: { out: "required", in: "forbidden", usd: "required", to: "forbidden" },
  swap: { out: "required", in: "required", usd: "required", to: "forbidden" },
  gift: { out: "required", in: "forbidden", usd: "optional", to: "forbidden" },
  transfer: { out: "required", in: "forbidden", usd: "optional", to: "required" },
  fee: { out: "forbidden", in: "forbidden", usd: "optional", to: "forbidden" },
};

const TYPES = new Set<string>(LEDGER_ROW_TYPES);

const present = (v: string | undefined): v is string => v !== undefined && v !== "";

const checkAmount = (
  column: LedgerColumn,
  v: string | undefined,
  positive: boolean,
): RowProblem | undefined => {
  if (!present(v)) return undefined;
  if (!isPlainDecimal(v)) return { column, message: explainDecimal(v) };
  if (positive && !isNonZeroDecimal(v)) return { column, message: `"${v}" must be greater than zero` };
  return undefined;
};

const pair = (
  type: string,
  need: Need,
  assetCol: LedgerColumn,
  qtyCol: LedgerColumn,
  asset: string | undefined,
  qty: string | undefined,
): RowProblem | undefined => {
  if (need === "forbidden") {
    if (present(asset)) return { column: assetCol, message: `not allowed on a ${type} row` };
    if (present(qty)) return { column: qtyCol, message: `not allowed on a ${type} row` };
    return undefined;
  }
  if (need === "required") {
    if (!present(asset)) return { column: assetCol, message: `required for a ${type} row` };
    if (!present(qty)) return { column: qtyCol, message: `required for a ${type} row` };
  }
  return checkAmount(qtyCol, qty, true);
};

/**
 * Checks one row against the per-row rules of ledger CSV v1. A fee given by `fee_usd` alone gets
 * `feeAsset = "USD"` (the only change it makes to `row`).
 * @param parsed - when given, receives the parsed `time` (saves the engine a second parse).
 * @returns the first problem in column order, or `undefined` when the row is valid.
 */
export const checkLedgerRow = (row: LedgerRow, parsed?: { instant?: Instant }): RowProblem | undefined => {
  if (!present(row.id)) return { column: "id", message: "required" };
  if (!present(row.time)) return { column: "time", message: "required" };
  const instant = parseInstant(row.time);
  if (instant === undefined) return { column: "time", message: explainInstant(row.time) };
  if (parsed) parsed.instant = instant;
  if (!present(row.type)) return { column: "type", message: "required" };
  if (!TYPES.has(row.type)) {
    return {
      column: "type",
      message: `unknown type "${row.type}" (expected ${LEDGER_ROW_TYPES.join(", ")})`,
    };
  }
  if (!present(row.wallet)) return { column: "wallet", message: "required" };
  const shape = SHAPES[row.type];
  const t = row.type;
  const p =
    pair(t, shape.out, "out_asset", "out_quantity", row.outAsset, row.outQuantity) ??
    pair(t, shape.in, "in_asset", "in_quantity", row.inAsset, row.inQuantity);
  if (p) return p;
  if (shape.usd === "required" && !present(row.usdValue)) {
    return { column: "usd_value", message: `required for a ${t} row` };
  }
  const usd = checkAmount("usd_value", row.usdValue, false);
  if (usd) return usd;

  // A fee given by `fee_usd` alone is a fee paid in USD ("for USD only fee_usd is needed"): the
  // row is read as if `fee_asset` said `USD`, so every later reader and writer sees it so.
  if (!present(row.feeAsset) && !present(row.feeQuantity) && present(row.feeUsd)) row.feeAsset = USD;
  const anyFee = present(row.feeAsset) || present(row.feeQuantity) || present(row.feeUsd);
  if (t === "fee" && !anyFee) return { column: "fee_asset", message: "required for a fee row" };
  if (anyFee) {
    if (!present(row.feeAsset)) return { column: "fee_asset", message: "required when a fee is given" };
    if (row.feeAsset !== USD && !present(row.feeQuantity)) {
      return { column: "fee_quantity", message: `required for a fee paid in ${row.feeAsset}` };
    }
    const q = checkAmount("fee_quantity", row.feeQuantity, false);
    if (q) return q;
    if (!present(row.feeUsd)) return { column: "fee_usd", message: "required when a fee is given" };
    const u = checkAmount("fee_usd", row.feeUsd, false);
    if (u) return u;
  }

  if (shape.to === "required" && !present(row.toWallet)) {
    return { column: "to_wallet", message: `required for a ${t} row` };
  }
  if (shape.to === "forbidden" && present(row.toWallet)) {
    return { column: "to_wallet", message: `not allowed on a ${t} row` };
  }

  if (present(row.lots)) {
    const digital = (a: string | undefined) => present(a) && a !== USD;
    if (!digital(row.outAsset) && !digital(row.feeAsset)) {
      return { column: "lots", message: `this ${t} row takes nothing from a pool` };
    }
    const parsed = parseLotsCell(row.lots);
    if (typeof parsed === "string") return { column: "lots", message: parsed };
  }
  return undefined;
};

/**
 * Parses a `lots` cell, `lotid:qty;lotid:qty`. A lot id may itself contain `:` (the quantity
 * follows the last one). Repeated ids are allowed and add up.
 * @returns the selections, or a sentence saying what is wrong.
 */
export const parseLotsCell = (cell: string): LotSelection[] | string => {
  const out: LotSelection[] = [];
  for (const part of cell.split(";")) {
    const entry = part.trim();
    if (entry === "") return `empty entry in "${cell}" (expected lotid:qty;lotid:qty)`;
    const colon = entry.lastIndexOf(":");
    if (colon <= 0) return `"${entry}" is not lotid:qty`;
    const lotId = entry.slice(0, colon);
    const quantity = entry.slice(colon + 1);
    if (!isPlainDecimal(quantity)) return `lot ${lotId}: ${explainDecimal(quantity)}`;
    if (!isNonZeroDecimal(quantity)) return `lot ${lotId}: quantity must be greater than zero`;
    out.push({ lotId, quantity });
  }
  return out;
};

/** Row types whose `id` names a lot they create (a transfer's id names its shortfall lot). */
export const CREATES_LOT: ReadonlySet<LedgerRow["type"]> = new Set(["buy", "income", "swap", "transfer"]);

/** Lot ids the Rev. Proc. 2024-28 allocation may create (`alloc:<wallet>:<asset>`). */
export const ALLOCATION_LOT_PREFIX = "alloc:";
