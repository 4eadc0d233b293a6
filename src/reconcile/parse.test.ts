import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { createAssetIdentity } from "../assets/index.ts";
import { formAssetId } from "./asset-names.ts";
import { detectFormFormat, FormFileError, parseFormText } from "./parse.ts";

const samples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/samples/forms");
const sample = (name: string) => readFileSync(path.join(samples, name), "utf8");

const problems = (text: string, source = "f.csv") => {
  try {
    parseFormText(text, { source });
  } catch (e) {
    if (e instanceof FormFileError) return e.problems;
    throw e;
  }
  throw new Error("expected a FormFileError");
};

describe("parseFormText: Form 1099-DA CSV v1", () => {
  test("the sample: BOM, CRLF, columns in any order, x_ ignored, date formats, VARIOUS, X → Y, names → assets", () => {
    const { format, rows } = parseFormText(sample("coinbase-1099da-2025.csv"), { source: "cb.csv" });
    expect(format).toBe("1099da");
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatchObject({
      line: 2,
      broker: "Coinbase",
      brokerAccount: "4417-2290",
      transactionId: "CB-7d1f0c2a",
      assetCode: "999999999",
      assetName: "Ethereum",
      asset: "ETH",
      units: "0.5",
      dateAcquired: undefined,
      dateSold: "2025-03-04",
      proceeds: "1091.75",
      costBasis: "0",
      basisReported: false,
      term: "short",
      noncovered: true,
      transferredInUnits: "0.5",
      transferredInDate: "2025-02-01",
      checkbox: "H",
    });
    expect(rows[0]!.raw.x_note).toBe("transferred in");
    // 18 decimals trimmed; checkbox K with box 2 left empty: not reported.
    expect(rows[1]).toMatchObject({
      units: "1",
      dateAcquired: "2024-03-15",
      dateSold: "2025-06-10",
      basisReported: false,
      term: "long",
    });
    expect(rows[2]).toMatchObject({ asset: "ETH", dateAcquired: "VARIOUS", term: "short" });
    expect(rows[3]).toMatchObject({ assetName: "Solana (SOL)", asset: "SOL", costBasis: undefined, line: 5 });
    expect(rows[4]).toMatchObject({ asset: "USDC", dateAcquired: "2025-09-09", dateSold: "2025-10-10" });
  });

  test("checkbox X is read as Y; G implies box 2 and the short term", () => {
    const { rows } = parseFormText(
      "asset_name,units,date_sold,proceeds,broker,account,checkbox,cost_basis\nBTC,1,2025-01-02,10,B,1,x,\nBTC,1,2025-01-02,10,B,1,G,5\n",
      { source: "f.csv" },
    );
    expect(rows.map((r) => [r.checkbox, r.basisReported, r.term])).toEqual([
      ["Y", false, undefined],
      ["G", true, "short"],
    ]);
  });

  test("optional boxes may say 0: box 12a (units transferred in), 1h, 1i, 4; box 1c may not", () => {
    const { rows } = parseFormText(
      "broker,account,asset_name,units,date_sold,proceeds,transferred_in_units,accrued_market_discount,wash_sale_disallowed,federal_withheld\nB,1,ETH,1,2025-01-02,10,0,0,0.00,0\n",
      { source: "f.csv" },
    );
    expect(
      rows.map((r) => [
        r.transferredInUnits,
        r.accruedMarketDiscount,
        r.washSaleDisallowed,
        r.federalWithheld,
      ]),
    ).toEqual([["0", "0", "0.00", "0"]]);
    expect(
      problems("broker,account,asset_name,units,date_sold,proceeds\nB,1,ETH,0.000,2025-01-02,10\n"),
    ).toEqual(['f.csv:2: units: "0.000" is zero; units are positive']);
  });

  test("rows of empty cells (a spreadsheet's padding) are skipped, as blank lines are", () => {
    const { rows } = parseFormText(
      "broker,account,asset_name,units,date_sold,proceeds\r\nB,1,ETH,1,2025-01-02,10\r\n,,,,,\r\n\r\n,,,,,\r\n",
      { source: "f.csv" },
    );
    expect(rows.map((r) => r.line)).toEqual([2]);
    const cb = sample("coinbase-gainloss-2025.csv");
    expect(parseFormText(`${cb},,,,,,,,,,,\n`, { source: "gl.csv" }).rows).toHaveLength(4);
  });

  test("every problem is reported as FILE:LINE: column: problem, and nothing is returned", () => {
    const text = [
      "broker,account,asset_name,units,date_sold,proceeds,cost_basis,basis_reported,term,checkbox",
      "Coinbase,1,ETH,0.5,2025-02-30,100,,,,", // no such date
      "Coinbase,1,ETH,-1,2025-02-03,1e3,,,,", // negative units, exponent
      "Coinbase,1,ETH,1,2025-02-03,100,,true,,", // box 2 checked without a basis
      "Coinbase,,ETH,1,2025-02-03,100,50,,long,G", // no account; G is short
      "Coinbase,1,ETH,1,2025-02-03,100,50,maybe,,Z",
      "Coinbase,1,ETH,0.0000000000000000001,2025-02-03,100,,,,",
      "Coinbase,1,ETH,1,2025-02-03",
    ].join("\n");
    expect(problems(text)).toEqual([
      'f.csv:2: date_sold: "2025-02-30" is not a calendar date',
      'f.csv:3: units: "-1" is negative; units are positive',
      'f.csv:3: proceeds: "1e3" has an exponent; write a plain decimal amount',
      "f.csv:4: cost_basis: empty, but box 2 says basis was reported to the IRS",
      "f.csv:5: account: required, but empty",
      "f.csv:5: term: box 6 says long but the checkbox G is short-term",
      'f.csv:6: checkbox: "Z" is not a Form 8949 checkbox (G, H, J, K, Y or X)',
      'f.csv:6: basis_reported: "maybe" is not a checkbox value (true/false, X, Y, 1, or empty)',
      'f.csv:7: units: "0.0000000000000000001" has more than 18 decimal places',
      "f.csv:8: row: 5 cells, but the header has 10",
    ]);
  });

  test("header problems: unknown and duplicate columns, missing required ones", () => {
    expect(problems("broker,acount,asset_name,units,date_sold,proceeds,x_memo,Broker\n")).toEqual([
      "f.csv:1: acount: unknown column (expected broker, account, checkbox, asset_code, asset_name, units, date_acquired, date_sold, proceeds, cost_basis, accrued_market_discount, wash_sale_disallowed, basis_reported, federal_withheld, term, noncovered, transferred_in_units, transferred_in_date, transaction_id; columns starting with x_ are ignored)",
      "f.csv:1: Broker: duplicate column",
      "f.csv:1: account: missing column (it is required)",
    ]);
  });

  test("at most 50 problems are listed, then how many more", () => {
    const rows = Array.from({ length: 60 }, () => "B,1,ETH,zero,2025-01-01,1");
    try {
      parseFormText(["broker,account,asset_name,units,date_sold,proceeds", ...rows].join("\n"), {
        source: "f.csv",
      });
      throw new Error("no error");
    } catch (e) {
      const err = e as FormFileError;
      expect(err.problems).toHaveLength(50);
      expect(err.problems[49]).toBe('f.csv:51: units: "zero" is not a plain decimal number');
      expect(err.exitCode).toBe(2);
      expect(err.message.split("\n").at(-1)).toBe("… and 10 more problem(s); nothing was imported");
    }
  });
});

describe("parseFormText: Coinbase gain/loss CSV", () => {
  test("preamble, user id as the account, per-lot rows and Fee rows, terms from the dates", () => {
    const text = sample("coinbase-gainloss-2025.csv");
    expect(detectFormFormat(text)).toBe("coinbase-gainloss");
    const { format, rows } = parseFormText(text, { source: "gl.csv" });
    expect(format).toBe("coinbase-gainloss");
    expect(
      rows.map((r) => [
        r.line,
        r.raw.x_transaction_type,
        r.units,
        r.dateAcquired,
        r.dateSold,
        r.proceeds,
        r.costBasis,
        r.term,
      ]),
    ).toEqual([
      [7, "Sell", "0.01", "2024-12-02", "2025-12-05", "1000.00", "960.00", "long"],
      [8, "Sell", "0.005", "2025-02-03", "2025-12-05", "500.00", "505.00", "short"],
      [9, "Fee", "0.0001", "2025-02-03", "2025-12-05", "10.00", "10.10", "short"],
      [10, "Fee", "0.00002", "2025-02-03", "2025-12-10", "2.00", "2.02", "short"],
    ]);
    expect(rows[0]).toMatchObject({
      broker: "Coinbase",
      brokerAccount: "5f3e0c11-2b7a-4c4e-9d1a-0e8b9f6a7c21",
      asset: "BTC",
      transactionId: "8c3f2a4b-2d3e-4f60-ab12-3c4d5e6f7081",
      basisReported: false,
      noncovered: true,
    });
  });

  test("units Coinbase itself bought from 2026 on are covered (box 2); customer-provided basis is not", () => {
    const header = [
      "This report includes all taxable activity on Coinbase with realized gains or losses.",
      "",
      "Gain/loss report",
      "User,u1,a@example.com",
      "",
      "Transaction Type,Transaction ID,Tax lot ID,Asset name,Amount,Date Acquired,Cost basis (USD),Date of Disposition,Proceeds (USD),Gains (Losses) (USD),Holding period (Days),Data source",
    ];
    const { rows } = parseFormText(
      [
        ...header,
        "Sell,t1,l1,ETH,1.0,01/05/2026,3000.00,06/25/2026,3500.00,500.00,171,Coinbase",
        "Sell,t2,l2,ETH,1.0,01/05/2026,3000.00,06/25/2026,3500.00,500.00,171,Customer provided",
      ].join("\n"),
      { source: "gl.csv" },
    );
    expect(rows.map((r) => r.basisReported)).toEqual([true, false]);
  });

  test("a loss in Gains (Losses) may be written in accounting parentheses; other columns stay non-negative", () => {
    const text = sample("coinbase-gainloss-2025.csv").replace(
      ",505.00,12/05/2025,500.00,-5.00,",
      ",505.00,12/05/2025,500.00,($5.00),",
    );
    expect(text).toContain("($5.00)");
    expect(parseFormText(text, { source: "gl.csv" }).rows).toHaveLength(4);
    const bad = sample("coinbase-gainloss-2025.csv").replace(
      ",505.00,12/05/2025,500.00,",
      ",505.00,12/05/2025,(500.00),",
    );
    expect(problems(bad, "gl.csv")).toEqual(['gl.csv:8: Proceeds (USD): "(500.00)" is negative']);
  });

  test("read as 1099-DA CSV (--format 1099da), the report is named, not listed column by column", () => {
    expect(() =>
      parseFormText(sample("coinbase-gainloss-2025.csv"), { source: "gl.csv", format: "1099da" }),
    ).toThrow(
      "gl.csv:1: header: this is Coinbase's gain/loss CSV, not a Form 1099-DA CSV v1: import it with --format coinbase-gainloss (or --format auto)",
    );
  });

  test("bad rows are reported with the file's own line numbers", () => {
    const text = sample("coinbase-gainloss-2025.csv").replace(
      "0.00500000,02/03/2025",
      "0.005 BTC,2025/02/03",
    );
    expect(problems(text, "gl.csv")).toEqual([
      'gl.csv:8: Amount: "0.005 BTC" is not a plain decimal number',
      'gl.csv:8: Date Acquired: "2025/02/03" is not a date (write YYYY-MM-DD or MM/DD/YYYY)',
    ]);
  });
});

describe("formAssetId", () => {
  test("symbols, registry names, common broker names, 'Name (SYM)' and chain ids", () => {
    expect(formAssetId("eth")).toBe("ETH");
    expect(formAssetId("Ethereum")).toBe("ETH");
    expect(formAssetId("Bitcoin (BTC)")).toBe("BTC");
    expect(formAssetId("USD Coin")).toBe("USDC");
    expect(formAssetId("MATIC")).toBe("POL");
    expect(formAssetId("ethereum:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")).toBe("USDC");
    expect(formAssetId("Wrapped Ether", createAssetIdentity({ weth: "same-as-eth" }))).toBe("ETH");
    expect(formAssetId("Chainlink")).toBe("Chainlink");
  });
});
