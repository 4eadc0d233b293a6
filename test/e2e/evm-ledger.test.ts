import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { formatUnits, type Hash } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type Anvil,
  createDevClient,
  playScenario,
  type ScenarioResult,
  startAnvil,
} from "../../src/devchain/index.ts";
import { parseLedgerCsv } from "../../src/ledger/read.ts";
import type { LedgerRow } from "../../src/ledger/types.ts";
import { Decimal, exportUsd, plain } from "../../src/utils/decimal.ts";
import { runCliInProcess } from "../cli.ts";
import { seedDataDir } from "../pglite-template.ts";

/**
 * Issue 6 end to end on a real chain: the EVM issue's two-wallet scenario on anvil, the taxpayer's
 * Coinbase export (the 10 ETH that arrive "from outside" were bought there), a price file, and one
 * rule (tokens the deployer sends are airdrops) → sync → classify → price → ledger export → gains.
 *
 * Every expected figure below is derived by hand from the scenario's amounts, the price file and
 * each transaction's gas (gasUsed × effectiveGasPrice from its receipt): prices ETH $3,000,
 * TKA $12 (the pool's own ratio, 500 TKA : 2 ETH), B32 $0.10; the Coinbase lot is 10 ETH for
 * $25,000, i.e. $2,500 per ETH.
 */
const T0 = "2025-03-01T00:00:00Z";
const ETH = new Decimal(3000);
const TKA = new Decimal(12);
const ETH_BASIS = new Decimal(2500);
const cents = (d: Decimal) => d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
const q = (raw: bigint, decimals = 18) => formatUnits(raw, decimals);

describe("EVM scenario: sync → classify → price → ledger → gains", () => {
  let anvil: Anvil;
  let s: ScenarioResult;
  let dir: string;
  let rows: LedgerRow[];
  const gas = new Map<string, Decimal>();
  const times = new Map<string, string>();
  // In this process (runCliInProcess): the pipeline is under test, not the process.
  const cli = (...args: string[]) =>
    runCliInProcess(["--config", path.join(dir, "lotwise.config.json"), "--no-progress", ...args]);

  beforeAll(async () => {
    anvil = await startAnvil({ timestamp: Math.floor(Date.parse(T0) / 1000) });
    s = await playScenario({ rpcUrl: anvil.url, blockIntervalSeconds: 60 });
    const dev = createDevClient(anvil.url);
    for (const [step, hash] of Object.entries(s.txs)) {
      const r = await dev.request<{ gasUsed: string; effectiveGasPrice: string; blockNumber: string }>(
        "eth_getTransactionReceipt",
        [hash],
      );
      gas.set(step, new Decimal(formatUnits(BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice), 18)));
      const block = await dev.request<{ timestamp: string }>("eth_getBlockByNumber", [r.blockNumber, false]);
      times.set(step, new Date(Number(BigInt(block.timestamp)) * 1000).toISOString().replace(".000Z", "Z"));
    }
    dir = mkdtempSync(path.join(tmpdir(), "lotwise-evm-ledger-"));
    const c = s.contracts;
    writeFileSync(
      path.join(dir, "lotwise.config.json"),
      JSON.stringify({
        dataDir: path.join(dir, ".lotwise"),
        rpc: { "evm:31337": anvil.url },
        assets: { tokens: { "evm:31337:native": "ETH", [`evm:31337:${c.weth}`]: "ETH" } },
        prices: { order: ["file", "stablecoin"] },
        classify: { contracts: { "evm:31337": { weth: [c.weth], uniswapV2Routers: [c.router] } } },
      }),
    );
    // Not a test of the first run: the embedded database exists already (test/pglite-template.ts).
    await seedDataDir(path.join(dir, ".lotwise"));
    writeFileSync(
      path.join(dir, "prices.csv"),
      [
        "asset,time,usd",
        `ETH,${T0},3000`,
        `evm:31337:${c.token},${T0},12`,
        `evm:31337:${c.bytes32Token},${T0},0.1`,
        "",
      ].join("\n"),
    );
    writeFileSync(
      path.join(dir, "coinbase.csv"),
      [
        "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,to_wallet",
        "cb-1,2025-02-01T00:00:00Z,buy,coinbase:main,,,ETH,10,25000,",
        `cb-2,${times.get("ethIn")},transfer,coinbase:main,ETH,10,,,,evm:31337:${s.accounts.a}`,
        "",
      ].join("\n"),
    );
    for (const args of [
      ["wallets", "add", `evm:31337:${s.accounts.a}`, `evm:31337:${s.accounts.b}`],
      ["prices", "import", path.join(dir, "prices.csv")],
      ["ledger", "import", path.join(dir, "coinbase.csv"), "--name", "coinbase"],
      [
        "review",
        "rule",
        "--counterparty",
        s.accounts.outsider,
        "--direction",
        "in",
        "--as",
        "income",
        "--subtype",
        "airdrop",
      ],
      ["sync"],
      ["review", "set", `evm:31337:${s.txs.internalPayout}`, "--as", "income", "--subtype", "payment"],
      ["ledger", "export", "--out", path.join(dir, "ledger.csv")],
      ["gains", "--ledger", path.join(dir, "ledger.csv"), "--year", "2025", "--out", path.join(dir, "out")],
    ]) {
      const r = await cli(...args);
      expect(r.code, `${args.join(" ")}\n${r.stderr}`).toBe(0);
    }
    rows = parseLedgerCsv(readFileSync(path.join(dir, "ledger.csv"), "utf8"), "ledger.csv");
  }, 900_000);
  afterAll(async () => {
    await anvil?.stop();
  });

  const rowsOf = (step: keyof ScenarioResult["txs"]) =>
    rows.filter((r) => r.tx?.split(";")[0] === (s.txs[step] as Hash));
  const A = () => `evm:31337:${s.accounts.a}`;
  const B = () => `evm:31337:${s.accounts.b}`;
  const feeOf = (step: string) => ({
    feeAsset: "ETH",
    feeQuantity: plain(gas.get(step)!),
    // The export writes USD values to 8 places (docs/ledger-csv.md).
    feeUsd: exportUsd(plain(gas.get(step)!.mul(ETH))),
  });

  test("every scenario step becomes the expected ledger rows", () => {
    const tka = `evm:31337:${s.contracts.token}`;
    const lp = `evm:31337:${s.contracts.pair}`;
    const m = s.amounts;
    // ETH in from outside = the Coinbase withdrawal: the imported cb-2 row covers it, nothing more;
    // that row's tx names the arrival, so the transaction is traceable to a row.
    expect(rowsOf("ethIn")).toEqual([
      expect.objectContaining({
        id: "cb-2",
        type: "transfer",
        wallet: "coinbase:main",
        toWallet: A(),
        outQuantity: "10",
        tx: s.txs.ethIn,
      }),
    ]);
    expect(rowsOf("ethAtoB")).toEqual([
      expect.objectContaining({
        type: "transfer",
        wallet: A(),
        toWallet: B(),
        outAsset: "ETH",
        outQuantity: "1",
        ...feeOf("ethAtoB"),
      }),
    ]);
    // 1,000 TKA from the deployer: an airdrop by the rule, at 1,000 × $12.
    expect(rowsOf("tokenIn")).toEqual([
      expect.objectContaining({
        type: "income",
        wallet: A(),
        inAsset: tka,
        inQuantity: "1000",
        usdValue: "12000",
        subtype: "airdrop",
      }),
    ]);
    expect(rowsOf("tokenAtoB")).toEqual([
      expect.objectContaining({
        type: "transfer",
        wallet: A(),
        toWallet: B(),
        outAsset: tka,
        outQuantity: "100",
        ...feeOf("tokenAtoB"),
      }),
    ]);
    expect(rowsOf("approveRouter")).toEqual([
      expect.objectContaining({ type: "fee", wallet: A(), subtype: "approval", ...feeOf("approveRouter") }),
    ]);
    // Liquidity: 500 TKA ($6,000) and 2 ETH ($6,000) swap into the LP token, split 50/50 by value.
    const half = new Decimal(q(m.lpMinted)).div(2).toDecimalPlaces(18, Decimal.ROUND_DOWN);
    expect(rowsOf("addLiquidity")).toEqual([
      expect.objectContaining({
        type: "swap",
        wallet: A(),
        outAsset: tka,
        outQuantity: "500",
        inAsset: lp,
        inQuantity: plain(half),
        usdValue: "6000",
        subtype: "lp_deposit",
        ...feeOf("addLiquidity"),
      }),
      expect.objectContaining({
        type: "swap",
        wallet: A(),
        outAsset: "ETH",
        outQuantity: "2",
        inAsset: lp,
        inQuantity: plain(new Decimal(q(m.lpMinted)).sub(half)),
        usdValue: "6000",
        subtype: "lp_deposit",
      }),
    ]);
    // Both sides priced by the file at the same instant: the side given values the swap (0.1 × $3,000).
    expect(rowsOf("swapEthForTokens")).toEqual([
      expect.objectContaining({
        type: "swap",
        wallet: B(),
        outAsset: "ETH",
        outQuantity: "0.1",
        inAsset: tka,
        inQuantity: q(m.swapTokensOut),
        usdValue: "300",
        ...feeOf("swapEthForTokens"),
      }),
    ]);
    expect(rowsOf("swapTokensForEth")).toEqual([
      expect.objectContaining({
        type: "swap",
        wallet: A(),
        outAsset: tka,
        outQuantity: "50",
        inAsset: "ETH",
        inQuantity: q(m.swapEthOut),
        usdValue: "600",
        ...feeOf("swapTokensForEth"),
      }),
    ]);
    expect(rowsOf("approveLp")).toEqual([
      expect.objectContaining({ type: "fee", subtype: "approval", ...feeOf("approveLp") }),
    ]);
    // Removing liquidity: the LP given is split by the value received (TKA × $12, ETH × $3,000).
    const vTka = new Decimal(q(m.removedToken)).mul(TKA);
    const vEth = new Decimal(q(m.removedEth)).mul(ETH);
    const lpForTka = new Decimal(q(m.lpRemoved))
      .mul(vTka)
      .div(vTka.add(vEth))
      .toDecimalPlaces(18, Decimal.ROUND_DOWN);
    expect(rowsOf("removeLiquidity")).toEqual([
      expect.objectContaining({
        type: "swap",
        outAsset: lp,
        outQuantity: plain(lpForTka),
        inAsset: tka,
        inQuantity: q(m.removedToken),
        usdValue: exportUsd(plain(vTka)),
        subtype: "lp_withdrawal",
        ...feeOf("removeLiquidity"),
      }),
      expect.objectContaining({
        type: "swap",
        outAsset: lp,
        outQuantity: plain(new Decimal(q(m.lpRemoved)).sub(lpForTka)),
        inAsset: "ETH",
        inQuantity: q(m.removedEth),
        usdValue: exportUsd(plain(vEth)),
        subtype: "lp_withdrawal",
      }),
    ]);
    // WETH is ETH: wrapping and unwrapping realize nothing; only their gas remains.
    expect(rowsOf("wrap")).toEqual([
      expect.objectContaining({ type: "fee", wallet: B(), subtype: "wrap", ...feeOf("wrap") }),
    ]);
    expect(rowsOf("unwrap")).toEqual([
      expect.objectContaining({ type: "fee", wallet: B(), subtype: "unwrap", ...feeOf("unwrap") }),
    ]);
    // The split paid 0.15 ETH to each wallet through a contract: decided by the user as income.
    expect(rowsOf("internalPayout")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: "income",
          wallet: A(),
          inAsset: "ETH",
          inQuantity: "0.15",
          usdValue: "450",
          subtype: "payment",
        }),
        expect.objectContaining({
          type: "income",
          wallet: B(),
          inAsset: "ETH",
          inQuantity: "0.15",
          usdValue: "450",
          subtype: "payment",
        }),
      ]),
    );
    expect(rowsOf("internalPayout")).toHaveLength(2);
    expect(rowsOf("revertedPayout")).toEqual([]);
    expect(rowsOf("failed")).toEqual([
      expect.objectContaining({ type: "fee", wallet: A(), subtype: "failed_tx", ...feeOf("failed") }),
    ]);
    expect(rowsOf("nftAtoB")).toEqual([
      expect.objectContaining({
        type: "transfer",
        wallet: A(),
        toWallet: B(),
        // Each token id its own asset (src/assets/nft.ts).
        outAsset: `evm:31337:${s.contracts.nft}#${s.amounts.nftId}`,
        outQuantity: "1",
        ...feeOf("nftAtoB"),
      }),
    ]);
    expect(rowsOf("multiBtoA")).toEqual([
      expect.objectContaining({
        type: "transfer",
        wallet: B(),
        toWallet: A(),
        outAsset: `evm:31337:${s.contracts.multi}#${s.amounts.multiIds[0]}`,
        outQuantity: "3",
        ...feeOf("multiBtoA"),
      }),
    ]);
    expect(rowsOf("bytes32In")).toEqual([
      expect.objectContaining({
        type: "income",
        inAsset: `evm:31337:${s.contracts.bytes32Token}`,
        inQuantity: "5",
        usdValue: "0.5",
        subtype: "airdrop",
      }),
    ]);
    // No price for the token whose metadata reverts: a zero with a warning, never a silent one.
    const reverting = rowsOf("revertingIn");
    expect(reverting).toEqual([expect.objectContaining({ type: "income", inQuantity: "7", usdValue: "0" })]);
    expect(reverting[0]!.extra?.x_warnings).toBe(`missing_price:evm:31337:${s.contracts.revertingToken}`);
    expect(rowsOf("selfSend")).toEqual([
      expect.objectContaining({ type: "fee", wallet: A(), ...feeOf("selfSend") }),
    ]);
    expect(rowsOf("forwardBtoA")).toEqual([
      expect.objectContaining({
        type: "transfer",
        wallet: B(),
        toWallet: A(),
        outAsset: "ETH",
        outQuantity: "0.02",
        ...feeOf("forwardBtoA"),
      }),
    ]);
  });

  test("mints nobody explained stay in review, not in the ledger", async () => {
    const r = await cli("review", "list", "--json");
    const items = JSON.parse(r.stdout) as { tx: string; reason: string }[];
    const unmatched = items.filter((i) => i.reason === "unmatched_inflow").map((i) => i.tx);
    expect(new Set(unmatched)).toEqual(new Set([s.txs.nftMint, s.txs.multiMint]));
    expect(rowsOf("nftMint")).toEqual([]);
    expect(rowsOf("multiMint")).toEqual([]);
    expect(items.some((i) => i.reason === "missing_price" && i.tx === s.txs.revertingIn)).toBe(true);
  });

  test("Form 8949 totals match the hand computation", () => {
    const m = s.amounts;
    // Disposals, FIFO, 2025 (wallet scope from 2025-01-01), all short term:
    const rowsExpected: { proceeds: Decimal; basis: Decimal }[] = [];
    const add = (proceeds: Decimal, basis: Decimal) =>
      rowsExpected.push({ proceeds: cents(proceeds), basis: cents(basis) });
    // Gas paid in ETH on a row whose asset is not ETH, or on a fee row: its own disposal from the
    // Coinbase lot at $2,500, proceeds at $3,000.
    for (const step of [
      "ethAtoB",
      "tokenAtoB",
      "approveRouter",
      "addLiquidity",
      "swapTokensForEth",
      "approveLp",
      "removeLiquidity",
      "wrap",
      "unwrap",
      "failed",
      "nftAtoB",
      "multiBtoA",
      "selfSend",
      "forwardBtoA",
    ]) {
      add(gas.get(step)!.mul(ETH), gas.get(step)!.mul(ETH_BASIS));
    }
    // addLiquidity: 500 of the 900 TKA left of the $12,000 airdrop lot (basis $12 each); proceeds
    // $6,000 less the row's gas ($ fee_usd), and 2 ETH from the Coinbase lot for $6,000.
    add(new Decimal(6000).sub(gas.get("addLiquidity")!.mul(ETH)), new Decimal(500).mul(TKA));
    add(new Decimal(6000), new Decimal(2).mul(ETH_BASIS));
    // swapEthForTokens: the gas is ETH too, so it leaves with the 0.1 ETH; proceeds stay $300.
    add(new Decimal(300), new Decimal("0.1").add(gas.get("swapEthForTokens")!).mul(ETH_BASIS));
    // swapTokensForEth: 50 TKA at $12 basis; proceeds $600 less the gas.
    add(new Decimal(600).sub(gas.get("swapTokensForEth")!.mul(ETH)), new Decimal(50).mul(TKA));
    // removeLiquidity: both rows take from the first LP lot (addLiquidity row 0, basis $6,000 for
    // `half` LP), which holds exactly the LP removed (lpMinted/2 rounded down = lpRemoved).
    const half = new Decimal(q(m.lpMinted)).div(2).toDecimalPlaces(18, Decimal.ROUND_DOWN);
    const vTka = new Decimal(q(m.removedToken)).mul(TKA);
    const vEth = new Decimal(q(m.removedEth)).mul(ETH);
    const lpForTka = new Decimal(q(m.lpRemoved))
      .mul(vTka)
      .div(vTka.add(vEth))
      .toDecimalPlaces(18, Decimal.ROUND_DOWN);
    const basisTka = new Decimal(6000).mul(lpForTka).div(half);
    add(vTka.sub(gas.get("removeLiquidity")!.mul(ETH)), basisTka);
    add(
      vEth,
      new Decimal(6000)
        .sub(basisTka)
        .mul(new Decimal(q(m.lpRemoved)).sub(lpForTka))
        .div(half.sub(lpForTka)),
    );

    const form = readFileSync(path.join(dir, "out", "form8949.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1);
    expect(form).toHaveLength(rowsExpected.length);
    const sum = (xs: Decimal[]) => xs.reduce((a, x) => a.add(x), new Decimal(0));
    const proceeds = sum(rowsExpected.map((r) => r.proceeds));
    const basis = sum(rowsExpected.map((r) => r.basis));
    const summary = JSON.parse(readFileSync(path.join(dir, "out", "summary.json"), "utf8"));
    expect(summary.short_term).toEqual({
      proceeds: proceeds.toFixed(2),
      cost_basis: basis.toFixed(2),
      adjustments: "0.00",
      gain: proceeds.sub(basis).toFixed(2),
    });
    expect(summary.long_term.gain).toBe("0.00");
    // Ordinary income: airdrops 12,000 + 0.50 + 0 (no price), payment 2 × 450.
    expect(summary.ordinary_income).toMatchObject({ total: "12900.50" });
  });
});
