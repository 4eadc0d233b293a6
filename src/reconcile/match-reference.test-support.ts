/**
 * Test support: matchGroup written the plain way (every candidate built and sorted, every open
 * item scanned), as it was before the passes were indexed. Quadratic, so only for small random
 * groups: match.test.ts checks that the indexed matchGroup gives exactly its pairs.
 */
import type { Cents } from "../tax/types.ts";
import type { GroupMatch, MatchDisposal, MatchForm, MatchPair } from "./match.ts";

const abs = (v: bigint) => (v < 0n ? -v : v);
const sumUnits = (xs: readonly { units: bigint }[]) => xs.reduce((s, x) => s + x.units, 0n);
const sumProceeds = (xs: readonly { proceeds: Cents }[]) => xs.reduce((s, x) => s + x.proceeds, 0n);

/** Groups items by a key, keeping first-appearance order. */
const groupBy = <T>(items: readonly T[], key: (t: T) => string | undefined): Map<string, T[]> => {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
};

/** Matches one group (one account, asset and date). */
export const referenceMatchGroup = (
  forms: readonly MatchForm[],
  disposals: readonly MatchDisposal[],
): GroupMatch => {
  // The common cases, without building any index.
  if (forms.length === 0) return { pairs: [], formOnly: [], ledgerOnly: disposals.map((d) => d.index) };
  if (disposals.length === 0) return { pairs: [], formOnly: forms.map((f) => f.index), ledgerOnly: [] };
  if (forms.length === 1 && disposals.length === 1 && forms[0]!.units === disposals[0]!.units)
    return {
      pairs: [{ forms: [forms[0]!.index], disposals: [disposals[0]!.index] }],
      formOnly: [],
      ledgerOnly: [],
    };
  const pairs: MatchPair[] = [];
  const formDone = new Set<number>();
  const dispDone = new Set<number>();
  const openForms = () => forms.filter((f) => !formDone.has(f.index));
  const openDisps = () => disposals.filter((d) => !dispDone.has(d.index));
  const pair = (fs: readonly MatchForm[], ds: readonly MatchDisposal[]) => {
    for (const f of fs) formDone.add(f.index);
    for (const d of ds) dispDone.add(d.index);
    pairs.push({ forms: fs.map((f) => f.index), disposals: ds.map((d) => d.index) });
  };

  // 1. Transaction ids.
  const byKey = new Map<string, MatchDisposal[]>();
  for (const d of disposals) {
    for (const k of new Set(d.keys)) {
      const list = byKey.get(k);
      if (list) list.push(d);
      else byKey.set(k, [d]);
    }
  }
  for (const [txid, fs] of groupBy(forms, (f) => f.txid)) {
    const cands = (byKey.get(txid) ?? []).filter((d) => !dispDone.has(d.index));
    if (cands.length === 0) continue;
    const units = sumUnits(fs);
    if (units === sumUnits(cands)) {
      pair(fs, cands);
      continue;
    }
    const one = cands.find((d) => d.units === units);
    if (one) {
      pair(fs, [one]);
      continue;
    }
    for (const f of fs) {
      const d = cands.find((c) => !dispDone.has(c.index) && c.units === f.units);
      if (d) pair([f], [d]);
    }
  }

  // 2. One to one by units: same transaction id first, then closest proceeds.
  {
    const fBy = groupBy(openForms(), (f) => f.units.toString());
    const dBy = groupBy(openDisps(), (d) => d.units.toString());
    for (const [u, fs] of fBy) {
      const ds = dBy.get(u);
      if (!ds) continue;
      if (fs.length === 1 && ds.length === 1) {
        pair(fs, ds);
        continue;
      }
      for (const f of fs) {
        if (f.txid === undefined) continue;
        const d = ds.find((x) => !dispDone.has(x.index) && x.keys.includes(f.txid!));
        if (d) pair([f], [d]);
      }
      const restF = fs.filter((f) => !formDone.has(f.index));
      const restD = ds.filter((d) => !dispDone.has(d.index));
      if (restF.length === 0 || restD.length === 0) continue;
      // Closest proceeds: all candidate pairs by distance (groups of equal units are small).
      const cand: { f: MatchForm; d: MatchDisposal; dist: bigint }[] = [];
      for (const f of restF) for (const d of restD) cand.push({ f, d, dist: abs(f.proceeds - d.proceeds) });
      cand.sort((a, b) =>
        a.dist < b.dist ? -1 : a.dist > b.dist ? 1 : a.f.index - b.f.index || a.d.index - b.d.index,
      );
      for (const c of cand) {
        if (formDone.has(c.f.index) || dispDone.has(c.d.index)) continue;
        pair([c.f], [c.d]);
      }
    }
  }

  // 3. Sets of one transaction against one item of the other side.
  {
    const ledgerSets = [...groupBy(openDisps(), (d) => d.ledgerTx).values()].filter((s) => s.length > 1);
    const setByUnits = new Map<string, MatchDisposal[][]>();
    for (const s of ledgerSets) {
      const k = sumUnits(s).toString();
      setByUnits.set(k, [...(setByUnits.get(k) ?? []), s]);
    }
    for (const f of openForms()) {
      const sets = (setByUnits.get(f.units.toString()) ?? []).filter((s) =>
        s.every((d) => !dispDone.has(d.index)),
      );
      if (sets.length === 0) continue;
      sets.sort((a, b) => {
        const da = abs(sumProceeds(a) - f.proceeds);
        const db = abs(sumProceeds(b) - f.proceeds);
        return da < db ? -1 : da > db ? 1 : 0;
      });
      pair([f], sets[0]!);
    }
    const formSets = [...groupBy(openForms(), (f) => f.txid).values()].filter((s) => s.length > 1);
    for (const fs of formSets) {
      const units = sumUnits(fs);
      const d = openDisps().find((x) => x.units === units);
      if (d) {
        pair(fs, [d]);
        continue;
      }
      const set = ledgerSets.find((s) => s.every((x) => !dispDone.has(x.index)) && sumUnits(s) === units);
      if (set) pair(fs, set);
    }
  }

  // 4. Whatever is left of the day, when it adds up.
  {
    const fs = openForms();
    const ds = openDisps();
    if (fs.length > 0 && ds.length > 0) {
      const fu = sumUnits(fs);
      const du = sumUnits(ds);
      if (fu === du) pair(fs, ds);
      else {
        // All form rows against one disposal, else one form row against all disposals (the
        // other side's extra item stays form_only / ledger_only).
        const d = fs.length > 1 ? ds.find((x) => x.units === fu) : undefined;
        if (d) pair(fs, [d]);
        else if (ds.length > 1) {
          const f = fs.find((x) => x.units === du);
          if (f) pair([f], ds);
        }
      }
    }
  }

  return {
    pairs,
    formOnly: forms.filter((f) => !formDone.has(f.index)).map((f) => f.index),
    ledgerOnly: disposals.filter((d) => !dispDone.has(d.index)).map((d) => d.index),
  };
};
