import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  explainDecimal,
  formatScaled,
  fractionDigits,
  isNonZeroDecimal,
  isPlainDecimal,
  toScaled,
} from "./decimal.ts";

describe("plain decimals", () => {
  test("isPlainDecimal() accepts digits with an optional fraction, nothing else", () => {
    for (const ok of ["0", "1", "1234.5", "0.000000000000000001", "007.10"])
      expect(isPlainDecimal(ok), ok).toBe(true);
    for (const bad of ["", ".5", "5.", "-1", "+1", "1e3", "1,000", " 1", "1 ", "1.2.3", "0x10", "١"]) {
      expect(isPlainDecimal(bad), bad).toBe(false);
    }
    expect(isNonZeroDecimal("0.000")).toBe(false);
    expect(isNonZeroDecimal("0.001")).toBe(true);
    expect(explainDecimal("-2.5")).toMatch(/negative/);
    expect(explainDecimal("1e5")).toMatch(/exponent/);
    expect(explainDecimal("1,000.00")).toMatch(/thousands separator/);
  });

  test("toScaled() and formatScaled() are exact", () => {
    expect(toScaled("1.5", 2)).toBe(150n);
    expect(toScaled("0.000000000000000001", 18)).toBe(1n);
    expect(toScaled("123456789012345678901234567890.12", 2)).toBe(12345678901234567890123456789012n);
    expect(formatScaled(150n, 2)).toBe("1.5");
    expect(formatScaled(100n, 2)).toBe("1");
    expect(formatScaled(5n, 3)).toBe("0.005");
    expect(formatScaled(-5n, 3)).toBe("-0.005");
    expect(formatScaled(0n, 18)).toBe("0");
    expect(fractionDigits("12.3400")).toBe(4);
    expect(() => toScaled("1.234", 2)).toThrow(RangeError);
  });

  test("property: formatScaled(toScaled(s)) is s without trailing fraction zeros", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9]\d{0,30}(\.\d{1,30})?$/), fc.nat(6), (s, extra) => {
        const scale = fractionDigits(s) + extra;
        const v = toScaled(s, scale);
        expect(v).toBe(BigInt(s.replace(".", "")) * 10n ** BigInt(scale - fractionDigits(s)));
        const canonical = s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
        expect(formatScaled(v, scale)).toBe(canonical);
      }),
    );
  });
});
