/**
 * Non-fungible tokens as assets. Each token id of an ERC-721 or ERC-1155 contract is its own
 * property, with its own basis and holding period: `<collection asset>#<token id>` (decimal id),
 * e.g. `evm:1:0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D#1234`, symbol `BAYC #1234`. Selling
 * token 1234 disposes that token's lot, never the collection's oldest (one pool per collection
 * would pick lots by method across different tokens).
 */

/** Movement evidence of a non-fungible transfer (chains/evm/normalize.ts). */
export const NFT_EVIDENCE: ReadonlySet<string> = new Set(["erc721", "erc1155"]);

/** The asset of token `tokenId` (decimal) of the collection whose canonical asset is `collection`. */
export const nftAsset = (collection: string, tokenId: string): string => `${collection}#${tokenId}`;

/** The display symbol of token `tokenId` of a collection shown as `symbol`. */
export const nftSymbol = (symbol: string, tokenId: string): string => `${symbol} #${tokenId}`;

/** The collection of an NFT asset (`X#123` → `X`); any other asset as it is. */
export const nftCollectionOf = (asset: string): string => {
  const i = asset.lastIndexOf("#");
  return i > 0 && /^\d+$/.test(asset.slice(i + 1)) ? asset.slice(0, i) : asset;
};
