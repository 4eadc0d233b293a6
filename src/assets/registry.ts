/**
 * Well-known assets: the ones lotwise treats as the same asset on every chain, keyed by a
 * canonical symbol, and a few chain-specific tokens worth knowing (bridged USDC, wrapped POL).
 *
 * Addresses (EIP-55) and decimals come from public token lists, cross-checked against each other:
 * - Uniswap default token list, `Uniswap/default-token-list` `src/tokens/{mainnet,polygon,optimism,base,arbitrum}.json`
 *   @ 49f39bd7 and `build/uniswap-default.tokenlist.json` @ 90ecdd6b (Arbitrum One, OP Mainnet);
 * - the Superchain token list, `ethereum-optimism/ethereum-optimism.github.io` `data/{USDC,USDT,DAI,WBTC,WETH}/data.json`
 *   (Ethereum, OP Mainnet, Base);
 * - Solana mints: the USDC and USDT mints as they appear in the recorded mainnet transactions
 *   under `shared/fixtures/solana/` and in many public Solana projects; `So111…112` is the SPL
 *   Token program's native mint.
 * Anything not confirmed by two sources is left out (for instance USDT and WBTC on Base): such a
 * token keeps its `<chain>:<address>` id, which is still priced by DefiLlama via its address.
 *
 * CoinGecko ids (`ethereum`, `usd-coin`, …) are the coin page ids; DefiLlama accepts them as
 * `coingecko:<id>`.
 */

/** One deployment of an asset: its contract (EVM) or mint (Solana) on a chain. */
export type AssetDeployment = {
  /** lotwise chain id: `ethereum`, `base`, `arbitrum`, `optimism`, `polygon`, `solana`. */
  chain: string;
  /** EIP-55 address (EVM) or base58 mint (Solana). */
  address: string;
  decimals: number;
};

/** Price-source ids of an asset, optionally different before a date (a rebrand or migration). */
export type PriceIds = {
  /** CoinGecko coin id, e.g. `ethereum`. */
  coingeckoId?: string;
  /** DefiLlama coin id; defaults to `coingecko:<coingeckoId>`. */
  llamaId?: string;
};

/** An asset that is the same on every chain where it is deployed; its canonical id is `symbol`. */
export type KnownAsset = PriceIds & {
  /** Canonical ledger id and display symbol, e.g. `USDC`. */
  symbol: string;
  name: string;
  /** Decimals of one whole unit where the asset is native (deployments carry their own). */
  decimals: number;
  /** True for USD stablecoins, priced at their 1.00 peg by the `stablecoin` provider. */
  usdStablecoin: boolean;
  /** Chains whose native asset this is (`<chain>:native`). */
  nativeOn: readonly string[];
  deployments: readonly AssetDeployment[];
  /**
   * Price ids to use for times before `until` (exclusive), e.g. MATIC's history for POL.
   * @dev POL replaced MATIC as Polygon PoS's gas token on 2024-09-04, one for one; the native
   * balance never moved, so it is one asset whose price history before that day is MATIC's.
   */
  priceIdsBefore?: PriceIds & { until: Date };
  /**
   * The wrapper this entry is (`WETH` wraps `ETH`); `canonicalAsset`'s `weth` / `wsol` options may
   * fold it into the wrapped asset.
   */
  wraps?: string;
};

/** A chain-specific token: it keeps its `<chain>:<address>` id but has a known symbol. */
export type KnownToken = PriceIds & AssetDeployment & { symbol: string; usdStablecoin: boolean };

export const KNOWN_ASSETS: readonly KnownAsset[] = [
  {
    symbol: "ETH",
    name: "Ether",
    decimals: 18,
    usdStablecoin: false,
    nativeOn: ["ethereum", "base", "arbitrum", "optimism"],
    deployments: [],
    coingeckoId: "ethereum",
  },
  {
    symbol: "WETH",
    name: "Wrapped Ether",
    decimals: 18,
    usdStablecoin: false,
    nativeOn: [],
    wraps: "ETH",
    // Redeemable one for one for ETH at any time: priced with ETH's (denser) history.
    coingeckoId: "ethereum",
    deployments: [
      { chain: "ethereum", address: "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", decimals: 18 },
      { chain: "base", address: "0x4200000000000000000000000000000000000006", decimals: 18 },
      { chain: "optimism", address: "0x4200000000000000000000000000000000000006", decimals: 18 },
      { chain: "arbitrum", address: "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1", decimals: 18 },
      // Bridged ether on Polygon PoS (not a wrapper of the chain's native POL).
      { chain: "polygon", address: "0x7ceB23fD6bC0adD59E62ac25578270cFf1b9f619", decimals: 18 },
    ],
  },
  {
    symbol: "USDC",
    name: "USD Coin",
    decimals: 6,
    usdStablecoin: true,
    nativeOn: [],
    coingeckoId: "usd-coin",
    // Circle-issued (native) USDC only; bridged USDC.e is listed in KNOWN_TOKENS.
    deployments: [
      { chain: "ethereum", address: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", decimals: 6 },
      { chain: "base", address: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", decimals: 6 },
      { chain: "optimism", address: "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85", decimals: 6 },
      { chain: "arbitrum", address: "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", decimals: 6 },
      { chain: "polygon", address: "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", decimals: 6 },
      { chain: "solana", address: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", decimals: 6 },
    ],
  },
  {
    symbol: "USDT",
    name: "Tether USD",
    decimals: 6,
    usdStablecoin: true,
    nativeOn: [],
    coingeckoId: "tether",
    deployments: [
      { chain: "ethereum", address: "0xdAC17F958D2ee523a2206206994597C13D831ec7", decimals: 6 },
      { chain: "optimism", address: "0x94b008aA00579c1307B0EF2c499aD98a8ce58e58", decimals: 6 },
      { chain: "arbitrum", address: "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9", decimals: 6 },
      { chain: "polygon", address: "0xc2132D05D31c914a87C6611C10748AEb04B58e8F", decimals: 6 },
      { chain: "solana", address: "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB", decimals: 6 },
    ],
  },
  {
    symbol: "DAI",
    name: "Dai Stablecoin",
    decimals: 18,
    usdStablecoin: true,
    nativeOn: [],
    coingeckoId: "dai",
    deployments: [
      { chain: "ethereum", address: "0x6B175474E89094C44Da98b954EedeAC495271d0F", decimals: 18 },
      { chain: "base", address: "0x50c5725949A6F0c72E6C4a641F24049A917DB0Cb", decimals: 18 },
      { chain: "optimism", address: "0xDA10009cBd5D07dd0CeCc66161FC93D7c9000da1", decimals: 18 },
      { chain: "arbitrum", address: "0xDA10009cBd5D07dd0CeCc66161FC93D7c9000da1", decimals: 18 },
      { chain: "polygon", address: "0x8f3Cf7ad23Cd3CaDbD9735AFf958023239c6A063", decimals: 18 },
    ],
  },
  {
    symbol: "WBTC",
    name: "Wrapped BTC",
    decimals: 8,
    usdStablecoin: false,
    nativeOn: [],
    coingeckoId: "wrapped-bitcoin",
    deployments: [
      { chain: "ethereum", address: "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599", decimals: 8 },
      { chain: "optimism", address: "0x68f180fcCe6836688e9084f035309E29Bf0A2095", decimals: 8 },
      { chain: "arbitrum", address: "0x2f2a2543B76A4166549F7aaB2e75Bef0aefC5B0f", decimals: 8 },
      { chain: "polygon", address: "0x1BFD67037B42Cf73acF2047067bd4F2C47D9BfD6", decimals: 8 },
    ],
  },
  {
    symbol: "BTC",
    name: "Bitcoin",
    decimals: 8,
    usdStablecoin: false,
    nativeOn: [],
    coingeckoId: "bitcoin",
    // No on-chain deployment here: known so price files and exchange rows can use `BTC`.
    deployments: [],
  },
  {
    symbol: "SOL",
    name: "Solana",
    decimals: 9,
    usdStablecoin: false,
    nativeOn: ["solana"],
    coingeckoId: "solana",
    deployments: [],
  },
  {
    symbol: "WSOL",
    name: "Wrapped SOL",
    decimals: 9,
    usdStablecoin: false,
    nativeOn: [],
    wraps: "SOL",
    // Redeemable one for one for SOL (close the token account): priced with SOL's history.
    coingeckoId: "solana",
    deployments: [{ chain: "solana", address: "So11111111111111111111111111111111111111112", decimals: 9 }],
  },
  {
    symbol: "POL",
    name: "Polygon Ecosystem Token (formerly MATIC)",
    decimals: 18,
    usdStablecoin: false,
    nativeOn: ["polygon"],
    coingeckoId: "polygon-ecosystem-token",
    priceIdsBefore: { until: new Date("2024-09-04T00:00:00Z"), coingeckoId: "matic-network" },
    deployments: [
      { chain: "ethereum", address: "0x455e53CBB86018Ac2B8092FdCd39d8444aFFC3F6", decimals: 18 },
      // The ERC-20 MATIC. MATIC and POL are one asset here: POL replaced MATIC one for one, and
      // MATIC bridged to Polygon PoS *is* the chain's native token, so keeping two ids would break
      // every pre-2024 bridge transfer into an unmatched pair.
      { chain: "ethereum", address: "0x7D1AfA7B718fb893dB30A3aBc0Cfc608AaCfeBB0", decimals: 18 },
    ],
  },
];

/**
 * Native coins of other EVM mainnets (viem's chain definitions name them). A mainnet whose native
 * currency symbol is one of these (or ETH, POL above) has `<chain>:native` = this asset, so prices
 * apply; see `nativeAssetOf` in identity.ts. Testnets never map.
 */
export const NATIVE_COINS: readonly KnownAsset[] = [
  { symbol: "BNB", name: "BNB", coingeckoId: "binancecoin" },
  { symbol: "AVAX", name: "Avalanche", coingeckoId: "avalanche-2" },
  { symbol: "FTM", name: "Fantom", coingeckoId: "fantom" },
  { symbol: "CELO", name: "Celo", coingeckoId: "celo" },
  { symbol: "MNT", name: "Mantle", coingeckoId: "mantle" },
  { symbol: "GLMR", name: "Moonbeam", coingeckoId: "moonbeam" },
  { symbol: "CRO", name: "Cronos", coingeckoId: "crypto-com-chain" },
  { symbol: "KAIA", name: "Kaia", coingeckoId: "kaia" },
  { symbol: "XDAI", name: "xDAI (bridged DAI, Gnosis)", coingeckoId: "xdai", usdStablecoin: true },
].map((c) => ({ decimals: 18, usdStablecoin: false, nativeOn: [], deployments: [], ...c }));

/**
 * Chain-specific tokens: bridged USDC (a different token from Circle's USDC on the same chain)
 * and Polygon's wrapped native token. They keep their chain ids; these entries give them a
 * symbol for descriptions and mark the stablecoins.
 */
export const KNOWN_TOKENS: readonly KnownToken[] = [
  {
    chain: "arbitrum",
    address: "0xFF970A61A04b1cA14834A43f5dE4533eBDDB5CC8",
    symbol: "USDC.e",
    decimals: 6,
    usdStablecoin: true,
  },
  {
    chain: "optimism",
    address: "0x7F5c764cBc14f9669B88837ca1490cCa17c31607",
    symbol: "USDC.e",
    decimals: 6,
    usdStablecoin: true,
  },
  {
    chain: "polygon",
    address: "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174",
    symbol: "USDC.e",
    decimals: 6,
    usdStablecoin: true,
  },
  {
    // Listed as WMATIC in older token lists; renamed WPOL with the POL migration.
    chain: "polygon",
    address: "0x0d500B1d8E8eF31E21C99d1Db9A6444d3ADf1270",
    symbol: "WPOL",
    decimals: 18,
    usdStablecoin: false,
  },
];

/** Other names users write for a canonical symbol (price files, config). */
export const SYMBOL_ALIASES: Readonly<Record<string, string>> = { MATIC: "POL" };

/** DefiLlama's chain prefix for token ids (`<prefix>:<address>`), per lotwise chain id. */
export const LLAMA_CHAINS: Readonly<Record<string, string>> = {
  ethereum: "ethereum",
  base: "base",
  arbitrum: "arbitrum",
  optimism: "optimism",
  polygon: "polygon",
  solana: "solana",
};

/** CoinGecko's asset platform id (for `/coins/{platform}/contract/{address}`), per lotwise chain id. */
export const COINGECKO_PLATFORMS: Readonly<Record<string, string>> = {
  ethereum: "ethereum",
  base: "base",
  arbitrum: "arbitrum-one",
  optimism: "optimistic-ethereum",
  polygon: "polygon-pos",
  solana: "solana",
};

/**
 * Tokens whose balances change with no Transfer event, by chain asset id. Lido stETH rebases
 * daily (Lido docs, "Deployed contracts"); Aave aTokens accrue interest every block (declare yours
 * with `assets.tokens["<chain>:<aToken>"].rebasing: true`; the balance check also detects them).
 */
export const REBASING_TOKENS: readonly {
  chain: string;
  address: string;
  symbol: string;
  kind: "staking" | "lending";
}[] = [
  {
    chain: "ethereum",
    address: "0xae7ab96520DE3A18E5e111B5EaAb095312D7fE84",
    symbol: "stETH",
    kind: "staking",
  },
];
