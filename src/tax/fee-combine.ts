import { Decimal, plain } from "../utils/decimal.ts";
import { FORM_8949_HEADER, form8949Line } from "./format.ts";
import type { Form8949Row } from "./types.ts";

/**
 * `lotwise gains --combine-fees`: network-fee disposals (gas paid in a digital asset is a
 * disposal of those units, each its own Form 8949 row) are combined into one row per (box, asset,
 * date sold, term), with code `M` in column (f) — the Form 8949 instructions' way to report
 * several transactions on one row with an attached statement listing each. The statement is
 * `fee-statement.csv`.
 *
 * Tax effect: none. The combined row's proceeds, basis and gain are the sums of the rows it
 * replaces (each already rounded to cents), so every Schedule D line and the summary are exactly
 * those of the uncombined form; only the number of Form 8949 rows changes.
 *
 * Only boxes I and L (no Form 1099-DA) are combined, and never a row with an adjustment (a
 * wash-sale `W`): rows a broker reported stay one per reported transaction.
 */

export type FeeCombiner = {
  /** Keeps `row` for combining (true) or leaves it to the caller (false). */
  take: (year: number, row: Form8949Row, isFeeRow: boolean) => boolean;
  /** The combined rows of `year` and the rows each replaces, in first-seen order (a lone row: no parts). */
  finish: (year: number) => { combined: Form8949Row; parts: Form8949Row[] }[];
  /** Forgets every row (the run starts over). */
  reset: () => void;
};

export const createFeeCombiner = (): FeeCombiner => {
  const groups = new Map<number, Map<string, Form8949Row[]>>();
  const take = (year: number, row: Form8949Row, isFeeRow: boolean): boolean => {
    const fee = isFeeRow || row.disposalId.endsWith(":fee");
    if (!fee || (row.box !== "I" && row.box !== "L") || row.adjustmentCode !== "") return false;
    let byKey = groups.get(year);
    if (!byKey) {
      byKey = new Map();
      groups.set(year, byKey);
    }
    const key = `${row.box}\u0000${row.asset}\u0000${row.dateSold}\u0000${row.term}`;
    const list = byKey.get(key) ?? [];
    list.push({ ...row });
    byKey.set(key, list);
    return true;
  };
  const finish = (year: number) => {
    const out: { combined: Form8949Row; parts: Form8949Row[] }[] = [];
    for (const parts of groups.get(year)?.values() ?? []) {
      const first = parts[0]!;
      if (parts.length === 1) {
        out.push({ combined: first, parts: [] }); // nothing to combine: the row as it was
        continue;
      }
      const same = (f: (r: Form8949Row) => string) => parts.every((p) => f(p) === f(first));
      let quantity = new Decimal(0);
      let proceeds = 0n;
      let costBasis = 0n;
      let gain = 0n;
      for (const p of parts) {
        quantity = quantity.add(p.quantity);
        proceeds += p.proceeds;
        costBasis += p.costBasis;
        gain += p.gain;
      }
      const q = plain(quantity);
      // The description's asset name is the rows' own (after the display rules).
      const name = first.description.slice(first.description.indexOf(" ") + 1);
      out.push({
        combined: {
          disposalId: `fees:${first.asset}:${first.dateSold}`,
          lotId: same((r) => r.lotId) ? first.lotId : "various",
          wallet: same((r) => r.wallet) ? first.wallet : "various",
          asset: first.asset,
          quantity: q,
          dateAcquired: same((r) => r.dateAcquired) ? first.dateAcquired : "VARIOUS",
          dateSold: first.dateSold,
          proceeds,
          costBasis,
          adjustmentCode: "M",
          adjustment: undefined,
          gain,
          term: first.term,
          box: first.box,
          description: `${q} ${name}${combinedFeesSuffix(parts.length)}`,
        },
        parts,
      });
    }
    return out;
  };
  return { take, finish, reset: () => groups.clear() };
};

/** What a combined row's description adds after `<quantity> <asset>`: ` (3 network fees; see statement)`. */
export const combinedFeesSuffix = (count: number): string => ` (${count} network fees; see statement)`;

/** Matches `combinedFeesSuffix` at the end of a description. */
export const COMBINED_FEES_SUFFIX = / \(\d+ network fees; see statement\)$/;

/** The header of the fee statement (`fee-statement.csv`): `combined_row`, then the Form 8949 columns. */
export const FEE_STATEMENT_HEADER = `combined_row,${FORM_8949_HEADER}`;

/** One fee statement line (with its newline): the combined row's disposal id, then `part`'s Form 8949 columns. */
export const feeStatementLine = (combined: Form8949Row, part: Form8949Row): string =>
  `${combined.disposalId},${form8949Line(part)}`;
