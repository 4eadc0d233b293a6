import { describe, expect, test } from "vitest";
import { UserInputError } from "../errors.ts";
import { formatScaled } from "../ledger/decimal.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { computeGains, computeGainsStream, computeGainsYears } from "./gains.ts";
import { buy, fee, gift, income, paidIn, sell, swap, transfer, usdFee } from "./ledger.test-support.ts";
import type { Form8949Row, GainsOptions, GiftRow } from "./types.ts";

const $ = (dollars: number) => BigInt(Math.round(dollars * 100));

const run = (rows: LedgerRow[], options: Partial<GainsOptions> & { year?: number } = {}) =>
  computeGains(rows, { year: 2025, ...options });

/** The parts of rows a test usually looks at. */
const brief = (rows: Form8949Row[]) =>
  rows.map((r) => [
    r.disposalId,
    r.lotId,
    r.wallet,
    r.quantity,
    Number(r.proceeds) / 100,
    Number(r.costBasis) / 100,
  ]);

const errorOf = (f: () => unknown): UserInputError => {
  try {
    f();
  } catch (e) {
    if (e instanceof UserInputError) return e;
    throw e;
  }
  throw new Error("expected a UserInputError");
};

describe("scopes", () => {
  const twoWallets = [
    buy("a", "2025-01-01T00:00:00Z", "A", "ETH", "1", "1000"),
    buy("b", "2025-02-01T00:00:00Z", "B", "ETH", "1", "3000"),
    sell("s", "2025-03-01T00:00:00Z", "B", "ETH", "1", "2000"),
  ];

  test("universal: one pool per asset, FIFO across wallets", () => {
    expect(brief(run(twoWallets, { scope: "universal" }).form8949)).toEqual([
      ["s", "a", "B", "1", 2000, 1000],
    ]);
  });

  test("wallet: one pool per wallet and asset", () => {
    expect(brief(run(twoWallets, { scope: "wallet" }).form8949)).toEqual([["s", "b", "B", "1", 2000, 3000]]);
  });

  test("universal: a transfer changes no lot; wallet: it carries the lot fractions", () => {
    const rows = [
      buy("a", "2025-01-01T00:00:00Z", "A", "ETH", "2", "2000"),
      buy("b", "2025-02-01T00:00:00Z", "B", "ETH", "1", "3000"),
      transfer("t", "2025-02-15T00:00:00Z", "A", "B", "ETH", "1.5"),
      sell("s", "2025-03-01T00:00:00Z", "B", "ETH", "2", "5000"),
    ];
    expect(brief(run(rows, { scope: "universal" }).form8949)).toEqual([["s", "a", "B", "2", 5000, 2000]]);
    // B holds 1.5 of lot a (acquired earlier than b, so first in FIFO) and 1 of b.
    expect(brief(run(rows, { scope: "wallet" }).form8949)).toEqual([
      ["s", "a", "B", "1.5", 3750, 1500],
      ["s", "b", "B", "0.5", 1250, 1500],
    ]);
  });

  test("wallet: carried fractions keep the lot id, acquisition date and per-unit basis", () => {
    const rows = [
      buy("a", "2023-05-01T00:00:00Z", "A", "BTC", "1", "30000", usdFee("30")),
      transfer("t", "2025-01-10T00:00:00Z", "A", "B", "BTC", "0.4"),
      sell("s", "2025-02-01T00:00:00Z", "B", "BTC", "0.4", "40000"),
    ];
    expect(run(rows, { scope: "wallet" }).form8949).toEqual([
      expect.objectContaining({
        lotId: "a",
        dateAcquired: "2023-05-01",
        quantity: "0.4",
        costBasis: $(12_012),
        term: "long",
      }),
    ]);
  });

  test("wallet: fractions of one lot that meet again in one pool are one lot (one Form 8949 row)", () => {
    const rows = [
      buy("a", "2025-01-01T00:00:00Z", "A", "ETH", "3", "3000"),
      transfer("t1", "2025-01-02T00:00:00Z", "A", "B", "ETH", "1"),
      transfer("t2", "2025-01-03T00:00:00Z", "A", "C", "ETH", "1"),
      transfer("t3", "2025-01-04T00:00:00Z", "C", "B", "ETH", "1"),
      sell("s", "2025-03-01T00:00:00Z", "B", "ETH", "2", "5000"),
    ];
    const r = run(rows, { scope: "wallet" });
    expect(brief(r.form8949)).toEqual([["s", "a", "B", "2", 5000, 2000]]);
    expect(r.positions).toEqual([{ wallet: "A", asset: "ETH", quantity: "1", costBasis: $(1000), lots: 1 }]);
  });
});

describe("transition scope (Rev. Proc. 2024-28)", () => {
  const rows = [
    buy("a", "2023-01-01T00:00:00Z", "w1", "ETH", "2", "2000"),
    buy("b", "2024-01-01T00:00:00Z", "w2", "ETH", "2", "6000"),
    // universal before 2025: w2 sells lot a's units (FIFO across wallets)
    sell("s1", "2024-06-01T00:00:00Z", "w2", "ETH", "1", "4000"),
    sell("s2", "2025-03-01T00:00:00Z", "w1", "ETH", "2", "9000"),
  ];

  test("universal through 2024, then the remaining lots fill the wallets in name order", () => {
    const r = computeGainsYears(rows, { fromYear: 2024, toYear: 2025 });
    expect(brief(r.years[0]!.form8949)).toEqual([["s1", "a", "w2", "1", 4000, 1000]]);
    // On 2025-01-01: w1 holds 2, w2 holds 1; lots left a (1 @ 1000) then b (2 @ 3000).
    expect(
      r.allocation!.map((e) => [e.wallet, e.lotId, e.quantity, Number(e.costBasis) / 100, e.status]),
    ).toEqual([
      ["w1", "a", "1", 1000, "allocated"],
      ["w1", "b", "1", 3000, "allocated"],
      ["w2", "b", "1", 3000, "allocated"],
    ]);
    expect(brief(r.years[1]!.form8949)).toEqual([
      ["s2", "a", "w1", "1", 4500, 1000],
      ["s2", "b", "w1", "1", 4500, 3000],
    ]);
    expect(r.allocation![0]).toMatchObject({
      acquired: "2023-01-01T00:00:00.000Z",
      dateAcquired: "2023-01-01",
    });
  });

  test("the method orders everything, the allocation included (hifo)", () => {
    const r = computeGainsYears(rows, { fromYear: 2025, toYear: 2025, method: "hifo" });
    // hifo already made s1 take lot b (3000/unit) in 2024: left a (2 @ 1000) and b (1 @ 3000).
    // On 2025-01-01 the highest basis goes first: w1 (2) gets b's 1 and 1 of a; w2 gets 1 of a.
    expect(r.allocation!.map((e) => [e.wallet, e.lotId, e.quantity])).toEqual([
      ["w1", "b", "1"],
      ["w1", "a", "1"],
      ["w2", "a", "1"],
    ]);
  });

  test("a row at exactly 2025-01-01T00:00:00Z applies per wallet, after the allocation", () => {
    const r = run([
      buy("a", "2024-01-01T00:00:00Z", "w1", "ETH", "1", "1000"),
      buy("b", "2024-02-01T00:00:00Z", "w2", "ETH", "1", "2000"),
      sell("s", "2025-01-01T00:00:00Z", "w2", "ETH", "1", "2500"),
    ]);
    expect(brief(r.form8949)).toEqual([["s", "b", "w2", "1", 2500, 2000]]);
  });

  test("units beyond the lots become a zero-basis alloc lot; lots beyond balances are left out", () => {
    const r = computeGainsYears(
      [
        buy("a", "2024-01-01T00:00:00Z", "w1", "ETH", "1", "1000"),
        // w2 sold 1 it never held: universal takes lot a; w2's balance goes to -1, w1 keeps 1.
        sell("s", "2024-03-01T00:00:00Z", "w2", "ETH", "1", "1500"),
        buy("b", "2024-04-01T00:00:00Z", "w3", "BTC", "1", "50000"),
        transfer("t", "2024-05-01T00:00:00Z", "w3", "ext", "BTC", "1"),
        gift("g", "2024-06-01T00:00:00Z", "ext", "BTC", "1"),
        buy("c", "2024-07-01T00:00:00Z", "w4", "SOL", "5", "500"),
        sell("d", "2024-08-01T00:00:00Z", "w4", "SOL", "5", "600", { lots: "c:5" }),
        income("e", "2024-09-01T00:00:00Z", "w4", "SOL", "1", "100"),
        sell("f", "2025-06-01T00:00:00Z", "w1", "ETH", "1", "2000"),
      ],
      { fromYear: 2025, toYear: 2025 },
    );
    expect(r.allocation!.map((e) => [e.asset, e.wallet, e.lotId, e.quantity, e.status])).toEqual([
      ["ETH", "w1", "alloc:w1:ETH", "1", "missing_basis"],
      ["SOL", "w4", "e", "1", "allocated"],
    ]);
    expect(r.warnings.map((w) => w.code).sort()).toEqual(["missing_basis", "negative_balance"]);
    expect(brief(r.years[0]!.form8949)).toEqual([["f", "alloc:w1:ETH", "w1", "1", 2000, 0]]);
    expect(r.years[0]!.form8949[0]).toMatchObject({ dateAcquired: "2025-01-01", term: "short" });
  });

  test("lots beyond every balance are left out with an unallocated warning", () => {
    const r = run([
      buy("a", "2024-01-01T00:00:00Z", "w1", "ETH", "1", "1000"),
      // w1 sells 2 while the pool holds 1: 1 unit of shortfall, w1's balance goes to -1 …
      sell("s", "2024-02-01T00:00:00Z", "w1", "ETH", "2", "3000"),
      // … and back to 0 with this buy, whose lot then belongs to no wallet's balance.
      buy("b", "2024-03-01T00:00:00Z", "w1", "ETH", "1", "2000"),
    ]);
    expect(r.allocation!.map((e) => [e.wallet, e.lotId, e.quantity, e.costBasis, e.status])).toEqual([
      ["", "b", "1", $(2000), "unallocated"],
    ]);
    expect(r.warnings.map((w) => w.code)).toEqual(["missing_basis", "unallocated"]);
    expect(r.positions).toEqual([]);
  });

  test("alloc: lots order as created (wallet name order), before any row at the allocation instant", () => {
    // Universal-period transfers with no lots: w1, w2 and w3 hold units no lot covers, so each
    // gets an alloc: lot on 2025-01-01, all acquired at that instant. They have no file position:
    // the order they were created in (wallet name order) stands for it, as for the rows after them.
    const rows = [
      transfer("t0", "2024-05-01T00:00:00Z", "w0", "w3", "ETH", "1"),
      transfer("t1", "2024-05-02T00:00:00Z", "w0", "w1", "ETH", "1"),
      transfer("t2", "2024-05-03T00:00:00Z", "w0", "w2", "ETH", "1"),
      buy("b", "2025-01-01T00:00:00Z", "w1", "ETH", "1", "500"),
      transfer("t3", "2025-02-01T00:00:00Z", "w3", "w1", "ETH", "1"),
      transfer("t4", "2025-02-02T00:00:00Z", "w2", "w1", "ETH", "1"),
      sell("s", "2025-03-01T00:00:00Z", "w1", "ETH", "3", "300"),
    ];
    const lotsTaken = (method: "fifo" | "lifo" | "hifo") =>
      run(rows, { method }).form8949.map((r) => [r.lotId, r.quantity]);
    expect(lotsTaken("fifo")).toEqual([
      ["alloc:w1:ETH", "1"],
      ["alloc:w2:ETH", "1"],
      ["alloc:w3:ETH", "1"],
    ]);
    expect(lotsTaken("lifo")).toEqual([
      ["b", "1"],
      ["alloc:w3:ETH", "1"],
      ["alloc:w2:ETH", "1"],
    ]);
    expect(lotsTaken("hifo")).toEqual([
      ["b", "1"],
      ["alloc:w1:ETH", "1"],
      ["alloc:w2:ETH", "1"],
    ]);
  });

  test("no lots left on 2025-01-01: no allocation record", () => {
    const r = run([buy("a", "2025-02-01T00:00:00Z", "w1", "ETH", "1", "1000")]);
    expect(r.allocation).toBeUndefined();
  });
});

describe("fees", () => {
  test("fee units of the disposed asset leave in the same disposal, proceeds usd_value", () => {
    const r = run(
      [
        buy("a", "2025-01-01T00:00:00Z", "w", "ETH", "1", "1000"),
        buy("b", "2025-01-02T00:00:00Z", "w", "ETH", "1", "2000"),
        sell("s", "2025-03-01T00:00:00Z", "w", "ETH", "1.5", "3000", paidIn("ETH", "0.5", "1000")),
      ],
      { scope: "universal" },
    );
    expect(brief(r.form8949)).toEqual([
      ["s", "a", "w", "1", 1500, 1000],
      ["s", "b", "w", "1", 1500, 2000],
    ]);
  });

  test("a transfer's fee in the moved asset is disposed of before the move", () => {
    const r = run(
      [
        buy("a", "2025-01-01T00:00:00Z", "A", "ETH", "1", "1000"),
        buy("b", "2025-01-02T00:00:00Z", "A", "ETH", "1", "2000"),
        transfer("t", "2025-02-01T00:00:00Z", "A", "B", "ETH", "1", paidIn("ETH", "0.25", "600")),
        sell("s", "2025-03-01T00:00:00Z", "B", "ETH", "1", "3000"),
      ],
      { scope: "wallet" },
    );
    // The fee takes 0.25 of lot a (FIFO); the move carries 0.75 of a and 0.25 of b.
    expect(brief(r.form8949)).toEqual([
      ["t:fee", "a", "A", "0.25", 600, 250],
      ["s", "a", "B", "0.75", 2250, 750],
      ["s", "b", "B", "0.25", 750, 500],
    ]);
  });

  test("a fee in another asset is its own disposal <id>:fee, after the row", () => {
    const r = run(
      [
        buy("g", "2025-01-01T00:00:00Z", "w", "ETH", "1", "1000"),
        buy("u", "2025-02-01T00:00:00Z", "w", "USDC", "100", "100", paidIn("ETH", "0.01", "30")),
        transfer("t", "2025-02-02T00:00:00Z", "w", "v", "USDC", "100", paidIn("ETH", "0.01", "30")),
        gift("x", "2025-02-03T00:00:00Z", "v", "USDC", "10", paidIn("USDC", "1", "1")),
        fee("f", "2025-02-04T00:00:00Z", "w", "ETH", "0.01", "30"),
      ],
      { scope: "wallet" },
    );
    expect(brief(r.form8949)).toEqual([
      ["u:fee", "g", "w", "0.01", 30, 10],
      ["t:fee", "g", "w", "0.01", 30, 10],
      ["x:fee", "u", "v", "1", 1, 1.3],
      ["f", "g", "w", "0.01", 30, 10],
    ]);
    // The buy's fee value is part of its basis (100 + 30) and the gift realizes nothing.
    expect(r.gifts).toEqual([
      expect.objectContaining({ giftId: "x", lotId: "u", quantity: "10", costBasis: $(13) }),
    ]);
  });

  test("a crypto fee on a buy of the same asset may use the units just bought", () => {
    const r = run([buy("a", "2025-01-01T00:00:00Z", "w", "BTC", "1", "10", paidIn("BTC", "0.1", "1"))], {
      scope: "universal",
    });
    expect(brief(r.form8949)).toEqual([["a:fee", "a", "w", "0.1", 1, 1.1]]);
  });

  test("a USD fee reduces proceeds and adds to a buy's basis; on a transfer it changes nothing", () => {
    const r = run(
      [
        buy("a", "2025-01-01T00:00:00Z", "w", "ETH", "1", "1000", usdFee("10")),
        transfer("t", "2025-01-02T00:00:00Z", "w", "v", "ETH", "1", usdFee("5")),
        sell("s", "2025-03-01T00:00:00Z", "v", "ETH", "1", "2000", usdFee("20")),
      ],
      { scope: "wallet" },
    );
    expect(brief(r.form8949)).toEqual([["s", "a", "v", "1", 1980, 1010]]);
  });
});

describe("methods", () => {
  test("hifo ranks by per-unit basis including fees", () => {
    const rows = [
      buy("a", "2025-01-01T00:00:00Z", "w", "ETH", "1", "1000", usdFee("50")),
      buy("b", "2025-01-02T00:00:00Z", "w", "ETH", "1", "1040"),
      sell("s", "2025-03-01T00:00:00Z", "w", "ETH", "1", "1200"),
    ];
    expect(brief(run(rows, { method: "hifo" }).form8949)).toEqual([["s", "a", "w", "1", 1200, 1050]]);
  });

  test("hifo: equal per-unit basis falls back to fifo; near-equal bases compare exactly", () => {
    const rows = [
      buy("a", "2025-01-01T00:00:00Z", "w", "X", "3", "1"),
      buy("b", "2025-01-02T00:00:00Z", "w", "X", "6", "2"),
      buy("c", "2025-01-03T00:00:00Z", "w", "X", "300000000000000000001", "100000000000000000000.5"),
      sell("s", "2025-03-01T00:00:00Z", "w", "X", "1", "1"),
    ];
    // c's per-unit basis exceeds 1/3 by about 1.7e-21 (a float cannot tell); a and b tie at 1/3.
    expect(run(rows, { method: "hifo" }).form8949[0]!.lotId).toBe("c");
    const tie = rows.filter((r) => r.id !== "c");
    expect(run(tie, { method: "hifo" }).form8949[0]!.lotId).toBe("a");
  });

  test("fifo and lifo; equal acquisition times keep file order (lifo: reverse file order)", () => {
    const rows = [
      buy("a", "2025-01-01T00:00:00Z", "w", "ETH", "1", "100"),
      buy("b", "2025-01-05T00:00:00Z", "w", "ETH", "1", "200"),
      buy("c", "2025-01-05T00:00:00Z", "w", "ETH", "1", "300"),
      sell("s", "2025-03-01T00:00:00Z", "w", "ETH", "2", "1000"),
    ];
    expect(run(rows, { method: "fifo" }).form8949.map((r) => r.lotId)).toEqual(["a", "b"]);
    expect(run(rows, { method: "lifo" }).form8949.map((r) => r.lotId)).toEqual(["c", "b"]);
  });

  test("rows of equal time apply in file order: a sale before the buy at the same instant finds nothing", () => {
    const t = "2025-02-01T00:00:00Z";
    const later = run([buy("a", t, "w", "ETH", "1", "100"), sell("s", t, "w", "ETH", "1", "150")]);
    expect(brief(later.form8949)).toEqual([["s", "a", "w", "1", 150, 100]]);
    const earlier = run([sell("s", t, "w", "ETH", "1", "150"), buy("a", t, "w", "ETH", "1", "100")]);
    expect(brief(earlier.form8949)).toEqual([["s", "", "w", "1", 150, 0]]);
  });
});

describe("specific identification (lots cell)", () => {
  const base = [
    buy("a", "2025-01-01T00:00:00Z", "w", "ETH", "2", "2000"),
    buy("b", "2025-01-02T00:00:00Z", "w", "ETH", "2", "6000"),
    buy("c", "2025-01-03T00:00:00Z", "v", "ETH", "1", "5000"),
  ];

  test("overrides the method, in the order listed; a lot named twice is one row", () => {
    const r = run(
      [...base, sell("s", "2025-03-01T00:00:00Z", "w", "ETH", "3", "9000", { lots: "b:1;a:1;b:1" })],
      {
        scope: "wallet",
      },
    );
    expect(brief(r.form8949)).toEqual([
      ["s", "b", "w", "2", 6000, 6000],
      ["s", "a", "w", "1", 3000, 1000],
    ]);
  });

  test("must add up to the quantity taken from the pool, fee units included", () => {
    const ok = run(
      [
        ...base,
        sell("s", "2025-03-01T00:00:00Z", "w", "ETH", "1", "3000", {
          lots: "b:1.5",
          ...paidIn("ETH", "0.5", "1500"),
        }),
      ],
      { scope: "wallet" },
    );
    expect(brief(ok.form8949)).toEqual([["s", "b", "w", "1.5", 3000, 4500]]);
    const e = errorOf(() =>
      run(
        [
          ...base,
          sell("s", "2025-03-01T00:00:00Z", "w", "ETH", "1", "3000", {
            lots: "b:1",
            ...paidIn("ETH", "0.5", "1500"),
          }),
        ],
        {
          scope: "wallet",
        },
      ),
    );
    expect(e.message).toBe(
      "ledger.csv:5: lots: adds up to 1 but the row takes 1.5 ETH from the pool (fee units included)",
    );
  });

  test("naming a lot that is not in the pool, or more than it holds, is an error", () => {
    const other = errorOf(() =>
      run([...base, sell("s", "2025-03-01T00:00:00Z", "w", "ETH", "1", "3000", { lots: "c:1" })], {
        scope: "wallet",
        source: "x.csv",
      }),
    );
    expect(other.message).toMatch(
      /^x\.csv:5: lots: lot "c" is not in the pool \(1 ETH wanted from w's ETH pool/,
    );
    const more = errorOf(() =>
      run([...base, sell("s", "2025-03-01T00:00:00Z", "w", "ETH", "3", "3000", { lots: "a:3" })], {
        scope: "wallet",
      }),
    );
    expect(more.message).toMatch(/^ledger\.csv:5: lots: lot "a" holds less than that/);
    const future = errorOf(() =>
      run([sell("s", "2025-01-01T00:00:00Z", "w", "ETH", "1", "3000", { lots: "a:1" }), ...base], {
        scope: "wallet",
      }),
    );
    expect(future.message).toMatch(/^ledger\.csv:2: lots: lot "a" /);
  });
});

describe("shortfalls", () => {
  test("disposing more than the pool holds: a zero-basis short-term row without a date, and a warning", () => {
    const r = run([
      buy("a", "2024-01-01T00:00:00Z", "w", "ETH", "1", "1000"),
      sell("s", "2025-03-01T00:00:00Z", "w", "ETH", "1.5", "3000"),
    ]);
    expect(
      r.form8949.map((x) => [x.lotId, x.quantity, x.dateAcquired, x.proceeds, x.costBasis, x.term]),
    ).toEqual([
      ["a", "1", "2024-01-01", $(2000), $(1000), "long"],
      ["", "0.5", "", $(1000), 0n, "short"],
    ]);
    expect(r.summary.warnings).toEqual([
      expect.objectContaining({ code: "missing_basis", id: "s", date: "2025-03-01" }),
    ]);
  });

  test("a transfer of more than the pool holds carries the shortfall as a lot named after the transfer", () => {
    const r = run(
      [
        buy("a", "2025-01-01T00:00:00Z", "A", "ETH", "1", "1000"),
        transfer("t", "2025-02-01T00:00:00Z", "A", "B", "ETH", "1.5"),
        sell("s", "2025-03-01T00:00:00Z", "B", "ETH", "1.5", "3000"),
      ],
      { scope: "wallet" },
    );
    expect(r.form8949.map((x) => [x.lotId, x.quantity, x.dateAcquired, x.costBasis])).toEqual([
      ["a", "1", "2025-01-01", $(1000)],
      ["t", "0.5", "2025-02-01", 0n],
    ]);
    expect(r.warnings.map((w) => [w.code, w.id])).toEqual([["missing_basis", "t"]]);
  });

  test("--strict makes either an error naming the row and the shortfall", () => {
    const sale = errorOf(() =>
      run(
        [
          buy("a", "2025-01-01T00:00:00Z", "w", "ETH", "1", "1000"),
          sell("s", "2025-03-01T00:00:00Z", "w", "ETH", "1.5", "3000"),
        ],
        {
          strict: true,
        },
      ),
    );
    expect(sale.message).toBe(
      "ledger.csv:3: out_quantity: row s takes 1.5 ETH from w's ETH pool, which holds 1 (shortfall 0.5)",
    );
    const move = errorOf(() =>
      run(
        [
          buy("a", "2025-01-01T00:00:00Z", "A", "ETH", "1", "1000"),
          transfer("t", "2025-02-01T00:00:00Z", "A", "B", "ETH", "2"),
        ],
        { scope: "wallet", strict: true },
      ),
    );
    expect(move.message).toMatch(/^ledger\.csv:3: out_quantity: row t takes 2 ETH .* \(shortfall 1\)$/);
    const feeShort = errorOf(() =>
      run([fee("f", "2025-01-01T00:00:00Z", "w", "ETH", "0.1", "1")], { strict: true }),
    );
    expect(feeShort.message).toMatch(/^ledger\.csv:2: fee_quantity: row f takes 0\.1 ETH/);
  });
});

describe("amounts", () => {
  test("rounding happens only at each row's proceeds and basis (half-up); totals add rounded rows", () => {
    const r = run(
      [
        buy("a", "2025-01-01T00:00:00Z", "w", "X", "1", "0.01"),
        buy("b", "2025-01-01T00:00:00Z", "w", "X", "1", "0.01"),
        buy("c", "2025-01-01T00:00:00Z", "w", "X", "1", "0.01"),
        buy("d", "2025-01-01T00:00:00Z", "w", "Y", "3", "10"),
        sell("s", "2025-02-01T00:00:00Z", "w", "X", "3", "10"),
        sell("t1", "2025-02-02T00:00:00Z", "w", "Y", "1", "0.005"),
        sell("t2", "2025-02-03T00:00:00Z", "w", "Y", "1", "0.004"),
        sell("t3", "2025-02-04T00:00:00Z", "w", "Y", "1", "1"),
      ],
      { scope: "universal" },
    );
    expect(r.form8949.map((x) => [x.disposalId, Number(x.proceeds), Number(x.costBasis)])).toEqual([
      ["s", 333, 1],
      ["s", 333, 1],
      ["s", 333, 1],
      ["t1", 1, 333],
      ["t2", 0, 333],
      ["t3", 100, 333],
    ]);
    expect(r.summary.shortTerm).toMatchObject({ proceeds: 1100n, costBasis: 1002n, gain: 98n, rows: 6 });
  });

  test("quantities are exact to any number of decimals", () => {
    const tiny = "0.000000000000000000000000001";
    const r = run(
      [
        buy("a", "2025-01-01T00:00:00Z", "w", "X", "1", "1000000"),
        sell("s", "2025-02-01T00:00:00Z", "w", "X", tiny, "1"),
        sell("t", "2025-02-02T00:00:00Z", "w", "X", "0.999999999999999999999999999", "2000000"),
      ],
      { scope: "universal" },
    );
    expect(r.form8949.map((x) => [x.quantity, x.costBasis])).toEqual([
      [tiny, 0n],
      ["0.999999999999999999999999999", 100_000_000n],
    ]);
    expect(r.positions).toEqual([]);
  });

  test("USD legs are cash: no lots, no disposals", () => {
    const r = run(
      [
        income("i", "2025-01-01T00:00:00Z", "w", "USD", "50", "50", { subtype: "interest" }),
        buy("a", "2025-01-02T00:00:00Z", "w", "ETH", "1", "1000"),
        swap("x", "2025-02-01T00:00:00Z", "w", ["ETH", "1"], ["USD", "1500"], "1500"),
        swap("y", "2025-02-02T00:00:00Z", "w", ["USD", "100"], ["BTC", "0.001"], "100"),
        transfer("t", "2025-02-03T00:00:00Z", "w", "v", "USD", "100"),
      ],
      { scope: "wallet" },
    );
    expect(brief(r.form8949)).toEqual([["x", "a", "w", "1", 1500, 1000]]);
    expect(r.summary.ordinaryIncome.total).toBe($(50));
    expect(r.positions).toEqual([
      { wallet: "w", asset: "BTC", quantity: "0.001", costBasis: $(100), lots: 1 },
    ]);
  });
});

describe("years, income and warnings", () => {
  const rows = [
    buy("a", "2023-03-01T00:00:00Z", "w", "ETH", "1", "3000"),
    income("i1", "2024-03-01T00:00:00Z", "w", "ETH", "0.1", "300.005", { subtype: "staking" }),
    income("i2", "2024-04-01T00:00:00Z", "w", "ETH", "0.1", "200"),
    income("i3", "2024-05-01T00:00:00Z", "w", "ETH", "0.1", "100", { subtype: "staking" }),
    sell("s1", "2024-06-01T00:00:00Z", "w", "ETH", "1.5", "1000"),
    sell("s2", "2026-01-01T02:00:00Z", "w", "ETH", "0.1", "500"),
  ];

  test("ordinary income per year and per subtype (each row rounded)", () => {
    const r = computeGainsYears(rows, { fromYear: 2023, toYear: 2024, scope: "universal" });
    expect(r.years[0]!.summary.ordinaryIncome).toEqual({ total: 0n, bySubtype: {} });
    expect(r.years[1]!.summary.ordinaryIncome).toEqual({
      total: $(600.01),
      bySubtype: { "": $(200), staking: $(400.01) },
    });
  });

  test("each year lists the warnings raised up to its end", () => {
    const r = computeGainsYears(rows, { fromYear: 2023, toYear: 2025, scope: "universal" });
    // s1 (2024) and s2 (2026) sell more than the pool holds.
    expect(r.years.map((y) => y.summary.warnings.map((w) => w.id))).toEqual([[], ["s1"], ["s1"]]);
    // The run applies the whole ledger, so its own list has the 2026 warning too.
    expect(r.warnings.map((w) => w.id)).toEqual(["s1", "s2"]);
  });

  test("carryover flows year to year and empty years are reported", () => {
    const r = computeGainsYears(rows, { fromYear: 2024, toYear: 2026, scope: "universal" });
    const s = r.years.map((y) => y.summary);
    // 2024: 1.5 sold for 1000 from a (1, long, basis 3000: 666.67), the three income lots (0.1
    // each, basis 300.01, 200 and 100: 66.67 each) and 0.2 of missing basis (133.33).
    expect(s[0]!.shortTerm).toMatchObject({ proceeds: $(333.34), costBasis: $(600.01), gain: $(-266.67) });
    expect(s[0]!.longTerm).toMatchObject({ proceeds: $(666.67), costBasis: $(3000), gain: $(-2333.33) });
    expect(s[0]!.net).toBe($(-2600));
    expect(s[0]!.capitalLossDeduction).toBe($(2600));
    expect(s[0]!.carryoverOut).toEqual({ shortTerm: 0n, longTerm: 0n });
    expect(s[1]).toMatchObject({ taxYear: 2025, net: 0n, carryoverIn: { shortTerm: 0n, longTerm: 0n } });
    expect(r.years[1]!.form8949).toEqual([]);
    expect(s[2]!.taxYear).toBe(2026);
  });

  test("--tz: the local date decides the tax year and the dates", () => {
    const utc = computeGainsYears(rows, { fromYear: 2025, toYear: 2026, scope: "universal" });
    expect(utc.years[1]!.form8949.map((x) => x.dateSold)).toEqual(["2026-01-01"]);
    const ny = computeGainsYears(rows, {
      fromYear: 2025,
      toYear: 2026,
      scope: "universal",
      timeZone: "America/New_York",
    });
    expect(ny.years[0]!.form8949.map((x) => x.dateSold)).toEqual(["2025-12-31"]);
    expect(ny.years[1]!.form8949).toEqual([]);
  });
});

describe("computeGainsStream()", () => {
  /** Runs the stream API over rows and collects what the sink gets. */
  const stream = async (rows: LedgerRow[], options: GainsOptions) => {
    const got: { form8949: Form8949Row[]; gifts: GiftRow[]; resets: number } = {
      form8949: [],
      gifts: [],
      resets: 0,
    };
    let feeds = 0;
    const report = await computeGainsStream(
      async (h) => {
        feeds++;
        for (const r of rows) h.row({ ...r });
      },
      options,
      {
        form8949: (_y, r) => got.form8949.push(r),
        gift: (_y, g) => got.gifts.push(g),
        reset: () => {
          got.form8949 = [];
          got.gifts = [];
          got.resets++;
        },
      },
    );
    return { ...got, report, feeds };
  };

  const rows = [
    buy("a", "2025-01-01T00:00:00Z", "w", "ETH", "1", "1000"),
    buy("b", "2025-01-02T00:00:00Z", "w", "ETH", "1", "2000"),
    gift("g", "2025-01-03T00:00:00Z", "w", "ETH", "0.5"),
    sell("s", "2025-02-01T00:00:00Z", "w", "ETH", "1", "3000"),
    // more fraction digits than the starting scale (18): the engine rescales exactly
    sell("t", "2025-03-01T00:00:00Z", "w", "ETH", "0.12345678901234567890123", "1000.123"),
  ];
  const options: GainsOptions = { fromYear: 2025, toYear: 2025, scope: "wallet" };

  test("rows in time order are applied in one pass and match computeGainsYears", async () => {
    const s = await stream(rows, options);
    const y = computeGainsYears(rows, options);
    expect(s.feeds).toBe(1);
    expect(s.form8949).toEqual(y.years[0]!.form8949);
    expect(s.gifts).toEqual(y.years[0]!.gifts);
    expect(s.report.summaries).toEqual([y.years[0]!.summary]);
    expect(s.form8949.at(-1)).toMatchObject({ quantity: "0.12345678901234567890123", proceeds: $(1000.12) });
  });

  test("hifo across a rescale: lots held before it keep their place against lots bought after it", async () => {
    // Rows applied as they are prepared: d's 20 fraction digits raise the quantity scale (and
    // its price's 3 the USD scale) while a, b and c sit in the pool; every lot's per-unit basis
    // changes units then, and the HIFO queue's numbers with it (Pool.heap.rekey).
    const hifoRows = [
      buy("a", "2025-01-01T00:00:00Z", "w", "ETH", "1", "1000"),
      buy("b", "2025-01-02T00:00:00Z", "w", "ETH", "1", "3000"),
      buy("c", "2025-01-03T00:00:00Z", "w", "ETH", "1", "2000"),
      buy("d", "2025-01-04T00:00:00Z", "w", "ETH", "1.00000000000000000001", "2500.005"),
      buy("e", "2025-01-05T00:00:00Z", "w", "ETH", "1", "1500"),
      sell("s1", "2025-02-01T00:00:00Z", "w", "ETH", "1", "4000"),
      sell("s2", "2025-02-02T00:00:00Z", "w", "ETH", "1.00000000000000000001", "4000"),
      sell("s3", "2025-02-03T00:00:00Z", "w", "ETH", "1", "4000"),
      sell("s4", "2025-02-04T00:00:00Z", "w", "ETH", "1", "4000"),
      sell("s5", "2025-02-05T00:00:00Z", "w", "ETH", "1", "4000"),
    ];
    const hifo: GainsOptions = { fromYear: 2025, toYear: 2025, scope: "wallet", method: "hifo" };
    const s = await stream(hifoRows, hifo);
    expect(s.feeds).toBe(1);
    expect(s.form8949.map((r) => r.lotId)).toEqual(["b", "d", "c", "e", "a"]);
    expect(s.form8949).toEqual(computeGainsYears(hifoRows, hifo).years[0]!.form8949);
  });

  describe("skipLaterYears", () => {
    // 2025 is reported; 2026's rows would take w's lots (a before b under FIFO) and leave w short.
    const base = [
      buy("a", "2025-01-01T00:00:00Z", "w", "ETH", "1", "1000"),
      buy("b", "2025-02-01T00:00:00Z", "w", "ETH", "1", "2000"),
      sell("s", "2025-12-31T23:00:00Z", "w", "ETH", "0.5", "900"),
      gift("g", "2025-12-31T23:30:00Z", "w", "ETH", "0.25"),
    ];
    const later = [
      buy("c", "2026-01-01T00:00:00Z", "w", "ETH", "1", "1500"),
      sell("t", "2026-02-01T00:00:00Z", "w", "ETH", "3", "9000"),
    ];
    const year: GainsOptions = { fromYear: 2025, toYear: 2025, scope: "wallet" };
    const skip: GainsOptions = { ...year, skipLaterYears: true };

    test("rows after the last year are not applied: the same rows and summaries, positions at its end", async () => {
      const all = await stream([...base, ...later], year);
      const skipped = await stream([...base, ...later], skip);
      expect(skipped.feeds).toBe(1);
      expect(skipped.form8949).toEqual(all.form8949);
      expect(skipped.gifts).toEqual(all.gifts);
      expect(skipped.report.summaries).toEqual(all.report.summaries);
      // t's shortfall (dated 2026) is in the full run's warnings only, and so are c and t.
      expect(all.report.warnings.map((w) => w.code)).toEqual(["missing_basis"]);
      expect(skipped.report.warnings).toEqual([]);
      expect(skipped.report.positions).toEqual((await stream(base, year)).report.positions);
      expect(all.report.positions).toEqual([]);
    });

    test("a year's end in the run's time zone: a row dated 2025 there is applied", async () => {
      // 2026-01-01T03:00Z is 2025-12-31 in New York.
      const ny: GainsOptions = { ...skip, timeZone: "America/New_York" };
      const rows = [...base, sell("n", "2026-01-01T03:00:00Z", "w", "ETH", "0.25", "600")];
      const s = await stream(rows, ny);
      expect(s.form8949.map((r) => r.disposalId)).toEqual(["s", "n"]);
      expect(s.report.summaries).toEqual(
        (await stream(rows, { ...ny, skipLaterYears: false })).report.summaries,
      );
    });

    test("a later year's lots cell is still checked against the pools: every row is applied", async () => {
      const bad = [...base, sell("u", "2026-03-01T00:00:00Z", "w", "ETH", "0.5", "900", { lots: "a:0.5" })];
      // a: 0.5 of it went to s, 0.25 to g: 0.25 left.
      await expect(stream(bad, skip)).rejects.toThrow(/lot "a" holds less than that/);
      await expect(stream(bad, year)).rejects.toThrow(/lot "a" holds less than that/);
      const good = [...base, sell("u", "2026-03-01T00:00:00Z", "w", "ETH", "0.5", "900", { lots: "b:0.5" })];
      const s = await stream(good, skip);
      expect([s.feeds, s.resets]).toEqual([2, 1]);
      expect(s.form8949).toEqual((await stream(good, year)).form8949);
      expect(s.report.positions).toEqual((await stream(good, year)).report.positions);
    });

    test("with strict, the wash-sale rule or openLots, every row is applied", async () => {
      await expect(stream([...base, ...later], { ...skip, strict: true })).rejects.toThrow(/shortfall/);
      const open = await stream([...base, ...later], { ...skip, openLots: true });
      expect(open.report.openLots).toEqual([]);
      // A loss sold on 2025-12-31 and bought back within 30 days: its 2025 row is adjusted.
      const washRows = [
        buy("a", "2025-01-01T00:00:00Z", "w", "ETH", "1", "1000"),
        sell("s", "2025-12-31T23:00:00Z", "w", "ETH", "1", "500"),
        buy("r", "2026-01-05T00:00:00Z", "w", "ETH", "1", "800"),
      ];
      const wash = { ...skip, washSale: {} };
      const washed = await stream(washRows, wash);
      expect(washed.form8949.map((r) => r.adjustmentCode)).toEqual(["W"]);
      expect(washed.form8949).toEqual((await stream(washRows, { ...year, washSale: {} })).form8949);
    });

    test("a sink that follows lots carried by transfers gets every year's", async () => {
      const moved: string[] = [];
      await computeGainsStream(
        async (h) => {
          for (const r of [...base, transfer("x", "2026-01-02T00:00:00Z", "w", "v", "ETH", "0.5")])
            h.row({ ...r });
        },
        skip,
        {
          form8949: () => {},
          gift: () => {},
          lotMoved: (m) => moved.push(`${m.transferId} ${m.lotId} ${m.date}`),
          reset: () => {},
        },
      );
      expect(moved).toEqual(["x a 2026-01-02", "x b 2026-01-02"]);
    });
  });

  test("rows out of time order: the sink is reset and a second pass sorts them", async () => {
    const shuffled = [rows[3]!, rows[0]!, rows[4]!, rows[2]!, rows[1]!];
    const s = await stream(shuffled, { ...options, strict: true });
    expect([s.feeds, s.resets]).toEqual([2, 1]);
    expect(s.form8949).toEqual(computeGainsYears(rows, options).years[0]!.form8949);
  });

  test("rowsFromYear: earlier years keep their totals and carryover, only later years' rows and gifts come out", async () => {
    // 2024: a short-term loss of 500.00 (bought 1,000, sold 500) and a gift; 2025: a gain of 300.00.
    const history = [
      buy("a", "2024-01-01T00:00:00Z", "w", "ETH", "1", "1000"),
      buy("b", "2024-02-01T00:00:00Z", "w", "ETH", "1", "1000"),
      sell("s1", "2024-03-01T00:00:00Z", "w", "ETH", "1", "500"),
      gift("g1", "2024-04-01T00:00:00Z", "w", "ETH", "0.5"),
      sell("s2", "2025-03-01T00:00:00Z", "w", "ETH", "0.5", "800"),
    ];
    const years = { fromYear: 2024, toYear: 2025, scope: "wallet" as const };
    const all = await stream(history, years);
    const later = await stream(history, { ...years, rowsFromYear: 2025 });
    expect(later.report.summaries).toEqual(all.report.summaries);
    expect(later.report.summaries[0]!.shortTerm).toMatchObject({ gain: $(-500), rows: 1 });
    expect(later.report.summaries[1]!.carryoverIn).toEqual({ shortTerm: 0n, longTerm: 0n });
    expect(all.form8949.map((r) => r.disposalId)).toEqual(["s1", "s2"]);
    expect(later.form8949.map((r) => r.disposalId)).toEqual(["s2"]);
    expect(later.form8949).toEqual(all.form8949.slice(1));
    expect(all.gifts.map((g) => g.giftId)).toEqual(["g1"]);
    expect(later.gifts).toEqual([]);
  });

  test("rowsFromYear: a fee disposal's shortfall row of an earlier year keeps its id <id>:fee", async () => {
    // 2024: a sell whose ETH fee finds 0.01 of the 0.03 ETH it takes (a shortfall of 0.02, basis 0),
    // and a covered fee-in-another-asset disposal; 2025: a plain fee row.
    const history = [
      buy("a", "2024-01-01T00:00:00Z", "w", "SOL", "10", "1000"),
      buy("e", "2024-01-02T00:00:00Z", "w", "ETH", "0.01", "30"),
      sell("s1", "2024-03-01T00:00:00Z", "w", "SOL", "1", "150", paidIn("ETH", "0.03", "90")),
      sell("s2", "2024-04-01T00:00:00Z", "w", "SOL", "1", "150", paidIn("SOL", "0.1", "15")),
      fee("f", "2025-03-01T00:00:00Z", "w", "SOL", "0.1", "20"),
    ];
    // For the wash-sale case: a covered ETH fee at a loss (basis 300, proceeds 100), ETH bought again.
    const washing = [
      ...history.slice(0, 4),
      buy("e2", "2024-05-01T00:00:00Z", "w", "ETH", "1", "3000"),
      sell("s3", "2024-06-01T00:00:00Z", "w", "SOL", "1", "150", paidIn("ETH", "0.1", "100")),
      buy("e3", "2024-06-10T00:00:00Z", "w", "ETH", "1", "3000"),
      history[4]!,
    ];
    const years = { fromYear: 2024, toYear: 2025, scope: "wallet" as const };
    const all = await stream(history, years);
    const later = await stream(history, { ...years, rowsFromYear: 2025 });
    expect(all.form8949.map((r) => [r.disposalId, r.lotId, r.quantity])).toEqual([
      ["s1", "a", "1"],
      ["s1:fee", "e", "0.01"],
      ["s1:fee", "", "0.02"],
      ["s2", "a", "1.1"],
      ["f", "a", "0.1"],
    ]);
    // Only the shortfall row of 2024 still reaches the sink (a warning's row, not a take's).
    expect(later.form8949.map((r) => [r.disposalId, r.lotId, r.quantity])).toEqual([
      ["s1:fee", "", "0.02"],
      ["f", "a", "0.1"],
    ]);
    expect(later.form8949).toEqual([all.form8949[2], all.form8949[4]]);
    expect(later.report.summaries).toEqual(all.report.summaries);
    // With the wash-sale rule an earlier year's rows go through the tracker: the fee's keeps its id.
    const washAll = await stream(washing, { ...years, washSale: {} });
    const washed = await stream(washing, { ...years, rowsFromYear: 2025, washSale: {} });
    expect(washed.form8949.map((r) => r.disposalId)).toContain("s3:fee");
    expect(washed.form8949).toEqual(washAll.form8949);
  });

  test("a validation error anywhere is reported before a computation error", async () => {
    const bad = [
      ...rows.slice(0, 2),
      sell("s", "2025-02-01T00:00:00Z", "w", "ETH", "5", "1"),
      { ...rows[4]!, time: "nope" },
    ];
    await expect(stream(bad, { ...options, strict: true })).rejects.toThrow(/^ledger\.csv:5: time:/);
    await expect(stream(bad.slice(0, 3), { ...options, strict: true })).rejects.toThrow(/shortfall 3/);
  });
});

describe("the byte path (GainsSink.form8949Parts): cents as exact doubles", () => {
  /** Runs with a sink that takes rows as parts when `parts`, and collects every row either way. */
  const collect = async (rows: LedgerRow[], options: GainsOptions, parts: boolean) => {
    const got: (string | bigint)[][] = [];
    let asParts = 0;
    const report = await computeGainsStream(
      async (h) => {
        for (const r of rows) h.row({ ...r });
      },
      options,
      {
        form8949: (_y, r) =>
          got.push([r.disposalId, r.lotId, r.quantity, r.dateSold, r.proceeds, r.costBasis, r.gain, r.term]),
        ...(parts
          ? {
              form8949Parts: (_y, disposalId, lotId, _w, _a, units, scale, _da, dateSold, p, b, long) => {
                expect(Number.isSafeInteger(p) && Number.isSafeInteger(b)).toBe(true);
                expect(Math.abs(p) <= 2 ** 50 && Math.abs(b) <= 2 ** 50).toBe(true);
                asParts++;
                const q = formatScaled(units, scale);
                got.push([
                  disposalId,
                  lotId,
                  q,
                  dateSold,
                  BigInt(p),
                  BigInt(b),
                  BigInt(p - b),
                  long ? "long" : "short",
                ]);
                return true;
              },
            }
          : {}),
        gift: () => {},
        reset: () => {
          got.length = 0;
        },
      },
    );
    return { got, asParts, summaries: report.summaries };
  };

  // Half cents both ways (ties go to bigints and round away from zero), negative proceeds,
  // amounts past 2^50 cents (rows through `form8949`), and totals past 2^52 cents.
  const rows: LedgerRow[] = [
    buy("x", "2024-01-01T00:00:00Z", "w", "ETH", "1", "0.03"),
    buy("y", "2024-01-02T00:00:00Z", "w", "ETH", "1", "0.01"),
    // basis 3 × 0.5 = 1.5 cents: a tie → 2; proceeds whole: 5 cents
    sell("s1", "2025-01-05T00:00:00Z", "w", "ETH", "0.5", "0.05"),
    // the rest of x (0.5) and all of y; proceeds 1 cent over 1.5 units: 0.33… and 0.66…
    sell("s2", "2025-01-06T00:00:00Z", "w", "ETH", "1.5", "0.01"),
    buy("z", "2024-01-03T00:00:00Z", "w", "BTC", "2", "0.07"),
    // proceeds 0.01 − 0.04 fee = −3 cents over 2 units of one lot: whole lot, −3
    sell("s3", "2025-01-07T00:00:00Z", "w", "BTC", "2", "0.01", usdFee("0.04")),
    buy("u", "2025-01-08T00:00:00Z", "w", "BTC", "1", "0.05"),
    buy("v", "2025-01-08T00:00:01Z", "w", "BTC", "1", "0.03"),
    // −1 cent over two whole lots of 1 unit each: −0.5 each → −1 each (away from zero)
    sell("s4", "2025-01-09T00:00:00Z", "w", "BTC", "2", "0.01", usdFee("0.02")),
    // 3 × 10^16 cents: past 2^50, so these rows come as objects
    buy("h", "2024-02-01T00:00:00Z", "w", "SOL", "3", "300000000000000.00"),
    sell("s5", "2025-02-01T00:00:00Z", "w", "SOL", "1", "150000000000000.01"),
    sell("s6", "2025-02-02T00:00:00Z", "w", "SOL", "2", "0.01"),
  ];
  // 24 lots and sales of 5 × 10^14 cents each: sums pass 2^52 (4.5 × 10^15) and 2^53 (odd cents).
  for (let i = 0; i < 24; i++) {
    rows.push(
      buy(
        `b${i}`,
        `2024-03-${String(i + 1).padStart(2, "0")}T00:00:00Z`,
        "w",
        "LINK",
        "1",
        "5000000000000.00",
      ),
    );
    rows.push(
      sell(
        `c${i}`,
        `2025-03-${String(i + 1).padStart(2, "0")}T00:00:00Z`,
        "w",
        "LINK",
        "1",
        "5000000000001.37",
      ),
    );
  }
  rows.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));

  for (const scope of ["universal", "wallet"] as const)
    test(`the same rows and totals as through form8949 (${scope})`, async () => {
      const options: GainsOptions = { fromYear: 2025, toYear: 2025, scope };
      const objects = await collect(rows, options, false);
      const bytes = await collect(rows, options, true);
      expect(bytes.got).toEqual(objects.got);
      expect(bytes.summaries).toEqual(objects.summaries);
      expect(bytes.asParts).toBe(bytes.got.length - 2); // all but the two SOL rows past 2^50
      const byId = new Map(objects.got.map((r) => [`${r[0]}/${r[1]}`, r]));
      expect(byId.get("s1/x")?.slice(4, 6)).toEqual([5n, 2n]);
      expect(byId.get("s2/x")?.slice(4, 6)).toEqual([0n, 2n]); // 1 × 0.5 / 1.5 = 0.33 → 0; basis 1.5 → 2
      expect(byId.get("s2/y")?.slice(4, 6)).toEqual([1n, 1n]); // 0.67 → 1
      expect(byId.get("s3/z")?.slice(4, 6)).toEqual([-3n, 7n]);
      expect(byId.get("s4/u")?.slice(4, 6)).toEqual([-1n, 5n]);
      expect(byId.get("s4/v")?.slice(4, 6)).toEqual([-1n, 3n]);
      expect(byId.get("s6/h")?.slice(4, 6)).toEqual([1n, 20_000_000_000_000_000n]);
      // The totals are the sums of the rows, exactly.
      const sum = (k: number) => objects.got.reduce((a, r) => a + (r[k] as bigint), 0n);
      const s = bytes.summaries[0]!;
      expect(s.shortTerm.proceeds + s.longTerm.proceeds).toBe(sum(4));
      expect(s.shortTerm.costBasis + s.longTerm.costBasis).toBe(sum(5));
      expect(s.shortTerm.gain + s.longTerm.gain).toBe(sum(6));
      expect(s.shortTerm.proceeds).toBeGreaterThan(2n ** 52n);
    });
});
