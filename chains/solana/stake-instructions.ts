/**
 * Stake instructions of a `getTransaction` answer (pure, no web3.js: the transaction thread,
 * tx-thread.ts, reads them); stake.ts explains the stake account search.
 */
import { accountKeysOf, type RawInstruction, type SolanaTransactionResponse } from "./tx-json.ts";

export const STAKE_PROGRAM_ID = "Stake11111111111111111111111111111111111111";

type Authorities = { staker?: string; withdrawer?: string };

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The transaction's instructions in execution order: each top-level one, then its inner ones. */
const instructionsInOrder = (tx: SolanaTransactionResponse): RawInstruction[] => {
  const inner = new Map((tx.meta?.innerInstructions ?? []).map((i) => [i.index, i.instructions]));
  return tx.transaction.message.instructions.flatMap((ix, i) => [ix, ...(inner.get(i) ?? [])]);
};

/**
 * Stake and withdraw authorities of every stake account a successful `jsonParsed` transaction
 * sets or shows, as they stand after it (instructions applied in order). An authority the
 * transaction does not show stays undefined. `json`-encoded transactions show none (their
 * instructions are not parsed).
 */
export const stakeAuthoritiesOf = (tx: SolanaTransactionResponse): Map<string, Authorities> => {
  const out = new Map<string, Authorities>();
  if (tx.meta?.err) return out;
  const set = (account: string | undefined, a: Authorities) => {
    if (!account) return;
    const was = out.get(account) ?? {};
    out.set(account, {
      ...was,
      ...(a.staker ? { staker: a.staker } : {}),
      ...(a.withdrawer ? { withdrawer: a.withdrawer } : {}),
    });
  };
  for (const ix of instructionsInOrder(tx)) {
    if (ix.program !== "stake" || typeof ix.parsed !== "object" || ix.parsed === null) continue;
    const { type, info } = ix.parsed as { type?: string; info?: Record<string, unknown> };
    if (!info) continue;
    const account = str(info.stakeAccount);
    switch (type) {
      case "initialize": {
        const auth = (info.authorized ?? {}) as Record<string, unknown>;
        set(account, { staker: str(auth.staker), withdrawer: str(auth.withdrawer) });
        break;
      }
      case "initializeChecked":
        set(account, { staker: str(info.staker), withdrawer: str(info.withdrawer) });
        break;
      case "authorize":
      case "authorizeChecked":
      case "authorizeWithSeed":
      case "authorizeCheckedWithSeed": {
        const next = str(info.newAuthority) ?? str(info.newAuthorized);
        set(account, info.authorityType === "Withdrawer" ? { withdrawer: next } : { staker: next });
        break;
      }
      case "delegate":
      case "deactivate":
        set(account, { staker: str(info.stakeAuthority) });
        break;
      case "withdraw":
        set(account, { withdrawer: str(info.withdrawAuthority) });
        break;
      case "split": {
        set(account, { staker: str(info.stakeAuthority) });
        // A split account starts with its source's authorities.
        set(str(info.newSplitAccount), out.get(account ?? "") ?? {});
        break;
      }
      default:
        break;
    }
  }
  return out;
};

/** Stake accounts `wallet` is the stake or withdraw authority of after `tx`. */
export const stakeAccountsControlledIn = (tx: SolanaTransactionResponse, wallet: string): string[] =>
  [...stakeAuthoritiesOf(tx)]
    .filter(([, a]) => a.staker === wallet || a.withdrawer === wallet)
    .map(([account]) => account)
    .sort();

/** Whether a transaction involves the stake program at all (cheap pre-filter). */
export const touchesStakeProgram = (tx: SolanaTransactionResponse): boolean =>
  accountKeysOf(tx).includes(STAKE_PROGRAM_ID);
