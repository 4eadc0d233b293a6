/** Jupiter program ids (Solana mainnet). Source: Jupiter station docs and the recorded fixtures. */
export const JUPITER_PROGRAMS = {
  /** Aggregator v6. */
  aggregatorV6: "JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4",
  /** Limit order (v1). */
  limitOrder: "jupoNjAxXgZ4rjzxzPMP4oxduvQsQtZzyknqvzYNrNu",
  /** Limit order v2. */
  limitOrderV2: "j1o2qRpjcyUwEvwtcfhEQefh773ZgjxcVRry7LDqg5X",
  /** DCA. */
  dca: "DCA265Vj8a9CEuX1eb1LWRnDT7uK6q1xMipnNyatn23M",
} as const;
