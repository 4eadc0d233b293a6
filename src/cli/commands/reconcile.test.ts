/**
 * `lotwise forms …`, `lotwise reconcile` and `lotwise gains` with imported forms, in process, on
 * the sample files of test/samples/forms (expected figures worked out by hand below).
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runInProcess } from "../../../test/cli.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const samples = path.join(root, "test/samples/forms");

const workspace = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "lotwise-reconcile-"));
  for (const f of [
    "coinbase-1099da-2025.csv",
    "ledger-coinbase-2025.csv",
    "coinbase-gainloss-2025.csv",
    "ledger-coinbase-btc-2025.csv",
  ])
    copyFileSync(path.join(samples, f), path.join(dir, f));
  const lotwise = (...args: string[]) =>
    runInProcess(
      ["--no-progress", ...args],
      { LOTWISE_DATA_DIR: path.join(dir, "data") },
      { seed: path.join(dir, "data") },
    );
  return { dir, at: (f: string) => path.join(dir, f), lotwise };
};

const FORM_8949_HEADER =
  "disposal_id,lot_id,wallet,asset,quantity,date_acquired,date_sold,proceeds,cost_basis,adjustment_code,adjustment_amount,gain,term,box,description";

/*
 * The ETH sample, books (FIFO, transition; allocation on 2025-01-01 keeps cb-1 on Coinbase and
 * hw-1 in the hardware wallet):
 * - cb-2 sells 0.5 ETH by specific identification of hw-1 (bought 2024-11-02 for 1,395.17 + 7.00
 *   = 1,402.17, moved to Coinbase on 2025-02-01): proceeds 1,100 − 8.25 = 1,091.75, short,
 *   gain −310.42. Coinbase reports basis 0, box 2 unchecked: H, code B, (e) 1,402.17, (g) 0.
 * - cb-3 sells 1 ETH of cb-1 (2 ETH for 7,012.40 + 27.60 = 7,040: 3,520 each, 2024-03-15): long,
 *   proceeds 3,600 − 14.40 = 3,585.60, gain 65.60. Coinbase reports 3,600 (fee not netted): K,
 *   code E, (g) 3,585.60 − 3,600 = −14.40.
 * - cb-7 sells the 100 USDC bought for 100: matched, H, gain 0.
 * - cb-4 sells 0.25 ETH of cb-1 (basis 880) for 750, long, gain −130; the form says short: K, T.
 * - cb-5 sells 0.25 ETH of cb-1 for 800 (gain −80): no form row, box L (ledger_only).
 * - The form's 0.1 SOL sale has no disposal in the books: form_only, not on Form 8949.
 * Column (h) total: −310.42 + 65.60 + 0 − 130 − 80 = −454.82, the books' gain.
 */
const ETH_FORM_8949 = [
  FORM_8949_HEADER,
  "cb-2,hw-1,coinbase:main,ETH,0.5,2024-11-02,2025-03-04,1091.75,1402.17,B,0.00,-310.42,short,H,0.5 ETH",
  "cb-3,cb-1,coinbase:main,ETH,1,2024-03-15,2025-06-10,3600.00,3520.00,E,-14.40,65.60,long,K,1 ETH",
  "cb-7,cb-6,coinbase:main,USDC,100,2025-09-09,2025-10-10,100.00,100.00,,,0.00,short,H,100 USDC",
  "cb-4,cb-1,coinbase:main,ETH,0.25,2024-03-15,2025-11-20,750.00,880.00,T,0.00,-130.00,long,K,0.25 ETH",
  "cb-5,cb-1,coinbase:main,ETH,0.25,2024-03-15,2025-12-01,800.00,880.00,,,-80.00,long,L,0.25 ETH",
  "",
].join("\n");

describe("lotwise forms and reconcile on the stored ledger", () => {
  // One workspace for both tests (each CLI run opens the embedded database: keep them few).
  const w = workspace();
  test("import, reconcile, and gains routes the same rows to boxes H/K", async () => {
    // No account yet: a clear error, nothing stored.
    const early = await w.lotwise(
      "forms",
      "import",
      w.at("coinbase-1099da-2025.csv"),
      "--account",
      "coinbase:main",
    );
    expect(early.code).toBe(2);
    expect(early.err).toContain("lotwise wallets add");
    expect(
      (await w.lotwise("ledger", "import", w.at("ledger-coinbase-2025.csv"), "--name", "coinbase")).code,
    ).toBe(0);

    const imp = await w.lotwise(
      "forms",
      "import",
      w.at("coinbase-1099da-2025.csv"),
      "--account",
      "coinbase:main",
    );
    expect(imp.err).toBe("");
    expect(imp.code).toBe(0);
    expect(imp.out).toMatch(
      /^imported 5 row\(s\) from .*coinbase-1099da-2025\.csv \(1099da\) for coinbase:main as import #1 \(tax year 2025\)\n$/,
    );
    const again = await w.lotwise(
      "forms",
      "import",
      w.at("coinbase-1099da-2025.csv"),
      "--account",
      "coinbase:main",
    );
    expect(again.out).toContain("nothing new: all 5 row(s)");
    expect((await w.lotwise("forms", "list")).out).toMatch(
      /^#1 .*1099da {2}coinbase:main {2}Coinbase \(account 4417-2290\) {2}tax year 2025 {2}5 row\(s\)/,
    );

    const out = w.at("rec");
    const r = await w.lotwise("reconcile", "--year", "2025", "--out", out);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(out, "form8949.csv"), "utf8")).toBe(ETH_FORM_8949);

    const disc = readFileSync(path.join(out, "discrepancies.csv"), "utf8").trim().split("\n");
    expect(disc[0]).toBe(
      "class,broker,account,form_line,ledger_ids,asset,date_sold,units_form,units_ledger,proceeds_form,proceeds_ledger,basis_form,basis_ledger,term_form,term_ledger,adjustment_codes,adjustment_amount,explanation",
    );
    const file = w.at("coinbase-1099da-2025.csv");
    expect(disc.slice(1).map((l) => l.split(",").slice(0, 17).join(","))).toEqual([
      `basis_differs,Coinbase,4417-2290,${file}:2,cb-2,ETH,2025-03-04,0.5,0.5,1091.75,1091.75,0.00,1402.17,short,short,B,0.00`,
      `proceeds_differ,Coinbase,4417-2290,${file}:3,cb-3,ETH,2025-06-10,1,1,3600.00,3585.60,3520.00,3520.00,long,long,E,-14.40`,
      `term_differs,Coinbase,4417-2290,${file}:4,cb-4,ETH,2025-11-20,0.25,0.25,750.00,750.00,880.00,880.00,short,long,T,0.00`,
      `form_only,Coinbase,4417-2290,${file}:5,,SOL,2025-08-08,0.1,,15.00,,,,,,,`,
      `matched,Coinbase,4417-2290,${file}:6,cb-7,USDC,2025-10-10,100,100,100.00,100.00,100.00,100.00,short,short,,`,
      "ledger_only,Coinbase,4417-2290,,cb-5,ETH,2025-12-01,,0.25,,800.00,,880.00,,long,,",
    ]);
    expect(disc[1]).toContain(
      "Coinbase reports basis $0.00 for 0.5 ETH sold 2025-03-04: these units came in from your wallet ethereum:0x71C7656EC7ab88b098defB751B7401B5f6d8976F on 2025-02-01 (tx 0x9b2c4e6f8a0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f60718293a4b), bought 2024-11-02 for $1,402.17",
    );

    const json = JSON.parse(readFileSync(path.join(out, "reconciliation.json"), "utf8"));
    expect(json).toMatchObject({
      tax_year: 2025,
      method: "fifo",
      scope: "transition",
      complete: false,
      accounts: ["coinbase:main"],
      total_adjustment: "-14.40",
      gain: "-454.82",
      books_gain: "-454.82",
    });
    expect(json.incomplete_reason).toContain("form_only");
    expect(Object.keys(json.classes)).toEqual([
      "form_only",
      "ledger_only",
      "term_differs",
      "basis_differs",
      "proceeds_differ",
      "basis_missing",
      "matched",
    ]);
    expect(json.classes.basis_differs).toEqual({
      count: 1,
      form_rows: 1,
      disposals: 1,
      proceeds_form: "1091.75",
      proceeds_ledger: "1091.75",
      basis_form: "0.00",
      basis_ledger: "1402.17",
      adjustment: "0.00",
    });
    expect(json.classes.ledger_only).toMatchObject({
      count: 1,
      form_rows: 0,
      disposals: 1,
      proceeds_ledger: "800.00",
    });
    // Line 2 (box H): cb-2 and cb-7; line 9 (box K): cb-3 and cb-4; line 10 (box L): cb-5.
    expect(json.schedule_d).toEqual({
      line_1b: { rows: 0, proceeds: "0.00", cost_basis: "0.00", adjustments: "0.00", gain: "0.00" },
      line_2: { rows: 2, proceeds: "1191.75", cost_basis: "1502.17", adjustments: "0.00", gain: "-310.42" },
      line_3: { rows: 0, proceeds: "0.00", cost_basis: "0.00", adjustments: "0.00", gain: "0.00" },
      line_8b: { rows: 0, proceeds: "0.00", cost_basis: "0.00", adjustments: "0.00", gain: "0.00" },
      line_9: { rows: 2, proceeds: "4350.00", cost_basis: "4400.00", adjustments: "-14.40", gain: "-64.40" },
      line_10: { rows: 1, proceeds: "800.00", cost_basis: "880.00", adjustments: "0.00", gain: "-80.00" },
    });

    // The summary: classes, the largest difference first (the 1,402.17 basis), the incomplete return.
    expect(r.out).toContain("basis_differs            1          1");
    expect(r.out).toMatch(/Largest differences first:\n {2}1\. basis_differs .*coinbase-1099da-2025\.csv:2/);
    expect(r.out).toContain("column (h) total -$454.82, equal to lotwise gains");
    expect(r.out).toContain("INCOMPLETE: Form 8949 is incomplete: 1 form row(s)");

    // lotwise gains: the same Form 8949 and the same total; Schedule D lines 2, 9, 10 in summary.json.
    const g = await w.lotwise("gains", "--year", "2025", "--out", w.at("gains"));
    expect(g.code).toBe(0);
    expect(readFileSync(w.at("gains/form8949.csv"), "utf8")).toBe(ETH_FORM_8949);
    const summary = JSON.parse(readFileSync(w.at("gains/summary.json"), "utf8"));
    expect(summary.short_term).toEqual({
      proceeds: "1191.75",
      cost_basis: "1502.17",
      adjustments: "0.00",
      gain: "-310.42",
    });
    expect(summary.long_term).toEqual({
      proceeds: "5150.00",
      cost_basis: "5280.00",
      adjustments: "-14.40",
      gain: "-144.40",
    });
    expect(summary.net).toBe("-454.82");
    expect(summary.schedule_d.line_9).toEqual({
      proceeds: "4350.00",
      cost_basis: "4400.00",
      adjustments: "-14.40",
      gain: "-64.40",
      rows: 2,
    });
    expect(summary.warnings.map((x: { code: string }) => x.code)).toEqual(["form_only"]);
    expect(g.out).toMatch(
      /2 +Form 8949 box H \(short, 1099-DA basis not reported\), 2 rows +1191\.75 +1502\.17 +0\.00 +\(310\.42\)/,
    );

    // lotwise report: the same rows in the same boxes (grouped by box), codes and amounts.
    const rep = await w.lotwise("report", "--year", "2025", "--format", "csv", "--out", w.at("report"));
    expect(rep.err).toBe("");
    expect(rep.code).toBe(0);
    const lines = readFileSync(w.at("report/form8949-2025.csv"), "utf8").trim().split("\n").slice(1);
    expect(
      lines.map((l) => {
        const c = l.split(",");
        return [c[1], c[13], c[7], c[8], c[9]].join(" ");
      }),
    ).toEqual([
      "H cb-2 B 0.00 -310.42",
      "H cb-7   0.00",
      "K cb-3 E -14.40 65.60",
      "K cb-4 T 0.00 -130.00",
      "L cb-5   -80.00",
    ]);
  }, 120_000);

  test("a corrected form replaces the earlier row; remove by import; bad files store nothing", async () => {
    // CORRECTED 1099-DA for CB-90b3e511: Coinbase now nets the $14.40 fee.
    const corrected = w.at("corrected.csv");
    writeFileSync(
      corrected,
      readFileSync(w.at("coinbase-1099da-2025.csv"), "utf8").replace(
        ",3600.00,3520.00,",
        ",3585.60,3520.00,",
      ),
    );
    const c = await w.lotwise("forms", "import", corrected, "--account", "coinbase:main");
    expect(c.out).toContain("imported 1 row(s)");
    expect(c.out).toContain("1 earlier row(s) replaced by corrected forms; 4 row(s) were already stored");
    const r = await w.lotwise("reconcile", "--year", "2025", "--out", w.at("rec"));
    expect(r.code).toBe(0);
    const lines = readFileSync(w.at("rec/form8949.csv"), "utf8").split("\n");
    expect(lines[2]).toBe(
      "cb-3,cb-1,coinbase:main,ETH,1,2024-03-15,2025-06-10,3585.60,3520.00,,,65.60,long,K,1 ETH",
    );
    expect(readFileSync(w.at("rec/discrepancies.csv"), "utf8")).toContain(
      `matched,Coinbase,4417-2290,${corrected}:3,cb-3`,
    );

    const bad = w.at("bad.csv");
    writeFileSync(
      bad,
      "broker,account,asset_name,units,date_sold,proceeds\nCoinbase,1,ETH,abc,2025-01-01,10\nCoinbase,1,ETH,1,01/32/2025,10\n",
    );
    const b = await w.lotwise("forms", "import", bad, "--account", "coinbase:main");
    expect(b.code).toBe(2);
    expect(b.err).toBe(
      `${bad}:2: units: "abc" is not a plain decimal number\n${bad}:3: date_sold: "01/32/2025" is not a calendar date\nnothing was imported\n`,
    );
    const list = await w.lotwise("forms", "list");
    expect(list.out.trim().split("\n")).toHaveLength(2);

    expect((await w.lotwise("forms", "remove")).code).toBe(2);
    const rm = await w.lotwise("forms", "remove", "--import", "1");
    expect(rm.out).toBe("removed 4 form row(s)\n");
    const left = await w.lotwise("forms", "list", "--rows", "--json");
    expect(
      JSON.parse(left.out).map(
        (x: { sourceFile: string; line: number }) => `${path.basename(x.sourceFile)}:${x.line}`,
      ),
    ).toEqual(["corrected.csv:3"]);
    expect((await w.lotwise("reconcile", "--year", "2024", "--out", w.at("none"))).err).toContain(
      "no Form 1099-DA rows for 2024",
    );
  }, 120_000);
});

describe("lotwise reconcile --ledger with Coinbase's gain/loss report", () => {
  test("per-lot rows and Fee rows against a sale whose fee was paid in BTC", async () => {
    const w = workspace();
    await w.lotwise("ledger", "import", w.at("ledger-coinbase-btc-2025.csv"), "--name", "coinbase");
    const imp = await w.lotwise(
      "forms",
      "import",
      w.at("coinbase-gainloss-2025.csv"),
      "--account",
      "coinbase:main",
    );
    expect(imp.out).toContain("imported 4 row(s)");
    expect(imp.out).toContain("(coinbase-gainloss)");
    const r = await w.lotwise(
      "reconcile",
      "--year",
      "2025",
      "--out",
      w.at("rec"),
      "--ledger",
      w.at("ledger-coinbase-btc-2025.csv"),
    );
    expect(r.err).toBe("");
    /*
     * Books (FIFO): the sale disposes 0.015 + 0.0001 fee = 0.0151 BTC for 1,500: 0.01 of the
     * 2024-12-02 lot (basis 960, long, proceeds 1,500 × 0.01/0.0151 = 993.38) and 0.0051 of the
     * 2025-02-03 lot (basis 515.10, short, proceeds 506.62). Coinbase reports the sale per lot
     * (1,000 and 500) plus its BTC fee as a Fee row (10.00): 1,510 in all, the fee not netted.
     * The three rows add up to 0.0151 BTC. The books' short row splits 0.005 : 0.0001 (50 : 1):
     * proceeds 496.69 / 9.93, basis 505.00 / 10.10. (g) = books − reported: −6.62, −3.31, −0.07
     * (E, −10.00 in all). The send's 0.00002 BTC network fee (basis 2.02, proceeds 2.00) matches
     * Coinbase's second Fee row.
     */
    const id = "8c3f2a4b-2d3e-4f60-ab12-3c4d5e6f7081";
    expect(readFileSync(w.at("rec/form8949.csv"), "utf8")).toBe(
      [
        FORM_8949_HEADER,
        `${id},6a1f0d2e-0b1c-4d5e-8f90-1a2b3c4d5e6f,coinbase:main,BTC,0.01,2024-12-02,2025-12-05,1000.00,960.00,E,-6.62,33.38,long,K,0.01 BTC`,
        `${id},7b2e1f3a-1c2d-4e5f-9a01-2b3c4d5e6f70,coinbase:main,BTC,0.005,2025-02-03,2025-12-05,500.00,505.00,E,-3.31,-8.31,short,H,0.005 BTC`,
        `${id},7b2e1f3a-1c2d-4e5f-9a01-2b3c4d5e6f70,coinbase:main,BTC,0.0001,2025-02-03,2025-12-05,10.00,10.10,E,-0.07,-0.17,short,H,0.0001 BTC`,
        "9d4a3b5c-3e4f-4061-bc23-4d5e6f708192:fee,7b2e1f3a-1c2d-4e5f-9a01-2b3c4d5e6f70,coinbase:main,BTC,0.00002,2025-02-03,2025-12-10,2.00,2.02,,,-0.02,short,H,0.00002 BTC",
        "",
      ].join("\n"),
    );
    const disc = readFileSync(w.at("rec/discrepancies.csv"), "utf8").trim().split("\n").slice(1);
    expect(disc.map((l) => l.split(",").slice(0, 5).join(","))).toEqual([
      `proceeds_differ,Coinbase,5f3e0c11-2b7a-4c4e-9d1a-0e8b9f6a7c21,${w.at("coinbase-gainloss-2025.csv")}:7,${id}`,
      `proceeds_differ,Coinbase,5f3e0c11-2b7a-4c4e-9d1a-0e8b9f6a7c21,${w.at("coinbase-gainloss-2025.csv")}:8,${id}`,
      `proceeds_differ,Coinbase,5f3e0c11-2b7a-4c4e-9d1a-0e8b9f6a7c21,${w.at("coinbase-gainloss-2025.csv")}:9,${id}`,
      `matched,Coinbase,5f3e0c11-2b7a-4c4e-9d1a-0e8b9f6a7c21,${w.at("coinbase-gainloss-2025.csv")}:10,9d4a3b5c-3e4f-4061-bc23-4d5e6f708192:fee`,
    ]);
    const json = JSON.parse(readFileSync(w.at("rec/reconciliation.json"), "utf8"));
    // 33.38 − 8.31 − 0.17 − 0.02 = 24.88 = the books' 33.38 − 8.48 − 0.02.
    expect(json).toMatchObject({
      complete: true,
      gain: "24.88",
      books_gain: "24.88",
      total_adjustment: "-10.00",
    });
    expect(json.adjustment_by_code).toEqual({ B: "0.00", D: "0.00", E: "-10.00", T: "0.00", W: "0.00" });
  }, 120_000);

  test("a bad ledger file or no forms for the year: the error as the command prints it, exit 2, no files", async () => {
    const w = workspace();
    await w.lotwise("ledger", "import", w.at("ledger-coinbase-btc-2025.csv"), "--name", "coinbase");
    await w.lotwise("forms", "import", w.at("coinbase-gainloss-2025.csv"), "--account", "coinbase:main");
    // The engine's pass over the file fails (on the reconcile thread when dist/ is built).
    const text = readFileSync(w.at("ledger-coinbase-btc-2025.csv"), "utf8").trim().split("\n");
    const header = text[0]!.split(",");
    const cells = text[1]!.split(",");
    cells[header.indexOf("time")] = "yesterday";
    writeFileSync(w.at("bad.csv"), `${[text[0], cells.join(","), ...text.slice(2)].join("\n")}\n`);
    const bad = await w.lotwise(
      "reconcile",
      "--year",
      "2025",
      "--out",
      w.at("bad-out"),
      "--ledger",
      w.at("bad.csv"),
    );
    expect(bad.code).toBe(2);
    expect(bad.out).toBe("");
    expect(bad.err.startsWith(`${w.at("bad.csv")}:2: time: `)).toBe(true);
    expect(() => readFileSync(w.at("bad-out/form8949.csv"))).toThrow();
    const missing = await w.lotwise(
      "reconcile",
      "--year",
      "2025",
      "--out",
      w.at("m"),
      "--ledger",
      w.at("nope.csv"),
    );
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`lotwise: ${w.at("nope.csv")}: no such file\n`);
    const none = await w.lotwise(
      "reconcile",
      "--year",
      "2024",
      "--out",
      w.at("n"),
      "--ledger",
      w.at("bad.csv"),
    );
    expect(none.code).toBe(2);
    expect(none.err).toContain("no Form 1099-DA rows for 2024");
  }, 120_000);
});

describe("a form for an account with no ledger rows", () => {
  test("reconcile and gains agree on an empty stored ledger: every row form_only, (h) total 0", async () => {
    const w = workspace();
    expect((await w.lotwise("wallets", "add", "coinbase:main")).code).toBe(0);
    const form = w.at("form.csv");
    writeFileSync(
      form,
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis\nCoinbase,123,ETH,0.5,2025-03-04,1500.00,\n",
    );
    expect((await w.lotwise("forms", "import", form, "--account", "coinbase:main")).code).toBe(0);
    const r = await w.lotwise("reconcile", "--year", "2025", "--out", w.at("rec"));
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(w.at("rec/reconciliation.json"), "utf8"))).toMatchObject({
      complete: false,
      gain: "0.00",
      classes: { form_only: { count: 1, form_rows: 1, proceeds_form: "1500.00" } },
    });
    // `lotwise gains` for the same year gives the same (h) total and the same warning; it used to
    // stop with "the stored ledger is empty" (exit 2) although reconcile said they were equal.
    const g = await w.lotwise("gains", "--year", "2025", "--out", w.at("g"));
    expect(g.err).toBe("");
    expect(g.code).toBe(0);
    expect(readFileSync(w.at("g/form8949.csv"), "utf8")).toBe(`${FORM_8949_HEADER}\n`);
    const summary = JSON.parse(readFileSync(w.at("g/summary.json"), "utf8"));
    expect(summary.net).toBe("0.00");
    expect(summary.warnings.map((x: { code: string; id: string }) => `${x.code} ${x.id}`)).toEqual([
      `form_only ${form}:2`,
    ]);
    // A year without forms still needs a ledger.
    const none = await w.lotwise("gains", "--year", "2024", "--out", w.at("g2"));
    expect(none.code).toBe(2);
    expect(none.err).toContain("the stored ledger is empty");

    // `lotwise report` likewise: no rows, the form_only warning; an error without forms.
    const rep = await w.lotwise("report", "--year", "2025", "--format", "csv", "--out", w.at("rep"));
    expect(rep.err).toBe("");
    expect(rep.code).toBe(0);
    expect(rep.out).toContain(
      "Tax year 2025: 0 Form 8949 row(s); net short-term 0.00, net long-term 0.00, net 0.00; 1 warning(s)",
    );
    expect(readFileSync(w.at("rep/form8949-2025.csv"), "utf8").trim().split("\n")).toHaveLength(1);
    const noRep = await w.lotwise("report", "--year", "2024", "--format", "csv", "--out", w.at("rep2"));
    expect(noRep.code).toBe(2);
    expect(noRep.err).toContain("the stored ledger is empty");
  }, 120_000);
});
