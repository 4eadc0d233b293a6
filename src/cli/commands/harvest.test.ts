import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { runInProcess } from "../../../test/cli.ts";
import { seedDataDir } from "../../../test/pglite-template.ts";
import { parseLedgerCsv } from "../../ledger/read.ts";
import { formatLedgerCsv } from "../../ledger/write.ts";
import { parseSell, resolveAsOf } from "./harvest.ts";

const work = mkdtempSync(path.join(tmpdir(), "lotwise-harvest-"));
let counter = 0;
const fresh = (name: string) => path.join(work, `${name}-${++counter}`);
/** Writes `name` into a fresh folder (the file keeps its name: price sources are `file:<name>`). */
const write = (name: string, text: string) => {
  const dir = fresh("in");
  mkdirSync(dir);
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype";
// A realized short-term gain of 10,000 (BTC), an ETH position partly below cost, SOL without a price.
const LEDGER = [
  HEADER,
  "btc,2025-02-01T10:00:00Z,buy,coinbase:main,,,BTC,1,50000,,,,,,",
  "btc-sale,2025-06-01T10:00:00Z,sell,coinbase:main,BTC,1,,,60000,,,,,,",
  "e1,2025-03-01T10:00:00Z,buy,coinbase:main,,,ETH,5,17000,,,,,,",
  "e2,2025-04-01T10:00:00Z,buy,coinbase:main,,,ETH,1,1500,,,,,,",
  "e3,2025-05-01T10:00:00Z,buy,coinbase:main,,,ETH,0.25,1000.10,,,,,,",
  "sol,2025-04-01T10:00:00Z,buy,ledger:1,,,SOL,10,2000,,,,,,",
].join("\n");
const PRICES = "asset,time,usd\nETH,2025-12-20,2000\nBTC,2025-12-20T00:00:00Z,90000\n";

const lotwise = (args: string[], env: Record<string, string> = {}) =>
  runInProcess(args, { LOTWISE_DATA_DIR: path.join(work, "data"), ...env });

describe("lotwise harvest", () => {
  test("--ledger --prices --out: the table on stdout, harvest.csv (one row per lot) and harvest.json", async () => {
    const out = fresh("out");
    const r = await lotwise([
      "harvest",
      "--ledger",
      write("ledger.csv", LEDGER),
      "--prices",
      write("prices.csv", PRICES),
      "--as-of",
      "2025-12-20",
      "--taxable-income",
      "100000",
      "--out",
      out,
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    for (const heading of [
      "Positions (2) and open lots (4)",
      "Year so far",
      "Candidates",
      "Plan",
      "Warnings: 1",
    ])
      expect(r.out).toContain(heading);
    expect(r.out).toContain("sell 5.25 ETH from coinbase:main for 10500.00: lots e1:5;e3:0.25");
    const csv = readFileSync(path.join(out, "harvest.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toBe(
      "wallet,asset,lot_id,acquired_in,quantity,date_acquired,term,days_held,days_to_long_term,long_term_on,cost_basis,unit_basis,price,price_source,value,unrealized,status,candidate_rank,tax_saved,carryforward_added,plan,wash_replacement",
    );
    expect(csv).toHaveLength(5);
    // Transition scope: after 2025-01-01 the pools are per wallet.
    expect(csv).toContain(
      "coinbase:main,ETH,e1,coinbase:main,5,2025-03-01,short,294,72,2026-03-02,17000.00,3400,2000,file:prices.csv,10000.00,-7000.00,priced,2,1673.00,0.00,this_year,",
    );
    expect(csv).toContain(
      "coinbase:main,ETH,e2,coinbase:main,1,2025-04-01,short,263,103,2026-04-02,1500.00,1500,2000,file:prices.csv,2000.00,500.00,priced,,,,,",
    );
    expect(csv).toContain(
      "ledger:1,SOL,sol,ledger:1,10,2025-04-01,short,263,103,2026-04-02,2000.00,200,,,,,unpriced,,,,,",
    );
    const json = JSON.parse(readFileSync(path.join(out, "harvest.json"), "utf8"));
    expect(json).toMatchObject({
      as_of: "2025-12-20T23:59:59.999Z",
      tax_year: 2025,
      method: "fifo",
      scope: "transition",
      filing_status: "single",
      assumptions: {
        taxable_income: "100000.00",
        taxable_income_assumed: false,
        brackets_year: 2025,
        brackets_published: true,
      },
      year_so_far: {
        short_term_gain: "10000.00",
        net: "10000.00",
        taxable_income: "110000.00",
        total_tax: "19247.00",
      },
    });
    // e1 (−7,000) and e3 (−500.10): line 16 = 2,499.90; taxable income 102,499.90 → Tax Table
    // 102,450–102,500 is past 100,000: TCW 102,499.90 × 0.22 − 5,086 = 17,463.98; saved 1,783.02.
    expect(json.plan).toMatchObject({
      sales: [
        {
          id: "harvest-20251220-1",
          wallet: "coinbase:main",
          asset: "ETH",
          quantity: "5.25",
          proceeds: "10500.00",
          lots: "e1:5;e3:0.25",
        },
      ],
      after: { net: "2499.90", taxable_income: "102499.90", total_tax: "17463.98" },
      tax_saved: "1783.02",
    });
    expect(json.lots.find((l: { lot_id: string }) => l.lot_id === "sol")).toMatchObject({
      status: "unpriced",
      value: null,
      unrealized: null,
    });
    expect(json.warnings[0]).toMatchObject({ code: "missing_price" });
  });

  test("recording the plan's sales and running `lotwise gains` gives the predicted Schedule D", async () => {
    const out = fresh("out");
    const ledgerFile = write("ledger.csv", LEDGER);
    const r = await lotwise([
      "harvest",
      "--ledger",
      ledgerFile,
      "--prices",
      write("prices.csv", PRICES),
      "--as-of",
      "2025-12-20",
      "--method",
      "hifo",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(path.join(out, "harvest.json"), "utf8"));
    const rows = parseLedgerCsv(LEDGER, "ledger.csv");
    for (const s of json.plan.sales) {
      rows.push({
        id: s.id,
        time: s.time,
        type: "sell",
        wallet: s.wallet,
        outAsset: s.asset,
        outQuantity: s.quantity,
        usdValue: s.proceeds,
        lots: s.lots,
      });
    }
    const recorded = write("recorded.csv", formatLedgerCsv(rows));
    const gainsOut = fresh("gains");
    const g = await lotwise([
      "gains",
      "--ledger",
      recorded,
      "--year",
      "2025",
      "--method",
      "hifo",
      "--taxable-income",
      json.plan.after.taxable_income,
      "--out",
      gainsOut,
    ]);
    expect(g.err).toBe("");
    const summary = JSON.parse(readFileSync(path.join(gainsOut, "summary.json"), "utf8"));
    expect(summary.short_term.gain).toBe(json.plan.after.short_term_gain);
    expect(summary.long_term.gain).toBe(json.plan.after.long_term_gain);
    expect(summary.net).toBe(json.plan.after.net);
    expect(summary.capital_loss_deduction).toBe(json.plan.after.capital_loss_deduction);
    expect(summary.carryover_out).toEqual(json.plan.after.carryover_out);
    const form = readFileSync(path.join(gainsOut, "form8949.csv"), "utf8");
    for (const row of json.plan.form8949)
      expect(form).toContain(
        `,${row.lot_id},${row.wallet},${row.asset},${row.quantity},${row.date_acquired},2025-12-20,${row.proceeds},${row.cost_basis},,,${row.gain},`,
      );
  });

  test("--json prints the report; --sell/--buy-back/--wash-sale show the what-if", async () => {
    const r = await lotwise([
      "harvest",
      "--ledger",
      write("ledger.csv", LEDGER),
      "--prices",
      write("prices.csv", PRICES),
      "--as-of",
      "2025-12-20T12:00:00Z",
      "--sell",
      "ETH:1@coinbase:main",
      "--buy-back",
      "--wash-sale",
      "--json",
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.assumptions.taxable_income_assumed).toBe(true);
    expect(json.assumptions.notes.join(" ")).toContain("assumed $100,000");
    expect(json.what_if.sales).toEqual([
      {
        id: "whatif-sell-1",
        wallet: "coinbase:main",
        asset: "ETH",
        quantity: "1",
        price: "2000",
        proceeds: "2000.00",
      },
    ]);
    // FIFO: 1 of e1 (basis 3,400): loss 1,400, all of it washed by the buy-back.
    expect(json.what_if.form8949).toEqual([
      expect.objectContaining({
        lot_id: "e1",
        gain: "0.00",
        adjustment_code: "W",
        adjustment_amount: "1400.00",
      }),
    ]);
    expect(json.what_if.buy_backs[0]).toMatchObject({
      cost: "2000.00",
      basis: "3400.00",
      holding_period: "tacked",
      parts: [
        { quantity: "1", date_acquired: "2025-03-01", long_term_on: "2026-03-02", wash_replacement: true },
      ],
    });
  });

  test("the stored ledger priced by the configured providers (an imported price file)", async () => {
    // A data folder with the migrated embedded database already in it (test/pglite-template.ts).
    const data = await seedDataDir(fresh("data"));
    const config = write(
      "lotwise.config.json",
      JSON.stringify({ prices: { order: ["file", "stablecoin"] } }),
    );
    const env = { LOTWISE_DATA_DIR: data };
    expect(
      (
        await lotwise(
          ["--config", config, "ledger", "import", write("ledger.csv", LEDGER), "--name", "books"],
          env,
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await lotwise(
          ["--config", config, "prices", "import", write("prices.csv", PRICES), "--name", "prices.csv"],
          env,
        )
      ).code,
    ).toBe(0);
    const r = await lotwise(["--config", config, "harvest", "--as-of", "2025-12-20", "--json"], env);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.prices).toContainEqual(
      expect.objectContaining({ asset: "ETH", usd: "2000", source: "file:prices.csv" }),
    );
    expect(json.prices.find((p: { asset: string }) => p.asset === "SOL").missing).toContain("file:");
    expect(json.plan.sales[0].lots).toBe("e1:5;e3:0.25");
  }, 180_000);

  test("--out is all or nothing: a folder named harvest.json leaves no harvest.csv behind", async () => {
    const out = fresh("out");
    mkdirSync(path.join(out, "harvest.json"), { recursive: true });
    const r = await lotwise([
      "harvest",
      "--ledger",
      write("ledger.csv", LEDGER),
      "--prices",
      write("prices.csv", PRICES),
      "--as-of",
      "2025-12-20",
      "--out",
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${path.join(out, "harvest.json")} is a folder; give a file name`);
    expect(readdirSync(out)).toEqual(["harvest.json"]);
  });

  test("CSV cells starting with = + - @ are defused", async () => {
    const ledger = [HEADER, "=lot,2025-03-01T10:00:00Z,buy,@wallet,,,ETH,1,3000,,,,,,"].join("\n");
    const out = fresh("out");
    const r = await lotwise([
      "harvest",
      "--ledger",
      write("ledger.csv", ledger),
      "--prices",
      write("prices.csv", PRICES),
      "--as-of",
      "2025-12-20",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    const line = readFileSync(path.join(out, "harvest.csv"), "utf8").split("\n")[1]!;
    expect(line.startsWith("'@wallet,ETH,'=lot,'@wallet,1,")).toBe(true);
    expect(line).toContain(",-1000.00,priced,");
  });

  test("bad input: a clear message and exit code 2", async () => {
    const ledger = write("ledger.csv", LEDGER);
    const prices = write("prices.csv", PRICES);
    const base = ["harvest", "--ledger", ledger, "--prices", prices, "--as-of", "2025-12-20"];
    const cases: [string[], string][] = [
      [
        ["--sell", "ETH"],
        '--sell expects ASSET:QTY or ASSET:QTY@WALLET (e.g. ETH:0.5@coinbase:main), got "ETH"',
      ],
      [["--buy-back"], "--buy-back needs at least one --sell"],
      [["--sell", "ETH:100"], "--sell ETH:100: coinbase:main holds only 6.25 ETH"],
      [["--sell", "SOL:1"], "--sell SOL:1: no USD price for SOL"],
      [["--filing-status", "joint"], '--filing-status must be one of single, mfj, mfs, hoh (got "joint")'],
      [
        ["--taxable-income", "1e5"],
        '--taxable-income expects a USD amount with at most 2 decimals (negative allowed), got "1e5"',
      ],
      [["--year", "2024"], "--as-of 2025-12-20 is not in --year 2024"],
    ];
    for (const [extra, message] of cases) {
      const r = await lotwise([...base, ...extra]);
      expect(r.code, extra.join(" ")).toBe(2);
      expect(r.err, extra.join(" ")).toContain(message);
    }
    const badDate = await lotwise([
      "harvest",
      "--ledger",
      ledger,
      "--prices",
      prices,
      "--as-of",
      "2025-02-30",
    ]);
    expect(badDate.err).toContain('--as-of: "2025-02-30" is not a calendar date');
    const badPrices = await lotwise([
      "harvest",
      "--ledger",
      ledger,
      "--prices",
      write("prices.csv", "asset,time,usd\nETH,2025-12-20,-5\n"),
      "--as-of",
      "2025-12-20",
    ]);
    expect(badPrices.code).toBe(2);
    // The FILE:LINE: column: problem form from the first character, as for the ledger; nothing is imported.
    expect(badPrices.err).toMatch(/^[^\n]*prices\.csv:2: usd: "-5" is negative; amounts are never negative/);
    expect(badPrices.err.startsWith("lotwise: ")).toBe(false);
    expect(badPrices.err).not.toContain("imported");
    const badLedger = await lotwise([
      "harvest",
      "--ledger",
      write("ledger.csv", `${HEADER}\nx,2025-03-01T10:00:00Z,buy,w,,,ETH,-1,3000,,,,,,`),
      "--prices",
      prices,
      "--as-of",
      "2025-12-20",
    ]);
    expect(badLedger.code).toBe(2);
    expect(badLedger.err).toMatch(/ledger\.csv:2: in_quantity: "-1" is negative/);
  });
});

describe("the carryover into the year", () => {
  // 2024 leaves a short-term loss of 7,000 to carry into 2025 (10,000 − the 3,000 deduction).
  const ledger = [
    HEADER,
    "o1,2024-01-10T12:00:00Z,buy,coinbase:main,,,BTC,1,20000,,,,,,",
    "o2,2024-06-01T12:00:00Z,sell,coinbase:main,BTC,1,,,10000,,,,,,",
    "btc,2025-02-01T10:00:00Z,buy,coinbase:main,,,BTC,1,50000,,,,,,",
    "btc-sale,2025-06-01T10:00:00Z,sell,coinbase:main,BTC,1,,,60000,,,,,,",
  ].join("\n");
  const run = async (extra: string[]) => {
    const out = fresh("out");
    const r = await lotwise([
      "harvest",
      "--ledger",
      write("ledger.csv", ledger),
      "--prices",
      write("prices.csv", PRICES),
      "--as-of",
      "2025-12-20",
      "--taxable-income",
      "150000",
      "--out",
      out,
      ...extra,
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    return { r, json: JSON.parse(readFileSync(path.join(out, "harvest.json"), "utf8")) };
  };

  test("without --carryover-st/--carryover-lt it comes from the ledger's earlier years, as in lotwise gains", async () => {
    const { r, json } = await run([]);
    expect(json.year_so_far.carryover_in).toEqual({ short_term: "7000.00", long_term: "0.00" });
    expect(json.year_so_far.net).toBe("3000.00");
    expect(r.out).toContain("carryover in: short 7000.00, long 0.00");
    expect(r.out).toContain("capital loss carryover into 2025 computed from the ledger's 2024");
  });

  test("one flag replaces it (the other is 0)", async () => {
    const { json } = await run(["--carryover-lt", "500"]);
    expect(json.year_so_far.carryover_in).toEqual({ short_term: "0.00", long_term: "500.00" });
    expect(json.year_so_far.net).toBe("9500.00");
  });
});

describe("harvest flags", () => {
  const now = new Date("2026-12-02T00:46:05Z");
  test("resolveAsOf(): a date is the end of that UTC day; a past --year its last instant; default now", () => {
    expect(resolveAsOf({ asOf: "2025-12-20" }, now).toISOString()).toBe("2025-12-20T23:59:59.999Z");
    expect(resolveAsOf({ asOf: "2025-12-20T10:00:00-05:00" }, now).toISOString()).toBe(
      "2025-12-20T15:00:00.000Z",
    );
    expect(resolveAsOf({ year: "2025" }, now).toISOString()).toBe("2025-12-31T23:59:59.999Z");
    expect(resolveAsOf({ year: "2026" }, now)).toBe(now);
    expect(resolveAsOf({}, now)).toBe(now);
    expect(() => resolveAsOf({ year: "2027" }, now)).toThrow("--year 2027 has not started yet");
    expect(() => resolveAsOf({ asOf: "2025-12-20 10:00" }, now)).toThrow("--as-of expects a date");
  });

  test("parseSell(): ASSET:QTY[@WALLET]; chain asset ids and wallets may hold colons", () => {
    expect(parseSell("ETH:0.5")).toEqual({ asset: "ETH", quantity: "0.5" });
    expect(parseSell("ETH:0.5@coinbase:main")).toEqual({
      asset: "ETH",
      quantity: "0.5",
      wallet: "coinbase:main",
    });
    expect(parseSell("evm:1:0xabc:10@ethereum:0x12")).toEqual({
      asset: "evm:1:0xabc",
      quantity: "10",
      wallet: "ethereum:0x12",
    });
    expect(() => parseSell("ETH:0.5@")).toThrow("--sell expects");
  });
});
