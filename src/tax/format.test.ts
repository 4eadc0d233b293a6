import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { formatScaled } from "../ledger/decimal.ts";
import type { Bytes } from "../utils/bytes.ts";
import { formatCsvCell } from "../utils/csv.ts";
import {
  encodeForm8949Line,
  encodeForm8949Parts,
  form8949Line,
  formatForm8949Csv,
  formatHumanSummary,
  MAX_NUMBER_UNITS,
  maxForm8949LineBytes,
  maxForm8949PartsBytes,
  summaryJson,
} from "./format.ts";
import type { Form8949Row, GainsSummary } from "./types.ts";

const row = (over: Partial<Form8949Row> = {}): Form8949Row => ({
  disposalId: "s1",
  lotId: "b1",
  wallet: "coinbase:main",
  asset: "ETH",
  quantity: "0.5",
  dateAcquired: "2024-01-31",
  dateSold: "2025-02-01",
  proceeds: 149_500n,
  costBasis: 100_250n,
  adjustmentCode: "",
  adjustment: undefined,
  gain: 49_250n,
  term: "long",
  box: "L",
  description: "0.5 ETH",
  ...over,
});

describe("form8949.csv", () => {
  test("one record per row, amounts with two places, losses as plain negative numbers", () => {
    expect(form8949Line(row())).toBe(
      "s1,b1,coinbase:main,ETH,0.5,2024-01-31,2025-02-01,1495.00,1002.50,,,492.50,long,L,0.5 ETH\n",
    );
    expect(form8949Line(row({ gain: -5n, lotId: "", dateAcquired: "" }))).toBe(
      "s1,,coinbase:main,ETH,0.5,,2025-02-01,1495.00,1002.50,,,-0.05,long,L,0.5 ETH\n",
    );
    expect(formatForm8949Csv([row()]).split("\n")[0]).toBe(
      "disposal_id,lot_id,wallet,asset,quantity,date_acquired,date_sold,proceeds,cost_basis,adjustment_code,adjustment_amount,gain,term,box,description",
    );
  });

  test("free-text cells are quoted and defused", () => {
    expect(
      form8949Line(row({ asset: "=HYPERLINK(1)", description: "0.5 =HYPERLINK(1)", wallet: "a,b" })),
    ).toBe(
      's1,b1,"a,b",\'=HYPERLINK(1),0.5,2024-01-31,2025-02-01,1495.00,1002.50,,,492.50,long,L,0.5 =HYPERLINK(1)\n',
    );
  });

  test("property: encodeForm8949Line() writes the bytes of form8949Line()", () => {
    const text = fc.string({
      unit: fc.constantFrom("a", "Z", "1", ",", '"', "\n", "=", "-", "+", "@", "é", "€", " ", ":"),
    });
    const cents = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n });
    fc.assert(
      fc.property(
        fc.record({
          disposalId: text,
          lotId: text,
          wallet: text,
          asset: text,
          quantity: fc.stringMatching(/^\d{1,20}(\.\d{1,20})?$/),
          proceeds: cents,
          costBasis: cents,
          adjustmentCode: fc.constantFrom("", "B", "=X"),
          adjustment: fc.option(cents, { nil: undefined }),
          gain: cents,
          own: fc.option(text, { nil: undefined }),
        }),
        (x) => {
          const r = row({ ...x, description: x.own ?? `${x.quantity} ${x.asset}` });
          const buf = Buffer.alloc(maxForm8949LineBytes(r) + 10);
          const end = encodeForm8949Line(buf, 3, r);
          expect(buf.toString("utf8", 3, end)).toBe(form8949Line(r));
          // A Uint8Array (what a program without Node.js's types passes: src/utils/bytes.ts) too.
          const u8 = new Uint8Array(buf.length);
          expect(encodeForm8949Line(u8 as Uint8Array as Bytes, 3, r)).toBe(end);
          expect(Buffer.from(u8).toString("utf8", 3, end)).toBe(form8949Line(r));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

test("property: encodeForm8949Parts() writes the bytes of form8949Line() of the row it stands for", () => {
  const text = fc.string({
    unit: fc.constantFrom("a", "Z", "1", ",", '"', "\n", "=", "-", "+", "@", "é", "€", " ", ":"),
  });
  // The parts' cents are doubles of at most 2^50 in magnitude (larger rows go through form8949).
  const cents = fc.oneof(
    fc.bigInt({ min: -(2n ** 50n), max: 2n ** 50n }),
    fc.bigInt({ min: -100_000n, max: 100_000n }),
    // Either side of the writer's int32 path (up to 2^31 − 1 cents), both signs.
    fc.bigInt({ min: 2n ** 31n - 200n, max: 2n ** 31n + 200n }).chain((c) => fc.constantFrom(c, -c)),
  );
  fc.assert(
    fc.property(
      fc.record({
        disposalId: text,
        lotId: text,
        wallet: text,
        asset: fc.oneof(text, fc.constantFrom("ETH", "BTC", "USDC")),
        units: fc.oneof(
          fc.bigInt({ min: 1n, max: 10n ** 40n }),
          fc.bigInt({ min: 1n, max: 1000n }).map((u) => u * 10n ** 18n),
          // Units given as a number (up to 2^53 − 1): either side of that bound, of the split
          // at 10^8 and of powers of ten (trailing zeros), and small ones under a large scale.
          fc.bigInt({ min: 2n ** 53n - 300n, max: 2n ** 53n + 300n }),
          fc.bigInt({ min: 1n, max: 2n ** 53n - 1n }),
          fc.bigInt({ min: 10n ** 8n - 300n, max: 10n ** 8n + 300n }),
          fc
            .tuple(fc.bigInt({ min: 1n, max: 99_999n }), fc.integer({ min: 0, max: 11 }))
            .map(([u, e]) => u * 10n ** BigInt(e)),
          fc.bigInt({ min: 1n, max: 1000n }),
          // Units given as 32-bit words (2^53 to 2^128 − 1): either side of 2^64 and 2^128 − 1,
          // and multiples of 10^8 (a long division's remainders of zero).
          fc.bigInt({ min: 2n ** 64n - 300n, max: 2n ** 64n + 300n }),
          fc.bigInt({ min: 2n ** 128n - 300n, max: 2n ** 128n - 1n }),
          fc.bigInt({ min: 2n ** 53n, max: 2n ** 128n - 1n }),
          fc.bigInt({ min: 1n, max: 10n ** 20n }).map((u) => u * 10n ** 16n),
        ),
        scale: fc.integer({ min: 0, max: 30 }),
        proceeds: cents,
        costBasis: cents,
        long: fc.boolean(),
      }),
      (x) => {
        const quantity = formatScaled(x.units, x.scale);
        const r = row({
          ...x,
          quantity,
          gain: x.proceeds - x.costBasis,
          term: x.long ? "long" : "short",
          box: x.long ? "L" : "I",
          description: `${quantity} ${x.asset}`,
        });
        const digits = x.units.toString();
        // The units as their digits, as a number when they fit (`MAX_NUMBER_UNITS`), as 32-bit
        // words from 2^53 on (two below 2^64, four below 2^128): the same bytes.
        const forms: (string | number | Uint32Array)[] = [digits];
        if (x.units <= MAX_NUMBER_UNITS) forms.push(Number(x.units));
        else if (x.units < 2n ** 128n) {
          const count = x.units < 2n ** 64n ? 2 : 4;
          const words = new Uint32Array(count);
          for (let i = 0; i < count; i++)
            words[i] = Number((x.units >> BigInt(32 * (count - 1 - i))) & 0xffffffffn);
          forms.push(words);
        }
        for (const units of forms) {
          const buf = Buffer.alloc(
            maxForm8949PartsBytes(x.disposalId, x.lotId, x.wallet, x.asset, digits.length, x.scale) + 10,
          );
          const end = encodeForm8949Parts(
            buf,
            3,
            x.disposalId,
            x.lotId,
            x.wallet,
            x.asset,
            units,
            x.scale,
            r.dateAcquired,
            r.dateSold,
            Number(x.proceeds),
            Number(x.costBasis),
            x.long,
          );
          // -1 (nothing written) exactly when the asset's cell is quoted or escaped.
          expect(end < 0).toBe(formatCsvCell(x.asset) !== x.asset);
          if (end >= 0) expect(buf.toString("utf8", 3, end)).toBe(form8949Line(r));
        }
      },
    ),
    { numRuns: 2000 },
  );
});

describe("summary.json and the human summary", () => {
  const summary: GainsSummary = {
    taxYear: 2025,
    method: "hifo",
    scope: "wallet",
    filingStatus: "mfj",
    shortTerm: { proceeds: 100_000n, costBasis: 150_000n, adjustments: 0n, gain: -50_000n, rows: 2 },
    longTerm: { proceeds: 300_000n, costBasis: 100_000n, adjustments: 0n, gain: 200_000n, rows: 1 },
    carryoverIn: { shortTerm: 10_000n, longTerm: 0n },
    netShortTerm: -60_000n,
    netLongTerm: 200_000n,
    net: 140_000n,
    capitalLossDeduction: 0n,
    carryoverOut: { shortTerm: 0n, longTerm: 0n },
    ordinaryIncome: { total: 12_345n, bySubtype: { "": 345n, staking: 12_000n } },
    warnings: [{ code: "missing_basis", id: "s9", date: "2025-03-01", message: "…" }],
  };

  test("summaryJson() uses the spec's names and two-place strings", () => {
    expect(summaryJson(summary)).toEqual({
      tax_year: 2025,
      method: "hifo",
      scope: "wallet",
      filing_status: "mfj",
      short_term: { proceeds: "1000.00", cost_basis: "1500.00", adjustments: "0.00", gain: "-500.00" },
      long_term: { proceeds: "3000.00", cost_basis: "1000.00", adjustments: "0.00", gain: "2000.00" },
      carryover_in: { short_term: "100.00", long_term: "0.00" },
      net_short_term: "-600.00",
      net_long_term: "2000.00",
      net: "1400.00",
      capital_loss_deduction: "0.00",
      carryover_out: { short_term: "0.00", long_term: "0.00" },
      // The contract: `total` and one key per subtype; `by_subtype` holds the same split (and "").
      ordinary_income: { total: "123.45", staking: "120.00", by_subtype: { "": "3.45", staking: "120.00" } },
      warnings: [{ code: "missing_basis", id: "s9", date: "2025-03-01", message: "…" }],
    });
  });

  test("summaryJson(): a subtype named like a fixed key stays only under by_subtype", () => {
    const odd = { ...summary, ordinaryIncome: { total: 300n, bySubtype: { total: 100n, by_subtype: 200n } } };
    expect(summaryJson(odd).ordinary_income).toEqual({
      total: "3.00",
      by_subtype: { total: "1.00", by_subtype: "2.00" },
    });
  });

  test("formatHumanSummary() shows the Schedule D lines, losses in parentheses", () => {
    const text = formatHumanSummary(summary);
    expect(text).toMatch(/\n {2}3 +Form 8949 box I .*, 2 rows +1000\.00 +1500\.00 +0\.00 +\(500\.00\)\n/);
    expect(text).toMatch(/\n {2}6 +short-term capital loss carryover +\(100\.00\)\n/);
    expect(text).toMatch(/\n {2}7 +net short-term gain or \(loss\) +\(600\.00\)\n/);
    expect(text).toMatch(/\n {2}10 +Form 8949 box L .*, 1 rows +3000\.00 +1000\.00 +0\.00 +2000\.00\n/);
    expect(text).toMatch(/\n {2}16 +net gain or \(loss\) +1400\.00\n/);
    expect(text).toContain("Carryover to 2026: short-term 0.00, long-term 0.00");
    expect(text).toContain("Ordinary income: 123.45 ((no subtype) 3.45, staking 120.00)");
    // The warnings themselves are printed, not only counted.
    expect(text).toContain("Warnings: 1 (also in summary.json)\n  2025-03-01 s9: …\n");
  });
});
