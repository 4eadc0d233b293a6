/**
 * reconcileYear through `reconcile` on in-memory ledgers: one test per class, the codes, the
 * boxes and the (g) amounts. Every expected number is worked out by hand in the comments.
 */
import { describe, expect, test } from "vitest";
import { formsFrom, LEDGER_HEADER, line, reconcileCsv } from "./reconcile.test-support.ts";

const A = "ethereum:0x1111111111111111111111111111111111111111";
const CB = "coinbase:main";
const ledger = (...rows: string[]) => [LEDGER_HEADER, ...rows].join("\n");
const form = (...rows: string[]) => rows.join("\n");

describe("reconcile: broker lot order vs the books (code B)", () => {
  // Books (HIFO): lot b1 (ETH bought 2024-11-02 in wallet A for $3,900, moved to Coinbase on
  // 2025-02-01) goes first, then b2 (bought on Coinbase 2025-01-05 for $3,600).
  // Coinbase orders by transfer date (FIFO): b2 first (2025-01-05), then the transferred unit.
  const L = ledger(
    `b1,2024-11-02T10:00:00Z,buy,${A},,,ETH,1,3900,,,,,0xb1`,
    `b2,2025-01-05T10:00:00Z,buy,${CB},,,ETH,1,3600,,,,,`,
    `t1,2025-02-01T12:00:00Z,transfer,${A},ETH,1,,,,,,,${CB},0xt1`,
    `s1,2025-03-04T15:00:00Z,sell,${CB},ETH,1,,,4000,,,,,`,
    `s2,2025-05-20T15:00:00Z,sell,${CB},ETH,1,,,3000,,,,,`,
  );
  const F = form(
    "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term",
    // s1: basis reported to the IRS (box G) as b2's $3,600.
    "Coinbase,77,ETH,1,2025-03-04,4000.00,3600.00,true,short",
    // s2: basis shown but not reported (box H): the transferred unit's customer-provided $3,900.
    "Coinbase,77,ETH,1,2025-05-20,3000.00,3900.00,false,short",
  );

  test("G row: reported basis in (e), correct − reported in (g); H row: correct basis in (e), (g) = 0", async () => {
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025, method: "hifo" });
    // s1 books: proceeds 4,000 − basis 3,900 = 100. G: (e) 3,600, (g) = 3,600 − 3,900 = −300, (h) 100.
    // s2 books: 3,000 − 3,600 = −600. H: (e) 3,600, code B, (g) 0, (h) −600.
    expect(r.form8949.map(line)).toEqual([
      ["G", 400000n, 360000n, "B", -30000n, 10000n],
      ["H", 300000n, 360000n, "B", 0n, -60000n],
    ]);
    expect(r.discrepancies.map((d) => [d.class, d.ledgerIds, d.basisForm, d.basisLedger])).toEqual([
      ["basis_differs", ["s1"], 360000n, 390000n],
      ["basis_differs", ["s2"], 390000n, 360000n],
    ]);
    expect(r.gain).toBe(-50000n);
    expect(r.booksGain).toBe(-50000n);
    expect(r.adjustmentByCode.B).toBe(-30000n);
    expect(r.classes.basis_differs).toMatchObject({ count: 2, formRows: 2, disposals: 2 });
    expect(r.scheduleD["1b"]).toMatchObject({
      rows: 1,
      proceeds: 400000n,
      costBasis: 360000n,
      adjustments: -30000n,
      gain: 10000n,
    });
    expect(r.scheduleD["2"]).toMatchObject({ rows: 1, gain: -60000n });
    expect(r.complete).toBe(true);
  });

  test("the explanation names the wallet the units came from, the transfer and the purchase", async () => {
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025, method: "hifo" });
    expect(r.discrepancies[0]!.explanation).toBe(
      `Coinbase reports basis $3,600.00 for 1 ETH sold 2025-03-04: these units came in from your wallet ${A} on 2025-02-01 (tx 0xt1), bought 2024-11-02 for $3,900.00 (tx 0xb1); your books' basis is $3,900.00 (code B, -$300.00 in column (g)).`,
    );
    expect(r.discrepancies[1]!.explanation).toContain(
      "bought 2025-01-05 for $3,600.00 in this account (ledger row b2)",
    );
  });

  test("with FIFO books the same forms match exactly", async () => {
    // FIFO by acquisition date takes b1 (2024-11-02) first: basis 3,900 for s1 — the form says
    // 3,600, so s1 still differs; s2 takes b2 (3,600) and the form says 3,900.
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025, method: "fifo" });
    expect(r.discrepancies.map((d) => d.class)).toEqual(["basis_differs", "basis_differs"]);
    const matching = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term",
      "Coinbase,77,ETH,1,2025-03-04,4000.00,3900.00,true,short",
      "Coinbase,77,ETH,1,2025-05-20,3000.00,3600.00,true,short",
    );
    const m = await reconcileCsv(L, formsFrom(matching, CB), { year: 2025, method: "fifo" });
    expect(m.discrepancies.map((d) => d.class)).toEqual(["matched", "matched"]);
    expect(m.form8949.map(line)).toEqual([
      ["G", 400000n, 390000n, "", undefined, 10000n],
      ["G", 300000n, 360000n, "", undefined, -60000n],
    ]);
  });
});

describe("reconcile: proceeds (code E)", () => {
  // 2 ETH bought for $6,000 ($3,000 each); 1 sold for $3,500 with a $12.50 fee: books proceeds 3,487.50.
  const L = ledger(
    `b,2025-01-10T10:00:00Z,buy,${CB},,,ETH,2,6000,,,,,`,
    `s,2025-06-01T10:00:00Z,sell,${CB},ETH,1,,,3500,USD,,12.50,,`,
  );
  test("a fee not reflected in box 1f: proceeds_differ, E, (g) = books − reported", async () => {
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term",
      "Coinbase,77,ETH,1,2025-06-01,3500.00,3000.00,true,short",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    // (d) 3,500, (e) 3,000, (g) 3,487.50 − 3,500 = −12.50, (h) 487.50 = 3,487.50 − 3,000.
    expect(r.form8949.map(line)).toEqual([["G", 350000n, 300000n, "E", -1250n, 48750n]]);
    expect(r.discrepancies[0]).toMatchObject({
      class: "proceeds_differ",
      proceedsForm: 350000n,
      proceedsLedger: 348750n,
      adjustmentCodes: "E",
      adjustment: -1250n,
    });
    expect(r.discrepancies[0]!.explanation).toContain("a transaction cost not reflected in box 1f");
    expect(r.discrepancies[0]!.explanation).toContain("fee of $12.50");
  });

  test("a broker rounding to whole dollars is matched; the 50 cents still go in (g)", async () => {
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term",
      "Coinbase,77,ETH,1,2025-06-01,3488,3000,true,short",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    // 3,487.50 rounds to 3,488: within the whole-dollar tolerance. (g) = 3,487.50 − 3,488 = −0.50.
    expect(r.discrepancies[0]!.class).toBe("matched");
    expect(r.form8949.map(line)).toEqual([["G", 348800n, 300000n, "E", -50n, 48750n]]);
  });

  test("whole dollars are a rounding when written without cents (3488), not as 3488.00; 51 cents off is not", async () => {
    const F = (proceeds: string) =>
      form(
        "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term",
        `Coinbase,77,ETH,1,2025-06-01,${proceeds},3000.00,true,short`,
      );
    // 3,487 is 50 cents under 3,487.50: a rounding, and (g) = 3,487.50 − 3,487 = +0.50 keeps (h).
    const under = await reconcileCsv(L, formsFrom(F("3487"), CB), { year: 2025 });
    expect(under.discrepancies[0]!.class).toBe("matched");
    expect(under.form8949.map(line)).toEqual([["G", 348700n, 300000n, "E", 50n, 48750n]]);
    // 3,488.00 says the broker reports cents: 50 cents off is a difference.
    const cents = await reconcileCsv(L, formsFrom(F("3488.00"), CB), { year: 2025 });
    expect(cents.discrepancies[0]!.class).toBe("proceeds_differ");
    const off = await reconcileCsv(L, formsFrom(F("3486.99"), CB), { year: 2025 });
    expect(off.discrepancies[0]!.class).toBe("proceeds_differ");
  });

  test("a broker's whole-dollar rounding of a row over several lots is at most 50 cents", async () => {
    // 2 ETH bought as two lots of 1 ($3,000 each), 2 sold for $7,001.00: two lines, $3,500.50 each.
    const L2 = ledger(
      `b1,2025-01-10T10:00:00Z,buy,${CB},,,ETH,1,3000,,,,,`,
      `b2,2025-01-11T10:00:00Z,buy,${CB},,,ETH,1,3000,,,,,`,
      `s,2025-06-01T10:00:00Z,sell,${CB},ETH,2,,,7001.00,,,,,`,
    );
    const F = (proceeds: string) =>
      form(
        "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term",
        `Coinbase,77,ETH,2,2025-06-01,${proceeds},6000,true,short`,
      );
    // 7,001.00 → 7,001 or 7,000 would be a rounding only if off by 50 cents or less: 7,000 is $1 off.
    const r = await reconcileCsv(L2, formsFrom(F("7000"), CB), { year: 2025 });
    expect(r.discrepancies[0]!.class).toBe("proceeds_differ");
    expect(r.form8949.map(line)).toEqual([
      ["G", 350000n, 300000n, "E", 50n, 50050n],
      ["G", 350000n, 300000n, "E", 50n, 50050n],
    ]);
  });

  test("one cent off is matched; two cents off is not", async () => {
    const one = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported",
      "Coinbase,77,ETH,1,2025-06-01,3487.51,3000,true",
    );
    const two = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported",
      "Coinbase,77,ETH,1,2025-06-01,3487.52,3000,true",
    );
    expect((await reconcileCsv(L, formsFrom(one, CB), { year: 2025 })).discrepancies[0]!.class).toBe(
      "matched",
    );
    expect((await reconcileCsv(L, formsFrom(two, CB), { year: 2025 })).discrepancies[0]!.class).toBe(
      "proceeds_differ",
    );
  });
});

describe("reconcile: term (code T)", () => {
  // Bought 2023-05-01 for $2,000, sold 2025-06-01 for $3,500: long term in the books, gain 1,500.
  const L = ledger(
    `b,2023-05-01T10:00:00Z,buy,${CB},,,ETH,1,2000,,,,,`,
    `s,2025-06-01T10:00:00Z,sell,${CB},ETH,1,,,3500,,,,,`,
  );
  test("the form says short, the books long: Part II (box K), code T, (g) 0", async () => {
    const F = form(
      "broker,account,checkbox,asset_name,units,date_sold,proceeds,cost_basis",
      "Coinbase,77,H,ETH,1,2025-06-01,3500,2000",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    expect(r.form8949.map(line)).toEqual([["K", 350000n, 200000n, "T", 0n, 150000n]]);
    expect(r.discrepancies[0]).toMatchObject({
      class: "term_differs",
      termForm: "short",
      termLedger: "long",
    });
    expect(r.scheduleD["9"]).toMatchObject({ rows: 1, gain: 150000n });
    expect(r.discrepancies[0]!.explanation).toContain("Part II");
  });

  test("term outranks basis: a wrong term and a wrong reported basis give class term_differs, codes BT", async () => {
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term",
      "Coinbase,77,ETH,1,2025-06-01,3500,2500,true,short",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    // J (books long, box 2 checked): (e) 2,500 reported, (g) 2,500 − 2,000 = +500, (h) 1,500.
    expect(r.form8949.map(line)).toEqual([["J", 350000n, 250000n, "BT", 50000n, 150000n]]);
    expect(r.discrepancies[0]!.class).toBe("term_differs");
  });

  test("checkbox Y (X): the broker does not know the term; the books decide, no T", async () => {
    const F = form(
      "broker,account,checkbox,asset_name,units,date_sold,proceeds",
      "Coinbase,77,X,ETH,1,2025-06-01,3500",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    expect(r.form8949.map(line)).toEqual([["K", 350000n, 200000n, "", undefined, 150000n]]);
    expect(r.discrepancies[0]!.class).toBe("basis_missing");
  });
});

describe("reconcile: wash sale (code W) and accrued market discount (code D)", () => {
  // Bought for $4,000, sold for $3,800: books loss −200.
  const L = ledger(
    `b,2025-01-10T10:00:00Z,buy,${CB},,,ETH,1,4000,,,,,`,
    `s,2025-02-10T10:00:00Z,sell,${CB},ETH,1,,,3800,,,,,`,
  );
  test("box 1i adds the disallowed loss in (g) with W", async () => {
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,wash_sale_disallowed",
      "Coinbase,77,ETH,1,2025-02-10,3800,4000,true,50",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    // (h) = 3,800 − 4,000 + 50 = −150: the books' −200 plus box 1i.
    expect(r.form8949.map(line)).toEqual([["G", 380000n, 400000n, "W", 5000n, -15000n]]);
    expect(r.discrepancies[0]!.class).toBe("matched");
    expect(r.gain - r.booksGain).toBe(5000n);
    expect(r.adjustmentByCode.W).toBe(5000n);
    // The explanation names box 1i, not a rounding difference, and does not claim (h) equals the books.
    const why = r.discrepancies[0]!.explanation;
    expect(why).toContain("Box 1i reports $50.00 of wash-sale loss disallowed");
    expect(why).not.toContain("rounding");
    expect(why).not.toContain("equals your books");
  });

  test("box 1h subtracts the accrued market discount with D; several codes sort alphabetically", async () => {
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,accrued_market_discount,wash_sale_disallowed",
      "Coinbase,77,ETH,1,2025-02-10,3810,4000,true,20,50",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    // (g) = E (3,800 − 3,810 = −10) + D (−20) + W (+50) = +20; (h) = 3,810 − 4,000 + 20 = −170 = −200 − 20 + 50.
    expect(r.form8949.map(line)).toEqual([["G", 381000n, 400000n, "DEW", 2000n, -17000n]]);
    const why = r.discrepancies[0]!.explanation;
    expect(why).toContain("Box 1h reports $20.00 of accrued market discount");
    expect(why).toContain("Box 1i reports $50.00 of wash-sale loss disallowed");
  });
});

describe("reconcile: form_only, ledger_only, basis_missing, matched", () => {
  test("a form for an account with no ledger rows: every row form_only, nothing on Form 8949 for it", async () => {
    const L = ledger(
      `b,2025-01-10T10:00:00Z,buy,${A},,,ETH,1,3000,,,,,`,
      `s,2025-02-10T10:00:00Z,sell,${A},ETH,0.5,,,2000,,,,,`,
    );
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds",
      "Kraken,K-1,Bitcoin,0.1,2025-03-01,6000",
      "Kraken,K-1,Ethereum,0.5,2025-02-10,2000",
    );
    const r = await reconcileCsv(L, formsFrom(F, "kraken:main", { source: "kraken.csv" }), { year: 2025 });
    expect(r.discrepancies.map((d) => [d.class, d.formLine, d.asset])).toEqual([
      ["form_only", "kraken.csv:2", "BTC"],
      ["form_only", "kraken.csv:3", "ETH"],
    ]);
    // Wallet A's sale stays in box I: (d) 2,000, (e) 1,500, (h) 500.
    expect(r.form8949.map(line)).toEqual([["I", 200000n, 150000n, "", undefined, 50000n]]);
    expect(r.complete).toBe(false);
    expect(r.notes[0]).toContain("Form 8949 is incomplete");
    expect(r.classes.form_only).toMatchObject({ count: 2, formRows: 2, disposals: 0, proceedsForm: 800000n });
    expect(r.discrepancies[1]!.explanation).toContain("no disposal of ETH in kraken:main");
  });

  test("a disposal no form reports is ledger_only and stays in box I; basis_missing and matched", async () => {
    const L = ledger(
      `b,2025-01-10T10:00:00Z,buy,${CB},,,ETH,3,9000,,,,,0xbuy`,
      `s1,2025-02-10T10:00:00Z,sell,${CB},ETH,1,,,3300,,,,,0xs1`,
      `s2,2025-03-10T10:00:00Z,sell,${CB},ETH,1,,,2700,,,,,0xs2`,
      `s3,2025-04-10T10:00:00Z,sell,${CB},ETH,1,,,3100,,,,,0xs3`,
    );
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term",
      "Coinbase,77,ETH,1,2025-02-10,3300,,false,short",
      "Coinbase,77,ETH,1,2025-03-10,2700,3000,true,short",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    expect(r.discrepancies.map((d) => [d.class, d.ledgerIds.join(";")])).toEqual([
      ["basis_missing", "s1"],
      ["matched", "s2"],
      ["ledger_only", "s3"],
    ]);
    // s1: H, books basis 3,000 in (e); s2: G as reported; s3: I.
    expect(r.form8949.map(line)).toEqual([
      ["H", 330000n, 300000n, "", undefined, 30000n],
      ["G", 270000n, 300000n, "", undefined, -30000n],
      ["I", 310000n, 300000n, "", undefined, 10000n],
    ]);
    expect(r.discrepancies[2]!.explanation).toContain("s3, tx 0xs3");
    expect(r.classes.ledger_only).toMatchObject({
      count: 1,
      formRows: 0,
      disposals: 1,
      proceedsLedger: 310000n,
    });
    expect(r.classes.matched).toMatchObject({ count: 1, formRows: 1, disposals: 1 });
  });
});

describe("reconcile: a sale reported per lot (several form rows for one disposal)", () => {
  // FIFO: s sells 1 ETH for $2,600: all 0.5 of b1 (2024-01-10, long, basis $1,000) and 0.5 of b2
  // (2024-11-01, short, basis $3,000 / 2 = $1,500), $1,300 proceeds each.
  const L = ledger(
    `b1,2024-01-10T10:00:00Z,buy,${CB},,,ETH,0.5,1000,,,,,0xb1`,
    `b2,2024-11-01T10:00:00Z,buy,${CB},,,ETH,1,3000,,,,,0xb2`,
    `s,2025-06-01T10:00:00Z,sell,${CB},ETH,1,,,2600,,,,,0xs`,
  );
  test("each form row takes the lot with its date acquired, whatever term it claims", async () => {
    const F = form(
      "broker,account,checkbox,asset_name,units,date_acquired,date_sold,proceeds,cost_basis,term",
      // The b2 lot exactly as the books have it.
      "Coinbase,77,G,ETH,0.5,2024-11-01,2025-06-01,1300.00,1500.00,short",
      // The b1 lot with the right basis but the wrong term (the books hold it long).
      "Coinbase,77,G,ETH,0.5,01/10/2024,2025-06-01,1300.00,1000.00,short",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    // b1: J (long, box 2), (d) 1,300, (e) 1,000, T with (g) 0, (h) 300.
    // b2: G, (d) 1,300, (e) 1,500, no code, (h) −200.
    expect(r.form8949.map(line)).toEqual([
      ["J", 130000n, 100000n, "T", 0n, 30000n],
      ["G", 130000n, 150000n, "", undefined, -20000n],
    ]);
    expect(r.discrepancies.map((d) => [d.class, d.adjustmentCodes, d.basisLedger, d.termLedger])).toEqual([
      ["matched", "", 150000n, "short"],
      ["term_differs", "T", 100000n, "long"],
    ]);
    expect(r.gain).toBe(10000n);
    expect(r.booksGain).toBe(10000n);
  });

  test("one form row for lots of both terms: the explanation says which units go in which Part", async () => {
    const F = form(
      "broker,account,checkbox,asset_name,units,date_sold,proceeds,cost_basis",
      "Coinbase,77,H,ETH,1,2025-06-01,2600.00,2500.00",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    // b1 half: K with T, (g) 0, (h) 300; b2 half: H, (h) −200.
    expect(r.form8949.map(line)).toEqual([
      ["K", 130000n, 100000n, "T", 0n, 30000n],
      ["H", 130000n, 150000n, "", undefined, -20000n],
    ]);
    expect(r.discrepancies[0]!.explanation).toContain(
      "Coinbase reports 1 ETH sold 2025-06-01 as short-term; your books held these units partly more and partly less than a year:",
    );
    expect(r.discrepancies[0]!.explanation).toContain(
      "The 0.5 ETH held a year or less go in Part I (box H) and the 0.5 ETH held more than a year go in Part II (box K) (code T, $0.00 in column (g)).",
    );
  });

  test("a disposal of both terms no form reports stays in boxes I and L", async () => {
    const F = form("broker,account,asset_name,units,date_sold,proceeds", "Coinbase,77,ETH,1,2025-06-02,1.00");
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    expect(r.discrepancies.map((d) => d.class)).toEqual(["form_only", "ledger_only"]);
    expect(r.discrepancies[1]!.explanation).toContain("it stays in boxes I and L.");
  });

  test("HIFO books, broker FIFO by transfer date: the lot the form dates is matched, the transferred one differs", async () => {
    const W = "evm:1:0xaaaa000000000000000000000000000000000001";
    // Transition allocation on 2025-01-01 (HIFO order, wallets by name): c1 ($3,600) stays in
    // coinbase:main, w1 ($2,804.34) in W. t1 moves w1 to Coinbase on 2025-02-01. HIFO sale of
    // 1.5 ETH for $3,000 ($2,000 per unit): c1 whole (basis 3,600) and half of w1 (basis 1,402.17).
    const L2 = ledger(
      `w1,2024-11-02T10:00:00Z,buy,${W},,,ETH,1,2804.34,,,,,0xw1buy`,
      `c1,2024-12-01T10:00:00Z,buy,${CB},,,ETH,1,3600,,,,,`,
      `t1,2025-02-01T10:00:00Z,transfer,${W},ETH,1,,,,,,,${CB},0xt1hash`,
      `c2,2025-02-10T10:00:00Z,buy,${CB},,,ETH,1,2700,,,,,`,
      `s1,2025-03-04T10:00:00Z,sell,${CB},ETH,1.5,,,3000,,,,,`,
    );
    const F = form(
      "broker,account,checkbox,asset_name,units,date_acquired,date_sold,proceeds,cost_basis,term,transferred_in_units,transferred_in_date",
      // The broker's lot order: c1 first (acquired 12/01/2024), then the transferred units,
      // dated by the transfer and reported with a basis of 0 on G.
      "Coinbase,9,H,ETH,1,12/01/2024,03/04/2025,2000.00,3600.00,short,,",
      "Coinbase,9,G,ETH,0.5,02/01/2025,03/04/2025,1000.00,0,short,0.5,02/01/2025",
    );
    const r = await reconcileCsv(L2, formsFrom(F, CB), { year: 2025, method: "hifo" });
    // c1: H, (d) 2,000, (e) 3,600, (h) −1,600. w1 half: G, (e) 0 as reported, B with
    // (g) = 0 − 1,402.17, (h) 1,000 − 1,402.17 = −402.17.
    expect(r.form8949.map(line)).toEqual([
      ["H", 200000n, 360000n, "", undefined, -160000n],
      ["G", 100000n, 0n, "B", -140217n, -40217n],
    ]);
    expect(r.discrepancies.map((d) => d.class)).toEqual(["matched", "basis_differs"]);
    expect(r.discrepancies[1]!.explanation).toBe(
      `Coinbase reports basis $0.00 for 0.5 ETH sold 2025-03-04: these units came in from your wallet ${W} on 2025-02-01 (tx 0xt1hash), bought 2024-11-02 for $1,402.17 (tx 0xw1buy); your books' basis is $1,402.17 (code B, -$1,402.17 in column (g)).`,
    );
  });
});

describe("reconcile: matching", () => {
  test("one sale from two lots, one form row: the lines split (d) by units; VARIOUS date acquired", async () => {
    // FIFO: s takes 1 ETH of b1 ($1,000) and 1 of b2 ($3,000) for $5,000 ($2,500 each).
    const L = ledger(
      `b1,2024-01-10T10:00:00Z,buy,${CB},,,ETH,1,1000,,,,,`,
      `b2,2025-01-10T10:00:00Z,buy,${CB},,,ETH,1,3000,,,,,`,
      `s,2025-03-10T10:00:00Z,sell,${CB},ETH,2,,,5000,,,,,`,
    );
    const F = form(
      "broker,account,asset_name,units,date_acquired,date_sold,proceeds,cost_basis,basis_reported",
      // The broker reports 5,010 (a $10 difference), basis 4,000 not reported.
      "Coinbase,77,ETH,2,VARIOUS,2025-03-10,5010,4000,false",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    // Box follows each lot: b1 long (K), b2 short (H). The $10 over the books goes 5/5 by units.
    expect(r.form8949.map(line)).toEqual([
      ["K", 250500n, 100000n, "E", -500n, 150000n],
      ["H", 250500n, 300000n, "E", -500n, -50000n],
    ]);
    expect(r.discrepancies[0]).toMatchObject({
      class: "proceeds_differ",
      termLedger: "short;long",
      adjustment: -1000n,
    });
  });

  test("several disposals of one day add up to one form row; ties go to the closest proceeds", async () => {
    const L = ledger(
      `b,2025-01-10T10:00:00Z,buy,${CB},,,ETH,4,8000,,,,,`,
      `s1,2025-03-10T10:00:00Z,sell,${CB},ETH,0.5,,,1000,,,,,`,
      `s2,2025-03-10T11:00:00Z,sell,${CB},ETH,0.5,,,1100,,,,,`,
      `s3,2025-03-11T10:00:00Z,sell,${CB},ETH,1,,,2000,,,,,`,
      `s4,2025-03-11T11:00:00Z,sell,${CB},ETH,1,,,2400,,,,,`,
    );
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported",
      "Coinbase,77,ETH,1,2025-03-10,2100,2000,true",
      // Two rows of 1 ETH on the 11th: 2,390 is closer to s4 (2,400), 2,000 to s3.
      "Coinbase,77,ETH,1,2025-03-11,2390,2000,true",
      "Coinbase,77,ETH,1,2025-03-11,2000,2000,true",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    expect(r.discrepancies.map((d) => [d.class, d.ledgerIds.join(";")])).toEqual([
      ["matched", "s1;s2"],
      ["proceeds_differ", "s4"],
      ["matched", "s3"],
    ]);
  });

  test("a day's disposals summed into one form row, beside a form row the books lack", async () => {
    const L = ledger(
      `b,2025-01-10T10:00:00Z,buy,${CB},,,ETH,4,8000,,,,,`,
      `s1,2025-03-10T10:00:00Z,sell,${CB},ETH,0.5,,,1000,,,,,`,
      `s2,2025-03-10T11:00:00Z,sell,${CB},ETH,0.5,,,1100,,,,,`,
    );
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported",
      "Coinbase,77,ETH,1,2025-03-10,2100,2000,true",
      "Coinbase,77,ETH,0.3,2025-03-10,600,600,true",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    expect(r.discrepancies.map((d) => [d.class, d.ledgerIds.join(";")])).toEqual([
      ["matched", "s1;s2"],
      ["form_only", ""],
    ]);
  });

  test("form rows summed into one disposal, beside a disposal no form reports", async () => {
    const L = ledger(
      `b,2025-01-10T10:00:00Z,buy,${CB},,,ETH,4,8000,,,,,`,
      `s1,2025-03-10T10:00:00Z,sell,${CB},ETH,1,,,2100,,,,,`,
      `s2,2025-03-10T11:00:00Z,sell,${CB},ETH,0.3,,,600,,,,,`,
    );
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported",
      "Coinbase,77,ETH,0.6,2025-03-10,1260,1200,true",
      "Coinbase,77,ETH,0.4,2025-03-10,840,800,true",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    expect(r.discrepancies.map((d) => [d.class, d.ledgerIds.join(";")])).toEqual([
      ["matched", "s1"],
      ["matched", "s1"],
      ["ledger_only", "s2"],
    ]);
  });

  test("a transaction id decides between equal units", async () => {
    const L = ledger(
      `b,2025-01-10T10:00:00Z,buy,${CB},,,ETH,2,4000,,,,,`,
      `cb-111,2025-03-11T10:00:00Z,sell,${CB},ETH,1,,,2000,,,,,`,
      `cb-222,2025-03-11T11:00:00Z,sell,${CB},ETH,1,,,2400,,,,,`,
    );
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds,transaction_id",
      // Proceeds alone would pair these the other way round.
      "Coinbase,77,ETH,1,2025-03-11,2390,CB-111",
      "Coinbase,77,ETH,1,2025-03-11,2010,cb-222",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    expect(r.discrepancies.map((d) => d.ledgerIds.join(";"))).toEqual(["cb-111", "cb-222"]);
  });

  test("a sale and its same-asset fee: the fee units are part of box 1c", async () => {
    // Sell 1 ETH for $3,000 paying 0.01 ETH ($30) in fees: one disposal of 1.01 ETH, proceeds 3,000.
    const L = ledger(
      `b,2025-01-10T10:00:00Z,buy,${CB},,,ETH,2,4000,,,,,`,
      `s,2025-03-11T10:00:00Z,sell,${CB},ETH,1,,,3000,ETH,0.01,30,,`,
    );
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported",
      "Coinbase,77,ETH,1.01,2025-03-11,3000,2020,true",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    // Basis 1.01 × 2,000 = 2,020: matched.
    expect(r.discrepancies[0]!.class).toBe("matched");
    expect(r.form8949.map(line)).toEqual([["G", 300000n, 202000n, "", undefined, 98000n]]);
  });
});

describe("reconcile: descriptions use the display symbol (docs/prices.md)", () => {
  // A token configured as TKA: column (a) says `500 TKA`, not `500 evm:31337:0xe7f1…`, on a line
  // that matched its form row whole and on lines split across form rows (issue 16's demo rows).
  const TKA = "evm:31337:0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
  const L = ledger(
    `b,2025-01-10T10:00:00Z,buy,${CB},,,${TKA},1500,1500,,,,,`,
    `s1,2025-03-01T10:00:00Z,sell,${CB},${TKA},500,,,600,,,,,`,
    `s2,2025-04-01T10:00:00Z,sell,${CB},${TKA},1000,,,1100,,,,,`,
  );
  const F = form(
    "broker,account,checkbox,asset_name,units,date_sold,proceeds,cost_basis",
    "Coinbase,77,H,TKA,500,2025-03-01,600.00,500.00",
    // s2 reported as two rows of 400 and 600 units (proceeds 1,100 × 0.4 = 440, × 0.6 = 660).
    "Coinbase,77,H,TKA,400,2025-04-01,440.00,400.00",
    "Coinbase,77,H,TKA,600,2025-04-01,660.00,600.00",
  );
  test("whole and split lines", async () => {
    const displaySymbol = (a: string) => (a === TKA ? "TKA" : a);
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025, displaySymbol });
    expect(r.form8949.map((x) => x.description).sort()).toEqual(["400 TKA", "500 TKA", "600 TKA"]);
  });
});

describe("reconcile: a row with several differences explains each of them", () => {
  // Books: 0.5 ETH of b1 (1 ETH bought 2024-01-10 for $2,000: basis $1,000, long) sold 2025-03-04
  // for $1,500 less a $10 fee: proceeds $1,490, gain $490.
  const L = ledger(
    `b1,2024-01-10T12:00:00Z,buy,${CB},,,ETH,1,2000,,,,,`,
    `s1,2025-03-04T15:00:00Z,sell,${CB},ETH,0.5,,,1500,USD,,10,,0xs1`,
  );

  test("term, basis and proceeds (BET): the sentence names the basis and the fee, not only the term", async () => {
    // The form says short, basis $800 reported (box 2), proceeds $1,500 (the fee not netted).
    // J: (e) 800, (g) = B (800 − 1,000 = −200) + E (1,490 − 1,500 = −10) = −210, (h) 490.
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term",
      "Coinbase,77,ETH,0.5,2025-03-04,1500.00,800.00,true,short",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    expect(r.form8949.map(line)).toEqual([["J", 150000n, 80000n, "BET", -21000n, 49000n]]);
    const why = r.discrepancies[0]!.explanation;
    expect(r.discrepancies[0]!.class).toBe("term_differs");
    expect(why).toContain("as short-term; your books held these units more than a year");
    expect(why).toContain("Box 1g also differs: basis $800.00; your books' basis is $1,000.00 (code B).");
    expect(why).toContain(
      "Box 1f also differs: proceeds $1,500.00; your books have $1,490.00 (s1, tx 0xs1): the $10.00 difference is a transaction cost not reflected in box 1f (your books record a fee of $10) (code E).",
    );
  });

  test("basis and proceeds on H (BE): the proceeds difference is explained, not only the basis", async () => {
    // H/K: (e) is the books' 1,000 and B adds 0; E −10: (g) −10, (h) 1,500 − 1,000 − 10 = 490.
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term",
      "Coinbase,77,ETH,0.5,2025-03-04,1500.00,800.00,false,long",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    expect(r.form8949.map(line)).toEqual([["K", 150000n, 100000n, "BE", -1000n, 49000n]]);
    const why = r.discrepancies[0]!.explanation;
    expect(r.discrepancies[0]!.class).toBe("basis_differs");
    expect(why).toContain("Coinbase reports basis $800.00 for 0.5 ETH sold 2025-03-04");
    expect(why).toContain("Box 1f also differs: proceeds $1,500.00; your books have $1,490.00 (s1, tx 0xs1)");
    expect(why).not.toContain("Box 1g also differs");
  });

  test("a single difference gets no extra sentence", async () => {
    const F = form(
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term",
      "Coinbase,77,ETH,0.5,2025-03-04,1490.00,800.00,true,long",
    );
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    expect(r.discrepancies[0]!.class).toBe("basis_differs");
    expect(r.discrepancies[0]!.explanation).not.toContain("also differs");
  });
});

describe("reconcile: a day's sales summed into one form row, beside a withdrawal's network fee", () => {
  // Books: lot b1 (2 ETH bought 2024-01-10 for $4,000: $2,000 each, long by 2025-05-05). That day
  // s1 sells 0.1 for $300 and s2 0.2 for $600; t1 withdraws 0.5 ETH paying a 0.001 ETH network fee
  // (a disposal t1:fee, proceeds $3, basis $2). Coinbase reports the day's sales as one row of
  // 0.3 ETH for $900 and never reports the fee: 0.3 ≠ 0.301, the day does not add up.
  const L = ledger(
    `b1,2024-01-10T12:00:00Z,buy,${CB},,,ETH,2,4000,,,,,`,
    `s1,2025-05-05T09:00:00Z,sell,${CB},ETH,0.1,,,300,,,,,`,
    `s2,2025-05-05T10:00:00Z,sell,${CB},ETH,0.2,,,600,,,,,`,
    `t1,2025-05-05T11:00:00Z,transfer,${CB},ETH,0.5,,,,ETH,0.001,3,${A},0xwd`,
  );
  const F = form(
    "broker,account,asset_name,units,date_sold,proceeds",
    "Coinbase,77,ETH,0.3,2025-05-05,900.00",
  );

  test("the sales match the row; the fee alone stays ledger_only in box L", async () => {
    const r = await reconcileCsv(L, formsFrom(F, CB), { year: 2025 });
    // It was form_only for the row and ledger_only for s1, s2 and t1:fee (all in L, INCOMPLETE).
    expect(r.discrepancies.map((d) => [d.class, d.ledgerIds.join(";")])).toEqual([
      ["basis_missing", "s1;s2"],
      ["ledger_only", "t1:fee"],
    ]);
    // K (long, box 2 not checked): s1 300 − 200 = 100, s2 600 − 400 = 200; the fee 3 − 2 = 1 in L.
    expect(r.form8949.map(line)).toEqual([
      ["K", 30000n, 20000n, "", undefined, 10000n],
      ["K", 60000n, 40000n, "", undefined, 20000n],
      ["L", 300n, 200n, "", undefined, 100n],
    ]);
    expect(r.complete).toBe(true);
    expect(r.gain).toBe(r.booksGain);
  });
});
