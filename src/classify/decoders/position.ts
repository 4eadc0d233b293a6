import { Decimal } from "../../utils/decimal.ts";
import { addToPosition, type ClassifyContext, legOf, positionBalance, scaleLeg } from "../context.ts";
import { FEE_EVIDENCE } from "../rules.ts";
import type { Entry, Movement, TxGroup } from "../types.ts";
import type { DecodeResult } from "./types.ts";

/** Protocols whose deposits can be modelled as position accounts. */
export const POSITION_PROTOCOLS = ["aave-v3", "lido", "uniswap-v2"] as const;

/** True for a ledger wallet string made by `positionAccount`. */
export const isPositionAccount = (wallet: string | undefined): boolean =>
  wallet !== undefined && POSITION_PROTOCOLS.some((p) => wallet.startsWith(`${p}:`));

/** The ledger account standing for a wallet's position in a protocol. */
export const positionAccount = (protocol: string, id: string | undefined, walletKey: string): string =>
  `${protocol}:${id ? `${id}@` : ""}${walletKey}`;

/**
 * The non-taxable position model shared by lending, staking and liquidity decoders: a deposit
 * moves the wallet's tokens into a position account by `transfer` (lots and basis carry over);
 * the receipt token (aToken, LP token, stETH) is ignored because the position account stands for
 * it; a withdrawal moves tokens back, and anything beyond what the position held is income
 * (`interest`) recognized in the position account at that moment.
 */
export const positionEntries = (
  tx: TxGroup,
  ctx: ClassifyContext,
  args: {
    protocol: string;
    /** Position id within the protocol (pair, pool); omitted for one position per wallet. */
    account?: string | undefined;
    receipts: readonly Movement[];
    deposit: boolean;
    /** Subtype of income beyond the principal. @defaultValue interest */
    incomeSubtype?: string;
  },
): DecodeResult => {
  const receiptSet = new Set(args.receipts);
  const entries: Entry[] = [];
  const consumed: Movement[] = [];
  const wallets = new Set(args.receipts.map((m) => m.wallet.key));
  for (const m of tx.movements) {
    if (receiptSet.has(m) || FEE_EVIDENCE.has(m.evidence) || !wallets.has(m.wallet.key)) continue;
    if (m.wallet.kind !== "own") continue;
    const leg = legOf(ctx, m);
    const account = positionAccount(args.protocol, args.account, m.wallet.key);
    if (args.deposit && m.amount < 0n) {
      entries.push({
        kind: "transfer",
        wallet: m.wallet.key,
        toWallet: account,
        outs: [leg],
        ins: [],
        subtype: "deposit",
      });
      addToPosition(ctx, account, leg.asset, leg.quantity);
      consumed.push(m);
    } else if (!args.deposit && m.amount > 0n) {
      const held = positionBalance(ctx, account, leg.asset);
      const excess = leg.quantity.sub(Decimal.max(held, 0));
      if (excess.gt(0)) {
        entries.push({
          kind: "trade",
          wallet: account,
          outs: [],
          ins: [scaleLeg(leg, excess)],
          subtype: args.incomeSubtype ?? "interest",
        });
      }
      entries.push({
        kind: "transfer",
        wallet: account,
        toWallet: m.wallet.key,
        outs: [leg],
        ins: [],
        subtype: "withdrawal",
      });
      addToPosition(ctx, account, leg.asset, Decimal.min(leg.quantity, Decimal.max(held, 0)).neg());
      consumed.push(m);
    }
  }
  return {
    action: `${args.protocol}:${args.deposit ? "deposit" : "withdrawal"}`,
    subtype: args.deposit ? "deposit" : "withdrawal",
    consumed,
    ignored: args.receipts,
    entries,
  };
};
