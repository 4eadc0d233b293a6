import path from "node:path";
import type { Command } from "commander";
import { UserInputError } from "../../errors.ts";
import { METHODS, type Method, SCOPES, type Scope } from "../../tax/types.ts";
import { folderOut, universalScopeWarning } from "../command-checks.ts";
import { commandCommon, commandServices } from "../command-services.ts";
import type { RegisterCommand } from "./types.ts";

type ReconcileFlags = {
  year?: string;
  out: string;
  method: string;
  scope: string;
  ledger?: string;
  strict?: boolean;
};

const oneOf = <T extends string>(flag: string, value: string, allowed: readonly T[]): T => {
  if (!(allowed as readonly string[]).includes(value))
    throw new UserInputError(`${flag} must be one of ${allowed.join(", ")} (got "${value}")`);
  return value as T;
};

export const register: RegisterCommand = (program, runtime) => {
  program
    .command("reconcile")
    .description(
      "reconcile imported Forms 1099-DA with your books: final Form 8949 (boxes G–L, codes B/E/T/W), discrepancies, summary",
    )
    .requiredOption("--year <yyyy>", "the tax year")
    .requiredOption("--out <dir>", "output folder (form8949.csv, discrepancies.csv, reconciliation.json)")
    .option("--method <method>", `lot order: ${METHODS.join(", ")}`, "fifo")
    .option("--scope <scope>", `lot pools: ${SCOPES.join(", ")}`, "transition")
    .option("--ledger <file>", "ledger CSV v1 file (default: the stored ledger)")
    .option("--strict", "fail instead of warning when a row takes more than its pool holds")
    .action(async (flags: ReconcileFlags, command: Command) => {
      if (!/^\d{4}$/.test(flags.year ?? ""))
        throw new UserInputError(`--year expects YYYY, got "${flags.year}"`);
      const year = Number(flags.year);
      const method = oneOf<Method>("--method", flags.method, METHODS);
      const scope = oneOf<Scope>("--scope", flags.scope, SCOPES);
      folderOut("reconcile", flags.out, "form8949.csv, discrepancies.csv and reconciliation.json");
      const scopeWarning = universalScopeWarning(scope, year);
      if (scopeWarning) runtime.out(scopeWarning);
      const [
        { reconcile, loadFormRows, formatReconcileSummary, writeReconciliationFiles },
        { createAssetIdentity, assetOptionsFromConfig },
        { loadStoredLedger },
        { reconcileThreadScript, startReconcileThread },
        { storedLedgerWarnings },
      ] = await Promise.all([
        import("../../reconcile/index.ts"),
        import("../../assets/index.ts"),
        import("./gains.ts"),
        import("../../reconcile/file-thread.ts"),
        import("../../books/stored-ledger.ts"),
      ]);
      const common = commandCommon(command, runtime);
      // A ledger file: its engine pass starts on a worker thread now, while this thread opens
      // the database and loads the form rows (src/reconcile/file-thread.ts).
      const script = flags.ledger !== undefined ? reconcileThreadScript() : undefined;
      const thread =
        script !== undefined && flags.ledger !== undefined
          ? startReconcileThread(script, {
              path: path.resolve(flags.ledger),
              source: flags.ledger,
              year,
              method,
              scope,
              strict: flags.strict ?? false,
              out: flags.out,
              assetOptions: assetOptionsFromConfig(common.config),
            })
          : undefined;
      let forms: Awaited<ReturnType<typeof loadFormRows>>;
      try {
        const { database, userId } = await commandServices(command, runtime);
        forms = await loadFormRows(database.db, userId, { taxYear: year });
      } catch (error) {
        await thread?.cancel();
        throw error;
      }
      if (forms.length === 0) {
        await thread?.cancel();
        throw new UserInputError(
          `no Form 1099-DA rows for ${year}: import your broker's form first (lotwise forms import FILE --account WALLET)`,
        );
      }
      if (thread) {
        const summary = thread.run(forms);
        forms = []; // the thread has its copy
        runtime.out(await summary);
        return;
      }
      const { database, userId } = await commandServices(command, runtime);
      const identity = createAssetIdentity(assetOptionsFromConfig(common.config));
      let stored: Awaited<ReturnType<typeof loadStoredLedger>> | undefined;
      if (flags.ledger === undefined) stored = await loadStoredLedger({ command, runtime, allowEmpty: true });
      const run = await reconcile({
        db: database.db,
        userId,
        year,
        method,
        scope,
        strict: flags.strict ?? false,
        forms,
        ledger:
          flags.ledger !== undefined
            ? { kind: "file", path: path.resolve(flags.ledger), source: flags.ledger }
            : { kind: "rows", rows: stored!.rows },
        displaySymbol: (a) => identity.displaySymbol(a),
      });
      // What the stored ledger says beside its rows (as lotwise gains reports it).
      if (stored) run.warnings.push(...storedLedgerWarnings(stored.notes, year));
      const written = await writeReconciliationFiles(flags.out, run);
      runtime.out(formatReconcileSummary(run, written));
    });
};
