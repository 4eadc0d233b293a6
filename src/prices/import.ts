import { readFile } from "node:fs/promises";
import path from "node:path";
import type { DbOrTx } from "../../db/client.ts";
import { type AssetIdentity, parseChainAssetId } from "../assets/index.ts";
import { markLedgerDirty } from "../books/dirty.ts";
import { locatedProblems, UserInputError } from "../errors.ts";
import { detectOtherFormatIn, otherFormatMessage } from "../formats/detect.ts";
import { explainDecimal } from "../ledger/decimal.ts";
import { daysFromCivil, daysInMonth, explainInstant, parseInstant } from "../ledger/instant.ts";
import { CsvSyntaxError, parseCsv } from "../utils/csv.ts";
import { Decimal, plain } from "../utils/decimal.ts";
import { replaceSourcePrices } from "./cache.ts";

/**
 * The user's price file, `lotwise prices import FILE.csv`: UTF-8 CSV (RFC 4180) with a header
 * naming the columns `asset`, `time`, `usd` in any order (lowercase; extra columns are an error
 * unless their names start with `x_`).
 *
 * - `asset`: a canonical asset id: a symbol (`ETH`, `usdc` and `matic` are normalized to `USDC`
 *   and `POL`; other symbols are kept as written) or a chain asset id (`ethereum:0x…`,
 *   `evm:31337:0x…`, mapped through `canonicalAsset`, so `ethereum:0xA0b8…` becomes `USDC`).
 * - `time`: an ISO 8601 instant with `Z` or an offset (`2024-03-01T15:00:00Z`,
 *   `2024-03-01T10:00-05:00`), or a date alone (`2024-03-01`), which means 00:00 UTC that day —
 *   so a daily price file covers the whole UTC day under the default 24-hour staleness limit.
 *   A time without an offset names no instant and is an error.
 * - `usd`: USD per whole unit, a non-negative decimal (`2279.94`, `0`); no sign, exponent or
 *   thousands separator.
 *
 * Errors read `FILE:LINE: column: what is wrong`; any error imports nothing. The rows are stored
 * with source `file:<name>`, where the name is `--name` when given, else the file's absolute path
 * (so `y2024/prices.csv` and `./prices.csv` are two sources), and replace that source's earlier
 * rows in one transaction: importing the same file again changes nothing, and an edited file
 * replaces its old prices.
 */

export const PRICE_FILE_COLUMNS = ["asset", "time", "usd"] as const;

/** A valid row of a price file. */
export type PriceFileRow = { line: number; asset: string; time: Date; usd: string };

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const USD = /^\d+(\.\d+)?$/;

/** Parses `time`: an instant with an offset, or a date meaning 00:00 UTC. Returns a reason on failure. */
export const parsePriceTime = (text: string): Date | string => {
  const m = DATE_ONLY.exec(text);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return `"${text}" is not a calendar date`;
    return new Date(daysFromCivil(y, mo, d) * 86_400_000);
  }
  const instant = parseInstant(text);
  if (!instant) return `${explainInstant(text)}; a date alone (YYYY-MM-DD) means 00:00 UTC`;
  return new Date(instant.ms);
};

/**
 * Validates a price file's text. `file` names it in errors.
 * @param args.importing the file is being imported (the default): the error ends with "nothing was
 * imported"; a file only read (`lotwise harvest --prices`) says nothing of an import.
 * @throws UserInputError `FILE:LINE: column: what is wrong` (up to 10 such lines, exit code 2),
 * printed as it is (the ledger CSV v1 error format, no `lotwise: ` prefix).
 */
export const parsePriceFile = (
  text: string,
  args: { file: string; identity: AssetIdentity; importing?: boolean },
): PriceFileRow[] => {
  const { file, identity } = args;
  const errors: string[] = [];
  const fail = (line: number, column: string, what: string) =>
    errors.push(`${file}:${line}: ${column}: ${what}`);
  // Every line names its file and line (the ledger CSV v1 error format): printed as it is, as the
  // ledger and Form 1099-DA readers print theirs.
  const done = (): never => {
    throw locatedProblems(errors, args.importing === false ? undefined : "nothing was imported");
  };

  let records: { cells: string[]; line: number }[];
  try {
    records = parseCsv(text);
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    fail(error.line, "csv", error.reason);
    return done();
  }

  const header = records[0];
  if (!header) {
    fail(1, "header", `the file is empty; expected the header ${PRICE_FILE_COLUMNS.join(",")}`);
    return done();
  }
  const other = detectOtherFormatIn(records, "prices");
  if (other) {
    fail(other.line, "header", otherFormatMessage(other.format, "a price file (asset,time,usd)", file));
    return done();
  }
  const columns = new Map<string, number>();
  header.cells.forEach((name, i) => {
    if (name.startsWith("x_")) return;
    if (!(PRICE_FILE_COLUMNS as readonly string[]).includes(name)) {
      fail(
        header.line,
        "header",
        `unknown column '${name}' (expected ${PRICE_FILE_COLUMNS.join(", ")}; x_… columns are ignored)`,
      );
    } else if (columns.has(name)) {
      fail(header.line, "header", `column '${name}' appears twice`);
    } else columns.set(name, i);
  });
  for (const name of PRICE_FILE_COLUMNS) {
    if (!columns.has(name)) fail(header.line, "header", `missing column '${name}'`);
  }
  if (errors.length > 0) return done();
  const at = (cells: string[], name: string) => cells[columns.get(name)!]!;

  const rows: PriceFileRow[] = [];
  const seen = new Map<string, number>();
  for (const { cells, line } of records.slice(1)) {
    if (cells.length !== header.cells.length) {
      fail(line, "row", `has ${cells.length} cells, the header has ${header.cells.length}`);
      continue;
    }
    const before = errors.length;

    const rawAsset = at(cells, "asset");
    let asset = "";
    if (rawAsset === "") fail(line, "asset", "is empty");
    else if (/\s/.test(rawAsset)) fail(line, "asset", `'${rawAsset}' contains white space`);
    else if (rawAsset.includes(":") && !parseChainAssetId(rawAsset)) {
      fail(
        line,
        "asset",
        `'${rawAsset}' is neither a symbol nor a chain asset id such as ethereum:0x… or evm:31337:0x…`,
      );
    } else asset = identity.normalizeUserAsset(rawAsset);

    const rawTime = at(cells, "time");
    const time = rawTime === "" ? "is empty" : parsePriceTime(rawTime);
    if (typeof time === "string") fail(line, "time", time);

    const rawUsd = at(cells, "usd");
    if (rawUsd === "") fail(line, "usd", "is empty");
    else if (!USD.test(rawUsd)) {
      // The ledger reader's words for the same problem (negative, exponent, thousands separator).
      fail(line, "usd", explainDecimal(rawUsd));
    }

    if (errors.length > before || typeof time === "string") continue;
    const key = `${asset}\u0000${time.getTime()}`;
    const first = seen.get(key);
    if (first !== undefined) {
      fail(line, "time", `duplicate of line ${first} (${asset} at ${time.toISOString()})`);
      continue;
    }
    seen.set(key, line);
    rows.push({ line, asset, time, usd: plain(new Decimal(rawUsd)) });
  }
  if (errors.length > 0) return done();
  return rows;
};

/**
 * The `prices.source` of an imported file: `file:<name>` when a name is given, else
 * `file:<absolute path>` (what identifies the file; never its base name alone).
 */
export const fileSource = (filePath: string, name?: string): string =>
  `file:${name ?? path.resolve(filePath)}`;

/** Names a price import may take: letters, digits and `. _ - /` (a path-like label). */
export const PRICE_IMPORT_NAME = /^[\w./-]+$/;

export type ImportPriceFileResult = {
  source: string;
  rows: number;
  replaced: number;
  /** Earliest instant whose price appeared, vanished or changed; undefined when the file changed nothing. */
  earliestChange: Date | undefined;
};

/**
 * Reads, validates and stores a price file in one transaction (nothing on any error), then marks
 * every user's ledger dirty from the earliest changed price instant minus `stalenessHours` (a
 * price serves movements up to that long after it), so the next build reprices that range.
 * @throws UserInputError for an unreadable or invalid file.
 */
export const importPriceFile = async (args: {
  db: DbOrTx;
  file: string;
  /** The import's name (`--name`). @defaultValue the file's absolute path */
  name?: string | undefined;
  identity: AssetIdentity;
  /** `prices.stalenessHours`. @defaultValue 24 */
  stalenessHours?: number;
}): Promise<ImportPriceFileResult> => {
  let text: string;
  try {
    text = await readFile(args.file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserInputError(
      `${args.file}: cannot read the file${code === "ENOENT" ? ": no such file" : code === "EISDIR" ? ": it is a folder" : ` (${(error as Error).message})`}`,
    );
  }
  const rows = parsePriceFile(text, { file: args.file, identity: args.identity });
  if (args.name !== undefined && !PRICE_IMPORT_NAME.test(args.name))
    throw new UserInputError(
      `--name may use letters, digits, '.', '_', '-' and '/' only, got '${args.name}'`,
    );
  const source = fileSource(args.file, args.name);
  const { removed, earliestChange } = await replaceSourcePrices(
    args.db,
    source,
    rows.map((r) => ({ asset: r.asset, time: r.time, usd: r.usd })),
  );
  if (earliestChange) {
    const from = new Date(earliestChange.getTime() - (args.stalenessHours ?? 24) * 3_600_000);
    await markLedgerDirty(args.db, { from });
  }
  return { source, rows: rows.length, replaced: removed, earliestChange };
};
