import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { lookupLedgerRows, scanLedgerFile } from "./ledger-input.ts";

const dir = mkdtempSync(path.join(tmpdir(), "lotwise-lookup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype,tx,note,x_origin";
const LINES = [
  "b1,2025-01-01T00:00:00Z,buy,coinbase:main,,,ETH,1,3000.00,,,,,,,,,import:coinbase",
  "i1,2025-01-02T00:00:00Z,income,ethereum:0x1111111111111111111111111111111111111111,,,ETH,0.1,300.00,,,,,,staking,0xaa;0xbb,,chain",
  "t1,2025-01-03T00:00:00Z,transfer,ethereum:0x1111111111111111111111111111111111111111,ETH,0.5,,,,,,,coinbase:main,,,0xcc,,chain",
  "s1,2025-01-04T00:00:00Z,sell,coinbase:main,ETH,0.5,USD,1600,1600.00,USD,,2.50,,,,,näive note,import:coinbase",
  "s10,2025-01-05T00:00:00Z,sell,coinbase:main,ETH,0.1,USD,320,320.00,,,,,,,,,import:coinbase",
];
const ids = new Set(["i1", "s1", "t1", "missing"]);
/** Written out by hand from LINES (not by the code under test). */
const EXPECTED = new Map([
  [
    "i1",
    {
      id: "i1",
      type: "income",
      wallet: "ethereum:0x1111111111111111111111111111111111111111",
      tx: "0xaa;0xbb",
      feeUsd: undefined,
      subtype: "staking",
      origin: "chain",
    },
  ],
  [
    "t1",
    {
      id: "t1",
      type: "transfer",
      wallet: "ethereum:0x1111111111111111111111111111111111111111",
      tx: "0xcc",
      feeUsd: undefined,
      subtype: undefined,
      origin: "chain",
    },
  ],
  [
    "s1",
    {
      id: "s1",
      type: "sell",
      wallet: "coinbase:main",
      tx: undefined,
      feeUsd: "2.50",
      subtype: undefined,
      origin: "import:coinbase",
    },
  ],
]);

const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const sorted = (m: Map<string, unknown> | undefined) => (m ? [...m].sort(([a], [b]) => (a < b ? -1 : 1)) : m);

describe("lookupLedgerRows on a ledger file", () => {
  test("the id scan finds exactly the wanted rows, whatever the read size (lines cut anywhere)", async () => {
    const file = write("lf.csv", `${HEADER}\n${LINES.join("\n")}\n`);
    for (const readBytes of [1, 7, 64, 1 << 22]) {
      expect(sorted(await scanLedgerFile(file, ids, readBytes)), `read ${readBytes}`).toEqual(
        sorted(EXPECTED),
      );
    }
  });

  test("CRLF line ends, a BOM, blank lines and no newline at the end", async () => {
    const file = write("crlf.csv", `\uFEFF${HEADER}\r\n${LINES.join("\r\n\r\n")}`);
    for (const readBytes of [3, 1 << 22])
      expect(sorted(await scanLedgerFile(file, ids, readBytes))).toEqual(sorted(EXPECTED));
  });

  test("a quoted cell or a lone CR leaves it to the CSV reader, which gives the same rows", async () => {
    const quoted = write(
      "quoted.csv",
      `${HEADER}\n${LINES.join("\n").replace("näive note", '"a, quoted note"')}\n`,
    );
    expect(await scanLedgerFile(quoted, ids, 16)).toBeUndefined();
    expect(sorted(await lookupLedgerRows({ kind: "file", path: quoted }, ids))).toEqual(sorted(EXPECTED));
    const lone = write("lone-cr.csv", `${HEADER}\n${LINES.join("\n").replace("näive note", "a\rb")}\n`);
    expect(await scanLedgerFile(lone, ids, 16)).toBeUndefined();
  });

  test("a file without an id column is left to the CSV reader", async () => {
    const file = write("no-id.csv", "time,type\n2025-01-01T00:00:00Z,buy\n");
    expect(await scanLedgerFile(file, ids)).toBeUndefined();
  });
});
