import { expect, test } from "vitest";
import { Decimal, fromRaw, plain } from "./decimal.ts";

test("plain prints a decimal without exponent or trailing zeros, as the strip of toFixed did", () => {
  // The strip every value went through before the shortcut for values with nothing to strip.
  const stripped = (d: Decimal) => {
    const s = d.toFixed();
    return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
  };
  const values = [
    new Decimal(0),
    new Decimal(-0),
    new Decimal(10),
    new Decimal(-100),
    new Decimal("1.50"),
    new Decimal("0.000000000000000001"),
    new Decimal("1e40"),
    new Decimal("-1e-30"),
    new Decimal("123456789012345678901234567890.000000000000000000001"),
    fromRaw(1_500_000n, 6),
    fromRaw(10n ** 18n, 18),
    fromRaw(-20n, 1),
    new Decimal(1).div(3),
    new Decimal(2).div(7).mul(1e20),
  ];
  for (let k = 0; k < 500; k++) values.push(fromRaw(BigInt(k * 7919 - 1000) * 10n ** BigInt(k % 9), k % 19));
  for (const d of values) expect(plain(d)).toBe(stripped(d));
  expect(plain(new Decimal("1.50"))).toBe("1.5");
  expect(plain(new Decimal("1e40"))).toBe(`1${"0".repeat(40)}`);
  expect(plain(fromRaw(1_500_000n, 6))).toBe("1.5");
});
