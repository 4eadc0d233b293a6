/**
 * The `explanation` column: one or two sentences per discrepancy, in words a filer understands,
 * naming the transactions behind the difference (tx hashes, ledger row ids, imports), e.g.
 * "Coinbase reports basis $0.00 for 0.5 ETH sold 2025-03-04: these units came in from your wallet
 * evm:1:0x… on 2025-02-01 (tx 0x…), bought 2024-11-02 for $1,402.17."
 */
import type { AllocationEntry, Cents, Form8949Row, LotMove } from "../tax/index.ts";
import { usdToCents } from "./fields.ts";
import { firstTx, listWords, usd } from "./format-text.ts";
import type { Disposal, LedgerRowInfo, Piece } from "./model.ts";
import type { FormRow, ReconcileClass } from "./types.ts";

/** Lots named in one explanation before "and N more". */
const MAX_LOTS = 3;

export type ExplainerArgs = {
  ledger: ReadonlyMap<string, LedgerRowInfo>;
  moves: readonly LotMove[];
  allocation: readonly AllocationEntry[];
  symbol: (asset: string) => string;
  /** Formats units of the run's scale. */
  qty: (units: bigint) => string;
};

/** The figures of one matched form row. */
export type FormFigures = {
  booksProceeds: Cents;
  booksBasis: Cents;
  formProceeds: Cents;
  formBasis: Cents | undefined;
  adjustment: Cents;
  codes: string;
  /** Box 1g differs from the books beyond the tolerance (a `B` that is not rounding). */
  basisDiffers?: boolean;
  /** Box 1f differs from the books beyond the tolerance (an `E` that is not rounding). */
  proceedsDiffer?: boolean;
};

export const createExplainer = (args: ExplainerArgs) => {
  const { ledger, symbol } = args;
  // Last transfer of each lot into each wallet, by date (moves come in time order).
  const movesByLot = new Map<string, LotMove[]>();
  for (const m of args.moves) {
    const list = movesByLot.get(m.lotId);
    if (list) list.push(m);
    else movesByLot.set(m.lotId, [m]);
  }
  const lastMoveInto = (lotId: string, wallet: string, onOrBefore: string): LotMove | undefined => {
    const list = movesByLot.get(lotId);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i]!;
      if (m.to === wallet && m.date <= onOrBefore) return m;
    }
    return undefined;
  };
  const allocated = new Set(args.allocation.map((a) => `${a.lotId}\u0000${a.wallet}`));

  /** "tx 0xab…" or "ledger row cb-3 (imported as 'coinbase')" or "ledger row r1". */
  const ref = (id: string): string => {
    const r = ledger.get(id);
    const tx = firstTx(r?.tx);
    if (tx) return `tx ${tx}`;
    const origin = r?.origin;
    if (origin?.startsWith("import:")) return `ledger row ${id}, imported as '${origin.slice(7)}'`;
    return `ledger row ${id}`;
  };
  const disposalRef = (disposalId: string): string => {
    const rowId = disposalId.endsWith(":fee") ? disposalId.slice(0, -4) : disposalId;
    const what = disposalId.endsWith(":fee") ? `the fee of ${rowId}` : rowId;
    const r = ledger.get(rowId);
    const tx = firstTx(r?.tx);
    if (tx) return `${what}, tx ${tx}`;
    const origin = r?.origin;
    if (origin?.startsWith("import:")) return `${what}, imported as '${origin.slice(7)}'`;
    return what;
  };
  const acquired = (r: LedgerRowInfo | undefined): string => {
    switch (r?.type) {
      case "buy":
        return "bought";
      case "income":
        return r.subtype ? `received as income (${r.subtype})` : "received as income";
      case "swap":
        return "received in a swap";
      case "transfer":
        return "arrived without a record of purchase (basis 0)";
      default:
        return "acquired";
    }
  };

  /** Where the units of `pieces` came from, lot by lot. */
  const lotStory = (
    pieces: readonly Piece[],
    rows: readonly Form8949Row[],
    account: string,
    sold: string,
  ) => {
    const byLot = new Map<string, { units: bigint; basis: Cents; row: Form8949Row }>();
    for (const p of pieces) {
      const row = rows[p.row]!;
      const e = byLot.get(row.lotId);
      if (e) {
        e.units += p.units;
        e.basis += p.booksBasis;
      } else byLot.set(row.lotId, { units: p.units, basis: p.booksBasis, row });
    }
    const parts: string[] = [];
    for (const [lotId, e] of [...byLot].slice(0, MAX_LOTS)) {
      const units = byLot.size === 1 ? "these units" : `${args.qty(e.units)} ${symbol(e.row.asset)}`;
      if (lotId === "") {
        parts.push(`${units} had no acquisition in your books (basis 0; see the missing_basis warning)`);
        continue;
      }
      if (lotId.startsWith("alloc:")) {
        parts.push(
          `${units} were held in ${account} on 2025-01-01 beyond the lots your books know (basis 0, lot ${lotId})`,
        );
        continue;
      }
      const acq = ledger.get(lotId);
      const how = `${acquired(acq)} ${e.row.dateAcquired}${acq?.type === "income" || acq?.type === "swap" ? ", worth" : " for"} ${usd(e.basis)}`;
      const move = lastMoveInto(lotId, account, sold);
      if (move) {
        parts.push(
          `${units} came in from your wallet ${move.from} on ${move.date} (${ref(move.transferId)}), ${how} (${ref(lotId)})`,
        );
      } else if (allocated.has(`${lotId}\u0000${account}`) && acq && acq.wallet !== account) {
        parts.push(
          `${units} were assigned to ${account} on 2025-01-01 by the Rev. Proc. 2024-28 allocation (allocation.csv), ${how} in ${acq.wallet} (${ref(lotId)})`,
        );
      } else if (acq && acq.wallet !== account) {
        parts.push(`${units} were ${how} in ${acq.wallet} (${ref(lotId)})`);
      } else {
        parts.push(`${units} were ${how} in this account (${ref(lotId)})`);
      }
    }
    if (byLot.size > MAX_LOTS) parts.push(`${byLot.size - MAX_LOTS} more lot(s)`);
    return listWords(parts);
  };

  /** Why box 1f differs from the books: "$X difference is …". */
  const proceedsWhy = (disposalIds: readonly string[], fig: FormFigures): string => {
    const diff = fig.formProceeds - fig.booksProceeds;
    const fee = feeOf(disposalIds.map((id) => ledger.get(id.replace(/:fee$/, ""))));
    const why =
      diff > 0n
        ? `a transaction cost not reflected in box 1f${fee ? ` (your books record a fee of ${fee})` : ""}`
        : "proceeds your books count but the form does not (check the price or units used)";
    return `${usd(diff < 0n ? -diff : diff)} difference is ${why}`;
  };

  /**
   * The differences a row carries besides the one its class names (a term_differs row whose basis
   * and proceeds differ too, a basis_differs row whose proceeds differ): sentences, or "".
   */
  const otherDifferences = (
    cls: ReconcileClass,
    pieces: readonly Piece[],
    rows: readonly Form8949Row[],
    fig: FormFigures,
  ): string => {
    const notes: string[] = [];
    if (cls === "term_differs" && fig.basisDiffers)
      notes.push(
        `Box 1g also differs: basis ${usd(fig.formBasis ?? 0n)}; your books' basis is ${usd(fig.booksBasis)} (code B)`,
      );
    if ((cls === "term_differs" || cls === "basis_differs") && fig.proceedsDiffer) {
      const disposalIds = [...new Set(pieces.map((p) => rows[p.row]!.disposalId))];
      notes.push(
        `Box 1f also differs: proceeds ${usd(fig.formProceeds)}; your books have ${usd(fig.booksProceeds)} (${disposalIds.map(disposalRef).join("; ")}): the ${proceedsWhy(disposalIds, fig)} (code E)`,
      );
    }
    return notes.map((n) => ` ${n}.`).join("");
  };

  const adjustmentNote = (fig: FormFigures) =>
    fig.codes === "" ? "" : ` (code ${fig.codes}, ${usd(fig.adjustment)} in column (g))`;

  /** Boxes 1h and 1i, which codes D and W carry into column (g) whatever the class: sentences, or "". */
  const boxNotes = (f: FormRow): string => {
    const cents = (s: string | undefined) => (s === undefined ? 0n : usdToCents(s));
    const discount = cents(f.accruedMarketDiscount);
    const wash = cents(f.washSaleDisallowed);
    const notes: string[] = [];
    if (discount !== 0n)
      notes.push(
        `Box 1h reports ${usd(discount)} of accrued market discount, subtracted in column (g) (code D; report it as interest income)`,
      );
    if (wash !== 0n)
      notes.push(
        `Box 1i reports ${usd(wash)} of wash-sale loss disallowed, added back in column (g) (code W)`,
      );
    return notes.map((n) => ` ${n}.`).join("");
  };

  /** The class's own sentence; `formRow` adds boxes 1h and 1i. */
  const classSentence = (
    cls: ReconcileClass,
    f: FormRow,
    asset: string,
    pieces: readonly Piece[],
    rows: readonly Form8949Row[],
    fig: FormFigures,
  ): string => {
    const what = `${f.units} ${symbol(asset)} sold ${f.dateSold}`;
    const disposalIds = [...new Set(pieces.map((p) => rows[p.row]!.disposalId))];
    const refs = disposalIds.map(disposalRef).join("; ");
    const story = () => lotStory(pieces, rows, f.accountWallet, f.dateSold);
    switch (cls) {
      case "matched": {
        // B and E on a matched row are differences within the tolerance (rounding); W and D are
        // boxes 1i and 1h, explained apart, and make (h) differ from the books on purpose.
        const rounding = /[BE]/.test(fig.codes);
        const boxes = /[DW]/.test(fig.codes);
        return `${f.broker} reports ${what} as your books do (${refs})${
          !rounding
            ? ""
            : `; the rounding difference is carried in column (g)${adjustmentNote(fig)}${boxes ? "" : " so column (h) equals your books"}`
        }.`;
      }
      case "proceeds_differ":
        return `${f.broker} reports proceeds ${usd(fig.formProceeds)} for ${what}; your books have ${usd(fig.booksProceeds)} (${refs}): the ${proceedsWhy(disposalIds, fig)}${adjustmentNote(fig)}.`;
      case "basis_missing":
        return `${f.broker} reports no basis for ${what} (box 1g is empty${f.noncovered ? ", noncovered" : ""}); your books' basis is ${usd(fig.booksBasis)}: ${story()}. Column (e) carries your basis (box ${boxesOf(pieces)}).`;
      case "basis_differs":
        return `${f.broker} reports basis ${usd(fig.formBasis ?? 0n)} for ${what}: ${story()}; your books' basis is ${usd(fig.booksBasis)}${adjustmentNote(fig)}.`;
      case "term_differs": {
        const books = [...new Set(pieces.map((p) => p.term))];
        const held =
          books.length > 1
            ? "partly more and partly less than a year"
            : books[0] === "long"
              ? "more than a year"
              : "a year or less";
        const said =
          f.term === "short" || f.term === "long"
            ? f.term
            : f.checkbox === "G" || f.checkbox === "H"
              ? "short"
              : f.checkbox === "J" || f.checkbox === "K"
                ? "long"
                : books[0] === "long"
                  ? "short"
                  : "long";
        const where =
          books.length > 1
            ? (["short", "long"] as const)
                .map((t) => {
                  const ps = pieces.filter((p) => p.term === t);
                  const units = args.qty(ps.reduce((s, p) => s + p.units, 0n));
                  return `the ${units} ${symbol(asset)} held ${t === "long" ? "more than a year go in Part II" : "a year or less go in Part I"} (box ${boxesOf(ps)})`;
                })
                .join(" and ")
                .replace(/^t/, "T")
            : `They go in Part ${books[0] === "long" ? "II" : "I"} (box ${boxesOf(pieces)})`;
        return `${f.broker} reports ${what} as ${said}-term; your books held these units ${held}: ${story()}. ${where}${adjustmentNote(fig)}.`;
      }
      default:
        return "";
    }
  };

  const formRow = (...args: Parameters<typeof classSentence>): string =>
    classSentence(...args) + otherDifferences(args[0], args[3], args[4], args[5]) + boxNotes(args[1]);

  const formOnly = (
    f: FormRow,
    asset: string,
    sameDay: readonly Disposal[],
    accountAssets: ReadonlySet<string> | undefined,
  ): string => {
    const sym = symbol(asset);
    const tx = f.transactionId ? ` (transaction ${f.transactionId})` : "";
    let hint = "";
    if (sameDay.length > 0) {
      const units = sameDay.reduce((s, d) => s + d.units, 0n);
      hint = ` (they have ${args.qty(units)} ${sym} in ${sameDay.length} disposal(s) that day: ${sameDay.map((d) => disposalRef(d.id)).join("; ")}, which do not add up to ${f.units})`;
    } else if (!accountAssets?.has(asset)) {
      hint = ` (no disposal of ${sym} in ${f.accountWallet} at all this year${accountAssets && accountAssets.size > 0 ? "" : "; is --account the right wallet, or is its history missing?"})`;
    }
    return `${f.broker} reports ${f.units} ${sym} sold ${f.dateSold} for ${usd(usdToCents(f.proceeds))}${tx}, but your books have no matching disposal in ${f.accountWallet}${hint}: import the missing history or record the disposal. Form 8949 is incomplete until then.`;
  };

  const ledgerOnly = (d: Disposal, rows: readonly Form8949Row[], brokers: readonly string[]): string => {
    const terms = new Set(d.rows.map((ri) => rows[ri]!.term));
    const boxes = [...terms]
      .map((t) => (t === "short" ? "I" : "L"))
      .sort()
      .join(" and ");
    return `Your books have a disposal of ${args.qty(d.units)} ${symbol(d.asset)} from ${d.wallet} on ${d.dateSold} for ${usd(d.proceeds)} (${disposalRef(d.id)}) that no imported form reports; it stays in box${terms.size > 1 ? "es" : ""} ${boxes}. If ${brokers.length > 0 ? listWords([...brokers]) : "the broker"} should have reported it, ask for a corrected form.`;
  };

  return { formRow, formOnly, ledgerOnly };
};

const boxesOf = (pieces: readonly Piece[]) => [...new Set(pieces.map((p) => p.box))].sort().join("/");

/** The fee the books record on these rows (fee_usd), as text, when there is one. */
const feeOf = (rows: readonly (LedgerRowInfo | undefined)[]): string | undefined => {
  const fees = rows.filter((r) => r?.feeUsd && /[1-9]/.test(r.feeUsd)).map((r) => `$${r!.feeUsd}`);
  return fees.length > 0 ? listWords(fees) : undefined;
};
