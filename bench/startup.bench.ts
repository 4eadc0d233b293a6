/**
 * `npm run bench -- startup`: what the CLI costs before it does any work, and the commands that
 * read a little from the database. Each figure is the median of `--runs` runs (default 7), the
 * cases interleaved, and is printed as a ratio against the floor measured in the same run: bare
 * `node -e 0`. Peak memory is the child's maximum resident set.
 *
 * Targets: `--version` and `gains --help` within 4× the floor (0.2 s on an idle machine);
 * `wallets list` and `review list` under 1 s on the embedded database and 0.5 s on PostgreSQL,
 * under 150 MB. A first run in a new folder or database is timed once, apart.
 *
 * Flags: `--runs=N`; `--bin=FILE` to time another CLI entry (e.g. an older checkout's
 * bin/lotwise.js) instead of the compiled one; `--no-postgres` to skip PostgreSQL (else it
 * uses $LOTWISE_TEST_DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432/test).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DIST_BIN } from "../test/build.ts";
import { cleanEnv, createScratchDatabase, type Measure, measure } from "./measure.ts";

const START_RATIO_TARGET = 4;
const LIST_TARGET_S = { pglite: 1, postgres: 0.5 } as const;
const RSS_TARGET_MB = 150;

const flag = (args: string[], name: string): string | undefined =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

type Case = {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  target?: string;
  ok?: (m: Measure) => boolean;
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

export default async (args: string[]): Promise<void> => {
  const runs = Number(flag(args, "runs") ?? 7);
  const bin = flag(args, "bin") ?? DIST_BIN;
  const scratch = mkdtempSync(path.join(tmpdir(), "lotwise-bench-startup-"));
  const dataDir = path.join(scratch, "data");
  let pgUrl: string | undefined;
  let scratchDb: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  try {
    const cli = (rest: string[]) => [bin, ...rest];
    const dbArgs = ["--data-dir", dataDir];
    console.log(`CLI: node ${path.relative(process.cwd(), bin) || bin}; ${runs} runs per case (median)`);

    // First runs, once: creating the embedded database, and lotwise's tables on PostgreSQL.
    const first = await measure(cli([...dbArgs, "wallets", "list"]), undefined, { env: cleanEnv() });
    const said = /setting up/.test(first.stderr) ? "says it is setting up" : "SAYS NOTHING";
    console.log(
      `first run, new embedded database: ${first.wallS.toFixed(2)} s, ${first.rssMB.toFixed(0)} MB, ${said}`,
    );
    if (!args.includes("--no-postgres")) {
      try {
        scratchDb = await createScratchDatabase();
        pgUrl = scratchDb.url;
        const m = await measure(cli(["wallets", "list"]), undefined, {
          env: cleanEnv({ DATABASE_URL: pgUrl }),
        });
        console.log(`first run, new PostgreSQL database: ${m.wallS.toFixed(2)} s, ${m.rssMB.toFixed(0)} MB`);
      } catch (error) {
        console.log(`PostgreSQL skipped: ${(error as Error).message}`);
        pgUrl = undefined;
      }
    }

    const cases: Case[] = [
      { name: "floor: node -e 0", args: ["-e", "0"], env: cleanEnv() },
      {
        name: "--version",
        args: cli(["--version"]),
        env: cleanEnv(),
        target: `≤ ${START_RATIO_TARGET}× floor`,
      },
      {
        name: "gains --help",
        args: cli(["gains", "--help"]),
        env: cleanEnv(),
        target: `≤ ${START_RATIO_TARGET}× floor`,
      },
      ...(["wallets", "review"] as const).map((c) => ({
        name: `${c} list (embedded)`,
        args: cli([...dbArgs, c, "list"]),
        env: cleanEnv(),
        target: `< ${LIST_TARGET_S.pglite} s, < ${RSS_TARGET_MB} MB`,
        ok: (m: Measure) => m.wallS < LIST_TARGET_S.pglite && m.rssMB < RSS_TARGET_MB,
      })),
      ...(pgUrl
        ? (["wallets", "review"] as const).map((c) => ({
            name: `${c} list (PostgreSQL)`,
            args: cli([c, "list"]),
            env: cleanEnv({ DATABASE_URL: pgUrl! }),
            target: `< ${LIST_TARGET_S.postgres} s, < ${RSS_TARGET_MB} MB`,
            ok: (m: Measure) => m.wallS < LIST_TARGET_S.postgres && m.rssMB < RSS_TARGET_MB,
          }))
        : []),
    ];
    const results = new Map<string, Measure[]>(cases.map((c) => [c.name, []]));
    for (let i = 0; i < runs; i++) {
      for (const c of cases) {
        const m = await measure(c.args, undefined, { env: c.env });
        if (m.exit !== 0) throw new Error(`${c.name} exited with ${m.exit}: ${m.stderr.slice(0, 500)}`);
        results.get(c.name)!.push(m);
      }
    }
    const floor = median(results.get(cases[0]!.name)!.map((m) => m.wallS));
    console.log(
      `\n${"case".padEnd(26)}${"wall s".padStart(8)}${"× floor".padStart(9)}${"peak MB".padStart(9)}  target`,
    );
    for (const c of cases) {
      const ms = results.get(c.name)!;
      const wall = median(ms.map((m) => m.wallS));
      const rss = median(ms.map((m) => m.rssMB));
      const ratio = wall / floor;
      let verdict = "";
      if (c.target) {
        const ok = c.ok ? c.ok({ ...ms[0]!, wallS: wall, rssMB: rss }) : ratio <= START_RATIO_TARGET;
        verdict = `${c.target}: ${ok ? "ok" : "OVER"}`;
      }
      console.log(
        `${c.name.padEnd(26)}${wall.toFixed(3).padStart(8)}${ratio.toFixed(2).padStart(9)}${rss.toFixed(0).padStart(9)}  ${verdict}`,
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await scratchDb?.drop();
  }
};
