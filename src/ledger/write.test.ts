import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { computeGainsYears } from "../tax/gains.ts";
import { buy, paidIn, sell, transfer } from "../tax/ledger.test-support.ts";
import { parseLedgerCsv } from "./read.ts";
import type { LedgerRow } from "./types.ts";
import { formatLedgerCsv, writeLedgerCsv } from "./write.ts";

const rows: LedgerRow[] = [
  buy("b1", "2024-01-01T00:00:00Z", "coinbase:main", "ETH", "2", "4000.50", {
    note: 'says "hi", twice\nreally',
  }),
  transfer(
    "t1",
    "2024-02-01T00:00:00Z",
    "coinbase:main",
    "ethereum:0xab",
    "ETH",
    "1",
    paidIn("ETH", "0.01", "25"),
  ),
  sell("s1", "2024-03-01T00:00:00Z", "ethereum:0xab", "ETH", "0.5", "1500", {
    lots: "b1:0.5",
    subtype: "dex",
    tx: "0x1;0x2",
    extra: { x_source: "uniswap" },
  }),
];

/** What the reader gives back for `rows` (the reader adds `line`). */
const withLines = (rs: LedgerRow[]) => rs.map((r, i) => ({ ...r, line: i + 2 }));

describe("formatLedgerCsv()", () => {
  test("writes the spec's columns in order, then the x_ columns", () => {
    const text = formatLedgerCsv(rows);
    expect(text.split("\n")[0]).toBe(
      "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype,tx,note,x_source",
    );
    expect(text.split("\n")[1]).toBe(
      'b1,2024-01-01T00:00:00Z,buy,coinbase:main,,,ETH,2,4000.50,,,,,,,,"says ""hi"", twice',
    );
  });

  test("round trip: the reader gives back the same rows", () => {
    const back = parseLedgerCsv(formatLedgerCsv(rows));
    expect(back).toEqual(
      withLines(rows).map((r) => ({
        outAsset: undefined,
        outQuantity: undefined,
        inAsset: undefined,
        inQuantity: undefined,
        usdValue: undefined,
        feeAsset: undefined,
        feeQuantity: undefined,
        feeUsd: undefined,
        toWallet: undefined,
        lots: undefined,
        subtype: undefined,
        tx: undefined,
        note: undefined,
        extra: undefined,
        ...r,
        // the quoted note spans two lines, so the third row starts on line 5
        line: r.id === "t1" ? 4 : r.id === "s1" ? 5 : 2,
      })),
    );
  });

  test("formula escaping keeps identities consistent, so the gains do not change", () => {
    const hostile: LedgerRow[] = [
      buy("=b1", "2024-01-01T00:00:00Z", "@wallet", "=ETH", "2", "4000"),
      buy("b2", "2024-01-02T00:00:00Z", "@wallet", "=ETH", "1", "1000"),
      sell("s1", "2025-03-01T00:00:00Z", "@wallet", "=ETH", "2", "9000", {
        lots: "b2:1;=b1:1",
        note: "+cmd",
      }),
    ];
    const escaped = formatLedgerCsv(hostile);
    expect(escaped).toContain("'=b1,");
    expect(escaped).toContain("b2:1;'=b1:1");
    expect(escaped).toContain(",'+cmd");
    const raw = formatLedgerCsv(hostile, { escapeFormulas: false });
    expect(raw).toContain("b2:1;=b1:1");
    const gainsOf = (text: string) =>
      computeGainsYears(parseLedgerCsv(text), { fromYear: 2025, toYear: 2025, scope: "universal" }).years[0]!
        .summary.longTerm;
    expect(gainsOf(escaped)).toEqual(gainsOf(raw));
    // 2 units sold for 9000: one of b1 (basis 4000 / 2) and one of b2 (basis 1000), both long term.
    expect(gainsOf(raw)).toMatchObject({ proceeds: 900_000n, costBasis: 300_000n, gain: 600_000n, rows: 2 });
  });

  test("writeLedgerCsv() writes atomically and leaves no temporary file", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "lotwise-write-"));
    const file = path.join(dir, "ledger.csv");
    await writeLedgerCsv(file, rows);
    expect(readFileSync(file, "utf8")).toBe(formatLedgerCsv(rows));
    expect(readdirSync(dir)).toEqual(["ledger.csv"]);
  });
});
