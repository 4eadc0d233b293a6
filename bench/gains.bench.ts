/**
 * `npm run bench gains`: generates a deterministic ledger of 1,000,000 rows (several wallets and
 * assets; buys, sells, swaps, income, spends, gifts, transfers and fees, 2022 to mid-2026) into
 * bench/out/, then times the real CLI as a child process for every method × scope, reporting wall
 * time and peak resident memory, in two shapes: `--year 2025` (one tax year's Form 8949 after the
 * whole history is processed: the command as users run it) and `--years 2022-2026` (every year,
 * carryovers chained: about 1.3 million Form 8949 rows written).
 *
 * Flags: `--rows=N` (default 1,000,000), `--seed=N` (default 20250101), `--runs=N` per cell
 * (default 3, as the floor's: the fastest run is shown, so a cell and the floor are both the best
 * of three), `--generate-only`.
 * Every cell is also printed as a ratio against the I/O floor (bench/io-floor.js: node reading
 * every line of the same file and splitting every field), in wall and CPU seconds, measured beside
 * it: each of the cell's runs follows a run of the floor, and the cell's best is divided by the
 * best of those floor runs. A shared machine's speed drifts over minutes (by 1.5× and more, seen
 * here), so a floor measured once at the start no longer holds for the last cells; one measured
 * beside each cell does, and the ratios hold where the seconds do not. On Linux,
 * each run also shows the CPU seconds of its busy threads (bench/thread-cpu-preload.js): the engine's
 * (main) and the ledger reading thread's, with the seconds the reader waited for the engine (long
 * waits: the engine's thread sets the pace; none: the reader does), and with `--years` the Form
 * 8949 writing thread's (src/tax/form8949-thread.ts).
 * Targets on the reference 2-core machine: < 5 s wall and < 1.5 GB peak per run; issue 15:
 * at most 1.5× the floor and < 1 GB.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createLineFile } from "./line-file.ts";
import { type Measure, measure, measureIoFloor, ratio } from "./measure.ts";
import { createRandom } from "./random.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
/** The preload that reports each thread's CPU seconds (bench/thread-cpu-preload.js). */
const THREAD_CPU = pathToFileURL(path.join(here, "thread-cpu-preload.js")).href;
const root = path.resolve(here, "..");
const outDir = path.join(here, "out");

const METHODS = ["fifo", "lifo", "hifo"] as const;
const SCOPES = ["transition", "universal", "wallet"] as const;
const WALL_TARGET_S = 5;
const RSS_TARGET_MB = 1536;

type Asset = { name: string; decimals: number; price: number };

/**
 * Writes the ledger. Balances are tracked per (wallet, asset) so disposals and transfers never
 * take more than the wallet holds (no shortfall warnings in any scope).
 */
export const generateLedger = async (file: string, rowCount: number, seed: number): Promise<void> => {
  const random = createRandom(seed);
  const wallets = [
    "coinbase:main",
    "kraken:main",
    "ethereum:0x1111111111111111111111111111111111111111",
    "ethereum:0x2222222222222222222222222222222222222222",
    "base:0x3333333333333333333333333333333333333333",
    "arbitrum:0x4444444444444444444444444444444444444444",
    "solana:7T8cWq1QhKpPvXJY3G5NcZf2mBbqW9ehrn2S1gV4xAaa",
    "solana:9Z1dYt3PmLqR7sXuV2NcWe8kHbG5fJa4oQ6iTyU1rBbb",
  ];
  const assets: Asset[] = [
    { name: "ETH", decimals: 18, price: 2500 },
    { name: "BTC", decimals: 8, price: 40000 },
    { name: "SOL", decimals: 9, price: 100 },
    { name: "USDC", decimals: 6, price: 1 },
    { name: "LINK", decimals: 18, price: 15 },
    { name: "UNI", decimals: 18, price: 7 },
  ];
  const balance = new Map<string, number>(); // float estimate, only to keep disposals plausible
  const held = (w: string, a: string) => balance.get(`${w}|${a}`) ?? 0;
  const change = (w: string, a: string, d: number) => balance.set(`${w}|${a}`, held(w, a) + d);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const qty = (a: Asset, units: number): string => {
    const s = Math.max(units, 10 ** -a.decimals).toFixed(a.decimals);
    return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
  };
  const usd = (v: number) => v.toFixed(2);
  // Portion of a balance that may leave: 5% to 60%, rounded down to 8 decimals.
  const portion = (_a: Asset, have: number) =>
    Math.floor(have * (0.05 + random() * 0.55) * 10 ** 8) / 10 ** 8;

  const start = Date.UTC(2022, 0, 1);
  const end = Date.UTC(2026, 6, 1);
  const step = (end - start) / rowCount;
  const out = createLineFile(file);
  await out.line(
    "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype,tx,note",
  );
  for (let i = 0; i < rowCount; i++) {
    const t = new Date(start + Math.floor(i * step + random() * step * 0.5)).toISOString();
    for (const a of assets) a.price *= 1 + (random() - 0.5) * 0.004;
    const w = pick(wallets);
    const a = pick(assets);
    const have = held(w, a.name);
    let r = random();
    if (have <= 0.0001 && r >= 0.3) r = random() * 0.3; // nothing to dispose: acquire instead
    const id = `r${i}`;
    let line: string;
    if (r < 0.2) {
      const units = 0.01 + random() * (a.price > 1000 ? 2 : 500);
      const q = qty(a, units);
      change(w, a.name, Number(q));
      line = `${id},${t},buy,${w},,,${a.name},${q},${usd(units * a.price)},USD,,${usd(1 + random() * 5)},,,,,`;
    } else if (r < 0.3) {
      const units = 0.001 + random() * (a.price > 1000 ? 0.1 : 20);
      const q = qty(a, units);
      change(w, a.name, Number(q));
      line = `${id},${t},income,${w},,,${a.name},${q},${usd(units * a.price)},,,,,,${pick(["staking", "airdrop", "interest"])},,`;
    } else if (r < 0.5) {
      const q = qty(a, portion(a, have));
      change(w, a.name, -Number(q));
      line = `${id},${t},sell,${w},${a.name},${q},,,${usd(Number(q) * a.price)},USD,,${usd(random() * 3)},,,,,`;
    } else if (r < 0.7) {
      const b = pick(assets.filter((x) => x !== a));
      const q = qty(a, portion(a, have));
      const value = Number(q) * a.price;
      const inQ = qty(b, value / b.price + 1e-9);
      change(w, a.name, -Number(q));
      change(w, b.name, Number(inQ));
      // Gas in the disposed asset when it is ETH (one disposal with the swap), else a USD fee.
      const gas = qty(a, Number(q) * 0.002);
      const fee = a.name === "ETH" ? `ETH,${gas},${usd(Number(gas) * a.price)}` : `USD,,${usd(random() * 2)}`;
      if (a.name === "ETH") change(w, "ETH", -Number(gas));
      line = `${id},${t},swap,${w},${a.name},${q},${b.name},${inQ},${usd(value)},${fee},,,,,`;
    } else if (r < 0.85) {
      const to = pick(wallets.filter((x) => x !== w));
      const q = qty(a, portion(a, have));
      const feeQ = qty(a, Number(q) * 0.001);
      change(w, a.name, -Number(q) - Number(feeQ));
      change(to, a.name, Number(q));
      line = `${id},${t},transfer,${w},${a.name},${q},,,,${a.name},${feeQ},${usd(Number(feeQ) * a.price)},${to},,,,`;
    } else if (r < 0.92) {
      const q = qty(a, Math.min(have * 0.01, 0.001));
      change(w, a.name, -Number(q));
      line = `${id},${t},fee,${w},,,,,,${a.name},${q},${usd(Number(q) * a.price)},,,,,`;
    } else if (r < 0.97) {
      const q = qty(a, portion(a, have) / 4);
      change(w, a.name, -Number(q));
      line = `${id},${t},spend,${w},${a.name},${q},,,${usd(Number(q) * a.price)},,,,,,,,`;
    } else {
      const q = qty(a, portion(a, have) / 10);
      change(w, a.name, -Number(q));
      line = `${id},${t},gift,${w},${a.name},${q},,,,,,,,,,,`;
    }
    await out.line(line);
  }
  await out.close();
};

/**
 * The threads' CPU seconds a run's stderr reports (bench/thread-cpu-preload.js): the main thread's,
 * the ledger reading thread's (`worker`) and the seconds it waited in `Atomics.wait`, and the Form
 * 8949 writing thread's (`writer`, `--years` only). NaN when not reported.
 */
const threadFigures = (stderr: string): { main: number; worker: number; waited: number; writer: number } => {
  const f = { main: Number.NaN, worker: Number.NaN, waited: Number.NaN, writer: Number.NaN };
  const add = (a: number, b: number) => (Number.isNaN(a) ? 0 : a) + b;
  for (const m of stderr.matchAll(/^lotwise-bench-thread (main|worker|writer) ([\d.]+)(?: ([\d.]+))?$/gm)) {
    if (m[1] === "main") f.main = Number(m[2]);
    else if (m[1] === "writer") f.writer = add(f.writer, Number(m[2]));
    else {
      f.worker = add(f.worker, Number(m[2]));
      f.waited = add(f.waited, Number(m[3]));
    }
  }
  return f;
};
const seconds = (s: number): string => (Number.isNaN(s) ? "?" : s.toFixed(2));

const flag = (args: string[], name: string, fallback: number): number => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
};

export default async (args: string[]): Promise<void> => {
  const rows = flag(args, "rows", 1_000_000);
  const seed = flag(args, "seed", 20250101);
  const runs = flag(args, "runs", 3);
  mkdirSync(outDir, { recursive: true });
  const ledger = path.join(outDir, `ledger-${rows}-${seed}.csv`);
  if (!existsSync(ledger)) {
    const t0 = performance.now();
    await generateLedger(ledger, rows, seed);
    console.log(`generated ${ledger} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (args.includes("--generate-only")) return;
  console.log(
    `ledger: ${path.relative(root, ledger)}, ${rows.toLocaleString("en-US")} rows, ${(statSync(ledger).size / 2 ** 20).toFixed(0)} MiB`,
  );
  // What any command pays before it starts working (module loading), to read the figures.
  let startup: Measure | undefined;
  for (let i = 0; i < 3; i++) {
    const m = await measure(["bin/lotwise.js", "--version"]);
    if (!startup || m.wallS < startup.wallS) startup = m;
  }
  console.log(
    `CLI start-up alone (node bin/lotwise.js --version): ${startup!.wallS.toFixed(2)} s, ${startup!.rssMB.toFixed(0)} MB\n`,
  );
  const floor = await measureIoFloor(ledger);
  console.log(
    `I/O floor (node bench/io-floor.js <ledger>: read every line, split every field): ${floor.wallS.toFixed(2)} s wall, ${floor.cpuS.toFixed(2)} s CPU, ${floor.rssMB.toFixed(0)} MB at the start; each cell's ratios are to the floor measured beside it ("floor s")\n`,
  );
  let allOk = true;
  for (const years of [
    ["--year", "2025"],
    ["--years", "2022-2026"],
  ]) {
    console.log(
      `command: node bin/lotwise.js gains --ledger <ledger> ${years.join(" ")} --method M --scope S --out <dir>`,
    );
    const table: string[][] = [
      [
        "method",
        "scope",
        "wall s",
        "CPU s",
        "floor s",
        "× floor wall",
        "× floor CPU",
        "peak MB",
        "main CPU s",
        "reader CPU s",
        "reader waited s",
        "writer CPU s",
        "ok",
      ],
    ];
    for (const method of METHODS) {
      for (const scope of SCOPES) {
        let best: Measure | undefined;
        /** The floor measured beside this cell: the best of one run before each of its runs. */
        let near: Measure | undefined;
        for (let i = 0; i < runs; i++) {
          const f = await measureIoFloor(ledger, 1);
          if (!near || f.wallS < near.wallS) near = f;
          const out = path.join(outDir, `gains-${method}-${scope}`);
          const m = await measure([
            "--import",
            THREAD_CPU,
            "bin/lotwise.js",
            "gains",
            "--ledger",
            ledger,
            ...years,
            "--method",
            method,
            "--scope",
            scope,
            "--out",
            out,
          ]);
          if (m.exit !== 0)
            throw new Error(`gains ${method}/${scope} exited ${m.exit}: ${m.stderr.slice(0, 2000)}`);
          if (!best || m.wallS < best.wallS) best = m;
        }
        const ok = best!.wallS < WALL_TARGET_S && best!.rssMB < RSS_TARGET_MB;
        allOk &&= ok;
        const threads = threadFigures(best!.stderr);
        table.push([
          method,
          scope,
          best!.wallS.toFixed(2),
          best!.cpuS.toFixed(2),
          near!.wallS.toFixed(2),
          ratio(best!.wallS, near!.wallS),
          ratio(best!.cpuS, near!.cpuS),
          best!.rssMB.toFixed(0),
          seconds(threads.main),
          seconds(threads.worker),
          seconds(threads.waited),
          Number.isNaN(threads.writer) ? "-" : seconds(threads.writer),
          ok ? "yes" : "NO",
        ]);
      }
    }
    const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
    for (const r of table)
      console.log(r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
    console.log("");
  }
  console.log(
    `targets: < ${WALL_TARGET_S} s wall, < ${RSS_TARGET_MB} MB peak per run: ${allOk ? "met" : "NOT met"}`,
  );
};
