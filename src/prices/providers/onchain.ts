import { decodeFunctionResult, encodeFunctionData, getAddress, type Hex, parseAbi } from "viem";
import { type RpcRequest, RpcResponseError, type RpcTransport } from "../../../chains/transport.ts";
import type { AssetIdentity } from "../../assets/index.ts";
import { BaseError } from "../../errors.ts";
import { Decimal, plain } from "../../utils/decimal.ts";
import type { StoredPrice } from "../cache.ts";
import type { PriceProvider, PriceQuery, ProviderAnswer } from "../types.ts";

/**
 * Uniswap V2 pool prices at the start of the movement's block, over JSON-RPC `eth_call` (chains/transport.ts):
 * `factory.getPair(token, stablecoin)`, then the pair's `token0()` and `getReserves()` at the
 * block. Price = stablecoin reserve / token reserve, each in whole units (decimals from the
 * tokens' `decimals()`), an exact decimal rounded to 30 significant digits. Native assets are
 * priced through the chain's wrapped native token. Works on any EVM chain with a V2 factory,
 * the local anvil chain included.
 *
 * A movement in block N is priced from the reserves at the end of block N − 1 (`eth_call` at
 * N − 1), i.e. the start of its own block: a swap in that pool during the block — the user's own
 * trade, or a sandwich around it — cannot move the price it is valued at. Pools are refused when
 * they hold less than `minStableReserve` of the stablecoin (a thin pool's price is whatever its
 * last trader made it) or when the movement is more than `maxTradeShare` of the pool's token
 * reserve (the floor scales with the trade); above `reviewTradeShare` the price carries a warning
 * that puts the transaction in review. Historical blocks need an archive node; a pruned node's
 * error becomes the missing reason.
 *
 * Prices are stored with source `onchain:<chain>:<pair>@<N − 1>/reserve:<token reserve>` at the
 * movement's time (the reserve, in whole tokens, lets a stored price be checked against another
 * trade's size); a stored price for the same chain and block answers without any RPC call. This
 * provider is the last resort in the default order: aggregated market prices come first.
 */

/** One chain's pool settings. */
export type UniswapV2Settings = {
  factory: string;
  /** A USD stablecoin; pairs are read against it. */
  stablecoin: string;
  /** The wrapped native token (WETH, WPOL) through which the native asset is priced. */
  wrappedNative?: string | undefined;
};

/**
 * Mainnet Uniswap V2 deployments (factory addresses from docs.uniswap.org "V2 deployment
 * addresses", the same in rotki's and CoW Protocol's contract lists), quoted against Circle's
 * USDC, with the chain's wrapped native token.
 */
export const DEFAULT_UNISWAP_V2: Readonly<Record<string, UniswapV2Settings>> = {
  ethereum: {
    factory: "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
    stablecoin: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
    wrappedNative: "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
  },
  base: {
    factory: "0x8909Dc15e40173Ff4699343b6eB8132c65e18eC6",
    stablecoin: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
    wrappedNative: "0x4200000000000000000000000000000000000006",
  },
  arbitrum: {
    factory: "0xf1D7CC64Fb4452F05c498126312eBE29f30Fbcf9",
    stablecoin: "0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
    wrappedNative: "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1",
  },
  optimism: {
    factory: "0x0c3c1c532F1e39EdF36BE9Fe0bE1410313E074Bf",
    stablecoin: "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85",
    wrappedNative: "0x4200000000000000000000000000000000000006",
  },
  polygon: {
    factory: "0x9e5A52f57b3038F1B8EeE45F28b3C1967e22799C",
    stablecoin: "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359",
    wrappedNative: "0x0d500B1d8E8eF31E21C99d1Db9A6444d3ADf1270",
  },
};

/** Significant digits kept of a pool price (a quotient rarely terminates). */
export const POOL_PRICE_DIGITS = 30;

/**
 * USD per whole token from a pair's reserves, rounded half-up to `POOL_PRICE_DIGITS`
 * significant digits; undefined when the token reserve is empty.
 */
export const pairPrice = (args: {
  tokenReserve: bigint;
  stableReserve: bigint;
  tokenDecimals: number;
  stableDecimals: number;
}): string | undefined => {
  if (args.tokenReserve <= 0n) return undefined;
  const stable = new Decimal(args.stableReserve.toString()).div(new Decimal(10).pow(args.stableDecimals));
  const token = new Decimal(args.tokenReserve.toString()).div(new Decimal(10).pow(args.tokenDecimals));
  return plain(stable.div(token).toSignificantDigits(POOL_PRICE_DIGITS, Decimal.ROUND_HALF_UP));
};

const FACTORY_ABI = parseAbi(["function getPair(address, address) view returns (address)"]);
const PAIR_ABI = parseAbi([
  "function token0() view returns (address)",
  "function getReserves() view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast)",
]);
const ERC20_ABI = parseAbi(["function decimals() view returns (uint8)"]);
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

export type OnchainProviderArgs = {
  identity: AssetIdentity;
  /** Per-chain settings from the configuration (`prices.onchain`), over `DEFAULT_UNISWAP_V2`. */
  settings: Readonly<Record<string, UniswapV2Settings>>;
  /** The transport for a chain, or undefined when no RPC endpoint is configured. */
  transport: (chain: string) => RpcTransport | undefined;
  /** Least stablecoin reserve (whole units) a pool needs to be trusted. */
  minStableReserve: string;
  /** Largest movement, as a fraction of the pool's token reserve, a pool price may value. @defaultValue "0.1" */
  maxTradeShare?: string | undefined;
  /** Above this fraction of the pool's token reserve the price carries a review warning. @defaultValue "0.01" */
  reviewTradeShare?: string | undefined;
  /** Counts `eth_call`s sent (for stats). */
  onRpcCalls?: (n: number) => void;
};

type Job = {
  index: number;
  q: PriceQuery;
  chain: string;
  /** The block whose end state is read: the movement's block − 1. */
  block: bigint;
  token: string;
  settings: UniswapV2Settings;
};
type CallResult = { ok: true; data: Hex } | { ok: false; error: string };

/** The warning or refusal for a movement of `quantity` tokens against a pool holding `reserve` of them. */
export const tradeShareCheck = (args: {
  quantity: string | undefined;
  reserve: Decimal;
  pair: string;
  block: bigint;
  maxShare: Decimal;
  reviewShare: Decimal;
}): { refuse?: string; warning?: string } => {
  if (args.quantity === undefined || args.reserve.lte(0)) return {};
  const share = new Decimal(args.quantity).div(args.reserve);
  const pct = plain(share.mul(100).toSignificantDigits(3, Decimal.ROUND_HALF_UP));
  const what = `the movement (${args.quantity}) is ${pct} % of pair ${args.pair}'s ${plain(args.reserve)} at block ${args.block}`;
  if (share.gt(args.maxShare))
    return { refuse: `${what}: more than the ${plain(args.maxShare.mul(100))} % a pool price may value` };
  if (share.gt(args.reviewShare))
    return {
      warning: `valued from a Uniswap V2 pool where ${what}: a trade this large moves the pool's price; check the value (import a price to replace it)`,
    };
  return {};
};

const RESERVE_TAG = "/reserve:";

export const createOnchainProvider = (args: OnchainProviderArgs): PriceProvider => {
  const maxShare = new Decimal(args.maxTradeShare ?? "0.1");
  const reviewShare = new Decimal(args.reviewTradeShare ?? "0.01");
  // Facts that never change once seen: token decimals, token0 of a pair, an existing pair.
  const decimalsMemo = new Map<string, number>();
  const token0Memo = new Map<string, string>();
  const pairMemo = new Map<string, string>();

  const settingsFor = (chain: string): UniswapV2Settings | undefined => {
    const own = args.settings[chain];
    if (own) return own;
    const m = /^evm:(\d+)$/.exec(chain);
    const alias = m
      ? { "1": "ethereum", "8453": "base", "42161": "arbitrum", "10": "optimism", "137": "polygon" }[m[1]!]
      : undefined;
    return (
      DEFAULT_UNISWAP_V2[chain] ?? (alias ? (args.settings[alias] ?? DEFAULT_UNISWAP_V2[alias]) : undefined)
    );
  };

  /** `eth_call`s in one batch; a failing call fails alone (the batch is retried call by call). */
  const callMany = async (transport: RpcTransport, calls: { to: string; data: Hex; block: string }[]) => {
    if (calls.length === 0) return [] as CallResult[];
    const requests: RpcRequest[] = calls.map((c) => ({
      method: "eth_call",
      params: [{ to: c.to, data: c.data }, c.block],
    }));
    args.onRpcCalls?.(calls.length);
    try {
      const out = await transport.batch<Hex>(requests);
      return out.map((data): CallResult => ({ ok: true, data }));
    } catch (error) {
      // One failing call fails the whole JSON-RPC batch: ask again one by one to blame only it.
      if (!(error instanceof RpcResponseError)) throw error;
      args.onRpcCalls?.(calls.length);
      return Promise.all(
        requests.map(async (r): Promise<CallResult> => {
          try {
            return { ok: true, data: await transport.request<Hex>(r.method, r.params) };
          } catch (e) {
            if (!(e instanceof RpcResponseError)) throw e;
            return { ok: false, error: e.shortMessage };
          }
        }),
      );
    }
  };

  const decode = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch {
      return undefined; // "0x" from an address without code, or garbage
    }
  };

  const priceChain = async (
    chain: string,
    transport: RpcTransport,
    jobs: Job[],
    answers: ProviderAnswer[],
    rows: StoredPrice[],
  ): Promise<void> => {
    const fail = (j: Job, why: string) => {
      answers[j.index] = { missing: why };
    };
    const lc = (a: string) => a.toLowerCase();

    // 1. Pairs (at the latest block: a pair, once created, never changes address) and decimals.
    const pairKeys = [
      ...new Set(jobs.map((j) => `${lc(j.token)}|${lc(j.settings.stablecoin)}|${lc(j.settings.factory)}`)),
    ];
    const wantPairs = pairKeys.filter((k) => !pairMemo.has(`${chain}|${k}`));
    const decimalTokens = [...new Set(jobs.flatMap((j) => [lc(j.token), lc(j.settings.stablecoin)]))].filter(
      (t) => !decimalsMemo.has(`${chain}|${t}`),
    );
    const step1 = await callMany(transport, [
      ...wantPairs.map((k) => {
        const [token, stable, factory] = k.split("|") as [string, string, string];
        return {
          to: factory,
          data: encodeFunctionData({
            abi: FACTORY_ABI,
            functionName: "getPair",
            args: [token as Hex, stable as Hex],
          }),
          block: "latest",
        };
      }),
      ...decimalTokens.map((t) => ({
        to: t,
        data: encodeFunctionData({ abi: ERC20_ABI, functionName: "decimals" }),
        block: "latest",
      })),
    ]);
    wantPairs.forEach((k, i) => {
      const r = step1[i]!;
      const pair = r.ok
        ? decode(() => decodeFunctionResult({ abi: FACTORY_ABI, functionName: "getPair", data: r.data }))
        : undefined;
      if (pair && pair !== ZERO_ADDRESS) pairMemo.set(`${chain}|${k}`, pair);
    });
    decimalTokens.forEach((t, i) => {
      const r = step1[wantPairs.length + i]!;
      const d = r.ok
        ? decode(() => decodeFunctionResult({ abi: ERC20_ABI, functionName: "decimals", data: r.data }))
        : undefined;
      if (d !== undefined) decimalsMemo.set(`${chain}|${t}`, d);
    });

    const live: (Job & { pair: string })[] = [];
    for (const j of jobs) {
      const pair = pairMemo.get(
        `${chain}|${lc(j.token)}|${lc(j.settings.stablecoin)}|${lc(j.settings.factory)}`,
      );
      if (!pair) fail(j, `no Uniswap V2 pair of ${j.token} with ${j.settings.stablecoin} on ${chain}`);
      else if (!decimalsMemo.has(`${chain}|${lc(j.token)}`))
        fail(j, `decimals() of ${j.token} on ${chain} failed`);
      else if (!decimalsMemo.has(`${chain}|${lc(j.settings.stablecoin)}`))
        fail(j, `decimals() of ${j.settings.stablecoin} on ${chain} failed`);
      else live.push({ ...j, pair });
    }

    // 2. token0 of each new pair, and the reserves of each (pair, block).
    const wantToken0 = [...new Set(live.map((j) => j.pair))].filter((p) => !token0Memo.has(`${chain}|${p}`));
    const reserveKeys = [...new Set(live.map((j) => `${j.pair}@${j.block}`))];
    const step2 = await callMany(transport, [
      ...wantToken0.map((p) => ({
        to: p,
        data: encodeFunctionData({ abi: PAIR_ABI, functionName: "token0" }),
        block: "latest",
      })),
      ...reserveKeys.map((k) => {
        const [pair, block] = k.split("@") as [string, string];
        return {
          to: pair,
          data: encodeFunctionData({ abi: PAIR_ABI, functionName: "getReserves" }),
          block: `0x${BigInt(block).toString(16)}`,
        };
      }),
    ]);
    wantToken0.forEach((p, i) => {
      const r = step2[i]!;
      const t0 = r.ok
        ? decode(() => decodeFunctionResult({ abi: PAIR_ABI, functionName: "token0", data: r.data }))
        : undefined;
      if (t0) token0Memo.set(`${chain}|${p}`, t0);
    });
    const reserves = new Map<string, CallResult>();
    reserveKeys.forEach((k, i) => {
      reserves.set(k, step2[wantToken0.length + i]!);
    });

    const minReserve = new Decimal(args.minStableReserve);
    for (const j of live) {
      const token0 = token0Memo.get(`${chain}|${j.pair}`);
      const r = reserves.get(`${j.pair}@${j.block}`)!;
      if (!token0) {
        fail(j, `token0() of pair ${j.pair} on ${chain} failed`);
        continue;
      }
      if (!r.ok) {
        fail(j, `getReserves() of pair ${j.pair} at block ${j.block} failed: ${r.error}`);
        continue;
      }
      const res = decode(() =>
        decodeFunctionResult({ abi: PAIR_ABI, functionName: "getReserves", data: r.data }),
      );
      if (!res) {
        fail(j, `pair ${j.pair} did not exist at block ${j.block} on ${chain}`);
        continue;
      }
      const tokenIs0 = lc(token0) === lc(j.token);
      const tokenReserve = tokenIs0 ? res[0] : res[1];
      const stableReserve = tokenIs0 ? res[1] : res[0];
      const stableDecimals = decimalsMemo.get(`${chain}|${lc(j.settings.stablecoin)}`)!;
      const stableWhole = new Decimal(stableReserve.toString()).div(new Decimal(10).pow(stableDecimals));
      if (stableWhole.lt(minReserve)) {
        fail(
          j,
          `pair ${j.pair} holds only ${plain(stableWhole)} of the stablecoin at block ${j.block} (minimum ${args.minStableReserve})`,
        );
        continue;
      }
      const usd = pairPrice({
        tokenReserve,
        stableReserve,
        tokenDecimals: decimalsMemo.get(`${chain}|${lc(j.token)}`)!,
        stableDecimals,
      });
      if (usd === undefined || usd === "0") {
        fail(j, `pair ${j.pair} is empty at block ${j.block}`);
        continue;
      }
      const tokenWhole = new Decimal(tokenReserve.toString()).div(
        new Decimal(10).pow(decimalsMemo.get(`${chain}|${lc(j.token)}`)!),
      );
      const source = `onchain:${chain}:${getAddress(j.pair)}@${j.block}${RESERVE_TAG}${plain(tokenWhole)}`;
      rows.push({ asset: j.q.asset, time: j.q.time, usd, source });
      const check = tradeShareCheck({
        quantity: j.q.quantity,
        reserve: tokenWhole,
        pair: getAddress(j.pair),
        block: j.block,
        maxShare,
        reviewShare,
      });
      if (check.refuse) {
        fail(j, check.refuse);
        continue;
      }
      answers[j.index] = {
        usd,
        source,
        provider: "onchain",
        priceTime: j.q.time,
        ...(check.warning ? { warning: check.warning } : {}),
      };
    }
  };

  return {
    name: "onchain",
    price: async (queries, ctx) => {
      const answers: ProviderAnswer[] = new Array(queries.length);
      const byChain = new Map<string, Job[]>();
      queries.forEach((q, index) => {
        const chain = q.hint?.chain;
        const movementBlock = q.hint?.blockNumber;
        if (!chain || movementBlock === undefined) {
          answers[index] = { missing: "needs the movement's chain and block number" };
          return;
        }
        if (movementBlock <= 0n) {
          answers[index] = { missing: "no state before block 0" };
          return;
        }
        // The start of the movement's block: the previous block's final state.
        const block = movementBlock - 1n;
        if (chain === "solana") {
          answers[index] = { missing: "on-chain pool prices are read on EVM chains only" };
          return;
        }
        const settings = settingsFor(chain);
        if (!settings) {
          answers[index] = { missing: `no Uniswap V2 factory for ${chain} (set prices.onchain["${chain}"])` };
          return;
        }
        // A stored price for this chain and block answers without an RPC call.
        const t = q.time.getTime();
        const hit = ctx.cache
          .at(q.asset, "onchain", t)
          .find(
            (p) => p.source.startsWith(`onchain:${chain}:`) && p.source.includes(`@${block}${RESERVE_TAG}`),
          );
        if (hit) {
          const pair = hit.source.slice(
            hit.source.lastIndexOf(":", hit.source.indexOf("@")) + 1,
            hit.source.indexOf("@"),
          );
          const check = tradeShareCheck({
            quantity: q.quantity,
            reserve: new Decimal(hit.source.slice(hit.source.indexOf(RESERVE_TAG) + RESERVE_TAG.length)),
            pair,
            block,
            maxShare,
            reviewShare,
          });
          answers[index] = check.refuse
            ? { missing: check.refuse }
            : {
                usd: hit.usd,
                source: hit.source,
                provider: "onchain",
                priceTime: q.time,
                cached: true,
                ...(check.warning ? { warning: check.warning } : {}),
              };
          return;
        }
        let token = q.hint?.contract;
        if (!token) {
          const where = args.identity.contractOn(q.asset, chain);
          if (!where) {
            answers[index] = { missing: `${q.asset} has no known contract on ${chain}` };
            return;
          }
          if (where.native) {
            if (!settings.wrappedNative) {
              answers[index] = {
                missing: `no wrapped native token for ${chain} (set prices.onchain["${chain}"].wrappedNative)`,
              };
              return;
            }
            token = settings.wrappedNative;
          } else token = where.address;
        }
        if (!/^0x[0-9a-fA-F]{40}$/.test(token)) {
          answers[index] = { missing: `${token} is not an EVM contract address` };
          return;
        }
        if (token.toLowerCase() === settings.stablecoin.toLowerCase()) {
          answers[index] = { missing: `${q.asset} is the pool quote stablecoin itself` };
          return;
        }
        const list = byChain.get(chain) ?? [];
        list.push({ index, q, chain, block, token, settings });
        byChain.set(chain, list);
      });

      const rows: StoredPrice[] = [];
      for (const [chain, jobs] of byChain) {
        const transport = args.transport(chain);
        if (!transport) {
          for (const j of jobs)
            answers[j.index] = { missing: `no RPC endpoint for ${chain} (set rpc["${chain}"])` };
          continue;
        }
        try {
          await priceChain(chain, transport, jobs, answers, rows);
        } catch (error) {
          if (ctx.signal?.aborted) throw error;
          const msg = error instanceof BaseError ? error.shortMessage : (error as Error).message;
          for (const j of jobs) if (!answers[j.index]) answers[j.index] = { missing: `RPC failed: ${msg}` };
        }
      }
      await ctx.cache.save(rows);
      return answers;
    },
  };
};
