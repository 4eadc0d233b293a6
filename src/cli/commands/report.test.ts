import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { runInProcess } from "../../../test/cli.ts";
import { seedDataDir } from "../../../test/pglite-template.ts";
import { pdfText, renderedPageCount } from "../../../test/poppler.ts";

const work = mkdtempSync(path.join(tmpdir(), "lotwise-report-"));
let counter = 0;
const fresh = (name: string) => path.join(work, `${name}-${++counter}`);

const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype,x_price_source";
/**
 * 2025 by hand (FIFO): s1 sells 1 of b1's 3 ETH (basis 1000 each) for 1400: gain 400.00, short;
 * s2 sells 0.5 BTC of b2 (2023, basis 30000 for 1) for 20000 − 15000 = 5000.00, long;
 * s3 sells 2 ETH for 1500: 1500.00 − 2000.00 = −500.00, short. Net short −100.00, long 5000.00.
 */
const LEDGER = [
  HEADER,
  "b1,2025-01-05T00:00:00Z,buy,w1,,,ETH,3,3000,,,,,,,coingecko",
  "b2,2023-02-01T00:00:00Z,buy,w1,,,BTC,1,30000,,,,,,,defillama",
  "s1,2025-02-01T00:00:00Z,sell,w1,ETH,1,,,1400,,,,,,,coingecko",
  "s2,2025-03-01T00:00:00Z,sell,w1,BTC,0.5,,,20000,,,,,,,defillama",
  "s3,2025-04-01T00:00:00Z,sell,w1,ETH,2,,,1500,,,,,,,coingecko",
].join("\n");

const writeLedger = (text: string) => {
  const file = fresh("ledger.csv");
  writeFileSync(file, text);
  return file;
};

const lotwise = (args: string[], dataDir = path.join(work, "data")) =>
  runInProcess(args, { LOTWISE_DATA_DIR: dataDir });

describe("lotwise report", () => {
  test("--combine-fees: a day's network fees on one code M row, each listed in the statement; totals unchanged", async () => {
    // By hand (FIFO, b1's basis 2,000.00 per ETH): 2025-03-01 fees f1 0.001 ETH for 2.50 (basis 2.00),
    // f2 0.002 for 5.00 (4.00), f3 0.0005 for 1.25 (1.00): one row of 0.0035 ETH, 8.75 − 7.00 = 1.75.
    // f4 (2025-03-02, 0.001 for 2.40, basis 2.00) is alone on its day: its own row. s1: 2,500 − 2,000.
    // Net short-term 0.50 + 1.00 + 0.25 + 0.40 + 500.00 = 502.15 either way.
    const ledger = writeLedger(
      [
        "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd",
        "b1,2025-01-05T00:00:00Z,buy,w1,,,ETH,2,4000,,,",
        "f1,2025-03-01T01:00:00Z,fee,w1,,,,,,ETH,0.001,2.50",
        "f2,2025-03-01T05:00:00Z,fee,w1,,,,,,ETH,0.002,5.00",
        "f3,2025-03-01T09:00:00Z,fee,w1,,,,,,ETH,0.0005,1.25",
        "f4,2025-03-02T00:00:00Z,fee,w1,,,,,,ETH,0.001,2.40",
        "s1,2025-04-01T00:00:00Z,sell,w1,ETH,1,,,2500,,,",
      ].join("\n"),
    );
    const run = async (extra: string[]) => {
      const out = fresh("out");
      const r = await lotwise([
        "report",
        "--ledger",
        ledger,
        "--year",
        "2025",
        "--format",
        "pdf,csv",
        "--out",
        out,
        ...extra,
      ]);
      expect(r.code, r.err).toBe(0);
      return { r, out };
    };
    const plain = await run([]);
    expect(plain.r.out).toContain("Tax year 2025: 5 Form 8949 row(s); net short-term 502.15");
    expect(readdirSync(plain.out).sort()).toEqual(["form8949-2025.csv", "form8949-2025.pdf"]);

    const combined = await run(["--combine-fees"]);
    expect(combined.r.out).toContain(
      "Tax year 2025: 3 Form 8949 row(s) (1 combining network fees, code M); net short-term 502.15",
    );
    expect(readdirSync(combined.out).sort()).toEqual([
      "fee-statement-2025.csv",
      "form8949-2025.csv",
      "form8949-2025.pdf",
    ]);
    const csv = readFileSync(path.join(combined.out, "form8949-2025.csv"), "utf8").trim().split("\n");
    expect(csv.slice(1).sort()).toEqual(
      [
        "I,I,0.0035 ETH (3 network fees; see statement),2025-01-05,2025-03-01,8.75,7.00,M,,1.75,ETH,0.0035,w1,fees:ETH:2025-03-01,b1",
        "I,I,0.001 ETH,2025-01-05,2025-03-02,2.40,2.00,,,0.40,ETH,0.001,w1,f4,b1",
        "I,I,1 ETH,2025-01-05,2025-04-01,2500.00,2000.00,,,500.00,ETH,1,w1,s1,b1",
      ].sort(),
    );
    const statement = readFileSync(path.join(combined.out, "fee-statement-2025.csv"), "utf8")
      .trim()
      .split("\n");
    expect(statement).toHaveLength(4);
    expect(statement[0]).toMatch(/^combined_row,disposal_id,/);
    expect(statement.slice(1).map((l) => l.split(",").slice(0, 2).join(","))).toEqual([
      "fees:ETH:2025-03-01,f1",
      "fees:ETH:2025-03-01,f2",
      "fees:ETH:2025-03-01,f3",
    ]);
    const cover = pdfText(path.join(combined.out, "form8949-2025.pdf"), 1);
    expect(cover).toContain("Network fees combined on Form 8949 (code M)");
    expect(cover).toMatch(
      /f2 \(lot b1, w1\): 0\.002 ETH, acquired 2025-01-05; proceeds 5\.00, cost basis 4\.00, gain 1\.00/,
    );
    expect(cover).toMatch(/Net short-term capital gain or \(loss\)\s+502\.15/);
    // Without the flag the statement has no such section.
    expect(pdfText(path.join(plain.out, "form8949-2025.pdf"), 1)).not.toContain("Network fees combined");
  });

  test("the carryover into the year comes from the ledger's earlier years, as in gains; a flag overrides it", async () => {
    // By hand: 2024 sells 4 ETH bought for 12,000 for 2,000: a 10,000 short-term loss, 3,000
    // deducted, 7,000 carried into 2025. 2025 gains 1,000 short: line 7 is 1,000 − 7,000 = −6,000.
    const ledger = writeLedger(
      [
        "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value",
        "b0,2024-01-05T00:00:00Z,buy,w1,,,ETH,4,12000",
        "s0,2024-06-01T00:00:00Z,sell,w1,ETH,4,,,2000",
        "b1,2025-01-05T00:00:00Z,buy,w1,,,ETH,1,1000",
        "s1,2025-02-01T00:00:00Z,sell,w1,ETH,1,,,2000",
      ].join("\n"),
    );
    const computed = await lotwise([
      "report",
      "--ledger",
      ledger,
      "--year",
      "2025",
      "--format",
      "csv",
      "--out",
      fresh("out"),
    ]);
    expect(computed.code, computed.err).toBe(0);
    expect(computed.out).toContain("net short-term -6000.00");
    expect(computed.out).toContain(
      "Capital loss carryover into 2025 computed from the ledger's 2024: short-term 7000.00, long-term 0.00",
    );
    const given = await lotwise([
      "report",
      "--ledger",
      ledger,
      "--year",
      "2025",
      "--format",
      "csv",
      "--carryover-st",
      "0",
      "--out",
      fresh("out"),
    ]);
    expect(given.code, given.err).toBe(0);
    expect(given.out).toContain("net short-term 1000.00");
    expect(given.out).not.toContain("carryover into 2025 computed");
    // Married filing separately, 2024 deducted 1,500 and carried 8,500 (as lotwise gains computes it).
    const mfs = await lotwise([
      "report",
      "--ledger",
      ledger,
      "--year",
      "2025",
      "--format",
      "csv",
      "--filing-status",
      "mfs",
      "--out",
      fresh("out"),
    ]);
    expect(mfs.code, mfs.err).toBe(0);
    expect(mfs.out).toContain("short-term 8500.00, long-term 0.00");
    expect(mfs.out).toContain("net short-term -7500.00");
  });

  test("--format pdf,turbotax,taxact,csv writes the four files of the year, nothing else", async () => {
    const out = fresh("out");
    const r = await lotwise([
      "report",
      "--ledger",
      writeLedger(LEDGER),
      "--year",
      "2025",
      "--format",
      "pdf,turbotax,taxact,csv",
      "--out",
      out,
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      "form8949-2025.csv",
      "form8949-2025.pdf",
      "taxact-2025.csv",
      "turbotax-2025.csv",
    ]);
    expect(r.out).toContain(
      "Tax year 2025: 3 Form 8949 row(s); net short-term -100.00, net long-term 5000.00, net 4900.00",
    );
    expect(r.out).toContain("turbotax-2025.csv: TurboTax's gain/loss CSV has no Form 8949 box column");
    expect(readFileSync(path.join(out, "turbotax-2025.csv"), "utf8")).toBe(
      [
        "Amount,Currency Name,Purchase Date,Date Sold,Proceeds,Cost Basis",
        "1,ETH,01/05/2025,02/01/2025,1400.00,1000.00",
        "2,ETH,01/05/2025,04/01/2025,1500.00,2000.00",
        "0.5,BTC,02/01/2023,03/01/2025,20000.00,15000.00",
        "",
      ].join("\n"),
    );
    expect(readFileSync(path.join(out, "taxact-2025.csv"), "utf8").split("\n")[3]).toBe(
      "0.5 BTC,02/01/2023,03/01/2025,20000.00,15000.00,,,LONG",
    );
    expect(readFileSync(path.join(out, "form8949-2025.csv"), "utf8").split("\n")[2]).toBe(
      "I,I,2 ETH,2025-01-05,2025-04-01,1500.00,2000.00,,,-500.00,ETH,2,w1,s3,b1",
    );
    const pdf = path.join(out, "form8949-2025.pdf");
    expect(renderedPageCount(pdf)).toBe(3);
    const cover = pdfText(pdf, 1);
    expect(cover).toMatch(/Net short-term capital gain or \(loss\)\s+\(100\.00\)/);
    expect(cover).toMatch(/Net capital gain or \(loss\): line 7 \+ line 15\s+4,900\.00/);
    // Price sources of the rows up to 2025 from the x_price_source column: 3 coingecko, 2 defillama.
    expect(cover).toMatch(/coingecko: 3/);
    expect(cover).toMatch(/defillama: 2/);
    expect(pdfText(pdf, 2)).toMatch(/2,900\.00\s+3,000\.00\s+\(100\.00\)/);
    expect(pdfText(pdf, 3)).toMatch(/20,000\.00\s+15,000\.00\s+5,000\.00/);
  });

  test("carryovers and the filing status reach Schedule D lines 6, 14 and 21", async () => {
    const out = fresh("out");
    const r = await lotwise([
      "report",
      "--ledger",
      writeLedger(LEDGER),
      "--year",
      "2025",
      "--format",
      "pdf",
      "--format",
      "csv",
      "--carryover-st",
      "1000",
      "--carryover-lt",
      "9000",
      "--filing-status",
      "mfs",
      "--method",
      "hifo",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    // `--format` may be repeated.
    expect(readdirSync(out).sort()).toEqual(["form8949-2025.csv", "form8949-2025.pdf"]);
    // Line 7 = −100 − 1000 = −1100; line 15 = 5000 − 9000 = −4000; line 16 = −5100; line 21 is
    // limited to 1,500 for married filing separately.
    const cover = pdfText(path.join(out, "form8949-2025.pdf"), 1);
    expect(cover).toMatch(/6\s+Short-term capital loss carryover\s+\(1,000\.00\)/);
    expect(cover).toMatch(/14\s+Long-term capital loss carryover\s+\(9,000\.00\)/);
    expect(cover).toMatch(/16\s+Net capital gain or \(loss\): line 7 \+ line 15\s+\(5,100\.00\)/);
    expect(cover).toMatch(/21\s+Capital loss deduction \(if line 16 is a loss\)\s+\(1,500\.00\)/);
    expect(cover).toMatch(/Cost basis method\s+HIFO/);
    expect(cover).toMatch(/Filing status\s+married filing separately/);
  });

  test("a bad ledger row or format is a user error (exit 2) and leaves existing files alone", async () => {
    const out = fresh("out");
    mkdirSync(out);
    writeFileSync(path.join(out, "form8949-2025.pdf"), "previous");
    const broken = LEDGER.replace(
      "s3,2025-04-01T00:00:00Z,sell,w1,ETH,2,",
      "s3,2025-04-01T00:00:00Z,sell,w1,ETH,two,",
    );
    const bad = writeLedger(broken);
    const r = await lotwise([
      "report",
      "--ledger",
      bad,
      "--year",
      "2025",
      "--format",
      "pdf,csv",
      "--out",
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}:6: out_quantity:`);
    expect(readdirSync(out)).toEqual(["form8949-2025.pdf"]);
    expect(readFileSync(path.join(out, "form8949-2025.pdf"), "utf8")).toBe("previous");

    const f = await lotwise([
      "report",
      "--ledger",
      writeLedger(LEDGER),
      "--year",
      "2025",
      "--format",
      "pdf,docx",
      "--out",
      out,
    ]);
    expect(f.code).toBe(2);
    expect(f.err).toContain('--format: unknown format "docx"');
    const y = await lotwise(["report", "--ledger", writeLedger(LEDGER), "--year", "25", "--out", out]);
    expect(y.code).toBe(2);
    expect(y.err).toContain('--year expects YYYY, got "25"');
    expect(readdirSync(out)).toEqual(["form8949-2025.pdf"]);

    // A folder where the second file goes: refused before any file is replaced.
    mkdirSync(path.join(out, "form8949-2025.csv"));
    const d = await lotwise([
      "report",
      "--ledger",
      writeLedger(LEDGER),
      "--year",
      "2025",
      "--format",
      "pdf,csv",
      "--out",
      out,
    ]);
    expect(d.code).toBe(2);
    expect(d.err).toContain(`${path.join(out, "form8949-2025.csv")} is a folder; give a file name`);
    expect(readdirSync(out).sort()).toEqual(["form8949-2025.csv", "form8949-2025.pdf"]);
    expect(readFileSync(path.join(out, "form8949-2025.pdf"), "utf8")).toBe("previous");
  });

  test("descriptions name a configured token by its symbol (500 TKA), as lotwise gains does", async () => {
    // By hand: 1,000 TKA bought for 1,000.00; 500 sold for 750.00: 750.00 − 500.00 = 250.00, short.
    const token = "evm:31337:0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
    const config = fresh("config.json");
    writeFileSync(config, JSON.stringify({ assets: { tokens: { [token]: { symbol: "TKA" } } } }));
    const ledger = writeLedger(
      [
        "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value",
        `b1,2025-01-10T00:00:00Z,buy,w1,,,${token},1000,1000`,
        `s1,2025-03-10T00:00:00Z,sell,w1,${token},500,,,750`,
      ].join("\n"),
    );
    const out = fresh("out");
    const r = await lotwise(
      [
        "--config",
        config,
        "report",
        "--ledger",
        ledger,
        "--year",
        "2025",
        "--format",
        "csv,turbotax",
        "--out",
        out,
      ],
      fresh("data"),
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const csv = readFileSync(path.join(out, "form8949-2025.csv"), "utf8").split("\n");
    // Before: `500 evm:31337:0xe7f1…` although the symbol is configured.
    expect(csv[1]).toMatch(/^I,I,500 TKA,2025-01-10,2025-03-10,750\.00,500\.00,,,250\.00,/);
    const gains = fresh("gains");
    expect(
      (
        await lotwise(
          ["--config", config, "gains", "--ledger", ledger, "--year", "2025", "--out", gains],
          fresh("data"),
        )
      ).code,
    ).toBe(0);
    expect(readFileSync(path.join(gains, "form8949.csv"), "utf8")).toContain(",short,I,500 TKA\n");
    expect(readFileSync(path.join(out, "turbotax-2025.csv"), "utf8")).toContain(
      "\n500,TKA,01/10/2025,03/10/2025,750.00,500.00",
    );
  });

  test("the computed carryover uses the filing status's loss limit, as lotwise gains does", async () => {
    // By hand: 2025 sells 5 BTC bought for 50,000 for 40,000: a short-term loss of 10,000.00. A
    // married-filing-separately return deducts 1,500.00, so 8,500.00 carries into 2026 (single:
    // 7,000.00). Before: report carried 7,000.00 whatever the filing status; gains 8,500.00.
    const ledger = writeLedger(
      [
        "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value",
        "b1,2025-01-10T00:00:00Z,buy,w1,,,BTC,5,50000",
        "s1,2025-06-01T00:00:00Z,sell,w1,BTC,5,,,40000",
        "b2,2026-01-05T00:00:00Z,buy,w1,,,ETH,1,3000",
        "s2,2026-02-01T00:00:00Z,sell,w1,ETH,1,,,4000",
      ].join("\n"),
    );
    const out = fresh("out");
    const r = await lotwise([
      "report",
      "--ledger",
      ledger,
      "--year",
      "2026",
      "--filing-status",
      "mfs",
      "--format",
      "csv",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("computed from the ledger's 2025: short-term 8500.00, long-term 0.00");
    // Line 7: 1,000.00 − 8,500.00.
    expect(r.out).toContain("net short-term -7500.00");
  });

  test("--out - is refused with what to do, not a folder named '-' (report, reconcile, harvest)", async () => {
    const ledger = writeLedger(LEDGER);
    const cwd = process.cwd();
    for (const [args, what] of [
      [
        ["report", "--ledger", ledger, "--year", "2025", "--format", "csv"],
        "report writes one file per --format",
      ],
      [["reconcile", "--ledger", ledger, "--year", "2025"], "reconcile writes form8949.csv"],
      [["harvest", "--ledger", ledger, "--as-of", "2025-12-31"], "harvest writes harvest.csv"],
    ] as const) {
      const r = await lotwise([...args, "--out", "-"]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--out -: lotwise ${what}`);
    }
    expect(existsSync(path.join(cwd, "-"))).toBe(false);
  });

  test("--scope universal for 2025 or later warns, as lotwise gains does", async () => {
    // Before: the filing files of a 2025 universal run were written without a word.
    const ledger = writeLedger(LEDGER);
    const run = async (year: string) =>
      lotwise([
        "report",
        "--ledger",
        ledger,
        "--year",
        year,
        "--scope",
        "universal",
        "--format",
        "csv",
        "--out",
        fresh("out"),
      ]);
    const y2025 = await run("2025");
    expect(y2025.code).toBe(0);
    expect(y2025.out).toMatch(
      /^Warning: --scope universal pools every wallet's lots together; from 2025 on, .* require per-wallet tracking/,
    );
    expect((await run("2024")).out).not.toContain("Warning: --scope universal");
  });

  test("without --ledger it reports the stored ledger, with the import as its price source", async () => {
    const dataDir = fresh("data");
    const imported = await lotwise(["ledger", "import", writeLedger(LEDGER), "--name", "cb"], dataDir);
    // A new data folder: the embedded database is created and the run says so, nothing else.
    expect(imported.err).toMatch(/^info {2}setting up the embedded database in .*\n$/);
    expect(imported.code).toBe(0);
    const out = fresh("out");
    const r = await lotwise(["report", "--year", "2025", "--format", "csv,pdf", "--out", out], dataDir);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["form8949-2025.csv", "form8949-2025.pdf"]);
    expect(readFileSync(path.join(out, "form8949-2025.csv"), "utf8").split("\n")).toHaveLength(5);
    const cover = pdfText(path.join(out, "form8949-2025.pdf"), 1);
    expect(cover).toMatch(/Ledger\s+stored ledger/);
    // Every imported row has a usd_value whose source is the import.
    expect(cover).toMatch(/import:cb: 5/);
    expect(existsSync(path.join(out, "turbotax-2025.csv"))).toBe(false);
  }, 180_000); // two embedded-database runs (import, report): slow on a loaded machine

  test("a stored ledger whose imported rows all wait in the review queue says so, not 'add wallets and sync'", async () => {
    // A CoinTracker export of one receipt and one sending, with no counterpart: each is an open
    // review item (unmatched inflow / outflow) and the ledger has no row until they are decided.
    // The data folder starts with the migrated template (the test above covers the first run).
    const dataDir = await seedDataDir(fresh("data"));
    const file = fresh("cointracker.csv");
    writeFileSync(
      file,
      [
        "Date,Received Quantity,Received Currency,Sent Quantity,Sent Currency,Fee Amount,Fee Currency,Tag",
        "01/05/2025 10:00:00,1,ZZTOKEN,,,,,",
        "03/05/2025 10:00:00,,,1,ZZTOKEN,,,",
      ].join("\n"),
    );
    expect((await lotwise(["import", file, "--account", "cointracker:main"], dataDir)).code).toBe(0);
    const out = fresh("out");
    const r = await lotwise(["report", "--year", "2025", "--out", out], dataDir);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "the stored ledger has no rows yet: 2 open review item(s) hold what was synced or imported until you decide them (lotwise review list), or pass --ledger FILE",
    );
    expect(existsSync(out)).toBe(false);
  }, 180_000);
});
