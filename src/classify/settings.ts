/**
 * Classification settings and the documented default tax treatment of each DeFi action
 * (docs/classification.md explains each choice). Parsed from the `classify` section of the
 * configuration.
 */
export type ClassifySettings = {
  /**
   * WETH handling: `same-as-eth` (default) makes WETH the asset ETH, so wrapping and unwrapping
   * realize nothing; `separate` keeps WETH its own asset and treats a wrap as a swap.
   */
  weth: "same-as-eth" | "separate";
  /** Aave supply/withdraw: `nontaxable` (default; the deposit moves into a position account) or `swap`. */
  lending: "nontaxable" | "swap";
  /** Liquidity add/remove: `swap` (default: a swap into the LP token) or `nontaxable` (position account). */
  liquidity: "swap" | "nontaxable";
  /** Lido stake: `swap` (default: ETH exchanged for stETH) or `nontaxable` (position account). */
  staking: "swap" | "nontaxable";
  /** An outflow to an address that is neither yours nor a labelled exchange: `review` (default, no ledger row until you decide) or `spend`. */
  unmatchedOutflow: "review" | "spend";
  /** An inflow from an unknown sender: `review` (default; zero basis if later sold) or `income`. */
  unmatchedInflow: "review" | "income";
  /**
   * Rebasing tokens and aToken interest: `accrued` (default; income per day at that day's price)
   * or `on-withdrawal` (nothing until the tokens leave). See docs/classification.md.
   */
  rebasingIncome: "accrued" | "on-withdrawal";
  /** Cross-chain / bridge matching: the inflow must arrive within this many hours. @defaultValue 24 */
  bridgeWindowHours: number;
  /** Largest bridge fee as a fraction of the amount sent. @defaultValue "0.05" (5 %) */
  bridgeTolerance: string;
  /**
   * Pairing without evidence (amount and time alone): the inflow must arrive within this many
   * hours of the outflow. Such a pair is only made when it is the one candidate both ways, and it
   * is always listed for confirmation (`confirm_match`). @defaultValue 6
   */
  matchWindowHours: number;
  /** Pairing without evidence: largest shortfall (a plausible network or withdrawal fee) as a fraction. @defaultValue "0.01" (1 %) */
  matchTolerance: string;
};

/**
 * The matching window, in hours: the larger of `bridgeWindowHours` and `matchWindowHours`. A
 * rebuild reclassifies this far before a new transaction, and a decision or an import marks the
 * ledger dirty this far before what it changed, so pairs straddling the change are matched again.
 */
export const matchingWindowHours = (
  settings: Pick<ClassifySettings, "bridgeWindowHours" | "matchWindowHours">,
): number => Math.max(settings.bridgeWindowHours, settings.matchWindowHours);

export const DEFAULT_CLASSIFY_SETTINGS: ClassifySettings = {
  weth: "same-as-eth",
  lending: "nontaxable",
  liquidity: "swap",
  staking: "swap",
  unmatchedOutflow: "review",
  unmatchedInflow: "review",
  rebasingIncome: "accrued",
  bridgeWindowHours: 24,
  bridgeTolerance: "0.05",
  matchWindowHours: 6,
  matchTolerance: "0.01",
};
