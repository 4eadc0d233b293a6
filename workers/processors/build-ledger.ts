import type { BuildResult } from "../../src/books/build.ts";
import { detectLedgerChanges, unchangedBuild } from "../../src/books/detect.ts";
import type { ClassifySettings } from "../../src/classify/settings.ts";
import type { Config } from "../../src/config.ts";
import { NonRetryableError } from "../../src/errors.ts";
import type { JobDefinition } from "../types.ts";

export type BuildLedgerData = { userId: number; full?: boolean | undefined };

/** Classification settings from the parsed configuration. */
export const classifySettingsOf = (config: Config): ClassifySettings => ({
  weth: config.assets.weth,
  lending: config.classify.lending,
  liquidity: config.classify.liquidity,
  staking: config.classify.staking,
  unmatchedOutflow: config.classify.unmatchedOutflow,
  unmatchedInflow: config.classify.unmatchedInflow,
  rebasingIncome: config.classify.rebasingIncome,
  bridgeWindowHours: config.classify.bridgeWindowHours,
  bridgeTolerance: config.classify.bridgeTolerance,
  matchWindowHours: config.classify.matchWindowHours,
  matchTolerance: config.classify.matchTolerance,
});

/** Lowercase protocol contract lists per chain from the configuration. */
const contractsOf = (config: Config) =>
  Object.fromEntries(
    Object.entries(config.classify.contracts).map(([chain, c]) => [
      chain,
      Object.fromEntries(Object.entries(c).map(([k, v]) => [k, (v ?? []).map((a) => a.toLowerCase())])),
    ]),
  );

/**
 * What else in the configuration decides the ledger's rows, beside the classification settings
 * and contracts: asset identity (`assets`: WETH/wrapped SOL, token mappings and declarations;
 * `nativeSymbols`) and how prices are chosen (`prices`: order, staleness, cache window, the
 * on-chain pools and their limits). A change to any of it is a full rebuild (`DetectArgs.fingerprint`),
 * so no command reads rows made under the old settings. Not in it: endpoints, keys, request
 * budgets, timeouts and retries, which change how a price is fetched, not which one.
 */
export const rowsFingerprintOf = (config: Config) => ({
  assets: config.assets,
  nativeSymbols: config.nativeSymbols,
  prices: {
    order: config.prices.order,
    stalenessHours: config.prices.stalenessHours,
    cacheWindowMinutes: config.prices.cacheWindowMinutes,
    onchain: config.prices.onchain,
    onchainMinStableReserve: config.prices.onchainMinStableReserve,
    onchainMaxTradeShare: config.prices.onchainMaxTradeShare,
    onchainReviewTradeShare: config.prices.onchainReviewTradeShare,
  },
});

/**
 * Classifies, prices and writes the user's ledger (incrementally unless `full`). Thin: the work is
 * in src/books. What changed is asked first: the classifiers, the price service and the chain
 * clients (viem, web3.js: about 0.3 s of CPU to load) are loaded only when there is something to
 * build, so a command reading an up-to-date ledger does not pay for them.
 */
export const buildLedgerJob: JobDefinition<BuildLedgerData, BuildResult> = {
  name: "build-ledger",
  attempts: 3,
  backoffMs: 2000,
  parse: (data) => {
    const d = data as Partial<BuildLedgerData> | null;
    if (!d || typeof d.userId !== "number" || !Number.isInteger(d.userId)) {
      throw new NonRetryableError("build-ledger: userId must be an integer");
    }
    return { userId: d.userId, full: d.full === true };
  },
  process: async (data, ctx) => {
    const { config } = ctx.common;
    const build = {
      db: ctx.database.db,
      userId: data.userId,
      settings: classifySettingsOf(config),
      contracts: contractsOf(config),
      fingerprint: rowsFingerprintOf(config),
      full: data.full,
    };
    const changes = await detectLedgerChanges(build);
    if (changes.unchanged) return unchangedBuild(changes);
    const [{ buildLedger }, { createServicePricer }, { createPriceService }, { refreshBalanceReviews }] =
      await Promise.all([
        import("../../src/books/build.ts"),
        import("../../src/books/pricer.ts"),
        import("../../src/prices/service.ts"),
        import("../../src/check/run.ts"),
      ]);
    const prices = createPriceService({ common: ctx.common, database: ctx.database });
    let done = 0;
    const result = await buildLedger({
      ...build,
      changes,
      resolveAsset: prices.identity.resolveMovementAsset,
      pricer: createServicePricer(prices, config.prices.order),
      progress: {
        advance: (n = 1) => {
          done += n;
          ctx.reportProgress({ done, unit: "transactions" });
        },
        update: (u) => {
          if (u.done !== undefined) done = u.done;
          ctx.reportProgress({ done, total: u.total, unit: "transactions", detail: u.detail });
        },
        finish: (detail) => ctx.reportProgress({ done, unit: "transactions", detail }),
      },
    });
    // The ledger changed: redo the last balance check against it (no node needed), so balance
    // review items follow review decisions and imports.
    if (result.mode !== "unchanged") {
      try {
        await refreshBalanceReviews({ common: ctx.common, database: ctx.database, userId: data.userId });
      } catch (error) {
        ctx.common.logger.warn("balance review items not refreshed", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return result;
  },
};
