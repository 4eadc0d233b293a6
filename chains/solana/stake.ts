import { PublicKey } from "@solana/web3.js";
import { and, eq, like } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { cursors } from "../../db/schema/index.ts";
import { getCursor, setCursor } from "../store.ts";
import { RpcProviderError } from "../transport.ts";
import { call, type SolanaRpc } from "./rpc.ts";
import { STAKE_PROGRAM_ID } from "./stake-instructions.ts";

/**
 * Stake accounts a wallet controls. Rewards are credited to stake accounts, not to the wallet, so
 * the sync has to know them. Two sources, both kept:
 * - the wallet's own transactions: stake program instructions (`jsonParsed`) that name the wallet
 *   as an account's stake or withdraw authority (`initialize`, `initializeChecked`, `authorize`,
 *   `authorizeChecked`, `delegate`, `split` into a new account, `withdraw`, `deactivate`);
 * - `getProgramAccounts` on the stake program with a `memcmp` filter on the staker (offset 12)
 *   and on the withdrawer (offset 44) field: the accounts the wallet controls now, with their
 *   delegation's activation and deactivation epochs.
 * Each account found is remembered in a cursor `solana:stake:<account>` of the wallet (`StakeAccountRef`).
 */

/** Byte offsets of `Meta.authorized.staker` / `.withdrawer` in a stake account (after the 4-byte state tag and 8-byte rent reserve). */
const STAKER_OFFSET = 12;
const WITHDRAWER_OFFSET = 44;
/** `u64::MAX` as the node prints it: "never deactivated". */
const NEVER = "18446744073709551615";

export type StakeAccountRef = {
  account: string;
  /** Epoch the delegation became active (rewards are asked from here), when known. */
  activationEpoch?: number | undefined;
  /** Epoch it was deactivated (no rewards after), when it was. */
  deactivationEpoch?: number | undefined;
  /** Slot of the first transaction that showed the wallet controlling it (when found that way). */
  firstSlot?: number | undefined;
  /** How it was found: `tx` (a stake instruction of the wallet) or `program_accounts`. */
  via: "tx" | "program_accounts";
};

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

const epochOf = (v: unknown): number | undefined => {
  const s = typeof v === "number" ? String(v) : str(v);
  if (s === undefined || s === NEVER || !/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
};

/**
 * The stake accounts whose staker or withdrawer is `wallet` now (`getProgramAccounts`, parsed),
 * with their delegation epochs.
 * @throws RpcProviderError when the node lists an account that `wallet` does not control.
 */
export const findStakeAccounts = async (rpc: SolanaRpc, wallet: string): Promise<StakeAccountRef[]> => {
  const found = new Map<string, StakeAccountRef>();
  for (const offset of [STAKER_OFFSET, WITHDRAWER_OFFSET]) {
    const list = await call(rpc, "getProgramAccounts", () =>
      rpc.connection.getParsedProgramAccounts(new PublicKey(STAKE_PROGRAM_ID), {
        commitment: rpc.commitment,
        filters: [{ memcmp: { offset, bytes: wallet } }],
      }),
    );
    for (const { pubkey, account } of list) {
      const address = pubkey.toBase58();
      const parsed = (account.data as { parsed?: { info?: Record<string, unknown> } }).parsed;
      const info = parsed?.info ?? {};
      const auth = ((info.meta as Record<string, unknown> | undefined)?.authorized ?? {}) as Record<
        string,
        unknown
      >;
      if (auth.staker !== wallet && auth.withdrawer !== wallet) {
        throw new RpcProviderError(
          `${rpc.chain} RPC getProgramAccounts: stake account ${address} is not controlled by ${wallet}`,
        );
      }
      const delegation = ((info.stake as Record<string, unknown> | undefined)?.delegation ?? {}) as Record<
        string,
        unknown
      >;
      found.set(address, {
        account: address,
        activationEpoch: epochOf(delegation.activationEpoch),
        deactivationEpoch: epochOf(delegation.deactivationEpoch),
        via: "program_accounts",
      });
    }
  }
  return [...found.values()].sort((a, b) => a.account.localeCompare(b.account));
};

/** Cursor source of a remembered stake account. */
export const stakeSource = (account: string) => `solana:stake:${account}`;

/**
 * Remembers `refs` for the wallet (cursor `solana:stake:<account>`), merging with what is known:
 * the earliest activation / first slot and the latest deactivation win.
 */
export const rememberStakeAccounts = async (
  db: DbOrTx,
  args: { walletId: number; chain: string; refs: readonly StakeAccountRef[] },
): Promise<void> => {
  for (const ref of args.refs) {
    const source = stakeSource(ref.account);
    const was = await getCursor<StakeAccountRef>(db, args.walletId, source);
    const min = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
    const next: StakeAccountRef = {
      account: ref.account,
      activationEpoch: min(was?.activationEpoch, ref.activationEpoch),
      deactivationEpoch: ref.deactivationEpoch ?? was?.deactivationEpoch,
      firstSlot: min(was?.firstSlot, ref.firstSlot),
      via: was?.via ?? ref.via,
    };
    await setCursor(db, { walletId: args.walletId, source, chain: args.chain, position: next });
  }
};

/** The stake accounts remembered for a wallet, by account. */
export const loadStakeAccounts = async (db: DbOrTx, walletId: number): Promise<StakeAccountRef[]> => {
  const rows = await db
    .select({ position: cursors.position })
    .from(cursors)
    .where(and(eq(cursors.walletId, walletId), like(cursors.source, "solana:stake:%")));
  return rows.map((r) => r.position as StakeAccountRef).sort((a, b) => a.account.localeCompare(b.account));
};
