/**
 * The reconciliation of one tax year, pure: the year's form rows and the engine's Form 8949 rows
 * in; classes, discrepancies and the final Form 8949 (boxes G–L, codes and adjustments) out.
 *
 * Invariant: for every Form 8949 line, (h) = (d) − (e) + (g) equals the books' gain for those
 * units, plus box 1i (code W) and minus box 1h (code D); so the year's (h) total equals
 * `lotwise gains` for the same ledger, method and scope, to the cent, once W and D are counted
 * (and exactly when the forms carry neither).
 *
 * How a form row becomes Form 8949 lines: the engine's rows of the matched disposals (one per
 * lot) are the lines; when several form rows report one match, the rows are walked against the
 * form rows by units (short-term first on both sides, then by date acquired) and a row split
 * between two form rows becomes two lines. Box 1f (and box 1g on G/J) is spread over a form row's
 * lines as the books' amounts plus a share of the difference, in proportion to units, so a line
 * carries a code only when its form row differs from the books.
 */
import { formatScaled, fractionDigits, toScaled } from "../ledger/decimal.ts";
import type {
  AllocationEntry,
  Cents,
  Form8949Row,
  LotMove,
  PartTotals,
  ScheduleDLines,
} from "../tax/index.ts";
import { minBigint } from "../tax/money.ts";
import type { Method, Scope, Term } from "../tax/types.ts";
import { apportion } from "./apportion.ts";
import { resolveFormAsset } from "./asset-names.ts";
import { createExplainer } from "./explain.ts";
import { isWholeDollars, usdToCents } from "./fields.ts";
import { type MatchDisposal, type MatchForm, matchGroup } from "./match.ts";
import type { Disposal, LedgerRowInfo, Piece } from "./model.ts";
import {
  type AdjustmentCode,
  type ClassTotals,
  type Discrepancy,
  type FormRow,
  RECONCILE_CLASSES,
  type ReconcileClass,
  type ReconciledRow,
  type ReconcileResult,
} from "./types.ts";

export type ReconcileYearInput = {
  taxYear: number;
  method: Method;
  scope: Scope;
  /** Stored form rows; those of other tax years are ignored. */
  forms: readonly FormRow[];
  /** The engine's Form 8949 rows of the year, in disposal order. */
  form8949: readonly Form8949Row[];
  /**
   * Ledger rows by id: at least those behind the disposals of reported accounts, their lots and
   * the transfers in `moves` (see `neededLedgerIds`). Others may be present.
   */
  ledger: ReadonlyMap<string, LedgerRowInfo>;
  /** Lots transfers carried into reported accounts (from the engine's `lotMoved`). */
  moves?: readonly LotMove[] | undefined;
  /** The Rev. Proc. 2024-28 allocation record, when one was made. */
  allocation?: readonly AllocationEntry[] | undefined;
  /** Display symbol of an asset id (descriptions, explanations). @defaultValue the id */
  displaySymbol?: ((asset: string) => string) | undefined;
};

const FEE_SUFFIX = ":fee";
const rowIdOf = (disposalId: string) =>
  disposalId.endsWith(FEE_SUFFIX) ? disposalId.slice(0, -FEE_SUFFIX.length) : disposalId;

/** The ids `reconcileYear` looks up: disposals of `accounts`, their lots, and the transfers in `moves`. */
export const neededLedgerIds = (
  form8949: readonly Form8949Row[],
  accounts: ReadonlySet<string>,
  moves: readonly LotMove[] = [],
): Set<string> => {
  const ids = new Set<string>();
  for (const r of form8949) {
    if (!accounts.has(r.wallet)) continue;
    ids.add(rowIdOf(r.disposalId));
    if (r.lotId !== "") ids.add(r.lotId);
  }
  for (const m of moves) ids.add(m.transferId);
  return ids;
};

/** Box 6 as a holding period, or the checkbox's (G/H short, J/K long); undefined when unknown. */
export const formTermOf = (f: FormRow): Term | undefined => {
  if (f.term === "short" || f.term === "long") return f.term;
  if (f.checkbox === "G" || f.checkbox === "H") return "short";
  if (f.checkbox === "J" || f.checkbox === "K") return "long";
  return undefined;
};

const emptyTotals = (): PartTotals => ({ proceeds: 0n, costBasis: 0n, adjustments: 0n, gain: 0n, rows: 0 });
const emptyClass = (): ClassTotals => ({
  count: 0,
  formRows: 0,
  disposals: 0,
  proceedsForm: 0n,
  proceedsLedger: 0n,
  basisForm: 0n,
  basisLedger: 0n,
  adjustment: 0n,
});
const abs = (v: bigint) => (v < 0n ? -v : v);
const termRank = (t: Term | undefined) => (t === "short" ? 0 : t === undefined ? 1 : 2);
const precedence = (c: ReconcileClass) => RECONCILE_CLASSES.indexOf(c);

/**
 * Tolerance of a comparison (spec: $0.01 per row, or the broker's rounding to whole dollars): a
 * cent per Form 8949 line (the books round each line), plus 49 cents when the form's amount is
 * written in whole dollars (the broker rounded the row's one figure: at most 50 cents).
 */
const tolerance = (formAmount: string, lines: number): bigint =>
  BigInt(lines) + (isWholeDollars(formAmount) ? 49n : 0n);

/** Reconciles one tax year. Pure; see the module comment for the rules. */
export const reconcileYear = (input: ReconcileYearInput): ReconcileResult => {
  const { taxYear } = input;
  const symbol = input.displaySymbol ?? ((a: string) => a);
  /**
   * Column (a) of a line of `quantity` units of row `r`: the engine writes `<quantity> <asset id>`;
   * a configured or known asset reads `<quantity> <symbol>` (docs/prices.md). A description the
   * engine's caller already wrote otherwise (a symbol, combined fees) is kept.
   */
  const describe = (r: Form8949Row, quantity: string): string =>
    r.description === `${r.quantity} ${r.asset}` || quantity !== r.quantity
      ? `${quantity} ${symbol(r.asset)}`
      : r.description;
  const forms = input.forms.filter((f) => f.taxYear === taxYear);
  const rows = input.form8949;
  const accounts = new Set(forms.map((f) => f.accountWallet));

  // Units scale: every quantity of both sides as an exact integer.
  let scale = 18;
  for (const f of forms) scale = Math.max(scale, fractionDigits(f.units));
  for (const r of rows) if (accounts.has(r.wallet)) scale = Math.max(scale, fractionDigits(r.quantity));
  const unitsOf = (q: string) => toScaled(q, scale);
  const qty = (u: bigint) => formatScaled(u, scale);

  // Disposals of the reported accounts.
  const disposals: Disposal[] = [];
  const disposalById = new Map<string, Disposal>();
  const rowUnits: bigint[] = new Array(rows.length);
  rows.forEach((r, i) => {
    if (!accounts.has(r.wallet)) return;
    let d = disposalById.get(r.disposalId);
    if (d === undefined) {
      d = {
        index: disposals.length,
        id: r.disposalId,
        rowId: rowIdOf(r.disposalId),
        wallet: r.wallet,
        asset: r.asset,
        dateSold: r.dateSold,
        rows: [],
        units: 0n,
        proceeds: 0n,
        basis: 0n,
      };
      disposals.push(d);
      disposalById.set(r.disposalId, d);
    }
    const u = unitsOf(r.quantity);
    rowUnits[i] = u;
    d.rows.push(i);
    d.units += u;
    d.proceeds += r.proceeds;
    d.basis += r.costBasis;
  });

  // Form assets resolved against what each account disposed of.
  const assetsOf = new Map<string, Set<string>>();
  for (const d of disposals) {
    let s = assetsOf.get(d.wallet);
    if (!s) {
      s = new Set();
      assetsOf.set(d.wallet, s);
    }
    s.add(d.asset);
  }
  const formAsset = forms.map(
    (f) => resolveFormAsset(f.asset, assetsOf.get(f.accountWallet) ?? new Set(), symbol) ?? f.asset,
  );
  const formProceeds = forms.map((f) => usdToCents(f.proceeds));
  const formBasis = forms.map((f) => (f.costBasis === undefined ? undefined : usdToCents(f.costBasis)));
  const formUnits = forms.map((f) => unitsOf(f.units));

  // Groups: account, asset, date sold; looked up level by level (the strings' hashes are cached,
  // no key is built per row).
  type Group = { forms: MatchForm[]; disposals: MatchDisposal[]; withIds: boolean | undefined };
  const groupIndex = new Map<string, Map<string, Map<string, Group>>>();
  const groups: Group[] = [];
  const findGroup = (wallet: string, asset: string, date: string): Group | undefined =>
    groupIndex.get(wallet)?.get(asset)?.get(date);
  const groupOf = (wallet: string, asset: string, date: string): Group => {
    let byAsset = groupIndex.get(wallet);
    if (byAsset === undefined) {
      byAsset = new Map();
      groupIndex.set(wallet, byAsset);
    }
    let byDate = byAsset.get(asset);
    if (byDate === undefined) {
      byDate = new Map();
      byAsset.set(asset, byDate);
    }
    let g = byDate.get(date);
    if (g === undefined) {
      g = { forms: [], disposals: [], withIds: undefined };
      byDate.set(date, g);
      groups.push(g);
    }
    return g;
  };
  forms.forEach((f, i) => {
    groupOf(f.accountWallet, formAsset[i]!, f.dateSold).forms.push({
      index: i,
      units: formUnits[i]!,
      proceeds: formProceeds[i]!,
      txid: f.transactionId?.trim().toLowerCase() || undefined,
    });
  });
  const NO_KEYS: string[] = [];
  for (const d of disposals) {
    const g = groupOf(d.wallet, d.asset, d.dateSold);
    if (g.forms.length === 0) {
      // Nothing reports this day: ledger_only, no need for ids.
      g.disposals.push({
        index: d.index,
        units: d.units,
        proceeds: d.proceeds,
        keys: NO_KEYS,
        ledgerTx: d.rowId,
      });
      continue;
    }
    let withIds = g.withIds;
    if (withIds === undefined) {
      withIds = g.forms.some((f) => f.txid !== undefined);
      g.withIds = withIds;
    }
    const info = input.ledger.get(d.rowId);
    const tx = info?.tx;
    const hashes =
      tx === undefined || tx === ""
        ? NO_KEYS
        : tx.includes(";")
          ? tx
              .split(";")
              .map((h) => h.trim().toLowerCase())
              .filter((h) => h !== "")
          : [tx.trim().toLowerCase()];
    g.disposals.push({
      index: d.index,
      units: d.units,
      proceeds: d.proceeds,
      keys: withIds ? [d.rowId.toLowerCase(), d.id.toLowerCase(), ...hashes] : NO_KEYS,
      ledgerTx: hashes[0] ?? d.rowId,
      fee: d.id !== d.rowId || info?.type === "fee",
    });
  }

  const pairs: { forms: number[]; disposals: number[] }[] = [];
  const formOnly: number[] = [];
  const ledgerOnly: number[] = [];
  for (const g of groups) {
    const m = matchGroup(g.forms, g.disposals);
    pairs.push(...m.pairs);
    formOnly.push(...m.formOnly);
    ledgerOnly.push(...m.ledgerOnly);
  }

  // Pieces: each matched engine row against the form rows reporting it, pair by pair (a form
  // row and an engine row belong to one pair only), so a pair's pieces are dropped as soon as its
  // lines exist.
  const formTerm = forms.map(formTermOf);
  // Per matched form row: columns (d), (e), (f), (g) of its lines, its class and its line of
  // discrepancies.csv. Its pieces are dropped once its lines exist (large years stay in memory).
  const formClass: (ReconcileClass | undefined)[] = new Array(forms.length);
  const formDiscrepancy: (Discrepancy | undefined)[] = new Array(forms.length);
  /** Lines replacing each reported engine row, by row index (a split row has several, in an array). */
  const linesOfRow: (ReconciledRow | ReconciledRow[] | undefined)[] = new Array(rows.length);
  const explainer = createExplainer({
    ledger: input.ledger,
    moves: input.moves ?? [],
    allocation: input.allocation ?? [],
    symbol,
    qty,
  });
  const byCode: Record<AdjustmentCode, Cents> = { B: 0n, D: 0n, E: 0n, T: 0n, W: 0n };
  const baseOf = (f: FormRow, fi: number) => ({
    broker: f.broker,
    account: f.brokerAccount,
    accountWallet: f.accountWallet,
    formLine: `${f.sourceFile}:${f.line}`,
    formRowId: f.id,
    asset: formAsset[fi]!,
    dateSold: f.dateSold,
    unitsForm: f.units,
    proceedsForm: formProceeds[fi]!,
    basisForm: formBasis[fi],
    termForm: f.term ?? formTerm[fi] ?? "",
  });
  /** Columns (d)–(h) of one form row's pieces, its class and its discrepancy. */
  const settleForm = (fi: number, ps: Piece[]) => {
    const f = forms[fi]!;
    const weights = ps.map((x) => x.units);
    let booksP = 0n;
    let booksB = 0n;
    let units = 0n;
    for (const x of ps) {
      booksP += x.booksProceeds;
      booksB += x.booksBasis;
      units += x.units;
    }
    const dp = formProceeds[fi]! - booksP;
    const dpShares = apportion(dp, weights);
    const reportedBasis = formBasis[fi];
    const db = reportedBasis === undefined ? 0n : reportedBasis - booksB;
    const dbShares = apportion(db, weights);
    const wash = apportion(f.washSaleDisallowed ? usdToCents(f.washSaleDisallowed) : 0n, weights);
    const discount = apportion(f.accruedMarketDiscount ? usdToCents(f.accruedMarketDiscount) : 0n, weights);
    const basisDiffers = reportedBasis !== undefined && abs(db) > tolerance(f.costBasis!, ps.length);
    const term = formTerm[fi];
    const box2 = f.basisReported;
    let adj = 0n;
    const codeSet = new Set<string>();
    let termDiffers = false;
    ps.forEach((x, k) => {
      const e = dpShares[k]!;
      const b = dbShares[k]!;
      const w = wash[k]!;
      const d = discount[k]!;
      x.proceeds = x.booksProceeds + e;
      x.basis = box2 ? x.booksBasis + b : x.booksBasis;
      // Column (f) in alphabetical order: B, D, E, T, W; (g) the sum of their parts.
      const hasB = box2 ? b !== 0n : basisDiffers;
      const hasT = term !== undefined && term !== x.term;
      let codes = "";
      if (hasB) {
        codes += "B";
        if (box2) byCode.B += b;
      }
      if (d !== 0n) {
        codes += "D";
        byCode.D -= d;
      }
      if (e !== 0n) {
        codes += "E";
        byCode.E -= e;
      }
      if (hasT) {
        codes += "T";
        termDiffers = true;
      }
      if (w !== 0n) {
        codes += "W";
        byCode.W += w;
      }
      for (const c of codes) codeSet.add(c);
      x.codes = codes;
      x.adjustment = codes === "" ? 0n : (box2 ? b : 0n) - d - e + w;
      adj += x.adjustment;
      x.box = x.term === "short" ? (box2 ? "G" : "H") : box2 ? "J" : "K";
      // By construction (h) = (d) − (e) + (g) = books gain + W − D (the property test checks it).
      const r = rows[x.row]!;
      const q = x.split ? qty(x.units) : r.quantity;
      // The engine's row with the filed columns, written out: a spread copy with overrides
      // takes several times the memory (measured ~690 against ~180 bytes a line).
      const line: ReconciledRow = {
        disposalId: r.disposalId,
        lotId: r.lotId,
        wallet: r.wallet,
        asset: r.asset,
        quantity: q,
        dateAcquired: r.dateAcquired,
        dateSold: r.dateSold,
        proceeds: x.proceeds,
        costBasis: x.basis,
        adjustmentCode: codes,
        adjustment: codes === "" ? undefined : x.adjustment,
        gain: x.proceeds - x.basis + x.adjustment,
        term: r.term,
        box: x.box,
        description: describe(r, q),
        formRowId: f.id,
      };
      if (!x.split) linesOfRow[x.row] = line;
      else {
        let lines = linesOfRow[x.row] as ReconciledRow[] | undefined;
        if (lines === undefined) {
          lines = [];
          linesOfRow[x.row] = lines;
        }
        lines[x.index] = line;
      }
    });
    const proceedsDiffer = abs(dp) > tolerance(f.proceeds, ps.length);
    const cls: ReconcileClass = termDiffers
      ? "term_differs"
      : basisDiffers
        ? "basis_differs"
        : proceedsDiffer
          ? "proceeds_differ"
          : reportedBasis === undefined
            ? "basis_missing"
            : "matched";
    formClass[fi] = cls;
    const codes = codeSet.size === 0 ? "" : [...codeSet].sort().join("");
    const terms: string[] = [];
    if (ps.some((x) => x.term === "short")) terms.push("short");
    if (ps.some((x) => x.term === "long")) terms.push("long");
    formDiscrepancy[fi] = {
      class: cls,
      broker: f.broker,
      account: f.brokerAccount,
      accountWallet: f.accountWallet,
      formLine: `${f.sourceFile}:${f.line}`,
      formRowId: f.id,
      ledgerIds:
        ps.length === 1
          ? [rows[ps[0]!.row]!.disposalId]
          : [...new Set(ps.map((x) => rows[x.row]!.disposalId))],
      asset: formAsset[fi]!,
      dateSold: f.dateSold,
      unitsForm: f.units,
      unitsLedger: qty(units),
      proceedsForm: formProceeds[fi]!,
      proceedsLedger: booksP,
      basisForm: reportedBasis,
      basisLedger: booksB,
      termForm: f.term ?? formTerm[fi] ?? "",
      termLedger: terms.join(";"),
      adjustmentCodes: codes,
      adjustment: codes === "" ? undefined : adj,
      explanation: explainer.formRow(cls, f, formAsset[fi]!, ps, rows, {
        booksProceeds: booksP,
        booksBasis: booksB,
        formProceeds: formProceeds[fi]!,
        formBasis: reportedBasis,
        adjustment: adj,
        codes,
        basisDiffers,
        proceedsDiffer,
      }),
    };
  };
  /** Pieces of the form rows of the current pair, in the order rows are walked. */
  const pieceLists: Piece[][] = [];
  const listOfForm: (Piece[] | undefined)[] = new Array(forms.length);
  const addPiece = (x: Piece) => {
    let list = listOfForm[x.form];
    if (list === undefined) {
      list = [];
      listOfForm[x.form] = list;
      pieceLists.push(list);
    }
    list.push(x);
  };
  for (const p of pairs) {
    const fs =
      p.forms.length === 1
        ? p.forms
        : [...p.forms].sort(
            (a, b) =>
              termRank(formTerm[a]) - termRank(formTerm[b]) ||
              compareText(dateRank(forms[a]!.dateAcquired), dateRank(forms[b]!.dateAcquired)) ||
              forms[a]!.line - forms[b]!.line ||
              a - b,
          );
    const rs =
      p.disposals.length === 1 && disposals[p.disposals[0]!]!.rows.length === 1
        ? disposals[p.disposals[0]!]!.rows
        : p.disposals
            .flatMap((di) => disposals[di]!.rows)
            .sort(
              (a, b) =>
                termRank(rows[a]!.term) - termRank(rows[b]!.term) ||
                compareText(dateRank(rows[a]!.dateAcquired), dateRank(rows[b]!.dateAcquired)) ||
                a - b,
            );
    // Several form rows: a form row's date acquired first takes the books' lots of that date
    // (whatever term either side says), the rest is walked in order.
    const fLeftOf = fs.length > 1 ? fs.map((f) => formUnits[f]!) : undefined;
    const byDate = fLeftOf ? pairByDateAcquired(fs, rs, fLeftOf, forms, rows, rowUnits) : undefined;
    let fi = 0;
    let fLeft = fLeftOf ? fLeftOf[0]! : formUnits[fs[0]!]!;
    for (const ri of rs) {
      const r = rows[ri]!;
      let rLeft = rowUnits[ri]!;
      // Nearly every row goes whole to one form row: no arrays for that case.
      let one: Piece | undefined;
      let ps: Piece[] | undefined;
      const dated = byDate?.get(ri);
      if (dated) {
        for (const { k, units: u } of dated) {
          const piece = newPiece(ri, fs[k]!, u, r.term);
          if (one === undefined) one = piece;
          else if (ps === undefined) ps = [one, piece];
          else ps.push(piece);
          rLeft -= u;
        }
      }
      while (rLeft > 0n) {
        while (fLeft === 0n && fi < fs.length - 1) fLeft = fLeftOf ? fLeftOf[++fi]! : formUnits[fs[++fi]!]!;
        // Units add up by construction; a zero-unit tail can only come from the last form row.
        const u = fLeft === 0n ? rLeft : minBigint(rLeft, fLeft);
        const piece = newPiece(ri, fs[fi]!, u, r.term);
        if (one === undefined) one = piece;
        else if (ps === undefined) ps = [one, piece];
        else ps.push(piece);
        rLeft -= u;
        if (fLeft > 0n) fLeft -= u;
      }
      if (ps === undefined) {
        if (one !== undefined) {
          one.booksProceeds = r.proceeds;
          one.booksBasis = r.costBasis;
          addPiece(one);
        }
        continue;
      }
      // The books' amounts of a split row, shared over its pieces by units.
      const weights = ps.map((x) => x.units);
      const pr = apportion(r.proceeds, weights);
      const bs = apportion(r.costBasis, weights);
      ps.forEach((x, k) => {
        x.booksProceeds = pr[k]!;
        x.booksBasis = bs[k]!;
        x.index = k;
        x.split = true;
        addPiece(x);
      });
    }
    for (const list of pieceLists) {
      const fi = list[0]!.form;
      listOfForm[fi] = undefined;
      settleForm(fi, list);
    }
    pieceLists.length = 0;
  }

  // Form 8949 in disposal order: unreported rows as the engine wrote them.
  const form8949: ReconciledRow[] = [];
  const boxes: Record<string, PartTotals> = {};
  for (const b of ["G", "H", "I", "J", "K", "L"]) boxes[b] = emptyTotals();
  const shortTerm = emptyTotals();
  const longTerm = emptyTotals();
  let gain = 0n;
  let booksGain = 0n;
  let adjustment = 0n;
  const add = (t: PartTotals, r: ReconciledRow) => {
    t.proceeds += r.proceeds;
    t.costBasis += r.costBasis;
    if (r.adjustment !== undefined) t.adjustments += r.adjustment;
    t.gain += r.gain;
    t.rows++;
  };
  const push = (r: ReconciledRow) => {
    form8949.push(r);
    add(boxes[r.box]!, r);
    add(r.term === "short" ? shortTerm : longTerm, r);
    gain += r.gain;
    if (r.adjustment !== undefined) adjustment += r.adjustment;
  };
  rows.forEach((r, i) => {
    booksGain += r.gain;
    const lines = linesOfRow[i];
    if (lines === undefined) {
      const description = describe(r, r.quantity);
      push(description === r.description ? r : { ...r, description });
    } else if (Array.isArray(lines)) for (const l of lines) push(l);
    else push(lines);
  });

  // discrepancies.csv: every form row (file order), then every unreported disposal.
  const classes = Object.fromEntries(RECONCILE_CLASSES.map((c) => [c, emptyClass()])) as Record<
    ReconcileClass,
    ClassTotals
  >;
  const discrepancies: Discrepancy[] = [];
  const formOnlySet = new Set(formOnly);
  const disposalClass: (ReconcileClass | undefined)[] = new Array(disposals.length);
  for (const p of pairs) {
    let worst = formClass[p.forms[0]!]!;
    for (let k = 1; k < p.forms.length; k++) {
      const c = formClass[p.forms[k]!]!;
      if (precedence(c) < precedence(worst)) worst = c;
    }
    for (const di of p.disposals) disposalClass[di] = worst;
  }
  forms.forEach((f, fi) => {
    if (!formOnlySet.has(fi)) {
      discrepancies.push(formDiscrepancy[fi]!);
      return;
    }
    const group = findGroup(f.accountWallet, formAsset[fi]!, f.dateSold);
    const sameDay = (group?.disposals ?? []).map((d) => disposals[d.index]!);
    discrepancies.push({
      ...baseOf(f, fi),
      class: "form_only",
      ledgerIds: [],
      unitsLedger: "",
      proceedsLedger: undefined,
      basisLedger: undefined,
      termLedger: "",
      adjustmentCodes: "",
      adjustment: undefined,
      explanation: explainer.formOnly(f, formAsset[fi]!, sameDay, assetsOf.get(f.accountWallet)),
    });
  });
  // Brokers and broker accounts reporting each account wallet.
  const reportersOf = new Map<string, { brokers: Set<string>; accounts: Set<string> }>();
  for (const f of forms) {
    let x = reportersOf.get(f.accountWallet);
    if (!x) {
      x = { brokers: new Set(), accounts: new Set() };
      reportersOf.set(f.accountWallet, x);
    }
    x.brokers.add(f.broker);
    x.accounts.add(f.brokerAccount);
  }
  for (const di of ledgerOnly.sort((a, b) => a - b)) {
    const d = disposals[di]!;
    const reporting = reportersOf.get(d.wallet)!;
    const terms = [...new Set(d.rows.map((ri) => rows[ri]!.term))].sort((a, b) => termRank(a) - termRank(b));
    discrepancies.push({
      class: "ledger_only",
      broker: [...reporting.brokers].join(";"),
      account: [...reporting.accounts].join(";"),
      accountWallet: d.wallet,
      formLine: "",
      formRowId: undefined,
      ledgerIds: [d.id],
      asset: d.asset,
      dateSold: d.dateSold,
      unitsForm: "",
      unitsLedger: qty(d.units),
      proceedsForm: undefined,
      proceedsLedger: d.proceeds,
      basisForm: undefined,
      basisLedger: d.basis,
      termForm: "",
      termLedger: terms.join(";"),
      adjustmentCodes: "",
      adjustment: undefined,
      explanation: explainer.ledgerOnly(d, rows, [...reporting.brokers]),
    });
    disposalClass[di] = "ledger_only";
  }
  for (const x of discrepancies) {
    const c = classes[x.class];
    c.count++;
    if (x.formRowId !== undefined) c.formRows++;
    c.proceedsForm += x.proceedsForm ?? 0n;
    c.proceedsLedger += x.proceedsLedger ?? 0n;
    c.basisForm += x.basisForm ?? 0n;
    c.basisLedger += x.basisLedger ?? 0n;
    c.adjustment += x.adjustment ?? 0n;
  }
  for (const cls of disposalClass) if (cls !== undefined) classes[cls].disposals++;

  const scheduleD: ScheduleDLines = {
    "1b": boxes.G!,
    "2": boxes.H!,
    "3": boxes.I!,
    "8b": boxes.J!,
    "9": boxes.K!,
    "10": boxes.L!,
  };
  const complete = formOnly.length === 0;
  const notes: string[] = [];
  if (!complete) {
    notes.push(
      `Form 8949 is incomplete: ${formOnly.length} form row(s) report disposals your books do not have (form_only). Import the missing history (lotwise ledger import, or add and sync the wallet) or record the disposals, then reconcile again.`,
    );
  }
  if (ledgerOnly.length > 0) {
    notes.push(
      `${ledgerOnly.length} disposal(s) in reported accounts are on no form (ledger_only): they stay in boxes I/L.`,
    );
  }
  if (byCode.W !== 0n || byCode.D !== 0n) {
    notes.push(
      `Column (h) differs from your books by ${formatSigned(byCode.W + byCode.D)}: code W adds back wash-sale losses from box 1i and code D removes accrued market discount from box 1h (report it as interest income); lotwise gains applies the same adjustments once the forms are imported.`,
    );
  }
  return {
    taxYear,
    method: input.method,
    scope: input.scope,
    accounts: [...accounts].sort(),
    form8949,
    discrepancies,
    classes,
    scheduleD,
    shortTerm,
    longTerm,
    gain,
    booksGain,
    adjustment,
    adjustmentByCode: byCode,
    complete,
    notes,
  };
};

const formatSigned = (c: Cents): string => {
  const s = (c < 0n ? -c : c).toString().padStart(3, "0");
  return `${c < 0n ? "-" : ""}$${s.slice(0, -2)}.${s.slice(-2)}`;
};

/** Code-unit order (the sort keys are ASCII dates). */
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sort key of a date acquired: real dates first, `VARIOUS`/unknown last. */
const dateRank = (d: string | undefined): string => (d && d !== "VARIOUS" ? d : "9999");

/**
 * Units of the form rows `fs` (positions into `fs`) that go to the engine rows `rs` with the same
 * date acquired, by engine row; `fLeft` (units left per form row) is reduced by what they take.
 */
const pairByDateAcquired = (
  fs: readonly number[],
  rs: readonly number[],
  fLeft: bigint[],
  forms: readonly FormRow[],
  rows: readonly Form8949Row[],
  rowUnits: readonly bigint[],
): Map<number, { k: number; units: bigint }[]> | undefined => {
  let rowsOfDate: Map<string, number[]> | undefined;
  let out: Map<number, { k: number; units: bigint }[]> | undefined;
  let rTaken: Map<number, bigint> | undefined;
  fs.forEach((f, k) => {
    const date = forms[f]!.dateAcquired;
    if (date === undefined || date === "VARIOUS") return;
    if (rowsOfDate === undefined) {
      rowsOfDate = new Map();
      for (const ri of rs) {
        const d = rows[ri]!.dateAcquired;
        if (d === "") continue;
        const list = rowsOfDate.get(d);
        if (list) list.push(ri);
        else rowsOfDate.set(d, [ri]);
      }
    }
    for (const ri of rowsOfDate.get(date) ?? []) {
      if (fLeft[k] === 0n) break;
      rTaken ??= new Map();
      const left = rowUnits[ri]! - (rTaken.get(ri) ?? 0n);
      if (left === 0n) continue;
      const u = minBigint(left, fLeft[k]!);
      rTaken.set(ri, rowUnits[ri]! - left + u);
      fLeft[k] = fLeft[k]! - u;
      out ??= new Map();
      const list = out.get(ri);
      if (list) list.push({ k, units: u });
      else out.set(ri, [{ k, units: u }]);
    }
  });
  return out;
};

const newPiece = (row: number, form: number, units: bigint, term: Term): Piece => ({
  row,
  form,
  index: 0,
  split: false,
  units,
  booksProceeds: 0n,
  booksBasis: 0n,
  proceeds: 0n,
  basis: 0n,
  adjustment: 0n,
  codes: "",
  term,
  box: term === "short" ? "H" : "K",
});
