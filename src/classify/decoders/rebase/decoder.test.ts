/**
 * Rebasing tokens' daily rows: growth is income (policy `accrued`); a fall (a negative rebase, a
 * slashing) is a `negative_rebase` review item that the user's decision on the day's row answers.
 */
import { describe, expect, test } from "vitest";
import { ctxFor, E, mv, NO_OVERRIDES, TKN, tx, wA } from "../../classify.test-support.ts";
import { classifyAll } from "../../classify.ts";
import type { OverrideAction } from "../../overrides.ts";
import { REBASE_EVIDENCE } from "./decoder.ts";

const HASH = `rebase:${TKN.toLowerCase()}:2025-03-08`;
const fall = tx(HASH, "2025-03-08T23:59:59Z", [mv(wA, TKN, -5n * E, REBASE_EVIDENCE)], { from: null });
const decided = (action: OverrideAction) => ({
  perTx: new Map([[`ethereum:${HASH}`, { id: 7, action }]]),
  rules: [],
});

describe("a negative rebase", () => {
  test("undecided: no entry, a negative_rebase review item", () => {
    const [c] = classifyAll([fall], ctxFor(), NO_OVERRIDES);
    expect(c!.entries).toEqual([]);
    expect(c!.reviews.map((r) => r.reason)).toEqual(["negative_rebase"]);
  });

  test("decided as spend: the 5 units leave the wallet and the item is answered", () => {
    const [c] = classifyAll([fall], ctxFor(), decided({ as: "spend" }));
    expect(c!.source).toBe("override:7");
    expect(c!.reviews).toEqual([]);
    expect(c!.entries).toHaveLength(1);
    const e = c!.entries[0]!;
    expect(e.kind).toBe("trade");
    expect(e.wallet).toBe(wA.key);
    expect(e.ins).toEqual([]);
    expect(e.outs.map((l) => [l.asset, l.quantity.toFixed()])).toEqual([[`ethereum:${TKN}`, "5"]]);
  });

  test("a decision that cannot apply to a fall (income) leaves the item open", () => {
    const [c] = classifyAll([fall], ctxFor(), decided({ as: "income" }));
    expect(c!.entries).toEqual([]);
    expect(c!.reviews.map((r) => r.reason)).toEqual(["negative_rebase"]);
  });
});
