/** Splits `rows` into consecutive slices of at most `size` (query batches under PostgreSQL's bind-parameter limit). */
export const chunks = <T>(rows: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
};
