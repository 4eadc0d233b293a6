/**
 * `lotwise check --wallet W`: which wallets a spec names, and the error for one it cannot; and why
 * a wallet is not checked.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import type { RpcTransport } from "../../chains/transport.ts";
import type { Database } from "../../db/client.ts";
import { transactions } from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { upsertWallet } from "../../db/wallets.ts";
import { createTestDatabase } from "../../test/services.ts";
import { checkBalances } from "./index.ts";

let database: Database;
let userId: number;
beforeAll(async () => {
  database = await createTestDatabase("pglite");
  userId = await ensureUser(database.db, "hana");
});
afterAll(async () => {
  await database?.close();
});
const check = (wallet: string) =>
  checkBalances({
    db: database.db,
    userId,
    wallets: [wallet],
    rpcFor: () => undefined,
    canonicalAsset: (id) => id,
    displaySymbol: (asset) => asset,
  });

test("a spec that is not <chain>:<address> is named as such, not as an unknown chain", async () => {
  const invalid = "expected <chain>:<address>, e.g. ethereum:0x…, evm:31337:0x… or solana:<address>";
  await expect(check("bogus")).rejects.toThrow(`invalid wallet 'bogus': ${invalid}`);
  await expect(check("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")).rejects.toThrow(
    `invalid wallet '0x70997970C51812dc3A010C7d01b50e0d17dc79C8': ${invalid}`,
  );
  await expect(check("evm:31337:0x2222222222222222222222222222222222222222")).rejects.toThrow(
    "no such wallet: evm:31337:0x2222222222222222222222222222222222222222",
  );
});

test("a wallet synced to no final block yet is said so, not 'not synced yet'", async () => {
  const address = "0x1111111111111111111111111111111111111111";
  const w = await upsertWallet(database.db, userId, { chain: "optimism", address });
  const report = () =>
    checkBalances({
      db: database.db,
      userId,
      rpcFor: () => ({}) as RpcTransport,
      canonicalAsset: (id) => id,
      displaySymbol: (asset) => asset,
    });
  expect((await report()).wallets.map((x) => x.skipped)).toEqual(["not synced yet (lotwise sync)"]);
  // The sync stored a transaction of a block within the chain's finality depth, and no cursor.
  await database.db.insert(transactions).values({
    walletId: w.id,
    chain: "optimism",
    txHash: "0xaa",
    blockNumber: 1n,
    time: new Date("2025-03-01T12:00:00Z"),
    status: "success",
    final: false,
  });
  expect((await report()).wallets.map((x) => x.skipped)).toEqual([
    "no final block synced yet: every synced block is within OP Mainnet's finality depth (30 blocks; finality.optimism in the configuration sets it); the check runs at the final block",
  ]);
});
