import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../test/cli.ts";
import { UserInputError } from "../errors.ts";
import { plain } from "../utils/decimal.ts";
import { parseAmount, simpleAbsAmount } from "./amount.ts";
import { IMPORT_FORMATS } from "./registry.ts";
import { readTable } from "./table.ts";
import { parseTime } from "./time.ts";
import type { ImportRecord } from "./types.ts";

const SAMPLES = path.join(ROOT, "test", "samples", "imports");
const read = (name: string, text = readFileSync(path.join(SAMPLES, name), "utf8")) => {
  const { table, format } = readTable(text, name, IMPORT_FORMATS);
  return { format: format.name, records: format.parse(table) };
};
const byId = (records: ImportRecord[], id: string) => records.find((r) => r.id === id)!;
const iso = (d: Date) => d.toISOString();
const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserInputError);
    return (e as Error).message;
  }
  throw new Error("no error");
};

describe("amounts", () => {
  it("reads separators, symbols, codes, parentheses and exponents exactly", () => {
    const v = (s: string) => parseAmount(s, "f:2: Amount")?.value.toFixed();
    expect(v("$1,150.00")).toBe("1150");
    expect(v("($1,150.25)")).toBe("-1150.25");
    expect(v("-$5")).toBe("-5");
    expect(v("0.5 ETH")).toBe("0.5");
    expect(parseAmount("(0.5 ETH)", "x")?.unit).toBe("ETH");
    expect(v("USD 10")).toBe("10");
    expect(v("1.5e-7")).toBe("0.00000015");
    expect(v("12,345,678.9")).toBe("12345678.9");
    expect(v("0.1")).toBe("0.1");
    expect(v("")).toBeUndefined();
  });
  it("rejects what it cannot read for sure", () => {
    expect(errorOf(() => parseAmount("1,5", "f.csv:7: Subtotal"))).toBe(
      "f.csv:7: Subtotal: not a number (a ',' is read only as a thousands separator between groups of three digits): '1,5'",
    );
    expect(errorOf(() => parseAmount("12.3.4", "f.csv:8: Amount"))).toBe(
      "f.csv:8: Amount: not a number: '12.3.4'",
    );
    expect(errorOf(() => parseAmount("abc", "f.csv:9: Amount"))).toContain("not a number");
    expect(errorOf(() => parseAmount("1,00", "x"))).toContain("thousands separator");
    // A European decimal comma that looks like a thousands group is never read as 17.
    expect(errorOf(() => parseAmount("0,017", "x"))).toContain("thousands separator");
  });
  it("reads the simple forms without a Decimal exactly as parseAmount does, and leaves the others to it", () => {
    const viaDecimal = (s: string) => {
      const a = parseAmount(s, "x");
      return a ? plain(a.value.abs()) : undefined;
    };
    const simple = [
      "0",
      "-0",
      "+0",
      "00",
      "000.000",
      ".0",
      "0.",
      "1.",
      ".5",
      "-.5",
      "00.10",
      "+3.25",
      "-7.929",
      " 12 ",
      "$1.00",
      "-$5",
      "+$0.50",
      "$.5",
      "$3,000.00",
      "$1,234,567",
      "-$12,345,678.90",
      "1,000",
      "10.000100",
      "9".repeat(120),
      `0.${"0".repeat(250)}1`,
      `1${"0".repeat(250)}.0`,
    ];
    for (const s of simple) {
      expect(simpleAbsAmount(s), s).not.toBeNull();
      expect(simpleAbsAmount(s), s).toBe(viaDecimal(s));
    }
    expect(simpleAbsAmount("")).toBeUndefined();
    expect(simpleAbsAmount("  ")).toBeUndefined();
    expect(simpleAbsAmount("00.10")).toBe("0.1");
    expect(simpleAbsAmount("$3,000.00")).toBe("3000");
    expect(simpleAbsAmount("-0.000")).toBe("0");
    // Exponents, codes, parentheses, other symbols and everything malformed: parseAmount reads (or rejects) them.
    for (const s of [
      "1.5e-7",
      "0.5 ETH",
      "USD 10",
      "($5.00)",
      "€3",
      "US$1",
      "$-5",
      "1,5",
      "0,017",
      "1,000.",
      ",100",
      "1.2.3",
      "$",
      "-",
      "abc",
      "--1",
    ])
      expect(simpleAbsAmount(s), s).toBeNull();
  });
});

describe("times", () => {
  it("reads zones as names, offsets and UTC", () => {
    expect(iso(parseTime("2025-01-10 15:30:00 UTC", "x"))).toBe("2025-01-10T15:30:00.000Z");
    expect(iso(parseTime("2025-01-15 18:30:00 America/New_York", "x"))).toBe("2025-01-15T23:30:00.000Z");
    // Summer time: New York is UTC−4 in July.
    expect(iso(parseTime("2025-07-15 18:30 America/New_York", "x"))).toBe("2025-07-15T22:30:00.000Z");
    expect(iso(parseTime("2025-02-10 12:00 +02:00", "x"))).toBe("2025-02-10T10:00:00.000Z");
    expect(iso(parseTime("2025-02-10T12:00:00-0500", "x"))).toBe("2025-02-10T17:00:00.000Z");
    expect(iso(parseTime("01/20/2025 08:00:00", "x"))).toBe("2025-01-20T08:00:00.000Z");
    expect(iso(parseTime("1/6/2025 12:00", "x", "America/New_York"))).toBe("2025-01-06T17:00:00.000Z");
    // An impossible date has the wording of every other reader (ledger, prices, Form 1099-DA).
    expect(errorOf(() => parseTime("2025-02-30 10:00", "f.csv:3: Date"))).toBe(
      'f.csv:3: Date: "2025-02-30 10:00" is not a calendar date',
    );
    expect(errorOf(() => parseTime("2025-02-10 25:00", "f.csv:3: Date"))).toBe(
      "f.csv:3: Date: no such time of day: '2025-02-10 25:00'",
    );
    expect(errorOf(() => parseTime("2025-01-01 10:00 Mars/Olympus", "f.csv:4: Date"))).toContain(
      "unknown time zone 'Mars/Olympus'",
    );
  });
});

describe("Coinbase transaction history", () => {
  const { format, records } = read("coinbase.csv");
  it("is detected after its preamble lines", () => {
    expect(format).toBe("coinbase");
    // A blank line, "Transactions" and "User,…" come before the header (line 4): 10 rows from line 5.
    expect(records).toHaveLength(10);
    expect(records[0]!.line).toBe(5);
  });
  it("reads buys, Advanced Trade, Convert, staking, sends, receives and fiat", () => {
    expect(byId(records, "65a0c1f0e4b0a1000000001a")).toMatchObject({
      kind: "fiat_deposit",
      in: { asset: "USD", quantity: "10000" },
    });
    expect(byId(records, "65a0c1f0e4b0a1000000001b")).toMatchObject({
      kind: "buy",
      time: new Date("2025-01-10T15:30:00Z"),
      out: { asset: "USD", quantity: "4000" },
      in: { asset: "ETH", quantity: "2" },
      usdValue: "4000",
      fee: { asset: "USD", quantity: "20" },
      feeUsd: "20",
    });
    expect(byId(records, "65a0c1f0e4b0a1000000001c")).toMatchObject({
      kind: "buy",
      subtype: "advanced_trade",
      usdValue: "950",
      feeUsd: "4.75",
    });
    expect(byId(records, "65a0c1f0e4b0a1000000001d")).toMatchObject({
      kind: "trade",
      out: { asset: "ETH", quantity: "0.5" },
      in: { asset: "USDC", quantity: "1596.5" },
      usdValue: "1600",
    });
    expect(byId(records, "65a0c1f0e4b0a1000000001e")).toMatchObject({
      kind: "income",
      subtype: "staking",
      in: { asset: "ETH", quantity: "0.0015" },
      usdValue: "4.65",
    });
    expect(byId(records, "65a0c1f0e4b0a1000000001f")).toMatchObject({
      kind: "withdrawal",
      out: { asset: "ETH", quantity: "1" },
      address: "0x1111111111111111111111111111111111111111",
    });
    expect(byId(records, "65a0c1f0e4b0a10000000020")).toMatchObject({
      kind: "deposit",
      in: { asset: "ETH", quantity: "0.4" },
    });
    expect(byId(records, "65a0c1f0e4b0a10000000020").address).toBeUndefined();
    // Advanced Trade on a USDC-quoted market: a trade against USDC, not a sale for dollars.
    expect(byId(records, "65a0c1f0e4b0a10000000021")).toMatchObject({
      kind: "trade",
      out: { asset: "ETH", quantity: "0.25" },
      in: { asset: "USDC", quantity: "597" },
      usdValue: "600",
    });
    expect(byId(records, "65a0c1f0e4b0a10000000022")).toMatchObject({
      kind: "sell",
      out: { asset: "ETH", quantity: "0.5" },
      in: { asset: "USD", quantity: "1150" },
      feeUsd: "8.62",
    });
    expect(byId(records, "65a0c1f0e4b0a10000000023")).toMatchObject({
      kind: "fiat_withdrawal",
      out: { asset: "USD", quantity: "1000" },
    });
  });
  it("stops at a bad row with FILE:LINE: column: problem", () => {
    const text = readFileSync(path.join(SAMPLES, "coinbase.csv"), "utf8").replace(
      '"$4,000.00"',
      '"$4.000,00"',
    );
    expect(errorOf(() => read("coinbase.csv", text))).toMatch(/^coinbase\.csv:6: Subtotal: not a number/);
    const typo = readFileSync(path.join(SAMPLES, "coinbase.csv"), "utf8").replace(
      ",Staking Income,",
      ",Stakeing,",
    );
    expect(errorOf(() => read("coinbase.csv", typo))).toMatch(
      /^coinbase\.csv:9: Transaction Type: unknown type 'Stakeing'/,
    );
    const eur = readFileSync(path.join(SAMPLES, "coinbase.csv"), "utf8").replace(
      ",Buy,ETH,2,USD,",
      ",Buy,ETH,2,EUR,",
    );
    expect(errorOf(() => read("coinbase.csv", eur))).toMatch(
      /^coinbase\.csv:6: Price Currency: 'EUR': only exports in USD/,
    );
  });
  it("reads the fee of an older export, whose columns are `Total (inclusive of fees)` and `Fees`", () => {
    const text = [
      "Transactions",
      "User,Alex Example,5e6f7a8b9c0d1e2f3a4b5c6d",
      "",
      "Timestamp,Transaction Type,Asset,Quantity Transacted,Spot Price Currency,Spot Price at Transaction,Subtotal,Total (inclusive of fees),Fees,Notes",
      "2021-03-05T18:33:12Z,Buy,BTC,0.001,USD,48000.00,48.00,49.99,1.99,Bought 0.0010 BTC for $49.99 USD",
      "2021-05-01T10:00:00Z,Sell,BTC,0.0005,USD,55000.00,27.50,25.51,1.99,Sold 0.0005 BTC for $25.51 USD",
    ].join("\n");
    const { records: old } = read("coinbase-2021.csv", text);
    expect(old[0]).toMatchObject({
      kind: "buy",
      usdValue: "48",
      fee: { asset: "USD", quantity: "1.99" },
      feeUsd: "1.99",
    });
    expect(old[1]).toMatchObject({ kind: "sell", usdValue: "27.5", feeUsd: "1.99" });
  });
  it("reads an export whose money columns name the currency (`USD Subtotal`, `USD Fees`); refuses another currency", () => {
    const header =
      "Timestamp,Transaction Type,Asset,Quantity Transacted,USD Spot Price at Transaction,USD Subtotal,USD Total (inclusive of fees),USD Fees,Notes";
    const row =
      "2021-03-05T18:33:12Z,Buy,BTC,0.001,48000.00,48.00,49.99,1.99,Bought 0.0010 BTC for $49.99 USD";
    const { format: f, records: v1 } = read("coinbase-v1.csv", ["Transactions", "", header, row].join("\n"));
    expect(f).toBe("coinbase");
    expect(v1[0]).toMatchObject({
      kind: "buy",
      line: 4,
      usdValue: "48",
      feeUsd: "1.99",
      in: { asset: "BTC", quantity: "0.001" },
    });
    const eur = [header.replaceAll("USD ", "EUR "), row].join("\n");
    expect(errorOf(() => read("coinbase-eur.csv", eur))).toMatch(
      /^coinbase-eur\.csv:2: EUR Subtotal: 'EUR': only exports in USD are supported/,
    );
  });
});

describe("Coinbase raw transaction report", () => {
  const { format, records } = read("coinbase-raw.csv");
  const ID = (n: string) => `3f1c2a10-6b1e-5c4d-9e8f-0a1b2c3d4e${n}`;
  it("is detected by its header and keeps Coinbase's ids (a repeated fill id gets #2)", () => {
    expect(format).toBe("coinbase-raw");
    expect(records.map((r) => [r.id, r.kind, r.line])).toEqual([
      [ID("01"), "buy", 2],
      [ID("02"), "buy", 3],
      [`${ID("02")}#2`, "buy", 4],
      [ID("03"), "sell", 5],
      [ID("04"), "buy", 6],
      [ID("05"), "income", 7],
      [ID("06"), "withdrawal", 8],
      [ID("07"), "deposit", 9],
      [ID("08"), "income", 10],
      [ID("09"), "sell", 11],
      [ID("0a"), "sell", 12],
    ]);
  });
  it("values buys at their cost basis (fees in) and sales at their proceeds (fees out), from the file", () => {
    expect(byId(records, ID("01"))).toMatchObject({
      time: new Date("2025-01-10T15:30:00Z"),
      out: { asset: "USD", quantity: "4020" },
      in: { asset: "ETH", quantity: "2" },
      usdValue: "4020",
    });
    expect(byId(records, ID("01")).fee).toBeUndefined();
    // The exporter's float noise is read to the 15 digits a double holds: 572.8500000000000227 → 572.85.
    expect(byId(records, ID("02"))).toMatchObject({
      subtype: "advanced_trade",
      time: new Date("2025-01-12T09:15:00.417Z"),
      in: { asset: "BTC", quantity: "0.006" },
      usdValue: "572.85",
    });
    // A conversion is two rows: the disposal at its proceeds, the acquisition at its cost basis.
    expect(byId(records, ID("03"))).toMatchObject({
      subtype: "convert",
      out: { asset: "ETH", quantity: "0.5" },
      in: { asset: "USD", quantity: "1592.4" },
      usdValue: "1592.4",
    });
    expect(byId(records, ID("04"))).toMatchObject({
      subtype: "convert",
      in: { asset: "USDC", quantity: "1596.5" },
      usdValue: "1600",
    });
    expect(byId(records, ID("05"))).toMatchObject({ subtype: "reward", usdValue: "4.65" });
    expect(byId(records, ID("0a"))).toMatchObject({
      out: { asset: "ETH", quantity: "0.5" },
      in: { asset: "USD", quantity: "1141.38" },
    });
  });
  it("never reads a 'Not available' cost basis of 0 as a value", () => {
    expect(byId(records, ID("07"))).toMatchObject({ kind: "deposit", in: { asset: "ETH", quantity: "0.4" } });
    expect(byId(records, ID("07")).usdValue).toBeUndefined();
    // Interest whose value Coinbase does not know: priced by the price sources (the exponent read exactly).
    expect(byId(records, ID("08"))).toMatchObject({ in: { asset: "USDC", quantity: "0.015" } });
    expect(byId(records, ID("08")).usdValue).toBeUndefined();
    expect(byId(records, ID("06"))).toMatchObject({ out: { asset: "ETH", quantity: "1" } });
  });
  it("stops at a bad row or a report in another currency", () => {
    const text = readFileSync(path.join(SAMPLES, "coinbase-raw.csv"), "utf8");
    expect(errorOf(() => read("r.csv", text.replace(",ETH,2,4020,", ',ETH,2,"4.020,00",')))).toMatch(
      /^r\.csv:2: Cost Basis \(incl\. fees and\/or spread\) \(USD\): not a number/,
    );
    expect(
      errorOf(() => read("r.csv", text.replace(",ETH,2,4020,Coinbase", ",ETH,2,4020,Not available"))),
    ).toBe(
      "r.csv:2: Cost Basis (incl. fees and/or spread) (USD): '4020' with Data Source 'Not available' (a Buy needs the USD it cost)",
    );
    expect(errorOf(() => read("r.csv", text.replace(",Reward,", ",Rewrad,")))).toMatch(
      /^r\.csv:7: Transaction Type: unknown type 'Rewrad' \(known: Buy, Sell, /,
    );
    expect(errorOf(() => read("r.csv", text.replace(",ETH,0.5,1141.38", ",,0.5,1141.38")))).toBe(
      "r.csv:12: Asset Disposed (Sold, Sent, etc): empty, but Quantity Disposed is 0.5",
    );
    expect(errorOf(() => read("r.csv", text.replaceAll("(USD)", "(EUR)")))).toBe(
      "r.csv:1: Cost Basis (incl. fees and/or spread) (EUR): 'EUR': only reports in USD are supported (set Coinbase's currency to USD)",
    );
  });
  it("reads the older header and a single-row Convert", () => {
    const old = [
      'Transaction ID,Transaction Type,Date & time,Asset Acquired,"Quantity Acquired (Bought, Received, etc)",Cost Basis (incl. fees paid) (USD),Data Source,"Asset Disposed (Sold, Sent, etc)",Quantity Disposed,Proceeds (excl. fees paid) (USD)',
      "aa01,Convert,2021-04-01T11:34:31Z,ETH,0.02823531,46.65,Coinbase,BTC,0.00093652,47.07",
      "aa02,Fork,2021-05-01T00:00:00Z,BSV,0.49972881,32.5404861133149,Coinbase,,,",
    ].join("\n");
    const { format: f, records: rs } = read("old.csv", old);
    expect(f).toBe("coinbase-raw");
    expect(rs[0]).toMatchObject({
      kind: "trade",
      out: { asset: "BTC", quantity: "0.00093652" },
      in: { asset: "ETH", quantity: "0.02823531" },
      usdValue: "47.07",
    });
    expect(rs[1]).toMatchObject({ kind: "income", subtype: "fork", usdValue: "32.5404861133149" });
  });
});

describe("Kraken ledgers", () => {
  const { format, records } = read("kraken-ledgers.csv");
  it("pairs trade rows by refid and skips pending and internal rows", () => {
    expect(format).toBe("kraken");
    // 13 lines: 1 pending duplicate and 2 staking transfers skipped; 3 pairs of 2 rows → 7 records.
    expect(records.map((r) => [r.id, r.kind])).toEqual([
      ["LDEP01-AAAAA-BBBBBB", "fiat_deposit"],
      ["LDEP02-AAAAA-CCCCCC", "deposit"],
      ["TTRD01-FFFFF-GGGGGG", "buy"],
      ["TTRD02-HHHHH-IIIIII", "trade"],
      ["ASPD01-JJJJJ-KKKKKK", "buy"],
      ["LSTK01-AAAAA-LLLLLL", "income"],
      ["LWDR01-AAAAA-MMMMMM", "withdrawal"],
    ]);
    expect(byId(records, "TTRD01-FFFFF-GGGGGG")).toMatchObject({
      out: { asset: "USD", quantity: "2000" },
      in: { asset: "BTC", quantity: "0.02" },
      fee: { asset: "USD", quantity: "3.2" },
      usdValue: "2000",
      feeUsd: "3.2",
    });
    // The fee in the received asset (BTC) stays a BTC fee.
    expect(byId(records, "TTRD02-HHHHH-IIIIII")).toMatchObject({
      out: { asset: "ETH", quantity: "0.5" },
      in: { asset: "BTC", quantity: "0.017" },
      fee: { asset: "BTC", quantity: "0.000034" },
    });
    expect(byId(records, "TTRD02-HHHHH-IIIIII").usdValue).toBeUndefined();
    expect(byId(records, "LSTK01-AAAAA-LLLLLL")).toMatchObject({
      in: { asset: "ETH", quantity: "0.00041" },
      subtype: "staking",
    });
    // A withdrawal's fee leaves too: 0.03 + 0.00005.
    expect(byId(records, "LWDR01-AAAAA-MMMMMM")).toMatchObject({
      out: { asset: "BTC", quantity: "0.03005" },
    });
  });
  it("rejects a trade whose other row is missing", () => {
    const text = readFileSync(path.join(SAMPLES, "kraken-ledgers.csv"), "utf8")
      .split("\n")
      .filter((l) => !l.startsWith('"LTRD02'))
      .join("\n");
    expect(errorOf(() => read("k.csv", text))).toMatch(
      /^k\.csv:5: refid: 'TTRD01-FFFFF-GGGGGG' has 1 row\(s\) \(lines 5\)/,
    );
  });
});

describe("Kraken margin, rollover, settlement, adjustment and credit rows", () => {
  const { format, records } = read("kraken-margin.csv");
  it("reads every row: fees as fees, positions' profits and losses and lone adjustments for review", () => {
    expect(format).toBe("kraken");
    expect(records.map((r) => [r.id, r.kind, r.subtype ?? ""])).toEqual([
      ["LMDP01-AAAAA-BBBBBB", "fiat_deposit", ""],
      ["LMDP02-AAAAA-CCCCCC", "deposit", ""],
      ["LMRG01-AAAAA-DDDDDD", "fee", "margin_fee"],
      ["LROL01-AAAAA-EEEEEE", "fee", "margin_rollover"],
      ["LROL02-AAAAA-FFFFFF", "fee", "margin_rollover"],
      ["LMRG02-AAAAA-GGGGGG", "review", "margin_pnl"],
      ["LMRG03-AAAAA-HHHHHH", "fee", "margin_fee"],
      ["LMRG04-AAAAA-IIIIII", "review", "margin_pnl"],
      ["LMRG04-AAAAA-IIIIII#fee", "fee", "margin_fee"],
      ["TMPOS3-JJJJJ-KKKKKK", "buy", "margin_settlement"],
      ["LADJ01-AAAAA-LLLLLL", "review", "exchange_adjustment"],
      ["AADJ02-NNNNN-OOOOOO", "sell", "adjustment"],
      // AADJ03 (ETH2 → XETH, the same coin under two codes) is a relabel: nothing to book.
      ["LCRD01-AAAAA-QQQQQQ", "review", "exchange_credit"],
    ]);
  });
  it("keeps Kraken's figures: fees in their asset, P&L in the quote currency, never income", () => {
    expect(byId(records, "LROL01-AAAAA-EEEEEE")).toMatchObject({
      fee: { asset: "USD", quantity: "1.16" },
      feeUsd: "1.16",
    });
    // A fee in BTC is a disposal of those units: priced like any fee (no USD in the file).
    expect(byId(records, "LROL02-AAAAA-FFFFFF")).toMatchObject({
      fee: { asset: "BTC", quantity: "0.000012" },
    });
    expect(byId(records, "LROL02-AAAAA-FFFFFF").feeUsd).toBeUndefined();
    const profit = byId(records, "LMRG02-AAAAA-GGGGGG");
    expect(profit).toMatchObject({ in: { asset: "USD", quantity: "84.1979" }, usdValue: "84.1979" });
    expect(profit.review!.reason).toBe("margin_pnl");
    expect(profit.review!.message).toContain(
      "Kraken margin position profit of +84.1979 USD (ledger LMRG02-AAAAA-GGGGGG, refid TMPOS1-FFFFF-GGGGGG, 2025-03-03T08:12:45Z)",
    );
    expect(byId(records, "LMRG04-AAAAA-IIIIII")).toMatchObject({
      out: { asset: "USD", quantity: "37.5012" },
    });
    expect(byId(records, "LMRG04-AAAAA-IIIIII#fee")).toMatchObject({
      fee: { asset: "USD", quantity: "2.41" },
    });
    expect(byId(records, "TMPOS3-JJJJJ-KKKKKK")).toMatchObject({
      out: { asset: "USD", quantity: "2150" },
      in: { asset: "BTC", quantity: "0.025" },
      fee: { asset: "USD", quantity: "3.44" },
      usdValue: "2150",
    });
    const dust = byId(records, "LADJ01-AAAAA-LLLLLL");
    expect(dust).toMatchObject({ in: { asset: "ETH", quantity: "0.0000000054" } });
    expect(dust.review!.message).toContain("The account's ETH changed by 0.0000000054 outside the ledger");
    expect(byId(records, "AADJ02-NNNNN-OOOOOO")).toMatchObject({
      out: { asset: "BTC", quantity: "0.001" },
      in: { asset: "USD", quantity: "85.3" },
      review: { reason: "exchange_adjustment" },
    });
    expect(records.some((r) => r.kind === "income")).toBe(false);
  });
  it("still stops at a type it does not know", () => {
    const text = readFileSync(path.join(SAMPLES, "kraken-margin.csv"), "utf8").replace(
      '"credit"',
      '"invite bonus"',
    );
    expect(errorOf(() => read("k.csv", text))).toBe(
      "k.csv:17: type: unknown type 'invite bonus' (known: deposit, withdrawal, trade, spend, receive, sale, staking, dividend, reward, earn, transfer, margin, rollover, settled, adjustment, credit)",
    );
  });
});

describe("Gemini transaction history", () => {
  const { format, records } = read("gemini.csv");
  it("reads unit-suffixed and parenthesized amounts, hashes and addresses", () => {
    expect(format).toBe("gemini");
    expect(records.map((r) => r.kind)).toEqual([
      "fiat_deposit",
      "buy",
      "trade",
      "withdrawal",
      "deposit",
      "income",
    ]);
    expect(records[1]).toMatchObject({
      id: "112233445566",
      time: new Date("2025-01-04T10:15:30.250Z"),
      out: { asset: "USD", quantity: "3000" },
      in: { asset: "ETH", quantity: "1.5" },
      fee: { asset: "USD", quantity: "10.5" },
      usdValue: "3000",
    });
    expect(records[2]).toMatchObject({
      out: { asset: "ETH", quantity: "0.5" },
      in: { asset: "BTC", quantity: "0.016" },
      fee: { asset: "ETH", quantity: "0.00125" },
    });
    expect(records[3]).toMatchObject({
      out: { asset: "ETH", quantity: "0.9" },
      txHash: "0x2222222222222222222222222222222222222222222222222222222222222222",
      address: "0x3333333333333333333333333333333333333333",
    });
    expect(records[4]).toMatchObject({
      txHash: "0x4444444444444444444444444444444444444444444444444444444444444444",
    });
    expect(records[4]!.address).toBeUndefined();
  });
});

describe("Robinhood activity", () => {
  it("places date-only rows at noon New York time", () => {
    const { format, records } = read("robinhood.csv");
    expect(format).toBe("robinhood");
    expect(records.map((r) => r.kind)).toEqual(["fiat_deposit", "buy", "buy", "sell", "withdrawal"]);
    expect(records[1]).toMatchObject({
      time: new Date("2025-01-06T17:00:00Z"),
      usdValue: "940",
      in: { asset: "BTC", quantity: "0.01" },
    });
    expect(records[2]).toMatchObject({ in: { asset: "DOGE", quantity: "1000" } });
    expect(records[3]).toMatchObject({ usdValue: "100", out: { asset: "DOGE", quantity: "400" } });
  });
  it("reads past the disclaimer Robinhood writes after the rows, and nowhere else", () => {
    const text = readFileSync(path.join(SAMPLES, "robinhood.csv"), "utf8");
    const notice =
      "The data provided is for informational purposes only. Please consult a professional tax service.";
    // The footer as it comes: a blank row, then the notice in one cell (in any column, or alone).
    for (const footer of [
      `""\n"","","","","","","","","","${notice}"\n`,
      `\n"","","","","${notice}","","","",""\n`,
      `\n\n"${notice}"\n`,
    ])
      expect(read("robinhood.csv", `${text}${footer}`).records).toHaveLength(5);
    // Between rows it is not a footer: the row is an error as any other.
    const lines = text.trimEnd().split("\n");
    const inside = [...lines.slice(0, 3), `"${notice}"`, ...lines.slice(3)].join("\n");
    expect(errorOf(() => read("robinhood.csv", inside))).toContain(
      "robinhood.csv:4: Process Date: missing: the row has 1 cells, the header 9",
    );
  });
});

describe("a row with more cells than its header (an unquoted ',' in an amount)", () => {
  it("stops with FILE:LINE instead of reading the cells one column over", () => {
    const coinbase = readFileSync(path.join(SAMPLES, "coinbase.csv"), "utf8").replace(
      '"$4,000.00","$4,020.00"',
      "$4,000.00,$4,020.00",
    );
    expect(errorOf(() => read("coinbase.csv", coinbase))).toMatch(
      /^coinbase\.csv:6: Notes: the row has 13 cells, the header 11 \(an unquoted ','/,
    );
    const kraken = readFileSync(path.join(SAMPLES, "kraken-ledgers.csv"), "utf8").replace(
      "5000.0000,0.0000,5000.0000",
      "5,000.0000,0.0000,5000.0000",
    );
    expect(errorOf(() => read("kraken-ledgers.csv", kraken))).toMatch(
      /^kraken-ledgers\.csv:2: balance: the row has 12 cells, the header 11/,
    );
    // Empty cells past the header (a trailing comma) are no data: read as before.
    const trailing = readFileSync(path.join(SAMPLES, "koinly.csv"), "utf8").replace(/\n/g, ",\n");
    expect(read("koinly.csv", trailing).records).toHaveLength(5);
  });
});

describe("a row with fewer cells than its header (a line cut off)", () => {
  it("stops with FILE:LINE naming the first missing column, never reading the missing cells as empty", () => {
    const text = readFileSync(path.join(SAMPLES, "koinly.csv"), "utf8").trimEnd();
    // A download cut off before the last row's (empty) TxHash cell: read as empty, the row would pass.
    const cut = text.slice(0, text.lastIndexOf(","));
    const line = cut.split("\n").length;
    expect(errorOf(() => read("koinly.csv", cut))).toBe(
      `koinly.csv:${line}: TxHash: missing: the row has 11 cells, the header 12 (a line cut off, or a lost ','?)`,
    );
  });
  it("is listed with the file's other bad rows, as a row with too many cells is", () => {
    const coinbase = readFileSync(path.join(SAMPLES, "coinbase.csv"), "utf8")
      .replace('"$4,000.00","$4,020.00"', "$4,000.00,$4,020.00")
      .trimEnd();
    const lines = coinbase.split("\n");
    lines[lines.length - 1] = lines.at(-1)!.split(",").slice(0, 3).join(",");
    const message = errorOf(() => read("coinbase.csv", lines.join("\n")));
    expect(message).toMatch(/^coinbase\.csv:6: Notes: the row has 13 cells, the header 11/);
    expect(message).toContain(`coinbase.csv:${lines.length}: `);
    expect(message).toContain(": missing: the row has 3 cells, the header 11");
  });
});

describe("Koinly and CoinTracker", () => {
  it("reads Koinly universal rows", () => {
    const { format, records } = read("koinly.csv");
    expect(format).toBe("koinly");
    expect(records.map((r) => r.kind)).toEqual(["buy", "trade", "income", "withdrawal", "spend"]);
    expect(records[1]).toMatchObject({
      time: new Date("2025-01-15T23:30:00Z"),
      usdValue: "1010",
      fee: { asset: "BTC", quantity: "0.0001" },
    });
    expect(records[2]).toMatchObject({ subtype: "staking", usdValue: "6.2" });
    expect(records[3]).toMatchObject({
      time: new Date("2025-02-10T10:00:00Z"),
      txHash: "0x6666666666666666666666666666666666666666666666666666666666666666",
    });
    expect(records[0]!.id).toMatch(/^row-[0-9a-f]{24}$/);
  });
  it("reads Koinly's income tags Salary and Loan interest (its older name for Lending interest) as income", () => {
    const header =
      "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,Net Worth Amount,Net Worth Currency,Label,Description,TxHash";
    const { records } = read(
      "koinly-income.csv",
      [
        header,
        "2025-03-01 10:00 UTC,,,100,USDC,,,100,USD,Salary,,",
        "2025-03-02 10:00 UTC,,,1,USDC,,,1,USD,loan interest,,",
      ].join("\n"),
    );
    expect(records.map((r) => `${r.kind} ${r.subtype}`)).toEqual(["income income", "income interest"]);
  });
  it("reads CoinTracker rows (no values: priced later)", () => {
    const { format, records } = read("cointracker.csv");
    expect(format).toBe("cointracker");
    expect(records.map((r) => r.kind)).toEqual(["buy", "income", "withdrawal", "trade"]);
    expect(records[0]).toMatchObject({
      usdValue: "1500",
      feeUsd: "2.5",
      time: new Date("2025-01-02T13:00:00Z"),
    });
    expect(records[2]).toMatchObject({
      time: new Date("2025-02-05T00:00:00Z"),
      fee: { asset: "ETH", quantity: "0.0005" },
    });
    expect(records[3]!.usdValue).toBeUndefined();
  });
});

describe("a long Coinbase file (rows, blank rows, errors far apart)", () => {
  const HEADER =
    "ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes";
  const row = (i: number, type = "Buy") =>
    `cb-${i},2025-01-01 00:00:00 UTC,${type},ETH,0.5,USD,"$3,000.00","$1,500.00","$1,501.00",$1.00,Bought`;
  // A file of 20,000 rows, with errors far apart in it.
  const file = (n: number, edit: (lines: string[]) => void = () => {}) => {
    const lines = ["Transactions", "User,Alex,1", HEADER, ...Array.from({ length: n }, (_, i) => row(i))];
    edit(lines);
    return lines.join("\n");
  };
  it("reads every row, skips blank ones, and reads a table again", () => {
    const { table, format } = readTable(
      file(20_000, (l) => {
        l[500] = " , ";
      }),
      "cb.csv",
      IMPORT_FORMATS,
    );
    const first = format.parse(table);
    expect(first).toHaveLength(19_999);
    expect(first[0]).toMatchObject({ line: 4, id: "cb-0" });
    expect(first.at(-1)).toMatchObject({ line: 20_003, id: "cb-19999" });
    expect(format.parse(table)).toEqual(first);
    // `rows` reads the same rows whole.
    expect(table.rows).toHaveLength(19_999);
    expect(table.rows[0]).toMatchObject({ line: 4 });
  });
  it("fails with the file's CSV syntax error wherever it is, as when the whole file was read first", () => {
    const parse = (text: string) => () => {
      const { table, format } = readTable(text, "cb.csv", IMPORT_FORMATS);
      return format.parse(table);
    };
    // A bad row early, a syntax error far later: the syntax error.
    const both = file(20_000, (l) => {
      l[10] = row(7, "Bogus");
      l[19_000] = row(19_000).replace("cb-", 'c"b-');
    });
    expect(errorOf(parse(both))).toBe('cb.csv:19001: a quote (") inside an unquoted cell');
    // The bad row alone.
    const bad = file(20_000, (l) => {
      l[10] = row(7, "Bogus");
    });
    expect(errorOf(parse(bad))).toContain("cb.csv:11: Transaction Type: unknown type 'Bogus'");
    // A quoted cell left open at the very end.
    expect(errorOf(parse(`${file(20_000)},"open`))).toBe("cb.csv:20003: quoted cell is never closed");
  });
});

describe("a currency written in a cell", () => {
  const KOINLY =
    "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,Net Worth Amount,Net Worth Currency,Label,Description,TxHash";
  const koinly = (row: string) => () => read("k.csv", `${KOINLY}\n${row}\n`).records;
  it("is the column's currency, or the row is an error (never read as the column's)", () => {
    expect(parseAmount("€5", "x")?.unit).toBe("EUR");
    expect(parseAmount("-$5", "x")?.unit).toBe("USD");
    expect(errorOf(() => parseAmount("€5 USD", "f:2: Amount"))).toBe(
      "f:2: Amount: two currencies (€ and USD): '€5 USD'",
    );
    expect(errorOf(koinly("2025-05-02 10:00 UTC,0.1,ETH,300,USDC,,,€280,USD,,,"))).toBe(
      "k.csv:2: Net Worth Amount: '€280' is in EUR, but the column is in USD",
    );
    expect(errorOf(koinly("2025-05-02 10:00 UTC,0.1,ETH,300,USDC,,,0.1 ETH,USD,,,"))).toBe(
      "k.csv:2: Net Worth Amount: '0.1 ETH' is in ETH, but the column is in USD",
    );
    expect(errorOf(koinly("2025-05-02 10:00 UTC,$0.1,ETH,300,USDC,,,,,,,"))).toBe(
      "k.csv:2: Sent Amount: '$0.1' is in USD, but the column is in ETH",
    );
    const gemini = [
      "Date,Time (UTC),Type,Symbol,Specification,USD Amount USD,Trading Fee (USD) USD,ETH Amount ETH,Trading Fee (ETH) ETH,Trade ID,Tx Hash,Withdrawal Destination",
      "2025-03-04,13:00:00.000,Debit,ETH,Withdrawal (ETH),,,(0.5 BTC),,,,",
    ].join("\n");
    expect(errorOf(() => read("g.csv", gemini))).toBe(
      "g.csv:2: ETH Amount ETH: '(0.5 BTC)' is in BTC, but the column is in ETH",
    );
    const coinbase = [
      "ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes",
      'c1,2025-01-06 10:00:00 UTC,Buy,ETH,1.5,USD,"$3,300.00","€4,950.00","$4,999.50",$49.50,',
    ].join("\n");
    expect(errorOf(() => read("c.csv", coinbase))).toBe(
      "c.csv:2: Subtotal: '€4,950.00' is in EUR, but the column is in USD",
    );
  });
  it("in the column's currency reads as before", () => {
    const [row] = koinly('2025-05-02 10:00 UTC,0.1 ETH,ETH,300,USDC,,,"$1,300.50",USD,,,')();
    expect(row).toMatchObject({ out: { asset: "ETH", quantity: "0.1" }, usdValue: "1300.5" });
    // A value in another currency than USD is not the FMV, whatever it is written as.
    expect(koinly("2025-05-02 10:00 UTC,0.1,ETH,300,USDC,,,€280,EUR,,,")()[0]!.usdValue).toBeUndefined();
  });
});

describe("detection", () => {
  it("lists the supported formats and what it saw", () => {
    const msg = errorOf(() =>
      readTable("Date,Amount,Coin\n2025-01-01,1,BTC\n", "mystery.csv", IMPORT_FORMATS),
    );
    expect(msg).toContain("mystery.csv: unknown format");
    expect(msg).toContain("detected: line 1 starts 'Date,Amount,Coin'");
    expect(msg).toContain(
      "supported: coinbase (Coinbase transaction history CSV), coinbase-raw (Coinbase raw transaction report CSV), kraken (Kraken ledgers CSV)",
    );
  });
  it("a CoinTracker CSV with an extra column says so (CoinTracker allows no other columns)", () => {
    const text =
      "Date,Received Quantity,Received Currency,Sent Quantity,Sent Currency,Fee Amount,Fee Currency,Tag,Notes\n" +
      "01/02/2025 10:00:00,1,ETH,,,,,,bought\n";
    const msg = errorOf(() => readTable(text, "ct.csv", IMPORT_FORMATS));
    expect(msg).toContain("ct.csv: unknown format");
    expect(msg).toContain("this looks like a CoinTracker CSV with other columns too ('Notes')");
    // The same file without the extra column reads.
    const plain = text.replace(",Notes", "").replace(",bought", "");
    expect(readTable(plain, "ct.csv", IMPORT_FORMATS).format.name).toBe("cointracker");
  });
});

describe("exchange types read from public parsers' evidence (staking moves, rebates, airdrops, delistings)", () => {
  const KRAKEN_HEADER =
    '"txid","refid","time","type","subtype","aclass","asset","wallet","amount","fee","balance"';
  const kraken = (...rows: string[]) => read("k.csv", [KRAKEN_HEADER, ...rows].join("\n")).records;

  it("sums a Kraken order filled from two wallets (spot and earn) instead of keeping one leg", () => {
    const records = kraken(
      '"L1","TSPLIT-A","2025-02-01 10:00:00","trade","","currency","XETH","spot / main",-29.86,0.0000,0',
      '"L2","TSPLIT-A","2025-02-01 10:00:00","trade","","currency","XETH","earn / flexible",-1.55,0.0000,0',
      '"L3","TSPLIT-A","2025-02-01 10:00:00","trade","","currency","ZUSD","spot / main",94000.00,150.40,94000',
    );
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      id: "TSPLIT-A",
      kind: "sell",
      line: 2,
      out: { asset: "ETH", quantity: "31.41" },
      in: { asset: "USD", quantity: "94000" },
      fee: { asset: "USD", quantity: "150.4" },
      usdValue: "94000",
      feeUsd: "150.4",
    });
    expect(records[0]!.note).toContain("lines 2, 3, 4");
  });

  it("refuses one side of a Kraken order in two assets", () => {
    expect(
      errorOf(() =>
        kraken(
          '"L1","TBAD","2025-02-01 10:00:00","trade","","currency","XETH","spot / main",-1,0,0',
          '"L2","TBAD","2025-02-01 10:00:00","trade","","currency","XXBT","spot / main",-0.1,0,0',
          '"L3","TBAD","2025-02-01 10:00:00","trade","","currency","ZUSD","spot / main",5000,0,0',
        ),
      ),
    ).toMatch(/^k\.csv:2: refid: 'TBAD' has negative rows in ETH and BTC \(lines 2, 3\)/);
  });

  it("reads Kraken airdrops as income and asks about transfers it cannot place; internal moves are skipped", () => {
    const records = kraken(
      '"L1","R1","2025-01-22 11:39:14","earn","airdrop","currency","FLR","earn / flexible",151.5,0,151.5',
      '"L2","R2","2025-01-23 00:00:00","earn","allocation","currency","XETH","earn / flexible",1,0,1',
      '"L3","R3","2025-01-24 00:00:00","transfer","","currency","BCH","spot / main",0.25,0,0.25',
      '"L4","R4","2025-01-25 00:00:00","transfer","delistingconversion","currency","BSV","spot / main",-2,0,0',
      '"L5","R5","2025-01-26 00:00:00","transfer","spotfromfutures","currency","ETHW","spot / main",0.1,0,0.1',
      '"L6","R6","2025-01-27 00:00:00","earn","somethingnew","currency","DOT","earn / flexible",3,0,3',
      '"L7","A7","2025-01-28 00:00:00","sale","","currency","ZUSD","spot / main",-100,1.5,0',
      '"L8","A7","2025-01-28 00:00:00","sale","","currency","SOL","spot / main",0.5,0,0.5',
    );
    expect(records.map((r) => [r.id, r.kind, r.subtype ?? "", r.review?.reason ?? ""])).toEqual([
      ["L1", "income", "airdrop", ""],
      ["L3", "review", "exchange_transfer", "exchange_transfer"],
      ["L4", "review", "exchange_delisting", "exchange_delisting"],
      ["L6", "review", "exchange_transfer", "exchange_transfer"],
      ["A7", "buy", "instant_buy", ""],
    ]);
    expect(byId(records, "L1").in).toEqual({ asset: "FLR", quantity: "151.5" });
    expect(byId(records, "L3").review!.message).toContain("airdrops and forks");
    expect(byId(records, "L4")).toMatchObject({ out: { asset: "BSV", quantity: "2" } });
    expect(byId(records, "L4").review!.message).toContain("Kraken converted a delisted coin: -2 BSV");
    expect(byId(records, "L6").review!.message).toContain("Kraken earn 'somethingnew' of +3 DOT");
    expect(byId(records, "A7")).toMatchObject({
      out: { asset: "USD", quantity: "100" },
      in: { asset: "SOL", quantity: "0.5" },
    });
  });

  it("skips Coinbase's staking and ETH2 moves, reads rewards and books rebates as income with a review item", () => {
    const text = [
      "ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes",
      "c1,2025-01-08 17:38:49 UTC,Retail Staking Transfer,SOL,0.124,USD,$133.07,$16.50,$16.50,$0.00,",
      'c2,2025-01-09 00:00:00 UTC,Retail Eth2 Deprecation,ETH2,-0.5,USD,"$3,300.00","$1,650.00","$1,650.00",$0.00,',
      'c3,2025-01-10 00:00:00 UTC,Reward Income,ETH2,0.001,USD,"$3,300.00",$3.30,$3.30,$0.00,',
      "c4,2025-01-11 00:00:00 UTC,Subscription Rebates (24 Hours),USDC,1.25,USD,$1.00,$1.25,$1.25,$0.00,",
      "c5,2025-01-12 00:00:00 UTC,Incentives Rewards Payout,USDC,5,USD,$1.00,$5.00,$5.00,$0.00,",
    ].join("\n");
    const { format, records } = read("cb.csv", text);
    expect(format).toBe("coinbase");
    expect(records.map((r) => [r.id, r.kind, r.subtype ?? "", r.review?.reason ?? ""])).toEqual([
      ["c3", "income", "reward", ""],
      ["c4", "income", "rebate", "exchange_rebate"],
      ["c5", "income", "reward", ""],
    ]);
    expect(byId(records, "c3").in).toEqual({ asset: "ETH", quantity: "0.001" });
    expect(byId(records, "c4")).toMatchObject({ in: { asset: "USDC", quantity: "1.25" }, usdValue: "1.25" });
    expect(byId(records, "c4").review!.message).toContain(
      "Coinbase 'Subscription Rebates (24 Hours)' booked as ordinary income",
    );
  });

  it("skips Stake rows of Coinbase's raw report and books a Card rebate reward as income with a review item", () => {
    const text = [
      'Transaction ID,Transaction Type,Date & time,Asset Acquired,"Quantity Acquired (Bought, Received, etc)",Cost Basis (incl. fees and/or spread) (USD),Data Source,"Asset Disposed (Sold, Sent, etc)",Quantity Disposed,Proceeds (excl. fees and/or spread) (USD)',
      "r1,Stake,2025-03-01T00:00:00Z,,,,,ETH,1,",
      "r2,Card rebate reward,2025-03-02T00:00:00Z,XLM,12.5,3.75,Coinbase,,,",
    ].join("\n");
    const { records } = read("raw.csv", text);
    expect(records.map((r) => [r.id, r.kind, r.subtype ?? ""])).toEqual([["r2", "income", "card_reward"]]);
    expect(byId(records, "r2")).toMatchObject({
      in: { asset: "XLM", quantity: "12.5" },
      usdValue: "3.75",
      review: { reason: "exchange_rebate" },
    });
  });
});
