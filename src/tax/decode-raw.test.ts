/**
 * The byte fast path (`prepareRaw`) must give exactly what the general path (`prepare` on a
 * `LedgerRow` of strings) gives: the same prepared rows, or the same error. Checked on generated
 * ledgers, valid and broken in every way a cell can be.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { pow10 } from "../ledger/decimal.ts";
import { streamLedgerFile } from "../ledger/read.ts";
import { LEDGER_COLUMNS } from "../ledger/types.ts";
import { formatCsvRow } from "../utils/csv.ts";
import { readLedgerOnThread } from "./parse-thread.ts";
import { ledgerThreadScript } from "./parse-thread-start.ts";
import { createRowPreparer, type PreparedRow, rescaleRow } from "./prepare.ts";

const dir = mkdtempSync(path.join(tmpdir(), "lotwise-raw-"));
let n = 0;

const prepareFile = async (file: string, fast: boolean) => {
  const rows: PreparedRow[] = [];
  let scales = { q: 18, u: 2 };
  const p = createRowPreparer("f.csv", (q, u) => {
    for (const r of rows) rescaleRow(r, pow10(q - scales.q), pow10(u - scales.u));
    scales = { q, u };
  });
  try {
    await streamLedgerFile(file, (row) => rows.push(p.prepare(row)), {
      source: "f.csv",
      onRaw: fast
        ? (raw) => {
            const x = p.prepareRaw(raw);
            if (x === undefined) return false;
            rows.push(x);
            return true;
          }
        : undefined,
    });
    p.checkLotReferences();
    return { rows, scales };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

/** The same through the reading thread (src/tax/parse-thread.ts): `prepareBatchRow`. */
const prepareOnThread = async (file: string) => {
  const rows: PreparedRow[] = [];
  let scales = { q: 18, u: 2 };
  const p = createRowPreparer("f.csv", (q, u) => {
    for (const r of rows) rescaleRow(r, pow10(q - scales.q), pow10(u - scales.u));
    scales = { q, u };
  });
  try {
    await readLedgerOnThread(ledgerThreadScript()!, file, "f.csv", {
      batch: (b, names) => {
        for (let i = 0, g = 0; i < b.count; i++)
          rows.push(p.prepareBatchRow(b, i, b.general[i] === 1 ? g++ : -1, names));
      },
      threadIds: p.threadIds,
    });
    p.checkLotReferences();
    return { rows, scales };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

const COLUMNS = [...LEDGER_COLUMNS, "x_extra"];
const col = (name: string) => COLUMNS.indexOf(name);

/** A valid row per type (cells in `COLUMNS` order). */
const base = (i: number, type: string): string[] => {
  const c: string[] = COLUMNS.map(() => "");
  c[col("id")] = `r${i}`;
  c[col("time")] = `2025-01-${String((i % 28) + 1).padStart(2, "0")}T10:00:00Z`;
  c[col("type")] = type;
  c[col("wallet")] = i % 2 ? "coinbase:main" : "ethereum:0xab";
  const out = () => {
    c[col("out_asset")] = "ETH";
    c[col("out_quantity")] = "0.5";
  };
  const into = () => {
    c[col("in_asset")] = "BTC";
    c[col("in_quantity")] = "1.25";
  };
  if (type === "buy" || type === "income") into();
  if (type === "sell" || type === "spend" || type === "gift" || type === "transfer") out();
  if (type === "swap") {
    out();
    into();
  }
  if (type !== "gift" && type !== "transfer" && type !== "fee") c[col("usd_value")] = "100.5";
  if (type === "transfer") c[col("to_wallet")] = "ledger:1";
  if (type === "fee") {
    c[col("fee_asset")] = "ETH";
    c[col("fee_quantity")] = "0.001";
    c[col("fee_usd")] = "2";
  }
  return c;
};

const BAD_VALUES = [
  "",
  "-1",
  "1e3",
  "0",
  "0.000",
  "1.",
  ".5",
  "abc",
  "USD",
  "ÉTH",
  "x,y",
  'a"b',
  "1.12345678901234567890123",
  "12345678901234567890.5",
  "2025-01-01T00:00:00",
  "2025-02-30T00:00:00Z",
  "transfer",
  "fee",
  "Buy",
  "r0",
  "r1:0.1",
  "note\nwith a line break",
];

const mutation = fc.record({
  column: fc.constantFrom(...COLUMNS),
  value: fc.constantFrom(...BAD_VALUES),
});

const rowArb = fc.record({
  type: fc.constantFrom("buy", "income", "sell", "spend", "swap", "gift", "transfer", "fee"),
  mutations: fc.oneof(
    { arbitrary: fc.constant([]), weight: 5 },
    { arbitrary: fc.array(mutation, { minLength: 1, maxLength: 2 }), weight: 1 },
  ),
  fee: fc.constantFrom("none", "usd", "same", "other"),
});

describe("prepareRaw() against prepare()", () => {
  test("property: same prepared rows or the same error", async () => {
    const outcomes = { rows: 0, error: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 12 }), async (specs) => {
        const lines = [formatCsvRow(COLUMNS, { escapeFormulas: false })];
        specs.forEach((s, i) => {
          const c = base(i, s.type);
          if (s.type !== "fee" && s.fee !== "none") {
            c[col("fee_asset")] = s.fee === "usd" ? "USD" : s.fee === "same" ? "ETH" : "SOL";
            if (s.fee !== "usd") c[col("fee_quantity")] = "0.01";
            c[col("fee_usd")] = "3.25";
          }
          for (const m of s.mutations) c[col(m.column)] = m.value;
          lines.push(formatCsvRow(c, { escapeFormulas: false }));
        });
        const file = path.join(dir, `l${++n}.csv`);
        writeFileSync(file, lines.join(""));
        const general = await prepareFile(file, false);
        const fast = await prepareFile(file, true);
        expect(fast).toEqual(general);
        // A thread per run: a fifth of the runs also go through the reading thread.
        if (n % 5 === 0) expect(await prepareOnThread(file)).toEqual(general);
        outcomes["error" in general ? "error" : "rows"]++;
      }),
      { numRuns: 400 },
    );
    // Both outcomes are well represented (the property is not vacuous).
    expect(outcomes.rows).toBeGreaterThan(40);
    expect(outcomes.error).toBeGreaterThan(40);
  });

  test("amounts of 1 to 20 digits, names that differ only inside, near-miss types: the same on every path", async () => {
    // The decoder gathers digits nine at a time (exact up to 15), hashes a name by its length,
    // first byte and last 8 bytes (compared 4 at a time), and picks a type by its first byte:
    // amounts around those bounds, names alike at both ends, types one byte off.
    const digits = "98765432109876543210";
    const amounts = new Set<string>();
    for (let d = 1; d <= 20; d++) {
      const ds = digits.slice(0, d);
      for (const point of [0, 1, d - 1])
        amounts.add(point > 0 && point < d ? `${ds.slice(0, point)}.${ds.slice(point)}` : ds);
      amounts.add(`0.${ds}`);
    }
    const middle = (c: string) => `ethereum:0x${"1".repeat(20)}${c}${"1".repeat(19)}`;
    const wallets = [
      middle("1"),
      middle("2"),
      "abcdefgh",
      "abcdXfgh",
      "ab",
      "ac",
      "a",
      "ABCDEFGHIJKL",
      "ABCDEFGHIJKM",
    ];
    const lines = [formatCsvRow(COLUMNS, { escapeFormulas: false })];
    let i = 0;
    const list = [...amounts];
    for (const a of list) {
      const c = base(i, "buy");
      c[col("wallet")] = wallets[i % wallets.length]!;
      c[col("in_asset")] = wallets[(i + 1) % wallets.length]!;
      c[col("in_quantity")] = a;
      c[col("usd_value")] = list[(i * 7) % list.length]!;
      lines.push(formatCsvRow(c, { escapeFormulas: false }));
      i++;
    }
    const file = path.join(dir, "bounds.csv");
    writeFileSync(file, lines.join(""));
    const general = await prepareFile(file, false);
    if ("error" in general) throw new Error(general.error);
    const rows = general.rows;
    expect(rows.length).toBe(list.length);
    expect(new Set(rows.map((r) => r.wallet)).size).toBe(wallets.length);
    expect(await prepareFile(file, true)).toEqual(general);
    expect(await prepareOnThread(file)).toEqual(general);

    for (const type of [
      "bu",
      "buyy",
      "sel",
      "selL",
      "swa",
      "swapp",
      "spen",
      "spendd",
      "sx",
      "gif",
      "giftt",
      "transfex",
      "incomf",
      "fe",
      "fex",
      "xyz",
    ]) {
      const typed = [formatCsvRow(COLUMNS, { escapeFormulas: false })];
      const c = base(0, "sell");
      c[col("type")] = type;
      typed.push(formatCsvRow(c, { escapeFormulas: false }));
      const f = path.join(dir, `type-${type}.csv`);
      writeFileSync(f, typed.join(""));
      const g = await prepareFile(f, false);
      expect(g).toHaveProperty("error");
      expect(await prepareFile(f, true)).toEqual(g);
    }
  });

  test("plain valid rows do take the fast path", async () => {
    const file = path.join(dir, "plain.csv");
    const lines = [formatCsvRow(COLUMNS, { escapeFormulas: false })];
    for (let i = 0; i < 8; i++)
      lines.push(
        formatCsvRow(base(i, ["buy", "sell", "swap", "income", "spend", "gift", "transfer", "fee"][i]!)),
      );
    writeFileSync(file, lines.join(""));
    let raw = 0;
    let general = 0;
    const p = createRowPreparer("f.csv", () => {});
    await streamLedgerFile(
      file,
      (row) => {
        general++;
        p.prepare(row);
      },
      {
        onRaw: (r) => {
          const x = p.prepareRaw(r);
          if (x) raw++;
          return x !== undefined;
        },
      },
    );
    expect([raw, general]).toEqual([8, 0]);
  });

  test("the thread numbers names met on rows that then take the general path", async () => {
    // Row 1 meets a new wallet and asset, then goes general (a non-ASCII subtype); rows 2 and 3
    // (decoded) use those names and meet more: every row must name the same wallet and assets.
    const lines = [formatCsvRow(COLUMNS, { escapeFormulas: false })];
    const row = (i: number, wallet: string, asset: string, subtype: string) => {
      const c = base(i, "income");
      c[col("wallet")] = wallet;
      c[col("in_asset")] = asset;
      c[col("subtype")] = subtype;
      lines.push(formatCsvRow(c, { escapeFormulas: false }));
    };
    row(1, "first:wallet", "AAA", "staking-é");
    row(2, "first:wallet", "BBB", "staking");
    row(3, "second:wallet", "AAA", "airdrop");
    row(4, "second:wallet", "CCC", "airdrop-é");
    row(5, "third:wallet", "CCC", "staking");
    const file = path.join(dir, "names.csv");
    writeFileSync(file, `${lines.join("\n")}\n`);
    const general = await prepareFile(file, false);
    expect(general).toHaveProperty("rows");
    const rows = (general as { rows: PreparedRow[] }).rows;
    expect(rows.map((r) => [r.wallet, r.inAsset, r.subtype])).toEqual([
      ["first:wallet", "AAA", "staking-é"],
      ["first:wallet", "BBB", "staking"],
      ["second:wallet", "AAA", "airdrop"],
      ["second:wallet", "CCC", "airdrop-é"],
      ["third:wallet", "CCC", "staking"],
    ]);
    expect(await prepareOnThread(file)).toEqual(general);
  });
});
