import type { DbOrTx } from "../../db/client.ts";
import { Decimal, fromRaw } from "../utils/decimal.ts";
import { explainedMoves, ledgerHoldings } from "./books.ts";
import { saveReading, type WalletReading } from "./readings.ts";
import type { AssetCheck, Cause, WalletCheck } from "./types.ts";

/**
 * The chain-independent half of the check: chain balances (read by evm.ts / solana.ts) and
 * indexed movements per chain asset are summed per canonical ledger asset and compared with the
 * ledger's holding; the part of a difference the ledger leaves out on purpose (spam, waiting for
 * review, position receipts) is sized and named; the rest is valued in USD.
 */

/** USD per whole unit for each query (undefined: no price), in query order. */
export type PriceFn = (
  queries: readonly {
    asset: string;
    time: Date;
    chain: string;
    blockNumber: bigint;
    contract?: string | undefined;
  }[],
) => Promise<(Decimal | undefined)[]>;

export type CompareDeps = {
  db: DbOrTx;
  userId: number;
  /** Chain asset id → canonical ledger asset (`assets` settings applied). */
  canonicalAsset: (chainAssetId: string) => string;
  /** Display symbol of a canonical asset. */
  displaySymbol: (asset: string, onchainSymbol?: string | null) => string;
  /** Prices differences in USD; without it every difference is `unpriced`. */
  price?: PriceFn | undefined;
  /** Keep the chain side of each wallet's check (readings.ts) so a ledger change can redo it without the node. */
  remember?: boolean | undefined;
};

/** One chain asset as read from the chain, with the causes of chain ≠ indexed found so far. */
export type AssetRead = {
  chainAsset: string;
  symbol: string | null;
  decimals: number | null;
  /** Raw units; undefined when the chain could not say (a reverting `balanceOf`). */
  chainRaw: bigint | undefined;
  indexedRaw: bigint;
  indexGap: Cause[];
  /**
   * Raw units of a recognized opening balance no transaction shows (a local dev chain's genesis
   * pre-funding): the chain holds it, the ledger deliberately does not; not a difference.
   */
  openingRaw?: bigint | undefined;
};

const contractOf = (chainAsset: string) => {
  const tail = chainAsset.slice(chainAsset.lastIndexOf(":") + 1);
  return tail === "native" ? undefined : tail;
};

export const compareWallet = async (deps: CompareDeps, w: WalletReading): Promise<WalletCheck> => {
  const { db, userId } = deps;
  if (deps.remember) await saveReading(db, w);
  const { holdings: ledger, byTx } = await ledgerHoldings(db, {
    userId,
    walletId: w.walletId,
    chain: w.chain,
    walletKey: w.wallet,
    height: w.height,
  });
  const explained = await explainedMoves(db, {
    userId,
    walletId: w.walletId,
    chain: w.chain,
    height: w.height,
  });

  type Group = { asset: string; reads: AssetRead[] };
  const groups = new Map<string, Group>();
  for (const r of w.reads) {
    const asset = deps.canonicalAsset(r.chainAsset);
    const g = groups.get(asset) ?? { asset, reads: [] };
    g.reads.push(r);
    groups.set(asset, g);
  }
  // Ledger assets of the wallet no chain asset maps to (nothing to read them from).
  for (const asset of ledger.keys()) if (!groups.has(asset)) groups.set(asset, { asset, reads: [] });

  const checks: (AssetCheck & { contract?: string | undefined; diff: Decimal })[] = [];
  for (const g of groups.values()) {
    const units = (raw: bigint, r: AssetRead) => fromRaw(raw, r.decimals ?? 0);
    const unreadable = g.reads.filter((r) => r.chainRaw === undefined);
    const chain = g.reads.reduce((s, r) => s.add(units(r.chainRaw ?? r.indexedRaw, r)), new Decimal(0));
    const indexed = g.reads.reduce((s, r) => s.add(units(r.indexedRaw, r)), new Decimal(0));
    const held = ledger.get(g.asset) ?? new Decimal(0);
    const opening = g.reads.reduce((s, r) => s.add(units(r.openingRaw ?? 0n, r)), new Decimal(0));
    const diff = chain.sub(opening).sub(held);
    const causes: Cause[] = g.reads.flatMap((r) => r.indexGap);
    for (const r of unreadable) {
      causes.push({
        code: "unknown",
        message: `the chain did not answer balanceOf for ${r.chainAsset}; its indexed amount is assumed`,
      });
    }
    if (g.reads.length === 0 && !held.isZero()) {
      causes.push({
        code: "unknown",
        message: "no asset of this wallet on the chain maps to it (nothing to read)",
      });
    }
    // indexed − ledger: the parts the ledger leaves out on purpose, then what is left. Per
    // transaction, what its movements moved minus what its ledger rows carry for the wallet.
    let rest = indexed.sub(held);
    const seen = new Set<string>();
    const part = (kind: "excluded" | "unreviewed" | "position" | "deferred") => {
      let sum = new Decimal(0);
      const txs: string[] = [];
      const chainAssets = new Set(g.reads.map((r) => r.chainAsset));
      const perTx = new Map<string, Decimal>();
      for (const m of explained[kind]) {
        if (!chainAssets.has(m.chainAsset) || seen.has(m.txHash)) continue;
        const r = g.reads.find((x) => x.chainAsset === m.chainAsset)!;
        perTx.set(m.txHash, (perTx.get(m.txHash) ?? new Decimal(0)).add(units(m.sum, r)));
      }
      for (const [tx, moved] of perTx) {
        const inLedger = byTx.get(`${w.chain}:${tx}`)?.get(g.asset) ?? new Decimal(0);
        const missing = moved.sub(inLedger);
        if (missing.isZero()) continue;
        seen.add(tx);
        sum = sum.add(missing);
        txs.push(tx);
      }
      return { sum, txs };
    };
    const list = (txs: string[]) => `${txs.slice(0, 3).join(", ")}${txs.length > 3 ? ", …" : ""}`;
    const excluded = part("excluded");
    if (!excluded.sum.isZero()) {
      causes.push({
        code: "spam",
        amount: excluded.sum.toFixed(),
        message: `${excluded.txs.length} transaction(s) filtered as spam or ignored carry ${excluded.sum.toFixed()}: ${list(excluded.txs)}`,
      });
      rest = rest.sub(excluded.sum);
    }
    const position = part("position");
    if (!position.sum.isZero()) {
      causes.push({
        code: "position",
        amount: position.sum.toFixed(),
        message:
          "a protocol receipt token: the ledger keeps the position in a position account, not as lots of this token: " +
          list(position.txs),
      });
      rest = rest.sub(position.sum);
    }
    const deferred = part("deferred");
    if (!deferred.sum.isZero()) {
      causes.push({
        code: "rebasing",
        amount: deferred.sum.toFixed(),
        message: `balance growth without transfers (rebasing / interest) is recognized on withdrawal by the setting classify.rebasingIncome: ${list(deferred.txs)}`,
      });
      rest = rest.sub(deferred.sum);
    }
    const unreviewed = part("unreviewed");
    if (!unreviewed.sum.isZero()) {
      causes.push({
        code: "unreviewed",
        amount: unreviewed.sum.toFixed(),
        message: `${unreviewed.txs.length} transaction(s) wait for your decision (lotwise review list): ${list(unreviewed.txs)}`,
      });
      rest = rest.sub(unreviewed.sum);
    }
    if (!rest.isZero()) {
      causes.push({
        code: "unknown",
        amount: rest.toFixed(),
        message: `the ledger differs from the indexed movements by ${rest.toFixed()} that lotwise cannot name`,
      });
    }
    const first = g.reads[0];
    checks.push({
      asset: g.asset,
      symbol: deps.displaySymbol(g.asset, first?.symbol),
      chainAssets: g.reads.map((r) => r.chainAsset),
      chain: chain.toFixed(),
      indexed: indexed.toFixed(),
      ledger: held.toFixed(),
      ...(opening.isZero() ? {} : { opening: opening.toFixed() }),
      difference: diff.toFixed(),
      differenceUsd: null,
      unpriced: false,
      causes: diff.isZero() && indexed.eq(chain) ? [] : causes,
      contract: first ? contractOf(first.chainAsset) : undefined,
      diff,
    });
  }

  const differing = checks.filter((c) => !c.diff.isZero());
  if (differing.length > 0) {
    const prices = deps.price
      ? await deps.price(
          differing.map((c) => ({
            asset: c.asset,
            time: w.time,
            chain: w.chain,
            blockNumber: w.height,
            contract: c.contract,
          })),
        )
      : differing.map(() => undefined);
    differing.forEach((c, i) => {
      const p = prices[i];
      if (p) c.differenceUsd = c.diff.abs().mul(p).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
      else c.unpriced = true;
    });
  }
  const assets: AssetCheck[] = checks
    .sort((a, b) => a.asset.localeCompare(b.asset))
    .map(({ contract: _c, diff: _d, ...rest }) => rest);
  return {
    wallet: w.wallet,
    chain: w.chain,
    address: w.address,
    height: w.height.toString(),
    time: w.time.toISOString(),
    method: w.method,
    assets,
    differences: differing.length,
  };
};
