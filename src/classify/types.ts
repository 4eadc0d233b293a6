import type { Decimal } from "../utils/decimal.ts";

/**
 * Classification works on one transaction at a time, across every wallet the user owns, and
 * turns its movements into ledger entries (still without USD values; pricing comes next).
 */

/** A wallet or account of the user, as classification sees it. */
export type WalletInfo = {
  id: number;
  chain: string;
  /** Canonical address (EIP-55 for EVM). */
  address: string;
  /** The ledger's wallet string: `<chain>:<address>`, or the label of an exchange deposit address. */
  key: string;
  /** `own` wallets hold lots; `exchange` deposit addresses stand for an exchange account. */
  kind: "own" | "exchange";
  label: string;
};

/** One normalized movement (a row of `lotwise_sync.movements`) with its wallet resolved. */
export type Movement = {
  wallet: WalletInfo;
  chain: string;
  txHash: string;
  /** `native`, `internal`, `erc20`, `erc721`, `erc1155`, `weth_deposit`, `weth_withdrawal`, `gas`, `l1_fee`, `sol`, `spl`, `sol_fee`. */
  evidence: string;
  evidenceIndex: string;
  /** Chain asset id: `<chain>:native` or `<chain>:<contract or mint>`. */
  chainAsset: string;
  symbol: string | null;
  decimals: number | null;
  /** Signed, raw integer units. */
  amount: bigint;
  counterparty: string | null;
  tokenId: string | null;
};

/** An EVM log of the transaction (from the raw records). */
export type EvmLog = { address: string; topics: readonly string[]; data: string; logIndex: number };

/** Everything classification knows about one transaction. */
export type TxGroup = {
  chain: string;
  txHash: string;
  time: Date;
  blockNumber: bigint;
  txIndex: number;
  /** `success` or `failed`. */
  status: string;
  from: string | null;
  to: string | null;
  /** EVM 4-byte selector, or Solana program ids joined by `,`. */
  method: string | null;
  feePayer: string | null;
  movements: Movement[];
  /** EVM logs (empty for Solana or when not stored). */
  logs: EvmLog[];
  /** Solana program ids invoked (empty for EVM). */
  programIds: string[];
};

/** A quantity of one asset: exact decimal in whole units. */
export type Leg = {
  /** Canonical ledger asset id (`ETH`, `USDC`, `evm:31337:0x…`). */
  asset: string;
  /** The chain asset id it came from (for on-chain pricing and descriptions). */
  chainAsset: string;
  chain: string;
  quantity: Decimal;
  /** Symbol for descriptions. */
  symbol: string;
};

export type ReviewDraft = {
  /** Machine reason: `unmatched_outflow`, `unmatched_inflow`, `unknown_decimals`, `complex_trade`, `spam`, … */
  reason: string;
  message: string;
};

/**
 * A ledger entry before pricing. Pricing turns each into one or more ledger rows:
 * - `trade`: `outs` exchanged for `ins` in one wallet (1×1 is one swap row; M×N is split by value);
 *   with no `ins` it is a `spend` (or `sell` when `sell` is set), with no `outs` an `income`;
 * - `transfer`: `leg` moves from `wallet` to `toWallet`; `gap` is a same-asset fee (bridges);
 * - `fee`: a standalone fee;
 * - `gift`: `leg` leaves without realization.
 */
export type Entry = {
  kind: "trade" | "transfer" | "fee" | "gift";
  wallet: string;
  outs: Leg[];
  ins: Leg[];
  toWallet?: string | undefined;
  /** Same-asset fee of a transfer (bridge gap), in the transferred asset. */
  gap?: Leg | undefined;
  /** Standalone fee (kind `fee`) or gas to attach to the first row. */
  fee?: Leg | undefined;
  /** For `trade` with only `outs`: `sell` (to fiat) instead of `spend`. */
  sell?: boolean | undefined;
  subtype?: string | undefined;
  note?: string | undefined;
  /** Another transaction this entry also comes from (`<chain>:<hash>`), e.g. a bridge's arrival. */
  linkedTx?: string | undefined;
};

/** The result for one transaction. */
export type TxClassification = {
  chain: string;
  txHash: string;
  time: Date;
  blockNumber: bigint;
  /** `self_transfer`, `swap`, `defi`, `income`, `spend`, `fee`, `spam`, `unmatched`, `mixed`, `empty`. */
  kind: string;
  /** What decided it: `rule:<name>`, `decoder:<protocol>:<action>`, `override:<id>`. */
  source: string;
  entries: Entry[];
  reviews: ReviewDraft[];
  /** Wallet-side halves left unmatched; cross-chain matching may pair them later. */
  unmatched: UnmatchedHalf[];
};

export type UnmatchedHalf = {
  direction: "in" | "out";
  /** The outflow side of a transfer the user imported (an exchange withdrawal): it already has its ledger row. */
  imported?: boolean | undefined;
  /** For an imported transfer: the wallet it went to (only an inflow there can complete it). */
  toWallet?: string | undefined;
  wallet: WalletInfo;
  leg: Leg;
  counterparty: string | null;
  chain: string;
  txHash: string;
  time: Date;
};
