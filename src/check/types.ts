/**
 * Balance reconciliation: for each wallet and asset, the ledger's holding at the synced block or
 * slot against the chain's own balance at that height. All quantities are exact decimal strings
 * in whole units (never floats); USD is a decimal string or null when the asset has no price.
 */

/** Machine codes of the causes lotwise can name for a difference. */
export type CauseCode =
  /** The token's balance changed with no Transfer event (stETH, aTokens, a rebasing token). */
  | "rebasing"
  /** Transfer events of the token do not index the addresses: topic filters cannot find them. */
  | "unindexed_transfer"
  /** The node has no trace method: internal ETH transfers were not seen. */
  | "no_traces"
  /** Transactions of the asset were classified as spam (or ignored by a decision): not in the ledger. */
  | "spam"
  /** Transactions of the asset wait for a review decision, so they have no ledger rows yet. */
  | "unreviewed"
  /** The asset moved into a protocol position account (Aave, Lido, LP): the receipt token is not a lot. */
  | "position"
  /** Solana: the balance changed between two stored transactions (a transaction not synced); EVM: a genesis allocation. */
  | "history_gap"
  /** A known opening balance kept out of the ledger (a local dev chain's genesis pre-funding): not a difference. */
  | "opening_balance"
  /** Nothing lotwise can name. */
  | "unknown";

export type Cause = {
  code: CauseCode;
  /** What lotwise saw, in words. */
  message: string;
  /** The part of the difference this cause explains, in whole units, when lotwise can size it. */
  amount?: string | undefined;
};

/** One wallet and (canonical ledger) asset. */
export type AssetCheck = {
  /** Canonical ledger asset (`ETH`, `USDC`, `evm:31337:0x…`). */
  asset: string;
  symbol: string;
  /** Chain asset ids read for it (`evm:31337:native`, the WETH contract, …). */
  chainAssets: string[];
  /** The chain's own balance at the height. */
  chain: string;
  /** Σ of lotwise's indexed movements up to the height. */
  indexed: string;
  /** The ledger's holding in the wallet (its rows up to the height). */
  ledger: string;
  /**
   * A recognized opening balance the ledger leaves out on purpose (a local dev chain's genesis
   * pre-funding, exactly its block-0 balance); present only when not zero.
   */
  opening?: string | undefined;
  /** chain − opening − ledger (positive: the chain holds more than the ledger says). */
  difference: string;
  /** |difference| × price at the height; null without a price (then `unpriced` is true). */
  differenceUsd: string | null;
  unpriced: boolean;
  causes: Cause[];
};

export type WalletCheck = {
  /** `<chain>:<address>`. */
  wallet: string;
  chain: string;
  address: string;
  /** Block (EVM) or slot (Solana) the balances are compared at; undefined when not synced yet. */
  height?: string | undefined;
  /** Instant of that block / slot. */
  time?: string | undefined;
  /** How the chain balances were read: `multicall3`, `rpc`, `post-balances`. */
  method?: string | undefined;
  assets: AssetCheck[];
  /** Assets with a non-zero difference. */
  differences: number;
  /** Why the wallet could not be checked (not synced, no RPC endpoint, …). */
  skipped?: string | undefined;
};

export type CheckReport = {
  /** When the check ran. */
  checkedAt: string;
  wallets: WalletCheck[];
  /** Wallet-asset pairs compared. */
  assets: number;
  /** Wallet-asset pairs with a difference (each is an open review item). */
  differences: number;
  /** Σ |differenceUsd| over priced differences. */
  differenceUsd: string;
};
