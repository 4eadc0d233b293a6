import { describe, expect, test } from "vitest";
import { parseLedgerCsv } from "../ledger/read.ts";
import { parseCsv } from "../utils/csv.ts";
import { renderForm8949Csv } from "./form8949-csv.ts";
import { parseReportFormats } from "./index.ts";
import { prepareReport } from "./prepare.ts";
import { LEDGER_HEADER as HEADER, summaryOf } from "./report.test-support.ts";
import { renderTaxActCsv } from "./taxact.ts";
import { currencyName, renderTurboTaxCsv, turboTaxAmount } from "./turbotax.ts";
import type { ReportInput, ReportRow } from "./types.ts";

/** 2025: a short-term gain, a short-term loss, a long-term gain, and a sale with no basis. */
const LEDGER = [
  HEADER,
  "b1,2023-06-15T00:00:00Z,buy,w,,,ETH,1,1800,,,,,,",
  "b2,2025-01-10T00:00:00Z,buy,w,,,SOL,10,2000,,,,,,",
  "s1,2025-03-01T00:00:00Z,sell,w,SOL,4,,,1000,,,,,,",
  "s2,2025-04-01T00:00:00Z,sell,w,SOL,2,,,387.5,,,,,,",
  "s3,2025-05-01T00:00:00Z,sell,w,ETH,1,,,3250.25,,,,,,",
  "s4,2025-06-01T00:00:00Z,sell,w,BTC,0.000000015,,,0.01,,,,,,",
].join("\n");

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const input = () => prepareReport(parseLedgerCsv(LEDGER), { year: 2025 });

/**
 * By hand (FIFO): s1 sells 4 SOL of b2 (basis 200 each): 1000.00 − 800.00 = 200.00, short;
 * s2 sells 2 SOL: 387.50 − 400.00 = −12.50, short; s3 sells b1, held > 1 year:
 * 3250.25 − 1800.00 = 1450.25, long; s4 sells BTC never bought: 0.01 − 0 = 0.01, short, no date
 * acquired. Short-term rows (box I) come first, then long-term (box L).
 */
describe("renderTurboTaxCsv()", () => {
  test("header and rows: MM/DD/YYYY dates, plain amounts, various for no acquisition date", () => {
    const f = renderTurboTaxCsv(input());
    expect(f.fileName).toBe("turbotax-2025.csv");
    expect(f.contentType).toBe("text/csv; charset=utf-8");
    expect(text(f.bytes)).toBe(
      [
        "Amount,Currency Name,Purchase Date,Date Sold,Proceeds,Cost Basis",
        "4,SOL,01/10/2025,03/01/2025,1000.00,800.00",
        "2,SOL,01/10/2025,04/01/2025,387.50,400.00",
        "0.00000002,BTC,various,06/01/2025,0.01,0.00",
        "1,ETH,06/15/2023,05/01/2025,3250.25,1800.00",
        "",
      ].join("\n"),
    );
    expect(f.notes.join("\n")).toContain("the rows are box I (3 rows), L (1 row)");
    expect(f.notes.join("\n")).toContain("1 row(s) have no single acquisition date (s4)");
  });

  test("a sale whose selling costs exceed its proceeds: 0.00 proceeds, the excess in the basis, the same loss", () => {
    // By hand: 100 SHIB bought for 2.00 and sold for 1.00 with a 5.00 fee: net proceeds −4.00,
    // a loss of 6.00. TurboTax takes no negative number: proceeds 0.00, basis 2.00 + 4.00 = 6.00.
    const ledger = [
      HEADER,
      "b1,2025-01-01T00:00:00Z,buy,w,,,SHIB,100,2,,,,,,",
      "s1,2025-02-01T00:00:00Z,sell,w,SHIB,100,,,1,USD,,5,,,",
    ].join("\n");
    const f = renderTurboTaxCsv(prepareReport(parseLedgerCsv(ledger), { year: 2025 }));
    expect(text(f.bytes).split("\n")[1]).toBe("100,SHIB,01/01/2025,02/01/2025,0.00,6.00");
    expect(f.notes.join("\n")).toContain("1 row(s) have selling costs above their proceeds (s1 (lot b1))");
  });

  test("Amount keeps at most 8 decimals (half-up); Currency Name drops the description's quantity", () => {
    expect(turboTaxAmount("0.123456785")).toBe("0.12345679");
    expect(turboTaxAmount("0.123456784")).toBe("0.12345678");
    expect(turboTaxAmount("12.5000")).toBe("12.5");
    // Dust below half the 8th decimal is never a sale of 0 units: the smallest amount instead.
    expect(turboTaxAmount("0.000000001234567891")).toBe("0.00000001");
    expect(turboTaxAmount("0.000000004999")).toBe("0.00000001");
    expect(turboTaxAmount("0.00000000500")).toBe("0.00000001");
    expect(currencyName({ description: "0.5 ETH", asset: "ETH" })).toBe("ETH");
    expect(currencyName({ description: "1.5 FOO (ethereum:0xab)", asset: "evm:1:0xab" })).toBe(
      "FOO (ethereum:0xab)",
    );
    expect(currencyName({ description: "gas fees", asset: "ETH" })).toBe("ETH");
    // A --combine-fees row: its description's note about the statement is no part of the name.
    expect(currencyName({ description: "0.003 ETH (3 network fees; see statement)", asset: "ETH" })).toBe(
      "ETH",
    );
    expect(
      currencyName({
        description: "0.002 FOO (ethereum:0xab) (2 network fees; see statement)",
        asset: "evm:1:0xab",
      }),
    ).toBe("FOO (ethereum:0xab)");
  });

  test("a long-term row without a single acquisition date is VARIOUS; adjustments are named in a note", () => {
    const f = renderTurboTaxCsv(
      synthetic([row({ box: "L", term: "long", dateAcquired: "", adjustmentCode: "M" })]),
    );
    expect(text(f.bytes).split("\n")[1]).toBe("0.5,ETH,VARIOUS,06/01/2025,100.00,80.00");
    expect(f.notes.join("\n")).toContain("1 row(s) carry a Form 8949 column (f)/(g) adjustment");
  });
});

describe("renderTaxActCsv()", () => {
  test("TaxAct's columns with Long/Short on every row; a loss adjustment stays a number", () => {
    const f = renderTaxActCsv(input());
    expect(f.fileName).toBe("taxact-2025.csv");
    expect(text(f.bytes)).toBe(
      [
        "Description,Date Acquired,Date Sold,Sales Proceeds,Cost or Other Basis,Adjustment Code,Adjustment Amount,Long/Short",
        "4 SOL,01/10/2025,03/01/2025,1000.00,800.00,,,SHORT",
        "2 SOL,01/10/2025,04/01/2025,387.50,400.00,,,SHORT",
        "0.000000015 BTC,Various,06/01/2025,0.01,0.00,,,SHORT",
        "1 ETH,06/15/2023,05/01/2025,3250.25,1800.00,,,LONG",
        "",
      ].join("\n"),
    );
    expect(f.notes.join("\n")).toContain("no Reporting Category column");
    const adjusted = renderTaxActCsv(
      synthetic([row({ adjustmentCode: "E", adjustment: -1250n, gain: 750n })]),
    );
    expect(text(adjusted.bytes).split("\n")[1]).toBe(
      "0.5 ETH,01/02/2025,06/01/2025,100.00,80.00,E,-12.50,SHORT",
    );
  });

  test("before 2025 the Reporting Category column says C (short) or F (long)", () => {
    const ledger = [
      HEADER,
      "b1,2022-01-02T00:00:00Z,buy,w,,,ETH,2,200,,,,,,",
      "s1,2024-03-01T00:00:00Z,sell,w,ETH,1,,,150,,,,,,",
      "b2,2024-02-01T00:00:00Z,buy,w,,,SOL,1,50,,,,,,",
      "s2,2024-03-02T00:00:00Z,sell,w,SOL,1,,,40,,,,,,",
    ];
    const f = renderTaxActCsv(prepareReport(parseLedgerCsv(ledger.join("\n")), { year: 2024 }));
    expect(text(f.bytes)).toBe(
      [
        "Description,Date Acquired,Date Sold,Sales Proceeds,Cost or Other Basis,Adjustment Code,Adjustment Amount,Long/Short,Reporting Category",
        "1 SOL,02/01/2024,03/02/2024,40.00,50.00,,,SHORT,C",
        "1 ETH,01/02/2022,03/01/2024,150.00,100.00,,,LONG,F",
        "",
      ].join("\n"),
    );
    expect(f.notes).toEqual([]);
  });
});

describe("renderForm8949Csv()", () => {
  test("the form's columns by box, ISO dates, a loss as -12.50", () => {
    const f = renderForm8949Csv(input());
    expect(f.fileName).toBe("form8949-2025.csv");
    expect(text(f.bytes)).toBe(
      [
        "part,box,description,date_acquired,date_sold,proceeds,cost_basis,adjustment_code,adjustment_amount,gain,asset,quantity,wallet,disposal_id,lot_id",
        "I,I,4 SOL,2025-01-10,2025-03-01,1000.00,800.00,,,200.00,SOL,4,w,s1,b2",
        "I,I,2 SOL,2025-01-10,2025-04-01,387.50,400.00,,,-12.50,SOL,2,w,s2,b2",
        "I,I,0.000000015 BTC,,2025-06-01,0.01,0.00,,,0.01,BTC,0.000000015,w,s4,",
        "II,L,1 ETH,2023-06-15,2025-05-01,3250.25,1800.00,,,1450.25,ETH,1,w,s3,b1",
        "",
      ].join("\n"),
    );
  });
});

describe("formula injection", () => {
  const hostile = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"];

  test("every CSV prefixes cells starting with = + - @ tab or CR with ', and keeps -12.50 a number", () => {
    const rows = hostile.map((h, i) =>
      row({
        description: h,
        asset: h,
        wallet: h,
        disposalId: `${h}${i}`,
        adjustmentCode: i === 0 ? "=O" : "",
        adjustment: i === 0 ? -1250n : undefined,
      }),
    );
    const cellsOf = (render: (i: ReportInput) => { bytes: Uint8Array }) =>
      parseCsv(text(render(synthetic(rows)).bytes))
        .slice(1)
        .map((r) => r.cells);
    const all = [renderTurboTaxCsv, renderTaxActCsv, renderForm8949Csv].map(cellsOf);
    for (const records of all) {
      expect(records).toHaveLength(hostile.length);
      // No cell starts with a formula character unless it is a plain negative number.
      for (const cells of records)
        for (const cell of cells) if (/^[=+\-@\t\r]/.test(cell)) expect(cell).toMatch(/^-\d+\.\d{2}$/);
    }
    const [turbotax, taxact, generic] = all as [string[][], string[][], string[][]];
    hostile.forEach((h, i) => {
      // TurboTax's Currency Name is the asset when the description has no leading quantity.
      expect(turbotax[i]![1]).toBe(`'${h}`);
      expect(taxact[i]![0]).toBe(`'${h}`);
      expect(generic[i]![2]).toBe(`'${h}`); // description
      expect(generic[i]![10]).toBe(`'${h}`); // asset
      expect(generic[i]![12]).toBe(`'${h}`); // wallet
      expect(generic[i]![13]).toBe(`'${h}${i}`); // disposal id
    });
    expect(taxact[0]!.slice(5, 7)).toEqual(["'=O", "-12.50"]);
    expect(generic[0]!.slice(7, 10)).toEqual(["'=O", "-12.50", "20.00"]);
  });

  test("a hostile wallet or asset name from a ledger file is escaped in the generic CSV", () => {
    const ledger = [
      HEADER,
      "b1,2025-01-02T00:00:00Z,buy,=cmd|' /C calc'!A0,,,@X,1,10,,,,,,",
      "s1,2025-01-03T00:00:00Z,sell,=cmd|' /C calc'!A0,@X,1,,,5,,,,,,",
    ];
    const f = renderForm8949Csv(prepareReport(parseLedgerCsv(ledger.join("\n")), { year: 2025 }));
    const line = text(f.bytes).split("\n")[1]!;
    expect(line).toBe("I,I,1 @X,2025-01-02,2025-01-03,5.00,10.00,,,-5.00,'@X,1,'=cmd|' /C calc'!A0,s1,b1");
  });
});

describe("parseReportFormats()", () => {
  test("comma-separated, all, duplicates dropped; an unknown format is a user error", () => {
    expect(parseReportFormats("pdf,turbotax")).toEqual(["pdf", "turbotax"]);
    expect(parseReportFormats("all")).toEqual(["pdf", "turbotax", "taxact", "csv"]);
    expect(parseReportFormats("CSV, csv ,taxact")).toEqual(["csv", "taxact"]);
    expect(() => parseReportFormats("pdf,xlsx")).toThrow(/unknown format "xlsx"/);
    expect(() => parseReportFormats(",")).toThrow(/--format expects/);
  });
});

function row(over: Partial<ReportRow>): ReportRow {
  return {
    disposalId: "s1",
    lotId: "b1",
    wallet: "w",
    asset: "ETH",
    quantity: "0.5",
    dateAcquired: "2025-01-02",
    dateSold: "2025-06-01",
    proceeds: 10_000n,
    costBasis: 8_000n,
    adjustmentCode: "",
    adjustment: undefined,
    gain: 2_000n,
    term: "short",
    box: "I",
    description: "0.5 ETH",
    ...over,
  } as ReportRow;
}

function synthetic(rows: ReportRow[]): ReportInput {
  return { taxYear: 2025, rows, summary: summaryOf(), priceSources: {}, ledgerSource: "test" };
}
