import { Decimal } from "../../../utils/decimal.ts";
import { addToPosition, legOf } from "../../context.ts";
import type { Entry, ReviewDraft, UnmatchedHalf } from "../../types.ts";
import { positionAccount } from "../position.ts";
import type { Decoder } from "../types.ts";

/** Movement evidence of balance changes without a transfer (chains/evm/rebase.ts). */
export const REBASE_EVIDENCE = "rebase";
/** Movement evidence of Solana inflation rewards (chains/solana/rewards.ts). */
export const STAKING_REWARD_EVIDENCE = "staking_reward";
const EVIDENCE = new Set([REBASE_EVIDENCE, STAKING_REWARD_EVIDENCE]);
/** Review reason of a balance that fell with no transfer (a negative rebase, a slashing). */
export const NEGATIVE_REBASE = "negative_rebase";

/**
 * Income that moves balances without a transfer: the daily `rebase` rows the EVM worker samples
 * for stETH-style rebasing tokens and Aave aTokens (chains/evm/rebase.ts). Positive evidence: the
 * token's own balance grew beyond what its transfers explain.
 *
 * Policy `classify.rebasingIncome`:
 * - `accrued` (default): each day's growth is `income` at that day's price — subtype `staking`
 *   for a staking token (stETH), `interest` for an aToken (the row's `from` names its underlying
 *   asset). With `classify.lending: nontaxable` the aToken stands for the position account
 *   `aave-v3:<wallet>`, so the interest is income there, in the underlying asset, and a later
 *   withdrawal only counts as interest what was not accrued yet.
 * - `on-withdrawal`: no income now; the rows are kept as facts (the balance check names them) and
 *   Aave interest is recognized when withdrawn, as before.
 *
 * A negative change (a slashing or a negative rebase) is not income: it goes to review.
 *
 * Solana inflation rewards (`staking_reward` rows, one per stake account and epoch) are `income`
 * (subtype `staking`) when credited, whatever the policy: the stake account's owner can withdraw
 * them (dominion and control, Rev. Rul. 2023-14).
 */
export const rebaseDecoder: Decoder = {
  protocol: "rebase",
  addresses: () => [],
  recognizes: (tx) => tx.movements.length > 0 && tx.movements.every((m) => EVIDENCE.has(m.evidence)),
  decode: (tx, ctx) => {
    const reward = tx.movements.every((m) => m.evidence === STAKING_REWARD_EVIDENCE);
    if (!reward && ctx.settings.rebasingIncome === "on-withdrawal") {
      return { action: "rebase:deferred", subtype: "rebase", ignored: tx.movements };
    }
    const entries: Entry[] = [];
    const reviews: ReviewDraft[] = [];
    const consumed = [];
    const negative: UnmatchedHalf[] = [];
    for (const m of tx.movements) {
      if (m.wallet.kind !== "own") continue;
      consumed.push(m);
      const leg = legOf(ctx, m, reviews);
      if (m.amount < 0n) {
        reviews.push({
          reason: NEGATIVE_REBASE,
          message: `${leg.symbol} balance fell by ${leg.quantity.toFixed()} with no transfer (a negative rebase or slashing): decide how to record it`,
        });
        // The user's decision (`review set … --as spend`, say) records the units that left.
        negative.push({
          direction: "out",
          wallet: m.wallet,
          leg,
          counterparty: null,
          chain: tx.chain,
          txHash: tx.txHash,
          time: tx.time,
          blockNumber: tx.blockNumber,
        });
        continue;
      }
      const underlying = reward ? null : tx.from;
      if (underlying && ctx.settings.lending === "nontaxable") {
        // The aToken is the Aave position: the interest accrues in the position account, in the underlying.
        const account = positionAccount("aave-v3", undefined, m.wallet.key);
        const inner = legOf(ctx, { ...m, chainAsset: `${m.chain}:${underlying}`, symbol: null });
        const q = new Decimal(leg.quantity);
        entries.push({
          kind: "trade",
          wallet: account,
          outs: [],
          ins: [{ ...inner, quantity: q }],
          subtype: "interest",
        });
        addToPosition(ctx, account, inner.asset, q);
      } else {
        entries.push({
          kind: "trade",
          wallet: m.wallet.key,
          outs: [],
          ins: [leg],
          subtype: underlying ? "interest" : "staking",
        });
      }
    }
    const decidable = negative.length > 0 ? { halves: negative, reason: NEGATIVE_REBASE } : undefined;
    return reward
      ? { action: "staking:reward", subtype: "staking", consumed, entries, reviews, decidable }
      : { action: "rebase:accrued", subtype: "rebase", consumed, entries, reviews, decidable };
  },
};
