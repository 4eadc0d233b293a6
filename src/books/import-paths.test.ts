/**
 * `lotwise ledger import`'s two ways of reading its file give the same outcome: a first import on
 * PGlite reads on the import thread (src/books/import-thread.ts), anything else on the caller's
 * thread (`readLedgerFileBatches`, as without dist/import-thread.js). Each case runs, as the CLI
 * runs it (thread started for every import, 20,000-row batches handed in parts, the reader's
 * external lots), once with the thread and once without, each into a user of its own database,
 * and compares the result or the error (message, listed lines, exit code), the stored rows, the ledger's dirty mark,
 * the saved snapshot (row and file) and the import list. Valid files: quoting, line breaks in
 * cells, non-ASCII names, CRLF, a BOM, no final newline, blank lines, batch boundaries, lots of
 * the file, of a later batch, of another import; invalid ones: header, cell counts before, at and
 * after a batch boundary, values, duplicate ids in the first and a later batch, an id of another
 * import, an empty file, a directory. The same cases went through the compiled CLI on both paths
 * (and on PostgreSQL) with identical exit codes, output, `ledger export` and `gains` (s30b report).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { selectCells } from "../../db/copy.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase } from "../../test/services.ts";
import type { UserInputError } from "../errors.ts";
import { type ExternalLotReference, LEDGER_PART_BYTES, readLedgerFileBatches } from "../ledger/read.ts";
import { type ImportThread, startImportThread } from "./import-thread.ts";
import { importLedgerRows, listLedgerImports } from "./imports.ts";

/** The CLI's rows per batch (src/cli/commands/ledger.ts). */
const BATCH = 20_000;
const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype,tx,note";

const dir = mkdtempSync(path.join(tmpdir(), "lotwise-import-paths-"));
const file = (
  name: string,
  lines: readonly string[],
  { eol = "\n", final = true, bom = false }: { eol?: string; final?: boolean; bom?: boolean } = {},
) => {
  writeFileSync(
    path.join(dir, name),
    (bom ? "\ufeff" : "") + [HEADER, ...lines].join(eol) + (final ? eol : ""),
  );
  return name;
};
const raw = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return name;
};

/** `n` rows (buys with a quoted note, transfers with fees, sales naming the first buy's lot), ids `<p><i>`. */
const rowsOf = (n: number, p = "r") =>
  Array.from({ length: n }, (_, i) => {
    const t = new Date(Date.UTC(2024, 0, 1) + i * 61_000 + (i % 7)).toISOString();
    if (i % 10 === 9)
      return `${p}${i},${t},sell,kraken:main,ETH,0.${i},,,${i}.123456789,USD,,0.5,,${p}0:0.${i},,,`;
    if (i % 10 === 5)
      return `${p}${i},${t},transfer,kraken:main,ETH,0.001,,,,ETH,0.0001,0.2,ledger:cold,,,0xab${i},`;
    return `${p}${i},${t},buy,kraken:main,,,ETH,1.${i}0,${100 + i}.10,ETH,0.001,2,,,staking,,"note, ""${i}"""`;
  });
/** `rowsOf(n)` with the row on file line `line` (the header is line 1) rewritten. */
const badAt = (n: number, line: number, f: (row: string) => string) => {
  const rows = rowsOf(n);
  rows[line - 2] = f(rows[line - 2]!);
  return rows;
};
const dropLastCell = (row: string) => row.replace(/,"note.*$/, "").replace(/,[^,]*$/, "");

const special = [
  `a1,2024-01-01T00:00:00Z,buy,"kraken:main, sub",,,ÄTHé,1.5,1500.25,,,,,,,,"multi\nline ""quoted"", note"`,
  "a2,2024-01-02T10:00:00.123+02:00,buy,wället:日本,,,BTC,0.1,4000,USD,,1.5,,,airdrop,0x1;0x2,",
  "a3,2024-02-01T00:00:00.123456789Z,sell,wället:日本,BTC,0.05,,,2500,,,,,a2:0.05,,,",
  `a4,2024-03-01T12:00:00-05:00,transfer,"kraken:main, sub",ÄTHé,0.5,,,,ÄTHé,0.01,10,ledger:cold,,,,`,
  "a5,2024-04-01T00:00:00Z,income,ledger:cold,,,ÄTHé,0.1,100,,,,,,interest,,=cmd",
  "a6,2025-01-01T00:00:00Z,swap,ledger:cold,ÄTHé,0.2,BTC,0.01,500,,,,,a1:0.2,,,",
  "a7,2025-02-01T00:00:00Z,fee,ledger:cold,,,,,,ÄTHé,0.001,1,,,,,",
  "a8,2025-03-01T00:00:00.5Z,spend,wället:日本,BTC,0.01,,,450,,,,,,,,",
];
const base = () =>
  file("base.csv", [
    "k1,2023-01-01T00:00:00Z,buy,kraken:main,,,ETH,1,100,,,,,,,,",
    "k2,2023-01-02T00:00:00Z,transfer,kraken:main,ETH,0.5,,,,,,,ledger:cold,,,,",
  ]);

type Step = { file: string; name: string };
/** Each case: its imports in order (the last one is the one under test). */
const CASES: Record<string, () => Step[]> = {
  "quoting, line breaks and non-ASCII names, offsets and fractions": () => [
    { file: file("special.csv", special), name: "k" },
  ],
  "CRLF, a BOM, no final newline": () => [
    { file: file("crlf.csv", special, { eol: "\r\n", bom: true, final: false }), name: "k" },
  ],
  "blank lines": () => [{ file: file("blank.csv", [special[0]!, "", ...special.slice(1), ""]), name: "k" }],
  "20,001 rows": () => [{ file: file("20001.csv", rowsOf(20_001)), name: "k" }],
  "40,001 rows, CRLF, BOM, line breaks in cells, a lot of a later batch": () => {
    const rows = rowsOf(40_001).map((r, i) =>
      i % 3 === 0 ? r.replace(/"note, ""(\d+)"""/, '"note\r\nline ""$1"", ünï"') : r,
    );
    rows[9] = "r9,2024-01-01T00:09:00Z,sell,kraken:main,ETH,0.1,,,1,,,,,r39998:0.1,,,";
    return [{ file: file("40001.csv", rows, { eol: "\r\n", bom: true, final: false }), name: "k" }];
  },
  "lots of another import": () => [
    { file: base(), name: "base" },
    {
      file: file("ref.csv", [
        "p1,2025-01-01T00:00:00Z,sell,kraken:main,ETH,0.5,,,100,,,,,k1:0.5,,,",
        "p2,2025-01-02T00:00:00Z,sell,ledger:cold,ETH,0.1,,,10,,,,,k2:0.1,,,",
      ]),
      name: "plan",
    },
  ],
  "unknown lots": () => [
    { file: base(), name: "base" },
    {
      file: file("unknown.csv", [
        "p1,2025-01-01T00:00:00Z,sell,kraken:main,ETH,0.5,,,100,,,,,k1:0.5,,,",
        "p2,2025-01-02T00:00:00Z,sell,kraken:main,ETH,0.1,,,10,,,,,k9:0.1,,,",
        "p3,2025-01-03T00:00:00Z,sell,kraken:main,ETH,0.1,,,10,,,,,zz:0.1;k1:0.1,,,",
      ]),
      name: "plan",
    },
  ],
  "an id of another import in a later batch": () => {
    const rows = rowsOf(30_000, "c");
    rows[25_000] = "k2,2024-06-01T00:00:00Z,buy,kraken:main,,,ETH,1,100,,,,,,,,";
    return [
      { file: base(), name: "base" },
      { file: file("clash-late.csv", rows), name: "cb" },
    ];
  },
  "an id of another import in the first batch and a bad row in a later one": () => {
    const rows = rowsOf(30_000, "c");
    rows[100] = "k1,2024-06-01T00:00:00Z,buy,kraken:main,,,ETH,1,100,,,,,,,,";
    rows[28_000] = rows[28_000]!.replace(",buy,", ",purchase,");
    return [
      { file: base(), name: "base" },
      { file: file("clash-bad.csv", rows), name: "cb" },
    ];
  },
  "a second name while the first is stored, then the first again": () => {
    const again = rowsOf(21_000, "a");
    again[100] = again[100]!.replace(/,ETH,1\.\d+0,/, ",ETH,7.5,");
    again.splice(200, 5);
    return [
      { file: file("a.csv", rowsOf(21_000, "a")), name: "a" },
      { file: file("b.csv", rowsOf(3_000, "b")), name: "b" },
      { file: file("a2.csv", again), name: "a" },
    ];
  },
  "bad header": () => [
    { file: raw("header.csv", `${HEADER.replace("wallet,", "walet,")}\n${special[1]}\n`), name: "k" },
  ],
  "empty file": () => [{ file: raw("empty.csv", ""), name: "k" }],
  "header only": () => [{ file: raw("header-only.csv", HEADER), name: "k" }],
  "a missing cell in the first batch": () => [
    { file: file("m5.csv", badAt(25_000, 5, dropLastCell)), name: "k" },
  ],
  "a missing cell after the first batch's rows": () => [
    { file: file("m20002.csv", badAt(40_001, 20_002, dropLastCell)), name: "k" },
  ],
  "an extra cell on the last line": () => [
    {
      file: file(
        "x40002.csv",
        badAt(40_001, 40_002, (r) => `${r},x`),
      ),
      name: "k",
    },
  ],
  "bad number, negative quantity, bad time, unknown type": () => [
    {
      file: file(
        "values.csv",
        badAt(100, 12, (r) => r.replace(",ETH,1.100,", ",ETH,1.1.0,"))
          .map((r, i) => (i === 20 ? r.replace(",ETH,1.200,", ",ETH,-1.200,") : r))
          .map((r, i) => (i === 30 ? r.replace(/,2024-[^,]*,/, ",2024-13-01T00:00:00Z,") : r))
          .map((r, i) => (i === 40 ? r.replace(",buy,", ",purchase,") : r)),
      ),
      name: "k",
    },
  ],
  "duplicate ids in the first and in a later batch": () => {
    const rows = badAt(45_000, 12, (r) => r.replace(/^r\d+,/, "r3,"));
    rows[41_998] = rows[41_998]!.replace(/^r\d+,/, "r30001,");
    return [{ file: file("dup.csv", rows), name: "k" }];
  },
  "a directory": () => {
    mkdirSync(path.join(dir, "folder.csv"), { recursive: true });
    return [{ file: "folder.csv", name: "k" }];
  },
};

type Outcome = {
  /** Per step: the result, or the error as the CLI prints it. */
  steps: unknown[];
  rows: unknown[];
  state: unknown[];
  snapshot: unknown;
  snapshotFile: string | undefined;
  imports: unknown;
};

/** Runs `steps` into a new user of `db` as `lotwise ledger import` does, with the thread or without. */
const run = async (db: Database["db"], user: string, steps: readonly Step[], withThread: boolean) => {
  const userId = await ensureUser(db, user);
  const snapshotFile = path.join(dir, `${user}-${withThread}.csv.gz`);
  const outcome: Outcome = {
    steps: [],
    rows: [],
    state: [],
    snapshot: undefined,
    snapshotFile: undefined,
    imports: [],
  };
  /** Batches each step took from the thread. */
  const threadBatches: number[] = [];
  for (const step of steps) {
    const full = path.join(dir, step.file);
    const externalLots: ExternalLotReference[] = [];
    const batches = readLedgerFileBatches(full, step.file, BATCH, externalLots, LEDGER_PART_BYTES);
    const started = withThread
      ? startImportThread({ path: full, source: step.file, batchRows: BATCH, origin: `import:${step.name}` })
      : undefined;
    if (withThread && !started) throw new Error("dist/import-thread.js is not built");
    let seen = 0;
    const thread: ImportThread | undefined = started && {
      batches: (id, onBatch) =>
        started.batches(id, async (b) => {
          seen++;
          await onBatch(b);
        }),
      stop: started.stop,
    };
    try {
      outcome.steps.push(
        await importLedgerRows(db, {
          userId,
          name: step.name,
          rows: { thread, batches },
          file: step.file,
          externalLots,
          snapshotFile,
        }),
      );
    } catch (e) {
      const error = e as UserInputError;
      outcome.steps.push({
        name: error.name,
        message: error.message,
        meta: error.meta,
        exitCode: error.exitCode,
        located: error.located,
      });
    } finally {
      await thread?.stop();
    }
    threadBatches.push(seen);
  }
  outcome.rows = await selectCells(
    db,
    `select * from lotwise_app.ledger_rows where user_id = ${userId} order by id`,
  );
  outcome.state = await selectCells(
    db,
    `select dirty_from from lotwise_app.ledger_state where user_id = ${userId}`,
  );
  const snapshot = await selectCells(
    db,
    // The version itself may differ: it counts the statements that wrote (the caller's thread
    // sends a batch as several COPY statements on PGlite, the thread's batch is one).
    `select s.version = v.version, format, notes, encode(csv, 'base64'), digest
     from lotwise_app.ledger_snapshots s join lotwise_app.ledger_versions v using (user_id) where user_id = ${userId}`,
  );
  outcome.snapshot = snapshot.map(([current, format, notes, csv, digest]) => [
    current,
    format,
    notes,
    gunzipSync(Buffer.from(csv!, "base64")).toString(),
    digest !== null,
  ]);
  outcome.snapshotFile = existsSync(snapshotFile)
    ? gunzipSync(readFileSync(snapshotFile)).toString()
    : undefined;
  outcome.imports = await listLedgerImports(db, userId);
  return { outcome, threadBatches };
};

describe("ledger import: the import thread and the caller's thread give the same outcome (PGlite)", () => {
  let onThread: Database;
  let here: Database;
  beforeAll(async () => {
    [onThread, here] = await Promise.all([createTestDatabase("pglite"), createTestDatabase("pglite")]);
  });
  afterAll(async () => {
    await onThread?.close();
    await here?.close();
  });

  let n = 0;
  test.each(Object.keys(CASES))("%s", async (name) => {
    const steps = CASES[name]!();
    const user = `paths-${n++}`;
    const a = await run(onThread.db, user, steps, true);
    const b = await run(here.db, user, steps, false);
    expect(a.outcome).toEqual(b.outcome);
    expect(b.threadBatches.every((x) => x === 0)).toBe(true);
    // The thread was used where a first import stored rows (a failed one may fail before any batch).
    steps.forEach((step, i) => {
      const result = a.outcome.steps[i] as { replaced?: number; inserted?: number };
      if (result.replaced === 0 && (result.inserted ?? 0) > 0) expect(a.threadBatches[i]).toBeGreaterThan(0);
      if ((result.replaced ?? 0) > 0) expect(a.threadBatches[i], step.file).toBe(0);
    });
    if (name.startsWith("a second name"))
      expect(a.outcome.steps.map((s) => (s as { replaced: number }).replaced)).toEqual([0, 0, 21_000]);
  });
});
