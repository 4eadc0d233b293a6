/**
 * Readers of broker files: Form 1099-DA CSV v1 (`1099da`) and Coinbase's gain/loss report
 * (`coinbase-gainloss`). Pure: text in, validated rows out.
 *
 * Every problem is collected as `FILE:LINE: column: problem` (up to `MAX_REPORTED_ERRORS`), and a
 * file with any problem yields no row at all (`FormFileError`, exit code 2).
 */

import type { AssetIdentity } from "../assets/index.ts";
import { UserInputError } from "../errors.ts";
import { detectOtherFormatIn, otherFormatMessage } from "../formats/detect.ts";
import { isLongTerm } from "../tax/dates.ts";
import { CsvSyntaxError, parseCsv } from "../utils/csv.ts";
import { formAssetId } from "./asset-names.ts";
import {
  hasControlCharacter,
  isProblem,
  type Problem,
  parseCheck,
  parseFormDate,
  parseUnits,
  parseUsd,
} from "./fields.ts";
import type { FormCheckbox, FormFormat, FormTerm, ParsedFormFile, ParsedFormRow } from "./types.ts";

/** Problems listed in one error before "… and N more". */
export const MAX_REPORTED_ERRORS = 50;

/** A broker file with problems: every line of `meta` is one more `FILE:LINE: column: problem`. */
export class FormFileError extends UserInputError {
  override name = "FormFileError";
  /** All problems found (up to the limit), `FILE:LINE: column: problem` each. */
  readonly problems: string[];
  constructor(problems: string[], more: number) {
    const meta = problems.slice(1);
    if (more > 0) meta.push(`… and ${more} more problem(s); nothing was imported`);
    else meta.push("nothing was imported");
    // Every line names its file and line (the ledger CSV v1 error format): printed as it is.
    super(problems[0]!, { meta, located: true });
    this.problems = problems;
  }
}

/** Collects problems; `throwIfAny` raises them together. */
const createProblems = (source: string) => {
  const list: string[] = [];
  let more = 0;
  return {
    add: (line: number, column: string, problem: string) => {
      if (list.length < MAX_REPORTED_ERRORS) list.push(`${source}:${line}: ${column}: ${problem}`);
      else more++;
    },
    get count() {
      return list.length + more;
    },
    throwIfAny: () => {
      if (list.length > 0) throw new FormFileError(list, more);
    },
  };
};
type Problems = ReturnType<typeof createProblems>;

/** Columns of Form 1099-DA CSV v1, by box. */
export const FORM_1099DA_COLUMNS = [
  "broker",
  "account",
  "checkbox",
  "asset_code",
  "asset_name",
  "units",
  "date_acquired",
  "date_sold",
  "proceeds",
  "cost_basis",
  "accrued_market_discount",
  "wash_sale_disallowed",
  "basis_reported",
  "federal_withheld",
  "term",
  "noncovered",
  "transferred_in_units",
  "transferred_in_date",
  "transaction_id",
] as const;
type Column1099da = (typeof FORM_1099DA_COLUMNS)[number];

/** Columns a 1099-DA CSV v1 file must have. */
export const REQUIRED_1099DA_COLUMNS: readonly Column1099da[] = [
  "broker",
  "account",
  "asset_name",
  "units",
  "date_sold",
  "proceeds",
];

/** The header of Coinbase's gain/loss report (after its 5 preamble lines). */
export const COINBASE_GAINLOSS_COLUMNS = [
  "Transaction Type",
  "Transaction ID",
  "Tax lot ID",
  "Asset name",
  "Amount",
  "Date Acquired",
  "Cost basis (USD)",
  "Date of Disposition",
  "Proceeds (USD)",
  "Gains (Losses) (USD)",
  "Holding period (Days)",
  "Data source",
] as const;

/** Covered securities (basis reporting mandatory) are those acquired on or after this date. */
const COVERED_FROM = "2026-01-01";

export type ParseFormOptions = {
  /** The file name used in messages. */
  source: string;
  /** @defaultValue "auto" */
  format?: FormFormat | "auto" | undefined;
  /** Maps box 1b to ledger asset ids (the configured one, so `assets.tokens` applies). */
  identity?: AssetIdentity | undefined;
};

/** Which format `text` is: Coinbase's report starts with its preamble or its header; anything else is 1099-DA CSV v1. */
export const detectFormFormat = (text: string): FormFormat => {
  const head = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/, 12);
  if (head[0]?.replace(/^"/, "").startsWith("This report includes all taxable activity"))
    return "coinbase-gainloss";
  if (
    head.some(
      (l) => l.replace(/^"/, "").startsWith("Transaction Type,") || l.startsWith('"Transaction Type"'),
    )
  )
    return "coinbase-gainloss";
  return "1099da";
};

const records = (text: string, source: string): { cells: string[]; line: number }[] => {
  try {
    return parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new FormFileError([`${source}:${e.line}: row: ${e.reason}`], 0);
    throw e;
  }
};

/**
 * Reads a broker file.
 * @throws FormFileError listing every problem (`FILE:LINE: column: problem`), exit code 2.
 */
export const parseFormText = (text: string, options: ParseFormOptions): ParsedFormFile => {
  const format = !options.format || options.format === "auto" ? detectFormFormat(text) : options.format;
  const rows =
    format === "coinbase-gainloss" ? parseCoinbaseGainLoss(text, options) : parse1099daCsv(text, options);
  return { format, rows };
};

const TERMS: Record<string, FormTerm> = {
  short: "short",
  "short-term": "short",
  "short term": "short",
  st: "short",
  long: "long",
  "long-term": "long",
  "long term": "long",
  lt: "long",
  ordinary: "ordinary",
};

const CHECKBOX_TERM: Record<FormCheckbox, "short" | "long" | undefined> = {
  G: "short",
  H: "short",
  J: "long",
  K: "long",
  Y: undefined,
};

/**
 * Form 1099-DA CSV v1: header row, then one row per reported transaction. Columns in any order
 * (names matched without regard to case), `x_…` columns ignored, any other name an error.
 */
export const parse1099daCsv = (text: string, options: ParseFormOptions): ParsedFormRow[] => {
  const { source } = options;
  const problems = createProblems(source);
  if (detectFormFormat(text) === "coinbase-gainloss")
    throw new FormFileError(
      [
        `${source}:1: header: this is Coinbase's gain/loss CSV, not a Form 1099-DA CSV v1: import it with --format coinbase-gainloss (or --format auto)`,
      ],
      0,
    );
  const recs = records(text, source);
  const header = recs[0];
  if (!header) throw new FormFileError([`${source}:1: row: empty file: expected a header row`], 0);
  const other = detectOtherFormatIn(recs, "forms");
  if (other)
    throw new FormFileError(
      [`${source}:${other.line}: header: ${otherFormatMessage(other.format, "a Form 1099-DA CSV", source)}`],
      0,
    );
  const index = new Map<Column1099da, number>();
  const names: (string | undefined)[] = [];
  header.cells.forEach((cell, i) => {
    const name = cell.trim();
    const key = name.toLowerCase();
    names.push(undefined);
    if (key.startsWith("x_")) return;
    if (!(FORM_1099DA_COLUMNS as readonly string[]).includes(key)) {
      problems.add(
        header.line,
        name === "" ? "(empty)" : name,
        `unknown column (expected ${FORM_1099DA_COLUMNS.join(", ")}; columns starting with x_ are ignored)`,
      );
      return;
    }
    if (index.has(key as Column1099da)) {
      problems.add(header.line, name, "duplicate column");
      return;
    }
    index.set(key as Column1099da, i);
    names[i] = key;
  });
  for (const c of REQUIRED_1099DA_COLUMNS)
    if (!index.has(c)) problems.add(header.line, c, "missing column (it is required)");
  problems.throwIfAny();

  const rows: ParsedFormRow[] = [];
  const width = header.cells.length;
  for (const rec of recs.slice(1)) {
    const { line, cells } = rec;
    // A blank line, or a row of empty cells (spreadsheets pad files with `,,,,`), is no row.
    if (cells.every((c) => c.trim() === "")) continue;
    if (cells.length !== width) {
      problems.add(line, "row", `${cells.length} cells, but the header has ${width}`);
      continue;
    }
    const cell = (c: Column1099da): string => {
      const i = index.get(c);
      return i === undefined ? "" : cells[i]!.trim();
    };
    const raw: Record<string, string> = {};
    header.cells.forEach((h, i) => {
      raw[h.trim()] = cells[i]!;
    });
    const row = read1099daRow(cell, line, problems, options);
    if (row) rows.push({ ...row, raw });
  }
  problems.throwIfAny();
  return rows;
};

/** Reads one value; records the problem and returns undefined when it fails. */
const take = <T>(problems: Problems, line: number, column: string, v: T | Problem): T | undefined => {
  if (isProblem(v)) {
    problems.add(line, column, v.problem);
    return undefined;
  }
  return v;
};

const read1099daRow = (
  cell: (c: Column1099da) => string,
  line: number,
  problems: Problems,
  options: ParseFormOptions,
): Omit<ParsedFormRow, "raw"> | undefined => {
  const before = problems.count;
  const required = (c: Column1099da): string | undefined => {
    const v = cell(c);
    if (v === "") problems.add(line, c, "required, but empty");
    return v === "" ? undefined : v;
  };
  const optional = <T>(c: Column1099da, read: (s: string) => T | Problem): T | undefined => {
    const v = cell(c);
    return v === "" ? undefined : take(problems, line, c, read(v));
  };
  const broker = required("broker");
  const brokerAccount = required("account");
  const assetName = required("asset_name");

  let checkbox: FormCheckbox | undefined;
  const cb = cell("checkbox").toUpperCase();
  if (cb !== "") {
    if (cb === "G" || cb === "H" || cb === "J" || cb === "K" || cb === "Y") checkbox = cb;
    else if (cb === "X") checkbox = "Y";
    else
      problems.add(
        line,
        "checkbox",
        `"${cell("checkbox")}" is not a Form 8949 checkbox (G, H, J, K, Y or X)`,
      );
  }
  const assetCode = optional("asset_code", (s) =>
    /^[0-9A-Za-z]{9}$/.test(s)
      ? s.toUpperCase()
      : { problem: `"${s}" is not a DTI (9 letters or digits) or 999999999` },
  );
  const unitsText = required("units");
  const units = unitsText === undefined ? undefined : take(problems, line, "units", parseUnits(unitsText));
  const dateAcquired = optional("date_acquired", (s) =>
    s.toUpperCase() === "VARIOUS" ? "VARIOUS" : parseFormDate(s),
  );
  const soldText = required("date_sold");
  const dateSold =
    soldText === undefined ? undefined : take(problems, line, "date_sold", parseFormDate(soldText));
  const proceedsText = required("proceeds");
  const proceeds =
    proceedsText === undefined
      ? undefined
      : take(
          problems,
          line,
          "proceeds",
          (() => {
            const v = parseUsd(proceedsText, { negative: true });
            if (!isProblem(v) && v.startsWith("-"))
              return {
                problem: `"${proceedsText}" is negative (only closing written options have negative proceeds; lotwise does not reconcile options)`,
              };
            return v;
          })(),
        );
  const costBasis = optional("cost_basis", (s) => parseUsd(s));
  const accruedMarketDiscount = optional("accrued_market_discount", (s) => parseUsd(s));
  const washSaleDisallowed = optional("wash_sale_disallowed", (s) => parseUsd(s));
  const federalWithheld = optional("federal_withheld", (s) => parseUsd(s));
  const basisCell = cell("basis_reported");
  const basisChecked =
    basisCell === "" ? undefined : take(problems, line, "basis_reported", parseCheck(basisCell));
  const noncovered = optional("noncovered", parseCheck) ?? false;
  const termText = cell("term");
  let term: FormTerm | undefined;
  if (termText !== "") {
    term = TERMS[termText.toLowerCase()];
    if (term === undefined)
      problems.add(line, "term", `"${termText}" is not a term (short, long, ordinary or empty)`);
  }
  const transferredInUnits = optional("transferred_in_units", (s) => parseUnits(s, { allowZero: true }));
  const transferredInDate = optional("transferred_in_date", parseFormDate);
  const transactionId = cell("transaction_id") || undefined;
  for (const c of ["broker", "account", "asset_name", "transaction_id"] as const)
    if (hasControlCharacter(cell(c))) problems.add(line, c, "contains a control character");

  // Cross-checks: a contradiction between boxes is reported, never guessed at.
  if (checkbox !== undefined) {
    const implied = CHECKBOX_TERM[checkbox];
    if (implied !== undefined && (term === "short" || term === "long") && term !== implied)
      problems.add(line, "term", `box 6 says ${term} but the checkbox ${checkbox} is ${implied}-term`);
    const impliedReported = checkbox === "G" || checkbox === "J";
    if (basisChecked === true && (checkbox === "H" || checkbox === "K"))
      problems.add(
        line,
        "basis_reported",
        `box 2 is checked but the checkbox ${checkbox} says basis was not reported`,
      );
    if (basisChecked === false && impliedReported)
      problems.add(
        line,
        "basis_reported",
        `box 2 is not checked but the checkbox ${checkbox} says basis was reported`,
      );
  }
  const basisReported = basisChecked ?? (checkbox === "G" || checkbox === "J");
  if (basisReported && cell("cost_basis") === "")
    problems.add(line, "cost_basis", "empty, but box 2 says basis was reported to the IRS");
  if (
    dateSold !== undefined &&
    dateAcquired !== undefined &&
    dateAcquired !== "VARIOUS" &&
    dateAcquired > dateSold
  )
    problems.add(line, "date_acquired", `${dateAcquired} is after the date sold ${dateSold}`);

  if (problems.count > before) return undefined;
  return {
    line,
    broker: broker!,
    brokerAccount: brokerAccount!,
    checkbox,
    assetCode,
    assetName: assetName!,
    asset: formAssetId(assetName!, options.identity),
    units: units!,
    dateAcquired,
    dateSold: dateSold!,
    proceeds: proceeds!,
    costBasis,
    accruedMarketDiscount,
    washSaleDisallowed,
    basisReported,
    federalWithheld,
    term: term ?? (checkbox ? CHECKBOX_TERM[checkbox] : undefined),
    noncovered,
    transferredInUnits,
    transferredInDate,
    transactionId,
  };
};

const dateNumber = (d: string): number => Number(d.replaceAll("-", ""));

/**
 * Coinbase's gain/loss report: 5 preamble lines (`User,<id>,<email>` on the fourth), then the
 * header and one row per tax lot of each disposal; `Fee` rows are fee dispositions. The broker is
 * `Coinbase`, the account number the user id. Box 6 follows the dates (or the holding period in
 * days); box 2 is taken as checked only for units Coinbase itself recorded that were acquired
 * from 2026 on (covered securities), so 2025 rows go to boxes H/K.
 */
export const parseCoinbaseGainLoss = (text: string, options: ParseFormOptions): ParsedFormRow[] => {
  const { source } = options;
  const problems = createProblems(source);
  const recs = records(text, source);
  const headerAt = recs.findIndex((r) => r.cells[0]?.trim() === "Transaction Type");
  if (headerAt < 0) {
    throw new FormFileError(
      [
        `${source}:1: row: no "Transaction Type,Transaction ID,…" header found (is this Coinbase's gain/loss CSV? use --format 1099da for a 1099-DA CSV)`,
      ],
      0,
    );
  }
  const userRec = recs.slice(0, headerAt).find((r) => r.cells[0]?.trim() === "User");
  const account = userRec?.cells[1]?.trim() || "coinbase";
  const header = recs[headerAt]!;
  const index = new Map<string, number>();
  header.cells.forEach((c, i) => {
    const name = c.trim();
    if (!(COINBASE_GAINLOSS_COLUMNS as readonly string[]).includes(name))
      problems.add(
        header.line,
        name === "" ? "(empty)" : name,
        "unknown column for Coinbase's gain/loss report",
      );
    else if (index.has(name)) problems.add(header.line, name, "duplicate column");
    else index.set(name, i);
  });
  for (const c of COINBASE_GAINLOSS_COLUMNS)
    if (!index.has(c)) problems.add(header.line, c, "missing column");
  problems.throwIfAny();

  const rows: ParsedFormRow[] = [];
  const width = header.cells.length;
  for (const { cells, line } of recs.slice(headerAt + 1)) {
    // A blank line, or a row of empty cells (spreadsheets pad files with `,,,,`), is no row.
    if (cells.every((c) => c.trim() === "")) continue;
    if (cells.length !== width) {
      problems.add(line, "row", `${cells.length} cells, but the header has ${width}`);
      continue;
    }
    const before = problems.count;
    const cell = (c: (typeof COINBASE_GAINLOSS_COLUMNS)[number]) => cells[index.get(c)!]!.trim();
    const need = (c: (typeof COINBASE_GAINLOSS_COLUMNS)[number]) => {
      const v = cell(c);
      if (v === "") problems.add(line, c, "required, but empty");
      return v;
    };
    for (const c of ["Transaction ID", "Asset name"] as const)
      if (hasControlCharacter(cell(c))) problems.add(line, c, "contains a control character");
    const type = need("Transaction Type");
    const assetName = need("Asset name");
    const amount = need("Amount");
    const units = amount === "" ? undefined : take(problems, line, "Amount", parseUnits(amount));
    const acquiredText = cell("Date Acquired");
    const dateAcquired =
      acquiredText === ""
        ? undefined
        : acquiredText.toUpperCase() === "VARIOUS"
          ? "VARIOUS"
          : take(problems, line, "Date Acquired", parseFormDate(acquiredText));
    const soldText = need("Date of Disposition");
    const dateSold =
      soldText === "" ? undefined : take(problems, line, "Date of Disposition", parseFormDate(soldText));
    const proceedsText = need("Proceeds (USD)");
    const proceeds =
      proceedsText === "" ? undefined : take(problems, line, "Proceeds (USD)", parseUsd(proceedsText));
    const basisText = cell("Cost basis (USD)");
    const costBasis =
      basisText === "" ? undefined : take(problems, line, "Cost basis (USD)", parseUsd(basisText));
    const gainsText = cell("Gains (Losses) (USD)");
    if (gainsText !== "")
      take(problems, line, "Gains (Losses) (USD)", parseUsd(gainsText, { negative: true }));
    const daysText = cell("Holding period (Days)");
    if (daysText !== "" && !/^\d+$/.test(daysText))
      problems.add(line, "Holding period (Days)", `"${daysText}" is not a whole number of days`);
    if (dateSold && dateAcquired && dateAcquired !== "VARIOUS" && dateAcquired > dateSold)
      problems.add(line, "Date Acquired", `${dateAcquired} is after the date of disposition ${dateSold}`);
    if (problems.count > before) continue;

    let term: FormTerm | undefined;
    if (dateAcquired && dateAcquired !== "VARIOUS")
      term = isLongTerm(dateNumber(dateAcquired), dateNumber(dateSold!)) ? "long" : "short";
    else if (daysText !== "") term = Number(daysText) > 365 ? "long" : "short";
    const dataSource = cell("Data source");
    const covered =
      costBasis !== undefined &&
      dataSource.toLowerCase() === "coinbase" &&
      dateAcquired !== undefined &&
      dateAcquired !== "VARIOUS" &&
      dateAcquired >= COVERED_FROM;
    const raw: Record<string, string> = {};
    header.cells.forEach((h, i) => {
      raw[h.trim()] = cells[i]!;
    });
    rows.push({
      line,
      broker: "Coinbase",
      brokerAccount: account,
      checkbox: undefined,
      assetCode: undefined,
      assetName,
      asset: formAssetId(assetName, options.identity),
      units: units!,
      dateAcquired,
      dateSold: dateSold!,
      proceeds: proceeds!,
      costBasis,
      accruedMarketDiscount: undefined,
      washSaleDisallowed: undefined,
      basisReported: covered,
      federalWithheld: undefined,
      term,
      noncovered: !covered,
      transferredInUnits: undefined,
      transferredInDate: undefined,
      transactionId: cell("Transaction ID") || undefined,
      raw: { ...raw, x_transaction_type: type },
    });
  }
  problems.throwIfAny();
  return rows;
};
