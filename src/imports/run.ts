import { readFile } from "node:fs/promises";
import type { DbOrTx } from "../../db/client.ts";
import { importLedgerRows } from "../books/imports.ts";
import { UserInputError } from "../errors.ts";
import { detectFormat } from "../formats/detect.ts";
import { type ExternalLotReference, parseLedgerCsv } from "../ledger/read.ts";
import { CsvSyntaxError, parseCsv } from "../utils/csv.ts";
import { describeReadError } from "../utils/fs-errors.ts";
import { detectExport, FORMAT_NAMES, formatsNamed, IMPORT_FORMATS } from "./registry.ts";
import { accountName, checkAccount, claimAccount, type StoreImportResult, storeImport } from "./store.ts";
import { readTable } from "./table.ts";
import type { ImportRecord } from "./types.ts";

export type ImportFileResult = StoreImportResult & {
  format: string;
  label: string;
  /** Whether `--format auto` chose it. */
  detected: boolean;
  rows: number;
};

/** `lotwise import`: read `path`, detect or check its format, check the account, store the rows. */
export const importFile = async (
  db: DbOrTx,
  args: {
    userId: number;
    path: string;
    /** As the user wrote it, for `FILE:LINE`. */
    file: string;
    account: string;
    /** @defaultValue "auto" */
    format?: string | undefined;
    windowHours?: number | undefined;
  },
): Promise<ImportFileResult> => {
  formatWanted(args.format);
  let text: string;
  try {
    text = await readFile(args.path, "utf8");
  } catch (e) {
    const problem = describeReadError(args.file, e);
    if (problem === undefined) throw e;
    throw new UserInputError(problem);
  }
  return importText(db, { ...args, text });
};

/** The `--format` value, lower-case; @throws UserInputError for a name no reader has. */
const formatWanted = (format: string | undefined): string => {
  const wanted = (format ?? "auto").toLowerCase();
  if (wanted !== "auto" && !(FORMAT_NAMES as readonly string[]).includes(wanted))
    throw new UserInputError(`--format '${format}': unknown (supported: auto, ${FORMAT_NAMES.join(", ")})`);
  return wanted;
};

/**
 * `importFile` of a file's text (an upload): detect or check its format, check the account, store
 * the rows. `file` names it in `FILE:LINE` errors and in `x_price_source: file:<name>`.
 */
export const importText = async (db: DbOrTx, args: ImportTextArgs): Promise<ImportFileResult> => {
  try {
    return await importTextAs(db, args);
  } catch (e) {
    throw locatedError(e, args.file);
  }
};

type ImportTextArgs = {
  userId: number;
  text: string;
  file: string;
  account: string;
  /** @defaultValue "auto" */
  format?: string | undefined;
  windowHours?: number | undefined;
};

/**
 * A problem of a line of the file (`FILE:LINE: column: problem`, as every reader writes them) is
 * printed as it is, without the CLI's `lotwise: ` prefix, as the ledger, price and Form 1099-DA
 * readers print theirs.
 */
const locatedError = (e: unknown, file: string): unknown => {
  if (!(e instanceof UserInputError) || e.located) return e;
  if (!e.shortMessage.startsWith(`${file}:`) || !/^\d+: /.test(e.shortMessage.slice(file.length + 1)))
    return e;
  return new UserInputError(e.shortMessage, { meta: e.meta, exitCode: e.exitCode, located: true, cause: e });
};

const importTextAs = async (db: DbOrTx, args: ImportTextArgs): Promise<ImportFileResult> => {
  const { text } = args;
  const wanted = formatWanted(args.format);
  if (wanted === "ledger" || (wanted === "auto" && detectFormat(headerCells(text))?.kind === "ledger")) {
    const account = accountName(args.account, "ledger");
    await checkAccount(db, { userId: args.userId, account, family: "ledger", label: "ledger CSV v1 file" });
    // A `lots` cell may name a lot of the stored ledger (another import, a chain row): checked there.
    const externalLots: ExternalLotReference[] = [];
    const rows = parseLedgerCsv(text, args.file, externalLots);
    await claimAccount(db, { userId: args.userId, account, family: "ledger" });
    const r = await importLedgerRows(db, {
      userId: args.userId,
      name: account,
      rows,
      file: args.file,
      externalLots,
      ...(args.windowHours !== undefined ? { windowHours: args.windowHours } : {}),
    });
    return {
      account,
      format: "ledger",
      label: "ledger CSV v1",
      detected: wanted === "auto",
      rows: rows.length,
      added: r.added,
      replaced: r.changed,
      unchanged: r.unchanged,
      removed: r.removed,
    };
  }
  const formats = wanted === "auto" ? IMPORT_FORMATS : formatsNamed(wanted);
  const { table, format } = readTable(
    text,
    args.file,
    formats,
    (cells) => {
      // A file of another format than --format asked for: name it and say what reads it.
      const found = detectExport(cells);
      if (found?.format)
        return `this looks like ${found.format.looksLike}: use --format ${found.format.variantOf ?? found.format.name} (or auto)`;
      const other = detectFormat(cells);
      if (!other) return undefined;
      if (other.kind === "ledger") return `this looks like ${other.what}: use --format ledger (or auto)`;
      return `this looks like ${other.what}; ${other.advice ? other.advice.replaceAll("FILE", args.file) : `use \`${other.command.replaceAll("FILE", args.file)}\``}`;
    },
    // --format auto reads ledger CSV v1 too (above): the list names it.
    wanted === "auto" ? ["ledger (ledger CSV v1)"] : [],
  );
  const records: ImportRecord[] = format.parse(table);
  const account = accountName(args.account, format.family === "any" ? format.name : format.family);
  await checkAccount(db, {
    userId: args.userId,
    account,
    family: format.family,
    label: format.label,
    format: format.name,
  });
  const stored = await storeImport(db, {
    userId: args.userId,
    account,
    family: format.family,
    format: format.name,
    file: args.file,
    records,
    ...(args.windowHours !== undefined ? { windowHours: args.windowHours } : {}),
  });
  return {
    ...stored,
    format: format.name,
    label: format.label,
    detected: wanted === "auto",
    rows: records.length,
  };
};

/** The cells of the file's first line (the header of a ledger CSV), or none when it does not parse. */
const headerCells = (text: string): string[] => {
  const end = text.indexOf("\n");
  try {
    return parseCsv(end < 0 ? text : text.slice(0, end))[0]?.cells ?? [];
  } catch (e) {
    if (e instanceof CsvSyntaxError) return [];
    throw e;
  }
};
