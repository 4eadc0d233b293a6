/**
 * matchGroup's one-to-one pass by closest proceeds: the same pairs as the plain definition (every
 * form × disposal candidate sorted by distance, form index, disposal index, taken greedily), and
 * in O(n log n): a day of many equal sales no longer builds every candidate pair.
 */
import { describe, expect, test } from "vitest";
import { type MatchDisposal, type MatchForm, matchGroup } from "./match.ts";

/** The definition, written out: all candidates, sorted, taken greedily. */
const reference = (forms: MatchForm[], disposals: MatchDisposal[]): [number, number][] => {
  const cand: { f: MatchForm; d: MatchDisposal; dist: bigint }[] = [];
  for (const f of forms)
    for (const d of disposals) {
      const dist = f.proceeds - d.proceeds;
      cand.push({ f, d, dist: dist < 0n ? -dist : dist });
    }
  cand.sort((a, b) =>
    a.dist < b.dist ? -1 : a.dist > b.dist ? 1 : a.f.index - b.f.index || a.d.index - b.d.index,
  );
  const fDone = new Set<number>();
  const dDone = new Set<number>();
  const out: [number, number][] = [];
  for (const c of cand) {
    if (fDone.has(c.f.index) || dDone.has(c.d.index)) continue;
    fDone.add(c.f.index);
    dDone.add(c.d.index);
    out.push([c.f.index, c.d.index]);
  }
  return out;
};

/** A small deterministic generator (no Math.random: a failure must be reproducible). */
const rng = (seed: number) => {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
};

const form = (index: number, proceeds: bigint): MatchForm => ({
  index,
  units: 10n,
  proceeds,
  txid: undefined,
});
const disposal = (index: number, proceeds: bigint): MatchDisposal => ({
  index,
  units: 10n,
  proceeds,
  keys: [`d${index}`],
  ledgerTx: `t${index}`,
});

describe("matchGroup: equal units, closest proceeds", () => {
  test("the same pairs, in the same order, as sorting every candidate (random days with many ties)", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const spread = [1, 3, 10, 1000][seed % 4]!;
      const nf = 1 + r(12);
      const nd = 1 + r(12);
      // Indexes shuffled apart, so index order is not proceeds order.
      const forms = Array.from({ length: nf }, (_, i) => form(i * 7 + r(5), BigInt(r(spread))));
      const disposals = Array.from({ length: nd }, (_, i) =>
        disposal(1000 + i * 5 + r(3), BigInt(r(spread))),
      );
      const m = matchGroup(forms, disposals);
      const want = reference(forms, disposals);
      expect(
        m.pairs.map((p) => [p.forms[0], p.disposals[0]]),
        `seed ${seed}`,
      ).toEqual(want);
      expect(m.formOnly.length + m.ledgerOnly.length).toBe(Math.abs(nf - nd));
    }
  });

  test("20,000 equal sales on one day (it built all 400 million candidate pairs and ran out of memory)", () => {
    const n = 20_000;
    const r = rng(7);
    const forms = Array.from({ length: n }, (_, i) => form(i, BigInt(10_000 + r(30_000))));
    const disposals = Array.from({ length: n }, (_, i) => disposal(n + i, BigInt(10_000 + r(30_000))));
    const m = matchGroup(forms, disposals);
    expect(m.pairs).toHaveLength(n);
    expect(m.formOnly).toEqual([]);
    expect(m.ledgerOnly).toEqual([]);
  });

  test("a form row with a transaction id takes the disposal naming it, before closest proceeds", () => {
    const forms = [{ ...form(0, 30000n), txid: "0xb" }, form(1, 10000n)];
    const disposals = [
      { ...disposal(10, 30000n), keys: ["a", "0xa"] },
      { ...disposal(11, 10000n), keys: ["b", "0xb"] },
    ];
    const m = matchGroup(forms, disposals);
    expect(m.pairs).toEqual([
      { forms: [0], disposals: [11] },
      { forms: [1], disposals: [10] },
    ]);
  });
});
