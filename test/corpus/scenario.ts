import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Abi,
  type Address,
  decodeEventLog,
  formatEther,
  type Hash,
  type Hex,
  maxUint256,
  parseEther,
} from "viem";
import type { CompiledContract } from "../../src/devchain/compile.ts";
import { compileContracts } from "../../src/devchain/compile.ts";
import { createDevClient, type DevClient, loadArtifacts } from "../../src/devchain/contracts.ts";

/**
 * The classification corpus: transactions played on one anvil by a user with wallets A, B and C
 * (plus an exchange deposit address E), each labelled by hand with the ledger rows a careful
 * bookkeeper would write and the review items that must be raised. Amounts are round numbers;
 * where a protocol decides an amount (a pool's output, a V3 position's liquidity) it is read from
 * the contracts (or the transaction's own event) before the labels are written, never from lotwise.
 *
 * A label is a list of rows summarized per (type, wallet, to wallet, subtype): assets out and in
 * (summed), and the review reasons. Network fees are checked separately (each sending wallet's
 * gas, from its receipt, plus any same-asset fee the label names).
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const DEADLINE = 2n ** 40n;
const E18 = 10n ** 18n;

export type LabelRow = {
  type: string;
  /** `A`, `B`, `C`, or an account key. */
  wallet: string;
  to?: string;
  subtype?: string;
  out?: Record<string, string>;
  in?: Record<string, string>;
  /** Same-asset fee on the row beyond the gas (a bridge or withdrawal gap), in ETH or the asset. */
  fee?: Record<string, string>;
};

export type Labelled = {
  step: string;
  hash: Hash;
  /** Who paid the gas (an own wallet), or none. */
  payer?: "A" | "B" | "C";
  rows: LabelRow[];
  reviews: string[];
  /** What the case is about (printed in the accuracy report). */
  kind: string;
};

export type Corpus = {
  accounts: Record<"deployer" | "A" | "B" | "C" | "E" | "M" | "S" | "X", Address>;
  contracts: Record<string, Address>;
  labelled: Labelled[];
  /** Asset label → canonical ledger asset id. */
  assets: Record<string, string>;
};

const v3 = (pkg: "core" | "periphery", name: string): CompiledContract => {
  const dir = pkg === "core" ? "@uniswap/v3-core" : "@uniswap/v3-periphery";
  const file = require.resolve(`${dir}/artifacts/contracts/${name}.sol/${name}.json`);
  const json = JSON.parse(readFileSync(file, "utf8")) as { abi: Abi; bytecode: Hex };
  return { abi: json.abi, bytecode: json.bytecode };
};

const q = (wei: bigint) => formatEther(wei);

/** Plays the corpus on the node at `rpcUrl` (anvil, automine, 60 s between blocks). */
export const playCorpus = async (rpcUrl: string): Promise<Corpus> => {
  const dev = createDevClient(rpcUrl);
  const art = await loadArtifacts();
  const own = await compileContracts(path.join(here, "contracts"));
  const V3Factory = v3("core", "UniswapV3Factory");
  const NPM = v3("periphery", "NonfungiblePositionManager");
  const Router3 = v3("periphery", "SwapRouter");
  const [deployer, A, B, C, E, M, S, X] = (await dev.accounts()) as [
    Address,
    Address,
    Address,
    Address,
    Address,
    Address,
    Address,
    Address,
  ];
  await dev.request("anvil_setBlockTimestampInterval", [60]);
  const later = async (seconds: number) => {
    await dev.request("evm_increaseTime", [seconds]);
  };
  const send = async (req: Parameters<DevClient["send"]>[0], expect: "success" | "failed" = "success") =>
    (await dev.send(req, expect)).transactionHash;
  const call = (to: Address, c: CompiledContract, fn: string, args: readonly unknown[] = []) => ({
    to,
    data: dev.encode(c, fn, args),
  });

  // Contracts.
  const tka = await dev.deploy(deployer, art.TestToken, ["Token A", "TKA", parseEther("10000000")]);
  const usdc = await dev.deploy(deployer, art.TestToken, ["USD Coin", "USDC", parseEther("10000000")]);
  const weth = await dev.deploy(deployer, art.WETH9);
  const factory = await dev.deploy(deployer, art.UniswapV2Factory, [deployer]);
  const router = await dev.deploy(deployer, art.UniswapV2Router02, [factory, weth]);
  await send({ from: deployer, ...call(factory, art.UniswapV2Factory, "createPair", [tka, weth]) });
  const pair = await dev.call<Address>(factory, art.UniswapV2Factory, "getPair", [tka, weth]);
  const forwarder = await dev.deploy(deployer, art.Forwarder);
  const nft = await dev.deploy(deployer, art.TestNFT);
  const bridge = await dev.deploy(deployer, own.Bridge!);
  const shop = await dev.deploy(deployer, own.Shop!);
  const distributor = await dev.deploy(deployer, own.Distributor!, [tka]);
  const rewards = await dev.deploy(deployer, own.Distributor!, [tka]);
  const lending = await dev.deploy(deployer, own.LendingPool!, [usdc]);
  const aToken = await dev.call<Address>(lending, own.LendingPool!, "receipt");
  const steth = await dev.deploy(deployer, own.StakedEther!);
  const spam = await dev.deploy(deployer, own.SpamToken!);
  const v3factory = await dev.deploy(deployer, V3Factory);
  const npm = await dev.deploy(deployer, NPM, [
    v3factory,
    weth,
    "0x0000000000000000000000000000000000000000",
  ]);
  const router3 = await dev.deploy(deployer, Router3, [v3factory, weth]);
  const [t0, t1] = tka.toLowerCase() < weth.toLowerCase() ? [tka, weth] : [weth, tka];
  await send({
    from: deployer,
    ...call(npm, NPM, "createAndInitializePoolIfNecessary", [t0, t1, 3000, 2n ** 96n]),
    gas: 6_000_000n,
  });
  const v3pool = await dev.call<Address>(v3factory, V3Factory, "getPool", [tka, weth, 3000]);

  // Funding (not part of the corpus: the outside world).
  for (const w of [A, B, C]) {
    await send({ from: deployer, ...call(tka, art.TestToken, "transfer", [w, parseEther("5000")]) });
  }
  await send({ from: deployer, ...call(usdc, art.TestToken, "transfer", [A, parseEther("2000")]) });
  await send({ from: deployer, ...call(tka, art.TestToken, "transfer", [distributor, parseEther("100")]) });
  await send({ from: deployer, ...call(tka, art.TestToken, "transfer", [rewards, parseEther("100")]) });
  await send({ from: deployer, ...call(tka, art.TestToken, "transfer", [bridge, parseEther("100")]) });
  await send({ from: deployer, ...call(distributor, own.Distributor!, "set", [A, parseEther("10")]) });
  await send({ from: deployer, ...call(rewards, own.Distributor!, "set", [B, parseEther("5")]) });
  await send({ from: deployer, value: parseEther("10"), to: bridge });
  await send({ from: deployer, value: parseEther("10"), to: shop });
  await later(7200);

  const labelled: Labelled[] = [];
  const add = (l: Omit<Labelled, "hash">, hash: Hash) => labelled.push({ ...l, hash });
  const TKA = "TKA";

  // — Self-transfers, directly and through a contract that only forwards —
  add(
    {
      step: "ethAtoB",
      kind: "self-transfer",
      payer: "A",
      rows: [{ type: "transfer", wallet: "A", to: "B", out: { ETH: "1" } }],
      reviews: [],
    },
    await send({ from: A, to: B, value: parseEther("1") }),
  );
  add(
    {
      step: "tokenAtoB",
      kind: "self-transfer",
      payer: "A",
      rows: [{ type: "transfer", wallet: "A", to: "B", out: { TKA: "100" } }],
      reviews: [],
    },
    await send({ from: A, ...call(tka, art.TestToken, "transfer", [B, parseEther("100")]) }),
  );
  add(
    {
      step: "forwardAtoC",
      kind: "self-transfer via forwarder",
      payer: "A",
      rows: [{ type: "transfer", wallet: "A", to: "C", out: { ETH: "0.5" } }],
      reviews: [],
    },
    await send({ from: A, value: parseEther("0.5"), ...call(forwarder, art.Forwarder, "forward", [C]) }),
  );
  add(
    {
      step: "splitToBandC",
      kind: "self-transfer via forwarder (split)",
      payer: "A",
      rows: [
        { type: "transfer", wallet: "A", to: "B", out: { ETH: "0.1" } },
        { type: "transfer", wallet: "A", to: "C", out: { ETH: "0.1" } },
      ],
      reviews: [],
    },
    await send({ from: A, value: parseEther("0.2"), ...call(forwarder, art.Forwarder, "split", [B, C]) }),
  );
  add(
    { step: "selfSend", kind: "self-send", payer: "A", rows: [{ type: "fee", wallet: "A" }], reviews: [] },
    await send({ from: A, to: A, value: parseEther("0.01") }),
  );
  await send({ from: deployer, ...call(nft, art.TestNFT, "mint", [A, 7n]) });
  add(
    {
      step: "nftAtoB",
      kind: "self-transfer (NFT)",
      payer: "A",
      rows: [{ type: "transfer", wallet: "A", to: "B", out: { NFT: "1" } }],
      reviews: [],
    },
    await send({ from: A, ...call(nft, art.TestNFT, "transferFrom", [A, B, 7n]) }),
  );

  // — Look-alike payments: a payment and an unrelated arrival three hours later —
  add(
    {
      step: "payMerchant",
      kind: "look-alike payment",
      payer: "A",
      rows: [{ type: "fee", wallet: "A" }],
      reviews: ["unmatched_outflow"],
    },
    await send({ from: A, to: M, value: parseEther("1") }),
  );
  await later(3 * 3600);
  add(
    { step: "strangerPaysB", kind: "look-alike arrival", rows: [], reviews: ["unmatched_inflow"] },
    await send({ from: S, to: B, value: parseEther("0.97") }),
  );
  await later(7200);
  add(
    {
      step: "payMerchantUsdc",
      kind: "payment (token)",
      payer: "A",
      rows: [{ type: "fee", wallet: "A" }],
      reviews: ["unmatched_outflow"],
    },
    await send({ from: A, ...call(usdc, art.TestToken, "transfer", [M, parseEther("50")]) }),
  );
  await later(7 * 3600);

  // — Through an address nobody labelled (an exchange's hot wallet): one candidate, for confirmation —
  add(
    {
      step: "toHotWallet",
      kind: "unique candidate on amount and time",
      payer: "A",
      rows: [
        {
          type: "transfer",
          wallet: "A",
          to: "C",
          subtype: "transfer",
          out: { ETH: "1.999" },
          fee: { ETH: "0.001" },
        },
        { type: "fee", wallet: "A" },
      ],
      reviews: ["confirm_match"],
    },
    await send({ from: A, to: X, value: parseEther("2") }),
  );
  add(
    { step: "fromHotWallet", kind: "unique candidate on amount and time (arrival)", rows: [], reviews: [] },
    await send({ from: X, to: C, value: parseEther("1.999") }),
  );
  await later(7 * 3600);
  // Several candidates: nothing paired, ranked in review.
  add(
    {
      step: "toHotWallet2",
      kind: "ambiguous candidates",
      payer: "A",
      rows: [{ type: "fee", wallet: "A" }],
      reviews: ["ambiguous_match"],
    },
    await send({ from: A, to: X, value: parseEther("3") }),
  );
  add(
    { step: "hotToB", kind: "ambiguous candidates (arrival 1)", rows: [], reviews: ["ambiguous_match"] },
    await send({ from: X, to: B, value: parseEther("3") }),
  );
  add(
    { step: "hotToC", kind: "ambiguous candidates (arrival 2)", rows: [], reviews: ["ambiguous_match"] },
    await send({ from: X, to: C, value: parseEther("2.995") }),
  );
  await later(7 * 3600);

  // — Bridges (a known bridge contract on both sides is the evidence) —
  add(
    {
      step: "bridgeOut",
      kind: "bridge",
      payer: "A",
      rows: [
        {
          type: "transfer",
          wallet: "A",
          to: "B",
          subtype: "bridge",
          out: { ETH: "0.99" },
          fee: { ETH: "0.01" },
        },
        { type: "fee", wallet: "A" },
      ],
      reviews: [],
    },
    await send({ from: A, value: parseEther("1"), ...call(bridge, own.Bridge!, "deposit", [B]) }),
  );
  add(
    { step: "bridgeIn", kind: "bridge (release)", rows: [], reviews: [] },
    await send({ from: S, ...call(bridge, own.Bridge!, "release", [B, parseEther("0.99")]) }),
  );
  await send({ from: A, ...call(tka, art.TestToken, "approve", [bridge, maxUint256]) });
  add(
    {
      step: "bridgeTokenOut",
      kind: "bridge (token)",
      payer: "A",
      rows: [
        {
          type: "transfer",
          wallet: "A",
          to: "C",
          subtype: "bridge",
          out: { TKA: "49.5" },
          fee: { TKA: "0.5" },
        },
        { type: "fee", wallet: "A" },
      ],
      reviews: [],
    },
    await send({ from: A, ...call(bridge, own.Bridge!, "depositToken", [tka, C, parseEther("50")]) }),
  );
  add(
    { step: "bridgeTokenIn", kind: "bridge (token release)", rows: [], reviews: [] },
    await send({ from: S, ...call(bridge, own.Bridge!, "releaseToken", [tka, C, parseEther("49.5")]) }),
  );
  await later(7 * 3600);

  // — A purchase and its refund: the same wallet, so nothing pairs; both for review —
  add(
    {
      step: "buy",
      kind: "refund (payment)",
      payer: "A",
      rows: [{ type: "fee", wallet: "A" }],
      reviews: ["unmatched_outflow"],
    },
    await send({ from: A, value: parseEther("0.2"), ...call(shop, own.Shop!, "buy") }),
  );
  add(
    { step: "refund", kind: "refund", rows: [], reviews: ["unmatched_inflow"] },
    await send({ from: S, ...call(shop, own.Shop!, "refund", [A, parseEther("0.2")]) }),
  );

  // — Rewards: a claim alone is no evidence of income; the user's rule for a distributor is —
  add(
    {
      step: "claimUnknown",
      kind: "wallet-initiated claim (no evidence)",
      payer: "A",
      rows: [{ type: "fee", wallet: "A" }],
      reviews: ["unmatched_inflow"],
    },
    await send({ from: A, ...call(distributor, own.Distributor!, "claim") }),
  );
  add(
    {
      step: "claimByRule",
      kind: "reward (user's rule)",
      payer: "B",
      rows: [{ type: "income", wallet: "B", subtype: "reward", in: { TKA: "5" } }],
      reviews: [],
    },
    await send({ from: B, ...call(rewards, own.Distributor!, "claim") }),
  );
  add(
    { step: "strangerTokens", kind: "unsolicited tokens", rows: [], reviews: ["unmatched_inflow"] },
    await send({ from: deployer, ...call(tka, art.TestToken, "transfer", [C, parseEther("7")]) }),
  );

  // — Exchange deposit address (labelled) —
  add(
    {
      step: "depositToExchange",
      kind: "exchange deposit address",
      payer: "A",
      rows: [{ type: "transfer", wallet: "A", to: "coinbase:main", out: { ETH: "1" } }],
      reviews: [],
    },
    await send({ from: A, to: E, value: parseEther("1") }),
  );
  add(
    {
      step: "withdrawFromExchange",
      kind: "exchange deposit address (inflow)",
      rows: [{ type: "transfer", wallet: "coinbase:main", to: "B", out: { ETH: "0.5" } }],
      reviews: [],
    },
    await send({ from: E, to: B, value: parseEther("0.5") }),
  );

  // — Wraps —
  add(
    {
      step: "wrap",
      kind: "wrap",
      payer: "B",
      rows: [{ type: "fee", wallet: "B", subtype: "wrap" }],
      reviews: [],
    },
    await send({ from: B, value: parseEther("0.5"), ...call(weth, art.WETH9, "deposit") }),
  );
  add(
    {
      step: "unwrap",
      kind: "unwrap",
      payer: "B",
      rows: [{ type: "fee", wallet: "B", subtype: "unwrap" }],
      reviews: [],
    },
    await send({ from: B, ...call(weth, art.WETH9, "withdraw", [parseEther("0.2")]) }),
  );

  // — Uniswap V2 —
  add(
    {
      step: "approveRouter",
      kind: "approval",
      payer: "A",
      rows: [{ type: "fee", wallet: "A", subtype: "approval" }],
      reviews: [],
    },
    await send({ from: A, ...call(tka, art.TestToken, "approve", [router, maxUint256]) }),
  );
  const addLiq = await send({
    from: A,
    value: parseEther("2"),
    ...call(router, art.UniswapV2Router02, "addLiquidityETH", [tka, parseEther("500"), 0n, 0n, A, DEADLINE]),
  });
  const lp = await dev.call<bigint>(pair, art.UniswapV2Pair, "balanceOf", [A]);
  add(
    {
      step: "v2AddLiquidity",
      kind: "LP in (V2)",
      payer: "A",
      rows: [
        {
          type: "swap",
          wallet: "A",
          subtype: "lp_deposit",
          out: { TKA: "500", ETH: "2" },
          in: { LP: q(lp) },
        },
      ],
      reviews: [],
    },
    addLiq,
  );
  const [, tkaOut] = await dev.call<readonly bigint[]>(router, art.UniswapV2Router02, "getAmountsOut", [
    parseEther("0.1"),
    [weth, tka],
  ]);
  add(
    {
      step: "v2SwapEthForTka",
      kind: "swap (V2)",
      payer: "B",
      rows: [{ type: "swap", wallet: "B", subtype: "swap", out: { ETH: "0.1" }, in: { TKA: q(tkaOut!) } }],
      reviews: [],
    },
    await send({
      from: B,
      value: parseEther("0.1"),
      ...call(router, art.UniswapV2Router02, "swapExactETHForTokens", [0n, [weth, tka], B, DEADLINE]),
    }),
  );
  await send({ from: A, ...call(pair, art.UniswapV2Pair, "approve", [router, maxUint256]) });
  const supply = await dev.call<bigint>(pair, art.UniswapV2Pair, "totalSupply");
  const bal = (t: Address, who: Address) => dev.call<bigint>(t, art.TestToken, "balanceOf", [who]);
  const lpOut = lp / 2n;
  const tkaBack = (lpOut * (await bal(tka, pair))) / supply;
  const ethBack = (lpOut * (await bal(weth, pair))) / supply;
  add(
    {
      step: "v2RemoveLiquidity",
      kind: "LP out (V2)",
      payer: "A",
      rows: [
        {
          type: "swap",
          wallet: "A",
          subtype: "lp_withdrawal",
          out: { LP: q(lpOut) },
          in: { TKA: q(tkaBack), ETH: q(ethBack) },
        },
      ],
      reviews: [],
    },
    await send({
      from: A,
      ...call(router, art.UniswapV2Router02, "removeLiquidityETH", [tka, lpOut, 0n, 0n, A, DEADLINE]),
    }),
  );

  // — Uniswap V3: mint with an ETH refund, decrease and collect apart, then together —
  add(
    {
      step: "approveNpm",
      kind: "approval",
      payer: "A",
      rows: [{ type: "fee", wallet: "A", subtype: "approval" }],
      reviews: [],
    },
    await send({ from: A, ...call(tka, art.TestToken, "approve", [npm, maxUint256]) }),
  );
  const TICK = 887220;
  const [d0, d1] = t0 === tka ? [parseEther("1"), parseEther("2")] : [parseEther("2"), parseEther("1")];
  const mintData = dev.encode(NPM, "mint", [
    {
      token0: t0,
      token1: t1,
      fee: 3000,
      tickLower: -TICK,
      tickUpper: TICK,
      amount0Desired: d0,
      amount1Desired: d1,
      amount0Min: 0n,
      amount1Min: 0n,
      recipient: A,
      deadline: DEADLINE,
    },
  ]);
  const mintReceipt = await dev.send({
    from: A,
    to: npm,
    value: parseEther("2"),
    data: dev.encode(NPM, "multicall", [[mintData, dev.encode(NPM, "refundETH")]]),
    gas: 1_500_000n,
  });
  const inc = eventOf(NPM, mintReceipt, "IncreaseLiquidity") as {
    tokenId: bigint;
    liquidity: bigint;
    amount0: bigint;
    amount1: bigint;
  };
  const tokenId = inc.tokenId;
  const [tkaIn, ethIn] = t0 === tka ? [inc.amount0, inc.amount1] : [inc.amount1, inc.amount0];
  // 2 ETH sent, 2 − ethIn refunded: ethIn spent.
  add(
    {
      step: "v3Mint",
      kind: "LP in (V3, ETH refund)",
      payer: "A",
      rows: [
        {
          type: "swap",
          wallet: "A",
          subtype: "lp_deposit",
          out: { TKA: q(tkaIn), ETH: q(ethIn) },
          in: { V3: inc.liquidity.toString() },
        },
      ],
      reviews: [],
    },
    mintReceipt.transactionHash,
  );
  const half = inc.liquidity / 2n;
  const decReceipt = await dev.send({
    from: A,
    ...call(npm, NPM, "decreaseLiquidity", [
      { tokenId, liquidity: half, amount0Min: 0n, amount1Min: 0n, deadline: DEADLINE },
    ]),
    gas: 1_000_000n,
  });
  const dec = eventOf(NPM, decReceipt, "DecreaseLiquidity") as { amount0: bigint; amount1: bigint };
  add(
    {
      step: "v3Decrease",
      kind: "LP out (V3): decrease alone",
      payer: "A",
      rows: [{ type: "fee", wallet: "A", subtype: "lp_withdrawal" }],
      reviews: [],
    },
    decReceipt.transactionHash,
  );
  // Someone trades through the pool: the position earns fees.
  await send({
    from: S,
    value: parseEther("0.3"),
    ...call(router3, Router3, "exactInputSingle", [
      {
        tokenIn: weth,
        tokenOut: tka,
        fee: 3000,
        recipient: S,
        deadline: DEADLINE,
        amountIn: parseEther("0.3"),
        amountOutMinimum: 0n,
        sqrtPriceLimitX96: 0n,
      },
    ]),
    gas: 1_000_000n,
  });
  const max128 = 2n ** 128n - 1n;
  const colReceipt = await dev.send({
    from: A,
    ...call(npm, NPM, "collect", [{ tokenId, recipient: A, amount0Max: max128, amount1Max: max128 }]),
    gas: 1_000_000n,
  });
  const col = eventOf(NPM, colReceipt, "Collect") as { amount0: bigint; amount1: bigint };
  const [pTka, pEth] = t0 === tka ? [dec.amount0, dec.amount1] : [dec.amount1, dec.amount0];
  const [cTka, cEth] = t0 === tka ? [col.amount0, col.amount1] : [col.amount1, col.amount0];
  const feeIn: Record<string, string> = {};
  if (cTka > pTka) feeIn[TKA] = q(cTka - pTka);
  if (cEth > pEth) feeIn.ETH = q(cEth - pEth);
  add(
    {
      step: "v3Collect",
      kind: "LP out (V3): collect after a separate decrease",
      payer: "A",
      rows: [
        {
          type: "swap",
          wallet: "A",
          subtype: "lp_withdrawal",
          out: { V3: half.toString() },
          in: { TKA: q(pTka), ETH: q(pEth) },
        },
        ...(Object.keys(feeIn).length
          ? [{ type: "income", wallet: "A", subtype: "lp_fees", in: feeIn }]
          : []),
      ],
      reviews: [],
    },
    colReceipt.transactionHash,
  );
  const rest = inc.liquidity - half;
  const bothReceipt = await dev.send({
    from: A,
    to: npm,
    data: dev.encode(NPM, "multicall", [
      [
        dev.encode(NPM, "decreaseLiquidity", [
          { tokenId, liquidity: rest, amount0Min: 0n, amount1Min: 0n, deadline: DEADLINE },
        ]),
        dev.encode(NPM, "collect", [{ tokenId, recipient: A, amount0Max: max128, amount1Max: max128 }]),
      ],
    ]),
    gas: 1_500_000n,
  });
  const dec2 = eventOf(NPM, bothReceipt, "DecreaseLiquidity") as { amount0: bigint; amount1: bigint };
  const col2 = eventOf(NPM, bothReceipt, "Collect") as { amount0: bigint; amount1: bigint };
  const [p2Tka, p2Eth] = t0 === tka ? [dec2.amount0, dec2.amount1] : [dec2.amount1, dec2.amount0];
  const [c2Tka, c2Eth] = t0 === tka ? [col2.amount0, col2.amount1] : [col2.amount1, col2.amount0];
  const fee2: Record<string, string> = {};
  if (c2Tka > p2Tka) fee2[TKA] = q(c2Tka - p2Tka);
  if (c2Eth > p2Eth) fee2.ETH = q(c2Eth - p2Eth);
  add(
    {
      step: "v3DecreaseAndCollect",
      kind: "LP out (V3): decrease + collect together",
      payer: "A",
      rows: [
        {
          type: "swap",
          wallet: "A",
          subtype: "lp_withdrawal",
          out: { V3: rest.toString() },
          in: { TKA: q(p2Tka), ETH: q(p2Eth) },
        },
        ...(Object.keys(fee2).length ? [{ type: "income", wallet: "A", subtype: "lp_fees", in: fee2 }] : []),
      ],
      reviews: [],
    },
    bothReceipt.transactionHash,
  );

  // — Lending (Aave V3's flows and events) —
  add(
    {
      step: "approveLending",
      kind: "approval",
      payer: "A",
      rows: [{ type: "fee", wallet: "A", subtype: "approval" }],
      reviews: [],
    },
    await send({ from: A, ...call(usdc, art.TestToken, "approve", [lending, maxUint256]) }),
  );
  add(
    {
      step: "supply",
      kind: "lending supply",
      payer: "A",
      rows: [{ type: "transfer", wallet: "A", to: `aave-v3:A`, subtype: "deposit", out: { USDC: "1000" } }],
      reviews: [],
    },
    await send({ from: A, ...call(lending, own.LendingPool!, "supply", [usdc, parseEther("1000"), A, 0]) }),
  );
  await send({ from: deployer, ...call(usdc, art.TestToken, "transfer", [lending, parseEther("10")]) });
  // The gas is the wallet's own fee row: the rows moving the tokens belong to the position account.
  add(
    {
      step: "withdraw",
      kind: "lending withdraw with interest",
      payer: "A",
      rows: [
        { type: "fee", wallet: "A", subtype: "withdrawal" },
        { type: "income", wallet: "aave-v3:A", subtype: "interest", in: { USDC: "10" } },
        { type: "transfer", wallet: "aave-v3:A", to: "A", subtype: "withdrawal", out: { USDC: "1010" } },
      ],
      reviews: [],
    },
    await send({ from: A, ...call(lending, own.LendingPool!, "withdraw", [usdc, parseEther("1010"), A]) }),
  );

  // — Staking (Lido's stake: ETH in, stETH out) —
  add(
    {
      step: "stake",
      kind: "staking",
      payer: "C",
      rows: [{ type: "swap", wallet: "C", subtype: "stake", out: { ETH: "1" }, in: { stETH: "1" } }],
      reviews: [],
    },
    await send({ from: C, value: parseEther("1"), to: steth }),
  );

  // — Spam, failures —
  add(
    { step: "poisoning", kind: "spam (zero-value transfer)", rows: [], reviews: ["spam"] },
    await send({ from: S, ...call(tka, art.TestToken, "transferFrom", [A, M, 0n]) }),
  );
  await send({ from: deployer, ...call(spam, own.SpamToken!, "transfer", [S, parseEther("1000")]) });
  add(
    { step: "spamToken", kind: "spam (advertising symbol)", rows: [], reviews: ["spam"] },
    await send({ from: S, ...call(spam, own.SpamToken!, "transfer", [B, parseEther("1000")]) }),
  );
  add(
    {
      step: "failed",
      kind: "failed transaction",
      payer: "A",
      rows: [{ type: "fee", wallet: "A", subtype: "failed_tx" }],
      reviews: [],
    },
    await send(
      { from: A, value: parseEther("0.5"), gas: 100_000n, ...call(forwarder, art.Forwarder, "fail") },
      "failed",
    ),
  );

  await dev.request("anvil_removeBlockTimestampInterval");
  return {
    accounts: { deployer, A, B, C, E, M, S, X },
    contracts: {
      tka,
      usdc,
      weth,
      factory,
      router,
      pair,
      forwarder,
      nft,
      bridge,
      shop,
      distributor,
      rewards,
      lending,
      aToken,
      steth,
      spam,
      v3factory,
      npm,
      router3,
      v3pool,
    },
    labelled,
    assets: {
      ETH: "ETH",
      TKA: `evm:31337:${tka}`,
      USDC: "USDC",
      LP: `evm:31337:${pair}`,
      // Token 7 of the collection: each NFT token id is its own asset (src/assets/nft.ts).
      NFT: `evm:31337:${nft}#7`,
      stETH: `evm:31337:${steth}`,
      V3: `uniswap-v3:evm:31337:${tokenId}`,
    },
  };
};

/** The first `name` event of `c` in a receipt's logs. */
const eventOf = (c: CompiledContract, receipt: object, name: string): Record<string, unknown> => {
  for (const log of (receipt as { logs: { topics: Hex[]; data: Hex }[] }).logs ?? []) {
    try {
      const d = decodeEventLog({ abi: c.abi, topics: log.topics as [Hex, ...Hex[]], data: log.data });
      if (d.eventName === name) return d.args as unknown as Record<string, unknown>;
    } catch {
      // another contract's event
    }
  }
  throw new Error(`no ${name} event in the receipt`);
};

export const E18_UNIT = E18;
