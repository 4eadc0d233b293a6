import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  civilFromDays,
  daysFromCivil,
  explainInstant,
  formatInstant,
  type Instant,
  parseInstant,
  parseUtcInstantBytes,
} from "./instant.ts";

describe("parseInstant()", () => {
  test("accepts Z and offsets in every ISO 8601 form the ledger allows", () => {
    const ms = Date.UTC(2025, 2, 4, 15, 20);
    expect(parseInstant("2025-03-04T15:20:00Z")).toEqual({ ms, ns: 0 });
    expect(parseInstant("2025-03-04T15:20Z")).toEqual({ ms, ns: 0 });
    expect(parseInstant("2025-03-04T16:20:00+01:00")).toEqual({ ms, ns: 0 });
    expect(parseInstant("2025-03-04T10:20:00-0500")).toEqual({ ms, ns: 0 });
    expect(parseInstant("2025-03-04T17:20:00+02")).toEqual({ ms, ns: 0 });
    expect(parseInstant("2025-03-04t15:20:00z")).toEqual({ ms, ns: 0 });
  });

  test("keeps fractions of a second down to nanoseconds", () => {
    const base = Date.UTC(2020, 0, 21, 18, 33, 14);
    expect(parseInstant("2020-01-21T18:33:14.342Z")).toEqual({ ms: base + 342, ns: 0 });
    expect(parseInstant("2020-01-21T18:33:14.123456789Z")).toEqual({ ms: base + 123, ns: 456_789 });
    expect(parseInstant("2020-01-21T18:33:14.5Z")).toEqual({ ms: base + 500, ns: 0 });
    expect(parseInstant("2020-01-21T18:33:14.1234567891Z")).toBeUndefined();
  });

  test("rejects times without an offset and impossible dates", () => {
    for (const bad of [
      "2025-03-04T15:20:00",
      "2025-03-04",
      "2025-03-04 15:20:00Z",
      "2023-02-29T00:00:00Z",
      "2025-13-01T00:00:00Z",
      "2025-04-31T00:00:00Z",
      "2025-03-04T24:00:00Z",
      "2025-03-04T15:60:00Z",
      "2025-03-04T15:20:00+25:00",
      "2025-03-04T15:20:00Zjunk",
      "",
    ]) {
      expect(parseInstant(bad), bad).toBeUndefined();
    }
    expect(parseInstant("2024-02-29T00:00:00Z")).toBeDefined();
    expect(explainInstant("2025-03-04T15:20:00")).toMatch(/no UTC offset/);
    expect(explainInstant("2025-03-04 15:20:00Z")).toMatch(/needs a T/);
  });

  test("property: agrees with Date.parse on millisecond instants", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("1900-01-01T00:00:00Z"),
          max: new Date("2100-12-31T23:59:59Z"),
          noInvalidDate: true,
        }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (d, offsetMin) => {
          const local = new Date(d.getTime() + offsetMin * 60_000).toISOString().slice(0, 23);
          const sign = offsetMin < 0 ? "-" : "+";
          const a = Math.abs(offsetMin);
          const text = `${local}${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
          expect(parseInstant(text)).toEqual({ ms: d.getTime(), ns: 0 });
        },
      ),
    );
  });
});

describe("civil dates", () => {
  test("daysFromCivil() and civilFromDays() are inverse", () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(civilFromDays(daysFromCivil(2024, 2, 29))).toBe(20240229);
    fc.assert(
      fc.property(fc.integer({ min: -200_000, max: 200_000 }), (days) => {
        const c = civilFromDays(days);
        expect(daysFromCivil(Math.floor(c / 10000), Math.floor(c / 100) % 100, c % 100)).toBe(days);
        expect(c).toBe(Number(new Date(days * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "")));
      }),
    );
  });

  test("formatInstant() writes what Date.toISOString writes, at every boundary it formats itself", () => {
    const cases = [
      0,
      1,
      999,
      86_399_999,
      86_400_000,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2024, 2, 1),
      Date.UTC(2025, 11, 31, 12, 5, 9, 7),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      // outside 1970–9999: toISOString's own forms (`+010000-…`, years before 1970)
      Date.UTC(10000, 0, 1),
      -1,
      Date.UTC(1969, 11, 31, 23, 59, 59),
      Date.UTC(1, 0, 1),
    ];
    for (let day = 0; day < 3_000_000; day += 7_919)
      cases.push(day * 86_400_000 + ((day * 7_777) % 86_400_000));
    for (const ms of cases) expect(formatInstant({ ms, ns: 0 })).toBe(new Date(ms).toISOString());
    // The same day's prefix is reused: a later day after an earlier one still gets its own date.
    expect(formatInstant({ ms: Date.UTC(2025, 0, 2, 3), ns: 0 })).toBe("2025-01-02T03:00:00.000Z");
    expect(formatInstant({ ms: Date.UTC(2025, 0, 1, 3), ns: 0 })).toBe("2025-01-01T03:00:00.000Z");
  });

  test("formatInstant() prints UTC with the sub-millisecond digits", () => {
    expect(formatInstant({ ms: Date.UTC(2025, 0, 1), ns: 0 })).toBe("2025-01-01T00:00:00.000Z");
    expect(formatInstant({ ms: Date.UTC(2025, 0, 1) + 1, ns: 500 })).toBe("2025-01-01T00:00:00.0010005Z");
  });
});

describe("parseUtcInstantBytes()", () => {
  const viaBytes = (s: string): Instant | undefined => {
    const buf = Buffer.from(`xx${s}yy`, "latin1");
    const into = { ms: -1, ns: -1 };
    return parseUtcInstantBytes(buf, 2, 2 + s.length, into) ? into : undefined;
  };

  test("reads the usual Z form exactly as parseInstant", () => {
    expect(viaBytes("2025-01-02T00:01:00.220Z")).toEqual({ ms: Date.UTC(2025, 0, 2, 0, 1, 0, 220), ns: 0 });
    expect(viaBytes("2024-02-29T23:59:59Z")).toEqual(parseInstant("2024-02-29T23:59:59Z"));
    expect(viaBytes("2025-03-04T15:20:00.123456789Z")).toEqual({
      ms: Date.UTC(2025, 2, 4, 15, 20, 0, 123),
      ns: 456_789,
    });
  });

  test("declines other forms and invalid text (parseInstant then decides)", () => {
    for (const s of [
      "2025-02-29T00:00:00Z",
      "2025-13-01T00:00:00Z",
      "2025-01-01T24:00:00Z",
      "2025-01-01T00:60:00Z",
      "2025-01-01T00:00:60Z",
      "2025-01-01T00:00:00.Z",
      "2025-01-01T00:00:00.1234567890Z",
      "2025-01-01T00:00:00+00:00",
      "2025-01-01t00:00:00Z",
      "2025-01-01T00:00Z",
      "2025-01-01T00:00:00,5Z",
      "2025-01-01T0a:00:00Z",
      "20a5-01-01T00:00:00Z",
      "a025-01-01T00:00:00Z",
      "2025-0/-01T00:00:00Z",
    ]) {
      expect(viaBytes(s), s).toBeUndefined();
    }
  });

  test("the previous row's date is reused only for the same date, and the time is still checked", () => {
    expect(viaBytes("2025-02-28T10:00:00Z")).toEqual({ ms: Date.UTC(2025, 1, 28, 10), ns: 0 });
    expect(viaBytes("2025-02-28T11:30:00Z")).toEqual({ ms: Date.UTC(2025, 1, 28, 11, 30), ns: 0 });
    expect(viaBytes("2025-02-28T24:00:00Z")).toBeUndefined();
    expect(viaBytes("2025-02-29T11:30:00Z")).toBeUndefined();
    expect(viaBytes("2024-02-28T11:30:00Z")).toEqual({ ms: Date.UTC(2024, 1, 28, 11, 30), ns: 0 });
    expect(viaBytes("1970-01-01T00:00:01Z")).toEqual({ ms: 1000, ns: 0 });
    expect(viaBytes("\u0000\u0000\u0000\u0000-\u0000\u0000-\u0000\u0000T00:00:00Z")).toBeUndefined();
  });

  test("agrees with parseInstant whenever it answers", () => {
    const digit = fc.constantFrom(..."0123456789");
    const text = fc
      .tuple(
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 0, max: 14 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        fc.array(digit, { maxLength: 10 }),
        fc.constantFrom("Z", "z", "+00:00", ""),
      )
      .map(([y, mo, d, h, mi, s, frac, z]) => {
        const p2 = (n: number) => String(n).padStart(2, "0");
        const f = frac.length > 0 ? `.${frac.join("")}` : "";
        return `${String(y).padStart(4, "0")}-${p2(mo)}-${p2(d)}T${p2(h)}:${p2(mi)}:${p2(s)}${f}${z}`;
      });
    fc.assert(
      fc.property(text, (s) => {
        const fast = viaBytes(s);
        if (fast !== undefined) expect(fast).toEqual(parseInstant(s));
        else if (/^\d{4}-(0[1-9]|1[0-2])-\d\dT([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?Z$/.test(s)) {
          // The Z form is declined only for a day the month does not have.
          expect(parseInstant(s)).toBeUndefined();
        }
      }),
      { numRuns: 2000 },
    );
  });
});
