import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ledgerRows, movements, transactions } from "../../db/schema/index.ts";
import { createAssetIdentity } from "../../src/assets/identity.ts";
import { buildLedger } from "../../src/books/build.ts";
import { checkBalances } from "../../src/check/index.ts";
import { DEFAULT_CLASSIFY_SETTINGS } from "../../src/classify/settings.ts";
import { createDevClient, type DevClient, loadArtifacts } from "../../src/devchain/contracts.ts";
import { silentLogger } from "../../src/logger.ts";
import { type Anvil, startAnvil } from "../../test/anvil.ts";
import { createEvmHarness, type EvmHarness } from "../../test/evm-harness.ts";
import { createHttpTransport } from "../transport.ts";

/**
 * Rebasing income on anvil with controlled block times. Wallet W gets 100 RBT and sends 50 back on
 * 2024-01-01 (index 1.0, so both are exact); the index goes to 1.01 on 01-02 and 1.0201 on 01-03.
 * Hand-derived: 50 → 50.5 (+0.5 on 01-02) → 51.005 (+0.505 on 01-03); 01-01 and 01-04 change
 * nothing beyond their transfers.
 */

const E18 = 10n ** 18n;
const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);
let anvil: Anvil;
let dev: DevClient;
let funder: `0x${string}`;
let w: `0x${string}`;
let rbt: string;
let art: Awaited<ReturnType<typeof loadArtifacts>>;

const sendAt = async (iso: string, tx: Parameters<DevClient["send"]>[0]) => {
  await dev.request("evm_setNextBlockTimestamp", [at(iso)]);
  return dev.send(tx);
};
const mineAt = async (iso: string) => dev.request("evm_mine", [at(iso)]);

const harness = async (policy: "accrued" | "on-withdrawal") =>
  createEvmHarness({
    addresses: [w],
    config: { assets: { tokens: { [`evm:31337:${rbt}`]: { symbol: "RBT", rebasing: true } } } },
    user: policy,
  }).then((h) => ({ h, policy }));

const build = (h: EvmHarness, policy: "accrued" | "on-withdrawal") =>
  buildLedger({
    db: h.database.db,
    userId: h.userId,
    settings: {
      ...DEFAULT_CLASSIFY_SETTINGS,
      unmatchedInflow: "income",
      unmatchedOutflow: "spend",
      rebasingIncome: policy,
    },
    resolveAsset: createAssetIdentity({}).resolveMovementAsset,
    pricer: { prepare: async () => () => undefined },
    full: true,
  });

const rebaseRows = async (h: EvmHarness) =>
  (await h.database.db.select().from(movements))
    .filter((m) => m.evidence === "rebase")
    .map((m) => [m.txHash.split(":").pop(), m.amount])
    .sort();

beforeAll(async () => {
  anvil = await startAnvil({ args: ["--balance", "0"], timestamp: at("2024-01-01T00:00:00Z") });
  dev = createDevClient(anvil.url);
  art = await loadArtifacts();
  const accounts = await dev.accounts();
  [funder, w] = accounts as [`0x${string}`, `0x${string}`];
  await dev.request("anvil_setBalance", [funder, `0x${(100n * E18).toString(16)}`]);
  await sendAt("2024-01-01T09:00:00Z", { from: funder, to: w, value: E18 });
  await dev.request("evm_setNextBlockTimestamp", [at("2024-01-01T09:30:00Z")]);
  rbt = await dev.deploy(funder, art.RebasingToken, ["Rebasing", "RBT"]);
  await sendAt("2024-01-01T10:00:00Z", {
    from: funder,
    to: rbt as `0x${string}`,
    data: dev.encode(art.RebasingToken, "mint", [w, 100n * E18]),
  });
  await sendAt("2024-01-01T11:00:00Z", {
    from: w,
    to: rbt as `0x${string}`,
    data: dev.encode(art.RebasingToken, "transfer", [funder, 50n * E18]),
  });
  await sendAt("2024-01-02T12:00:00Z", {
    from: funder,
    to: rbt as `0x${string}`,
    data: dev.encode(art.RebasingToken, "rebase", [(101n * E18) / 100n]),
  });
}, 60_000);

afterAll(async () => {
  await anvil?.stop();
});

describe("daily rebasing income", () => {
  test("sampled per day, recomputed for the current day, identical when synced in one go; income as accrued", async () => {
    const { h } = await harness("accrued");
    try {
      // First sync during 2024-01-02: the current day is sampled at the head.
      await h.sync(w, anvil.url);
      expect(await rebaseRows(h)).toEqual([["2024-01-02", E18 / 2n]]);
      await sendAt("2024-01-03T12:00:00Z", {
        from: funder,
        to: rbt as `0x${string}`,
        data: dev.encode(art.RebasingToken, "rebase", [(10201n * E18) / 10000n]),
      });
      await mineAt("2024-01-04T08:00:00Z");
      await h.sync(w, anvil.url);
      const expected = [
        ["2024-01-02", E18 / 2n],
        ["2024-01-03", (505n * E18) / 1000n],
      ];
      expect(await rebaseRows(h)).toEqual(expected);
      const rows = (await h.database.db.select().from(transactions)).filter((t) => t.method === "rebase");
      expect(rows.map((t) => [t.txHash, t.to, t.time.toISOString()]).sort()).toEqual([
        [`rebase:${rbt.toLowerCase()}:2024-01-02`, rbt, "2024-01-02T12:00:00.000Z"],
        [`rebase:${rbt.toLowerCase()}:2024-01-03`, rbt, "2024-01-03T12:00:00.000Z"],
      ]);

      // The same chain synced in one go by another user gives the same rows.
      const { h: once } = await harness("accrued");
      try {
        await once.sync(w, anvil.url);
        expect(await rebaseRows(once)).toEqual(expected);
      } finally {
        await once.close();
      }

      // Accrued: one income row per day at that day's time; the check comes out even.
      await build(h, "accrued");
      const income = (await h.database.db.select().from(ledgerRows))
        .filter((r) => r.subtype === "staking")
        .map((r) => [r.type, r.inQuantity, r.time.toISOString()])
        .sort();
      expect(income).toEqual([
        ["income", "0.5", "2024-01-02T12:00:00.000Z"],
        ["income", "0.505", "2024-01-03T12:00:00.000Z"],
      ]);
      const identity = createAssetIdentity({});
      const rpc = createHttpTransport({ chain: "evm:31337", url: anvil.url, logger: silentLogger });
      const report = await checkBalances({
        db: h.database.db,
        userId: h.userId,
        canonicalAsset: identity.canonicalAsset,
        displaySymbol: identity.displaySymbol,
        rpcFor: () => rpc,
      });
      const token = report.wallets[0]!.assets.find((a) => a.asset === `evm:31337:${rbt}`)!;
      expect(token).toMatchObject({ chain: "51.005", indexed: "51.005", ledger: "51.005", difference: "0" });

      // On withdrawal: no income rows; the check names the deferred growth.
      await build(h, "on-withdrawal");
      const none = (await h.database.db.select().from(ledgerRows)).filter((r) => r.subtype === "staking");
      expect(none).toEqual([]);
      const deferred = await checkBalances({
        db: h.database.db,
        userId: h.userId,
        canonicalAsset: identity.canonicalAsset,
        displaySymbol: identity.displaySymbol,
        rpcFor: () => rpc,
      });
      const d = deferred.wallets[0]!.assets.find((a) => a.asset === `evm:31337:${rbt}`)!;
      expect(d).toMatchObject({ chain: "51.005", ledger: "50", difference: "1.005" });
      expect(d.causes.map((c) => [c.code, c.amount])).toEqual([["rebasing", "1.005"]]);
    } finally {
      await h.close();
    }
  });
});
