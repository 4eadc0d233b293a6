import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runInProcess } from "../../../test/cli.ts";

/** `lotwise prices import|list` end to end, on an embedded database in a temporary folder. */
describe("lotwise prices", () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const lotwise = (...argv: string[]) =>
    runInProcess(
      ["--data-dir", path.join(dir, "data"), "--no-progress", "--log-level", "warn", ...argv],
      {},
      {
        seed: path.join(dir, "data"),
      },
    );
  const listed = async () => JSON.parse((await lotwise("prices", "list", "--json")).out) as unknown[];

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "lotwise-prices-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test("import: a good file, then the same file again (idempotent), then a bad file (nothing imported)", async () => {
    const good = file(
      "good.csv",
      "asset,time,usd\nETH,2021-01-10,1280.87109375\nbtc,2021-01-10T00:00:00Z,40254.21875\nETH,2021-01-11T05:00:00-05:00,1090.1453857421875\n",
    );
    const first = await lotwise("prices", "import", good, "--name", "good.csv");
    expect(first).toEqual({ code: 0, out: `imported 3 prices from ${good} as file:good.csv\n`, err: "" });
    const rows = [
      { asset: "BTC", time: "2021-01-10T00:00:00.000Z", usd: "40254.21875", source: "file:good.csv" },
      { asset: "ETH", time: "2021-01-10T00:00:00.000Z", usd: "1280.87109375", source: "file:good.csv" },
      { asset: "ETH", time: "2021-01-11T10:00:00.000Z", usd: "1090.1453857421875", source: "file:good.csv" },
    ];
    expect(await listed()).toEqual(rows);

    const again = await lotwise("prices", "import", good, "--name", "good.csv");
    expect(again).toEqual({
      code: 0,
      out: `imported 3 prices from ${good} as file:good.csv (replacing 3 prices from the earlier import file:good.csv)\n`,
      err: "",
    });
    expect(await listed()).toEqual(rows);

    const bad = file(
      "bad.csv",
      "asset,time,usd\nSOL,2021-01-10,13.5\nETH,2021-01-12,-1\nETH,2021-01-13T00:00:00,1\n",
    );
    const refused = await lotwise("prices", "import", bad);
    expect(refused).toEqual({
      code: 2,
      out: "",
      err:
        `${bad}:3: usd: '-1' is not a non-negative decimal number (digits with an optional fraction; no sign, exponent or separators)\n` +
        `${bad}:4: time: "2021-01-13T00:00:00" has no UTC offset (add Z or an offset such as +00:00); a date alone (YYYY-MM-DD) means 00:00 UTC\n` +
        "nothing was imported\n",
    });
    expect(await listed()).toEqual(rows); // the good SOL row of the bad file was not imported either
  });

  test("import: an edited file replaces its earlier rows; a missing file is a user error", async () => {
    const p = file("edit.csv", "asset,time,usd\nSOL,2021-01-10,13.5\nSOL,2021-01-11,14\n");
    expect((await lotwise("prices", "import", p)).code).toBe(0);
    file("edit.csv", "asset,time,usd\nSOL,2021-01-11,14.25\n");
    expect((await lotwise("prices", "import", p)).out).toBe(
      `imported 1 price from ${p} as file:${p} (replacing 2 prices from the earlier import file:${p})\n`,
    );
    const sol = await lotwise("prices", "list", "--asset", "sol");
    expect(sol).toEqual({ code: 0, out: `SOL\t2021-01-11T00:00:00.000Z\t14.25\tfile:${p}\n`, err: "" });

    const none = path.join(dir, "none.csv");
    expect(await lotwise("prices", "import", none)).toEqual({
      code: 2,
      out: "",
      err: `lotwise: ${none}: cannot read the file: no such file\n`,
    });
    expect((await lotwise("prices", "import", p, "--name", "a b")).err).toBe(
      "lotwise: --name may use letters, digits, '.', '_', '-' and '/' only, got 'a b'\n",
    );
    expect((await lotwise("prices", "list", "--limit", "0")).err).toBe(
      "lotwise: --limit expects a positive whole number, not '0'\n",
    );
  });

  test("import: two files with the same base name in different folders are two imports", async () => {
    mkdirSync(path.join(dir, "y2024"), { recursive: true });
    const here = file("same.csv", "asset,time,usd\nDOGE,2023-01-01,0.07\n");
    const there = file("y2024/same.csv", "asset,time,usd\nDOGE,2024-01-01,0.1\n");
    expect((await lotwise("prices", "import", here)).out).toBe(
      `imported 1 price from ${here} as file:${here}\n`,
    );
    // Before: keyed by the base name, this import deleted the 2023 price.
    expect((await lotwise("prices", "import", there)).out).toBe(
      `imported 1 price from ${there} as file:${there}\n`,
    );
    expect((await lotwise("prices", "list", "--asset", "DOGE")).out).toBe(
      `DOGE\t2023-01-01T00:00:00.000Z\t0.07\tfile:${here}\n` +
        `DOGE\t2024-01-01T00:00:00.000Z\t0.1\tfile:${there}\n`,
    );
  });
});
