/**
 * `npm run bench -- harvest`: generates a deterministic 1,000,000-row ledger (2025-01-02 to
 * 2026-11-30) that leaves about 100,000 lots open — trading wallets buy and sell whole lots (sold
 * at 95–110 % of the market, so the year has gains to offset), so their lots keep closing, while
 * holding wallets accumulate 100,000 buys that stay open, most of them below cost at the end — and
 * a price file for 2026-12-01, then times the real CLI
 * planning as of 2026-12-01 (`lotwise harvest --ledger … --prices … --out …`), reporting wall
 * time and peak resident memory, plus the number of open lots and candidates it reported.
 *
 * Flags: `--rows=N` (default 1,000,000), `--open=N` open lots (default 100,000), `--seed=N`,
 * `--runs=N` per command (the fastest is shown), `--cases=N` (only the first N cases),
 * `--generate-only`. `gains` on the same ledger is timed first as a reference, and every case
 * reports its CPU time too (the steadier figure on a shared machine).
 * Every case is also shown as a ratio of CPU seconds against two floors measured in the same
 * run: the I/O floor (bench/io-floor.js reading and splitting the ledger) and that `gains`.
 * Target on the reference 2-core machine: < 5 s wall for the plan.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createLineFile } from "./line-file.ts";
import { type Measure, measure, measureIoFloor, ratio } from "./measure.ts";
import { createRandom } from "./random.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const outDir = path.join(here, "out");
const WALL_TARGET_S = 5;
const AS_OF = "2026-12-01";

type Asset = { name: string; decimals: number; price: number };

const generate = async (
  file: string,
  pricesFile: string,
  rowCount: number,
  openCount: number,
  seed: number,
) => {
  const random = createRandom(seed);
  const assets: Asset[] = [
    { name: "ETH", decimals: 8, price: 3000 },
    { name: "BTC", decimals: 8, price: 60000 },
    { name: "SOL", decimals: 8, price: 150 },
    { name: "LINK", decimals: 8, price: 15 },
    { name: "UNI", decimals: 8, price: 8 },
    { name: "AAVE", decimals: 8, price: 200 },
  ];
  const traders = ["coinbase:main", "kraken:main", "ethereum:0x1111111111111111111111111111111111111111"];
  const holders = [
    "ethereum:0x2222222222222222222222222222222222222222",
    "base:0x3333333333333333333333333333333333333333",
    "arbitrum:0x4444444444444444444444444444444444444444",
    "solana:7T8cWq1QhKpPvXJY3G5NcZf2mBbqW9ehrn2S1gV4xAaa",
  ];
  // Open lots per (trading wallet, asset), oldest first: a sale takes the oldest whole (FIFO).
  const queues = new Map<string, string[]>();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const qty = (a: Asset, units: number) => {
    const s = Math.max(units, 10 ** -a.decimals).toFixed(a.decimals);
    return s.replace(/0+$/, "").replace(/\.$/, "");
  };
  const usd = (v: number) => v.toFixed(2);
  const start = Date.UTC(2025, 0, 2);
  const end = Date.UTC(2026, 10, 30);
  const step = (end - start) / rowCount;
  const out = createLineFile(file);
  await out.line(
    "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype,tx,note",
  );
  let holds = 0;
  for (let i = 0; i < rowCount; i++) {
    const t = new Date(start + Math.floor(i * step)).toISOString();
    for (const a of assets) a.price *= 1 + (random() - 0.5) * 0.004;
    const a = pick(assets);
    const id = `r${i}`;
    const left = rowCount - i;
    const holdNow = holds < openCount && (random() < openCount / rowCount || left <= openCount - holds);
    let line: string;
    if (holdNow) {
      holds++;
      const w = pick(holders);
      const units = (0.5 + random()) * (1000 / a.price);
      // Bought at ±30 % of the market: some lots end below cost, some above.
      line = `${id},${t},buy,${w},,,${a.name},${qty(a, units)},${usd(units * a.price * (0.7 + random() * 0.6))},USD,,${usd(1 + random() * 4)},,,,,`;
    } else {
      const w = pick(traders);
      const key = `${w}|${a.name}`;
      let q = queues.get(key);
      if (q === undefined) {
        q = [];
        queues.set(key, q);
      }
      if (q.length > 0 && random() < (q.length > 3 ? 0.8 : 0.4)) {
        const units = q.shift()!;
        // Sold at 95–110 % of the market price: the year has realized gains for the losses to offset.
        line = `${id},${t},sell,${w},${a.name},${units},,,${usd(Number(units) * a.price * (0.95 + random() * 0.15))},USD,,${usd(random() * 3)},,,,,`;
      } else {
        const units = qty(a, (0.2 + random()) * (2000 / a.price));
        q.push(units);
        line = `${id},${t},buy,${w},,,${a.name},${units},${usd(Number(units) * a.price)},USD,,${usd(1 + random() * 4)},,,,,`;
      }
    }
    await out.line(line);
  }
  await out.close();
  writeFileSync(
    pricesFile,
    `asset,time,usd\n${assets.map((a) => `${a.name},${AS_OF}T00:00:00Z,${a.price.toFixed(4)}`).join("\n")}\n`,
  );
};

const flag = (args: string[], name: string, fallback: number): number => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
};

export default async (args: string[]): Promise<void> => {
  const rows = flag(args, "rows", 1_000_000);
  const open = flag(args, "open", 100_000);
  const seed = flag(args, "seed", 20261201);
  const runs = flag(args, "runs", 1);
  mkdirSync(outDir, { recursive: true });
  const ledger = path.join(outDir, `harvest-ledger-v2-${rows}-${open}-${seed}.csv`);
  const prices = path.join(outDir, `harvest-prices-v2-${rows}-${open}-${seed}.csv`);
  if (!existsSync(ledger) || !existsSync(prices)) {
    const t0 = performance.now();
    await generate(ledger, prices, rows, open, seed);
    console.log(`generated ${ledger} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (args.includes("--generate-only")) return;
  console.log(
    `ledger: ${path.relative(root, ledger)}, ${rows.toLocaleString("en-US")} rows, ${(statSync(ledger).size / 2 ** 20).toFixed(0)} MiB; prices: ${path.relative(root, prices)}`,
  );
  let startup: Measure | undefined;
  for (let i = 0; i < 3; i++) {
    const m = await measure(["bin/lotwise.js", "--version"]);
    if (!startup || m.wallS < startup.wallS) startup = m;
  }
  console.log(`CLI start-up alone (node bin/lotwise.js --version): ${startup!.wallS.toFixed(2)} s\n`);
  const out = path.join(outDir, "harvest");
  const stdoutFile = path.join(outDir, "harvest-stdout.txt");
  const cases: { name: string; extra: string[]; target: boolean }[] = [
    { name: "plan, table on stdout (fifo)", extra: [], target: true },
    { name: "plan + harvest.csv/json (fifo)", extra: ["--out", out], target: true },
    { name: "plan + harvest.csv/json (hifo)", extra: ["--method", "hifo", "--out", out], target: true },
    {
      name: "plan + what-if (--sell, a second engine pass)",
      extra: ["--sell", "ETH:1@coinbase:main"],
      target: false,
    },
    { name: "plan with --wash-sale (a second engine pass)", extra: ["--wash-sale"], target: false },
  ];
  const table: string[][] = [
    ["case", "wall s", "CPU s", "× I/O CPU", "× gains CPU", "peak MB", "open lots", "candidates", "target"],
  ];
  const floor = await measureIoFloor(ledger);
  console.log(
    `I/O floor (node bench/io-floor.js <ledger>): ${floor.wallS.toFixed(2)} s wall, ${floor.cpuS.toFixed(2)} s CPU`,
  );
  let gainsCpu = Number.NaN;
  // The reference: `gains` on the same ledger (one engine pass writing the year's Form 8949).
  {
    const g = await measure([
      "bin/lotwise.js",
      "gains",
      "--ledger",
      ledger,
      "--year",
      "2026",
      "--out",
      path.join(outDir, "harvest-gains"),
    ]);
    if (g.exit !== 0) throw new Error(`gains exited ${g.exit}: ${g.stderr.slice(0, 2000)}`);
    gainsCpu = g.cpuS;
    table.push([
      "(reference) gains --year 2026",
      g.wallS.toFixed(2),
      g.cpuS.toFixed(2),
      ratio(g.cpuS, floor.cpuS),
      "1.00×",
      g.rssMB.toFixed(0),
      "",
      "",
      "",
    ]);
    console.log(`(reference) gains --year 2026: ${g.wallS.toFixed(2)} s, CPU ${g.cpuS.toFixed(2)} s`);
  }
  let met = true;
  const only = flag(args, "cases", cases.length);
  for (const c of cases.slice(0, only)) {
    let best: Measure | undefined;
    for (let i = 0; i < runs; i++) {
      const argv = [
        "bin/lotwise.js",
        "harvest",
        "--ledger",
        ledger,
        "--prices",
        prices,
        "--as-of",
        AS_OF,
        "--taxable-income",
        "150000",
        ...c.extra,
      ];
      if (i === 0 && c === cases[0]) console.log(`command: node ${argv.join(" ")}`);
      const fd = openSync(stdoutFile, "w");
      const m = await measure(argv, fd);
      closeSync(fd);
      if (m.exit !== 0) throw new Error(`harvest ${c.name} exited ${m.exit}: ${m.stderr.slice(0, 2000)}`);
      if (!best || m.wallS < best.wallS) best = m;
    }
    // Counts from the table's headings: "Positions (41) and open lots (100048)", "Candidates (89042, …".
    const printed = readFileSync(stdoutFile, "utf8");
    const report = {
      lots: Number(/open lots \((\d+)\)/.exec(printed)?.[1] ?? Number.NaN),
      candidates: Number(/Candidates \((\d+)/.exec(printed)?.[1] ?? Number.NaN),
    };
    const ok = best!.wallS < WALL_TARGET_S;
    if (c.target) met &&= ok;
    table.push([
      c.name,
      best!.wallS.toFixed(2),
      best!.cpuS.toFixed(2),
      ratio(best!.cpuS, floor.cpuS),
      ratio(best!.cpuS, gainsCpu),
      best!.rssMB.toFixed(0),
      report.lots.toLocaleString("en-US"),
      report.candidates.toLocaleString("en-US"),
      c.target ? (ok ? "yes" : "NO") : "(info)",
    ]);
    console.log(
      `${c.name}: ${best!.wallS.toFixed(2)} s, CPU ${best!.cpuS.toFixed(2)} s, ${best!.rssMB.toFixed(0)} MB`,
    );
  }
  console.log("");
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table)
    console.log(r.map((x, i) => (i < 1 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join("  "));
  console.log(`\ntarget: planning < ${WALL_TARGET_S} s wall: ${met ? "met" : "NOT met"}`);
};
