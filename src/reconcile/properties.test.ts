/**
 * Property: on random ledgers, with forms made from the books' own disposals and then perturbed
 * the way brokers differ (other proceeds, another basis or none, the wrong term, box 2 either way,
 * a sale reported per lot, rows left out, rows the books lack, box 1i), the reconciled Form 8949's
 * column (h) total equals `lotwise gains` for the same ledger, method and scope to the cent (plus
 * box 1i, which code W adds), every form row and every disposal ends in exactly one class, and
 * every line satisfies (h) = (d) − (e) + (g) in the box its books term calls for.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { formatScaled, toScaled } from "../ledger/decimal.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { computeGains } from "../tax/gains.ts";
import { formatCents } from "../tax/money.ts";
import type { Form8949Row, Method, Scope } from "../tax/types.ts";
import { reconcile } from "./run.ts";
import { type FormRow, RECONCILE_CLASSES } from "./types.ts";

const ACCOUNT = "coinbase:main";
const WALLETS = [ACCOUNT, "ethereum:0x2222222222222222222222222222222222222222"];
const ASSETS = ["ETH", "BTC"];
const Q = 4; // quantity decimals

type Step = {
  kind: "buy" | "sell" | "sellFee" | "transfer" | "fee" | "swap";
  wallet: number;
  asset: number;
  /** Units bought (10^-4) or the share of the balance taken, per mille. */
  amount: number;
  cents: number;
  /** Days since the previous row (0: the same day). */
  gapDays: number;
};

const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom("buy", "buy", "sell", "sell", "sellFee", "transfer", "fee", "swap"),
  wallet: fc.nat(WALLETS.length - 1),
  asset: fc.nat(ASSETS.length - 1),
  amount: fc.integer({ min: 1, max: 1000 }),
  cents: fc.integer({ min: 1, max: 900_000 }),
  gapDays: fc.constantFrom(0, 0, 1, 3, 10, 30),
});

const q = (v: bigint) => formatScaled(v, Q);
const usd = (c: number) => (c / 100).toFixed(2);

/** A ledger from 2024-10 into 2025 whose rows never take more than their wallet holds. */
const buildLedger = (steps: Step[]): LedgerRow[] => {
  const held = new Map<string, bigint>();
  const k = (w: string, a: string) => `${w}|${a}`;
  const get = (w: string, a: string) => held.get(k(w, a)) ?? 0n;
  const add = (w: string, a: string, d: bigint) => held.set(k(w, a), get(w, a) + d);
  let t = Date.UTC(2024, 9, 1, 12);
  const rows: LedgerRow[] = [];
  steps.forEach((s, i) => {
    t += s.gapDays * 86_400_000 + 60_000;
    const time = new Date(t).toISOString();
    const w = WALLETS[s.wallet]!;
    const a = ASSETS[s.asset]!;
    const share = (get(w, a) * BigInt(s.amount)) / 1000n;
    const id = `r${i}`;
    const tx = `0x${i.toString(16).padStart(4, "0")}`;
    if (s.kind === "buy" || share < 2n) {
      add(w, a, BigInt(s.amount));
      rows.push({
        id,
        time,
        type: "buy",
        wallet: w,
        inAsset: a,
        inQuantity: q(BigInt(s.amount)),
        usdValue: usd(s.cents),
        tx,
      });
      return;
    }
    add(w, a, -share);
    switch (s.kind) {
      case "sell":
        rows.push({
          id,
          time,
          type: "sell",
          wallet: w,
          outAsset: a,
          outQuantity: q(share),
          usdValue: usd(s.cents),
          feeAsset: "USD",
          feeUsd: usd(s.cents % 900),
          tx,
        });
        return;
      case "sellFee":
        // One unit of the share pays the fee: a disposal of the whole share.
        rows.push({
          id,
          time,
          type: "sell",
          wallet: w,
          outAsset: a,
          outQuantity: q(share - 1n),
          usdValue: usd(s.cents),
          feeAsset: a,
          feeQuantity: q(1n),
          feeUsd: usd(s.cents % 500),
          tx,
        });
        return;
      case "transfer": {
        const to = WALLETS[1 - s.wallet]!;
        add(to, a, share);
        rows.push({
          id,
          time,
          type: "transfer",
          wallet: w,
          outAsset: a,
          outQuantity: q(share),
          toWallet: to,
          tx,
        });
        return;
      }
      case "fee":
        rows.push({
          id,
          time,
          type: "fee",
          wallet: w,
          feeAsset: a,
          feeQuantity: q(share),
          feeUsd: usd(s.cents % 2000),
        });
        return;
      case "swap": {
        const other = ASSETS[1 - s.asset]!;
        add(w, other, BigInt(s.amount));
        rows.push({
          id,
          time,
          type: "swap",
          wallet: w,
          outAsset: a,
          outQuantity: q(share),
          inAsset: other,
          inQuantity: q(BigInt(s.amount)),
          usdValue: usd(s.cents),
          tx,
        });
        return;
      }
    }
  });
  return rows;
};

type Perturb = {
  drop: boolean;
  split: boolean;
  proceedsDelta: number;
  basis: "same" | "delta" | "missing" | "zero";
  basisDelta: number;
  term: "books" | "flip" | "none" | "ordinary";
  box2: boolean;
  wash: number;
  txid: boolean;
  /** Box 1d of a row reporting one lot: blank, the books' date, or another (a transfer-in date). */
  dated: "none" | "books" | "other";
};

const perturb: fc.Arbitrary<Perturb> = fc.record({
  drop: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
  split: fc.boolean(),
  proceedsDelta: fc.oneof(fc.constant(0), fc.integer({ min: -5000, max: 5000 })),
  basis: fc.constantFrom("same", "delta", "missing", "zero"),
  basisDelta: fc.integer({ min: -100_000, max: 100_000 }),
  term: fc.constantFrom("books", "books", "flip", "none", "ordinary"),
  box2: fc.boolean(),
  wash: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 5000 })),
  txid: fc.boolean(),
  dated: fc.constantFrom("none", "books", "other"),
});

let nextId = 1;

/** Form rows for the account's disposals of the year, perturbed; plus `extra` rows the books lack. */
const buildForms = (rows: readonly Form8949Row[], ps: readonly Perturb[], extra: number): FormRow[] => {
  const byDisposal = new Map<string, Form8949Row[]>();
  for (const r of rows) {
    if (r.wallet !== ACCOUNT) continue;
    byDisposal.set(r.disposalId, [...(byDisposal.get(r.disposalId) ?? []), r]);
  }
  const forms: FormRow[] = [];
  let i = 0;
  const add = (parts: Form8949Row[], p: Perturb, line: number) => {
    const units = parts.reduce((s, r) => s + toScaled(r.quantity, 18), 0n);
    const proceeds = parts.reduce((s, r) => s + r.proceeds, 0n) + BigInt(p.proceedsDelta);
    const booksBasis = parts.reduce((s, r) => s + r.costBasis, 0n);
    const basis =
      p.basis === "same"
        ? booksBasis
        : p.basis === "zero"
          ? 0n
          : p.basis === "delta"
            ? booksBasis + BigInt(p.basisDelta)
            : undefined;
    const terms = new Set(parts.map((r) => r.term));
    const booksTerm = terms.size === 1 ? parts[0]!.term : undefined;
    const term =
      p.term === "ordinary"
        ? "ordinary"
        : p.term === "none" || booksTerm === undefined
          ? undefined
          : p.term === "flip"
            ? booksTerm === "short"
              ? "long"
              : "short"
            : booksTerm;
    forms.push({
      id: nextId++,
      importId: 1,
      accountWallet: ACCOUNT,
      sourceFile: "prop.csv",
      taxYear: 2025,
      line,
      broker: "Coinbase",
      brokerAccount: "1",
      checkbox: undefined,
      assetCode: undefined,
      assetName: parts[0]!.asset,
      asset: parts[0]!.asset,
      units: formatScaled(units, 18),
      dateAcquired:
        p.dated === "books" && parts.length === 1 && parts[0]!.dateAcquired !== ""
          ? parts[0]!.dateAcquired
          : p.dated === "other"
            ? "2024-06-30"
            : undefined,
      dateSold: parts[0]!.dateSold,
      proceeds: formatCents(proceeds < 0n ? 0n : proceeds),
      costBasis: basis === undefined ? undefined : formatCents(basis < 0n ? 0n : basis),
      accruedMarketDiscount: undefined,
      washSaleDisallowed: p.wash > 0 ? formatCents(BigInt(p.wash)) : undefined,
      basisReported: basis !== undefined && p.box2,
      federalWithheld: undefined,
      term,
      noncovered: false,
      transferredInUnits: undefined,
      transferredInDate: undefined,
      transactionId: p.txid ? parts[0]!.disposalId.replace(/:fee$/, "") : undefined,
      raw: {},
    });
  };
  for (const parts of byDisposal.values()) {
    const p = ps[i++ % ps.length]!;
    if (p.drop) continue;
    if (p.split && parts.length > 1) {
      for (const [k, r] of parts.entries())
        add([r], { ...p, proceedsDelta: k === 0 ? p.proceedsDelta : 0 }, i * 10 + k);
    } else add(parts, p, i * 10);
  }
  const fake: Form8949Row = {
    disposalId: "none",
    lotId: "",
    wallet: ACCOUNT,
    asset: "NOPE",
    quantity: "1",
    dateAcquired: "",
    dateSold: "2025-07-04",
    proceeds: 10000n,
    costBasis: 0n,
    adjustmentCode: "",
    adjustment: undefined,
    gain: 10000n,
    term: "short",
    box: "I",
    description: "1 NOPE",
  };
  for (let k = 0; k < extra; k++) add([fake], ps[0]!, 9000 + k);
  return forms;
};

describe("reconciliation invariant", () => {
  test("column (h) total = lotwise gains (+ box 1i); every form row and disposal in exactly one class", async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 5, maxLength: 45 }),
        fc.array(perturb, { minLength: 1, maxLength: 12 }),
        fc.nat(2),
        fc.constantFrom<Method>("fifo", "lifo", "hifo"),
        fc.constantFrom<Scope>("transition", "universal", "wallet"),
        async (steps, ps, extra, method, scope) => {
          const ledger = buildLedger(steps);
          // lotwise gains, independently of the reconciliation.
          const gains = computeGains(ledger, { year: 2025, method, scope });
          const booksTotal = gains.summary.shortTerm.gain + gains.summary.longTerm.gain;
          const forms = buildForms(gains.form8949, ps, extra);
          if (forms.length === 0) return;
          const r = await reconcile({
            db: undefined as never,
            userId: 0,
            year: 2025,
            method,
            scope,
            forms,
            ledger: { kind: "rows", rows: ledger },
          });

          // Every form row exactly once; unreported disposals after them.
          expect(r.discrepancies.filter((d) => d.formRowId !== undefined).map((d) => d.formRowId)).toEqual(
            forms.map((f) => f.id),
          );
          const formOnly = new Set(
            r.discrepancies.filter((d) => d.class === "form_only").map((d) => d.formRowId),
          );
          const wash = forms
            .filter((f) => !formOnly.has(f.id) && f.washSaleDisallowed)
            .reduce((s, f) => s + toScaled(f.washSaleDisallowed!, 2), 0n);
          expect(r.gain).toBe(booksTotal + wash);
          expect(r.booksGain).toBe(booksTotal);
          expect(r.adjustmentByCode.W).toBe(wash);

          // Every disposal of the account exactly once.
          const disposals = new Set(
            gains.form8949.filter((x) => x.wallet === ACCOUNT).map((x) => x.disposalId),
          );
          const perClass = RECONCILE_CLASSES.reduce((s, c) => s + r.classes[c].disposals, 0);
          expect(perClass).toBe(disposals.size);
          const ledgerOnly = r.discrepancies
            .filter((d) => d.class === "ledger_only")
            .flatMap((d) => d.ledgerIds);
          const reported = new Set(
            r.discrepancies.filter((d) => d.class !== "ledger_only").flatMap((d) => d.ledgerIds),
          );
          expect(ledgerOnly.filter((id) => reported.has(id))).toEqual([]);
          expect(new Set([...ledgerOnly, ...reported])).toEqual(disposals);
          expect(r.complete).toBe(formOnly.size === 0);

          // Lines: the books' units, the right box, (h) = (d) − (e) + (g), codes sorted and explained.
          const units = (xs: readonly Form8949Row[]) => {
            const m = new Map<string, bigint>();
            for (const x of xs) m.set(x.disposalId, (m.get(x.disposalId) ?? 0n) + toScaled(x.quantity, 18));
            return m;
          };
          expect(units(r.form8949)).toEqual(units(gains.form8949));
          for (const x of r.form8949) {
            const reportedRow = x.formRowId !== undefined;
            const boxes =
              x.term === "short" ? (reportedRow ? ["G", "H"] : ["I"]) : reportedRow ? ["J", "K"] : ["L"];
            expect(boxes).toContain(x.box);
            expect(x.gain).toBe(x.proceeds - x.costBasis + (x.adjustment ?? 0n));
            expect(x.adjustmentCode).toBe([...x.adjustmentCode].sort().join(""));
            expect(x.adjustment === undefined).toBe(x.adjustmentCode === "");
          }
          for (const d of r.discrepancies) seen.add(d.class);
          // Codes combine ("BT"): count each letter.
          for (const x of r.form8949) for (const code of x.adjustmentCode) seen.add(code);
          const sumH = r.form8949.reduce((s, x) => s + x.gain, 0n);
          expect(sumH).toBe(r.gain);
        },
      ),
      { numRuns: 150 },
    );
    // The generated cases reach every class and every code.
    for (const c of [...RECONCILE_CLASSES, "B", "E", "T", "W"]) expect(seen, c).toContain(c);
  }, 60_000);
});
