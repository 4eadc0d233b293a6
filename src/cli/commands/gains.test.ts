import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { runInProcess } from "../../../test/cli.ts";
import { seedDataDir } from "../../../test/pglite-template.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const work = mkdtempSync(path.join(tmpdir(), "lotwise-gains-"));
let counter = 0;
const fresh = (name: string) => path.join(work, `${name}-${++counter}`);

const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype";
const GOOD = [
  HEADER,
  "b1,2024-01-31T10:00:00Z,buy,cb:main,,,ETH,2,4000,USD,,10,,,",
  "i1,2024-03-01T00:00:00Z,income,ledger:1,,,ETH,0.5,1500,,,,,,staking",
  "t1,2024-06-01T00:00:00Z,transfer,cb:main,ETH,1,,,,ETH,0.01,30,ledger:1,,",
  "s1,2025-01-31T10:00:00Z,sell,cb:main,ETH,0.5,,,1500,USD,,5,,,",
  "s2,2025-02-01T10:00:00Z,sell,ledger:1,ETH,1.2,,,3600,,,,,,",
  "g1,2025-03-01T10:00:00Z,gift,ledger:1,ETH,0.1,,,,,,,,,",
].join("\n");

const writeLedger = (text: string) => {
  const file = fresh("ledger.csv");
  writeFileSync(file, text);
  return file;
};

// Without --ledger, gains reads the stored ledger: keep its embedded database in the test's folder.
const lotwise = (args: string[], dataDir = path.join(work, "data")) =>
  runInProcess(["gains", ...args], { LOTWISE_DATA_DIR: dataDir });

/** Every file under `dir`, relative, sorted. */
const tree = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
        .sort()
    : [];

describe("lotwise gains", () => {
  test("--year writes DIR/form8949.csv and DIR/summary.json (and the allocation record), exit 0", async () => {
    const out = fresh("out");
    const r = await lotwise(["--ledger", writeLedger(GOOD), "--year", "2025", "--out", out]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(tree(out)).toEqual(["allocation.csv", "form8949.csv", "gifts.csv", "summary.json"]);
    expect(readFileSync(path.join(out, "form8949.csv"), "utf8")).toBe(
      [
        "disposal_id,lot_id,wallet,asset,quantity,date_acquired,date_sold,proceeds,cost_basis,adjustment_code,adjustment_amount,gain,term,box,description",
        "s1,b1,cb:main,ETH,0.5,2024-01-31,2025-01-31,1495.00,1002.50,,,492.50,short,I,0.5 ETH",
        "s2,b1,ledger:1,ETH,1,2024-01-31,2025-02-01,3000.00,2005.00,,,995.00,long,L,1 ETH",
        "s2,i1,ledger:1,ETH,0.2,2024-03-01,2025-02-01,600.00,600.00,,,0.00,short,I,0.2 ETH",
        "",
      ].join("\n"),
    );
    const summary = JSON.parse(readFileSync(path.join(out, "summary.json"), "utf8"));
    expect(Object.keys(summary)).toEqual([
      "tax_year",
      "method",
      "scope",
      "filing_status",
      "short_term",
      "long_term",
      "carryover_in",
      "net_short_term",
      "net_long_term",
      "net",
      "capital_loss_deduction",
      "carryover_out",
      "ordinary_income",
      "warnings",
    ]);
    expect(summary).toMatchObject({
      tax_year: 2025,
      method: "fifo",
      scope: "transition",
      short_term: { proceeds: "2095.00", cost_basis: "1602.50", adjustments: "0.00", gain: "492.50" },
      long_term: { proceeds: "3000.00", cost_basis: "2005.00", adjustments: "0.00", gain: "995.00" },
      carryover_in: { short_term: "0.00", long_term: "0.00" },
      net_short_term: "492.50",
      net_long_term: "995.00",
      net: "1487.50",
      capital_loss_deduction: "0.00",
      carryover_out: { short_term: "0.00", long_term: "0.00" },
      ordinary_income: { total: "0.00", by_subtype: {} },
      warnings: [],
    });
    expect(readFileSync(path.join(out, "allocation.csv"), "utf8").split("\n").slice(0, 2)).toEqual([
      "asset,wallet,lot_id,quantity,acquired,date_acquired,cost_basis,status",
      "ETH,cb:main,b1,0.99,2024-01-31T10:00:00.000Z,2024-01-31,1984.95,allocated",
    ]);
    expect(readFileSync(path.join(out, "gifts.csv"), "utf8")).toBe(
      "gift_id,lot_id,wallet,asset,quantity,date_acquired,date_given,cost_basis\ng1,i1,ledger:1,ETH,0.1,2024-03-01,2025-03-01,300.00\n",
    );
    // the human summary: Schedule D lines and the allocation record
    for (const line of ["1b", "2 ", "3 ", "7 ", "8b", "9 ", "10", "15", "16", "21"]) {
      expect(r.out).toMatch(new RegExp(`\\n  ${line}\\s`));
    }
    expect(r.out).toContain("Rev. Proc. 2024-28 allocation on 2025-01-01");
    expect(r.out).toContain(path.join(out, "allocation.csv"));
  });

  test("a fee given by fee_usd alone is a USD fee: the same figures as with fee_asset USD", async () => {
    const bare = GOOD.replace(",USD,,10,", ",,,10,").replace(",USD,,5,", ",,,5,");
    expect(bare).not.toBe(GOOD);
    expect(bare).not.toContain(",USD,");
    const [a, b] = [fresh("out"), fresh("out")];
    const withUsd = await lotwise(["--ledger", writeLedger(GOOD), "--year", "2025", "--out", a]);
    const without = await lotwise(["--ledger", writeLedger(bare), "--year", "2025", "--out", b]);
    expect(without.err).toBe("");
    expect([withUsd.code, without.code]).toEqual([0, 0]);
    for (const f of ["form8949.csv", "summary.json"])
      expect(readFileSync(path.join(b, f), "utf8"), f).toBe(readFileSync(path.join(a, f), "utf8"));
  });

  test("universal scope without gifts writes exactly the two files; the 2024 income is ordinary income", async () => {
    const out = fresh("out");
    const r = await lotwise([
      "--ledger",
      writeLedger(GOOD),
      "--year",
      "2024",
      "--scope",
      "universal",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    expect(tree(out)).toEqual(["form8949.csv", "summary.json"]);
    const summary = JSON.parse(readFileSync(path.join(out, "summary.json"), "utf8"));
    expect(summary.ordinary_income).toEqual({
      total: "1500.00",
      staking: "1500.00",
      by_subtype: { staking: "1500.00" },
    });
    expect(readFileSync(path.join(out, "form8949.csv"), "utf8")).toContain(
      "t1:fee,b1,cb:main,ETH,0.01,2024-01-31,2024-06-01,30.00,20.05,,,9.95,short,I,0.01 ETH",
    );
  });

  test("--years A-B writes DIR/<year>/ and carries the capital loss forward", async () => {
    const out = fresh("out");
    const ledger = writeLedger(
      [
        HEADER,
        "a,2023-01-10T00:00:00Z,buy,w,,,BTC,1,20000,,,,,,",
        "b,2023-06-10T00:00:00Z,sell,w,BTC,1,,,10000,,,,,,",
        "c,2024-01-10T00:00:00Z,buy,w,,,BTC,1,10000,,,,,,",
        "d,2024-06-10T00:00:00Z,sell,w,BTC,1,,,12000,,,,,,",
      ].join("\n"),
    );
    const r = await lotwise([
      "--ledger",
      ledger,
      "--years",
      "2023-2025",
      "--scope",
      "universal",
      "--filing-status",
      "mfs",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    expect(tree(out)).toEqual([
      "2023/form8949.csv",
      "2023/summary.json",
      "2024/form8949.csv",
      "2024/summary.json",
      "2025/form8949.csv",
      "2025/summary.json",
    ]);
    const s = [2023, 2024, 2025].map((y) =>
      JSON.parse(readFileSync(path.join(out, String(y), "summary.json"), "utf8")),
    );
    expect(s.map((x) => [x.net, x.capital_loss_deduction, x.carryover_out.short_term])).toEqual([
      ["-10000.00", "1500.00", "8500.00"],
      ["-6500.00", "1500.00", "5000.00"],
      ["-5000.00", "1500.00", "3500.00"],
    ]);
    expect(s[1].carryover_in).toEqual({ short_term: "8500.00", long_term: "0.00" });
    expect(
      readFileSync(path.join(out, "2025", "form8949.csv"), "utf8")
        .trim()
        .split("\n"),
    ).toHaveLength(1);
  });

  test("--carryover-st/--carryover-lt enter lines 6 and 14", async () => {
    const out = fresh("out");
    const r = await lotwise([
      "--ledger",
      writeLedger(GOOD),
      "--year",
      "2025",
      "--carryover-st",
      "1000",
      "--carryover-lt",
      "250.5",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    const s = JSON.parse(readFileSync(path.join(out, "summary.json"), "utf8"));
    expect(s).toMatchObject({ net_short_term: "-507.50", net_long_term: "744.50", net: "237.00" });
  });

  // Every malformed ledger: exit 2, `FILE:LINE: column: what is wrong`, and nothing written.
  const ROW = "x,2025-01-05T00:00:00Z,buy,w,,,ETH,1,100,,,,,,";
  test.each([
    ["unknown column", `${HEADER},colour\n${ROW},red`, ":1: colour: unknown column"],
    [
      "unknown type",
      `${HEADER}\nx,2025-01-05T00:00:00Z,purchase,w,,,ETH,1,100,,,,,,`,
      ':2: type: unknown type "purchase"',
    ],
    [
      "bad decimal",
      `${HEADER}\nx,2025-01-05T00:00:00Z,buy,w,,,ETH,1.2.3,100,,,,,,`,
      ':2: in_quantity: "1.2.3" is not a plain decimal number',
    ],
    [
      "negative amount",
      `${HEADER}\nx,2025-01-05T00:00:00Z,buy,w,,,ETH,1,-100,,,,,,`,
      ':2: usd_value: "-100" is negative',
    ],
    [
      "missing required cell",
      `${HEADER}\nx,2025-01-05T00:00:00Z,buy,,,,ETH,1,100,,,,,,`,
      ":2: wallet: required",
    ],
    ["duplicate id", `${HEADER}\n${ROW}\n${ROW}`, ':3: id: duplicate id "x" (first on line 2)'],
    [
      "time without offset",
      `${HEADER}\nx,2025-01-05T00:00:00,buy,w,,,ETH,1,100,,,,,,`,
      ':2: time: "2025-01-05T00:00:00" has no UTC offset',
    ],
    [
      "lots naming a missing lot",
      `${HEADER}\n${ROW}\ny,2025-02-05T00:00:00Z,sell,w,ETH,1,,,100,,,,,nolot:1,`,
      ':3: lots: no lot "nolot" in the ledger',
    ],
    [
      "lots naming a lot not in the pool",
      `${HEADER}\n${ROW}\nz,2025-01-06T00:00:00Z,buy,v,,,ETH,1,100,,,,,,\ny,2025-02-05T00:00:00Z,sell,w,ETH,1,,,100,,,,,z:1,`,
      ':4: lots: lot "z" is not in the pool',
    ],
  ])("%s: exit 2, message, no partial output", async (_kind, text, message) => {
    const ledger = writeLedger(text);
    const out = fresh("out");
    const r = await lotwise(["--ledger", ledger, "--year", "2025", "--out", out]);
    expect(r.code).toBe(2);
    // Each line is exactly `FILE:LINE: column: problem` (the spec's format, no program prefix).
    expect(r.err.startsWith(`${ledger}${message}`)).toBe(true);
    expect(r.err.split("\n")).toHaveLength(2); // one line, no stack
    expect(r.out).toBe("");
    expect(existsSync(out)).toBe(false);
  });

  test("a failing run leaves an existing output folder exactly as it was", async () => {
    const out = fresh("out");
    expect((await lotwise(["--ledger", writeLedger(GOOD), "--years", "2024-2025", "--out", out])).code).toBe(
      0,
    );
    const before = tree(out).map((f) => [f, readFileSync(path.join(out, f), "utf8")]);
    const bad = writeLedger(`${GOOD}\nzz,2025-05-01T00:00:00Z,sell,cb:main,ETH,100,,,1,,,,,,`);
    const r = await lotwise(["--ledger", bad, "--years", "2024-2025", "--strict", "--out", out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /:8: out_quantity: row zz takes 100 ETH from cb:main's ETH pool, which holds 0.49 \(shortfall 99.51\)/,
    );
    expect(tree(out).map((f) => [f, readFileSync(path.join(out, f), "utf8")])).toEqual(before);
  });

  test("a run into the folder of an earlier run replaces its files: the same bytes as into a new folder", async () => {
    const ledger = writeLedger(GOOD);
    const out = fresh("out");
    const args = ["--ledger", ledger, "--years", "2024-2025", "--scope", "wallet", "--method", "lifo"];
    expect((await lotwise([...args.slice(0, 6), "--out", out])).code).toBe(0);
    const earlier = readFileSync(path.join(out, "2025", "form8949.csv"), "utf8");
    expect((await lotwise([...args, "--out", out])).code).toBe(0);
    const again = fresh("out");
    expect((await lotwise([...args, "--out", again])).code).toBe(0);
    const files = (dir: string) => tree(dir).map((f) => [f, readFileSync(path.join(dir, f), "utf8")]);
    // Nothing left beside the outputs (no earlier file, no temporary one).
    expect(files(out)).toEqual(files(again));
    expect(readFileSync(path.join(out, "2025", "form8949.csv"), "utf8")).not.toBe(earlier);
  });

  test("an output that a run no longer produces is removed (no stale allocation record)", async () => {
    const out = fresh("out");
    const ledger = writeLedger(GOOD);
    expect((await lotwise(["--ledger", ledger, "--year", "2025", "--out", out])).code).toBe(0);
    expect(tree(out)).toContain("allocation.csv");
    expect(
      (await lotwise(["--ledger", ledger, "--year", "2025", "--scope", "wallet", "--out", out])).code,
    ).toBe(0);
    expect(tree(out)).toEqual(["form8949.csv", "gifts.csv", "summary.json"]);
  });

  test("--years: a later run without an allocation removes DIR/allocation.csv of an earlier one", async () => {
    const out = fresh("out");
    const ledger = writeLedger(GOOD);
    const years = ["--ledger", ledger, "--years", "2024-2025", "--out", out];
    expect((await lotwise(years)).code).toBe(0);
    expect(tree(out)).toContain("allocation.csv");
    expect((await lotwise([...years, "--scope", "wallet"])).code).toBe(0);
    expect(tree(out).filter((f) => !f.includes("/"))).toEqual([]);
  });

  test.each([
    [["--year", "2025"], "the stored ledger is empty: add wallets and sync, or pass --ledger FILE"],
    [["--ledger", "LEDGER", "--out", "OUT"], "--year YYYY (or --years A-B) is required"],
    [["--ledger", "LEDGER", "--year", "25", "--out", "OUT"], '--year expects YYYY, got "25"'],
    [["--ledger", "LEDGER", "--years", "2025-2023", "--out", "OUT"], "--years expects A-B with A ≤ B"],
    [
      ["--ledger", "LEDGER", "--year", "2025", "--method", "avg", "--out", "OUT"],
      "--method must be one of fifo, lifo, hifo",
    ],
    [
      ["--ledger", "LEDGER", "--year", "2025", "--scope", "pool", "--out", "OUT"],
      "--scope must be one of transition, universal, wallet",
    ],
    [
      ["--ledger", "LEDGER", "--year", "2025", "--carryover-st", "-5", "--out", "OUT"],
      "--carryover-st expects a USD amount",
    ],
    [
      ["--ledger", "LEDGER", "--year", "2025", "--taxable-income", "1e5", "--out", "OUT"],
      "--taxable-income expects a USD amount",
    ],
    [
      ["--ledger", "LEDGER", "--year", "2025", "--tz", "Mars/Base", "--out", "OUT"],
      '--tz: unknown time zone "Mars/Base"',
    ],
    [["--ledger", "NOFILE", "--year", "2025", "--out", "OUT"], "NOFILE: no such file"],
  ])("bad options %j: exit 2", async (args, message) => {
    const out = fresh("out");
    const ledger = writeLedger(GOOD);
    const argv = args.map((a) =>
      a === "LEDGER" ? ledger : a === "OUT" ? out : a === "NOFILE" ? path.join(work, "none.csv") : a,
    );
    if (!argv.includes("--out")) argv.push("--out", out);
    // Without --ledger: the stored ledger, empty, in a data folder of its own that starts with the
    // migrated template (test/pglite-template.ts), so no run here sets up an embedded database.
    const r = argv.includes("--ledger")
      ? await lotwise(argv)
      : await lotwise(argv, await seedDataDir(fresh("data")));
    expect(r.code).toBe(2);
    expect(r.err).toContain(message.replace("NOFILE", path.join(work, "none.csv")));
    expect(existsSync(out)).toBe(false);
  });

  test("--out is required (exit 2 from the argument parser)", async () => {
    const r = await lotwise(["--ledger", writeLedger(GOOD), "--year", "2025"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out/);
  });

  test("the real binary: exit code 2 and nothing written for a malformed ledger; 0 for a good one", () => {
    const out = fresh("out");
    const bad = writeLedger(`${HEADER}\nx,2025-01-05T00:00:00Z,buy,w,,,ETH,1,1_000,,,,,,`);
    const failed = spawnSync(
      process.execPath,
      ["bin/lotwise.js", "gains", "--ledger", bad, "--year", "2025", "--out", out],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    expect(failed.status).toBe(2);
    expect(failed.stderr).toBe(`${bad}:2: usd_value: "1_000" is not a plain decimal number\n`);
    expect(existsSync(out)).toBe(false);
    mkdirSync(out);
    const ok = spawnSync(
      process.execPath,
      ["bin/lotwise.js", "gains", "--ledger", writeLedger(GOOD), "--year", "2025", "--out", out],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    expect(ok.status).toBe(0);
    expect(tree(out)).toEqual(["allocation.csv", "form8949.csv", "gifts.csv", "summary.json"]);
  });
});
