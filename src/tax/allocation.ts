/**
 * Rev. Proc. 2024-28 global allocation, as the spec's `transition` scope defines it: at
 * 2025-01-01T00:00:00Z, for each asset, the lots left in the universal pool (in the method's
 * order) fill the wallets holding the asset, in ascending order of wallet name; a lot is split
 * where a wallet's balance ends. Units a wallet holds beyond the lots become a zero-basis lot
 * `alloc:<wallet>:<asset>` (`missing_basis`); lots beyond all balances are left out (`unallocated`).
 */
import { formatScaled } from "../ledger/decimal.ts";
import { formatInstant } from "../ledger/instant.ts";
import { ALLOCATION_LOT_PREFIX } from "../ledger/validate.ts";
import { formatDate } from "./dates.ts";
import { createLot } from "./lots.ts";
import { divRoundHalfUp, minBigint } from "./money.ts";
import { addToPool, drainPool, type Pool } from "./pools.ts";
import type { AllocationEntry, GainsWarning } from "./types.ts";

/** The instant Rev. Proc. 2024-28 allocates at: 2025-01-01T00:00:00Z (epoch ms). */
export const TRANSITION_MS = Date.UTC(2025, 0, 1);

export type AllocateArgs = {
  /** Universal pools per asset (emptied by the allocation). */
  universal: Map<string, Pool>;
  /** Unit balance per asset and wallet, tracked through the universal period. */
  balances: Map<string, Map<string, bigint>>;
  /** The wallet pool receiving units (created on demand by the caller). */
  poolOf: (wallet: string, asset: string) => Pool;
  /** `yyyymmdd` date of the allocation instant in the run's time zone. */
  date: number;
  quantityScale: number;
  /** USD units per cent (10^(usdScale − 2)). */
  usdPerCent: bigint;
};

/**
 * File order (`seq`) of the first `alloc:` lot. These lots have no row; they are created at the
 * allocation instant in asset, then wallet name order, before any row at that instant (seq ≥ 0),
 * so their seqs count up from here: FIFO takes them in that order, LIFO in reverse (a tie on the
 * acquisition time is never left to the heap).
 */
const ALLOC_SEQ_BASE = -(2 ** 31);

/** Compares names by UTF-16 code units: deterministic and locale-independent. */
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Performs the allocation; returns the record and its warnings. */
export const allocateToWallets = (
  args: AllocateArgs,
): { entries: AllocationEntry[]; warnings: GainsWarning[] } => {
  const entries: AllocationEntry[] = [];
  const warnings: GainsWarning[] = [];
  const qty = (q: bigint) => formatScaled(q, args.quantityScale);
  const dateText = formatDate(args.date);
  const assets = [...new Set([...args.universal.keys(), ...args.balances.keys()])].sort(byName);
  let allocSeq = ALLOC_SEQ_BASE;
  for (const asset of assets) {
    const pool = args.universal.get(asset);
    const holdings = pool ? drainPool(pool) : [];
    const wallets: [string, bigint][] = [];
    for (const [wallet, units] of [...(args.balances.get(asset) ?? new Map<string, bigint>())].sort((a, b) =>
      byName(a[0], b[0]),
    )) {
      if (units > 0n) wallets.push([wallet, units]);
      else if (units < 0n) {
        warnings.push({
          code: "negative_balance",
          id: "",
          date: dateText,
          message: `${wallet} shows ${qty(units)} ${asset} on 2025-01-01 (it disposed of more than it received before 2025); it receives no lots`,
        });
      }
    }
    let i = 0;
    let left = holdings[0]?.remaining ?? 0n;
    for (const [wallet, balance] of wallets) {
      let need = balance;
      while (need > 0n && i < holdings.length) {
        const lot = holdings[i]!.lot;
        const q = minBigint(left, need);
        addToPool(args.poolOf(wallet, asset), lot, q);
        entries.push({
          asset,
          wallet,
          lotId: lot.id,
          quantity: qty(q),
          acquired: formatInstant(lot),
          dateAcquired: formatDate(lot.date),
          costBasis: divRoundHalfUp(lot.basis * q, lot.quantity * args.usdPerCent),
          status: "allocated",
        });
        left -= q;
        need -= q;
        if (left === 0n) {
          i++;
          left = holdings[i]?.remaining ?? 0n;
        }
      }
      if (need > 0n) {
        const id = `${ALLOCATION_LOT_PREFIX}${wallet}:${asset}`;
        const lot = createLot(id, TRANSITION_MS, 0, allocSeq++, args.date, 0n, need, wallet);
        addToPool(args.poolOf(wallet, asset), lot, need);
        entries.push({
          asset,
          wallet,
          lotId: id,
          quantity: qty(need),
          acquired: formatInstant(lot),
          dateAcquired: dateText,
          costBasis: 0n,
          status: "missing_basis",
        });
        warnings.push({
          code: "missing_basis",
          id,
          date: dateText,
          message: `${wallet} holds ${qty(need)} ${asset} more than the lots left on 2025-01-01; they form lot ${id} with cost basis 0`,
        });
      }
    }
    let leftOver = 0n;
    let lotsLeft = 0;
    for (; i < holdings.length; i++) {
      const lot = holdings[i]!.lot;
      const q = left;
      leftOver += q;
      lotsLeft++;
      entries.push({
        asset,
        wallet: "",
        lotId: lot.id,
        quantity: qty(q),
        acquired: formatInstant(lot),
        dateAcquired: formatDate(lot.date),
        costBasis: divRoundHalfUp(lot.basis * q, lot.quantity * args.usdPerCent),
        status: "unallocated",
      });
      left = holdings[i + 1]?.remaining ?? 0n;
    }
    if (lotsLeft > 0) {
      warnings.push({
        code: "unallocated",
        id: "",
        date: dateText,
        message: `${qty(leftOver)} ${asset} in ${lotsLeft} lot(s) exceed every wallet's balance on 2025-01-01 and are left out`,
      });
    }
  }
  args.universal.clear();
  args.balances.clear();
  return { entries, warnings };
};
