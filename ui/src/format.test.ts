import { describe, expect, test } from "vitest";
import { usd, usdLoss } from "./format.ts";

describe("usdLoss()", () => {
  test("a carryover or deduction is shown as a loss in parentheses; zero stays $0.00", () => {
    expect(usdLoss("1500.00")).toBe("($1,500.00)");
    expect(usdLoss("0.05")).toBe("($0.05)");
    expect(usdLoss("0.00")).toBe("$0.00");
    expect(usdLoss("0")).toBe("$0.00");
    expect(usdLoss(undefined)).toBe("—");
    expect(usd("-2929.04")).toBe("−$2,929.04");
  });
});
