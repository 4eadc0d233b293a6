import { type ClassifyContext, findWallet, legOf } from "./context.ts";
import { FEE_EVIDENCE } from "./rules.ts";
import type { Entry, Leg, Movement, TxGroup } from "./types.ts";

export type TradeCosts = Map<string, { leg: Leg; recipient: string }[]>;

/**
 * Costs paid to third parties inside a trade (a trading bot's or front end's fee, a tip): on
 * Solana, a top-level system transfer from one of the user's wallets to an address that is not
 * the user's, in a transaction where that wallet trades (gives one asset and gets another). Its
 * lamports are part of the wallet's net SOL movement; left there, the cost would vanish into the
 * trade's amounts (a sale would seem to bring in less, a purchase to cost more). They are taken
 * out of the SOL movement and returned per wallet, to be itemized as the trade's fee.
 */
export const extractTradeCosts = (
  tx: TxGroup,
  ctx: ClassifyContext,
  moves: readonly Movement[],
): { moves: Movement[]; costs: TradeCosts } => {
  const costs: TradeCosts = new Map();
  let out = [...moves];
  for (const sp of tx.sidePayments ?? []) {
    const payer = findWallet(ctx, tx.chain, sp.from);
    if (payer?.kind !== "own" || sp.lamports <= 0n) continue;
    const payee = findWallet(ctx, tx.chain, sp.to);
    if (payee) continue; // to one of the user's wallets or exchange accounts: a transfer, not a cost
    const mine = out.filter((m) => m.wallet.key === payer.key && !FEE_EVIDENCE.has(m.evidence));
    const sol = mine.find((m) => m.evidence === "sol");
    const template = sol ?? moves.find((m) => m.wallet.key === payer.key && m.evidence === "sol_fee");
    if (!template) continue;
    const adjusted = (sol?.amount ?? 0n) + sp.lamports;
    const others = mine.filter((m) => m !== sol);
    const gives = others.some((m) => m.amount < 0n) || adjusted < 0n;
    const gets = others.some((m) => m.amount > 0n) || adjusted > 0n;
    if (!gives || !gets) continue; // not a trade: the transfer is an ordinary outflow
    const replacement: Movement = {
      ...template,
      evidence: "sol",
      evidenceIndex: sol?.evidenceIndex ?? "net",
      amount: adjusted,
      counterparty: sol?.counterparty ?? null,
    };
    out = out.filter((m) => m !== sol);
    if (adjusted !== 0n) out.push(replacement);
    const leg = legOf(ctx, { ...template, evidence: "sol", amount: -sp.lamports });
    costs.set(payer.key, [...(costs.get(payer.key) ?? []), { leg, recipient: sp.to }]);
  }
  return { moves: out, costs };
};

/** Puts each wallet's costs on its trade entry in the transaction (the first trade with both sides). */
export const attachTradeCosts = (entries: Entry[], costs: TradeCosts): void => {
  for (const [wallet, list] of costs) {
    const trade =
      entries.find(
        (e) => e.kind === "trade" && e.wallet === wallet && e.outs.length > 0 && e.ins.length > 0,
      ) ?? entries.find((e) => e.wallet === wallet && e.kind !== "fee");
    if (trade) trade.costs = [...(trade.costs ?? []), ...list];
    else entries.push({ kind: "fee", wallet, outs: [], ins: [], subtype: "trade_cost", costs: list });
  }
};
