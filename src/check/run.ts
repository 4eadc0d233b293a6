import { resolveChain, rpcUrlFor } from "../../chains/registry.ts";
import { createHttpTransport, type RpcTransport } from "../../chains/transport.ts";
import type { ChainInfo } from "../../chains/types.ts";
import { assetOptionsFromConfig, createAssetIdentity, parseChainAssetId } from "../assets/identity.ts";
import { rebasingAssets } from "../assets/rebasing.ts";
import { createPriceService } from "../prices/service.ts";
import type { Services } from "../services.ts";
import { Decimal } from "../utils/decimal.ts";
import { compareWallet } from "./compare.ts";
import { checkBalances, type PriceFn, saveBalanceReviews, summarize } from "./index.ts";
import { loadReadings } from "./readings.ts";
import type { CheckReport, WalletCheck } from "./types.ts";

/**
 * The balance check wired to lotwise's services (what `lotwise check`, the sync summary and the
 * HTTP API call): RPC endpoints from `config.rpc`, asset identity and `assets.tokens` from the
 * configuration, USD through the price service, and the differences saved as review items.
 */
export type RunCheckArgs = {
  services: Pick<Services, "common" | "database" | "userId">;
  /** Only these wallets (`<chain>:<address>`). */
  wallets?: readonly string[] | undefined;
  /** Write the differences as review items. @defaultValue true */
  save?: boolean;
  onWallet?: (check: WalletCheck) => void;
};

/** USD per unit through the price service, for the check's differences. */
const priceFnOf =
  (prices: ReturnType<typeof createPriceService>): PriceFn =>
  async (queries) => {
    const { results } = await prices.priceMany(
      queries.map((q) => ({
        asset: q.asset,
        time: q.time,
        hint: { chain: q.chain, blockNumber: q.blockNumber, contract: q.contract },
      })),
    );
    return results.map((r) => (r.ok ? new Decimal(r.usd) : undefined));
  };

/**
 * Redoes the balance check of every wallet with a stored chain reading (its last check) against
 * the ledger as it is now, without the node, and updates the wallets' `balance_difference` review
 * items: after a review decision, a price import or any rebuild, a difference the ledger now
 * explains disappears and one it no longer explains appears. The chain side is what the node said
 * at the checked height (it cannot change); a new sync moves the height and reads the node again.
 * @returns the refreshed report (wallets without a reading are left out).
 */
export const refreshBalanceReviews = async (
  services: Pick<Services, "common" | "database" | "userId">,
): Promise<CheckReport> => {
  const { common, database, userId } = services;
  const identity = createAssetIdentity(assetOptionsFromConfig(common.config));
  const price = priceFnOf(createPriceService({ common, database }));
  const wallets: WalletCheck[] = [];
  for (const reading of await loadReadings(database.db, userId)) {
    wallets.push(
      await compareWallet(
        {
          db: database.db,
          userId,
          canonicalAsset: identity.canonicalAsset,
          displaySymbol: identity.displaySymbol,
          price,
        },
        reading,
      ),
    );
  }
  const report = summarize(new Date().toISOString(), wallets);
  await saveBalanceReviews(database.db, userId, report);
  return report;
};

export const runBalanceCheck = async (args: RunCheckArgs): Promise<CheckReport> => {
  const { common, database, userId } = args.services;
  const { config } = common;
  const identity = createAssetIdentity(assetOptionsFromConfig(config));
  const transports = new Map<string, RpcTransport | undefined>();
  const rpcFor = (chain: ChainInfo) => {
    if (!transports.has(chain.id)) {
      const url = rpcUrlFor(config.rpc, chain);
      transports.set(
        chain.id,
        url
          ? createHttpTransport({
              chain: chain.id,
              url,
              logger: common.logger.child({ action: "check", chain: chain.id }),
              concurrency: config.sync.concurrency,
              maxAttempts: config.sync.maxAttempts,
              timeoutMs: config.sync.timeoutMs,
            })
          : undefined,
      );
    }
    return transports.get(chain.id);
  };
  const prices = createPriceService({ common, database });
  const extra = new Map<string, string[]>();
  for (const id of Object.keys(config.assets.tokens)) {
    const ref = parseChainAssetId(id);
    if (ref?.family !== "evm" || ref.address === "native") continue;
    const chain = resolveChain(ref.chain, { nativeSymbols: config.nativeSymbols }).id;
    extra.set(chain, [...(extra.get(chain) ?? []), ref.address]);
  }
  const report = await checkBalances({
    db: database.db,
    userId,
    wallets: args.wallets,
    chainOptions: { nativeSymbols: config.nativeSymbols },
    canonicalAsset: identity.canonicalAsset,
    displaySymbol: identity.displaySymbol,
    rpcFor,
    extraTokens: (chain) => extra.get(chain) ?? [],
    rebasing: rebasingAssets(config.assets.tokens),
    price: priceFnOf(prices),
    remember: args.save ?? true,
    onWallet: args.onWallet,
  });
  if (args.save ?? true) await saveBalanceReviews(database.db, userId, report);
  return report;
};

/** One line for the end of a sync: what was compared and what differs. */
export const checkSummary = (report: CheckReport): string => {
  const skipped = report.wallets.filter((w) => w.skipped).length;
  // Differences without a USD price are not in `differenceUsd`: say so rather than print ≈ $0.00.
  const unpriced = report.wallets.reduce((n, w) => n + w.assets.filter((a) => a.unpriced).length, 0);
  const usd =
    unpriced === report.differences
      ? `${unpriced === 1 ? "" : "all "}without a USD price`
      : `≈ $${report.differenceUsd}${unpriced ? `, plus ${unpriced} without a USD price` : ""}`;
  const diff =
    report.differences === 0
      ? "no differences"
      : `${report.differences} difference${report.differences === 1 ? "" : "s"} (${usd}; lotwise check for details)`;
  const openings = report.wallets.reduce((n, w) => n + w.assets.filter((a) => a.opening).length, 0);
  return (
    `check: ${report.wallets.length - skipped} wallet${report.wallets.length - skipped === 1 ? "" : "s"}, ` +
    `${report.assets} asset${report.assets === 1 ? "" : "s"} against the chain: ${diff}` +
    `${openings ? `, ${openings} opening balance${openings === 1 ? "" : "s"} recognized` : ""}` +
    `${skipped ? `, ${skipped} not checked` : ""}\n`
  );
};
