import { describe, expect, test } from "vitest";
import { pdfText, renderedPageCount, writeTempPdf } from "../../test/poppler.ts";
import { parseLedgerCsv } from "../ledger/read.ts";
import { createCallbackProgress } from "../ui/progress.ts";
import { renderForm8949Pdf } from "./pdf.ts";
import { prepareReport } from "./prepare.ts";
import { LEDGER_HEADER as HEADER, summaryOf } from "./report.test-support.ts";
import type { ReportInput, ReportRow } from "./types.ts";

/** The `lotwise gains` test ledger: 2025 has two short-term rows (box I) and one long-term (box L). */
const SMALL = [
  HEADER,
  "b1,2024-01-31T10:00:00Z,buy,cb:main,,,ETH,2,4000,USD,,10,,,",
  "i1,2024-03-01T00:00:00Z,income,ledger:1,,,ETH,0.5,1500,,,,,,staking",
  "t1,2024-06-01T00:00:00Z,transfer,cb:main,ETH,1,,,,ETH,0.01,30,ledger:1,,",
  "s1,2025-01-31T10:00:00Z,sell,cb:main,ETH,0.5,,,1500,USD,,5,,,",
  "s2,2025-02-01T10:00:00Z,sell,ledger:1,ETH,1.2,,,3600,,,,,,",
].join("\n");

/** Renders, writes and reads back: page count from pdftoppm, text per page from pdftotext. */
const render = async (input: ReportInput) => {
  const file = writeTempPdf((await renderForm8949Pdf(input)).bytes);
  const pages = renderedPageCount(file);
  return { pages, page: (n: number) => pdfText(file, n), all: () => pdfText(file) };
};

/** One line of the text matching all `parts` in order, separated by blanks. */
const row = (...parts: string[]) =>
  new RegExp(parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s+"));

describe("renderForm8949Pdf()", () => {
  test("a small ledger: cover statement, one Part I page (box I) and one Part II page (box L) with their totals", async () => {
    const input = prepareReport(parseLedgerCsv(SMALL), { year: 2025, source: "ledger.csv" });
    const pdf = await render(input);
    expect(pdf.pages).toBe(3);

    // Cover: method, scope, Schedule D lines. By hand: s1 sells 0.5 of b1 (basis 4010/2 per ETH)
    // for 1500 − 5: 1495.00 − 1002.50 = 492.50 short (held exactly one year); s2 sells 1 of b1
    // (long, 3000.00 − 2005.00 = 995.00) and 0.2 of i1 (short, 600.00 − 600.00 = 0).
    const cover = pdf.page(1);
    expect(cover).toContain("Statement for Form 8949 and Schedule D, tax year 2025");
    expect(cover).toMatch(/Cost basis method\s+FIFO/);
    expect(cover).toMatch(/Lot scope\s+transition/);
    expect(cover).toMatch(
      row("3", "Totals of Form 8949 with box C or I checked", "2,095.00", "1,602.50", "0.00", "492.50"),
    );
    expect(cover).toMatch(
      row("10", "Totals of Form 8949 with box F or L checked", "3,000.00", "2,005.00", "0.00", "995.00"),
    );
    expect(cover).toMatch(row("7", "Net short-term capital gain or (loss)", "492.50"));
    expect(cover).toMatch(row("15", "Net long-term capital gain or (loss)", "995.00"));
    expect(cover).toMatch(row("16", "Net capital gain or (loss): line 7 + line 15", "1,487.50"));
    expect(cover).toContain("Not recorded: the ledger names no price source");
    expect(cover).toContain("Warnings (0)");

    const partI = pdf.page(2);
    expect(partI).toContain("Form 8949");
    expect(partI).toContain("Part I");
    expect(partI).toContain("Name(s) shown on return");
    expect(partI).toContain("Social security number or taxpayer identification number");
    expect(partI).toMatch(/X\s+\(I\) Short-term digital asset transactions/);
    for (const other of ["A", "B", "C", "G", "H"])
      expect(partI).not.toMatch(new RegExp(`X\\s+\\(${other}\\)`));
    expect(partI).toMatch(row("0.5 ETH", "01/31/2024", "01/31/2025", "1,495.00", "1,002.50", "492.50"));
    expect(partI).toMatch(row("0.2 ETH", "03/01/2024", "02/01/2025", "600.00", "600.00", "0.00"));
    expect(partI).toMatch(row("2,095.00", "1,602.50", "492.50"));
    expect(partI).toContain("Page 2 of 3");

    const partII = pdf.page(3);
    expect(partII).toContain("Part II");
    expect(partII).toMatch(/X\s+\(L\) Long-term digital asset transactions/);
    expect(partII).toMatch(row("1 ETH", "01/31/2024", "02/01/2025", "3,000.00", "2,005.00", "995.00"));
    expect(partII).toMatch(/line 10 \(if Box F or L above is checked\)/);
    expect(partII).toContain("Page 3 of 3");
  });

  test("30 short-term rows continue on 3 pages of box I, each with its own line 2 totals", async () => {
    // 30 ETH bought for 3000 (100 each); sale k (k = 1…30) sells 1 ETH for 90 + k, a gain of k − 10.
    const lines = [HEADER, "b1,2025-01-02T00:00:00Z,buy,w,,,ETH,30,3000,,,,,,"];
    for (let k = 1; k <= 30; k++) {
      const day = String(k).padStart(2, "0");
      lines.push(`s${k},2025-03-${day}T00:00:00Z,sell,w,ETH,1,,,${90 + k},,,,,,`);
    }
    const input = prepareReport(parseLedgerCsv(lines.join("\n")), { year: 2025 });
    expect(input.rows).toHaveLength(30);
    const pdf = await render(input);
    expect(pdf.pages).toBe(4);
    // Progress counts the Form 8949 pages as they are drawn.
    const seen: string[] = [];
    await renderForm8949Pdf(input, {
      progress: createCallbackProgress((p, finished) =>
        seen.push(`${p.done}/${p.total} ${p.unit}${finished ? " done" : ""}`),
      ),
    });
    expect(seen).toEqual(["1/3 pages", "2/3 pages", "3/3 pages", "3/3 pages done"]);
    // Page 1 of the box: k = 1…11, proceeds 91+…+101 = 1056, basis 1100, gain −44.
    const p1 = pdf.page(2);
    expect(p1).toMatch(row("1 ETH", "01/02/2025", "03/01/2025", "91.00", "100.00", "(9.00)"));
    expect(p1).toMatch(row("1,056.00", "1,100.00", "(44.00)"));
    expect(p1).toContain("Box I, sheet 1 of 3");
    // Page 2: k = 12…22, proceeds 102+…+112 = 1177, basis 1100, gain 77.
    const p2 = pdf.page(3);
    expect(p2).toMatch(row("1,177.00", "1,100.00", "77.00"));
    expect(p2).toContain("Box I, sheet 2 of 3");
    expect(p2).toMatch(/X\s+\(I\)/);
    // Page 3: k = 23…30 (8 rows), proceeds 113+…+120 = 932, basis 800, gain 132.
    const p3 = pdf.page(4);
    expect(p3).toMatch(row("932.00", "800.00", "132.00"));
    expect(p3).toContain("Box I, sheet 3 of 3: line 2 totals are the 8 rows of this sheet.");
    // Schedule D line 3 is the sum of the three pages: 3165.00, 3000.00, 165.00.
    expect(pdf.page(1)).toMatch(
      row("3", "Totals of Form 8949 with box C or I checked", "3,165.00", "3,000.00", "0.00", "165.00"),
    );
    expect(pdf.page(1)).toMatch(row("box I: 30 rows on 3 pages"));
  });

  test("all six digital-asset boxes: one page each, the right box checked, Schedule D lines per box", async () => {
    const mk = (
      box: ReportRow["box"],
      term: "short" | "long",
      proceeds: bigint,
      basis: bigint,
      k: number,
    ): ReportRow => ({
      disposalId: `d${k}`,
      lotId: `l${k}`,
      wallet: "w",
      asset: "BTC",
      quantity: "0.1",
      dateAcquired: term === "short" ? "2025-01-05" : "2023-01-05",
      dateSold: "2025-06-01",
      proceeds,
      costBasis: basis,
      adjustmentCode: box === "G" ? "B" : "",
      adjustment: box === "G" ? -1250n : undefined,
      gain: proceeds - basis + (box === "G" ? -1250n : 0n),
      term,
      box,
      description: `0.1 BTC (${box})`,
    });
    const rows = [
      mk("G", "short", 100_000n, 50_000n, 1), // 1000.00 − 500.00 − 12.50 = 487.50
      mk("H", "short", 200_000n, 250_000n, 2), // −500.00
      mk("I", "short", 30_000n, 10_000n, 3), // 200.00
      mk("J", "long", 400_000n, 100_000n, 4), // 3000.00
      mk("K", "long", 50_000n, 60_000n, 5), // −100.00
      mk("L", "long", 70_000n, 20_000n, 6), // 500.00
    ];
    const summary = summaryOf({
      method: "hifo",
      scope: "wallet",
      netShortTerm: 18_750n, // 487.50 − 500.00 + 200.00
      netLongTerm: 340_000n, // 3000.00 − 100.00 + 500.00
      net: 358_750n,
      warnings: [
        { code: "missing_basis", id: "d9", date: "2025-06-01", message: "row d9: 0.5 BTC with no basis" },
      ],
    });
    const pdf = await render({
      taxYear: 2025,
      rows,
      summary,
      priceSources: { defillama: 12, stablecoin: 3 },
      ledgerSource: "stored ledger",
    });
    expect(pdf.pages).toBe(7);
    const order = ["G", "H", "I", "J", "K", "L"];
    order.forEach((box, i) => {
      const t = pdf.page(i + 2);
      expect(t).toMatch(new RegExp(`X\\s+\\(${box}\\)`));
      expect(t).toContain(`0.1 BTC (${box})`);
      expect(t).toContain(i < 3 ? "Part I" : "Part II");
    });
    // Box G carries code B and a (12.50) adjustment, in the row and in line 2.
    expect(pdf.page(2)).toMatch(row("1,000.00", "500.00", "B", "(12.50)", "487.50"));
    expect(pdf.page(2)).toMatch(row("1,000.00", "500.00", "(12.50)", "487.50"));
    const cover = pdf.page(1);
    expect(cover).toMatch(
      row("1b", "Totals of Form 8949 with box A or G checked", "1,000.00", "500.00", "(12.50)", "487.50"),
    );
    expect(cover).toMatch(
      row("2", "Totals of Form 8949 with box B or H checked", "2,000.00", "2,500.00", "0.00", "(500.00)"),
    );
    expect(cover).toMatch(
      row("3", "Totals of Form 8949 with box C or I checked", "300.00", "100.00", "0.00", "200.00"),
    );
    expect(cover).toMatch(
      row("8b", "Totals of Form 8949 with box D or J checked", "4,000.00", "1,000.00", "0.00", "3,000.00"),
    );
    expect(cover).toMatch(
      row("9", "Totals of Form 8949 with box E or K checked", "500.00", "600.00", "0.00", "(100.00)"),
    );
    expect(cover).toMatch(
      row("10", "Totals of Form 8949 with box F or L checked", "700.00", "200.00", "0.00", "500.00"),
    );
    expect(cover).toMatch(row("16", "Net capital gain or (loss): line 7 + line 15", "3,587.50"));
    expect(cover).toMatch(/Cost basis method\s+HIFO/);
    expect(cover).toMatch(row("defillama: 12"));
    expect(cover).toMatch(row("stablecoin: 3"));
    expect(cover).toContain("Warnings (1)");
    expect(cover).toContain("[missing_basis] 2025-06-01 d9: row d9: 0.5 BTC with no basis");
  });

  test("before 2025 the form has boxes A–F only: a digital-asset row goes in box C", async () => {
    const ledger = [
      HEADER,
      "b1,2024-01-02T00:00:00Z,buy,w,,,ETH,1,100,,,,,,",
      "s1,2024-05-01T00:00:00Z,sell,w,ETH,1,,,80,,,,,,",
    ];
    const input = prepareReport(parseLedgerCsv(ledger.join("\n")), { year: 2024 });
    const pdf = await render(input);
    expect(pdf.pages).toBe(2);
    const form = pdf.page(2);
    // The 2024 form's own texts: box C then held digital assets, so it does not exclude them,
    // and nothing on the page mentions a Form 1099-DA (the 2025 form introduced it).
    expect(form).toMatch(/X\s+\(C\) Short-term transactions not reported to you on Form 1099-B/);
    expect(form).not.toContain("other than digital asset");
    expect(form).not.toContain("1099-DA");
    expect(form).toContain("Before you check Box A, B, or C below");
    expect(form).toMatch(/Note: If you checked Box A above but/);
    expect(form).not.toContain("(G)");
    expect(form).not.toContain("(I)");
    expect(form).toMatch(row("1 ETH", "01/02/2024", "05/01/2024", "80.00", "100.00", "(20.00)"));
    expect(pdf.page(1)).toMatch(
      row("3", "Totals of Form 8949 with box C or I checked", "80.00", "100.00", "0.00", "(20.00)"),
    );
    // Line 21: a 20.00 loss is deducted in full.
    expect(pdf.page(1)).toMatch(row("21", "Capital loss deduction (if line 16 is a loss)", "(20.00)"));
  });

  test("the statement writes every amount as the form does: 1,500.00 with a comma, a loss in parentheses", async () => {
    // By hand: 2 ETH for 8,000.00; in 2024 one sells for 1,000.00 (−3,000.00) and one for 2,500.00
    // (−1,500.00), both long: a 4,500.00 loss, 3,000.00 deducted, 1,500.00 carried to 2025.
    const ledger = [
      HEADER,
      "b1,2023-01-10T00:00:00Z,buy,w,,,ETH,2,8000,,,,,,",
      "s1,2024-05-10T00:00:00Z,sell,w,ETH,1,,,1000,,,,,,",
      "s2,2024-06-10T00:00:00Z,sell,w,ETH,1,,,2500,,,,,,",
    ];
    const input = prepareReport(parseLedgerCsv(ledger.join("\n")), { year: 2024 });
    // A statement of combined rows (as --combine-fees builds) whose row is a loss.
    const loss = input.rows[0]!;
    const pdf = await render({ ...input, feeStatement: [{ combined: loss, parts: [loss] }] });
    const cover = pdf.page(1);
    expect(cover).toContain("Capital loss carryover to 2025: short-term 0.00, long-term 1,500.00.");
    expect(cover).toMatch(/proceeds 1,000\.00, cost basis 4,000\.00, gain \(3,000\.00\)/);
    expect(cover).not.toMatch(/-3000|1500\.00|4000\.00/);
  });

  test("text the standard fonts cannot encode becomes ?, and long descriptions stay inside column (a)", async () => {
    const long = `${"9".repeat(30)}.123456789012345678 ${"VERYLONGTOKENNAME".repeat(4)} (evm:1:0xabcdef0123456789abcdef0123456789abcdef01)`;
    const ledger = [
      HEADER,
      "b1,2025-01-02T00:00:00Z,buy,w,,,Ξ🚀,2,100,,,,,,",
      "s1,2025-02-01T00:00:00Z,sell,w,Ξ🚀,1,,,80,,,,,,",
      `b2,2025-01-02T00:00:00Z,buy,w,,,${long.split(" ").slice(1).join("_")},1,10,,,,,,`,
      `s2,2025-02-02T00:00:00Z,sell,w,${long.split(" ").slice(1).join("_")},1,,,20,,,,,,`,
    ];
    const input = prepareReport(parseLedgerCsv(ledger.join("\n")), { year: 2025 });
    const pdf = await render(input);
    expect(pdf.pages).toBe(2);
    const form = pdf.page(2);
    expect(form).toContain("1 ??");
    // The long description is cut on two lines ending in "...", and its amounts are still there.
    expect(form).toContain("...");
    expect(form).toMatch(row("20.00", "10.00", "10.00"));
    expect(form).toMatch(row("100.00", "60.00", "40.00"));
  });

  test("a year without sales is the statement alone, with its income and zero Schedule D lines", async () => {
    const ledger = [HEADER, "i1,2025-04-01T00:00:00Z,income,w,,,ETH,0.1,250.75,,,,,,staking"];
    const input = prepareReport(parseLedgerCsv(ledger.join("\n")), { year: 2025 });
    const pdf = await render(input);
    expect(pdf.pages).toBe(1);
    const cover = pdf.page(1);
    expect(cover).toMatch(/Form 8949 rows\s+0 \(none: no sales or exchanges in the year\)/);
    expect(cover).toMatch(row("16", "Net capital gain or (loss): line 7 + line 15", "0.00"));
    expect(cover).toContain("(not on Schedule D): 250.75 (staking 250.75).");
    expect(cover).toContain("Page 1 of 1");
  });

  test("the same input renders the same bytes (no clock in the file)", async () => {
    const input = prepareReport(parseLedgerCsv(SMALL), { year: 2025 });
    const a = await renderForm8949Pdf(input);
    const b = await renderForm8949Pdf(input);
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(a.fileName).toBe("form8949-2025.pdf");
    expect(a.contentType).toBe("application/pdf");
  });
});
