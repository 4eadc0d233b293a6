import { and, eq, like, notInArray, sql } from "drizzle-orm";
import { type ChainOptions, parseWalletSpec, resolveChain, walletKey } from "../../chains/registry.ts";
import type { RpcTransport } from "../../chains/transport.ts";
import type { ChainInfo } from "../../chains/types.ts";
import type { DbOrTx } from "../../db/client.ts";
import { reviewItems } from "../../db/schema/index.ts";
import { listWallets } from "../../db/wallets.ts";
import { UserInputError } from "../errors.ts";
import { Decimal } from "../utils/decimal.ts";
import type { CompareDeps } from "./compare.ts";
import { checkEvmWallet } from "./evm.ts";
import { checkSolanaWallet } from "./solana.ts";
import type { CheckReport, WalletCheck } from "./types.ts";

export type { PriceFn } from "./compare.ts";
export type { AssetCheck, Cause, CauseCode, CheckReport, WalletCheck } from "./types.ts";

/** Review reason of a balance difference; its `tx_hash` is `balance:<address>:<asset>`. */
export const BALANCE_REVIEW_REASON = "balance_difference";

export type CheckBalancesArgs = CompareDeps & {
  /** Only these wallets (`<chain>:<address>`, any accepted spelling); default every own wallet. */
  wallets?: readonly string[] | undefined;
  /** The JSON-RPC transport of an EVM chain; undefined when none is configured (the wallet is skipped). */
  rpcFor: (chain: ChainInfo) => RpcTransport | undefined;
  chainOptions?: ChainOptions;
  /** Token contracts to read on a chain even when the wallet never moved them (configured assets). */
  extraTokens?: (chain: string) => readonly string[];
  /** Chain asset ids known to rebase. */
  rebasing?: ReadonlySet<string>;
  /** Called after each wallet (progress). */
  onWallet?: (check: WalletCheck) => void;
};

/**
 * Reconciles every (or the given) wallet's balances: per wallet and asset, the ledger's holding at
 * the synced block / slot against the chain's own balance at that height, each difference with
 * its size in units and USD and the causes lotwise can name. Read-only; `saveBalanceReviews`
 * turns the differences into review items.
 * @throws UserInputError naming a wallet that is not one of the user's.
 */
export const checkBalances = async (args: CheckBalancesArgs): Promise<CheckReport> => {
  const { db, userId } = args;
  const checkedAt = new Date().toISOString();
  let targets = (await listWallets(db, userId)).filter((w) => w.kind === "own");
  if (args.wallets?.length) {
    const wanted = args.wallets.map((spec) => {
      // Parsed as sync and the wallets commands parse it: "bogus" or a bare address is an invalid
      // wallet (<chain>:<address>), not an "unknown chain" made of the spec less its last letter.
      const { chain, address } = parseWalletSpec(spec, args.chainOptions);
      return walletKey(chain.id, chain.family === "evm" ? address.toLowerCase() : address);
    });
    const keyOf = (w: { chain: string; address: string }) =>
      walletKey(w.chain, w.chain === "solana" ? w.address : w.address.toLowerCase());
    for (const key of wanted) {
      if (!targets.some((w) => keyOf(w) === key)) throw new UserInputError(`no such wallet: ${key}`);
    }
    targets = targets.filter((w) => wanted.includes(keyOf(w)));
  }
  const wallets: WalletCheck[] = [];
  for (const w of targets) {
    const chain = resolveChain(w.chain, args.chainOptions);
    let result: WalletCheck;
    if (chain.family === "solana") {
      result = await checkSolanaWallet({ ...args, wallet: w, chain });
    } else {
      const rpc = args.rpcFor(chain);
      result = rpc
        ? await checkEvmWallet({
            ...args,
            wallet: w,
            chain,
            rpc,
            extraTokens: args.extraTokens?.(chain.id) ?? [],
          })
        : {
            wallet: walletKey(w.chain, w.address),
            chain: w.chain,
            address: w.address,
            assets: [],
            differences: 0,
            skipped: `no RPC endpoint for ${chain.id} (--rpc ${chain.id}=URL)`,
          };
    }
    wallets.push(result);
    args.onWallet?.(result);
  }
  return summarize(checkedAt, wallets);
};

/** A report of wallet checks: counts and the USD total of the priced differences. */
export const summarize = (checkedAt: string, wallets: WalletCheck[]): CheckReport => {
  let usd = new Decimal(0);
  for (const w of wallets) for (const a of w.assets) if (a.differenceUsd) usd = usd.add(a.differenceUsd);
  return {
    checkedAt,
    wallets,
    assets: wallets.reduce((n, w) => n + w.assets.length, 0),
    differences: wallets.reduce((n, w) => n + w.differences, 0),
    differenceUsd: usd.toFixed(2),
  };
};

/** The review item text of one difference. */
export const describeDifference = (w: WalletCheck, a: WalletCheck["assets"][number]): string => {
  const usd = a.differenceUsd !== null ? ` (≈ $${a.differenceUsd})` : " (no price)";
  const causes = a.causes.map((c) => `${c.code}: ${c.message}`).join("; ");
  return (
    `${w.wallet} ${a.symbol} at ${w.chain === "solana" ? "slot" : "block"} ${w.height}: chain ${a.chain}, ` +
    `${a.opening ? `opening balance ${a.opening} (kept out of the ledger), ` : ""}` +
    `ledger ${a.ledger}, difference ${a.difference}${usd}${causes ? `. Likely: ${causes}` : ""}`
  );
};

/**
 * Writes the report's differences as review items (reason `balance_difference`, one per wallet
 * and asset, `tx_hash` = `balance:<address>:<asset>`): new ones open, existing ones keep their
 * status with the new text, and those of checked wallets that no longer differ are removed.
 * Idempotent. Wallets that were skipped keep their items.
 */
export const saveBalanceReviews = async (db: DbOrTx, userId: number, report: CheckReport): Promise<void> => {
  await db.transaction(async (tx) => {
    for (const w of report.wallets) {
      if (w.skipped) continue;
      const prefix = `balance:${w.address}:`;
      const keep = w.assets.filter((a) => a.difference !== "0").map((a) => `${prefix}${a.asset}`);
      await tx
        .delete(reviewItems)
        .where(
          and(
            eq(reviewItems.userId, userId),
            eq(reviewItems.chain, w.chain),
            eq(reviewItems.reason, BALANCE_REVIEW_REASON),
            like(reviewItems.txHash, `${prefix}%`),
            ...(keep.length ? [notInArray(reviewItems.txHash, keep)] : []),
          ),
        );
      for (const a of w.assets) {
        if (a.difference === "0") continue;
        const message = describeDifference(w, a);
        await tx
          .insert(reviewItems)
          .values({
            userId,
            chain: w.chain,
            txHash: `${prefix}${a.asset}`,
            reason: BALANCE_REVIEW_REASON,
            message,
          })
          .onConflictDoUpdate({
            target: [reviewItems.userId, reviewItems.chain, reviewItems.txHash, reviewItems.reason],
            set: { message: sql`excluded.message` },
          });
      }
    }
  });
};
