import { PublicKey } from "@solana/web3.js";
import type { DbOrTx } from "../../db/client.ts";
import { getCursor, saveTransactionsWithMovements, setCursor } from "../store.ts";
import { isMethodUnsupported, RpcProviderError } from "../transport.ts";
import { SOL_DECIMALS } from "./normalize.ts";
import { call, getBlockTime, type SolanaRpc } from "./rpc.ts";
import {
  findStakeAccounts,
  loadStakeAccounts,
  rememberStakeAccounts,
  type StakeAccountRef,
} from "./stake.ts";

/**
 * Staking rewards: the protocol credits inflation rewards to stake accounts at each epoch
 * boundary with no transaction, so `getSignaturesForAddress` never shows them. `getInflationReward`
 * per epoch does: `{ epoch, effectiveSlot, amount, postBalance, commission }` (lamports), or null
 * when the account earned nothing that epoch.
 *
 * Each reward becomes a synthetic transaction of the stake account's wallet, `reward:<account>:<epoch>`,
 * at the effective slot and its block time, with one movement: evidence `staking_reward`, index
 * `epoch`, asset `solana:native`, the reward in lamports. Classification (decoders/rebase) makes it
 * `income` (subtype `staking`) at that time's price. A cursor per account
 * (`solana:rewards:<account>`) remembers the last epoch asked, so later syncs ask only new epochs.
 */

export type InflationReward = {
  epoch: number;
  effectiveSlot: number;
  /** Lamports. */
  amount: bigint;
  /** Lamports after the reward. */
  postBalance: bigint;
  commission: number | null;
};

const safe = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

/**
 * `getInflationReward` for `accounts` at `epoch`, validated (exact integers, the epoch asked).
 * @throws RpcProviderError on an answer of the wrong length, epoch or number type.
 */
export const getInflationRewards = async (
  rpc: SolanaRpc,
  accounts: readonly string[],
  epoch: number,
): Promise<(InflationReward | null)[]> => {
  const answer = await rpc.connection.getInflationReward(
    accounts.map((a) => new PublicKey(a)),
    epoch,
    rpc.commitment,
  );
  if (!Array.isArray(answer) || answer.length !== accounts.length) {
    throw new RpcProviderError(
      `${rpc.chain} RPC getInflationReward epoch ${epoch}: expected ${accounts.length} answers`,
    );
  }
  return answer.map((r, i) => {
    if (r === null) return null;
    if (!safe(r.amount) || !safe(r.postBalance) || !safe(r.effectiveSlot) || r.epoch !== epoch) {
      throw new RpcProviderError(
        `${rpc.chain} RPC getInflationReward ${accounts[i]} epoch ${epoch}: malformed reward ${JSON.stringify(r)}`,
      );
    }
    return {
      epoch,
      effectiveSlot: r.effectiveSlot,
      amount: BigInt(r.amount),
      postBalance: BigInt(r.postBalance),
      commission: r.commission ?? null,
    };
  });
};

/**
 * Asks `getInflationReward` for `account` for every epoch in [fromEpoch, toEpoch] not asked yet
 * and stores each reward as a synthetic transaction of wallet `walletId` (see the module comment).
 * Idempotent: a reward's row is keyed by account and epoch.
 * @returns the rewards stored by this call.
 */
export const syncStakingRewards = async (args: {
  db: DbOrTx;
  rpc: SolanaRpc;
  chain: string;
  walletId: number;
  /** The stake account (the wallet itself, or one it controls). */
  account: string;
  fromEpoch: number;
  toEpoch: number;
}): Promise<InflationReward[]> => {
  const { db, rpc, chain, walletId, account } = args;
  const source = `solana:rewards:${account}`;
  const cursor = await getCursor<{ epoch: number }>(db, walletId, source);
  const first = Math.max(args.fromEpoch, cursor ? cursor.epoch + 1 : args.fromEpoch);
  const found: InflationReward[] = [];
  for (let epoch = first; epoch <= args.toEpoch; epoch++) {
    const [reward] = await getInflationRewards(rpc, [account], epoch);
    if (reward && reward.amount > 0n) {
      const seconds = await getBlockTime(rpc, reward.effectiveSlot);
      if (seconds === null) {
        throw new RpcProviderError(
          `${chain} RPC getBlockTime ${reward.effectiveSlot}: no time for epoch ${epoch}'s reward slot`,
        );
      }
      const time = new Date(seconds * 1000);
      const txHash = `reward:${account}:${epoch}`;
      await saveTransactionsWithMovements(
        db,
        [
          {
            walletId,
            chain,
            txHash,
            blockNumber: BigInt(reward.effectiveSlot),
            time,
            from: null,
            to: account,
            status: "success",
            method: "inflation_reward",
            final: true,
            details: {
              kind: "staking_reward",
              epoch,
              postBalance: reward.postBalance.toString(),
              commission: reward.commission,
            },
          },
        ],
        [
          {
            walletId,
            chain,
            txHash,
            evidence: "staking_reward",
            evidenceIndex: "epoch",
            blockNumber: BigInt(reward.effectiveSlot),
            time,
            asset: `${chain}:native`,
            symbol: "SOL",
            decimals: SOL_DECIMALS,
            amount: reward.amount,
            counterparty: null,
            final: true,
          },
        ],
      );
      found.push(reward);
    }
    await setCursor(db, { walletId, source, chain, position: { epoch } });
  }
  return found;
};

export type StakingSyncResult = {
  /** Stake accounts the wallet controls (remembered across syncs). */
  accounts: number;
  /** Rewards stored by this sync. */
  rewards: number;
  /** Last epoch whose rewards can exist (the current epoch − 1). */
  throughEpoch?: number | undefined;
};

/**
 * Staking rewards of one wallet: remembers the stake accounts `found` (from the wallet's stake
 * instructions) and those `getProgramAccounts` lists for it (when the node offers the method),
 * then asks `getInflationReward` for every remembered account from its activation epoch (else the
 * epoch of the first transaction that showed it) through the last finished epoch, or its
 * deactivation epoch, whichever is earlier. Epochs already asked are skipped (per-account cursor).
 * An account whose start epoch is unknown is asked from the current epoch on (and logged).
 */
export const syncWalletStaking = async (args: {
  db: DbOrTx;
  rpc: SolanaRpc;
  chain: string;
  walletId: number;
  wallet: string;
  /** Stake accounts seen in the wallet's transactions during this sync. */
  found: readonly StakeAccountRef[];
  onUnsupported?: (method: string) => void;
  onProgress?: (detail: string) => void;
}): Promise<StakingSyncResult> => {
  const { db, rpc, chain, walletId } = args;
  let listed: StakeAccountRef[] = [];
  try {
    listed = await findStakeAccounts(rpc, args.wallet);
  } catch (error) {
    if (!isMethodUnsupported(error)) throw error;
    args.onUnsupported?.("getProgramAccounts");
  }
  await rememberStakeAccounts(db, { walletId, chain, refs: [...args.found, ...listed] });
  const accounts = await loadStakeAccounts(db, walletId);
  if (accounts.length === 0) return { accounts: 0, rewards: 0 };
  const schedule = await call(rpc, "getEpochSchedule", () => rpc.connection.getEpochSchedule());
  const info = await call(rpc, "getEpochInfo", () => rpc.connection.getEpochInfo(rpc.commitment));
  const last = info.epoch - 1;
  let rewards = 0;
  for (const ref of accounts) {
    const from =
      ref.activationEpoch ?? (ref.firstSlot !== undefined ? schedule.getEpoch(ref.firstSlot) : info.epoch);
    const to = Math.min(last, ref.deactivationEpoch ?? last);
    if (from > to) continue;
    args.onProgress?.(`staking rewards of ${ref.account}, epochs ${from}–${to}`);
    const stored = await syncStakingRewards({
      db,
      rpc,
      chain,
      walletId,
      account: ref.account,
      fromEpoch: from,
      toEpoch: to,
    });
    rewards += stored.length;
  }
  return { accounts: accounts.length, rewards, throughEpoch: last };
};
