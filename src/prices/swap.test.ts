import { describe, expect, test } from "vitest";
import { chooseSwapSide, type SwapLeg } from "./swap.ts";
import type { PriceOutcome, PriceProviderName } from "./types.ts";

const ORDER: PriceProviderName[] = ["file", "stablecoin", "onchain", "defillama", "coingecko"];
const T = new Date("2024-03-01T12:00:00Z");
const leg = (asset: string, quantity: string): SwapLeg => ({ asset, time: T, quantity });
const priced = (provider: PriceProviderName, usd: string, ageMinutes = 0): PriceOutcome => ({
  ok: true,
  usd,
  provider,
  source: provider,
  priceTime: new Date(T.getTime() - ageMinutes * 60_000),
});
const missing: PriceOutcome = { ok: false, reasons: [{ provider: "defillama", reason: "no price" }] };

describe("chooseSwapSide()", () => {
  test("the side priced by the provider earlier in the order wins: ETH → USDC is worth its USDC", () => {
    const c = chooseSwapSide(
      { out: leg("ETH", "0.5"), in: leg("USDC", "1140.12") },
      { out: priced("defillama", "2279.94"), in: priced("stablecoin", "1") },
      ORDER,
    );
    expect(c).toEqual({
      side: "in",
      price: expect.objectContaining({ provider: "stablecoin" }),
      usd: "1140.12",
    });
  });

  test("same provider: the fresher price wins", () => {
    const c = chooseSwapSide(
      { out: leg("ETH", "2"), in: leg("WBTC", "0.1") },
      { out: priced("defillama", "2000", 50), in: priced("defillama", "41000", 5) },
      ORDER,
    );
    expect(c?.side).toBe("in");
    expect(c?.usd).toBe("4100");
  });

  test("a full tie values the outgoing side; one priced side is used whatever it is", () => {
    const tie = chooseSwapSide(
      { out: leg("ETH", "1.5"), in: leg("WETH", "1.5") },
      { out: priced("coingecko", "2000.1"), in: priced("coingecko", "2000.2") },
      ORDER,
    );
    expect(tie).toMatchObject({ side: "out", usd: "3000.15" });
    const one = chooseSwapSide(
      { out: leg("FOO", "10"), in: leg("ETH", "0.000000000000000001") },
      { out: missing, in: priced("coingecko", "2279.94") },
      ORDER,
    );
    expect(one).toMatchObject({ side: "in", usd: "0.00000000000000227994" });
  });

  test("neither side priced: nothing, never zero", () => {
    expect(
      chooseSwapSide({ out: leg("A", "1"), in: leg("B", "1") }, { out: missing, in: missing }, ORDER),
    ).toBeUndefined();
  });

  test("values are exact products, no float", () => {
    const c = chooseSwapSide(
      { out: leg("USDC", "0.1"), in: leg("X", "1") },
      { out: priced("stablecoin", "1"), in: missing },
      ORDER,
    );
    expect(c?.usd).toBe("0.1");
    const d = chooseSwapSide(
      { out: leg("ETH", "123456789.123456789123456789"), in: leg("X", "1") },
      { out: priced("file", "3.3"), in: missing },
      ORDER,
    );
    expect(d?.usd).toBe("407407404.1074074041074074037");
  });
});
