/**
 * Splitting an amount in cents over parts by weight, exactly: the shares add up to the amount.
 */

/**
 * Shares of `total` proportional to `weights` (all > 0), each the exact share rounded down, then
 * the cents left over go one each to the parts with the largest remainders (ties: earlier part).
 * A negative total is split as its absolute value, negated. Sum of the result = `total`.
 * @example apportion(100n, [1n, 1n, 1n]) → [34n, 33n, 33n]
 */
export const apportion = (total: bigint, weights: readonly bigint[]): bigint[] => {
  if (weights.length === 0) return [];
  if (weights.length === 1) return [total];
  if (total === 0n) return weights.map(() => 0n);
  if (total < 0n) return apportion(-total, weights).map((v) => -v);
  let sum = 0n;
  for (const w of weights) sum += w;
  const shares = weights.map((w) => (total * w) / sum);
  const remainders = weights.map((w, i) => ({ i, r: (total * w) % sum }));
  let left = total;
  for (const s of shares) left -= s;
  remainders.sort((a, b) => (a.r > b.r ? -1 : a.r < b.r ? 1 : a.i - b.i));
  for (let k = 0; left > 0n; k++, left--) shares[remainders[k]!.i]! += 1n;
  return shares;
};
