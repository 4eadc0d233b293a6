import { describe, expect, test } from "vitest";
import { yearEndPriceFile } from "./prices.ts";

describe("the demo's year-end price file", () => {
  test("closing pool prices carry 8 decimals, not the reserves' 30", () => {
    // Before: ETH,2025-12-31,2296.51125205347431271945752419 (and harvest.csv repeated it).
    expect(
      yearEndPriceFile(
        { eth: "2296.51125205347431271945752419", lot: "0.501998993999999999999998948153" },
        "evm:31337:0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
      ),
    ).toBe(
      "asset,time,usd\nETH,2025-12-31,2296.51125205\nevm:31337:0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512,2025-12-31,0.50199899\n",
    );
  });
});
