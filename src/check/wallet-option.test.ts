/** `lotwise check --wallet W`: which wallets a spec names, and the error for one it cannot. */
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { ensureUser } from "../../db/users.ts";
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
