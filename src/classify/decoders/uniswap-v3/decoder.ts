import { decodeAbiParameters } from "viem";
import { Decimal } from "../../../utils/decimal.ts";
import { type ClassifyContext, type LpOwed, legOf } from "../../context.ts";
import { FEE_EVIDENCE } from "../../rules.ts";
import type { Entry, Leg, Movement } from "../../types.ts";
import type { Decoder } from "../types.ts";
import {
  COLLECT_TOPIC,
  DECREASE_LIQUIDITY_TOPIC,
  INCREASE_LIQUIDITY_TOPIC,
  POSITION_MANAGERS,
} from "./constants.ts";

const minBig = (a: bigint, b: bigint) => (a < b ? a : b);

const words = (data: string, n: number) =>
  decodeAbiParameters(
    Array.from({ length: n }, () => ({ type: "uint256" })),
    data as `0x${string}`,
  ) as readonly bigint[];

/** Liquidity owed per `<chain>:<tokenId>` (removed, not yet collected). */
const owedBook = (ctx: ClassifyContext): Map<string, LpOwed> => {
  if (!ctx.lpOwed) ctx.lpOwed = new Map();
  return ctx.lpOwed;
};

/**
 * Uniswap V3 positions (NonfungiblePositionManager). A position is the asset
 * `uniswap-v3:<chain>:<tokenId>` counted in liquidity units; the position NFT is ignored.
 *
 * - `IncreaseLiquidity`: a swap of what the wallet gave, net per asset, into position units. ETH
 *   the manager refunds in the same transaction (`refundETH`) is netted: send 2 ETH, get 1 back,
 *   and 1 ETH was spent.
 * - `DecreaseLiquidity`: the units removed and the principal (`amount0`, `amount1`) become owed by
 *   the pool; nothing reaches the wallet yet. The owed liquidity is remembered (and stored with the
 *   classification, for later builds).
 * - `Collect`: what arrives is first the owed principal — a swap of the removed units into it
 *   (`lp_withdrawal`, dated at the collect) — and the rest is fee income (`lp_fees`). A decrease and
 *   a collect in one transaction are both at once. A collect with nothing owed is all fees.
 * Plain swaps through V3 pools are left to the generic swap rule.
 */
export const uniswapV3Decoder: Decoder = {
  protocol: "uniswap-v3",
  addresses: (chain, ctx) => [
    ...(POSITION_MANAGERS[chain] ?? []),
    ...(ctx.contracts?.[chain]?.uniswapV3PositionManagers ?? []),
  ],
  decode: (tx, ctx) => {
    const managers = new Set(uniswapV3Decoder.addresses(tx.chain, ctx));
    const logs = tx.logs.filter((l) => managers.has(l.address.toLowerCase()));
    const find = (topic: string) => logs.find((l) => l.topics[0] === topic);
    const increase = find(INCREASE_LIQUIDITY_TOPIC);
    const decrease = find(DECREASE_LIQUIDITY_TOPIC);
    const collect = find(COLLECT_TOPIC);
    const event = increase ?? decrease ?? collect;
    if (!event) return undefined;
    const tokenId = BigInt(event.topics[1] ?? "0x0").toString();
    const asset = `uniswap-v3:${tx.chain}:${tokenId}`;
    const key = `${tx.chain}:${tokenId}`;
    const units = (n: bigint): Leg => ({
      asset,
      chainAsset: asset,
      chain: tx.chain,
      quantity: new Decimal(n.toString()),
      symbol: `UNI-V3 #${tokenId}`,
    });
    // The NFT standing for the position is not an asset of its own here.
    const ignored = tx.movements.filter(
      (m) => m.evidence === "erc721" && managers.has(m.chainAsset.split(":").pop()!.toLowerCase()),
    );
    const value = tx.movements.filter(
      (m) => !ignored.includes(m) && !FEE_EVIDENCE.has(m.evidence) && m.wallet.kind === "own",
    );
    const owner =
      value[0]?.wallet ??
      tx.movements.find((m) => m.wallet.kind === "own" && FEE_EVIDENCE.has(m.evidence))?.wallet;
    // A decrease moves nothing to anyone: it is recorded even when no wallet of the user paid for it.
    if (!owner && !(decrease && !collect)) return undefined;
    const mine = value.filter((m) => m.wallet === owner);
    /** Net legs per canonical asset (a refund cancels part of what was sent). */
    const net = (moves: readonly Movement[]) => {
      const by = new Map<string, Leg & { signed: Decimal }>();
      for (const m of moves) {
        const leg = legOf(ctx, m);
        const signed = m.amount < 0n ? leg.quantity.neg() : leg.quantity;
        const prev = by.get(leg.asset);
        by.set(leg.asset, prev ? { ...prev, signed: prev.signed.add(signed) } : { ...leg, signed });
      }
      return [...by.values()].filter((l) => !l.signed.isZero());
    };
    const strip = ({ signed, ...leg }: Leg & { signed: Decimal }): Leg => ({
      ...leg,
      quantity: signed.abs(),
    });
    const entries: Entry[] = [];
    const owedMap = owedBook(ctx);

    if (increase && owner) {
      const [liquidity] = words(increase.data, 3);
      const legs = net(mine);
      entries.push({
        kind: "trade",
        wallet: owner.key,
        outs: legs.filter((l) => l.signed.isNeg()).map(strip),
        ins: [units(liquidity!)],
        subtype: "lp_deposit",
      });
      return { action: "uniswap-v3:lp_deposit", subtype: "lp_deposit", consumed: mine, ignored, entries };
    }

    let owed = owedMap.get(key);
    const details: Record<string, unknown> = {};
    if (decrease) {
      const [liquidity, amount0, amount1] = words(decrease.data, 3);
      owed = {
        units: (owed?.units ?? 0n) + liquidity!,
        amount0: (owed?.amount0 ?? 0n) + amount0!,
        amount1: (owed?.amount1 ?? 0n) + amount1!,
      };
      owedMap.set(key, owed);
      details.lpDecrease = {
        key,
        units: liquidity!.toString(),
        amount0: amount0!.toString(),
        amount1: amount1!.toString(),
      };
    }
    if (!collect) {
      // Removed, not collected: the tokens stay owed in the pool; only the gas is paid now.
      return { action: "uniswap-v3:decrease", subtype: "lp_withdrawal", ignored, entries, details };
    }
    const [, collected0, collected1] = decodeAbiParameters(
      [{ type: "address" }, { type: "uint256" }, { type: "uint256" }],
      collect.data as `0x${string}`,
    ) as readonly [string, bigint, bigint];
    const principal0 = owed ? minBig(owed.amount0, collected0) : 0n;
    const principal1 = owed ? minBig(owed.amount1, collected1) : 0n;
    // What arrived, told apart by amount: token0's and token1's collected amounts.
    const arrivals = mine.filter((m) => m.amount > 0n);
    const side = (amount: bigint, avoid?: Movement) =>
      arrivals.find((m) => m !== avoid && m.amount === amount) ?? undefined;
    const m0 = collected0 > 0n ? side(collected0) : undefined;
    const m1 = collected1 > 0n ? side(collected1, m0) : undefined;
    const part = (m: Movement | undefined, raw: bigint): Leg | undefined =>
      m && raw > 0n ? { ...legOf(ctx, m), quantity: legOf(ctx, { ...m, amount: raw }).quantity } : undefined;
    const principal = [part(m0, principal0), part(m1, principal1)].filter((l): l is Leg => l !== undefined);
    const fees = [part(m0, collected0 - principal0), part(m1, collected1 - principal1)].filter(
      (l): l is Leg => l !== undefined,
    );
    const consumed = [m0, m1].filter((m): m is Movement => m !== undefined);
    if (!owner) return undefined;
    if (owed && owed.units > 0n) {
      entries.push({
        kind: "trade",
        wallet: owner.key,
        outs: [units(owed.units)],
        ins: principal,
        subtype: "lp_withdrawal",
      });
      details.lpCollect = {
        key,
        units: owed.units.toString(),
        amount0: principal0.toString(),
        amount1: principal1.toString(),
      };
      const left = { units: 0n, amount0: owed.amount0 - principal0, amount1: owed.amount1 - principal1 };
      if (left.amount0 > 0n || left.amount1 > 0n) owedMap.set(key, left);
      else owedMap.delete(key);
    }
    if (fees.length > 0)
      entries.push({ kind: "trade", wallet: owner.key, outs: [], ins: fees, subtype: "lp_fees" });
    return {
      action: owed ? "uniswap-v3:lp_withdrawal" : "uniswap-v3:collect",
      subtype: owed ? "lp_withdrawal" : "lp_fees",
      consumed,
      ignored,
      entries,
      details,
    };
  },
};

/**
 * Replays stored decrease/collect facts (`classifications.details`, in time order) into the owed
 * book, for a build that starts after them.
 */
export const replayLpOwed = (
  facts: readonly { lpDecrease?: LpFact; lpCollect?: LpFact }[],
): Map<string, LpOwed> => {
  const book = new Map<string, LpOwed>();
  for (const f of facts) {
    if (f.lpDecrease) {
      const prev = book.get(f.lpDecrease.key) ?? { units: 0n, amount0: 0n, amount1: 0n };
      book.set(f.lpDecrease.key, {
        units: prev.units + BigInt(f.lpDecrease.units),
        amount0: prev.amount0 + BigInt(f.lpDecrease.amount0),
        amount1: prev.amount1 + BigInt(f.lpDecrease.amount1),
      });
    }
    if (f.lpCollect) {
      const prev = book.get(f.lpCollect.key);
      if (!prev) continue;
      const left = {
        units: 0n,
        amount0: prev.amount0 - BigInt(f.lpCollect.amount0),
        amount1: prev.amount1 - BigInt(f.lpCollect.amount1),
      };
      if (left.amount0 > 0n || left.amount1 > 0n) book.set(f.lpCollect.key, left);
      else book.delete(f.lpCollect.key);
    }
  }
  return book;
};

type LpFact = { key: string; units: string; amount0: string; amount1: string };
