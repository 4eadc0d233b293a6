import path from "node:path";
import type { Command } from "commander";
import { UserInputError } from "../../errors.ts";
import type { LedgerRow } from "../../ledger/types.ts";
import { formatCents } from "../../tax/money.ts";
import {
  FILING_STATUSES,
  type FilingStatus,
  METHODS,
  type Method,
  SCOPES,
  type Scope,
} from "../../tax/types.ts";
import { folderOut, tzFlag, universalScopeWarning } from "../command-checks.ts";
import { configuredDisplaySymbol, storedFormsFor } from "../forms-routing.ts";
import { writeFilesAtomically } from "../write-files.ts";
import type { RegisterCommand } from "./types.ts";

/**
 * `lotwise report`: one tax year's filing reports, written to `--out DIR`:
 * `form8949-Y.pdf` (Form 8949 pages with a cover statement and the Schedule D lines),
 * `turbotax-Y.csv`, `taxact-Y.csv` and `form8949-Y.csv` (generic), as `--format` asks.
 *
 * All or nothing: every file is written under a temporary name in DIR and renamed into place
 * once all are rendered; on an error the temporary files are removed and nothing is replaced.
 */

type ReportFlags = {
  ledger?: string;
  year?: string;
  format?: string;
  method: string;
  scope: string;
  carryoverSt?: string;
  carryoverLt?: string;
  filingStatus: string;
  taxableIncome?: string;
  tz?: string;
  strict?: boolean;
  combineFees?: boolean;
  out: string;
};

export const register: RegisterCommand = (program, runtime) => {
  program
    .command("report")
    .description("filing reports for a tax year: Form 8949 PDF, TurboTax and TaxAct CSVs, a Form 8949 CSV")
    .requiredOption("--year <yyyy>", "the tax year")
    .option(
      "--format <list>",
      "pdf, turbotax, taxact, csv or all; several comma-separated (pdf,turbotax) or repeated (default: pdf)",
      (value: string, previous: string | undefined) => (previous ? `${previous},${value}` : value),
    )
    .requiredOption("--out <dir>", "output folder")
    .option("--ledger <file>", "ledger CSV v1 file (default: the stored ledger)")
    .option("--method <method>", `lot order: ${METHODS.join(", ")}`, "fifo")
    .option("--scope <scope>", `lot pools: ${SCOPES.join(", ")}`, "transition")
    // No commander default: without either flag the carryover is computed from the ledger, as in gains.
    .option(
      "--carryover-st <usd>",
      "short-term capital loss carryover into the year, Schedule D line 6 (default: computed from the ledger's earlier years; 0 when the other flag is given)",
    )
    .option(
      "--carryover-lt <usd>",
      "long-term capital loss carryover into the year, Schedule D line 14 (default: computed from the ledger's earlier years; 0 when the other flag is given)",
    )
    .option("--filing-status <status>", `filing status: ${FILING_STATUSES.join(", ")}`, "single")
    .option("--taxable-income <usd>", "Form 1040 line 15 (default: large enough to use the full deduction)")
    .option("--tz <zone>", "IANA time zone of the dates (default: UTC)")
    .option("--strict", "fail instead of warning when a row takes more than its pool holds")
    .option(
      "--combine-fees",
      "combine network-fee disposals into one Form 8949 row per asset, day and term (code M; each fee listed in the PDF's statement and in fee-statement-YEAR.csv; totals unchanged)",
    )
    .action(async (flags: ReportFlags, command: Command) => {
      const [
        { oneOf, usdFlag, loadStoredLedger, carryoverNote, storedLedgerEmpty },
        reports,
        { readLedgerFile },
        { carryoverFromEarlierYears },
        { storedLedgerWarnings },
      ] = await Promise.all([
        import("./gains.ts"),
        import("../../reports/index.ts"),
        import("../../ledger/read.ts"),
        import("../../tax/gains.ts"),
        import("../../books/stored-ledger.ts"),
      ]);
      if (flags.year === undefined || !/^\d{4}$/.test(flags.year))
        throw new UserInputError(`--year expects YYYY, got "${flags.year ?? ""}"`);
      const year = Number(flags.year);
      const formats = reports.parseReportFormats(flags.format ?? "pdf");
      const method = oneOf<Method>("--method", flags.method, METHODS);
      const scope = oneOf<Scope>("--scope", flags.scope, SCOPES);
      folderOut("report", flags.out, "one file per --format");
      const scopeWarning = universalScopeWarning(scope, year);
      if (scopeWarning) runtime.out(scopeWarning);
      const filingStatus = oneOf<FilingStatus>("--filing-status", flags.filingStatus, FILING_STATUSES);
      let carryoverSt = usdFlag("--carryover-st", flags.carryoverSt) ?? 0n;
      let carryoverLt = usdFlag("--carryover-lt", flags.carryoverLt) ?? 0n;
      const carryoverGiven = flags.carryoverSt !== undefined || flags.carryoverLt !== undefined;
      const taxableIncome = usdFlag("--taxable-income", flags.taxableIncome, true);
      tzFlag(flags.tz);

      let rows: LedgerRow[];
      let extraWarnings: ReturnType<typeof storedLedgerWarnings> = [];
      let openReviews = 0;
      if (flags.ledger !== undefined) {
        rows = await readLedgerFile(path.resolve(flags.ledger), flags.ledger);
      } else {
        // Empty is checked below: with forms for the year it is a report of form_only rows.
        const stored = await loadStoredLedger({ command, runtime, allowEmpty: true });
        rows = stored.rows;
        openReviews = stored.notes.openReviews;
        extraWarnings = storedLedgerWarnings(stored.notes, year);
      }
      // Without either flag, the carryover into the year comes from the ledger's earlier years (as in
      // lotwise gains: each earlier year is taken to use its full capital loss deduction).
      let carryoverMessage: string | undefined;
      if (!carryoverGiven) {
        const earlier = carryoverFromEarlierYears(rows, {
          year,
          method,
          scope,
          // The deduction limit of each earlier year ($1,500 married filing separately) sets what it carries.
          filingStatus,
          timeZone: flags.tz,
          source: flags.ledger ?? "stored ledger",
        });
        carryoverSt = earlier.carryoverIn.shortTerm;
        carryoverLt = earlier.carryoverIn.longTerm;
        const { earliestPrior } = earlier;
        carryoverMessage = carryoverNote(year, earliestPrior, {
          shortTerm: carryoverSt,
          longTerm: carryoverLt,
        });
      }
      // Imported Forms 1099-DA route the year's rows to boxes G–L, as in lotwise gains.
      const { forms, displaySymbol } = await storedFormsFor({
        command,
        runtime,
        ledgerFile: flags.ledger,
        fromYear: year,
        toYear: year,
      });
      // As lotwise gains: an empty stored ledger is an error only when no form reports the year.
      if (flags.ledger === undefined && rows.length === 0 && forms.length === 0)
        throw storedLedgerEmpty(openReviews);
      const input = await reports.prepareRoutedReport(rows, {
        forms,
        displaySymbol,
        year,
        method,
        scope,
        carryoverIn: { shortTerm: carryoverSt, longTerm: carryoverLt },
        filingStatus,
        taxableIncome,
        strict: flags.strict ?? false,
        timeZone: flags.tz,
        source: flags.ledger ?? "stored ledger",
        extraWarnings,
      });
      // Column (a) follows the display rules (docs/prices.md), as in lotwise gains: `500 TKA`, not
      // the chain asset id. Routed rows (forms imported) are described already.
      if (forms.length === 0 && input.rows.some((r) => r.asset.includes(":"))) {
        const symbol = await configuredDisplaySymbol(command, runtime);
        for (const r of input.rows)
          if (r.asset.includes(":") && r.description === `${r.quantity} ${r.asset}`)
            r.description = `${r.quantity} ${symbol(r.asset)}`;
      }
      // --combine-fees: fee rows are the ledger's `fee` rows and the `:fee` disposals beside trades.
      const { combineFeeRows, feeStatementCsv } = await import("../../reports/fee-rows.ts");
      const report = flags.combineFees
        ? combineFeeRows(input, new Set(rows.filter((r) => r.type === "fee").map((r) => r.id)))
        : input;
      const files = [];
      const { progress } = runtime.createCommon(command);
      for (const f of formats) files.push(await reports.renderReport(f, report, { progress }));
      const statement = feeStatementCsv(report);
      if (statement !== undefined)
        files.push({ fileName: `fee-statement-${year}.csv`, bytes: Buffer.from(statement), notes: [] });
      const written = await writeFilesAtomically(
        flags.out,
        files.map((f) => ({ name: f.fileName, data: f.bytes })),
      );
      const s = input.summary;
      runtime.out(
        `Tax year ${year}: ${report.rows.length} Form 8949 row(s)${report.feeStatement?.length ? ` (${report.feeStatement.length} combining network fees, code M)` : ""}; net short-term ${formatCents(s.netShortTerm)}, net long-term ${formatCents(s.netLongTerm)}, net ${formatCents(s.net)}; ${s.warnings.length} warning(s)${s.warnings.length > 0 ? (formats.includes("pdf") ? " (listed in the PDF's statement)" : " (add --format pdf to list them)") : ""}\n`,
      );
      if (carryoverMessage) runtime.out(`${carryoverMessage}\n`);
      for (const f of files) for (const note of f.notes) runtime.out(`${f.fileName}: ${note}\n`);
      runtime.out(`Wrote ${written.join(", ")}\n`);
    });
};
