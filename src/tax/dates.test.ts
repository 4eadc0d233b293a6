import { describe, expect, test } from "vitest";
import { addOneYear, createDateOf, formatDate, isLongTerm, startOfYearIn } from "./dates.ts";

describe("isLongTerm() — more than one calendar year", () => {
  test("spec: acquired 2024-01-31, sold 2025-01-31 is short term, 2025-02-01 long term", () => {
    expect(isLongTerm(20240131, 20250131)).toBe(false);
    expect(isLongTerm(20240131, 20250201)).toBe(true);
  });

  test("Pub. 550: acquired Jan 31, 2024; sold Jan 29, 2025 → short; Feb 6, 2025 → long", () => {
    expect(isLongTerm(20240131, 20250129)).toBe(false);
    expect(isLongTerm(20240131, 20250206)).toBe(true);
  });

  test("29 February + 1 year = 28 February; it is not 365 days", () => {
    expect(addOneYear(20240229)).toBe(20250228);
    expect(isLongTerm(20240229, 20250228)).toBe(false);
    expect(isLongTerm(20240229, 20250301)).toBe(true);
    // 2023-03-01 + 365 days = 2024-02-29, still within the year after acquisition.
    expect(isLongTerm(20230301, 20240229)).toBe(false);
    expect(isLongTerm(20230301, 20240301)).toBe(false);
    expect(isLongTerm(20230301, 20240302)).toBe(true);
  });
});

describe("createDateOf()", () => {
  test("UTC by default", () => {
    const dateOf = createDateOf();
    expect(dateOf(Date.UTC(2024, 11, 31, 23, 59, 59))).toBe(20241231);
    expect(dateOf(Date.UTC(2025, 0, 1))).toBe(20250101);
    expect(dateOf(Date.UTC(1969, 11, 31, 12))).toBe(19691231);
  });

  test("a time zone moves instants near midnight to the local date, across DST changes", () => {
    const ny = createDateOf("America/New_York");
    expect(ny(Date.UTC(2025, 0, 1, 3))).toBe(20241231); // 22:00 EST
    expect(ny(Date.UTC(2025, 0, 1, 5))).toBe(20250101); // 00:00 EST
    expect(ny(Date.UTC(2025, 6, 1, 3, 59))).toBe(20250630); // 23:59 EDT
    expect(ny(Date.UTC(2025, 6, 1, 4))).toBe(20250701); // 00:00 EDT
    expect(ny(Date.UTC(2025, 2, 9, 7, 30))).toBe(20250309); // just after the spring-forward gap
    const tokyo = createDateOf("Asia/Tokyo");
    expect(tokyo(Date.UTC(2024, 11, 31, 15))).toBe(20250101);
    // Lord Howe Island shifts by 30 minutes at DST.
    const lh = createDateOf("Australia/Lord_Howe");
    expect(lh(Date.UTC(2025, 0, 1, 12, 59))).toBe(20250101);
    expect(lh(Date.UTC(2025, 0, 1, 13, 0))).toBe(20250102); // 00:00 at +11:00
  });

  test("formatDate()", () => {
    expect(formatDate(20250131)).toBe("2025-01-31");
    expect(formatDate(9990101)).toBe("0999-01-01");
  });
});

describe("startOfYearIn()", () => {
  test("the first instant dated 1 January in the zone", () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(iso(startOfYearIn(2026))).toBe("2026-01-01T00:00:00.000Z");
    expect(iso(startOfYearIn(2026, "America/New_York"))).toBe("2026-01-01T05:00:00.000Z");
    expect(iso(startOfYearIn(2026, "Pacific/Honolulu"))).toBe("2026-01-01T10:00:00.000Z");
    expect(iso(startOfYearIn(2026, "Asia/Tokyo"))).toBe("2025-12-31T15:00:00.000Z");
    expect(iso(startOfYearIn(2026, "Asia/Kolkata"))).toBe("2025-12-31T18:30:00.000Z");
    // The instant before is still 31 December there.
    const ny = createDateOf("America/New_York");
    expect(ny(startOfYearIn(2026, "America/New_York") - 1)).toBe(20251231);
    expect(() => startOfYearIn(2026, "Mars/Base")).toThrow(RangeError);
  });
});
