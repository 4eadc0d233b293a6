import { readFileSync } from "node:fs";
import path from "node:path";
import { PublicKey } from "@solana/web3.js";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { cursors, ledgerRows, movements, transactions } from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { upsertWallet } from "../../db/wallets.ts";
import { createAssetIdentity } from "../../src/assets/identity.ts";
import { buildLedger } from "../../src/books/build.ts";
import { DEFAULT_CLASSIFY_SETTINGS } from "../../src/classify/settings.ts";
import { createTestDatabase } from "../../test/services.ts";
import {
  type ReplayServer,
  recordedTransaction,
  SOLANA_FIXTURES,
  startSolanaReplay,
} from "../../test/solana-replay.ts";
import { replaySyncArgs } from "../../test/solana-sync-args.ts";
import { stakeAccountsControlledIn, stakeAuthoritiesOf } from "./stake-instructions.ts";
import { syncSolanaWallet } from "./sync.ts";

/**
 * Stake accounts a wallet controls, and their rewards in the sync.
 *
 * - From transactions: a recorded mainnet Jupiter v6 swap through a stake pool
 *   (3LF4ABXf…, jupiter-instruction-parser) splits and re-authorizes stake accounts in its inner
 *   stake instructions; the expected authorities are read off those instructions by hand.
 * - From `getProgramAccounts`: nothing of the kind is recorded. The test hands the replay a
 *   HAND-BUILT stake account: the recorded stake account F6dEJn… (whose real `getInflationReward`
 *   answers for epochs 132–141 are recorded by staketaxcsv) with a made-up withdrawer wallet
 *   (32 bytes of 7s) and a made-up activation epoch 132. The rewards, their slots and times are
 *   recorded data; the expected amounts are staketaxcsv's own reward rows.
 */

const STAKE = "F6dEJnUbV999jwHdA6GPb1YhwfcyPfDXq9LcwMkUFbLr";
/** Hand-built: a wallet no recording knows, made the stake account's withdrawer. */
const OWNER = new PublicKey(Buffer.alloc(32, 7)).toBase58();

describe("stakeAuthoritiesOf() on a recorded stake-pool swap (3LF4ABXf…)", () => {
  const tx = recordedTransaction("3LF4ABXf");
  test("split accounts inherit their source's authorities; authorize instructions replace them in order", () => {
    // Inner instructions of instruction 2, in order: split 776U1…→BAGkZ… (stake authority 8uKJ5…),
    // authorize BAGkZ… staker and withdrawer → DSN3j1…, split BAGkZ…→Gxtx2… (DSN3j1…), authorize
    // Gxtx2… staker and withdrawer → 3rBnnH…, authorize BAGkZ… staker → 4bZ6o3…, withdrawer → 9eG63C….
    expect(Object.fromEntries(stakeAuthoritiesOf(tx))).toEqual({
      "776U1KEVMS3TGg6tr9sdzQgh8A66kKmyCiWTCBBbeJTs": {
        staker: "8uKJ5wLUFXYdqTJw2JHRzdcWB8JLR96mEf9dreqD6d5X",
      },
      BAGkZYnV9BjXumJcQJ5zJCRXtxAorU2m2dReNncUPqXJ: {
        staker: "4bZ6o3eUUNXhKuqjdCnCoPAoLgWiuLYixKaxoa8PpiKk",
        withdrawer: "9eG63CdHjsfhHmobHgLtESGC8GabbmRcaSpHAZrtmhco",
      },
      Gxtx2ZKQ3xmjggfvm4q32VqfTt1Kdt8YWfDr3vEETJfv: {
        staker: "3rBnnH9TTgd3xwu48rnzGsaQkSr1hR64nY71DrDt6VrQ",
        withdrawer: "3rBnnH9TTgd3xwu48rnzGsaQkSr1hR64nY71DrDt6VrQ",
      },
    });
  });
  test("an account counts for a wallet that is its authority after the transaction", () => {
    expect(stakeAccountsControlledIn(tx, "3rBnnH9TTgd3xwu48rnzGsaQkSr1hR64nY71DrDt6VrQ")).toEqual([
      "Gxtx2ZKQ3xmjggfvm4q32VqfTt1Kdt8YWfDr3vEETJfv",
    ]);
    expect(stakeAccountsControlledIn(tx, "9eG63CdHjsfhHmobHgLtESGC8GabbmRcaSpHAZrtmhco")).toEqual([
      "BAGkZYnV9BjXumJcQJ5zJCRXtxAorU2m2dReNncUPqXJ",
    ]);
    // DSN3j1… held both accounts mid-transaction only; the signer never held any.
    expect(stakeAccountsControlledIn(tx, "DSN3j1ykL3obAVNv7ZX49VsFCPe4LqzxHnmtLiPwY6xg")).toEqual([]);
    expect(stakeAccountsControlledIn(tx, "J6SiqG6aWGWFxcXFd6c3xjrvbsX8PTYyYNY97dxceH4P")).toEqual([]);
  });
});

/** staketaxcsv's reward rows for F6dEJn…: [epoch, UTC time, SOL printed with 9 decimals]. */
const expected = (
  JSON.parse(
    readFileSync(path.join(SOLANA_FIXTURES, "staketaxcsv/data/SOL", `rewards.${STAKE}.json`), "utf8"),
  ) as [number, string, number][]
)
  .filter(([epoch]) => epoch >= 132 && epoch <= 141)
  .map(([epoch, time, sol]) => ({
    epoch,
    time: `${time.replace(" ", "T")}.000Z`,
    sol: sol.toFixed(9).replace(/0+$/, ""),
  }));
const lamports = (sol: string) => {
  const [whole, frac = ""] = sol.split(".");
  return BigInt(`${whole}${frac.padEnd(9, "0")}`);
};

describe("sync: staking rewards of the wallet's stake accounts", () => {
  let server: ReplayServer;
  let database: Database;
  beforeAll(async () => {
    server = await startSolanaReplay({
      stakeAccounts: [
        {
          pubkey: STAKE,
          staker: OWNER,
          withdrawer: OWNER,
          lamports: 28_897_056_222_434,
          voter: "11111111111111111111111111111111",
          activationEpoch: 132,
        },
      ],
    });
    // The chain "ends" in epoch 142 (slot 61,344,004 = 142 × 432,000 + 4): epochs 132–141 are finished.
    server.setHead(61_344_004);
    database = await createTestDatabase("pglite");
  });
  afterAll(async () => {
    await database?.close();
    await server?.close();
  });

  test("getProgramAccounts finds the account; each epoch's reward is a movement and income at its time", async () => {
    const userId = await ensureUser(database.db, "staker");
    const wallet = await upsertWallet(database.db, userId, { chain: "solana", address: OWNER });
    const sync = () => syncSolanaWallet(replaySyncArgs(server, database, wallet, 2), { retryBaseMs: 1 });
    expect(expected).toHaveLength(10);
    const first = await sync();
    expect(first.staking).toEqual({ accounts: 1, rewards: 10, throughEpoch: 141 });
    expect(first.movements).toBe(10);
    const rows = (await database.db.select().from(movements).where(eq(movements.walletId, wallet.id))).sort(
      (a, b) => Number(a.blockNumber - b.blockNumber),
    );
    expect(rows.map((m) => [m.txHash, m.evidence, m.asset, m.amount])).toEqual(
      expected.map((e) => [`reward:${STAKE}:${e.epoch}`, "staking_reward", "solana:native", lamports(e.sol)]),
    );
    const txs = await database.db.select().from(transactions).where(eq(transactions.walletId, wallet.id));
    expect(txs.map((t) => t.time.toISOString()).sort()).toEqual(expected.map((e) => e.time));
    const [remembered] = await database.db
      .select({ position: cursors.position })
      .from(cursors)
      .where(and(eq(cursors.walletId, wallet.id), eq(cursors.source, `solana:stake:${STAKE}`)));
    expect(remembered?.position).toEqual({ account: STAKE, activationEpoch: 132, via: "program_accounts" });

    // Incremental: a second sync in the same epoch asks no reward again.
    server.resetStats();
    const again = await sync();
    expect(again.staking).toEqual({ accounts: 1, rewards: 0, throughEpoch: 141 });
    expect(server.stats().calls.getInflationReward ?? 0).toBe(0);

    await buildLedger({
      db: database.db,
      userId,
      settings: DEFAULT_CLASSIFY_SETTINGS,
      resolveAsset: createAssetIdentity({}).resolveMovementAsset,
      pricer: { prepare: async () => () => undefined },
      full: true,
    });
    const income = (await database.db.select().from(ledgerRows))
      .sort((a, b) => a.time.getTime() - b.time.getTime())
      .map((r) => [r.type, r.subtype, r.wallet, r.inAsset, r.inQuantity, r.time.toISOString()]);
    expect(income).toEqual(
      expected.map((e) => ["income", "staking", `solana:${OWNER}`, "SOL", e.sol, e.time]),
    );
  });
});
