import { getAddress } from "viem";
import { describe, expect, test } from "vitest";
import { canonicalAddress, resolveChain } from "../../chains/registry.ts";
import { configSchema } from "../config.ts";
import {
  assetOptionsFromConfig,
  canonicalAsset,
  coingeckoId,
  createAssetIdentity,
  displaySymbol,
  isUsdStablecoin,
  llamaCoinId,
} from "./identity.ts";
import { KNOWN_ASSETS, KNOWN_TOKENS } from "./registry.ts";

const USDC_ETH = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
const WETH_ETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2";
const LOCAL_TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

describe("registry", () => {
  test("every address is valid for its chain and written canonically (EIP-55 / base58)", () => {
    const all = [
      ...KNOWN_ASSETS.flatMap((a) => a.deployments.map((d) => ({ ...d, symbol: a.symbol }))),
      ...KNOWN_TOKENS,
    ];
    expect(all.length).toBeGreaterThan(25);
    for (const d of all) {
      expect(canonicalAddress(resolveChain(d.chain), d.address), `${d.symbol} on ${d.chain}`).toBe(d.address);
    }
  });

  test("no contract belongs to two assets, no asset has two contracts on one chain (except MATIC/POL)", () => {
    const owner = new Map<string, string>();
    for (const a of KNOWN_ASSETS) {
      for (const d of a.deployments) {
        const key = `${d.chain}:${d.address.toLowerCase()}`;
        expect(owner.get(key), key).toBeUndefined();
        owner.set(key, a.symbol);
      }
    }
    for (const t of KNOWN_TOKENS) expect(owner.get(`${t.chain}:${t.address.toLowerCase()}`)).toBeUndefined();
    const polOnEthereum = KNOWN_ASSETS.find((a) => a.symbol === "POL")!.deployments.filter(
      (d) => d.chain === "ethereum",
    );
    expect(polOnEthereum.map((d) => d.address)).toEqual([
      "0x455e53CBB86018Ac2B8092FdCd39d8444aFFC3F6",
      "0x7D1AfA7B718fb893dB30A3aBc0Cfc608AaCfeBB0",
    ]);
  });
});

describe("canonicalAsset()", () => {
  test("natives map to their symbol", () => {
    expect(canonicalAsset("ethereum:native")).toBe("ETH");
    expect(canonicalAsset("base:native")).toBe("ETH");
    expect(canonicalAsset("arbitrum:native")).toBe("ETH");
    expect(canonicalAsset("optimism:native")).toBe("ETH");
    expect(canonicalAsset("polygon:native")).toBe("POL");
    expect(canonicalAsset("solana:native")).toBe("SOL");
  });

  test("known contracts map to their symbol in any address case and via evm:<id> aliases", () => {
    expect(canonicalAsset(`ethereum:${USDC_ETH}`)).toBe("USDC");
    expect(canonicalAsset(`ethereum:${USDC_ETH.toLowerCase()}`)).toBe("USDC");
    expect(canonicalAsset(`evm:1:${USDC_ETH}`)).toBe("USDC");
    expect(canonicalAsset("base:0x833589fcd6edb6e08f4c7c32d4f71b54bda02913")).toBe("USDC");
    expect(canonicalAsset("solana:EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")).toBe("USDC");
    expect(canonicalAsset("solana:Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB")).toBe("USDT");
    expect(canonicalAsset("polygon:0x8f3Cf7ad23Cd3CaDbD9735AFf958023239c6A063")).toBe("DAI");
    expect(canonicalAsset("arbitrum:0x2f2a2543B76A4166549F7aaB2e75Bef0aefC5B0f")).toBe("WBTC");
    expect(canonicalAsset("ethereum:0x7D1AfA7B718fb893dB30A3aBc0Cfc608AaCfeBB0")).toBe("POL");
  });

  test("Solana mints are case-sensitive: a case-changed mint is another (unknown) mint", () => {
    const changed = "solana:epjfwdd5aufqssqem2qn1xzybapc8g4wegggkzwytdt1v";
    expect(canonicalAsset(changed)).toBe(changed);
  });

  test("unknown assets keep the chain id form, EVM addresses in EIP-55 case", () => {
    expect(canonicalAsset(`evm:31337:${LOCAL_TOKEN}`)).toBe(`evm:31337:${LOCAL_TOKEN}`);
    expect(canonicalAsset(`evm:31337:${LOCAL_TOKEN.toLowerCase()}`)).toBe(`evm:31337:${LOCAL_TOKEN}`);
    expect(canonicalAsset("ethereum:0x0000000000000000000000000000000000000001")).toBe(
      "ethereum:0x0000000000000000000000000000000000000001",
    );
  });

  test("native coins: a mainnet's maps to its canonical asset, testnets never, local dev chains to ETH unless configured", () => {
    // viem's chain definitions: OP-stack and Arbitrum chains pay gas in ETH; BNB Chain, Avalanche, Gnosis in their coins.
    expect(canonicalAsset("evm:7777777:native")).toBe("ETH"); // Zora (OP stack)
    expect(canonicalAsset("evm:42170:native")).toBe("ETH"); // Arbitrum Nova
    expect(canonicalAsset("evm:56:native")).toBe("BNB");
    expect(canonicalAsset("evm:43114:native")).toBe("AVAX");
    expect(canonicalAsset("evm:100:native")).toBe("XDAI");
    expect(canonicalAsset("evm:11155111:native")).toBe("evm:11155111:native"); // Sepolia: a testnet
    expect(canonicalAsset("evm:84532:native")).toBe("evm:84532:native"); // Base Sepolia
    expect(canonicalAsset("evm:31337:native")).toBe("ETH");
    expect(canonicalAsset("evm:1337:native")).toBe("ETH");
    // Configured otherwise: another native symbol, or a declaration that keeps the chain id.
    expect(canonicalAsset("evm:31337:native", { nativeSymbols: { "evm:31337": "FOO" } })).toBe(
      "evm:31337:native",
    );
    expect(canonicalAsset("evm:31337:native", { tokens: { "evm:31337:native": { symbol: "DEV" } } })).toBe(
      "evm:31337:native",
    );
    // A chain id viem does not know keeps its id (no guess about its coin).
    expect(canonicalAsset("evm:987654321:native")).toBe("evm:987654321:native");
    const id = createAssetIdentity();
    expect(id.contractOn("BNB", "evm:56")).toEqual({ native: true });
    expect(id.coingeckoId("BNB")).toBe("binancecoin");
  });

  test("WETH: ETH by default (wrapping realizes nothing), its own asset with weth: separate; the same for wrapped SOL", () => {
    const separate = { weth: "separate" as const, wsol: "separate" as const };
    expect(canonicalAsset(`ethereum:${WETH_ETH}`, separate)).toBe("WETH");
    expect(canonicalAsset("base:0x4200000000000000000000000000000000000006", separate)).toBe("WETH");
    expect(canonicalAsset("solana:So11111111111111111111111111111111111111112", separate)).toBe("WSOL");
    expect(canonicalAsset(`ethereum:${WETH_ETH}`)).toBe("ETH");
    expect(canonicalAsset("solana:So11111111111111111111111111111111111111112")).toBe("SOL");
    const same = { weth: "same-as-eth" as const, wsol: "same-as-sol" as const };
    expect(canonicalAsset(`ethereum:${WETH_ETH}`, same)).toBe("ETH");
    expect(canonicalAsset("optimism:0x4200000000000000000000000000000000000006", same)).toBe("ETH");
    expect(canonicalAsset("WETH", same)).toBe("ETH");
    expect(canonicalAsset("solana:So11111111111111111111111111111111111111112", same)).toBe("SOL");
  });

  test("configured mappings: a string names the asset, an object keeps the id", () => {
    const options = {
      tokens: {
        [`evm:31337:${LOCAL_TOKEN.toLowerCase()}`]: "usdc",
        "evm:31337:0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512": { symbol: "TKA" },
        "evm:31337:native": "ETH",
        "evm:31338:0x0000000000000000000000000000000000000001": `ethereum:${USDC_ETH.toLowerCase()}`,
        "evm:31338:0x0000000000000000000000000000000000000002":
          "arbitrum:0x00000000000000000000000000000000000000aa",
      },
    };
    expect(canonicalAsset("evm:31338:0x0000000000000000000000000000000000000001", options)).toBe("USDC");
    expect(canonicalAsset("evm:31338:0x0000000000000000000000000000000000000002", options)).toBe(
      "arbitrum:0x00000000000000000000000000000000000000AA",
    );
    expect(canonicalAsset(`evm:31337:${LOCAL_TOKEN}`, options)).toBe("USDC");
    expect(canonicalAsset("evm:31337:native", options)).toBe("ETH");
    expect(canonicalAsset("evm:31337:0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", options)).toBe(
      "evm:31337:0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    );
  });

  test("is idempotent", () => {
    const ids = [
      "ethereum:native",
      `ethereum:${USDC_ETH}`,
      `evm:31337:${LOCAL_TOKEN.toLowerCase()}`,
      "ETH",
      "FOO",
    ];
    for (const id of ids) expect(canonicalAsset(canonicalAsset(id))).toBe(canonicalAsset(id));
  });
});

describe("displaySymbol()", () => {
  test("symbols for known assets, bridged tokens and natives; id alongside an unlisted token's own symbol", () => {
    expect(displaySymbol("USDC")).toBe("USDC");
    expect(displaySymbol("arbitrum:0xFF970A61A04b1cA14834A43f5dE4533eBDDB5CC8")).toBe("USDC.e");
    expect(displaySymbol("evm:31337:native")).toBe("ETH");
    expect(displaySymbol("evm:56:native", { nativeSymbols: { "evm:56": "BNB" } })).toBe("BNB");
    expect(displaySymbol(`evm:31337:${LOCAL_TOKEN}`, undefined, "USDC")).toBe(
      `USDC (evm:31337:${LOCAL_TOKEN})`,
    );
    expect(displaySymbol(`evm:31337:${LOCAL_TOKEN}`)).toBe(`evm:31337:${LOCAL_TOKEN}`);
    expect(
      displaySymbol(`evm:31337:${LOCAL_TOKEN}`, {
        tokens: { [`evm:31337:${LOCAL_TOKEN}`]: { symbol: "TUSD" } },
      }),
    ).toBe("TUSD");
  });
});

describe("pricing ids", () => {
  test("isUsdStablecoin(): registry, bridged tokens and declarations", () => {
    expect(isUsdStablecoin("USDC")).toBe(true);
    expect(isUsdStablecoin("DAI")).toBe(true);
    expect(isUsdStablecoin("ETH")).toBe(false);
    expect(isUsdStablecoin("polygon:0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174")).toBe(true);
    expect(isUsdStablecoin(`evm:31337:${LOCAL_TOKEN}`)).toBe(false);
    const declared = { tokens: { [`evm:31337:${LOCAL_TOKEN}`]: { usdStablecoin: true } } };
    expect(isUsdStablecoin(`evm:31337:${LOCAL_TOKEN}`, declared)).toBe(true);
  });

  test("llamaCoinId(): coingecko ids, chain:address for other tokens, nothing on a local chain", () => {
    expect(llamaCoinId("ETH")).toBe("coingecko:ethereum");
    expect(llamaCoinId("WETH")).toBe("coingecko:ethereum");
    expect(llamaCoinId("USDC")).toBe("coingecko:usd-coin");
    expect(llamaCoinId("base:0x1111111111111111111111111111111111111111")).toBe(
      "base:0x1111111111111111111111111111111111111111",
    );
    expect(llamaCoinId("evm:137:0x1111111111111111111111111111111111111111")).toBe(
      "polygon:0x1111111111111111111111111111111111111111",
    );
    expect(llamaCoinId(`evm:31337:${LOCAL_TOKEN}`)).toBeUndefined();
    expect(llamaCoinId("FOO")).toBeUndefined();
  });

  test("POL is priced with MATIC's history before the 2024-09-04 migration", () => {
    expect(llamaCoinId("POL", new Date("2024-09-03T23:59:59Z"))).toBe("coingecko:matic-network");
    expect(llamaCoinId("POL", new Date("2024-09-04T00:00:00Z"))).toBe("coingecko:polygon-ecosystem-token");
    expect(coingeckoId("POL", new Date("2023-01-01T00:00:00Z"))).toBe("matic-network");
    expect(coingeckoId("POL")).toBe("polygon-ecosystem-token");
  });

  test("coingeckoCoinPath(): id, or platform + contract", () => {
    const id = createAssetIdentity();
    expect(id.coingeckoCoinPath("SOL")).toBe("coins/solana");
    expect(id.coingeckoCoinPath("arbitrum:0xABCDEF0000000000000000000000000000000001")).toBe(
      "coins/arbitrum-one/contract/0xabcdef0000000000000000000000000000000001",
    );
    expect(id.coingeckoCoinPath(`evm:31337:${LOCAL_TOKEN}`)).toBeUndefined();
  });

  test("contractOn(): deployments, natives, configured mappings", () => {
    const id = createAssetIdentity({ tokens: { [`evm:31337:${LOCAL_TOKEN}`]: "USDC" } });
    expect(id.contractOn("USDC", "ethereum")).toEqual({ native: false, address: USDC_ETH, decimals: 6 });
    expect(id.contractOn("ETH", "base")).toEqual({ native: true });
    expect(id.contractOn("USDC", "evm:31337")).toEqual({ native: false, address: LOCAL_TOKEN });
    expect(id.contractOn(`evm:31337:${LOCAL_TOKEN}`, "evm:31337")).toEqual({
      native: false,
      address: LOCAL_TOKEN,
    });
    expect(id.contractOn("evm:31337:native", "evm:31337")).toEqual({ native: true });
    expect(id.contractOn("WBTC", "base")).toBeUndefined();
    expect(id.contractOn(`evm:31337:${LOCAL_TOKEN}`, "ethereum")).toBeUndefined();
  });

  test("normalizeUserAsset(): symbols in any case, aliases, chain ids", () => {
    const id = createAssetIdentity();
    expect(id.normalizeUserAsset("usdc")).toBe("USDC");
    expect(id.normalizeUserAsset("matic")).toBe("POL");
    expect(id.normalizeUserAsset("FooCoin")).toBe("FooCoin");
    expect(id.normalizeUserAsset(`ethereum:${USDC_ETH.toLowerCase()}`)).toBe("USDC");
  });

  test("resolveMovementAsset() gives classification its { asset, symbol }", () => {
    const id = createAssetIdentity();
    expect(
      id.resolveMovementAsset({ chain: "ethereum", chainAsset: `ethereum:${USDC_ETH}`, symbol: "USDC" }),
    ).toEqual({
      asset: "USDC",
      symbol: "USDC",
    });
    expect(
      id.resolveMovementAsset({ chain: "evm:31337", chainAsset: `evm:31337:${LOCAL_TOKEN}`, symbol: "TKA" }),
    ).toEqual({ asset: `evm:31337:${LOCAL_TOKEN}`, symbol: `TKA (evm:31337:${LOCAL_TOKEN})` });
  });
});

describe("configuration", () => {
  test("assets section: defaults, mappings, and a bad key named", () => {
    const config = configSchema.parse({
      assets: {
        weth: "same-as-eth",
        tokens: { [`evm:31337:${LOCAL_TOKEN}`]: { symbol: "TUSD", usdStablecoin: true } },
      },
    });
    const id = createAssetIdentity(assetOptionsFromConfig(config));
    expect(id.canonicalAsset(`ethereum:${WETH_ETH}`)).toBe("ETH");
    expect(id.isUsdStablecoin(`evm:31337:${getAddress(LOCAL_TOKEN)}`)).toBe(true);
    expect(configSchema.parse({}).assets).toEqual({ weth: "same-as-eth", wsol: "same-as-sol", tokens: {} });
    const bad = configSchema.safeParse({ assets: { tokens: { "0xabc": "USDC" } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toContain("is not a chain asset id");
    const badField = configSchema.safeParse({ assets: { tokens: { "ethereum:0xabc": { stable: true } } } });
    expect(badField.success).toBe(false);
  });
});
