import { describe, expect, test } from "vitest";
import { exportUsd } from "../utils/decimal.ts";
import { roundUsd } from "./engine-csv.ts";

/** A deterministic generator (xorshift32): the same values every run. */
const random = (seed: number) => () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};

describe("roundUsd (a USD value with more than 8 places, as the snapshot prints it)", () => {
  const expected = (v: string) => {
    const out = exportUsd(v);
    return /^-0(\.0+)?$/.test(out) ? "0" : out;
  };

  test("equals exportUsd (negative zero printed 0) on carries, halves and random values", () => {
    const cases = [
      "0.000000005",
      "0.000000004999",
      "-0.000000004",
      "-0.000000005",
      "9.999999995",
      "99.9999999949",
      "-999.999999995000",
      "0.123456785",
      "0.123456784999",
      "1.100000000001",
      "12345678901234567890.123456789",
      "0.000000000000000001",
    ];
    const next = random(20250101);
    for (let i = 0; i < 20_000; i++) {
      const whole = i % 5 === 0 ? "0" : String(Math.floor(next() * 10 ** (1 + (i % 12))));
      const places = 9 + Math.floor(next() * 20);
      let frac = "";
      for (let k = 0; k < places; k++) frac += i % 7 === 0 && k < 8 ? "9" : String(Math.floor(next() * 10));
      cases.push(`${i % 3 === 0 ? "-" : ""}${whole}.${frac}`);
    }
    for (const v of cases) expect(roundUsd(v, v.indexOf(".")), v).toBe(expected(v));
  });
});
