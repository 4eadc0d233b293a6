import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { ROOT } from "../../test/cli.ts";
import { createAssetIdentity } from "../assets/index.ts";
import { UserInputError } from "../errors.ts";
import { IMPORT_FORMATS } from "../imports/registry.ts";
import { readTable } from "../imports/table.ts";
import { parseLedgerCsv, readLedgerFile } from "../ledger/read.ts";
import { parsePriceFile } from "../prices/import.ts";
import { parseFormText } from "../reconcile/parse.ts";
import { detectFormat } from "./detect.ts";

/** A file that is clearly another format gets "this looks like X; use `…`", not "unknown column". */
const KRAKEN = '"txid","refid","time","type","subtype","aclass","asset","amount","fee","balance"\n';
const COINBASE =
  "Timestamp,Transaction Type,Asset,Quantity Transacted,Spot Price Currency,Spot Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes\n";
const FORM =
  "broker,account,asset_code,asset_name,units,date_acquired,date_sold,proceeds,cost_basis,term\nCoinbase,1,ETH,Ether,1,2024-01-01,2025-01-01,100,50,long\n";
const LEDGER =
  "id,time,type,wallet,in_asset,in_quantity,usd_value\nb1,2024-01-01T00:00:00Z,buy,cb:main,ETH,1,100\n";

const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof UserInputError) return e.message;
    throw e;
  }
  throw new Error("expected an error");
};

describe("files of another format", () => {
  const identity = createAssetIdentity();
  test("the ledger reader names exchange exports, 1099-DA files and price files", () => {
    expect(messageOf(() => parseLedgerCsv(KRAKEN, "k.csv"))).toBe(
      "k.csv:1: header: this looks like a Kraken ledgers export, not a ledger CSV v1 file; use `lotwise import k.csv --account NAME`",
    );
    expect(messageOf(() => parseLedgerCsv(COINBASE, "c.csv"))).toBe(
      "c.csv:1: header: this looks like a Coinbase transaction history export, not a ledger CSV v1 file; use `lotwise import c.csv --account NAME`",
    );
    expect(messageOf(() => parseLedgerCsv(FORM, "f.csv"))).toBe(
      "f.csv:1: header: this looks like a Form 1099-DA CSV, not a ledger CSV v1 file; use `lotwise forms import f.csv --account NAME`",
    );
    expect(messageOf(() => parseLedgerCsv("asset,time,usd\nETH,2024-01-01,1\n", "p.csv"))).toBe(
      "p.csv:1: header: this looks like a USD price file, not a ledger CSV v1 file; use `lotwise prices import p.csv`",
    );
    // A ledger with a genuinely unknown column still gets the column error.
    expect(messageOf(() => parseLedgerCsv("id,time,type,wallet,colour\n", "l.csv"))).toMatch(
      /^l\.csv:1: colour: unknown column/,
    );
  });

  test("the price file and 1099-DA readers do the same", () => {
    expect(messageOf(() => parsePriceFile(LEDGER, { file: "l.csv", identity }))).toBe(
      [
        "l.csv:1: header: this looks like a ledger CSV v1 file, not a price file (asset,time,usd); use `lotwise ledger import l.csv --name NAME` or `lotwise gains --ledger l.csv`",
        "nothing was imported",
      ].join("\n"),
    );
    expect(messageOf(() => parseFormText(KRAKEN, { source: "k.csv" }))).toBe(
      "k.csv:1: header: this looks like a Kraken ledgers export, not a Form 1099-DA CSV; use `lotwise import k.csv --account NAME`\nnothing was imported",
    );
  });

  test("exchange exports are recognized by the import registry's own detectors, sample by sample", () => {
    const samples = path.join(ROOT, "test", "samples", "imports");
    const files: Record<string, string> = {
      coinbase: "coinbase.csv",
      "coinbase-raw": "coinbase-raw.csv",
      kraken: "kraken-ledgers.csv",
      gemini: "gemini.csv",
      robinhood: "robinhood.csv",
      koinly: "koinly.csv",
      cointracker: "cointracker.csv",
    };
    expect(Object.keys(files).sort()).toEqual(IMPORT_FORMATS.map((f) => f.name).sort());
    for (const f of IMPORT_FORMATS) {
      const { table, format } = readTable(
        readFileSync(path.join(samples, files[f.name]!), "utf8"),
        "x.csv",
        IMPORT_FORMATS,
      );
      expect(format.name).toBe(f.name);
      expect(detectFormat(table.header)).toEqual({
        what: f.looksLike,
        command: "lotwise import FILE --account NAME",
        kind: "exchange",
      });
    }
    // A format the old signature list never had: the ledger reader now names it too.
    const raw = readFileSync(path.join(samples, "coinbase-raw.csv"), "utf8");
    expect(messageOf(() => parseLedgerCsv(raw, "r.csv"))).toBe(
      "r.csv:1: header: this looks like a Coinbase raw transaction report, not a ledger CSV v1 file; use `lotwise import r.csv --account NAME`",
    );
  });

  test("an export whose header follows preamble lines (Coinbase's) is named by every reader", async () => {
    // test/samples/imports/coinbase.csv: a blank line, `Transactions`, `User,…`, then the header on line 4.
    const file = path.join(ROOT, "test", "samples", "imports", "coinbase.csv");
    const text = readFileSync(file, "utf8");
    const what = "this looks like a Coinbase transaction history export";
    expect(messageOf(() => parseLedgerCsv(text, "c.csv"))).toBe(
      `c.csv:4: header: ${what}, not a ledger CSV v1 file; use \`lotwise import c.csv --account NAME\``,
    );
    // The streamed file reader (gains --ledger, ledger import) says the same.
    await expect(readLedgerFile(file, "c.csv")).rejects.toThrow(`c.csv:4: header: ${what}`);
    expect(messageOf(() => parsePriceFile(text, { file: "c.csv", identity }))).toMatch(
      new RegExp(`^c\\.csv:4: header: ${what}, not a price file`),
    );
    expect(messageOf(() => parseFormText(text, { source: "c.csv" }))).toMatch(
      new RegExp(`^c\\.csv:4: header: ${what}, not a Form 1099-DA CSV`),
    );
    // A first line that is no header, with no known header after it: the first line's own error.
    const unknown = "Report\nid,time,type,wallet\nb1,2024-01-01T00:00:00Z,buy,cb:main\n";
    expect(messageOf(() => parseLedgerCsv(unknown, "u.csv"))).toMatch(/^u\.csv:1: Report: unknown column/);
    await expect(readLedgerFile(file.replace("coinbase.csv", "kraken-ledgers.csv"), "k.csv")).rejects.toThrow(
      "k.csv:1: header: this looks like a Kraken ledgers export",
    );
  });

  test("an export lotwise recognizes but does not import says what to do instead", () => {
    const binance =
      "User_ID,UTC_Time,Account,Operation,Coin,Change,Remark\n1,2025-01-01 00:00:00,Spot,Deposit,BTC,0.1,\n";
    expect(messageOf(() => parseLedgerCsv(binance, "b.csv"))).toBe(
      "b.csv:1: header: this looks like a Binance transaction history export, not a ledger CSV v1 file; lotwise import does not read Binance exports yet: write its rows as ledger CSV v1 (docs/ledger-csv.md) and use `lotwise ledger import b.csv --name NAME`",
    );
    // Binance's spot trade history: before, "Date(UTC): unknown column".
    const trades =
      "Date(UTC),Pair,Side,Price,Executed,Amount,Fee\n2025-01-01 00:00:00,ETHUSDT,BUY,3000,1ETH,3000USDT,0.001ETH\n";
    expect(messageOf(() => parseLedgerCsv(trades, "t.csv"))).toBe(
      "t.csv:1: header: this looks like a Binance trade history export, not a ledger CSV v1 file; lotwise import does not read Binance exports yet: write its rows as ledger CSV v1 (docs/ledger-csv.md) and use `lotwise ledger import t.csv --name NAME`",
    );
  });
});
