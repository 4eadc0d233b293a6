/**
 * `npm run bench -- ledger-import`: `lotwise ledger import` of a 200,000-row ledger CSV v1 file, as
 * users run it (the compiled CLI as a child process), on the embedded database (PGlite on disk, in
 * a temporary data folder) and on PostgreSQL (a new database on the test server). Issue 15's
 * target: under 5 s and 500 MB.
 *
 * Data: the deterministic ledger of `npm run bench -- gains` (bench/gains.bench.ts's generator),
 * 200,000 rows by default, in bench/out/. Each database gets a first import (the ledger then
 * rebuilds, which the command includes) and a re-import of the same file under the same name
 * (replaces every row: the idempotent path). Figures: wall s, CPU s of the child (user + system,
 * from `/usr/bin/time`, steadier than wall on a shared machine), peak RSS, rows per second; then
 * `gains` on the stored ledger, twice (the first run after the import reads the snapshot the import
 * saved, src/books/engine-csv.ts; without one it would copy the rows out of the table and save the
 * snapshot; the second reads the snapshot; on the embedded database both read the snapshot's file,
 * src/books/snapshot-file.ts, while the database opens), each against
 * `gains --ledger` on its export, measured in the same run (issue 15: within 1.5×).
 *
 * Flags: `--rows=N` (default 200,000), `--seed=N`, `--no-postgres`, `--no-gains`, `--cpu-prof`
 * (adds `--cpu-prof --cpu-prof-dir=bench/out/prof-ledger-import` to the first import).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateLedger } from "./gains.bench.ts";
import { cleanEnv, createScratchDatabase, type Measure, measure } from "./measure.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(here, "out");
const WALL_TARGET_S = 5;
const RSS_TARGET_MB = 500;

const flag = (args: string[], name: string, fallback: number): number => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
};

const show = (label: string, m: Measure, rows: number, target = true) => {
  const ok = m.exit === 0 && (!target || (m.wallS < WALL_TARGET_S && m.rssMB < RSS_TARGET_MB));
  console.log(
    `${label.padEnd(44)} ${m.wallS.toFixed(2).padStart(6)} s wall ${m.cpuS.toFixed(2).padStart(6)} s CPU ${m.rssMB.toFixed(0).padStart(5)} MB peak  ${Math.round(rows / m.wallS).toLocaleString("en-US")} rows/s` +
      (target
        ? `  ${ok ? "ok" : m.exit !== 0 ? `EXIT ${m.exit}` : `over target (< ${WALL_TARGET_S} s, < ${RSS_TARGET_MB} MB)`}`
        : m.exit !== 0
          ? `  EXIT ${m.exit}`
          : ""),
  );
  if (m.exit !== 0) console.log(m.stderr.split("\n").slice(0, 8).join("\n"));
};

export default async (args: string[]): Promise<void> => {
  const rows = flag(args, "rows", 200_000);
  const seed = flag(args, "seed", 20250101);
  mkdirSync(outDir, { recursive: true });
  const ledger = path.join(outDir, `ledger-${rows}-${seed}.csv`);
  if (!existsSync(ledger)) await generateLedger(ledger, rows, seed);
  const [l1, l5] = loadavg();
  console.log(
    `ledger: ${path.relative(process.cwd(), ledger)}, ${rows.toLocaleString("en-US")} rows, ${(statSync(ledger).size / 2 ** 20).toFixed(0)} MiB; load average ${l1!.toFixed(2)} ${l5!.toFixed(2)} (1, 5 min)`,
  );
  const prof = args.includes("--cpu-prof")
    ? ["--cpu-prof", `--cpu-prof-dir=${path.join(outDir, "prof-ledger-import")}`]
    : [];
  const scratch = mkdtempSync(path.join(tmpdir(), "lotwise-bench-ledger-import-"));
  let scratchDb: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  try {
    const targets: { name: string; env: NodeJS.ProcessEnv; db: string[] }[] = [
      { name: "embedded (PGlite on disk)", env: cleanEnv(), db: ["--data-dir", path.join(scratch, "data")] },
    ];
    if (!args.includes("--no-postgres")) {
      try {
        scratchDb = await createScratchDatabase();
        targets.push({ name: "PostgreSQL", env: cleanEnv({ DATABASE_URL: scratchDb.url }), db: [] });
      } catch (error) {
        console.log(`PostgreSQL skipped: ${(error as Error).message}`);
      }
    }
    for (const t of targets) {
      // Creating the database and its tables is not the import's cost.
      await measure(["bin/lotwise.js", ...t.db, "wallets", "list"], undefined, { env: t.env });
      const imp = (extra: string[] = []) =>
        measure(
          [...extra, "bin/lotwise.js", ...t.db, "ledger", "import", ledger, "--name", "bench"],
          undefined,
          {
            env: t.env,
          },
        );
      show(`${t.name}: ledger import (first)`, await imp(prof), rows);
      show(`${t.name}: ledger import (same file again)`, await imp(), rows);
      if (args.includes("--no-gains")) continue;
      const exported = path.join(scratch, `export-${t.db.length}.csv`);
      const ex = await measure(
        ["bin/lotwise.js", ...t.db, "ledger", "export", "--out", exported],
        undefined,
        {
          env: t.env,
        },
      );
      show(`${t.name}: ledger export`, ex, rows, false);
      // The first run after the import reads the snapshot the import saved (a run without one
      // copies the rows out and saves it: src/books/ledger-snapshot.ts); the next ones read it.
      const storedGains = () =>
        measure(
          ["bin/lotwise.js", ...t.db, "gains", "--year", "2025", "--out", path.join(scratch, "g-stored")],
          undefined,
          { env: t.env },
        );
      const cold = await storedGains();
      const warm = await storedGains();
      const onFile = await measure(
        [
          "bin/lotwise.js",
          "gains",
          "--ledger",
          exported,
          "--year",
          "2025",
          "--out",
          path.join(scratch, "g-file"),
        ],
        undefined,
        { env: cleanEnv() },
      );
      show(`${t.name}: gains --year 2025 (stored, first run)`, cold, rows, false);
      show(`${t.name}: gains --year 2025 (stored, again)`, warm, rows, false);
      show(`gains --ledger <export> --year 2025`, onFile, rows, false);
      // The outputs are the same files (issue 15: byte-identical).
      const same = ["form8949.csv", "summary.json"].every((f) =>
        readFileSync(path.join(scratch, "g-stored", f)).equals(readFileSync(path.join(scratch, "g-file", f))),
      );
      console.log(
        `  stored and --ledger outputs (form8949.csv, summary.json): ${same ? "identical" : "DIFFERENT"}`,
      );
      for (const [label, m] of [
        ["first run", cold],
        ["again", warm],
      ] as const)
        console.log(
          `  stored (${label}) / --ledger: ${(m.wallS / onFile.wallS).toFixed(2)}× wall, ${(m.cpuS / onFile.cpuS).toFixed(2)}× CPU (issue 15: ≤ 1.5×)`,
        );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await scratchDb?.drop();
  }
};
