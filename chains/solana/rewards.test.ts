import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { ledgerRows, movements, transactions } from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { upsertWallet } from "../../db/wallets.ts";
import { createAssetIdentity } from "../../src/assets/identity.ts";
import { buildLedger } from "../../src/books/build.ts";
import { DEFAULT_CLASSIFY_SETTINGS } from "../../src/classify/settings.ts";
import { silentLogger } from "../../src/logger.ts";
import { createTestDatabase } from "../../test/services.ts";
import { type ReplayServer, SOLANA_FIXTURES, startSolanaReplay } from "../../test/solana-replay.ts";
import { createHttpTransport } from "../transport.ts";
import { syncStakingRewards } from "./rewards.ts";
import { createSolanaRpc } from "./rpc.ts";

/**
 * Staking rewards from staketaxcsv's recorded `getInflationReward` answers (stake account
 * F6dEJn…, epochs 132–141). The expected amounts and times are staketaxcsv's own expected reward
 * rows (`rewards.<account>.json`: epoch, UTC time, SOL), not computed by lotwise.
 */

const STAKE = "F6dEJnUbV999jwHdA6GPb1YhwfcyPfDXq9LcwMkUFbLr";
const expected = (
  JSON.parse(
    readFileSync(path.join(SOLANA_FIXTURES, "staketaxcsv/data/SOL", `rewards.${STAKE}.json`), "utf8"),
  ) as [number, string, number][]
)
  .filter(([epoch]) => epoch >= 132 && epoch <= 141)
  // Their SOL figures are printed with 9 decimals: as text they are exact.
  .map(([epoch, time, sol]) => ({
    epoch,
    time: `${time.replace(" ", "T")}.000Z`,
    sol: sol.toFixed(9).replace(/0+$/, ""),
  }));

/** "0.056222434" SOL → 56222434n lamports, by text (no float). */
const lamports = (sol: string) => {
  const [whole, frac = ""] = sol.split(".");
  return BigInt(`${whole}${frac.padEnd(9, "0")}`);
};

let server: ReplayServer;
let database: Database;
let userId: number;
let walletId: number;

beforeAll(async () => {
  server = await startSolanaReplay();
  database = await createTestDatabase("pglite");
  userId = await ensureUser(database.db, "staker");
  walletId = (await upsertWallet(database.db, userId, { chain: "solana", address: STAKE })).id;
});
afterAll(async () => {
  await database?.close();
  await server?.close();
});

const rpc = () => {
  const transport = createHttpTransport({
    chain: "solana",
    url: server.url,
    logger: silentLogger,
    maxAttempts: 2,
    retryBaseMs: 1,
  });
  return createSolanaRpc({ chain: "solana", url: server.url, transport, maxAttempts: 2, retryBaseMs: 1 });
};

describe("syncStakingRewards()", () => {
  test("one reward row per epoch at its effective slot's time, asked once; income per reward", async () => {
    expect(expected).toHaveLength(10);
    const found = await syncStakingRewards({
      db: database.db,
      rpc: rpc(),
      chain: "solana",
      walletId,
      account: STAKE,
      fromEpoch: 132,
      toEpoch: 141,
    });
    expect(found.map((r) => r.epoch)).toEqual(expected.map((e) => e.epoch));
    const rows = (await database.db.select().from(movements)).sort((a, b) =>
      Number(a.blockNumber - b.blockNumber),
    );
    expect(rows.map((m) => [m.evidence, m.asset, m.amount])).toEqual(
      expected.map((e) => ["staking_reward", "solana:native", lamports(e.sol)]),
    );
    const txs = (await database.db.select().from(transactions)).sort(
      (a, b) => a.time.getTime() - b.time.getTime(),
    );
    expect(txs.map((t) => [t.txHash, t.time.toISOString()])).toEqual(
      expected.map((e) => [`reward:${STAKE}:${e.epoch}`, e.time]),
    );

    // The cursor remembers epoch 141: asking again calls nothing.
    server.resetStats();
    expect(
      await syncStakingRewards({
        db: database.db,
        rpc: rpc(),
        chain: "solana",
        walletId,
        account: STAKE,
        fromEpoch: 132,
        toEpoch: 141,
      }),
    ).toEqual([]);
    expect(server.stats().calls.getInflationReward ?? 0).toBe(0);

    // An epoch nobody recorded fails loudly (the replay never invents a null).
    await expect(
      syncStakingRewards({
        db: database.db,
        rpc: rpc(),
        chain: "solana",
        walletId,
        account: STAKE,
        fromEpoch: 142,
        toEpoch: 142,
      }),
    ).rejects.toThrow(/no recorded getInflationReward/);

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
      expected.map((e) => ["income", "staking", `solana:${STAKE}`, "SOL", e.sol, e.time]),
    );
  });
});
