/**
 * `<chain>:<hash>` keys of transactions, split back into their chain and hash.
 *
 * Neither side is free of `:`: a chain is `evm:<chainId>`, `solana`, or an exchange account's
 * `import:<account>` (an account name may hold `:`, as in `coinbase:main`), and a synthetic
 * transaction's hash holds `:` too (`rebase:<token>:<YYYY-MM-DD>` of a rebasing token's daily
 * growth, `reward:<stake account>:<epoch>` of a Solana staking reward). So the split follows the
 * chain's shape: an import's id holds no `:` (its key splits at the last one; imports written
 * before digest ids became `row-…` wrote `row:…`), any other chain is `evm:<digits>` or one word.
 */
export const splitTxKey = (key: string): { chain: string; txHash: string } => {
  if (key.startsWith("import:")) {
    const legacy = key.lastIndexOf(":row:");
    const i = legacy >= 0 ? legacy : key.lastIndexOf(":");
    return { chain: key.slice(0, i), txHash: key.slice(i + 1) };
  }
  const m = /^(evm:\d+|[^:]+):/.exec(key);
  if (!m) return { chain: "", txHash: key };
  return { chain: m[1]!, txHash: key.slice(m[0].length) };
};
