import { type Address, type Hash, maxUint256, parseEther, parseUnits } from "viem";
import { type Artifacts, createDevClient, type DevClient, loadArtifacts } from "./contracts.ts";

/**
 * The two-wallet scenario on a dev chain: one user owns wallets `a` and `b`; `outsider` deploys
 * everything and plays the rest of the world. It covers every kind of movement the EVM worker
 * records: ETH in from outside, ETH and token transfers between the two wallets, Uniswap V2
 * add/remove liquidity and swaps both ways, WETH wrap/unwrap, internal ETH payouts (one undone by
 * a caught revert), a failed transaction, approvals, ERC-721 and ERC-1155 transfers, a `bytes32`
 * symbol token, a token whose metadata calls revert, and a self-transfer.
 *
 * Reused by tests, `lotwise demo` and classification tests: it returns every address, transaction
 * hash and the amounts it moved (swap and liquidity amounts read from the contracts beforehand).
 */

export type ScenarioAccounts = { outsider: Address; a: Address; b: Address };

export type ScenarioContracts = {
  /** OpenZeppelin ERC-20 `TKA` (18 decimals). */
  token: Address;
  weth: Address;
  factory: Address;
  router: Address;
  /** The TKA/WETH Uniswap V2 pair (its LP token is `UNI-V2`). */
  pair: Address;
  forwarder: Address;
  nft: Address;
  multi: Address;
  /** `symbol()`/`name()` return bytes32 (`B32`, 9 decimals). */
  bytes32Token: Address;
  /** `symbol()`/`name()`/`decimals()` revert. */
  revertingToken: Address;
};

/** Hashes of the scenario's transactions, by step (deployments excluded). */
export type ScenarioTxs = Record<
  | "ethIn"
  | "ethAtoB"
  | "tokenIn"
  | "tokenAtoB"
  | "approveRouter"
  | "addLiquidity"
  | "swapEthForTokens"
  | "swapTokensForEth"
  | "approveLp"
  | "removeLiquidity"
  | "wrap"
  | "unwrap"
  | "internalPayout"
  | "revertedPayout"
  | "failed"
  | "nftMint"
  | "nftAtoB"
  | "multiMint"
  | "multiBtoA"
  | "bytes32In"
  | "revertingIn"
  | "selfSend"
  | "forwardBtoA",
  Hash
>;

/** Amounts in raw units (wei / token base units). */
export type ScenarioAmounts = {
  ethIn: bigint;
  ethAtoB: bigint;
  tokenIn: bigint;
  tokenAtoB: bigint;
  liquidityToken: bigint;
  liquidityEth: bigint;
  /** LP tokens minted to `a` by addLiquidity. */
  lpMinted: bigint;
  swapEthIn: bigint;
  /** TKA `b` got for `swapEthIn`. */
  swapTokensOut: bigint;
  swapTokensIn: bigint;
  /** ETH `a` got for `swapTokensIn`. */
  swapEthOut: bigint;
  lpRemoved: bigint;
  removedToken: bigint;
  removedEth: bigint;
  wrap: bigint;
  unwrap: bigint;
  /** Sent to Forwarder.split: half to `a`, the rest to `b`. */
  split: bigint;
  revertedPayout: bigint;
  /** Value of the failed transaction (never moved). */
  failedValue: bigint;
  nftId: bigint;
  multiIds: readonly [bigint, bigint];
  multiValues: readonly [bigint, bigint];
  /** ERC-1155 id `multiIds[0]` amount `b` sent to `a`. */
  multiBtoA: bigint;
  bytes32In: bigint;
  revertingIn: bigint;
  selfSend: bigint;
  forwardBtoA: bigint;
};

export type ScenarioResult = {
  chainId: number;
  accounts: ScenarioAccounts;
  contracts: ScenarioContracts;
  txs: ScenarioTxs;
  amounts: ScenarioAmounts;
};

export type PlayScenarioArgs = {
  rpcUrl: string;
  /** Default: anvil's accounts 0 (outsider), 1 (a) and 2 (b). */
  accounts?: ScenarioAccounts;
  /** Seconds between blocks (anvil `anvil_setBlockTimestampInterval`); default: wall clock. */
  blockIntervalSeconds?: number;
};

const DEADLINE = 2n ** 40n;

/**
 * Deploys the contracts and plays the scenario (one transaction per block: anvil automines).
 * @throws Error when a step's transaction does not end as planned.
 */
export const playScenario = async (args: PlayScenarioArgs): Promise<ScenarioResult> => {
  const dev = createDevClient(args.rpcUrl);
  const art = await loadArtifacts();
  const accounts = args.accounts ?? (await defaultAccounts(dev));
  const chainId = Number(BigInt(await dev.request<string>("eth_chainId")));
  if (args.blockIntervalSeconds !== undefined) {
    await dev.request("anvil_setBlockTimestampInterval", [args.blockIntervalSeconds]);
  }
  try {
    const contracts = await deployAll(dev, art, accounts.outsider);
    const played = await playSteps(dev, art, accounts, contracts);
    return { chainId, accounts, contracts, ...played };
  } finally {
    if (args.blockIntervalSeconds !== undefined) await dev.request("anvil_removeBlockTimestampInterval");
  }
};

const defaultAccounts = async (dev: DevClient): Promise<ScenarioAccounts> => {
  const list = await dev.accounts();
  if (list.length < 3) throw new Error("the dev node needs at least 3 unlocked accounts");
  return { outsider: list[0]!, a: list[1]!, b: list[2]! };
};

const deployAll = async (dev: DevClient, art: Artifacts, from: Address): Promise<ScenarioContracts> => {
  const token = await dev.deploy(from, art.TestToken, ["Token A", "TKA", parseEther("1000000")]);
  const weth = await dev.deploy(from, art.WETH9);
  const factory = await dev.deploy(from, art.UniswapV2Factory, [from]);
  const router = await dev.deploy(from, art.UniswapV2Router02, [factory, weth]);
  const forwarder = await dev.deploy(from, art.Forwarder);
  const nft = await dev.deploy(from, art.TestNFT);
  const multi = await dev.deploy(from, art.TestMulti);
  const bytes32Token = await dev.deploy(from, art.Bytes32Token, [parseUnits("1000", 9)]);
  const revertingToken = await dev.deploy(from, art.RevertingToken, [1_000_000n]);
  await dev.send({ from, to: factory, data: dev.encode(art.UniswapV2Factory, "createPair", [token, weth]) });
  const pair = await dev.call<Address>(factory, art.UniswapV2Factory, "getPair", [token, weth]);
  return { token, weth, factory, router, pair, forwarder, nft, multi, bytes32Token, revertingToken };
};

const playSteps = async (
  dev: DevClient,
  art: Artifacts,
  { outsider, a, b }: ScenarioAccounts,
  c: ScenarioContracts,
): Promise<Pick<ScenarioResult, "txs" | "amounts">> => {
  const tx = async (
    req: Parameters<DevClient["send"]>[0],
    expect: "success" | "failed" = "success",
  ): Promise<Hash> => (await dev.send(req, expect)).transactionHash;
  const call = (to: Address, artifact: keyof Artifacts, fn: string, params: readonly unknown[] = []) => ({
    to,
    data: dev.encode(art[artifact], fn, params),
  });
  const balanceOf = (token: Address, who: Address) =>
    dev.call<bigint>(token, art.TestToken, "balanceOf", [who]);

  const m = {
    ethIn: parseEther("10"),
    ethAtoB: parseEther("1"),
    tokenIn: parseEther("1000"),
    tokenAtoB: parseEther("100"),
    liquidityToken: parseEther("500"),
    liquidityEth: parseEther("2"),
    swapEthIn: parseEther("0.1"),
    swapTokensIn: parseEther("50"),
    wrap: parseEther("0.5"),
    unwrap: parseEther("0.2"),
    split: parseEther("0.3"),
    revertedPayout: parseEther("0.05"),
    failedValue: parseEther("0.5"),
    nftId: 1n,
    multiIds: [1n, 2n] as const,
    multiValues: [10n, 20n] as const,
    multiBtoA: 3n,
    bytes32In: parseUnits("5", 9),
    revertingIn: 7n,
    selfSend: parseEther("0.01"),
    forwardBtoA: parseEther("0.02"),
  };

  const ethIn = await tx({ from: outsider, to: a, value: m.ethIn });
  const ethAtoB = await tx({ from: a, to: b, value: m.ethAtoB });
  const tokenIn = await tx({ from: outsider, ...call(c.token, "TestToken", "transfer", [a, m.tokenIn]) });
  const tokenAtoB = await tx({ from: a, ...call(c.token, "TestToken", "transfer", [b, m.tokenAtoB]) });
  const approveRouter = await tx({
    from: a,
    ...call(c.token, "TestToken", "approve", [c.router, maxUint256]),
  });
  const addLiquidity = await tx({
    from: a,
    value: m.liquidityEth,
    ...call(c.router, "UniswapV2Router02", "addLiquidityETH", [
      c.token,
      m.liquidityToken,
      0n,
      0n,
      a,
      DEADLINE,
    ]),
  });
  const lpMinted = await balanceOf(c.pair, a);

  const [, swapTokensOut] = await dev.call<readonly bigint[]>(
    c.router,
    art.UniswapV2Router02,
    "getAmountsOut",
    [m.swapEthIn, [c.weth, c.token]],
  );
  const swapEthForTokens = await tx({
    from: b,
    value: m.swapEthIn,
    ...call(c.router, "UniswapV2Router02", "swapExactETHForTokens", [0n, [c.weth, c.token], b, DEADLINE]),
  });
  const [, swapEthOut] = await dev.call<readonly bigint[]>(c.router, art.UniswapV2Router02, "getAmountsOut", [
    m.swapTokensIn,
    [c.token, c.weth],
  ]);
  const swapTokensForEth = await tx({
    from: a,
    ...call(c.router, "UniswapV2Router02", "swapExactTokensForETH", [
      m.swapTokensIn,
      0n,
      [c.token, c.weth],
      a,
      DEADLINE,
    ]),
  });

  const approveLp = await tx({
    from: a,
    ...call(c.pair, "UniswapV2Pair", "approve", [c.router, maxUint256]),
  });
  const lpRemoved = lpMinted / 2n;
  const supply = await dev.call<bigint>(c.pair, art.UniswapV2Pair, "totalSupply");
  const removedToken = (lpRemoved * (await balanceOf(c.token, c.pair))) / supply;
  const removedEth = (lpRemoved * (await balanceOf(c.weth, c.pair))) / supply;
  const removeLiquidity = await tx({
    from: a,
    ...call(c.router, "UniswapV2Router02", "removeLiquidityETH", [c.token, lpRemoved, 0n, 0n, a, DEADLINE]),
  });

  const wrap = await tx({ from: b, value: m.wrap, ...call(c.weth, "WETH9", "deposit") });
  const unwrap = await tx({ from: b, ...call(c.weth, "WETH9", "withdraw", [m.unwrap]) });
  const internalPayout = await tx({
    from: outsider,
    value: m.split,
    ...call(c.forwarder, "Forwarder", "split", [a, b]),
  });
  // Explicit gas: estimation would pick the least gas that lets the outer call succeed, starving
  // the inner call before it pays `a`.
  const revertedPayout = await tx({
    from: outsider,
    value: m.revertedPayout,
    gas: 300_000n,
    ...call(c.forwarder, "Forwarder", "payThenRevert", [a]),
  });
  const failed = await tx(
    { from: a, value: m.failedValue, gas: 100_000n, ...call(c.forwarder, "Forwarder", "fail") },
    "failed",
  );
  const nftMint = await tx({ from: outsider, ...call(c.nft, "TestNFT", "mint", [a, m.nftId]) });
  const nftAtoB = await tx({ from: a, ...call(c.nft, "TestNFT", "transferFrom", [a, b, m.nftId]) });
  const multiMint = await tx({
    from: outsider,
    ...call(c.multi, "TestMulti", "mintBatch", [b, [...m.multiIds], [...m.multiValues]]),
  });
  const multiBtoA = await tx({
    from: b,
    ...call(c.multi, "TestMulti", "safeTransferFrom", [b, a, m.multiIds[0], m.multiBtoA, "0x"]),
  });
  const bytes32In = await tx({
    from: outsider,
    ...call(c.bytes32Token, "Bytes32Token", "transfer", [a, m.bytes32In]),
  });
  const revertingIn = await tx({
    from: outsider,
    ...call(c.revertingToken, "RevertingToken", "transfer", [a, m.revertingIn]),
  });
  const selfSend = await tx({ from: a, to: a, value: m.selfSend });
  const forwardBtoA = await tx({
    from: b,
    value: m.forwardBtoA,
    ...call(c.forwarder, "Forwarder", "forward", [a]),
  });

  return {
    txs: {
      ethIn,
      ethAtoB,
      tokenIn,
      tokenAtoB,
      approveRouter,
      addLiquidity,
      swapEthForTokens,
      swapTokensForEth,
      approveLp,
      removeLiquidity,
      wrap,
      unwrap,
      internalPayout,
      revertedPayout,
      failed,
      nftMint,
      nftAtoB,
      multiMint,
      multiBtoA,
      bytes32In,
      revertingIn,
      selfSend,
      forwardBtoA,
    },
    amounts: {
      ...m,
      lpMinted,
      swapTokensOut: swapTokensOut!,
      swapEthOut: swapEthOut!,
      lpRemoved,
      removedToken,
      removedEth,
    },
  };
};
