import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Address, type Hash, type Hex, maxUint256, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDevClient, type DevClient, loadArtifacts } from "../../src/devchain/contracts.ts";
import { type Anvil, startAnvil } from "../anvil.ts";
import { runInProcess } from "../cli.ts";

/**
 * End to end: ETH bought on Coinbase (an imported transaction history), withdrawn to a wallet on
 * anvil (a real transfer), swapped there on Uniswap V2 (real contracts), 0.4 ETH deposited back to
 * the user's registered Coinbase deposit address, and 1.4 ETH sold on Coinbase. Gas is priced at
 * zero on this node so the figures are round.
 *
 * By hand (FIFO, per wallet):
 * - Coinbase buy 2025-01-10: 2 ETH for $4,000 + $20 fee → $2,010 per ETH.
 * - Withdrawal of 1 ETH to W (the export names W): the lot moves, basis $2,010, acquired 2025-01-10.
 * - W swaps 0.5 ETH for TKA on 2025-02-05 at $2,800/ETH: proceeds $1,400, basis $1,005, gain $395.
 * - W sends 0.4 ETH to the deposit address: back in coinbase:main, basis $804, acquired 2025-01-10.
 * - Coinbase sells 1.4 ETH on 2025-03-05 for $4,200 − $21 fee = $4,179; basis 1 × 2,010 + 804 =
 *   $2,814; gain $1,365.
 * Short term: proceeds $5,579, basis $3,819, gain $1,760; nothing missing basis.
 */

const E18 = 10n ** 18n;
const at = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);
let anvil: Anvil;
let dev: DevClient;
let dir: string;
let W: Address;
let D: Address;
let withdrawalTx: Hash;
let swapTx: Hash;
let depositTx: Hash;

const cli = (...argv: string[]) =>
  runInProcess(
    [...argv, "--data-dir", path.join(dir, "data"), "--config", path.join(dir, "lotwise.config.json")],
    {},
    { seed: path.join(dir, "data") },
  );

/** A transaction at gas price zero, optionally at a set block time; returns its hash once mined. */
const send = async (tx: { from: Address; to: Address; data?: Hex; value?: bigint }, time?: number) => {
  if (time !== undefined) await dev.request("evm_setNextBlockTimestamp", [time]);
  const body = {
    from: tx.from,
    to: tx.to,
    ...(tx.data ? { data: tx.data } : {}),
    ...(tx.value ? { value: `0x${tx.value.toString(16)}` } : {}),
    gasPrice: "0x0",
  };
  const gas = (BigInt(await dev.request<Hex>("eth_estimateGas", [body])) * 3n) / 2n;
  const hash = await dev.request<Hash>("eth_sendTransaction", [{ ...body, gas: `0x${gas.toString(16)}` }]);
  for (let i = 0; i < 500; i++) {
    const r = await dev.request<{ status: Hex } | null>("eth_getTransactionReceipt", [hash]);
    if (r) {
      if (r.status !== "0x1") throw new Error(`${hash} failed`);
      return hash;
    }
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`${hash} not mined`);
};

beforeAll(async () => {
  anvil = await startAnvil({
    timestamp: at("2025-01-01T00:00:00Z"),
    args: ["--balance", "0", "--base-fee", "0", "--gas-price", "0"],
  });
  dev = createDevClient(anvil.url);
  const [hot, w, d, lp] = await dev.accounts();
  W = w!;
  D = d!;
  for (const who of [hot!, lp!])
    await dev.request("anvil_setBalance", [who, `0x${(100n * E18).toString(16)}`]);
  // Uniswap V2 with a TKA/WETH pool (10 ETH : 10,000 TKA), deployed by a liquidity provider.
  const art = await loadArtifacts();
  const deploy = async (artifact: (typeof art)[keyof typeof art], args: readonly unknown[] = []) => {
    const { encodeDeployData } = await import("viem");
    const data = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args } as never);
    const body = { from: lp!, data, gasPrice: "0x0" };
    const gas = (BigInt(await dev.request<Hex>("eth_estimateGas", [body])) * 3n) / 2n;
    const hash = await dev.request<Hash>("eth_sendTransaction", [{ ...body, gas: `0x${gas.toString(16)}` }]);
    for (;;) {
      const r = await dev.request<{ contractAddress: Address } | null>("eth_getTransactionReceipt", [hash]);
      if (r) return r.contractAddress;
      await new Promise((res) => setTimeout(res, 10));
    }
  };
  const token = await deploy(art.TestToken, ["Token A", "TKA", parseEther("1000000")]);
  const weth = await deploy(art.WETH9);
  const factory = await deploy(art.UniswapV2Factory, [lp]);
  const router = await deploy(art.UniswapV2Router02, [factory, weth]);
  await send({ from: lp!, to: token, data: dev.encode(art.TestToken, "approve", [router, maxUint256]) });
  await send({
    from: lp!,
    to: router,
    value: 10n * E18,
    data: dev.encode(art.UniswapV2Router02, "addLiquidityETH", [
      token,
      parseEther("10000"),
      0n,
      0n,
      lp,
      2n ** 40n,
    ]),
  });
  // Coinbase's hot wallet pays out the withdrawal; W swaps; W deposits back.
  withdrawalTx = await send({ from: hot!, to: W, value: E18 }, at("2025-02-03T10:04:00Z"));
  swapTx = await send(
    {
      from: W,
      to: router,
      value: E18 / 2n,
      data: dev.encode(art.UniswapV2Router02, "swapExactETHForTokens", [0n, [weth, token], W, 2n ** 40n]),
    },
    at("2025-02-05T12:00:00Z"),
  );
  depositTx = await send({ from: W, to: D, value: (4n * E18) / 10n }, at("2025-02-10T09:50:00Z"));

  dir = mkdtempSync(path.join(os.tmpdir(), "lotwise-i17-e2e-"));
  writeFileSync(
    path.join(dir, "lotwise.config.json"),
    JSON.stringify({ prices: { order: ["file", "stablecoin"] } }),
  );
  writeFileSync(path.join(dir, "prices.csv"), "asset,time,usd\nETH,2025-02-05T12:00:00Z,2800\n");
  // Coinbase's export: a preamble, `$` and thousands separators, the Send naming W in its notes.
  writeFileSync(
    path.join(dir, "coinbase.csv"),
    [
      "",
      "Transactions",
      "User,Alex Example,5f1c0a7e-0000-4000-8000-000000000001",
      "ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes",
      'cb-1,2025-01-08 14:00:00 UTC,Deposit,USD,5000,USD,$1.00,"$5,000.00","$5,000.00",$0.00,Deposit from bank',
      'cb-2,2025-01-10 15:30:00 UTC,Buy,ETH,2,USD,"$2,000.00","$4,000.00","$4,020.00",$20.00,Bought 2 ETH for 4020 USD',
      `cb-3,2025-02-03 10:00:00 UTC,Send,ETH,-1,USD,"$2,900.00","$2,900.00","$2,900.00",$0.00,Sent 1 ETH to ${W}`,
      'cb-4,2025-02-10 10:00:00 UTC,Receive,ETH,0.4,USD,"$2,700.00","$1,080.00","$1,080.00",$0.00,Received 0.4 ETH from an external account',
      'cb-5,2025-03-05 12:00:00 UTC,Sell,ETH,-1.4,USD,"$3,000.00","$4,200.00","$4,179.00",$21.00,Sold 1.4 ETH for 4179 USD',
      "",
    ].join("\n"),
  );
}, 120_000);

afterAll(async () => {
  await anvil?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Coinbase history + anvil wallet, matched both ways", () => {
  test("transfers carry Coinbase's lots; gains match the hand computation; nothing lacks basis", async () => {
    expect((await cli("wallets", "add", `evm:31337:${W}`)).code).toBe(0);
    const dep = await cli("wallets", "add", `evm:31337:${D}`, "--exchange", "--label", "coinbase:main");
    expect(dep.code).toBe(0);
    expect((await cli("prices", "import", path.join(dir, "prices.csv"))).code).toBe(0);

    const imported = await cli("import", path.join(dir, "coinbase.csv"), "--account", "coinbase:main");
    expect(imported.err).toBe("");
    expect(imported.code).toBe(0);
    expect(imported.out).toContain(
      "detected Coinbase transaction history CSV (--format coinbase); 5 rows into coinbase:main: 5 added, 0 replaced, 0 unchanged",
    );
    const sync = await cli("sync", "--rpc", `evm:31337=${anvil.url}`);
    expect(sync.code).toBe(0);
    expect(sync.out).toContain("no differences");

    const ledgerFile = path.join(dir, "ledger.csv");
    expect((await cli("ledger", "export", "--out", ledgerFile)).code).toBe(0);
    const ledger = readFileSync(ledgerFile, "utf8");
    const line = (needle: string) => ledger.split("\n").find((l) => l.includes(needle)) ?? "";
    const w = `evm:31337:${W}`;
    // The withdrawal: Coinbase → W, paired on the address the export names.
    expect(line(withdrawalTx)).toContain(`,transfer,coinbase:main,ETH,1,`);
    expect(line(withdrawalTx)).toContain(`,${w},`);
    expect(line(withdrawalTx)).toContain(`(the import names ${W} as the destination)`);
    // The deposit: W → Coinbase, paired by the registered deposit address.
    expect(line(depositTx)).toContain(`,transfer,${w},ETH,0.4,`);
    expect(line(depositTx)).toContain(",coinbase:main,");
    expect(line(depositTx)).toContain(`is a deposit address of coinbase:main`);
    expect(line(swapTx)).toContain(",swap,");
    expect(line("import:coinbase:main:cb-2:0")).toContain("file:coinbase.csv");

    const gains = await cli("gains", "--year", "2025", "--out", path.join(dir, "reports"));
    expect(gains.code).toBe(0);
    const summary = JSON.parse(readFileSync(path.join(dir, "reports", "summary.json"), "utf8"));
    expect(summary.short_term).toEqual({
      proceeds: "5579.00",
      cost_basis: "3819.00",
      adjustments: "0.00",
      gain: "1760.00",
    });
    expect(summary.long_term.gain).toBe("0.00");
    expect(summary.warnings, JSON.stringify(summary.warnings)).toEqual([]);
    const form = readFileSync(path.join(dir, "reports", "form8949.csv"), "utf8");
    expect(form).not.toMatch(/missing/i);
    // Every disposed lot is Coinbase's buy of 2025-01-10, in W and back in the account.
    const disposals = form.split("\n").filter((l) => /,ETH,/.test(l));
    expect(disposals.length).toBeGreaterThanOrEqual(2);
    for (const d of disposals) expect(d).toContain("2025-01-10");

    // The same file again stores nothing twice and changes nothing.
    const again = await cli(
      "import",
      path.join(dir, "coinbase.csv"),
      "--account",
      "coinbase:main",
      "--format",
      "coinbase",
    );
    expect(again.out).toContain(
      "read as Coinbase transaction history CSV (--format coinbase); 5 rows into coinbase:main: 0 added, 0 replaced, 5 unchanged",
    );
    expect(again.out).toContain("ledger: up to date");

    const koinly = path.join(dir, "koinly.csv");
    const k = await cli("ledger", "export", "--format", "koinly", "--out", koinly);
    expect(k.code).toBe(0);
    const krows = readFileSync(koinly, "utf8").split("\n");
    expect(krows[0]).toBe(
      "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,Net Worth Amount,Net Worth Currency,Label,Description,TxHash",
    );
    expect(krows.some((l) => l.startsWith("2025-03-05 12:00:00 UTC,1.4,ETH,4200,USD,21,USD,4200,USD,"))).toBe(
      true,
    );
    const ct = path.join(dir, "cointracker.csv");
    expect((await cli("ledger", "export", "--format", "cointracker", "--out", ct)).code).toBe(0);
    expect(readFileSync(ct, "utf8")).toContain("01/10/2025 15:30:00,2,ETH,4000,USD,20,USD,");
  }, 300_000);

  test("a bad row stops the import with FILE:LINE: column: problem and exit 2", async () => {
    const bad = path.join(dir, "bad.csv");
    writeFileSync(
      bad,
      readFileSync(path.join(dir, "coinbase.csv"), "utf8").replace('"$4,200.00"', '"$4.200,00"'),
    );
    const r = await cli("import", bad, "--account", "coinbase:main");
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}:9: Subtotal: not a number`);
    const unknown = path.join(dir, "unknown.csv");
    writeFileSync(unknown, "when,what,how much\n2025-01-01,buy,1\n");
    const u = await cli("import", unknown, "--account", "coinbase:main");
    expect(u.code).toBe(2);
    expect(u.err).toContain("unknown format");
    expect(u.err).toContain("detected: line 1 starts 'when,what,how much'");
    expect(u.err).toContain("supported: coinbase");
  }, 120_000);
});
