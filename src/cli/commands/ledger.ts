import { constants } from "node:fs";
import { access, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { startImportThread } from "../../books/import-thread.ts";
import { snapshotFileOf } from "../../books/snapshot-file.ts";
import { matchingWindowHours } from "../../classify/settings.ts";
import { UserInputError } from "../../errors.ts";
import { TOOL_EXPORTS, type ToolExport } from "../../imports/tool-export.ts";
import { tzFlag } from "../command-checks.ts";
import type { RegisterCommand } from "./types.ts";

// Heavy modules load when a command runs, not when the CLI starts (keeps `--help` and `gains` fast).
let importLedgerRows: typeof import("../../books/imports.ts").importLedgerRows;
let listLedgerImports: typeof import("../../books/imports.ts").listLedgerImports;
let removeLedgerImport: typeof import("../../books/imports.ts").removeLedgerImport;
let loadExportRows: typeof import("../../books/export-rows.ts").loadExportRows;
let exportRow: typeof import("../../books/export-rows.ts").exportRow;
let readLedgerFileBatches: typeof import("../../ledger/read.ts").readLedgerFileBatches;
let LEDGER_PART_BYTES: typeof import("../../ledger/read.ts").LEDGER_PART_BYTES;
let writeLedgerCsv: typeof import("../../ledger/write.ts").writeLedgerCsv;
let streamLedgerCsv: typeof import("../../ledger/write.ts").streamLedgerCsv;
let openServices: typeof import("../../services.ts").openServices;
let rebuildAndReport: typeof import("../rebuild.ts").rebuildAndReport;
let formatToolCsv: typeof import("../../imports/tool-export.ts").formatToolCsv;
const load = async () => {
  ({ formatToolCsv } = await import("../../imports/tool-export.ts"));
  ({ importLedgerRows, listLedgerImports, removeLedgerImport } = await import("../../books/imports.ts"));
  ({ loadExportRows, exportRow } = await import("../../books/export-rows.ts"));
  ({ readLedgerFileBatches, LEDGER_PART_BYTES } = await import("../../ledger/read.ts"));
  ({ writeLedgerCsv, streamLedgerCsv } = await import("../../ledger/write.ts"));
  ({ openServices } = await import("../../services.ts"));
  ({ rebuildAndReport } = await import("../rebuild.ts"));
};

const parseYear = (y: string | undefined): number | undefined => {
  if (y === undefined) return undefined;
  if (!/^\d{4}$/.test(y)) throw new UserInputError(`--year must be a four-digit year, got '${y}'`);
  return Number(y);
};

export const register: RegisterCommand = (program, runtime) => {
  const ledger = program
    .command("ledger")
    .description("the reconciled ledger (ledger CSV v1): export, import, build");

  ledger
    .command("export")
    .description(
      "write the ledger as ledger CSV v1 (what `lotwise gains --ledger` reads), or in Koinly's or CoinTracker's import format",
    )
    .requiredOption("--out <file>", "CSV file to write ('-': standard output)")
    .option(
      "--format <format>",
      "ledger | koinly (Koinly universal CSV) | cointracker (CoinTracker CSV)",
      "ledger",
    )
    .option(
      "--year <year>",
      "rows up to the end of this tax year (earlier years are kept: their lots carry into it)",
    )
    .option(
      "--tz <zone>",
      "IANA time zone where --year ends, as `lotwise gains --tz` dates rows (default: UTC)",
    )
    .action(async (opts: { out: string; year?: string; format: string; tz?: string }, command) => {
      await load();
      tzFlag(opts.tz);
      const format = opts.format.toLowerCase();
      if (format !== "ledger" && !(TOOL_EXPORTS as readonly string[]).includes(format))
        throw new UserInputError(
          `--format '${opts.format}': unknown (supported: ledger, ${TOOL_EXPORTS.join(", ")})`,
        );
      const year = parseYear(opts.year);
      const common = runtime.createCommon(command);
      const services = await openServices(common);
      await rebuildAndReport(services, () => {});
      // The year ends where `gains --tz` dates rows: in New York, a sale at 23:00 on 31 December
      // is 04:00Z on 1 January and belongs to the year's export.
      const rows = await loadExportRows(services.database.db, services.userId, year, opts.tz);
      if (format !== "ledger") {
        if (opts.out === "-") {
          runtime.out(formatToolCsv(format as ToolExport, rows));
          return;
        }
        await writeFile(path.resolve(opts.out), formatToolCsv(format as ToolExport, rows));
        runtime.out(
          `wrote ${rows.length} ledger rows to ${opts.out} as ${format === "koinly" ? "Koinly universal CSV" : "CoinTracker CSV"}\n`,
        );
        return;
      }
      const out = rows.map(exportRow);
      if (opts.out === "-") {
        // CSV on stdout, nothing else there (the count goes to the log).
        streamLedgerCsv(runtime.out, out);
        common.logger.info("ledger exported", { rows: rows.length });
        return;
      }
      await writeLedgerCsv(path.resolve(opts.out), out);
      const warned = rows.filter((r) => r.warnings.length > 0).length;
      runtime.out(
        `wrote ${rows.length} rows to ${opts.out}${warned ? ` (${warned} with warnings: see the x_warnings column)` : ""}\n`,
      );
    });

  ledger
    .command("import")
    .description(
      "import an exchange's history written as ledger CSV v1; --name is required (re-importing the same --name replaces it; `lotwise import` reads exchanges' own formats)",
    )
    .argument("<file>", "ledger CSV v1 file")
    .requiredOption("--name <name>", "required: a name for this import, e.g. coinbase")
    .action(async (file: string, opts: { name: string }, command) => {
      await load();
      if (!/^[\w.-]+$/.test(opts.name))
        throw new UserInputError("--name may use letters, digits, '.', '_' and '-' only");
      // The file a batch of rows at a time, stored as they come (in one transaction). A `lots` cell
      // may name a lot of the stored ledger (another import, a chain row): the import checks it.
      const externalLots: import("../../ledger/read.ts").ExternalLotReference[] = [];
      // Each batch in parts (some 1,900 rows each): a re-import compares them with the stored
      // rows as they come and drops those it leaves as they were (src/books/imports.ts).
      const batches = readLedgerFileBatches(
        path.resolve(file),
        file,
        undefined,
        externalLots,
        LEDGER_PART_BYTES,
      );
      // A file that cannot be read fails here, with the reader's message, before the database
      // is opened (or created).
      const readable = await access(path.resolve(file), constants.R_OK).then(
        () => stat(path.resolve(file)).then((s) => s.isFile()),
        () => false,
      );
      if (!readable) await batches(async () => {});
      const common = runtime.createCommon(command);
      // A first import into the embedded database reads the file on a thread, started now: it
      // parses the first batch while the database opens (src/books/import-thread.ts).
      const thread = common.config.databaseUrl
        ? undefined
        : startImportThread({
            path: path.resolve(file),
            source: file,
            origin: `import:${opts.name}`,
          });
      let services: Awaited<ReturnType<typeof openServices>>;
      let r: Awaited<ReturnType<typeof importLedgerRows>>;
      try {
        services = await openServices(common);
        r = await importLedgerRows(services.database.db, {
          userId: services.userId,
          name: opts.name,
          snapshotFile: snapshotFileOf(common.config),
          rows: { thread, batches },
          file,
          windowHours: matchingWindowHours(common.config.classify),
          externalLots,
        });
      } finally {
        await thread?.stop();
      }
      const times = [r.span?.first, r.span?.last];
      const wallets = r.span?.wallets ?? [];
      runtime.out(
        `imported ${r.inserted} rows from ${file} as '${opts.name}'` +
          (r.inserted > 0
            ? ` (${times[0]} to ${times.at(-1)}; wallets ${wallets.join(", ")})`
            : " (the file has no rows)") +
          (r.replaced ? `, replacing the ${r.replaced} rows of the earlier import '${opts.name}'` : "") +
          "\n",
      );
      await rebuildAndReport(services, runtime.out);
    });

  ledger
    .command("imports")
    .description("list the stored ledger imports (`lotwise ledger import … --name NAME`)")
    .action(async (_opts, command) => {
      await load();
      const common = runtime.createCommon(command);
      const services = await openServices(common);
      const list = await listLedgerImports(services.database.db, services.userId);
      if (list.length === 0) {
        runtime.out("no ledger imports yet: lotwise ledger import FILE --name NAME\n");
        return;
      }
      for (const i of list)
        runtime.out(
          `${i.name}\t${i.rows} rows\t${i.first.toISOString().slice(0, 10)} to ${i.last.toISOString().slice(0, 10)}\n`,
        );
    });

  ledger
    .command("remove-import")
    .description("remove a stored ledger import and every row it added")
    .argument("<name>", "the import's --name")
    .action(async (name: string, _opts, command) => {
      await load();
      const common = runtime.createCommon(command);
      const services = await openServices(common);
      const removed = await removeLedgerImport(services.database.db, {
        userId: services.userId,
        name,
        windowHours: matchingWindowHours(common.config.classify),
      });
      if (removed === 0) {
        const names = (await listLedgerImports(services.database.db, services.userId)).map((i) => i.name);
        throw new UserInputError(
          `no ledger import named '${name}'${names.length ? ` (stored: ${names.join(", ")})` : " (none is stored)"}`,
        );
      }
      runtime.out(`removed the import '${name}' (${removed} rows)\n`);
      await rebuildAndReport(services, runtime.out);
    });

  ledger
    .command("build")
    .description("classify, price and rebuild the ledger now (normally automatic after each sync)")
    .option("--full", "rebuild everything, not only what changed")
    .action(async (opts: { full?: boolean }, command) => {
      await load();
      const common = runtime.createCommon(command);
      const services = await openServices(common);
      await rebuildAndReport(services, runtime.out, opts.full === true);
    });
};
