import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Abi, Address, Hex } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHttpTransport } from "../../chains/transport.ts";
import type { Database } from "../../db/client.ts";
import { createTestCommon, createTestDatabase } from "../../test/services.ts";
import type { ConfigInput } from "../config.ts";
import {
  type Anvil,
  type CompiledContract,
  createDevClient,
  type DevClient,
  startAnvil,
} from "../devchain/index.ts";
import { silentLogger } from "../logger.ts";
import { pairPrice } from "./providers/onchain.ts";
import { createPriceService } from "./service.ts";

/**
 * The on-chain provider against a real anvil: Uniswap V2's own factory and test ERC-20
 * (`@uniswap/v2-core/build`, constructor `_totalSupply` minted to the deployer), a pair with
 * 1,000 TKN : 2,000,000 STB, then a swap of 10 TKN. Expected prices are worked out by hand from
 * the reserves (see each test).
 */

const require = createRequire(import.meta.url);
const artifact = (name: string): CompiledContract => {
  const json = JSON.parse(readFileSync(require.resolve(`@uniswap/v2-core/build/${name}.json`), "utf8")) as {
    abi: Abi;
    bytecode: string;
  };
  return { abi: json.abi, bytecode: `0x${json.bytecode}` as Hex };
};
const FACTORY = artifact("UniswapV2Factory");
const ERC20 = artifact("ERC20");
const PAIR = artifact("UniswapV2Pair");
const E18 = 10n ** 18n;

describe("pairPrice()", () => {
  test("stable reserve / token reserve in whole units, across decimals, 30 significant digits", () => {
    // 1,000 tokens (18 decimals) against 2,000,000 USDC (6 decimals): 2000 each.
    expect(
      pairPrice({
        tokenReserve: 1000n * E18,
        stableReserve: 2_000_000n * 10n ** 6n,
        tokenDecimals: 18,
        stableDecimals: 6,
      }),
    ).toBe("2000");
    // 3 WBTC (8 decimals) against 123,456.78 USDC: 41,152.26 each.
    expect(
      pairPrice({
        tokenReserve: 3n * 10n ** 8n,
        stableReserve: 123_456_780_000n,
        tokenDecimals: 8,
        stableDecimals: 6,
      }),
    ).toBe("41152.26");
    // 3 tokens against 1 USDC: 0.333… rounded half-up at the 30th significant digit.
    expect(
      pairPrice({ tokenReserve: 3n * E18, stableReserve: 10n ** 6n, tokenDecimals: 18, stableDecimals: 6 }),
    ).toBe("0.333333333333333333333333333333");
    expect(
      pairPrice({
        tokenReserve: 3n * E18,
        stableReserve: 2n * 10n ** 6n,
        tokenDecimals: 18,
        stableDecimals: 6,
      }),
    ).toBe("0.666666666666666666666666666667");
    expect(
      pairPrice({ tokenReserve: 0n, stableReserve: 1n, tokenDecimals: 18, stableDecimals: 6 }),
    ).toBeUndefined();
  });
});

describe("on-chain provider on anvil", () => {
  let anvil: Anvil;
  let dev: DevClient;
  let database: Database;
  let deployer: Address;
  let factory: Address;
  let tkn: Address;
  let stb: Address;
  let pair: Address;
  let pairCreatedBlock: bigint;
  let beforeSwapBlock: bigint;
  let swapBlock: bigint;
  let mintedBlock: bigint;
  let afterSwapBlock: bigint;
  const times = new Map<bigint, Date>();

  const blockTime = async (n: bigint): Promise<Date> => {
    const b = await dev.request<{ timestamp: Hex }>("eth_getBlockByNumber", [`0x${n.toString(16)}`, false]);
    return new Date(Number(BigInt(b.timestamp)) * 1000);
  };

  beforeAll(async () => {
    anvil = await startAnvil();
    dev = createDevClient(anvil.url);
    database = await createTestDatabase("pglite");
    [deployer] = (await dev.accounts()) as [Address];
    factory = await dev.deploy(deployer, FACTORY, [deployer]);
    tkn = await dev.deploy(deployer, ERC20, [1_000_000n * E18]);
    stb = await dev.deploy(deployer, ERC20, [100_000_000n * E18]);
    const created = await dev.send({
      from: deployer,
      to: factory,
      data: dev.encode(FACTORY, "createPair", [tkn, stb]),
      gas: 6_000_000n,
    });
    pairCreatedBlock = BigInt(created.blockNumber);
    pair = await dev.call<Address>(factory, FACTORY, "getPair", [tkn, stb]);
    // Liquidity: 1,000 TKN and 2,000,000 STB sent to the pair, then mint.
    await dev.send({ from: deployer, to: tkn, data: dev.encode(ERC20, "transfer", [pair, 1000n * E18]) });
    await dev.send({
      from: deployer,
      to: stb,
      data: dev.encode(ERC20, "transfer", [pair, 2_000_000n * E18]),
    });
    const minted = await dev.send({
      from: deployer,
      to: pair,
      data: dev.encode(PAIR, "mint", [deployer]),
      gas: 500_000n,
    });
    // Swap 10 TKN in: send them, then ask for the constant-product output (0.3 % fee).
    const sent = await dev.send({
      from: deployer,
      to: tkn,
      data: dev.encode(ERC20, "transfer", [pair, 10n * E18]),
    });
    beforeSwapBlock = BigInt(sent.blockNumber); // TKN arrived but reserves are not updated until swap
    const amountIn = 10n * E18;
    const out = (amountIn * 997n * 2_000_000n * E18) / (1000n * E18 * 1000n + amountIn * 997n);
    const token0 = await dev.call<Address>(pair, PAIR, "token0");
    const args =
      token0.toLowerCase() === tkn.toLowerCase() ? [0n, out, deployer, "0x"] : [out, 0n, deployer, "0x"];
    // Explicit gas: an estimate made within the previous block's second skips the pair's price
    // accumulator writes (timeElapsed = 0) and runs out of gas once mined a second later.
    const swapped = await dev.send({
      from: deployer,
      to: pair,
      data: dev.encode(PAIR, "swap", args),
      gas: 500_000n,
    });
    swapBlock = BigInt(swapped.blockNumber);
    mintedBlock = BigInt(minted.blockNumber);
    expect(swapBlock).toBe(mintedBlock + 2n);
    // One more block: a movement in it is priced from the state the swap left.
    await dev.request("evm_mine", []);
    afterSwapBlock = swapBlock + 1n;
    for (const n of [pairCreatedBlock, mintedBlock, beforeSwapBlock, swapBlock, afterSwapBlock])
      times.set(n, await blockTime(n));
  });
  afterAll(async () => {
    await database?.close();
    await anvil?.stop();
  });

  const service = (prices: NonNullable<ConfigInput["prices"]> = {}) => {
    const common = createTestCommon({
      rpc: { "evm:31337": anvil.url },
      assets: { tokens: { [`evm:31337:${stb}`]: { symbol: "STB", usdStablecoin: true } } },
      prices: {
        order: ["file", "stablecoin", "onchain"],
        onchain: { "evm:31337": { factory, stablecoin: stb, wrappedNative: tkn } },
        ...prices,
      },
    });
    return createPriceService({ common, database });
  };
  const at = (asset: string, block: bigint) => ({
    asset,
    time: times.get(block)!,
    hint: { chain: "evm:31337", blockNumber: block },
  });

  test("prices a movement from the reserves at the start of its block: its own block's swap is not in it", async () => {
    const s = service();
    const tknId = `evm:31337:${tkn}`;
    const { results } = await s.priceMany([
      at(tknId, swapBlock),
      at(tknId, afterSwapBlock),
      at(`evm:31337:${stb}`, swapBlock),
    ]);
    // In the swap's own block: the state before it, 2,000,000 / 1,000 = 2000 exactly (the 10 TKN
    // sent in the block before are not in the reserves yet either). Read at block swapBlock − 1.
    expect(results[0]).toEqual({
      ok: true,
      usd: "2000",
      source: `onchain:evm:31337:${pair}@${beforeSwapBlock}/reserve:1000`,
      provider: "onchain",
      priceTime: times.get(swapBlock),
    });
    // The next block starts after the swap: out = ⌊10e18·997·2e24 / (1000e18·1000 + 10e18·997)⌋
    // = 19743160687941225977009; reserves (1010e18 TKN, 2e24 − out STB); price = (2e24 − out) /
    // 1010e18 = 1960.650335952533439626723762376237…, to 30 significant digits half-up:
    expect(results[1]).toMatchObject({
      ok: true,
      usd: "1960.65033595253343962672376238",
      source: `onchain:evm:31337:${pair}@${swapBlock}/reserve:1010`,
    });
    expect(results[2]).toMatchObject({ ok: true, usd: "1", source: "stablecoin" });
    expect(s.stats().rpcCalls).toBeGreaterThan(0);
  });

  test("the pool must be large against the movement: refused above 10 %, in review above 1 %", async () => {
    const tknId = `evm:31337:${tkn}`;
    const t = times.get(afterSwapBlock)!.getTime();
    const q = (quantity: string, ms: number) => ({
      ...at(tknId, afterSwapBlock),
      time: new Date(t + ms),
      quantity,
    });
    const { results } = await service().priceMany([q("5", 101), q("50.5", 102), q("101.01", 103)]);
    // 5 / 1010 = 0.495 %: no caveat.
    expect(results[0]).toMatchObject({ ok: true, usd: "1960.65033595253343962672376238" });
    expect((results[0] as { warning?: string }).warning).toBeUndefined();
    // 50.5 / 1010 = 5 %: priced, with a warning for review.
    expect(results[1]).toMatchObject({ ok: true, warning: expect.stringContaining("is 5 % of pair") });
    // 101.01 / 1010 = 10.001 %: refused (the file and the peg had nothing either).
    expect(results[2]).toMatchObject({ ok: false });
    expect((results[2] as { reasons: { provider: string; reason: string }[] }).reasons.at(-1)).toEqual({
      provider: "onchain",
      reason: `the movement (101.01) is 10 % of pair ${pair}'s 1010 at block ${swapBlock}: more than the 10 % a pool price may value`,
    });
    // A stored price (second run, no RPC) applies the same floor to another movement's size.
    const again = service();
    const stored = await again.priceMany([q("101.01", 102)]);
    expect(stored.results[0]).toMatchObject({ ok: false });
    expect(again.stats().rpcCalls).toBe(0);
  });

  test("the native asset is priced through the wrapped native token; a second run reads no chain", async () => {
    const first = service();
    const queries = [at("evm:31337:native", swapBlock), at("evm:31337:native", afterSwapBlock)];
    const run1 = await first.priceMany(queries);
    expect(run1.results.map((r) => r.ok && r.usd)).toEqual(["2000", "1960.65033595253343962672376238"]);
    const second = service();
    const run2 = await second.priceMany(queries);
    expect(run2.results).toEqual(run1.results);
    expect(second.stats()).toMatchObject({ rpcCalls: 0, cacheHits: 2 });
  });

  test("missing, with the reason: no pair yet, a thin pool, no block, no RPC, no factory", async () => {
    const tknId = `evm:31337:${tkn}`;
    // A movement in the block that created the pair: the state before it has no pair.
    const early = await service().priceMany([at(tknId, pairCreatedBlock)]);
    expect(early.results[0]).toMatchObject({ ok: false });
    expect(early.missing[0]!.reasons.at(-1)).toEqual({
      provider: "onchain",
      reason: `pair ${pair} did not exist at block ${pairCreatedBlock - 1n} on evm:31337`,
    });

    const thin = await service({ onchainMinStableReserve: "3000000" }).priceMany([
      { ...at(tknId, afterSwapBlock), time: new Date(times.get(afterSwapBlock)!.getTime() + 1) },
    ]);
    expect(thin.missing[0]!.reasons.at(-1)?.reason).toBe(
      `pair ${pair} holds only 1980256.839312058774022991 of the stablecoin at block ${swapBlock} (minimum 3000000)`,
    );

    const noHint = await service().priceMany([{ asset: tknId, time: new Date() }]);
    expect(noHint.missing[0]!.reasons.at(-1)).toEqual({
      provider: "onchain",
      reason: "needs the movement's chain and block number",
    });

    const noRpc = createPriceService({
      common: createTestCommon({
        prices: { order: ["onchain"], onchain: { "evm:31337": { factory, stablecoin: stb } } },
      }),
      database,
    });
    const r = await noRpc.priceMany([
      { ...at(tknId, swapBlock), time: new Date(times.get(swapBlock)!.getTime() + 2) },
    ]);
    expect(r.missing[0]!.reasons).toEqual([
      { provider: "onchain", reason: 'no RPC endpoint for evm:31337 (set rpc["evm:31337"])' },
    ]);

    const elsewhere = await service().priceMany([
      { asset: "ETH", time: new Date(), hint: { chain: "evm:999", blockNumber: 1n } },
    ]);
    expect(elsewhere.missing[0]!.reasons.at(-1)?.reason).toBe(
      'no Uniswap V2 factory for evm:999 (set prices.onchain["evm:999"])',
    );
  });

  test("uses the transport it is given (one eth_call batch per step)", async () => {
    const transport = createHttpTransport({ chain: "evm:31337", url: anvil.url, logger: silentLogger });
    const common = createTestCommon({
      prices: { order: ["onchain"], onchain: { "evm:31337": { factory, stablecoin: stb } } },
    });
    const s = createPriceService({ common, database, transport: () => transport });
    const tknId = `evm:31337:${tkn}`;
    const t0 = times.get(afterSwapBlock)!.getTime() + 10;
    const { results } = await s.priceMany([
      { ...at(tknId, swapBlock), time: new Date(t0) },
      { ...at(tknId, afterSwapBlock), time: new Date(t0 + 1) },
    ]);
    expect(results.map((x) => x.ok && x.usd)).toEqual(["2000", "1960.65033595253343962672376238"]);
    // getPair + 2 × decimals in one batch; token0 + 2 × getReserves in another.
    expect(transport.stats()).toMatchObject({ requests: 6, httpRequests: 2 });
  });
});
