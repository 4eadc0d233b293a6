/**
 * Box 1b ("Name of digital asset") → the ledger's canonical asset id.
 *
 * Brokers write a symbol (`ETH`), a name (`Ethereum`, `USD Coin`), both (`Bitcoin (BTC)`), or a
 * chain id. Known symbols and names map to the registry's symbol (`src/assets`), chain ids go
 * through the configured identity (so `assets.tokens` mappings apply), and anything else is kept
 * as written; reconciliation then also tries the account's own assets case-insensitively and by
 * display symbol (see `resolveFormAsset`).
 */
import { type AssetIdentity, createAssetIdentity, KNOWN_ASSETS, parseChainAssetId } from "../assets/index.ts";

/**
 * Names brokers use for registry assets besides the registry's own `name` (lowercase keys).
 * @dev Coinbase, Kraken and Robinhood statements name assets by their common names.
 */
const NAME_ALIASES: Readonly<Record<string, string>> = {
  ethereum: "ETH",
  ether: "ETH",
  bitcoin: "BTC",
  solana: "SOL",
  "usd coin": "USDC",
  usdc: "USDC",
  tether: "USDT",
  "tether usd": "USDT",
  dai: "DAI",
  "wrapped bitcoin": "WBTC",
  "wrapped ether": "WETH",
  "wrapped ethereum": "WETH",
  polygon: "POL",
  matic: "POL",
};

const BY_NAME = new Map<string, string>([
  ...KNOWN_ASSETS.map((a) => [a.name.toLowerCase(), a.symbol] as [string, string]),
  ...Object.entries(NAME_ALIASES),
]);

const defaultIdentity = createAssetIdentity();

/** The canonical ledger asset id for a box 1b text. */
export const formAssetId = (name: string, identity: AssetIdentity = defaultIdentity): string => {
  const text = name.trim();
  if (parseChainAssetId(text)) return identity.canonicalAsset(text);
  const byName = BY_NAME.get(text.toLowerCase());
  if (byName !== undefined) return identity.normalizeUserAsset(byName);
  // "Bitcoin (BTC)": the symbol in parentheses.
  const paren = /^(.+?)\s*\(([^()]+)\)$/.exec(text);
  if (paren) {
    const inner = paren[2]!.trim();
    if (parseChainAssetId(inner)) return identity.canonicalAsset(inner);
    return identity.normalizeUserAsset(inner);
  }
  return identity.normalizeUserAsset(text);
};

/**
 * The asset a form row's asset id denotes among the assets an account actually disposed of:
 * the id itself, else the one asset equal to it ignoring case, else the one whose display symbol
 * equals it (ignoring case). Undefined when none or several fit.
 */
export const resolveFormAsset = (
  asset: string,
  accountAssets: ReadonlySet<string>,
  displaySymbol: (asset: string) => string,
): string | undefined => {
  if (accountAssets.has(asset)) return asset;
  const lower = asset.toLowerCase();
  const byCase = [...accountAssets].filter((a) => a.toLowerCase() === lower);
  if (byCase.length === 1) return byCase[0];
  const bySymbol = [...accountAssets].filter((a) => displaySymbol(a).toLowerCase() === lower);
  if (bySymbol.length === 1) return bySymbol[0];
  return undefined;
};
