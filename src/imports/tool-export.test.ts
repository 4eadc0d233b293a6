import { describe, expect, test } from "vitest";
import type { LedgerRow } from "../ledger/types.ts";
import { formatToolCsv } from "./tool-export.ts";

const HASH = `0x${"ab".repeat(32)}`;

describe("Koinly and CoinTracker exports of a gift received", () => {
  // A review decision `--as gift` on an inflow: a transfer from the donor's account, no basis.
  const rows: LedgerRow[] = [
    {
      id: `evm:1:${HASH}:0`,
      time: "2025-03-01T14:00:00Z",
      type: "transfer",
      wallet: "gift:ethereum:0x9999999999999999999999999999999999999999",
      toWallet: "ethereum:0x1111111111111111111111111111111111111111",
      outAsset: "ETH",
      outQuantity: "0.998",
      subtype: "gift_received",
      tx: HASH,
    },
  ];

  test("is one arrival labelled gift in the receiving wallet, never a send from the donor's account", () => {
    const koinly = formatToolCsv("koinly", rows).trim().split("\n");
    expect(koinly.slice(1)).toEqual([
      `2025-03-01 14:00:00 UTC,,,0.998,ETH,,,,,gift,[ethereum:0x1111111111111111111111111111111111111111] gift received from gift:ethereum:0x9999999999999999999999999999999999999999 (evm:1:${HASH}:0),${HASH}`,
    ]);
    const ct = formatToolCsv("cointracker", rows).trim().split("\n");
    expect(ct.slice(1)).toEqual(["03/01/2025 14:00:00,0.998,ETH,,,,,gift"]);
  });
});

describe("Koinly and CoinTracker exports of gifts given, donations and losses", () => {
  const given = (subtype: string, n: number): LedgerRow => ({
    id: `import:koinly:k:row-${n}`,
    time: `2025-05-0${n}T10:00:00Z`,
    type: "gift",
    wallet: "koinly:k",
    outAsset: "ETH",
    outQuantity: "0.1",
    subtype,
    tx: `row-${n}`,
  });
  const rows = [given("gift", 1), given("donation", 2), given("lost", 3), given("stolen", 4)];

  test("keep their label, so that either tool reads them back as no-gain sends (a theft as lost)", () => {
    const label = (line: string, at: number) => line.split(",")[at];
    const koinly = formatToolCsv("koinly", rows).trim().split("\n").slice(1);
    expect(koinly.map((l) => label(l, 9))).toEqual(["gift", "donation", "lost", "lost"]);
    const ct = formatToolCsv("cointracker", rows).trim().split("\n").slice(1);
    expect(ct.map((l) => label(l, 7))).toEqual(["gift", "donation", "lost", "lost"]);
  });
});
