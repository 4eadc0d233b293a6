/**
 * `npm run bench -- reconcile`: `lotwise reconcile --ledger <1,000,000-row ledger> --year 2025`
 * against 100,000 stored Form 1099-DA rows, timed as a child process (wall time, peak resident
 * memory).
 *
 * Data (deterministic): the gains benchmark's ledger (bench/out/, generated once), and forms made
 * from the books' own 2025 disposals in six of its wallets (two exchange accounts, four EVM
 * wallets), perturbed the way brokers differ — about 10% with a fee not netted from proceeds,
 * 10% without basis, 5% with another basis, 5% with the wrong term, 5% reported per lot, 2% left
 * out, 1% the books lack — written as one 1099-DA CSV per account and imported through the
 * library (import time reported too) into an embedded database under bench/out/.
 *
 * Flags: `--rows=N` ledger rows (default 1,000,000), `--forms=N` (default 100,000),
 * `--seed=N`, `--runs=N` (fastest shown).
 * Figures are also printed as ratios against two floors measured in the same run: the I/O floor
 * (bench/io-floor.js reading and splitting the ledger) and `lotwise gains --ledger … --year 2025`
 * (the engine pass reconciliation makes), in wall and CPU seconds.
 * Targets on the reference 2-core machine: < 10 s wall and < 1.5 GB peak.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDatabase } from "../db/client.ts";
import { ensureUser } from "../db/users.ts";
import { upsertWallet } from "../db/wallets.ts";
import { streamLedgerFile } from "../src/ledger/read.ts";
import { importFormFile } from "../src/reconcile/import-file.ts";
import { computeGainsStream } from "../src/tax/gains.ts";
import { formatCents } from "../src/tax/money.ts";
import type { Form8949Row } from "../src/tax/types.ts";
import { formatCsvRow } from "../src/utils/csv.ts";
import { generateLedger } from "./gains.bench.ts";
import { measure, measureIoFloor, ratio } from "./measure.ts";
import { createRandom } from "./random.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const outDir = path.join(here, "out");
const WALL_TARGET_S = 10;
const RSS_TARGET_MB = 1536;

/** Accounts the forms report, and how the user registers each (an exchange deposit label, or the wallet). */
const ACCOUNTS: {
  wallet: string;
  register: { chain: string; address: string; label?: string; kind?: "exchange" };
}[] = [
  {
    wallet: "coinbase:main",
    register: {
      chain: "ethereum",
      address: "0xC0C0C0C0C0C0C0C0C0C0C0C0C0C0C0C0C0C0C0C0",
      label: "coinbase:main",
      kind: "exchange",
    },
  },
  {
    wallet: "kraken:main",
    register: {
      chain: "ethereum",
      address: "0xABABABABABABABABABABABABABABABABABABABAB",
      label: "kraken:main",
      kind: "exchange",
    },
  },
  {
    wallet: "ethereum:0x1111111111111111111111111111111111111111",
    register: { chain: "ethereum", address: "0x1111111111111111111111111111111111111111" },
  },
  {
    wallet: "ethereum:0x2222222222222222222222222222222222222222",
    register: { chain: "ethereum", address: "0x2222222222222222222222222222222222222222" },
  },
  {
    wallet: "base:0x3333333333333333333333333333333333333333",
    register: { chain: "base", address: "0x3333333333333333333333333333333333333333" },
  },
  {
    wallet: "arbitrum:0x4444444444444444444444444444444444444444",
    register: { chain: "arbitrum", address: "0x4444444444444444444444444444444444444444" },
  },
];

const HEADER = [
  "broker",
  "account",
  "transaction_id",
  "asset_name",
  "units",
  "date_acquired",
  "date_sold",
  "proceeds",
  "cost_basis",
  "basis_reported",
  "term",
];

const flag = (args: string[], name: string, fallback: number): number => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
};

/** The books' 2025 Form 8949 rows of the reported accounts, grouped by disposal (in order). */
const disposalsOf = async (ledger: string): Promise<Form8949Row[][]> => {
  const wanted = new Set(ACCOUNTS.map((a) => a.wallet));
  const byId = new Map<string, Form8949Row[]>();
  await computeGainsStream(
    (h) => streamLedgerFile(ledger, h.row, { onRaw: h.raw }),
    { fromYear: 2025, toYear: 2025 },
    {
      form8949: (_y, r) => {
        if (!wanted.has(r.wallet)) return;
        const list = byId.get(r.disposalId);
        if (list) list.push(r);
        else byId.set(r.disposalId, [r]);
      },
      gift: () => {},
      reset: () => byId.clear(),
    },
  );
  return [...byId.values()];
};

/** Writes one 1099-DA CSV per account; returns the files and the number of rows. */
const writeForms = (disposals: Form8949Row[][], count: number, seed: number, dir: string) => {
  const random = createRandom(seed);
  const lines = new Map<string, string[]>(ACCOUNTS.map((a) => [a.wallet, [formatCsvRow(HEADER)]]));
  let n = 0;
  const row = (wallet: string, cells: string[]) => {
    lines.get(wallet)!.push(formatCsvRow(cells));
    n++;
  };
  for (const parts of disposals) {
    if (n >= count) break;
    const r = random();
    if (r < 0.02) continue; // left out: ledger_only
    const first = parts[0]!;
    const form = (ps: Form8949Row[], k: number) => {
      const units = ps.length === 1 ? ps[0]!.quantity : sumQuantities(ps.map((p) => p.quantity));
      let proceeds = ps.reduce((s, p) => s + p.proceeds, 0n);
      let basis: bigint | undefined = ps.reduce((s, p) => s + p.costBasis, 0n);
      const terms = new Set(ps.map((p) => p.term));
      let term = terms.size === 1 ? first.term : "";
      if (r < 0.12)
        proceeds += BigInt(100 + Math.floor(random() * 2000)); // a fee not netted
      else if (r < 0.22) basis = undefined;
      else if (r < 0.27) basis = basis / 2n;
      else if (r < 0.32 && term !== "") term = term === "short" ? "long" : "short";
      // The books net fees larger than a sale into negative proceeds; a form never shows that.
      if (proceeds < 0n) proceeds = 0n;
      row(first.wallet, [
        "Broker",
        first.wallet.split(":")[0]!,
        `${first.disposalId}${k > 0 ? `-${k}` : ""}`,
        first.asset,
        units,
        ps.length === 1 ? ps[0]!.dateAcquired : "VARIOUS",
        first.dateSold,
        formatCents(proceeds),
        basis === undefined ? "" : formatCents(basis),
        "false",
        term,
      ]);
    };
    if (r >= 0.32 && r < 0.37 && parts.length > 1) {
      for (const [k, p] of parts.entries()) form([p], k);
    } else form(parts, 0);
    if (r >= 0.99) {
      row(first.wallet, [
        "Broker",
        "x",
        "",
        "NOTHERE",
        "1",
        "",
        first.dateSold,
        "10.00",
        "",
        "false",
        "short",
      ]);
    }
  }
  mkdirSync(dir, { recursive: true });
  const files = ACCOUNTS.map((a) => {
    const file = path.join(dir, `${a.wallet.replace(/[^a-z0-9]+/gi, "-")}.csv`);
    writeFileSync(file, lines.get(a.wallet)!.join(""));
    return { account: a.wallet, file };
  });
  return { files, rows: n };
};

const sumQuantities = (qs: string[]): string => {
  const scale = Math.max(...qs.map((q) => (q.includes(".") ? q.length - q.indexOf(".") - 1 : 0)));
  let total = 0n;
  for (const q of qs) {
    const [w, f = ""] = q.split(".");
    total += BigInt(w! + f.padEnd(scale, "0"));
  }
  const s = total.toString().padStart(scale + 1, "0");
  const out = scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  return out.includes(".") ? out.replace(/0+$/, "").replace(/\.$/, "") : out;
};

export default async (args: string[]): Promise<void> => {
  const rows = flag(args, "rows", 1_000_000);
  const formCount = flag(args, "forms", 100_000);
  const seed = flag(args, "seed", 20250101);
  const runs = flag(args, "runs", 1);
  mkdirSync(outDir, { recursive: true });
  const ledger = path.join(outDir, `ledger-${rows}-${seed}.csv`);
  if (!existsSync(ledger)) {
    const t0 = performance.now();
    await generateLedger(ledger, rows, seed);
    console.log(
      `generated ${path.relative(root, ledger)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  const work = path.join(outDir, `reconcile-${rows}-${formCount}-${seed}`);
  const dataDir = path.join(work, "data");
  rmSync(work, { recursive: true, force: true });

  let t0 = performance.now();
  const disposals = await disposalsOf(ledger);
  const { files, rows: written } = writeForms(disposals, formCount, seed, path.join(work, "forms"));
  console.log(
    `forms: ${written.toLocaleString("en-US")} rows from ${disposals.length.toLocaleString("en-US")} disposals of 2025 in ${ACCOUNTS.length} accounts (${((performance.now() - t0) / 1000).toFixed(1)} s to derive)`,
  );

  // Import through the library into the embedded database the CLI will open.
  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const database = await createDatabase({ kind: "pglite", dir: path.join(dataDir, "pgdata") });
  await database.migrate();
  const userId = await ensureUser(database.db, "default");
  for (const a of ACCOUNTS) await upsertWallet(database.db, userId, a.register);
  for (const f of files) await importFormFile({ db: database.db, userId, path: f.file, account: f.account });
  await database.close();
  const importS = (performance.now() - t0) / 1000;
  const importCpu = process.cpuUsage(cpu0);
  console.log(
    `import: ${importS.toFixed(1)} s wall, ${((importCpu.user + importCpu.system) / 1e6).toFixed(1)} s CPU for ${files.length} files, ${Math.round(written / importS).toLocaleString("en-US")} rows/s (PGlite, in this process, database creation included)`,
  );

  const out = path.join(work, "out");
  const argv = [
    "bin/lotwise.js",
    "--no-progress",
    "--data-dir",
    dataDir,
    "reconcile",
    "--ledger",
    ledger,
    "--year",
    "2025",
    "--out",
    out,
  ];
  console.log(`command: node ${argv.join(" ").replace(root + path.sep, "")}`);
  let best: Awaited<ReturnType<typeof measure>> | undefined;
  for (let i = 0; i < runs; i++) {
    const m = await measure(argv);
    if (m.exit !== 0) throw new Error(`reconcile exited ${m.exit}: ${m.stderr.slice(0, 2000)}`);
    if (!best || m.wallS < best.wallS) best = m;
  }
  const floor = await measureIoFloor(ledger);
  const gains = await measure([
    "bin/lotwise.js",
    "--no-progress",
    "gains",
    "--ledger",
    ledger,
    "--year",
    "2025",
    "--out",
    path.join(work, "gains"),
  ]);
  if (gains.exit !== 0) throw new Error(`gains exited ${gains.exit}: ${gains.stderr.slice(0, 2000)}`);
  console.log(
    `floors: I/O ${floor.wallS.toFixed(2)} s wall, ${floor.cpuS.toFixed(2)} s CPU; gains --year 2025 ${gains.wallS.toFixed(2)} s wall, ${gains.cpuS.toFixed(2)} s CPU`,
  );
  const ok = best!.wallS < WALL_TARGET_S && best!.rssMB < RSS_TARGET_MB;
  // CPU time too: on a shared machine the wall time also counts other processes' turns.
  const cpu = (label: string) =>
    Number(new RegExp(`${label} time \\(seconds\\): ([\\d.]+)`).exec(best!.stderr)?.[1] ?? Number.NaN);
  const cpuS = cpu("User") + cpu("System");
  console.log(
    `reconcile: ${best!.wallS.toFixed(2)} s wall, ${Number.isNaN(cpuS) ? "?" : cpuS.toFixed(2)} s CPU, ${best!.rssMB.toFixed(0)} MB peak (targets < ${WALL_TARGET_S} s, < ${RSS_TARGET_MB} MB: ${ok ? "met" : "NOT met"})`,
  );
  console.log(
    `reconcile as ratios: ${ratio(best!.wallS, floor.wallS)} wall / ${ratio(cpuS, floor.cpuS)} CPU of the I/O floor; ${ratio(best!.wallS, gains.wallS)} wall / ${ratio(cpuS, gains.cpuS)} CPU of gains --year 2025`,
  );
};
