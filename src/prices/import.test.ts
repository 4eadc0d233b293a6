import { describe, expect, test } from "vitest";
import { createAssetIdentity } from "../assets/index.ts";
import { UserInputError } from "../errors.ts";
import { parsePriceFile, parsePriceTime } from "./import.ts";

const identity = createAssetIdentity();
const parse = (text: string) => parsePriceFile(text, { file: "prices.csv", identity });
const errorOf = (text: string): UserInputError => {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof UserInputError) return error;
    throw error;
  }
  throw new Error("expected a UserInputError");
};

describe("parsePriceTime()", () => {
  test("a date alone is 00:00 UTC; instants need Z or an offset", () => {
    expect(parsePriceTime("2024-02-29")).toEqual(new Date("2024-02-29T00:00:00Z"));
    expect(parsePriceTime("2024-03-01T10:00-05:00")).toEqual(new Date("2024-03-01T15:00:00Z"));
    expect(parsePriceTime("2024-03-01T15:00:00.250Z")).toEqual(new Date("2024-03-01T15:00:00.250Z"));
    expect(parsePriceTime("2023-02-29")).toBe('"2023-02-29" is not a calendar date');
    expect(parsePriceTime("2024-03-01T15:00:00")).toBe(
      '"2024-03-01T15:00:00" has no UTC offset (add Z or an offset such as +00:00); a date alone (YYYY-MM-DD) means 00:00 UTC',
    );
    expect(parsePriceTime("03/01/2024")).toBe(
      '"03/01/2024" is not an ISO 8601 instant such as 2025-03-04T15:20:00Z; a date alone (YYYY-MM-DD) means 00:00 UTC',
    );
  });
});

describe("parsePriceFile()", () => {
  test("a good file: columns in any order, x_ columns ignored, assets normalized, quoted cells", () => {
    const rows = parse(
      [
        "usd,x_note,time,asset",
        "1262.2467041015625,daily close,2021-01-10,eth",
        '"40797.609375","a ""quoted"", note",2021-01-08T00:00:00Z,BTC',
        "0.85,,2024-09-04T00:00:00+02:00,matic",
        "1.00,,2021-01-10,ethereum:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
        "0.5,,2021-01-10,evm:31337:0x5fbdb2315678afecb367f032d93f642f64180aa3",
        "",
      ].join("\r\n"),
    );
    expect(rows).toEqual([
      { line: 2, asset: "ETH", time: new Date("2021-01-10T00:00:00Z"), usd: "1262.2467041015625" },
      { line: 3, asset: "BTC", time: new Date("2021-01-08T00:00:00Z"), usd: "40797.609375" },
      { line: 4, asset: "POL", time: new Date("2024-09-03T22:00:00Z"), usd: "0.85" },
      { line: 5, asset: "USDC", time: new Date("2021-01-10T00:00:00Z"), usd: "1" },
      {
        line: 6,
        asset: "evm:31337:0x5FbDB2315678afecb367f032d93F642f64180aa3",
        time: new Date("2021-01-10T00:00:00Z"),
        usd: "0.5",
      },
    ]);
  });

  test("bad rows: every error as FILE:LINE: column: what, and the import refused", () => {
    const e = errorOf(
      [
        "asset,time,usd",
        "ETH,2021-01-10,1262.2467041015625",
        "ETH,2021-01-10T12:00:00,1200",
        "BTC,2021-01-10T00:00:00Z,-5",
        ",2021-01-11,1",
        "ETH,2021-02-30,1",
        "ETH,2021-01-10T00:00:00+00:00,1",
        "foo:bar,2021-01-10,1",
        "BTC,2021-01-11,1e3",
        "ETH,2021-01-12,1,extra",
        "SOL,2021-01-12,1 234.5",
      ].join("\n"),
    );
    expect(e.exitCode).toBe(2);
    expect(e.message.split("\n")).toEqual([
      'prices.csv:3: time: "2021-01-10T12:00:00" has no UTC offset (add Z or an offset such as +00:00); a date alone (YYYY-MM-DD) means 00:00 UTC',
      'prices.csv:4: usd: "-5" is negative; amounts are never negative',
      "prices.csv:5: asset: is empty",
      'prices.csv:6: time: "2021-02-30" is not a calendar date',
      "prices.csv:7: time: duplicate of line 2 (ETH at 2021-01-10T00:00:00.000Z)",
      "prices.csv:8: asset: 'foo:bar' is neither a symbol nor a chain asset id such as ethereum:0x… or evm:31337:0x…",
      'prices.csv:9: usd: "1e3" has an exponent; write a plain decimal number',
      "prices.csv:10: row: has 4 cells, the header has 3",
      'prices.csv:11: usd: "1 234.5" is not a plain decimal number',
      "nothing was imported",
    ]);
  });

  test("header problems", () => {
    expect(errorOf("").message).toBe(
      "prices.csv:1: header: the file is empty; expected the header asset,time,usd\nnothing was imported",
    );
    expect(errorOf("asset,date,usd\nETH,2021-01-01,1\n").message).toBe(
      [
        "prices.csv:1: header: unknown column 'date' (expected asset, time, usd; x_… columns are ignored)",
        "prices.csv:1: header: missing column 'time'",
        "nothing was imported",
      ].join("\n"),
    );
    expect(errorOf("asset,time,usd,usd\n").message).toBe(
      "prices.csv:1: header: column 'usd' appears twice\nnothing was imported",
    );
    expect(errorOf('asset,time,usd\nETH,2021-01-01,"1\n').message).toBe(
      "prices.csv:2: csv: quoted cell is never closed\nnothing was imported",
    );
  });

  test("more than ten errors: the first ten and a count", () => {
    const lines = [
      "asset,time,usd",
      ...Array.from({ length: 15 }, (_, i) => `ETH,2021-01-${String(i + 1).padStart(2, "0")},x`),
    ];
    const e = errorOf(lines.join("\n"));
    const out = e.message.split("\n");
    expect(out).toHaveLength(12);
    expect(out[0]).toBe('prices.csv:2: usd: "x" is not a plain decimal number');
    expect(out[10]).toBe("… and 5 more errors");
    expect(out[11]).toBe("nothing was imported");
  });
});
