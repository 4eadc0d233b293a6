import type { Scope } from "./types.ts";

/**
 * Why `universal` (one pool for every wallet) is only for comparison from 2025 on, when Treas. Reg.
 * §1.1012-1(j) and Rev. Proc. 2024-28 make per-wallet tracking the rule: the sentence `gains`,
 * `report`, `reconcile` and `harvest` give, without a final stop. Undefined for any other scope, or
 * when the last year computed is before 2025.
 */
export const universalScopeRule = (scope: Scope, lastYear: number): string | undefined =>
  scope === "universal" && lastYear >= 2025
    ? "scope universal pools every wallet's lots together; from 2025 on, Treas. Reg. §1.1012-1(j) and Rev. Proc. 2024-28 require per-wallet tracking (the default scope transition does it)"
    : undefined;
