import { describe, expect, test } from "vitest";
import { A, B, ctxFor, E, EXT, mv, wA, wB } from "./classify.test-support.ts";
import { netMovements } from "./rules.ts";

/** A made-up token contract `k`. */
const token = (k: number) => `0x${k.toString(16).padStart(40, "0")}`;

describe("netMovements()", () => {
  test("nets per wallet and asset, in the order first seen, across movements apart; counterparties gathered", () => {
    const moves = [
      mv(wA, "native", -2n * E, "native", B),
      mv(wB, "native", 2n * E, "native", A),
      mv(wA, token(1), 5n * E, "erc20", EXT),
      mv(wA, "native", E, "native", EXT),
    ];
    const nets = netMovements(ctxFor(), moves, []);
    expect(
      nets.map((n) => [n.wallet.key, n.leg.chainAsset, n.signed.toFixed(), [...n.counterparties], n.moves]),
    ).toEqual([
      [wA.key, "ethereum:native", "-1", [B, EXT], [moves[0], moves[3]]],
      [wB.key, "ethereum:native", "2", [A], [moves[1]]],
      [wA.key, `ethereum:${token(1)}`, "5", [EXT], [moves[2]]],
    ]);
  });

  test("a transaction of many assets (past those looked through one by one): each wallet and asset nets once, in the order first seen; a net of zero is left out", () => {
    // Wallet A gets k + 1 of each token k, then gives 1 of each back (all 6 of token 5); wallet B
    // then gets token 3 twice, after the nets are many.
    const moves = [
      ...Array.from({ length: 12 }, (_v, i) => mv(wA, token(i + 1), BigInt(i + 2) * E, "erc20", EXT)),
      ...Array.from({ length: 12 }, (_v, i) =>
        mv(wA, token(i + 1), i + 1 === 5 ? -6n * E : -E, "erc20", token(100 + i)),
      ),
      mv(wB, token(3), E, "erc20", EXT),
      mv(wB, token(3), 2n * E, "erc20", EXT),
    ];
    const nets = netMovements(ctxFor(), moves, []);
    const expected = [
      ...Array.from({ length: 12 }, (_v, i) => i + 1)
        .filter((k) => k !== 5)
        .map((k) => [wA.key, `ethereum:${token(k)}`, String(k), [EXT, token(99 + k)], 2]),
      [wB.key, `ethereum:${token(3)}`, "3", [EXT], 2],
    ];
    expect(
      nets.map((n) => [
        n.wallet.key,
        n.leg.chainAsset,
        n.signed.toFixed(),
        [...n.counterparties],
        n.moves.length,
      ]),
    ).toEqual(expected);
  });
});
