import { Decimal } from "../utils/decimal.ts";
import { type ClassifyContext, findWallet, legOf, scaleLeg } from "./context.ts";
import type { Entry, Leg, Movement, ReviewDraft, TxGroup, UnmatchedHalf, WalletInfo } from "./types.ts";

/** Movement evidence kinds that are network fees, not value (they never make a half to pair). */
export const FEE_EVIDENCE: ReadonlySet<string> = new Set(["gas", "l1_fee", "sol_fee", "spl_fee"]);
/** `approve(address,uint256)`. */
const APPROVE_SELECTOR = "0x095ea7b3";

type Net = { wallet: WalletInfo; leg: Leg; signed: Decimal; counterparties: Set<string>; moves: Movement[] };

/** Most nets of a transaction looked through one by one for a movement's (`netMovements`). */
const NETS_SCANNED = 8;

/**
 * Nets a wallet's movements per canonical asset: a token that comes and goes within one
 * transaction (a multi-hop route, WETH that is ETH) leaves nothing behind.
 */
export const netMovements = (
  ctx: ClassifyContext,
  moves: readonly Movement[],
  reviews: ReviewDraft[],
): Net[] => {
  // Per (wallet key, asset), in the order first seen: looked up by a scan while there are few
  // (most transactions move a handful of assets: no key text made per movement), by key beyond
  // `NETS_SCANNED` (a transaction of thousands of transfers).
  const nets: Net[] = [];
  let byKey: Map<string, Net> | undefined;
  for (const m of moves) {
    const leg = legOf(ctx, m, reviews);
    const signed = m.amount < 0n ? leg.quantity.neg() : leg.quantity;
    const walletKey = m.wallet.key;
    let n: Net | undefined;
    if (nets.length > NETS_SCANNED) {
      if (!byKey) {
        byKey = new Map();
        for (const x of nets) byKey.set(`${x.wallet.key}\u0000${x.leg.asset}`, x);
      }
      n = byKey.get(`${walletKey}\u0000${leg.asset}`);
    } else
      for (const x of nets) {
        if (x.wallet.key === walletKey && x.leg.asset === leg.asset) {
          n = x;
          break;
        }
      }
    if (n) {
      n.signed = n.signed.add(signed);
      n.moves.push(m);
      if (m.counterparty) n.counterparties.add(m.counterparty);
    } else {
      const counterparties = new Set<string>();
      if (m.counterparty) counterparties.add(m.counterparty);
      const net: Net = { wallet: m.wallet, leg, signed, counterparties, moves: [m] };
      nets.push(net);
      byKey?.set(`${walletKey}\u0000${leg.asset}`, net);
    }
  }
  return nets.filter((n) => !n.signed.isZero());
};

export type GenericResult = {
  entries: Entry[];
  reviews: ReviewDraft[];
  unmatched: UnmatchedHalf[];
  kinds: Set<string>;
};

/**
 * The generic rules for movements no decoder consumed:
 * 1. the same asset leaving one of the user's wallets and entering another in this transaction →
 *    `transfer`, when the chain says so: one wallet paid the other directly, or both dealt with
 *    the same contract and what entered equals what left (a contract that only forwards them);
 * 2. in one wallet, assets out and assets in → a trade (`swap`, split by value when several);
 * 3. what is left is an unmatched half. An outflow to (inflow from) a labelled exchange deposit
 *    address carries that account (`account`): the exchange's import may pair with it, and
 *    otherwise it is a transfer to (from) that account. Everything else waits for cross-chain
 *    matching and then review (or the user's rules and settings). No inflow becomes income here:
 *    income needs positive evidence (a decoder, the user's rule or decision).
 */
export const applyGenericRules = (
  tx: TxGroup,
  ctx: ClassifyContext,
  moves: readonly Movement[],
  subtype?: string,
) => {
  const reviews: ReviewDraft[] = [];
  const entries: Entry[] = [];
  const unmatched: UnmatchedHalf[] = [];
  const kinds = new Set<string>();
  // Nothing left to the rules (an approval, a decoded transaction): nothing found.
  if (moves.length === 0) return { entries, reviews, unmatched, kinds } satisfies GenericResult;
  const nets = netMovements(ctx, moves, reviews);

  // 1. transfers between the user's wallets within the transaction, on the chain's word (a pair
  // needs two nets: one net alone, most transactions' case, has none)
  const byAsset = new Map<string, Net[]>();
  if (nets.length > 1)
    for (const n of nets) {
      if (n.wallet.kind !== "own") continue;
      const list = byAsset.get(n.leg.asset);
      if (list) list.push(n);
      else byAsset.set(n.leg.asset, [n]);
    }
  for (const list of byAsset.values()) {
    // A pair needs an outflow and an inflow of the asset in two of the user's wallets.
    if (list.length < 2) continue;
    const outs = list
      .filter((n) => n.signed.isNeg())
      .sort((a, b) => a.wallet.key.localeCompare(b.wallet.key));
    const ins = list.filter((n) => n.signed.isPos()).sort((a, b) => a.wallet.key.localeCompare(b.wallet.key));
    // Directly: one wallet paid the other.
    for (const o of outs) {
      for (const i of ins) {
        const direct =
          lc(o.counterparties).has(i.wallet.address.toLowerCase()) ||
          lc(i.counterparties).has(o.wallet.address.toLowerCase());
        if (direct) pairNets(o, i, entries, kinds);
      }
    }
    // Through a contract that only forwards: what the user's wallets sent it equals what it paid them.
    const via = new Set([...outs.flatMap((o) => [...lc(o.counterparties)])]);
    for (const c of via) {
      const os = outs.filter((o) => !o.signed.isZero() && lc(o.counterparties).has(c));
      const is = ins.filter((i) => !i.signed.isZero() && lc(i.counterparties).has(c));
      if (os.length === 0 || is.length === 0) continue;
      const sent = os.reduce((a, o) => a.add(o.signed.neg()), new Decimal(0));
      const paid = is.reduce((a, i) => a.add(i.signed), new Decimal(0));
      if (!sent.eq(paid)) continue;
      for (const o of os) for (const i of is) pairNets(o, i, entries, kinds);
    }
  }

  // 2–3. per wallet
  const byWallet = new Map<string, Net[]>();
  for (const n of nets) {
    if (n.signed.isZero() || n.wallet.kind !== "own") continue;
    const list = byWallet.get(n.wallet.key);
    if (list) list.push(n);
    else byWallet.set(n.wallet.key, [n]);
  }
  for (const [walletKey, list] of byWallet) {
    const outs = list.filter((n) => n.signed.isNeg());
    const ins = list.filter((n) => n.signed.isPos());
    if (outs.length > 0 && ins.length > 0) {
      entries.push({
        kind: "trade",
        wallet: walletKey,
        outs: outs.map((n) => scaleLeg(n.leg, n.signed.neg())),
        ins: ins.map((n) => scaleLeg(n.leg, n.signed)),
        subtype: subtype ?? "swap",
      });
      kinds.add(subtype && subtype !== "swap" ? "defi" : "swap");
      if (outs.length > 1 && ins.length > 1) {
        reviews.push({
          reason: "complex_trade",
          message: `${walletKey} exchanged ${outs.length} assets for ${ins.length} assets; each pair is valued by share of value`,
        });
      }
      continue;
    }
    // Outs, then ins; each with the first counterparty that is a labelled exchange deposit address
    // as its account (the same keys, in the same order, as spreading the half and `{ account }`).
    for (const side of [outs, ins])
      for (const n of side) {
        const direction = n.signed.isNeg() ? "out" : "in";
        let exchange: WalletInfo | undefined;
        for (const c of n.counterparties) {
          const w = findWallet(ctx, tx.chain, c);
          if (w?.kind === "exchange") {
            exchange = w;
            break;
          }
        }
        const h = half(direction, n, n.signed.abs(), tx);
        if (exchange) h.account = exchange.key;
        unmatched.push(h);
      }
  }
  return { entries, reviews, unmatched, kinds } satisfies GenericResult;
};

/** `xs` lower-cased, as a set. */
const lc = (xs: Iterable<string>) => new Set([...xs].map((x) => x.toLowerCase()));

/** A transfer of what `o` sent and `i` received (the lesser), taken off both nets (`applyGenericRules` step 1). */
const pairNets = (o: Net, i: Net, entries: Entry[], kinds: Set<string>) => {
  if (o.signed.isZero() || i.signed.isZero()) return;
  const q = Decimal.min(o.signed.neg(), i.signed);
  entries.push({
    kind: "transfer",
    wallet: o.wallet.key,
    toWallet: i.wallet.key,
    outs: [scaleLeg(o.leg, q)],
    ins: [],
  });
  o.signed = o.signed.add(q);
  i.signed = i.signed.sub(q);
  kinds.add("self_transfer");
};

const half = (direction: "in" | "out", n: Net, q: Decimal, tx: TxGroup): UnmatchedHalf => ({
  direction,
  wallet: n.wallet,
  leg: scaleLeg(n.leg, q),
  counterparty: n.counterparties.values().next().value ?? null,
  chain: tx.chain,
  txHash: tx.txHash,
  time: tx.time,
  blockNumber: tx.blockNumber,
});

/**
 * Attaches each wallet's network fee to that wallet's first entry in the transaction (as the row's
 * `fee_*`), or makes it a standalone `fee` entry (approvals, failed transactions, calls that moved
 * nothing for the wallet). A Token-2022 transfer fee (`spl_fee`, in the token) is always its own
 * `fee` entry, subtype `transfer_fee`.
 */
export const attachFees = (
  tx: TxGroup,
  ctx: ClassifyContext,
  feeMoves: readonly Movement[],
  entries: Entry[],
  /** Subtype of a standalone fee when nothing more specific applies (a decoder's action, e.g. `wrap`). */
  actionSubtype?: string,
): string[] => {
  const kinds: string[] = [];
  const perWallet = new Map<string, Leg>();
  for (const m of feeMoves) {
    if (m.wallet.kind !== "own") continue;
    const leg = legOf(ctx, m);
    if (m.evidence === "spl_fee") {
      // A Token-2022 transfer fee, in the token itself: its own fee row (the network fee is SOL).
      entries.push({
        kind: "fee",
        wallet: m.wallet.key,
        outs: [],
        ins: [],
        fee: leg,
        subtype: "transfer_fee",
      });
      kinds.push("fee");
      continue;
    }
    const prev = perWallet.get(m.wallet.key);
    perWallet.set(m.wallet.key, prev ? { ...prev, quantity: prev.quantity.add(leg.quantity) } : leg);
  }
  for (const [wallet, leg] of perWallet) {
    if (leg.quantity.isZero()) continue;
    const target = entries.find((e) => e.wallet === wallet && e.kind !== "fee" && !e.fee);
    if (target) {
      target.fee = leg;
      continue;
    }
    const subtype =
      tx.status === "failed"
        ? "failed_tx"
        : tx.method?.toLowerCase().startsWith(APPROVE_SELECTOR)
          ? "approval"
          : (actionSubtype ?? "network_fee");
    entries.push({ kind: "fee", wallet, outs: [], ins: [], fee: leg, subtype });
    kinds.push("fee");
  }
  return kinds;
};
