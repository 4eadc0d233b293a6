import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { runInProcess } from "../../../test/cli.ts";

const HEADER = "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value";

/** `lotwise ledger import|imports|remove-import|export`: what a filer sees. */
describe("lotwise ledger imports", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "lotwise-ledger-cli-"));
  const lotwise = (...argv: string[]) =>
    runInProcess(
      ["--data-dir", path.join(dir, "data"), "--no-progress", "--log-level", "error", ...argv],
      {},
      {
        seed: path.join(dir, "data"),
      },
    );
  const file = (name: string, rows: string[]) => {
    const p = path.join(dir, name);
    writeFileSync(p, `${[HEADER, ...rows].join("\n")}\n`);
    return p;
  };

  test("help says --name is required; import reports what it imported; imports are listed and removed", async () => {
    const help = await lotwise("ledger", "import", "--help");
    expect(help.out).toContain("--name is required");
    expect(help.out).toMatch(/--name <name>\s+required: a name for this import/);

    const cb = file("cb.csv", [
      "b1,2024-01-02T00:00:00Z,buy,cb:main,,,ETH,1,2000",
      "s1,2024-05-01T00:00:00Z,sell,cb:main,ETH,0.5,,,1500",
    ]);
    const k = file("k.csv", ["k1,2023-03-01T00:00:00Z,buy,kraken:main,,,BTC,1,20000"]);
    const first = await lotwise("ledger", "import", cb, "--name", "coinbase");
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      new RegExp(
        `^imported 2 rows from ${cb} as 'coinbase' \\(2024-01-02 to 2024-05-01; wallets cb:main\\)\\n`,
      ),
    );
    const again = await lotwise("ledger", "import", cb, "--name", "coinbase");
    expect(again.out).toMatch(
      /^imported 2 rows from .* as 'coinbase' \(.*\), replacing the 2 rows of the earlier import 'coinbase'\n/,
    );
    expect((await lotwise("ledger", "import", k, "--name", "kraken")).code).toBe(0);

    expect(await lotwise("ledger", "imports")).toEqual({
      code: 0,
      out: "coinbase\t2 rows\t2024-01-02 to 2024-05-01\nkraken\t1 rows\t2023-03-01 to 2023-03-01\n",
      err: "",
    });
    const removed = await lotwise("ledger", "remove-import", "kraken");
    expect(removed.code).toBe(0);
    expect(removed.out).toMatch(/^removed the import 'kraken' \(1 rows\)\n/);
    expect((await lotwise("ledger", "imports")).out).toBe("coinbase\t2 rows\t2024-01-02 to 2024-05-01\n");
    expect(await lotwise("ledger", "remove-import", "kraken")).toEqual({
      code: 2,
      out: "",
      err: "lotwise: no ledger import named 'kraken' (stored: coinbase)\n",
    });
  }, 240_000);

  test("export --out - writes CSV to stdout with no more USD digits than carry meaning; stored and file gains agree", async () => {
    const data = "data2";
    const l = (...argv: string[]) =>
      runInProcess(
        ["--data-dir", path.join(dir, data), "--no-progress", "--log-level", "error", ...argv],
        {},
        {
          seed: path.join(dir, data),
        },
      );
    const f = file("long.csv", [
      "b1,2024-01-02T00:00:00Z,buy,cb:main,,,ETH,0.1,250.9994969999999999979914781005",
      "s1,2024-05-01T00:00:00Z,sell,cb:main,ETH,0.1,,,300.004999999999999999999",
    ]);
    expect((await l("ledger", "import", f, "--name", "cb")).code).toBe(0);
    const exported = await l("ledger", "export", "--out", "-");
    expect(exported.code).toBe(0);
    expect(exported.err).toBe("");
    const lines = exported.out.trim().split("\n");
    expect(lines[0]).toMatch(/^id,time,type,wallet,/);
    expect(lines[1]).toContain(",250.999497,");
    expect(lines[2]).toContain(",300.005,");
    const csv = path.join(dir, "exported.csv");
    writeFileSync(csv, exported.out);
    const stored = path.join(dir, "g-stored");
    const fromFile = path.join(dir, "g-file");
    expect((await l("gains", "--year", "2024", "--out", stored)).code).toBe(0);
    expect((await l("gains", "--ledger", csv, "--year", "2024", "--out", fromFile)).code).toBe(0);
    const read = (d: string) => readFileSync(path.join(d, "form8949.csv"), "utf8");
    expect(read(stored)).toBe(read(fromFile));
    expect(read(stored)).toContain(",300.01,251.00,,,49.01,short,I,");
  }, 240_000);

  test("export --year Y --tz Z ends the year where gains --tz dates rows", async () => {
    const data = "data-tz";
    const l = (...argv: string[]) =>
      runInProcess(
        ["--data-dir", path.join(dir, data), "--no-progress", "--log-level", "error", ...argv],
        {},
        { seed: path.join(dir, data) },
      );
    // The sale is at 23:00 on 31 December 2025 in New York (04:00Z on 1 January 2026).
    const f = file("tz.csv", [
      "b1,2025-01-02T00:00:00Z,buy,cb:main,,,ETH,1,2000",
      "s1,2025-12-31T23:00:00-05:00,sell,cb:main,ETH,1,,,3000",
      "s2,2026-01-01T06:00:00Z,sell,cb:main,ETH,1,,,3000",
    ]);
    expect((await l("ledger", "import", f, "--name", "cb")).code).toBe(0);
    const ids = (out: string) =>
      out
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => line.split(",")[0]);
    expect(ids((await l("ledger", "export", "--out", "-", "--year", "2025")).out)).toEqual(["b1"]);
    const ny = await l("ledger", "export", "--out", "-", "--year", "2025", "--tz", "America/New_York");
    expect(ids(ny.out)).toEqual(["b1", "s1"]);
    // gains --tz on that export has the year's sale, as on the stored ledger.
    const csv = path.join(dir, "tz-export.csv");
    writeFileSync(csv, ny.out);
    const g = path.join(dir, "g-tz");
    expect(
      (await l("gains", "--ledger", csv, "--year", "2025", "--tz", "America/New_York", "--out", g)).code,
    ).toBe(0);
    expect(readFileSync(path.join(g, "form8949.csv"), "utf8")).toContain(
      "s1,b1,cb:main,ETH,1,2025-01-01,2025-12-31,3000.00,2000.00,,,1000.00,short,I,",
    );
    expect(await l("ledger", "export", "--out", "-", "--year", "2025", "--tz", "Mars/Base")).toEqual({
      code: 2,
      out: "",
      err: 'lotwise: --tz: unknown time zone "Mars/Base" (use an IANA name such as America/New_York)\n',
    });
  }, 240_000);

  test("file-system problems are sentences naming the path and what to do", async () => {
    const f = file("fs.csv", ["b1,2024-01-02T00:00:00Z,buy,cb:main,,,ETH,1,2000"]);
    const afile = path.join(dir, "afile");
    writeFileSync(afile, "x");
    expect(await lotwise("gains", "--ledger", f, "--year", "2024", "--out", afile)).toEqual({
      code: 2,
      out: "",
      err: `lotwise: ${afile} is a file, but a folder is needed there; choose another output folder or move the file away\n`,
    });
    const missing = path.join(dir, "nodir", "x.csv");
    expect(await lotwise("ledger", "export", "--out", missing)).toEqual({
      code: 2,
      out: "",
      err: `lotwise: cannot write ${missing}: the folder ${path.dirname(missing)} does not exist; create it or choose another output path\n`,
    });
  });
});
