import path from "node:path";
import { matchingWindowHours } from "../../classify/settings.ts";
import type { RegisterCommand } from "./types.ts";

// Heavy modules load when the command runs (keeps `--help` fast).
let importFile: typeof import("../../imports/run.ts").importFile;
let openServices: typeof import("../../services.ts").openServices;
let rebuildAndReport: typeof import("../rebuild.ts").rebuildAndReport;
const load = async () => {
  ({ importFile } = await import("../../imports/run.ts"));
  ({ openServices } = await import("../../services.ts"));
  ({ rebuildAndReport } = await import("../rebuild.ts"));
};

export const register: RegisterCommand = (program, runtime) => {
  program
    .command("import")
    .description(
      "import an exchange's or tax tool's export into an exchange account (Coinbase transaction history or raw transaction report, Kraken, Gemini, Robinhood, Koinly, CoinTracker, ledger CSV)",
    )
    .argument("<file>", "the exported CSV file")
    .requiredOption(
      "--account <name>",
      "the account it lands in, e.g. coinbase:main (or main: the exchange is prefixed)",
    )
    .option(
      "--format <format>",
      "auto | coinbase (either Coinbase report) | coinbase-raw | kraken | gemini | robinhood | koinly | cointracker | ledger",
      "auto",
    )
    .action(async (file: string, opts: { account: string; format: string }, command) => {
      await load();
      const common = runtime.createCommon(command);
      const services = await openServices(common);
      const r = await importFile(services.database.db, {
        userId: services.userId,
        path: path.resolve(file),
        file,
        account: opts.account,
        format: opts.format,
        windowHours: matchingWindowHours(common.config.classify),
      });
      runtime.out(
        `${file}: ${r.detected ? "detected" : "read as"} ${r.label} (--format ${r.format}); ${r.rows} rows into ${r.account}: ` +
          `${r.added} added, ${r.replaced} replaced, ${r.unchanged} unchanged${r.removed ? `, ${r.removed} removed` : ""}\n`,
      );
      await rebuildAndReport(services, runtime.out);
    });
};
