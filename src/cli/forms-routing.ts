import { existsSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import type { FormRow, GainsRouting } from "../reconcile/index.ts";
import type { Method, Scope } from "../tax/types.ts";
import { commandCommon, commandServices } from "./command-services.ts";
import type { CliRuntime } from "./runtime.ts";

/**
 * The user's stored Form 1099-DA rows of `fromYear … toYear` and the display symbols for their
 * explanations. With `--ledger FILE` and no database yet (no PostgreSQL URL, no embedded data
 * folder), there can be no forms and nothing is opened.
 */
export const storedFormsFor = async (args: {
  command: Command;
  runtime: CliRuntime;
  ledgerFile: string | undefined;
  fromYear: number;
  toYear: number;
}): Promise<{ forms: FormRow[]; displaySymbol: (asset: string) => string }> => {
  const common = commandCommon(args.command, args.runtime);
  const none = { forms: [], displaySymbol: (a: string) => a };
  if (
    args.ledgerFile !== undefined &&
    !common.config.databaseUrl &&
    !existsSync(path.join(common.config.dataDir, "pgdata"))
  )
    return none;
  // The form store alone: the reconciliation and the asset identity (viem with it: about 0.3 s
  // of start-up) are loaded only when the years have forms.
  const [services, { loadFormRows }] = await Promise.all([
    commandServices(args.command, args.runtime),
    import("../reconcile/store.ts"),
  ]);
  const forms = (await loadFormRows(services.database.db, services.userId)).filter(
    (f) => f.taxYear >= args.fromYear && f.taxYear <= args.toYear,
  );
  if (forms.length === 0) return none;
  return { forms, displaySymbol: await configuredDisplaySymbol(args.command, args.runtime) };
};

/**
 * The display symbol of an asset id under the user's asset mappings (docs/prices.md): a configured
 * `assets.tokens` symbol or a known token's, else the id. Loads the asset identity (viem with it),
 * so call it only when a row names a chain asset id.
 */
export const configuredDisplaySymbol = async (
  command: Command,
  runtime: CliRuntime,
): Promise<(asset: string) => string> => {
  const common = commandCommon(command, runtime);
  const { createAssetIdentity, assetOptionsFromConfig } = await import("../assets/index.ts");
  const identity = createAssetIdentity(assetOptionsFromConfig(common.config));
  return (a) => identity.displaySymbol(a);
};

/**
 * The Forms 1099-DA routing for a `lotwise gains` run: undefined when no form row of the user
 * falls in the years asked for. With `--ledger FILE` and no database yet (no PostgreSQL URL, no
 * embedded data folder), there can be no forms and nothing is opened.
 */
export const formsRoutingFor = async (args: {
  command: Command;
  runtime: CliRuntime;
  ledgerFile: string | undefined;
  fromYear: number;
  toYear: number;
  method: Method;
  scope: Scope;
}): Promise<GainsRouting | undefined> => {
  const { forms, displaySymbol } = await storedFormsFor(args);
  if (forms.length === 0) return undefined;
  const { createGainsRouting } = await import("../reconcile/index.ts");
  return createGainsRouting({
    forms,
    fromYear: args.fromYear,
    toYear: args.toYear,
    method: args.method,
    scope: args.scope,
    displaySymbol,
  });
};
