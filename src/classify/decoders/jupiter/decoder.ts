import type { ClassifyContext } from "../../context.ts";
import { legOf } from "../../context.ts";
import type { Entry, Movement, TxGroup } from "../../types.ts";
import type { DecodeResult, Decoder } from "../types.ts";
import { JUPITER_PROGRAMS } from "./constants.ts";

/**
 * Jupiter on Solana. Aggregator swaps are ordinary swaps from the wallet's point of view (the
 * generic rule values them); this decoder names them.
 *
 * Limit orders (v1, v2) and DCA keep the user's tokens in an escrow account owned by the order
 * (or DCA) account; a keeper fills the order later, in a transaction the user does not sign. The
 * escrow's changes are read from the raw transaction (`TxGroup.escrow`, escrow.ts), attributed to
 * the wallet the program's instruction lists beside the order account (the maker):
 * - a deposit into the escrow (the wallet's tokens out, the same amount into the escrow) and a
 *   refund from it (a cancel) are not disposals: the tokens stay the user's; no ledger row;
 * - a fill is the user's trade, not income: what left the escrow (the order's input token) for
 *   what the wallet received, one `swap` row in the wallet (lots of the input come from the wallet,
 *   where the deposit left them);
 * - what the escrow explains nothing of (rent lamports of the order account, a DCA whose output
 *   waits in its escrow) goes through the generic rules as before (review).
 */

const orderAction = (tx: TxGroup, ctx: ClassifyContext, action: string, subtype: string): DecodeResult => {
  const consumed: Movement[] = [];
  const entries: Entry[] = [];
  const wallets = ctx.wallets.filter((w) => w.kind === "own" && w.chain === tx.chain);
  for (const w of wallets) {
    const escrow = (tx.escrow ?? []).filter((e) => e.parties.includes(w.address) && e.owner !== w.address);
    if (escrow.length === 0) continue;
    const byMint = new Map<string, { amount: bigint; decimals: number }>();
    for (const e of escrow) {
      const was = byMint.get(e.mint) ?? { amount: 0n, decimals: e.decimals };
      was.amount += e.amount;
      byMint.set(e.mint, was);
    }
    const mine = tx.movements.filter((m) => m.wallet.key === w.key && m.evidence === "spl");
    // Deposits and refunds: the wallet's change and the escrow's cancel out.
    for (const m of mine) {
      const mint = m.chainAsset.slice(m.chain.length + 1);
      const e = byMint.get(mint);
      if (e && e.amount + m.amount === 0n) {
        consumed.push(m);
        byMint.delete(mint);
      }
    }
    // A fill: the escrow paid the input, the wallet received the output. The fee payer of a fill
    // is the keeper (taker) that executes it, never the maker whose escrow paid: what it receives
    // (its fee, route dust) goes through the generic rules.
    const paid = w.address === tx.feePayer ? [] : [...byMint].filter(([, e]) => e.amount < 0n);
    const received = mine.filter((m) => !consumed.includes(m) && m.amount > 0n);
    if (paid.length === 0 || received.length === 0) continue;
    const outs = paid.map(([mint, e]) =>
      legOf(ctx, {
        ...received[0]!,
        evidence: "escrow",
        evidenceIndex: mint,
        chainAsset: `${tx.chain}:${mint}`,
        symbol: null,
        decimals: e.decimals,
        amount: e.amount,
        counterparty: null,
      }),
    );
    entries.push({
      kind: "trade",
      wallet: w.key,
      outs,
      ins: received.map((m) => legOf(ctx, m)),
      subtype: "swap",
      note: `${subtype === "jupiter_dca" ? "Jupiter DCA" : "Jupiter limit order"} fill, paid from the order's escrow`,
    });
    consumed.push(...received);
  }
  return { action, subtype, consumed, entries };
};

export const jupiterDecoder: Decoder = {
  protocol: "jupiter",
  addresses: () => Object.values(JUPITER_PROGRAMS),
  decode: (tx, ctx) => {
    const p = new Set(tx.programIds);
    if (p.has(JUPITER_PROGRAMS.dca)) return orderAction(tx, ctx, "jupiter:dca", "jupiter_dca");
    if (p.has(JUPITER_PROGRAMS.limitOrder) || p.has(JUPITER_PROGRAMS.limitOrderV2)) {
      return orderAction(tx, ctx, "jupiter:limit_order", "jupiter_limit");
    }
    if (p.has(JUPITER_PROGRAMS.aggregatorV6)) return { action: "jupiter:swap", subtype: "swap" };
    return undefined;
  },
};
