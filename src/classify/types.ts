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
  /** `native`, `internal`, `erc20`, `erc721`, `erc1155`, `weth_deposit`, `weth_withdrawal`, `gas`, `l1_fee`, `sol`, `spl`, `sol_fee`, `spl_fee` (a Token-2022 transfer fee). */
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
  /**
   * Solana: top-level system transfers of lamports from an address to another, read from the raw
   * transaction (a tip or a bot's or front end's fee is one such instruction beside the trade).
   * Their amounts are inside the wallet's net `sol` movement; classification itemizes those paid
   * to third parties within a trade as the trade's costs.
   */
  sidePayments?: { from: string; to: string; lamports: bigint }[] | undefined;
  /**
   * Solana: Jupiter limit-order / DCA escrow balance changes read from the raw transaction
   * (decoders/jupiter/escrow.ts): what a fill took from, or put into, an order's escrow.
   */
  escrow?: EscrowChange[] | undefined;
};

/** A token balance change of an escrow account (owned by a Jupiter order / DCA account). */
export type EscrowChange = {
  /** The token account. */
  account: string;
  /** Its owner: the order or DCA account. */
  owner: string;
  /** Accounts listed beside the owner in the program's instructions (the maker among them). */
  parties: string[];
  mint: string;
  decimals: number;
  /** Signed raw units. */
  amount: bigint;
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
  /**
   * Costs of a trade paid to third parties in the same transaction (a trading bot's or front
   * end's fee, a tip), itemized as the trade's fee with the recipient in the note: never netted
   * into the trade's amounts.
   */
  costs?: { leg: Leg; recipient: string }[] | undefined;
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
  /** Facts a decoder keeps for later transactions (stored in `classifications.details`), e.g. Uniswap V3 liquidity owed. */
  details?: Record<string, unknown> | undefined;
};

/**
 * One wallet-side movement no rule explained within its transaction: an outflow to, or an inflow
 * from, an address that is not the user's. The matcher (`match.ts`) may pair an outflow with an
 * inflow of another wallet (a bridge, an exchange withdrawal or deposit) on evidence or the user's
 * decision; what stays unpaired becomes a review item (or follows the user's rules and settings).
 *
 * Chain halves come from classification. Imported halves come from exchange exports (issue 17's
 * importers, and `transfer` rows of a ledger CSV import whose `to_wallet` is a chain wallet):
 * `imported: true`, `chain` = `import:<name>` (or `import`), `txHash` = the import row id,
 * `wallet` = the exchange account (key like `coinbase:main`), either direction:
 * `out` = a withdrawal from the exchange to a chain wallet, `in` = a deposit to the exchange.
 */
export type UnmatchedHalf = {
  direction: "in" | "out";
  /** A half read from an import (an exchange export), not from a chain. */
  imported?: boolean | undefined;
  /**
   * For an imported half: its ledger row already exists (a ledger CSV `transfer` row with
   * `to_wallet`), so a pairing only completes it and adds no entry. Otherwise (issue 17's
   * exchange deposits and withdrawals) the pairing's transfer entry is produced in the chain
   * transaction's classification.
   */
  hasRow?: boolean | undefined;
  /** For an imported transfer: the wallet it went to (only an inflow there can complete it). */
  toWallet?: string | undefined;
  /**
   * What the source says about the other side: the on-chain transaction hash(es) an exchange
   * export gives for a deposit or withdrawal, and the counterpart on-chain address (withdrawal
   * destination / deposit source). A chain half whose `txHash` equals one of `txHashes`
   * (case-insensitive) or whose wallet address is one of `addresses` pairs by evidence.
   */
  evidence?: { txHashes?: readonly string[]; addresses?: readonly string[] } | undefined;
  /**
   * For a chain half: the exchange account whose labelled deposit address is the counterparty
   * (`lotwise wallets add … --exchange --label coinbase:main`). Unpaired, it is a transfer to (or
   * from) that account; an imported half of that account pairs with it by evidence. For an
   * imported withdrawal: the other account whose labelled deposit address the export names as the
   * destination (set by `classifyAll`); it pairs only with that account's imported deposit, and
   * unpaired it is a transfer to that account.
   */
  account?: string | undefined;
  wallet: WalletInfo;
  leg: Leg;
  counterparty: string | null;
  chain: string;
  txHash: string;
  time: Date;
  /** Block (or slot) of a chain half, for ordering. */
  blockNumber?: bigint | undefined;
};
