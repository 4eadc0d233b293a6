import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { run } from "../main.ts";

const HEADER = "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value";

/** `lotwise ledger import|imports|remove-import|export`: what a filer sees. */
describe("lotwise ledger imports", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "lotwise-ledger-cli-"));
  const lotwise = async (...argv: string[]) => {
    let out = "";
    let err = "";
    const code = await run(
      ["--data-dir", path.join(dir, "data"), "--no-progress", "--log-level", "error", ...argv],
      {},
      { out: (t) => (out += t), err: (t) => (err += t) },
    );
    return { code, out, err };
  };
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
  });
});
