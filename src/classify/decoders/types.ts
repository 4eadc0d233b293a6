import type { ClassifyContext } from "../context.ts";
import type { Entry, Movement, ReviewDraft, TxGroup, UnmatchedHalf } from "../types.ts";

/**
 * What a protocol decoder says about a transaction. Movements it `consumed` are fully described
 * by its `entries`; `ignored` movements are receipts that stand for a position (aTokens, LP NFTs)
 * and must not form lots; everything else goes through the generic rules, whose entries get
 * `subtype`.
 */
export type DecodeResult = {
  /** `<protocol>:<action>`, e.g. `uniswap-v2:lp_deposit`. */
  action: string;
  subtype?: string | undefined;
  consumed?: readonly Movement[];
  ignored?: readonly Movement[];
  entries?: readonly Entry[];
  reviews?: readonly ReviewDraft[];
  /** Facts kept for later transactions (see `TxClassification.details`). */
  details?: Record<string, unknown> | undefined;
  /**
   * What the decoder left for the user to decide (a negative rebase): the halves a per-transaction
   * decision (`lotwise review set … --as spend|gift|transfer`) turns into entries, and the review
   * reason the decision answers. Undecided, they stay the decoder's review items.
   */
  decidable?: { halves: readonly UnmatchedHalf[]; reason: string } | undefined;
};

/**
 * A protocol decoder, scoped by contract address (EVM, lowercase) or program id (Solana): it only
 * runs on transactions that touch one of `addresses(chain)` (as `to`, a log emitter or a program).
 */
export type Decoder = {
  protocol: string;
  addresses: (chain: string, ctx: ClassifyContext) => readonly string[];
  /**
   * For decoders of rows that touch no contract (synthetic balance-change rows): when given, it
   * decides whether the decoder runs instead of `addresses`.
   */
  recognizes?: (tx: TxGroup) => boolean;
  decode: (tx: TxGroup, ctx: ClassifyContext) => DecodeResult | undefined;
};
