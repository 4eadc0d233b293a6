import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { reviewItems } from "../../db/schema/index.ts";
import { type Anvil, startAnvil } from "../../test/anvil.ts";
import { createEvmHarness, type EvmHarness } from "../../test/evm-harness.ts";
import { buildLedgerJob } from "../../workers/processors/build-ledger.ts";
import { removeDecision, setTxDecision } from "../books/decisions.ts";
import { createDevClient } from "../devchain/contracts.ts";
import { runBalanceCheck } from "./run.ts";

/**
 * Balance review items follow the ledger: a wallet receives 1 ETH from a stranger (an unmatched
 * inflow waiting for review), so the check finds the ledger 1 ETH short. Deciding the inflow
 * (`income`) rebuilds the ledger through the build-ledger job, which redoes the check from the
 * stored chain reading (no node call) and removes the item; removing the decision brings it back.
 */

const E18 = 10n ** 18n;
const CHAIN = "evm:31337";
let anvil: Anvil;
let h: EvmHarness;
let wallet: string;
let inflow: string;

const services = () => ({ common: h.common, database: h.database, userId: h.userId });
const rebuild = () =>
  buildLedgerJob.process(
    { userId: h.userId },
    {
      common: h.common,
      database: h.database,
      jobId: "test",
      attempt: 1,
      signal: new AbortController().signal,
      secrets: {},
      reportProgress: () => {},
    },
  );
const balanceItems = async () =>
  (
    await h.database.db
      .select({ txHash: reviewItems.txHash, message: reviewItems.message })
      .from(reviewItems)
      .where(and(eq(reviewItems.userId, h.userId), eq(reviewItems.reason, "balance_difference")))
  ).map((r) => r.txHash);

beforeAll(async () => {
  anvil = await startAnvil({ args: ["--balance", "0"] });
  const dev = createDevClient(anvil.url);
  const [funder, w] = (await dev.accounts()) as [`0x${string}`, `0x${string}`];
  wallet = w;
  await dev.request("anvil_setBalance", [funder, `0x${(10n * E18).toString(16)}`]);
  inflow = (await dev.send({ from: funder, to: w, value: E18 })).transactionHash;
  h = await createEvmHarness({
    addresses: [w],
    config: { rpc: { [CHAIN]: anvil.url }, prices: { order: ["file"] } },
  });
  await h.sync(w, anvil.url);
}, 60_000);

afterAll(async () => {
  await h?.close();
  await anvil?.stop();
});

describe("balance review items after a review decision", () => {
  test("an inflow waiting for review is a difference; deciding it removes the item, undoing it restores it", async () => {
    await rebuild();
    const report = await runBalanceCheck({ services: services() });
    const eth = report.wallets[0]!.assets.find((a) => a.asset === "ETH")!;
    expect(eth).toMatchObject({ chain: "1", indexed: "1", ledger: "0", difference: "1" });
    expect(eth.causes.map((c) => [c.code, c.amount])).toEqual([["unreviewed", "1"]]);
    const item = `balance:${wallet}:ETH`;
    expect(await balanceItems()).toEqual([item]);

    // The node is gone: the refresh must not need it.
    await anvil.stop();
    const decided = await setTxDecision({
      db: h.database.db,
      userId: h.userId,
      windowHours: 24,
      ref: `${CHAIN}:${inflow}`,
      action: { as: "income" },
    });
    await rebuild();
    expect(await balanceItems()).toEqual([]);

    await removeDecision({ db: h.database.db, userId: h.userId, windowHours: 24, id: decided.id });
    await rebuild();
    expect(await balanceItems()).toEqual([item]);
  });
});
