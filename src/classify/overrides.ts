import type { Entry, ReviewDraft, UnmatchedHalf } from "./types.ts";

/**
 * A user's decision about uncertain movements. Per transaction (`lotwise review set`) or as a rule
 * (`lotwise review rule`) matching halves by counterparty, asset, chain or direction. Stored in
 * `lotwise_app.overrides`, they survive re-syncs because they key on chain data, not row ids.
 */
export type OverrideAction = {
  /**
   * - `spend` / `sell`: outflows leave as that (inflows of the same transaction become income);
   * - `gift`: outflows leave as a gift; inflows are a gift received (from `gift:<chain>:<sender>`,
   *   no income, no basis);
   * - `income`: inflows are income (subtype from `subtype`, default `income`);
   * - `transfer`: outflows go to `to` (an account of yours, e.g. `coinbase:main`), inflows come from it;
   * - `ignore`: the transaction is left out of the ledger on purpose; `spam`: likewise, listed as spam.
   */
  as: "spend" | "sell" | "gift" | "income" | "transfer" | "ignore" | "spam";
  to?: string | undefined;
  subtype?: string | undefined;
  note?: string | undefined;
};

export type OverrideRule = {
  id: number;
  /** Matches when every given field matches (addresses case-insensitive). */
  match: { counterparty?: string; asset?: string; chain?: string; direction?: "in" | "out" };
  action: OverrideAction;
};

/**
 * Whether an action can decide a half of this direction. `income` decides inflows only: taken for
 * an outflow it would make no row, and a disposal would vanish from the ledger with its review
 * item. Such a half stays undecided (matched or reviewed) instead.
 */
export const actionApplies = (action: OverrideAction, direction: UnmatchedHalf["direction"]): boolean =>
  action.as !== "income" || direction === "in";

export const ruleMatches = (rule: OverrideRule, h: UnmatchedHalf): boolean => {
  const m = rule.match;
  if (!actionApplies(rule.action, h.direction)) return false;
  if (m.direction && m.direction !== h.direction) return false;
  if (m.chain && m.chain !== h.chain) return false;
  if (m.asset && m.asset !== h.leg.asset && m.asset.toLowerCase() !== h.leg.chainAsset.toLowerCase())
    return false;
  if (m.counterparty && m.counterparty.toLowerCase() !== (h.counterparty ?? "").toLowerCase()) return false;
  return Object.keys(m).length > 0;
};

/** The entry an action makes of an unmatched half, or undefined for `ignore`/`spam`. */
export const entryForHalf = (h: UnmatchedHalf, action: OverrideAction): Entry | undefined => {
  const base = { subtype: action.subtype, note: action.note };
  switch (action.as) {
    case "ignore":
    case "spam":
      return undefined;
    case "transfer": {
      const other = action.to ?? "external";
      return h.direction === "out"
        ? { kind: "transfer", wallet: h.wallet.key, toWallet: other, outs: [h.leg], ins: [], ...base }
        : { kind: "transfer", wallet: other, toWallet: h.wallet.key, outs: [h.leg], ins: [], ...base };
    }
    case "income":
      return h.direction === "in"
        ? {
            kind: "trade",
            wallet: h.wallet.key,
            outs: [],
            ins: [h.leg],
            ...base,
            subtype: action.subtype ?? "income",
          }
        : undefined;
    case "gift":
      // A gift received is not income (IRC 102): the donee takes the donor's basis and holding
      // period (IRC 1015, 1223(2)), which the chain does not show. It arrives as a transfer from
      // the donor's account, so its units carry no basis: the tax engine books them at basis 0
      // with a `missing_basis` warning naming the row, never as ordinary income.
      return h.direction === "out"
        ? { kind: "gift", wallet: h.wallet.key, outs: [h.leg], ins: [], ...base }
        : {
            kind: "transfer",
            wallet: `gift:${h.chain}:${h.counterparty ?? "unknown"}`,
            toWallet: h.wallet.key,
            outs: [h.leg],
            ins: [],
            subtype: action.subtype ?? "gift_received",
            note:
              action.note ??
              "gift received: not income; its basis is the donor's (IRC 1015), which lotwise does not know, so it arrives with basis 0 (missing_basis) until you record it",
          };
    case "spend":
    case "sell":
      return h.direction === "out"
        ? { kind: "trade", wallet: h.wallet.key, outs: [h.leg], ins: [], sell: action.as === "sell", ...base }
        : {
            kind: "trade",
            wallet: h.wallet.key,
            outs: [],
            ins: [h.leg],
            ...base,
            subtype: action.subtype ?? "income",
          };
  }
};

/** Review text for an unmatched half nobody decided on. */
export const reviewForHalf = (h: UnmatchedHalf): ReviewDraft =>
  h.direction === "out"
    ? {
        reason: "unmatched_outflow",
        message:
          `${h.wallet.key} sent ${h.leg.quantity.toFixed()} ${h.leg.symbol} to ${h.counterparty ?? "an unknown address"} ` +
          "and no wallet of yours received it: a payment (spend), a gift, or a wallet you have not added? " +
          "It is not in the ledger until you decide (lotwise review set).",
      }
    : {
        reason: "unmatched_inflow",
        message:
          `${h.wallet.key} received ${h.leg.quantity.toFixed()} ${h.leg.symbol} from ${h.counterparty ?? "an unknown address"}: ` +
          "income (airdrop, reward, payment), a gift, or coins from an account of yours? " +
          "Until you decide it has no basis: selling it reports a missing basis.",
      };
