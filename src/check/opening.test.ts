import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHttpTransport, type RpcTransport } from "../../chains/transport.ts";
import { type Anvil, startAnvil } from "../../test/anvil.ts";
import { createEvmHarness, type EvmHarness } from "../../test/evm-harness.ts";
import { startFaultProxy } from "../../test/fault-proxy.ts";
import { createAssetIdentity } from "../assets/identity.ts";
import { buildLedger } from "../books/build.ts";
import { DEFAULT_CLASSIFY_SETTINGS } from "../classify/settings.ts";
import { createDevClient, type DevClient, loadArtifacts } from "../devchain/contracts.ts";
import { Decimal } from "../utils/decimal.ts";
import { checkBalances } from "./index.ts";
import { checkSummary } from "./run.ts";

/**
 * A local dev chain's genesis pre-funding is a known opening balance: anvil (default settings)
 * gives each dev account 10,000 ETH at block 0, which no transaction shows. The check recognizes
 * exactly that block-0 balance (column `opening`, cause `opening_balance`) instead of reporting a
 * difference, and still reports what else differs (an internal transfer a node without traces
 * cannot show). Expected numbers: anvil's documented 10,000 ETH per account and the amounts sent below.
 */

const E18 = 10n ** 18n;
const CHAIN = "evm:31337";
let anvil: Anvil;
let dev: DevClient;
let h: EvmHarness;
let rpc: RpcTransport;
let funder: `0x${string}`;
let clean: string;
let untraced: string;
let cleanGas = 0n;

const identity = createAssetIdentity({});
const eth = (wei: bigint) => new Decimal(wei.toString()).div(1e18).toFixed();

beforeAll(async () => {
  anvil = await startAnvil();
  dev = createDevClient(anvil.url);
  const art = await loadArtifacts();
  [funder, clean, untraced] = (await dev.accounts()) as [`0x${string}`, string, string];
  await dev.send({ from: funder, to: clean as `0x${string}`, value: 2n * E18 });
  const out = await dev.send({ from: clean as `0x${string}`, to: funder, value: E18 / 2n });
  cleanGas = BigInt(out.gasUsed) * BigInt(out.effectiveGasPrice);
  const fwd = await dev.deploy(funder, art.Forwarder);
  await dev.send({
    from: funder,
    to: fwd,
    data: dev.encode(art.Forwarder, "forward", [untraced]),
    value: E18,
  });

  h = await createEvmHarness({ addresses: [clean, untraced] });
  await h.sync(clean, anvil.url);
  const noTraces = await startFaultProxy(anvil.url, {
    unsupported: ["trace_filter", "trace_transaction", "debug_traceBlockByNumber", "debug_traceTransaction"],
  });
  try {
    await h.sync(untraced, noTraces.url);
  } finally {
    await noTraces.close();
  }
  await buildLedger({
    db: h.database.db,
    userId: h.userId,
    settings: { ...DEFAULT_CLASSIFY_SETTINGS, unmatchedInflow: "income", unmatchedOutflow: "spend" },
    resolveAsset: identity.resolveMovementAsset,
    pricer: { prepare: async () => () => undefined },
    full: true,
  });
  rpc = createHttpTransport({ chain: CHAIN, url: anvil.url, logger: h.common.logger });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await anvil?.stop();
});

describe("a local dev chain's genesis balance", () => {
  const run = () =>
    checkBalances({
      db: h.database.db,
      userId: h.userId,
      canonicalAsset: identity.canonicalAsset,
      displaySymbol: identity.displaySymbol,
      rpcFor: () => rpc,
      price: async (qs) => qs.map((q) => (q.asset === "ETH" ? new Decimal(2000) : undefined)),
    });

  test("is a recognized opening balance: a clean history reconciles with no difference", async () => {
    const report = await run();
    const w = report.wallets.find((x) => x.address.toLowerCase() === clean.toLowerCase())!;
    const moved = 2n * E18 - E18 / 2n - cleanGas;
    expect(w.differences).toBe(0);
    expect(w.assets).toEqual([
      expect.objectContaining({
        asset: "ETH",
        chain: eth(10_000n * E18 + moved),
        opening: "10000",
        indexed: eth(moved),
        ledger: eth(moved),
        difference: "0",
        differenceUsd: null,
      }),
    ]);
    expect(w.assets[0]!.causes.map((c) => [c.code, c.amount])).toEqual([["opening_balance", "10000"]]);
  });

  test("does not hide a real difference: the unseen internal transfer stays, named no_traces", async () => {
    const report = await run();
    const w = report.wallets.find((x) => x.address.toLowerCase() === untraced.toLowerCase())!;
    expect(w.differences).toBe(1);
    expect(w.assets).toEqual([
      expect.objectContaining({
        asset: "ETH",
        chain: "10001",
        opening: "10000",
        indexed: "0",
        ledger: "0",
        difference: "1",
        differenceUsd: "2000.00",
      }),
    ]);
    expect(w.assets[0]!.causes.map((c) => [c.code, c.amount])).toEqual([
      ["opening_balance", "10000"],
      ["no_traces", "1"],
    ]);
    expect(checkSummary(report)).toBe(
      "check: 2 wallets, 2 assets against the chain: 1 difference (≈ $2000.00; lotwise check for details), 2 opening balances recognized\n",
    );
  });
});
