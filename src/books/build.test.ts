import { pad } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { movements, rawRecords, transactions, wallets } from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase } from "../../test/services.ts";
import { SUPPLY_TOPIC, WITHDRAW_TOPIC } from "../classify/decoders/aave-v3/constants.ts";
import { DEFAULT_CLASSIFY_SETTINGS } from "../classify/settings.ts";
import { Decimal } from "../utils/decimal.ts";
import { buildLedger, type Pricer } from "./build.ts";
import { LEDGER_BUILD_VERSION } from "./detect.ts";
import { loadLedgerRows } from "./store.ts";

const A = "0x1111111111111111111111111111111111111111";
const USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48";
const AUSDC = "0x6666666666666666666666666666666666666666";
const POOL = "0x87870bca3f3fd6335c3f4ce8392d69350b4fa4e2";
const ZERO = "0x0000000000000000000000000000000000000000";

/** USDC at $1; everything else unpriced. */
const pricer: Pricer = {
  prepare: async () => (leg) =>
    leg.asset === "USDC" ? { usd: new Decimal(1), source: "test", rank: 0 } : undefined,
};

describe("buildLedger() incremental rebuilds", () => {
  let database: Database;
  let userId: number;
  let walletId: number;
  beforeAll(async () => {
    database = await createTestDatabase("pglite");
    userId = await ensureUser(database.db, "books");
    const [w] = await database.db
      .insert(wallets)
      .values({ userId, chain: "ethereum", address: A })
      .returning();
    walletId = w!.id;
  });
  afterAll(async () => {
    await database?.close();
  });

  /** One Aave transaction of the wallet: its two token movements and the Pool's event. */
  const addAaveTx = async (hash: string, time: string, block: bigint, supply: boolean, amount: bigint) => {
    const at = new Date(time);
    await database.db.insert(transactions).values({
      walletId,
      chain: "ethereum",
      txHash: hash,
      blockNumber: block,
      time: at,
      from: A,
      to: POOL,
      status: "success",
    });
    const move = (asset: string, signed: bigint, idx: string, counterparty: string) => ({
      walletId,
      chain: "ethereum",
      txHash: hash,
      evidence: "erc20",
      evidenceIndex: idx,
      blockNumber: block,
      time: at,
      asset: `ethereum:${asset}`,
      symbol: null,
      decimals: 6,
      amount: signed,
      counterparty,
    });
    await database.db
      .insert(movements)
      .values(
        supply
          ? [move(USDC, -amount, "0", AUSDC), move(AUSDC, amount, "1", ZERO)]
          : [move(AUSDC, -amount, "0", ZERO), move(USDC, amount, "1", AUSDC)],
      );
    await database.db.insert(rawRecords).values({
      chain: "ethereum",
      txHash: hash,
      kind: "log",
      index: 2,
      blockNumber: block,
      data: {
        address: POOL,
        topics: [supply ? SUPPLY_TOPIC : WITHDRAW_TOPIC, pad(USDC), pad(A), pad(A)],
        data: "0x",
        logIndex: 2,
      },
    });
  };

  const build = (full = false, buildVersion?: number) =>
    buildLedger({
      db: database.db,
      userId,
      buildVersion,
      settings: DEFAULT_CLASSIFY_SETTINGS,
      resolveAsset: ({ chainAsset, symbol }) =>
        chainAsset.toLowerCase().endsWith(USDC)
          ? { asset: "USDC", symbol: "USDC" }
          : { asset: chainAsset, symbol: symbol ?? chainAsset },
      pricer,
      full,
    });
  const view = async () =>
    (await loadLedgerRows(database.db, userId)).map((r) => [
      r.id,
      r.type,
      r.wallet,
      r.toWallet,
      r.outQuantity ?? r.inQuantity,
      r.subtype,
    ]);

  test("a withdrawal synced later finds the principal supplied earlier, as a full rebuild does", async () => {
    await addAaveTx("0xs1", "2025-01-10T00:00:00Z", 10n, true, 1_000_000_000n);
    expect((await build()).mode).toBe("full");
    await addAaveTx("0xw1", "2025-06-10T00:00:00Z", 20n, false, 1_025_000_000n);
    const incremental = await build();
    expect(incremental.mode).toBe("incremental");
    expect(incremental.transactions).toBe(1);
    const position = `aave-v3:ethereum:${"0x1111111111111111111111111111111111111111"}`;
    const rows = await view();
    // The principal (1,000) was supplied before the rebuild window: only the excess is interest.
    expect(rows).toEqual([
      ["ethereum:0xs1:0", "transfer", `ethereum:${A}`, position, "1000", "deposit"],
      ["ethereum:0xw1:0", "income", position, undefined, "25", "interest"],
      ["ethereum:0xw1:1", "transfer", position, `ethereum:${A}`, "1025", "withdrawal"],
    ]);
    expect((await build(true)).mode).toBe("full");
    expect(await view()).toEqual(rows);
    expect((await build()).mode).toBe("unchanged");
  });

  test("a ledger built by another version of the build code is rebuilt in full, once", async () => {
    expect((await build()).mode).toBe("unchanged");
    // What an upgrade of lotwise looks like to a stored ledger: the same inputs, another build version.
    expect((await build(false, LEDGER_BUILD_VERSION + 1)).mode).toBe("full");
    expect((await build(false, LEDGER_BUILD_VERSION + 1)).mode).toBe("unchanged");
    expect((await build()).mode).toBe("full");
    expect((await build()).mode).toBe("unchanged");
  });
});
