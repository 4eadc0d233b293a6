import { type Address, type Hash, maxUint256 } from "viem";
import { type Artifacts, createDevClient, type DevClient, loadArtifacts } from "../devchain/index.ts";
import { pairPrice } from "../prices/providers/onchain.ts";

/**
 * The demo's dated history on a local chain: one taxpayer with two wallets (`hot`, `cold`) and a
 * Coinbase account, from a 2023 purchase through a full 2025 tax year of swaps, transfers,
 * liquidity, wrapping, a failed transaction, an approval, a payment received and one made.
 * A `market` account deploys a USD stablecoin, a token, WETH and Uniswap V2, provides the
 * liquidity and moves the ETH price between the taxpayer's trades, so on-chain pool prices follow
 * a realistic path ($3,400 → $2,800 → $3,900 → $2,300).
 */

export type DemoAccounts = {
  market: Address;
  hot: Address;
  cold: Address;
  /** Coinbase's hot wallet: withdrawals from the taxpayer's Coinbase account come from here. */
  coinbase: Address;
  /** Coinbase deposit address the taxpayer labels as such. */
  coinbaseDeposit: Address;
  merchant: Address;
  friend: Address;
};

export type DemoContracts = {
  usdc: Address;
  lot: Address;
  weth: Address;
  factory: Address;
  router: Address;
  forwarder: Address;
  wethUsdcPair: Address;
  lotUsdcPair: Address;
};

/** A step the taxpayer (or the world) took, with its transaction. */
export type DemoStep = { date: string; what: string; tx: Hash };

export type DemoHistory = {
  accounts: DemoAccounts;
  contracts: DemoContracts;
  steps: DemoStep[];
  /** The taxpayer's Coinbase history (buys, withdrawals, sales) as ledger CSV v1 rows. */
  coinbaseCsv: string;
  /** Coinbase's Form 1099-DA for 2025 as 1099-DA CSV v1 (it differs from the books in two ways). */
  form1099daCsv: string;
  /** USD per ETH and per LOT in the demo chain's pools after the last step (for year-end prices). */
  closingPrices: { eth: string; lot: string };
};

const DEADLINE = 2n ** 40n;
const E = 10n ** 18n;

/** Unix seconds of an ISO instant. */
const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** Integer square root (Newton). */
const isqrt = (n: bigint): bigint => {
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2n;
  }
  return x;
};

export const playDemoHistory = async (
  rpcUrl: string,
  onStep?: (step: DemoStep) => void,
): Promise<DemoHistory> => {
  const dev = createDevClient(rpcUrl);
  const art = await loadArtifacts();
  const list = await dev.accounts();
  if (list.length < 7) throw new Error("the demo chain needs 7 unlocked accounts");
  const accounts: DemoAccounts = {
    market: list[0]!,
    hot: list[1]!,
    cold: list[2]!,
    coinbase: list[3]!,
    coinbaseDeposit: list[4]!,
    merchant: list[5]!,
    friend: list[6]!,
  };
  const steps: DemoStep[] = [];
  const { market, hot, cold } = accounts;

  const when = async (iso: string) => dev.request("evm_setNextBlockTimestamp", [at(iso)]);
  const send = async (
    iso: string,
    what: string,
    req: Parameters<DevClient["send"]>[0],
    expect: "success" | "failed" = "success",
  ) => {
    await when(iso);
    // A fixed gas limit: estimates made before the timestamp jump can fall short (Uniswap's
    // price accumulators write more storage in a new block). Fees are gasUsed × price, not the limit.
    const receipt = await dev.send({ gas: 1_000_000n, ...req }, expect);
    const step = { date: iso, what, tx: receipt.transactionHash };
    steps.push(step);
    onStep?.(step);
    return receipt.transactionHash;
  };
  const fn = (to: Address, artifact: keyof Artifacts, name: string, args: readonly unknown[] = []) => ({
    to,
    data: dev.encode(art[artifact], name, args),
  });

  // --- 2024-05-31: the market sets up (not the taxpayer's history) ---
  const setup = async (iso: string, req: Parameters<DevClient["send"]>[0]) => {
    await when(iso);
    return dev.send({ gas: 6_000_000n, ...req });
  };
  let clock = at("2024-05-31T00:00:00Z");
  const tick = () => {
    clock += 60;
    return new Date(clock * 1000).toISOString();
  };
  await when(tick());
  const usdc = await dev.deploy(market, art.TestToken, ["USD Coin", "USDC", 100_000_000n * E]);
  await when(tick());
  const lot = await dev.deploy(market, art.TestToken, ["Lot Token", "LOT", 10_000_000n * E]);
  await when(tick());
  const weth = await dev.deploy(market, art.WETH9);
  await when(tick());
  const factory = await dev.deploy(market, art.UniswapV2Factory, [market]);
  await when(tick());
  const router = await dev.deploy(market, art.UniswapV2Router02, [factory, weth]);
  await when(tick());
  const forwarder = await dev.deploy(market, art.Forwarder);
  for (const token of [usdc, lot])
    await setup(tick(), { from: market, ...fn(token, "TestToken", "approve", [router, maxUint256]) });
  // 1,000 ETH : 3,400,000 USDC (ETH at $3,400) and 1,000,000 LOT : 500,000 USDC (LOT at $0.50).
  await setup(tick(), {
    from: market,
    value: 1000n * E,
    ...fn(router, "UniswapV2Router02", "addLiquidityETH", [usdc, 3_400_000n * E, 0n, 0n, market, DEADLINE]),
  });
  await setup(tick(), {
    from: market,
    ...fn(router, "UniswapV2Router02", "addLiquidity", [
      lot,
      usdc,
      1_000_000n * E,
      500_000n * E,
      0n,
      0n,
      market,
      DEADLINE,
    ]),
  });
  const wethUsdcPair = await dev.call<Address>(factory, art.UniswapV2Factory, "getPair", [weth, usdc]);
  const lotUsdcPair = await dev.call<Address>(factory, art.UniswapV2Factory, "getPair", [lot, usdc]);
  const contracts: DemoContracts = { usdc, lot, weth, factory, router, forwarder, wethUsdcPair, lotUsdcPair };

  /** Moves the ETH price in the WETH/USDC pool to about `usd` (the market trades against it). */
  const moveEthPrice = async (iso: string, usd: bigint) => {
    const [r0, r1] = await dev.call<[bigint, bigint, number]>(wethUsdcPair, art.UniswapV2Pair, "getReserves");
    const token0 = await dev.call<Address>(wethUsdcPair, art.UniswapV2Pair, "token0");
    const [x, y] = token0.toLowerCase() === weth.toLowerCase() ? [r0, r1] : [r1, r0];
    const k = x * y;
    const targetY = isqrt(k * usd);
    if (targetY > y) {
      const amountIn = ((targetY - y) * 1000n) / 997n;
      await setup(iso, {
        from: market,
        ...fn(router, "UniswapV2Router02", "swapExactTokensForETH", [
          amountIn,
          0n,
          [usdc, weth],
          market,
          DEADLINE,
        ]),
      });
    } else {
      const targetX = isqrt(k / usd);
      const amountIn = ((targetX - x) * 1000n) / 997n;
      await setup(iso, {
        from: market,
        value: amountIn,
        ...fn(router, "UniswapV2Router02", "swapExactETHForTokens", [0n, [weth, usdc], market, DEADLINE]),
      });
    }
  };

  // --- the taxpayer's history ---
  // 2023-11-01 Coinbase buy of 2 ETH and 2025-01-02 buy of 5 ETH are in the Coinbase export below.
  await send("2024-06-01T15:00:00Z", "Coinbase → hot: withdraw 2 ETH", {
    from: accounts.coinbase,
    to: hot,
    value: 2n * E,
  });
  await send("2025-01-03T10:00:00Z", "Coinbase → hot: withdraw 5 ETH", {
    from: accounts.coinbase,
    to: hot,
    value: 5n * E,
  });
  await send("2025-01-20T14:00:00Z", "hot: swap 1 ETH → USDC", {
    from: hot,
    value: 1n * E,
    ...fn(router, "UniswapV2Router02", "swapExactETHForTokens", [0n, [weth, usdc], hot, DEADLINE]),
  });
  await send("2025-02-10T09:30:00Z", "hot → cold: 0.5 ETH", { from: hot, to: cold, value: E / 2n });
  await moveEthPrice("2025-03-01T00:00:00Z", 2800n);
  await send("2025-03-05T16:00:00Z", "hot: approve router for USDC", {
    from: hot,
    ...fn(usdc, "TestToken", "approve", [router, maxUint256]),
  });
  await send("2025-03-05T16:05:00Z", "hot: swap 1,000 USDC → LOT", {
    from: hot,
    ...fn(router, "UniswapV2Router02", "swapExactTokensForTokens", [
      1000n * E,
      0n,
      [usdc, lot],
      hot,
      DEADLINE,
    ]),
  });
  await send("2025-03-15T11:00:00Z", "hot: approve router for LOT", {
    from: hot,
    ...fn(lot, "TestToken", "approve", [router, maxUint256]),
  });
  await send("2025-04-01T12:00:00Z", "hot: add liquidity 500 LOT + USDC", {
    from: hot,
    ...fn(router, "UniswapV2Router02", "addLiquidity", [
      lot,
      usdc,
      500n * E,
      1000n * E,
      0n,
      0n,
      hot,
      DEADLINE,
    ]),
  });
  await send("2025-05-10T08:00:00Z", "cold: wrap 0.2 ETH", {
    from: cold,
    value: E / 5n,
    ...fn(weth, "WETH9", "deposit"),
  });
  await send("2025-05-11T08:00:00Z", "cold: unwrap 0.1 WETH", {
    from: cold,
    ...fn(weth, "WETH9", "withdraw", [E / 10n]),
  });
  await moveEthPrice("2025-06-01T00:00:00Z", 3900n);
  await send("2025-06-02T13:00:00Z", "cold: swap 0.3 ETH → USDC", {
    from: cold,
    value: (3n * E) / 10n,
    ...fn(router, "UniswapV2Router02", "swapExactETHForTokens", [0n, [weth, usdc], cold, DEADLINE]),
  });
  await send(
    "2025-07-04T18:00:00Z",
    "hot: a transaction that fails (still pays gas)",
    { from: hot, gas: 100_000n, ...fn(forwarder, "Forwarder", "fail") },
    "failed",
  );
  const lp = await dev.call<bigint>(lotUsdcPair, art.UniswapV2Pair, "balanceOf", [hot]);
  await send("2025-08-14T10:00:00Z", "hot: approve router for the LP token", {
    from: hot,
    ...fn(lotUsdcPair, "UniswapV2Pair", "approve", [router, maxUint256]),
  });
  await send("2025-08-15T10:00:00Z", "hot: remove all liquidity", {
    from: hot,
    ...fn(router, "UniswapV2Router02", "removeLiquidity", [lot, usdc, lp, 0n, 0n, hot, DEADLINE]),
  });
  await send("2025-09-01T17:00:00Z", "friend pays cold 0.05 ETH (through a contract)", {
    from: accounts.friend,
    value: E / 20n,
    ...fn(forwarder, "Forwarder", "forward", [cold]),
  });
  await moveEthPrice("2025-10-15T00:00:00Z", 2300n);
  await send("2025-10-20T15:00:00Z", "hot: swap 0.5 ETH → USDC", {
    from: hot,
    value: E / 2n,
    ...fn(router, "UniswapV2Router02", "swapExactETHForTokens", [0n, [weth, usdc], hot, DEADLINE]),
  });
  await send("2025-11-05T12:00:00Z", "hot → cold: 300 USDC", {
    from: hot,
    ...fn(usdc, "TestToken", "transfer", [cold, 300n * E]),
  });
  await send("2025-11-06T12:00:00Z", "cold pays a merchant 200 USDC", {
    from: cold,
    ...fn(usdc, "TestToken", "transfer", [accounts.merchant, 200n * E]),
  });
  await send("2025-12-15T09:00:00Z", "hot → Coinbase deposit address: 1,000 USDC", {
    from: hot,
    ...fn(usdc, "TestToken", "transfer", [accounts.coinbaseDeposit, 1000n * E]),
  });

  const hotKey = `evm:31337:${hot}`;
  const coinbaseCsv = [
    "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,subtype,note",
    "cb-1,2023-11-01T16:00:00Z,buy,coinbase:main,,,ETH,2,3600,USD,,14.99,,,Coinbase buy",
    `cb-2,2024-06-01T15:00:00Z,transfer,coinbase:main,ETH,2,,,,,,,${hotKey},,withdrawal to hot wallet`,
    "cb-3,2025-01-02T15:00:00Z,buy,coinbase:main,,,ETH,5,17000,USD,,24.99,,,Coinbase buy",
    `cb-4,2025-01-03T10:00:00Z,transfer,coinbase:main,ETH,5,,,,,,,${hotKey},,withdrawal to hot wallet`,
    "cb-5,2025-03-10T14:00:00Z,buy,coinbase:main,,,ETH,1,2750.00,USD,,10.00,,,Coinbase buy",
    "cb-6,2025-08-20T15:30:00Z,sell,coinbase:main,ETH,0.4,,,1640.00,USD,,6.50,,,Coinbase sell",
    "cb-7,2025-12-18T11:00:00Z,sell,coinbase:main,USDC,500,,,500.00,,,,,,Coinbase sell of deposited USDC",
    "",
  ].join("\n");
  /*
   * Coinbase's Form 1099-DA for 2025 differs from the books twice: the ETH sale's $6.50 fee is not
   * netted from box 1f (code E), and the USDC deposited from the hot wallet has basis 0 (Coinbase
   * never saw its purchase; code B).
   */
  const form1099daCsv = [
    "broker,account,transaction_id,asset_name,units,date_acquired,date_sold,proceeds,cost_basis,basis_reported,term,noncovered",
    "Coinbase,DEMO-4417,cb-6,Ethereum,0.4,03/10/2025,08/20/2025,1640.00,1104.00,false,short,X",
    "Coinbase,DEMO-4417,cb-7,USD Coin,500,,12/18/2025,500.00,0.00,false,short,X",
    "",
  ].join("\n");
  // The pools' prices after the last step: ETH ended the year around $2,300, below the January purchase.
  const priceIn = async (pair: Address, token: Address) => {
    const [r0, r1] = await dev.call<[bigint, bigint, number]>(pair, art.UniswapV2Pair, "getReserves");
    const token0 = await dev.call<Address>(pair, art.UniswapV2Pair, "token0");
    const [tokenReserve, stableReserve] = token0.toLowerCase() === token.toLowerCase() ? [r0, r1] : [r1, r0];
    return pairPrice({ tokenReserve, stableReserve, tokenDecimals: 18, stableDecimals: 18 })!;
  };
  const closingPrices = { eth: await priceIn(wethUsdcPair, weth), lot: await priceIn(lotUsdcPair, lot) };
  return { accounts, contracts, steps, coinbaseCsv, form1099daCsv, closingPrices };
};
