import { UserInputError } from "../../errors.ts";
import type { RegisterCommand } from "./types.ts";

// Heavy modules load when a command runs, not when the CLI starts (keeps `--help` and `gains` fast).
let assetOptionsFromConfig: typeof import("../../assets/index.ts").assetOptionsFromConfig;
let createAssetIdentity: typeof import("../../assets/index.ts").createAssetIdentity;
let importPriceFile: typeof import("../../prices/index.ts").importPriceFile;
let listStoredPrices: typeof import("../../prices/index.ts").listStoredPrices;
let openServices: typeof import("../../services.ts").openServices;
let rebuildAndReport: typeof import("../rebuild.ts").rebuildAndReport;
let ledgerBuilt: typeof import("../../books/dirty.ts").ledgerBuilt;
const load = async () => {
  ({ rebuildAndReport } = await import("../rebuild.ts"));
  ({ ledgerBuilt } = await import("../../books/dirty.ts"));
  ({ assetOptionsFromConfig, createAssetIdentity } = await import("../../assets/index.ts"));
  ({ importPriceFile, listStoredPrices } = await import("../../prices/index.ts"));
  ({ openServices } = await import("../../services.ts"));
};

/**
 * `lotwise prices import FILE.csv [--name N]` stores a USD price file (columns `asset,time,usd`;
 * see src/prices/import.ts for the rules) as source `file:<N>` (default: the file's absolute
 * path), replacing that source's earlier import and saying so. `lotwise prices list [--asset A] [--json]` shows stored prices (imported and cached).
 */
export const register: RegisterCommand = (program, runtime) => {
  const prices = program.command("prices").description("import and list USD prices");

  prices
    .command("import")
    .description("import a USD price file: CSV with columns asset,time,usd (a date alone means 00:00 UTC)")
    .argument("<file>", "the CSV file")
    .option(
      "--name <name>",
      "the import's name: re-importing under the same name replaces its prices (default: the file's absolute path)",
    )
    .action(async (file: string, opts: { name?: string }, command) => {
      await load();
      const common = runtime.createCommon(command);
      const identity = createAssetIdentity(assetOptionsFromConfig(common.config));
      const services = await openServices(common);
      const r = await importPriceFile({
        db: services.database.db,
        file,
        name: opts.name,
        identity,
        stalenessHours: common.config.prices.stalenessHours,
      });
      runtime.out(
        `imported ${r.rows} price${r.rows === 1 ? "" : "s"} from ${file} as ${r.source}` +
          (r.replaced > 0
            ? ` (replacing ${r.replaced} price${r.replaced === 1 ? "" : "s"} from the earlier import ${r.source})`
            : "") +
          "\n",
      );
      // The ledger follows its prices: reprice the rows the file changed (nothing when it changed none).
      if (r.earliestChange && (await ledgerBuilt(services.database.db, services.userId)))
        await rebuildAndReport(services, runtime.out);
    });

  prices
    .command("list")
    .description("list stored prices (imported files and cached provider prices)")
    .option("--asset <asset>", "only this asset (a symbol or chain asset id)")
    .option("--limit <n>", "at most n rows", (v) => {
      if (!/^[1-9]\d*$/.test(v))
        throw new UserInputError(`--limit expects a positive whole number, not '${v}'`);
      return Number(v);
    })
    .option("--json", "print JSON")
    .action(async (opts: { asset?: string; limit?: number; json?: boolean }, command) => {
      await load();
      const common = runtime.createCommon(command);
      const identity = createAssetIdentity(assetOptionsFromConfig(common.config));
      const { database } = await openServices(common);
      const asset = opts.asset === undefined ? undefined : identity.normalizeUserAsset(opts.asset);
      const rows = await listStoredPrices(database.db, {
        asset,
        limit: opts.limit,
      });
      if (opts.json) {
        runtime.out(
          `${JSON.stringify(
            rows.map((r) => ({ asset: r.asset, time: r.time.toISOString(), usd: r.usd, source: r.source })),
            null,
            2,
          )}\n`,
        );
        return;
      }
      if (rows.length === 0) {
        runtime.out(
          asset
            ? `no stored prices for ${asset}\n`
            : "no stored prices yet: lotwise prices import FILE.csv\n",
        );
        return;
      }
      for (const r of rows) runtime.out(`${r.asset}\t${r.time.toISOString()}\t${r.usd}\t${r.source}\n`);
    });
};
