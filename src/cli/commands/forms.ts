import path from "node:path";
import { UserInputError } from "../../errors.ts";
import { commandCommon, commandServices } from "../command-services.ts";
import type { RegisterCommand } from "./types.ts";

/** Heavy modules load when a forms command runs, keeping `--help` fast. */
const deps = async () => {
  const [reconcile, assets, money] = await Promise.all([
    import("../../reconcile/index.ts"),
    import("../../assets/index.ts"),
    import("../../reconcile/fields.ts"),
  ]);
  return { ...reconcile, ...assets, ...money };
};

const FORMATS = ["auto", "1099da", "coinbase-gainloss"] as const;

const positiveInt = (flag: string, v: string): number => {
  if (!/^\d+$/.test(v) || Number(v) <= 0)
    throw new UserInputError(`${flag} expects a positive whole number, got "${v}"`);
  return Number(v);
};

export const register: RegisterCommand = (program, runtime) => {
  const forms = program
    .command("forms")
    .description("import, list and remove broker Forms 1099-DA (what lotwise reconcile checks)");

  forms
    .command("import")
    .description("import a broker's Form 1099-DA CSV (or Coinbase's gain/loss CSV) for an account wallet")
    .argument("<file>", "the broker's CSV file")
    .requiredOption("--account <wallet>", "the ledger wallet of the account it reports, e.g. coinbase:main")
    .option("--format <format>", `file format: ${FORMATS.join(", ")}`, "auto")
    .action(async (file: string, opts: { account: string; format: string }, command) => {
      if (!(FORMATS as readonly string[]).includes(opts.format))
        throw new UserInputError(`--format must be one of ${FORMATS.join(", ")} (got "${opts.format}")`);
      const { importFormFile, createAssetIdentity, assetOptionsFromConfig } = await deps();
      const common = commandCommon(command, runtime);
      const { database, userId } = await commandServices(command, runtime);
      const r = await importFormFile({
        db: database.db,
        userId,
        path: path.resolve(file),
        file,
        account: opts.account,
        format: opts.format as (typeof FORMATS)[number],
        identity: createAssetIdentity(assetOptionsFromConfig(common.config)),
        nativeSymbols: common.config.nativeSymbols,
      });
      const years = r.taxYears.length > 0 ? ` (tax year ${r.taxYears.join(", ")})` : "";
      if (r.inserted === 0) {
        runtime.out(
          `nothing new: ${r.rows === 0 ? `${file} has no form rows` : `all ${r.rows} row(s) of ${file} are already stored`} for ${r.accountWallet}\n`,
        );
        return;
      }
      runtime.out(
        `imported ${r.inserted} row(s) from ${file} (${r.format}) for ${r.accountWallet} as import #${r.importId}${years}` +
          `${r.replaced > 0 ? `; ${r.replaced} earlier row(s) replaced by corrected forms` : ""}` +
          `${r.unchanged > 0 ? `; ${r.unchanged} row(s) were already stored` : ""}\n`,
      );
    });

  forms
    .command("list")
    .description("list imported forms (by import), or their rows with --rows")
    .option("--rows", "list every form row")
    .option("--year <yyyy>", "only rows of this tax year (with --rows)")
    .option("--json", "print JSON")
    .action(async (opts: { rows?: boolean; year?: string; json?: boolean }, command) => {
      const { listFormImports, loadFormRows } = await deps();
      if (opts.year !== undefined && !/^\d{4}$/.test(opts.year))
        throw new UserInputError(`--year expects YYYY, got "${opts.year}"`);
      const { database, userId } = await commandServices(command, runtime);
      if (opts.rows) {
        const rows = await loadFormRows(database.db, userId, {
          taxYear: opts.year === undefined ? undefined : Number(opts.year),
        });
        if (opts.json) {
          runtime.out(
            `${JSON.stringify(
              rows.map(({ raw: _raw, ...r }) => r),
              null,
              2,
            )}\n`,
          );
          return;
        }
        if (rows.length === 0) {
          runtime.out("no form rows yet: lotwise forms import FILE --account WALLET\n");
          return;
        }
        for (const r of rows) {
          runtime.out(
            `${r.id}  ${r.sourceFile}:${r.line}  ${r.broker} ${r.brokerAccount} → ${r.accountWallet}  ${r.units} ${r.asset} sold ${r.dateSold}  proceeds ${r.proceeds}  basis ${r.costBasis ?? "(not reported)"}${r.basisReported ? " (reported to IRS)" : ""}  ${r.term ?? "term ?"}${r.transactionId ? `  tx ${r.transactionId}` : ""}\n`,
          );
        }
        return;
      }
      const imports = await listFormImports(database.db, userId);
      if (opts.json) {
        runtime.out(
          `${JSON.stringify(
            imports.map((i) => ({ ...i, createdAt: i.createdAt.toISOString() })),
            null,
            2,
          )}\n`,
        );
        return;
      }
      if (imports.length === 0) {
        runtime.out("no forms imported yet: lotwise forms import FILE --account WALLET\n");
        return;
      }
      for (const i of imports) {
        runtime.out(
          `#${i.id}  ${i.file}  ${i.format}  ${i.accountWallet}  ${i.brokers.join(", ")} (account ${i.brokerAccounts.join(", ")})  tax year ${i.taxYears.join(", ")}  ${i.rows} row(s)  imported ${i.createdAt.toISOString().slice(0, 19).replace("T", " ")}\n`,
        );
      }
    });

  forms
    .command("remove")
    .description("remove imported form rows: a whole import, an account, a broker's account, or single rows")
    .option("--import <id>", "every row of this import (see lotwise forms list)")
    .option("--account <wallet>", "every row tied to this account wallet")
    .option("--broker <name>", "every row of this broker (with --broker-account: of that account)")
    .option("--broker-account <number>", "the broker's account number")
    .option("--row <id...>", "these form rows (see lotwise forms list --rows)")
    .action(
      async (
        opts: { import?: string; account?: string; broker?: string; brokerAccount?: string; row?: string[] },
        command,
      ) => {
        const { removeForms, normalizeAccountWallet } = await deps();
        const filter = {
          importId: opts.import === undefined ? undefined : positiveInt("--import", opts.import),
          accountWallet: opts.account === undefined ? undefined : normalizeAccountWallet(opts.account),
          broker: opts.broker,
          brokerAccount: opts.brokerAccount,
          rowIds: opts.row?.map((r) => positiveInt("--row", r)),
        };
        if (Object.values(filter).every((v) => v === undefined))
          throw new UserInputError(
            "say what to remove: --import ID, --account WALLET, --broker NAME [--broker-account NUMBER] or --row ID…",
          );
        const { database, userId } = await commandServices(command, runtime);
        const n = await removeForms(database.db, userId, filter);
        if (n === 0) throw new UserInputError("no stored form rows match (see lotwise forms list)");
        runtime.out(`removed ${n} form row(s)\n`);
      },
    );
};
