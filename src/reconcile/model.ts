/**
 * Internal shapes of one reconciliation run, shared by the matcher, the router and the
 * explanations.
 */
import type { LedgerRow } from "../ledger/types.ts";
import type { Cents, Form8949Box, Term } from "../tax/types.ts";

/**
 * What reconciliation needs of a ledger row (a full `LedgerRow` qualifies): its transaction
 * hashes for matching, and for explanations its type, wallet, fee and where it came from
 * (`chain`, `import:<name>`, when known).
 */
export type LedgerRowInfo = Pick<LedgerRow, "id" | "type" | "wallet" | "tx" | "feeUsd" | "subtype"> & {
  origin?: string | undefined;
};

/** One disposal of a reported account: the engine's Form 8949 rows sharing a disposal id. */
export type Disposal = {
  index: number;
  /** Disposal id (`<row id>` or `<row id>:fee`). */
  id: string;
  /** The ledger row it comes from. */
  rowId: string;
  wallet: string;
  asset: string;
  dateSold: string;
  /** Indexes of its rows in the year's Form 8949 rows. */
  rows: number[];
  /** Quantity in units of 10^-scale. */
  units: bigint;
  proceeds: Cents;
  basis: Cents;
};

/** The part of one Form 8949 row reported by one form row (a row split between two form rows has two). */
export type Piece = {
  /** Index of the engine's row. */
  row: number;
  /** Index of the form row. */
  form: number;
  /** Position among the pieces of its engine row. */
  index: number;
  /** Whether its engine row is split between several form rows. */
  split: boolean;
  /** Units of 10^-scale. */
  units: bigint;
  /** The books' share of the row's proceeds and basis. */
  booksProceeds: Cents;
  booksBasis: Cents;
  /** Columns (d), (e), (g) as filed. */
  proceeds: Cents;
  basis: Cents;
  adjustment: Cents;
  /** Column (f), alphabetical. */
  codes: string;
  term: Term;
  box: Form8949Box;
};
