import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { UserInputError } from "../../errors.ts";
import { resolveAsOf } from "../../harvest/as-of.ts";
import { streamLedgerFile } from "../../ledger/read.ts";
import type { LedgerFeed } from "../../tax/gains.ts";
import { parseUsdCents } from "../../tax/money.ts";
import {
  FILING_STATUSES,
  type FilingStatus,
  type GainsWarning,
  METHODS,
  type Method,
  SCOPES,
  type Scope,
} from "../../tax/types.ts";
import { folderOut } from "../command-checks.ts";
import { collect } from "../options.ts";
import { writeFilesAtomically } from "../write-files.ts";
import { loadStoredLedger } from "./gains.ts";
import type { RegisterCommand } from "./types.ts";

export { resolveAsOf };

type HarvestFlags = {
  ledger?: string;
  asOf?: string;
  year?: string;
  prices?: string;
  filingStatus: string;
  taxableIncome?: string;
  method: string;
  scope: string;
  carryoverSt?: string;
  carryoverLt?: string;
  sell?: string[];
  buyBack?: boolean;
  washSale?: boolean;
  out?: string;
  json?: boolean;
};

const oneOf = <T extends string>(flag: string, value: string, allowed: readonly T[]): T => {
  if (!(allowed as readonly string[]).includes(value))
    throw new UserInputError(`${flag} must be one of ${allowed.join(", ")} (got "${value}")`);
  return value as T;
};

const usdFlag = (flag: string, value: string | undefined, allowNegative = false): bigint | undefined => {
  if (value === undefined) return undefined;
  const c = parseUsdCents(value, allowNegative);
  if (c === undefined) {
    throw new UserInputError(
      `${flag} expects a USD amount with at most 2 decimals${allowNegative ? " (negative allowed)" : ""}, got "${value}"`,
    );
  }
  return c;
};

/** `ASSET:QTY[@WALLET]` (the wallet may contain `:` and `@`: it is everything after the first `@`). */
export const parseSell = (text: string): { asset: string; quantity: string; wallet?: string } => {
  const at = text.indexOf("@");
  const head = at < 0 ? text : text.slice(0, at);
  const wallet = at < 0 ? undefined : text.slice(at + 1);
  const colon = head.lastIndexOf(":");
  const asset = colon < 0 ? "" : head.slice(0, colon);
  const quantity = colon < 0 ? "" : head.slice(colon + 1);
  if (asset === "" || quantity === "" || wallet === "")
    throw new UserInputError(
      `--sell expects ASSET:QTY or ASSET:QTY@WALLET (e.g. ETH:0.5@coinbase:main), got "${text}"`,
    );
  return wallet === undefined ? { asset, quantity } : { asset, quantity, wallet };
};

/**
 * `lotwise harvest`: the tax-loss harvesting planner (src/harvest/, docs/harvest.md) on the stored
 * ledger or `--ledger FILE`, priced by the configured providers or `--prices FILE`.
 */
export const register: RegisterCommand = (program, runtime) => {
  program
    .command("harvest")
    .description(
      "find tax-loss harvesting opportunities: open lots at current prices, tax saved, a year-end plan",
    )
    .option("--ledger <file>", "ledger CSV v1 file (default: the stored ledger)")
    .option("--as-of <date>", "plan at this instant or date (end of that UTC day); default now")
    .option("--year <yyyy>", "the tax year (default: the as-of year; a past year plans at its last day)")
    .option(
      "--prices <file>",
      "USD prices, CSV asset,time,usd as for `prices import` (default: the configured providers)",
    )
    .option("--filing-status <status>", `filing status: ${FILING_STATUSES.join(", ")}`, "single")
    .option(
      "--taxable-income <usd>",
      "taxable income (Form 1040 line 15) without this ledger's capital gains and losses (default: $100,000, assumed)",
    )
    .option("--method <method>", `lot order of past disposals: ${METHODS.join(", ")}`, "fifo")
    .option("--scope <scope>", `lot pools: ${SCOPES.join(", ")}`, "transition")
    // No commander default: without either flag the carryover is computed from the ledger.
    .option(
      "--carryover-st <usd>",
      "short-term capital loss carryover into the year (default: computed from the ledger's earlier years; 0 when the other flag is given)",
    )
    .option(
      "--carryover-lt <usd>",
      "long-term capital loss carryover into the year (default: computed from the ledger's earlier years; 0 when the other flag is given)",
    )
    .option("--sell <asset:qty[@wallet]>", "what-if: sell this at the as-of price (repeatable)", collect)
    .option("--buy-back", "what-if: buy the same quantity back right after each --sell")
    .option("--wash-sale", "simulate the proposed 30-day wash-sale rule for digital assets")
    .option("--out <dir>", "write harvest.csv (one row per lot) and harvest.json here")
    .option("--json", "print the JSON report instead of the table")
    .action(async (flags: HarvestFlags, command: Command) => {
      const method = oneOf<Method>("--method", flags.method, METHODS);
      const scope = oneOf<Scope>("--scope", flags.scope, SCOPES);
      folderOut("harvest", flags.out, "harvest.csv and harvest.json");
      const filingStatus = oneOf<FilingStatus>("--filing-status", flags.filingStatus, FILING_STATUSES);
      const carryoverIn =
        flags.carryoverSt === undefined && flags.carryoverLt === undefined
          ? undefined
          : {
              shortTerm: usdFlag("--carryover-st", flags.carryoverSt) ?? 0n,
              longTerm: usdFlag("--carryover-lt", flags.carryoverLt) ?? 0n,
            };
      const taxableIncome = usdFlag("--taxable-income", flags.taxableIncome, true);
      const asOf = resolveAsOf(flags, new Date());
      const sells = (flags.sell ?? []).map(parseSell);
      if (flags.buyBack && sells.length === 0)
        throw new UserInputError("--buy-back needs at least one --sell");

      const [harvest, prices, assets] = await Promise.all([
        import("../../harvest/index.ts"),
        import("../../prices/index.ts"),
        import("../../assets/index.ts"),
      ]);
      const common = runtime.createCommon(command);
      const identity = assets.createAssetIdentity(assets.assetOptionsFromConfig(common.config));
      const normalize = (a: string) => identity.normalizeUserAsset(a);
      for (const s of sells) s.asset = normalize(s.asset);

      // The price source: a file, or the configured providers (which need the database for their cache).
      let lookup: import("../../harvest/index.ts").PriceLookup;
      if (flags.prices !== undefined) {
        const file = flags.prices;
        let text: string;
        try {
          text = await readFile(file, "utf8");
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          throw new UserInputError(
            `${file}: cannot read the file${code === "ENOENT" ? ": no such file" : ""}`,
          );
        }
        const rows = prices.parsePriceFile(text, { file, identity, importing: false });
        lookup = harvest.pricesFromFile(rows, {
          file: path.basename(file),
          stalenessMs: common.config.prices.stalenessHours * 3_600_000,
        });
      } else {
        const { openServices } = await import("../../services.ts");
        const services = await openServices(common);
        lookup = harvest.pricesFromService(
          prices.createPriceService({ common, database: services.database, identity }),
        );
      }

      const ledger = flags.ledger;
      const extraWarnings: GainsWarning[] = [];
      let feed: LedgerFeed;
      if (ledger !== undefined) feed = (h) => streamLedgerFile(ledger, h.row, { onRaw: h.raw });
      else {
        const stored = await loadStoredLedger({ command, runtime });
        for (const m of stored.notes.missingPrices)
          if (m.date <= asOf.toISOString().slice(0, 10)) extraWarnings.push({ code: "missing_price", ...m });
        if (stored.notes.openReviews > 0) {
          extraWarnings.push({
            code: "unreviewed",
            id: "",
            date: "",
            message: `${stored.notes.openReviews} transaction(s) await review and may be missing from the ledger or valued by a guess (lotwise review list)`,
          });
        }
        feed = async (h) => {
          for (const row of stored.rows) h.row(row);
        };
      }

      const report = await harvest.planHarvest(
        { feed, prices: lookup },
        {
          asOf,
          method,
          scope,
          filingStatus,
          taxableIncome,
          carryoverIn,
          washSale: flags.washSale ?? false,
          sells,
          buyBack: flags.buyBack ?? false,
          source: ledger ?? "stored ledger",
        },
      );
      report.warnings.push(...extraWarnings);
      // Files are written from the writers' buffers as they are (no copy of 100 MB into one).
      const json = flags.out !== undefined || flags.json ? harvest.writeHarvestJsonChunks(report) : undefined;
      if (flags.out !== undefined) {
        await writeFilesAtomically(flags.out, [
          { name: "harvest.csv", data: harvest.writeHarvestCsvChunks(report) },
          { name: "harvest.json", data: json! },
        ]);
      }
      if (flags.json) runtime.out(Buffer.concat(json!).toString("utf8"));
      else {
        runtime.out(harvest.formatHarvestTable(report));
        if (flags.out !== undefined)
          runtime.out(
            `Wrote ${path.join(flags.out, "harvest.csv")}, ${path.join(flags.out, "harvest.json")}\n`,
          );
      }
    });
};
