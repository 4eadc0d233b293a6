import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { runInProcess } from "../../../test/cli.ts";

/**
 * `gains --year Y` without carryover flags: the capital loss carryover into Y comes from the
 * ledger's earlier years (stored ledger and file alike), and the output says so; a ledger with
 * nothing before Y says where the carryover comes from on last year's return.
 *
 * Hand-derived: 2025 has a long-term loss of 20,000.00 (10 ETH bought 2024-01-02 for 40,000, sold
 * 2025-03-01 for 20,000) and a short-term loss of 10,000.00 (5 BTC, 50,000 → 40,000). The
 * 3,000.00 deduction uses the short-term loss first: carryover to 2026 is short-term 7,000.00,
 * long-term 20,000.00. 2026: a short-term gain of 1,000.00, so line 7 = 1,000 − 7,000 = −6,000.00.
 */
const LEDGER = [
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype",
  "b1,2024-01-02T00:00:00Z,buy,cb:main,,,ETH,10,40000,,,,,,",
  "b2,2025-01-10T00:00:00Z,buy,cb:main,,,BTC,5,50000,,,,,,",
  "s1,2025-03-01T00:00:00Z,sell,cb:main,ETH,10,,,20000,,,,,,",
  "s2,2025-06-01T00:00:00Z,sell,cb:main,BTC,5,,,40000,,,,,,",
  "b3,2026-01-05T00:00:00Z,buy,cb:main,,,ETH,1,3000,,,,,,",
  "s3,2026-02-01T00:00:00Z,sell,cb:main,ETH,1,,,4000,,,,,,",
].join("\n");

describe("gains --year: carryover in from the ledger's earlier years", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "lotwise-carry-"));
  const file = path.join(dir, "ledger.csv");
  writeFileSync(file, `${LEDGER}\n`);
  const lotwise = (...argv: string[]) =>
    runInProcess(
      ["--data-dir", path.join(dir, "data"), "--no-progress", "--log-level", "error", ...argv],
      {},
      {
        seed: path.join(dir, "data"),
      },
    );
  /**
   * `lotwise …` on ledger files alone: a data folder without a database, so `gains --ledger`
   * opens none (with one it looks for stored Forms 1099-DA; the first test runs it beside the
   * stored ledger's database).
   */
  const onFile = (...argv: string[]) =>
    runInProcess([
      "--data-dir",
      path.join(dir, "no-database"),
      "--no-progress",
      "--log-level",
      "error",
      ...argv,
    ]);
  const carryIn = (out: string) =>
    JSON.parse(readFileSync(path.join(out, "summary.json"), "utf8")).carryover_in;

  test("stored ledger and --ledger FILE: the 2025 carryover flows into 2026, and the run says so", async () => {
    expect((await lotwise("ledger", "import", file, "--name", "coinbase")).code).toBe(0);
    const note =
      "Capital loss carryover into 2026 computed from the ledger's 2025: short-term 7000.00, long-term 20000.00 " +
      "(assuming each earlier year's taxable income absorbed its capital loss deduction; --carryover-st/--carryover-lt override it with your 2025 return's figures).";
    for (const source of [[], ["--ledger", file]]) {
      const out = path.join(dir, `out-${source.length}`);
      const r = await lotwise("gains", ...source, "--year", "2026", "--out", out);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(r.out).toContain(note);
      expect(carryIn(out)).toEqual({ short_term: "7000.00", long_term: "20000.00" });
      const summary = JSON.parse(readFileSync(path.join(out, "summary.json"), "utf8"));
      expect(summary.net_short_term).toBe("-6000.00");
      // Only 2026's disposal is on its Form 8949.
      expect(
        readFileSync(path.join(out, "form8949.csv"), "utf8")
          .trim()
          .split("\n")
          .slice(1)
          .map((l) => l.split(",")[0]),
      ).toEqual(["s3"]);
    }
    // The flags still win, and then nothing is computed from the ledger.
    const given = path.join(dir, "given");
    const r = await lotwise(
      "gains",
      "--ledger",
      file,
      "--year",
      "2026",
      "--carryover-st",
      "100",
      "--out",
      given,
    );
    expect(r.out).not.toContain("Capital loss carryover into");
    expect(carryIn(given)).toEqual({ short_term: "100.00", long_term: "0.00" });
  }, 240_000); // the embedded database and several runs: slow on a loaded machine

  test("--taxable-income is the reported year's: the earlier years it carries from use the full deduction", async () => {
    // 2026's taxable income (−5,000) must not enter 2025's worksheet: 2025 still deducts 3,000.00
    // (ST carryover 7,000.00, as the note says). In 2026 itself (line 7 −6,000, line 15 −20,000)
    // worksheet line 1 = −5,000 → line 3 = 0, line 4 = 0, so nothing is used: ST 6,000, LT 20,000.
    const out = path.join(dir, "ti");
    const r = await onFile(
      "gains",
      "--ledger",
      file,
      "--year",
      "2026",
      "--taxable-income",
      "-5000",
      "--out",
      out,
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("computed from the ledger's 2025: short-term 7000.00, long-term 20000.00");
    const summary = JSON.parse(readFileSync(path.join(out, "summary.json"), "utf8"));
    expect(summary.carryover_in).toEqual({ short_term: "7000.00", long_term: "20000.00" });
    expect(summary.capital_loss_deduction).toBe("3000.00");
    expect(summary.carryover_out).toEqual({ short_term: "6000.00", long_term: "20000.00" });
  });

  test("--help says what happens without the carryover flags (computed from the ledger, not 0)", async () => {
    const r = await onFile("gains", "--help");
    const help = (r.out + r.err).replace(/\s+/g, " ");
    expect(help).toMatch(/--carryover-st <usd> .*default: computed from the ledger's earlier years/);
    expect(help).toMatch(/--carryover-lt <usd> .*default: computed from the ledger's earlier years/);
    expect(help).not.toContain('(default: "0")');
  });

  test("a ledger with nothing before the year says where the carryover comes from", async () => {
    const late = path.join(dir, "late.csv");
    writeFileSync(
      late,
      `${LEDGER.split("\n")
        .filter((l, i) => i === 0 || l.includes("2026-"))
        .join("\n")}\n`,
    );
    const out = path.join(dir, "late-out");
    const r = await onFile("gains", "--ledger", late, "--year", "2026", "--out", out);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "The ledger has no disposals before 2026, so no carryover was computed. If your 2025 return carries a capital loss over, give it: " +
        "--carryover-st (line 8) and --carryover-lt (line 13) of the Capital Loss Carryover Worksheet in the 2025 Schedule D instructions (Schedule D lines 6 and 14 of 2026).",
    );
    expect(carryIn(out)).toEqual({ short_term: "0.00", long_term: "0.00" });
  });

  test("a header-only ledger, a year without activity, a report before 2025 (no allocation), --scope universal", async () => {
    const header = path.join(dir, "header.csv");
    writeFileSync(header, `${LEDGER.split("\n")[0]}\n`);
    const empty = await onFile("gains", "--ledger", header, "--year", "2026", "--out", path.join(dir, "h"));
    expect(empty.code).toBe(0);
    expect(empty.out).toContain(
      `The ledger ${header} has no rows (only a header, or nothing synced yet): every figure below is 0.\n`,
    );
    const early = path.join(dir, "y2019");
    const r = await onFile("gains", "--ledger", file, "--year", "2019", "--out", early);
    expect(r.code).toBe(0);
    expect(r.out).toContain("2019: no disposals, gifts or income dated in this year in the ledger.\n");
    // Before: a 2019 report wrote the 2025-01-01 allocation record.
    expect(r.out).not.toContain("allocation");
    expect(existsSync(path.join(early, "allocation.csv"))).toBe(false);
    const universal = await onFile(
      "gains",
      "--ledger",
      file,
      "--year",
      "2025",
      "--scope",
      "universal",
      "--out",
      path.join(dir, "u"),
    );
    expect(universal.out).toMatch(
      /^Warning: --scope universal pools every wallet's lots together; from 2025 on, .* require per-wallet tracking/,
    );
    const before2025 = await onFile(
      "gains",
      "--ledger",
      file,
      "--year",
      "2024",
      "--scope",
      "universal",
      "--out",
      path.join(dir, "u24"),
    );
    expect(before2025.out).not.toContain("Warning: --scope universal");
  });

  test("a quiet year after a year with warnings, and a year of gifts only, are told apart", async () => {
    // 2019 sells 3 ETH of 2 held (a missing_basis warning, which every later summary lists);
    // 2022 has no row at all; 2025 has only a gift.
    const quiet = path.join(dir, "quiet.csv");
    writeFileSync(
      quiet,
      [
        "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value",
        "q1,2019-01-01T00:00:00Z,buy,w1,,,ETH,2,200",
        "q2,2019-06-01T00:00:00Z,sell,w1,ETH,3,,,600",
        "q3,2024-01-01T00:00:00Z,buy,w1,,,ETH,2,200",
        "q4,2025-06-01T00:00:00Z,gift,w1,ETH,1,,,",
        "",
      ].join("\n"),
    );
    const y2022 = await onFile("gains", "--ledger", quiet, "--year", "2022", "--out", path.join(dir, "q22"));
    expect(y2022.code).toBe(0);
    // Before: the 2019 warning counted as 2022 activity and nothing was said.
    expect(y2022.out).toContain("2022: no disposals, gifts or income dated in this year in the ledger.\n");
    const y2025 = await onFile("gains", "--ledger", quiet, "--year", "2025", "--out", path.join(dir, "q25"));
    expect(y2025.code).toBe(0);
    expect(existsSync(path.join(dir, "q25", "gifts.csv"))).toBe(true);
    // Before: a year with a gift (and its gifts.csv) was said to have no gifts.
    expect(y2025.out).not.toContain("no disposals, gifts or income");
    const y2019 = await onFile("gains", "--ledger", quiet, "--year", "2019", "--out", path.join(dir, "q19"));
    expect(y2019.out).not.toContain("no disposals, gifts or income");
  });

  test("--method, --scope and --filing-status are read in any case", async () => {
    // Before: `--method FIFO` was refused ("must be one of fifo, lifo, hifo (got "FIFO")").
    const out = path.join(dir, "cased");
    const r = await onFile(
      "gains",
      "--ledger",
      file,
      "--year",
      "2025",
      "--method",
      "FIFO",
      "--scope",
      "Wallet",
      "--filing-status",
      "MFS",
      "--out",
      out,
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(path.join(out, "summary.json"), "utf8"));
    expect([summary.method, summary.scope, summary.filing_status]).toEqual(["fifo", "wallet", "mfs"]);
    // A married-filing-separately return deducts 1,500.00 of the 30,000.00 net loss.
    expect(summary.capital_loss_deduction).toBe("1500.00");
  });

  test("--out - writes form8949.csv to stdout and every message to stderr", async () => {
    // Before: `--out -` made a folder named "-" and printed the summary on stdout.
    const r = await onFile("gains", "--ledger", file, "--year", "2026", "--out", "-");
    expect(r.code).toBe(0);
    const folder = path.join(dir, "to-folder");
    expect((await onFile("gains", "--ledger", file, "--year", "2026", "--out", folder)).code).toBe(0);
    expect(r.out).toBe(readFileSync(path.join(folder, "form8949.csv"), "utf8"));
    expect(r.out.split("\n")[1]).toMatch(
      /^s3,b3,cb:main,ETH,1,2026-01-05,2026-02-01,4000\.00,3000\.00,,,1000\.00,short,I,1 ETH$/,
    );
    expect(r.err).toContain("Capital loss carryover into 2026 computed from the ledger's 2025");
    expect(r.err).toContain("form8949.csv is on standard output");
    expect(existsSync(path.join(process.cwd(), "-"))).toBe(false);
    const multi = await onFile("gains", "--ledger", file, "--years", "2025-2026", "--out", "-");
    expect(multi.code).toBe(2);
  });

  test("gains --ledger lists every bad row, not only the first", async () => {
    const bad = path.join(dir, "bad.csv");
    writeFileSync(
      bad,
      `${LEDGER}\nx1,2026-02-30T00:00:00Z,buy,cb:main,,,ETH,1,1,,,,,,\nx2,2026-03-01T00:00:00Z,buy,cb:main,,,ETH,-1,1,,,,,,\n`,
    );
    const r = await onFile("gains", "--ledger", bad, "--year", "2026", "--out", path.join(dir, "bad-out"));
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `${bad}:8: time: "2026-02-30T00:00:00Z" is not a calendar date\n` +
        `${bad}:9: in_quantity: "-1" is negative; amounts are never negative\n`,
    );
  });
});
