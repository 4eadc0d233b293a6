import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { buildRows } from "../books/rows.ts";
import { Decimal } from "../utils/decimal.ts";
import {
  A,
  B,
  ctxFor,
  DEPOSIT,
  E,
  EXT,
  EXT2,
  gas,
  lookup,
  mv,
  NO_OVERRIDES,
  TKN,
  tx,
  USDC,
  wA,
  wB,
  wBase,
} from "./classify.test-support.ts";
import { byChainPosition, classifyAll } from "./classify.ts";
import type { OverrideAction } from "./overrides.ts";
import type { TxClassification, UnmatchedHalf } from "./types.ts";

const rowsOf = (cs: TxClassification[]) => buildRows(cs, lookup).rows;
const reasons = (cs: TxClassification[]) =>
  cs.flatMap((c) => c.reviews.map((r) => `${c.txHash}:${r.reason}`));
const transfers = (cs: TxClassification[]) => rowsOf(cs).filter((r) => r.type === "transfer");

/** An exchange withdrawal or deposit as an importer hands it over (issue 17's contract). */
const importedHalf = (
  direction: "in" | "out",
  id: string,
  time: string,
  eth: string,
  evidence?: UnmatchedHalf["evidence"],
): UnmatchedHalf => ({
  direction,
  imported: true,
  wallet: {
    id: -1,
    chain: "import:coinbase",
    address: "coinbase:main",
    key: "coinbase:main",
    kind: "own",
    label: "",
  },
  leg: {
    asset: "ETH",
    chainAsset: "ETH",
    chain: "import:coinbase",
    quantity: new Decimal(eth),
    symbol: "ETH",
  },
  counterparty: null,
  chain: "import:coinbase",
  txHash: id,
  time: new Date(time),
  ...(evidence ? { evidence } : {}),
});

describe("pairing needs evidence or the user's word", () => {
  test("a payment from A and an unrelated smaller arrival in B three hours later stay apart, both in review", () => {
    // The case: 1 ETH to a merchant, 0.97 ETH from a stranger 3 h later (3 % short).
    const pay = tx("0x01", "2025-03-01T10:00:00Z", [
      mv(wA, "native", -E, "native", EXT),
      gas(wA, 10n ** 15n),
    ]);
    const got = tx("0x02", "2025-03-01T13:00:00Z", [mv(wB, "native", (97n * E) / 100n, "native", EXT2)], {
      from: EXT2,
    });
    const cs = classifyAll([pay, got], ctxFor(), NO_OVERRIDES);
    expect(transfers(cs)).toEqual([]);
    expect(reasons(cs)).toEqual(["0x01:unmatched_outflow", "0x02:unmatched_inflow"]);
    // Only the gas is in the ledger until the user decides.
    expect(rowsOf(cs).map((r) => r.type)).toEqual(["fee"]);
  });

  test("a unique candidate on amount and time is paired, but marked and listed for confirmation", () => {
    const send = tx("0x11", "2025-03-01T10:00:00Z", [
      mv(wA, "native", -E, "native", EXT),
      gas(wA, 10n ** 15n),
    ]);
    // 0.999 ETH (0.1 % short, a plausible withdrawal fee) 30 minutes later.
    const arrive = tx("0x12", "2025-03-01T10:30:00Z", [mv(wB, "native", 999n * 10n ** 15n, "native", EXT2)], {
      from: EXT2,
    });
    const cs = classifyAll([arrive, send], ctxFor(), NO_OVERRIDES);
    expect(reasons(cs)).toEqual(["0x11:confirm_match"]);
    expect(cs[0]!.reviews[0]!.message).toContain("lotwise review unlink ethereum:0x11 ethereum:0x12");
    // How to confirm it is named too: a link of the two makes the pairing the user's own.
    expect(cs[0]!.reviews[0]!.message).toContain(
      "confirm it with lotwise review link ethereum:0x11 ethereum:0x12",
    );
    const rows = rowsOf(cs);
    expect(rows).toEqual([
      expect.objectContaining({
        type: "transfer",
        wallet: `ethereum:${A}`,
        toWallet: `ethereum:${B}`,
        outQuantity: "0.999",
        feeQuantity: "0.001",
        tx: "0x11;0x12",
      }),
      expect.objectContaining({ type: "fee", feeQuantity: "0.001", subtype: "network_fee" }),
    ]);
    expect(rows[0]!.note).toMatch(/^matched by amount and time with ethereum:0x12/);
  });

  test("several candidates: nothing is paired, one review item ranks them", () => {
    const send = tx("0x21", "2025-03-01T10:00:00Z", [mv(wA, "native", -E, "native", EXT)]);
    const inB = tx("0x22", "2025-03-01T12:00:00Z", [mv(wB, "native", E, "native", EXT2)], { from: EXT2 });
    const inBase = tx(
      "0x23",
      "2025-03-01T10:05:00Z",
      [mv(wBase, "native", 995n * 10n ** 15n, "native", EXT2)],
      {
        from: EXT2,
      },
    );
    const cs = classifyAll([send, inB, inBase], ctxFor(), NO_OVERRIDES);
    expect(transfers(cs)).toEqual([]);
    const review = cs.find((c) => c.txHash === "0x21")!.reviews;
    expect(review.map((r) => r.reason)).toEqual(["ambiguous_match"]);
    // Closest in time first: base:0x23 (5 min), then ethereum:0x22 (2 h).
    expect(review[0]!.message).toMatch(/1\) base:0x23 .*2\) ethereum:0x22/);
    // Each arrival has one candidate departure, but that departure has two arrivals: both say so.
    expect(reasons(cs).filter((r) => r.endsWith("ambiguous_match"))).toHaveLength(3);
  });

  test("lotwise review link pairs what the user says; unlink undoes a pairing on amount and time", () => {
    const send = tx("0x31", "2025-03-01T10:00:00Z", [mv(wA, "native", -E, "native", EXT)]);
    const inB = tx("0x32", "2025-03-01T12:00:00Z", [mv(wB, "native", E, "native", EXT2)], { from: EXT2 });
    const inBase = tx(
      "0x33",
      "2025-03-01T10:05:00Z",
      [mv(wBase, "native", 995n * 10n ** 15n, "native", EXT2)],
      {
        from: EXT2,
      },
    );
    const linked = classifyAll([send, inB, inBase], ctxFor(), {
      ...NO_OVERRIDES,
      links: { links: [{ id: 9, a: "ethereum:0x32", b: "ethereum:0x31" }], unlinks: [] },
    });
    expect(transfers(linked)).toEqual([
      expect.objectContaining({
        wallet: `ethereum:${A}`,
        toWallet: `ethereum:${B}`,
        outQuantity: "1",
        note: "matched with ethereum:0x32 (linked by you (decision 9))",
      }),
    ]);
    // The other arrival is left for review.
    expect(reasons(linked)).toEqual(["0x33:unmatched_inflow"]);

    const unique = [send, inB];
    expect(transfers(classifyAll(unique, ctxFor(), NO_OVERRIDES))).toHaveLength(1);
    const undone = classifyAll(unique, ctxFor(), {
      ...NO_OVERRIDES,
      links: { links: [], unlinks: [{ id: 10, a: "ethereum:0x31", b: "0x32" }] },
    });
    expect(transfers(undone)).toEqual([]);
    expect(reasons(undone)).toEqual(["0x31:unmatched_outflow", "0x32:unmatched_inflow"]);
  });

  test("a bridge contract is evidence only when it fits one arrival", () => {
    const BRIDGE = "0x3154Cf16ccdb4C6d922629664174b904d80F2C35";
    const send = tx("0x41", "2025-03-01T10:00:00Z", [mv(wA, "native", -E, "native", BRIDGE)]);
    const arrive1 = tx("0x42", "2025-03-01T10:20:00Z", [
      mv(wBase, "native", 97n * 10n ** 16n, "internal", EXT),
    ]);
    expect(reasons(classifyAll([send, arrive1], ctxFor(), NO_OVERRIDES))).toEqual([]);
    const wBase2 = { ...wBase, id: 5, address: B, key: `base:${B}` };
    const ctx = ctxFor();
    const ctx2 = {
      ...ctx,
      wallets: [...ctx.wallets, wBase2],
      byAddress: new Map([...ctx.byAddress, [`base:${B.toLowerCase()}`, wBase2]]),
    };
    const arrive2 = tx("0x43", "2025-03-01T10:25:00Z", [
      mv(wBase2, "native", 97n * 10n ** 16n, "internal", EXT),
    ]);
    const cs = classifyAll([send, arrive1, arrive2], ctx2, NO_OVERRIDES);
    expect(transfers(cs)).toEqual([]);
    expect(cs.find((c) => c.txHash === "0x41")!.reviews.map((r) => r.reason)).toEqual(["ambiguous_match"]);
  });
});

describe("imported exchange halves (issue 17's contract)", () => {
  test("a withdrawal whose export names the chain transaction pairs by evidence; the chain transaction holds the transfer", () => {
    const arrive = tx(
      "0xAB01",
      "2025-04-01T10:03:00Z",
      [mv(wB, "native", 999n * 10n ** 15n, "native", EXT)],
      {
        from: EXT,
      },
    );
    const withdrawal = importedHalf("out", "cb-1", "2025-04-01T10:05:00Z", "1", { txHashes: ["0xab01"] });
    const cs = classifyAll([arrive], ctxFor(), NO_OVERRIDES, [withdrawal]);
    expect(reasons(cs)).toEqual([]);
    expect(rowsOf(cs)).toEqual([
      expect.objectContaining({
        id: "ethereum:0xAB01:0",
        type: "transfer",
        wallet: "coinbase:main",
        toWallet: `ethereum:${B}`,
        outQuantity: "0.999",
        feeQuantity: "0.001",
        subtype: "withdrawal",
        tx: "0xAB01;cb-1",
      }),
    ]);
  });

  test("a deposit whose export names the sending address pairs by evidence, in either order of time", () => {
    const send = tx("0xAB02", "2025-04-02T10:10:00Z", [
      mv(wA, "native", -2n * E, "native", EXT),
      gas(wA, 10n ** 15n),
    ]);
    const deposit = importedHalf("in", "cb-2", "2025-04-02T10:09:00Z", "2", {
      addresses: [A.toUpperCase().replace("0X", "0x")],
    });
    const cs = classifyAll([send], ctxFor(), NO_OVERRIDES, [deposit]);
    expect(reasons(cs)).toEqual([]);
    expect(rowsOf(cs)).toEqual([
      expect.objectContaining({
        type: "transfer",
        wallet: `ethereum:${A}`,
        toWallet: "coinbase:main",
        outQuantity: "2",
        feeQuantity: "0.001",
        subtype: "deposit",
      }),
    ]);
  });

  test("a send to a labelled deposit address and that exchange's own deposit record are one transfer", () => {
    const send = tx("0xAB03", "2025-04-03T10:00:00Z", [mv(wA, "native", -E, "native", DEPOSIT)]);
    const deposit = importedHalf("in", "cb-3", "2025-04-03T10:30:00Z", "1");
    const cs = classifyAll([send], ctxFor(), NO_OVERRIDES, [deposit]);
    expect(reasons(cs)).toEqual([]);
    expect(transfers(cs)).toEqual([
      expect.objectContaining({ toWallet: "coinbase:main", outQuantity: "1", tx: "0xAB03;cb-3" }),
    ]);
    // Without the import, the labelled address alone still makes it a transfer to the account.
    expect(transfers(classifyAll([send], ctxFor(), NO_OVERRIDES))).toEqual([
      expect.objectContaining({ toWallet: "coinbase:main", outQuantity: "1", tx: "0xAB03" }),
    ]);
  });

  test("a withdrawal from one account and a deposit into another (two imports) pair only when the user links them", () => {
    const withdrawal = importedHalf("out", "cb-9", "2025-04-09T10:00:00Z", "1");
    const kraken = {
      ...withdrawal.wallet,
      chain: "import:kraken",
      address: "kraken:main",
      key: "kraken:main",
    };
    const deposit: UnmatchedHalf = {
      ...importedHalf("in", "LDEP9", "2025-04-09T10:40:00Z", "0.999"),
      wallet: kraken,
      chain: "import:kraken",
    };
    // Two exports are never paired on amount and time alone.
    expect(transfers(classifyAll([], ctxFor(), NO_OVERRIDES, [withdrawal, deposit]))).toEqual([]);
    const linked = classifyAll(
      [],
      ctxFor(),
      {
        ...NO_OVERRIDES,
        links: { links: [{ id: 3, a: "import:coinbase:cb-9", b: "import:kraken:LDEP9" }], unlinks: [] },
      },
      [withdrawal, deposit],
    );
    expect(reasons(linked)).toEqual([]);
    expect(transfers(linked)).toEqual([
      expect.objectContaining({
        wallet: "coinbase:main",
        toWallet: "kraken:main",
        outQuantity: "0.999",
        feeQuantity: "0.001",
        note: "matched with import:kraken:LDEP9 (linked by you (decision 3))",
      }),
    ]);
  });

  test("a withdrawal and a deposit in two exports that name the same transaction hash pair by evidence", () => {
    const gemini = (id: string, time: string, eth: string, hash?: string): UnmatchedHalf => {
      const h = importedHalf("in", id, time, eth, hash ? { txHashes: [hash] } : undefined);
      return {
        ...h,
        wallet: { ...h.wallet, chain: "import:gemini", address: "gemini:main", key: "gemini:main" },
        chain: "import:gemini",
      };
    };
    const hash = `0x${"cd".repeat(32)}`;
    const withdrawal = importedHalf("out", "cb-10", "2025-04-10T10:00:00Z", "1", { txHashes: [hash] });
    // Gemini writes the hash in upper case, 20 minutes before Coinbase's clock (either way counts).
    const deposit = gemini("GEM10", "2025-04-10T09:40:00Z", "0.998", hash.toUpperCase().replace("0X", "0x"));
    // Another deposit of the same amount and time naming nothing: not a candidate for a guess.
    const other = gemini("GEM11", "2025-04-10T10:01:00Z", "0.998");
    const cs = classifyAll([], ctxFor(), NO_OVERRIDES, [withdrawal, deposit, other]);
    expect(transfers(cs)).toEqual([
      expect.objectContaining({
        wallet: "coinbase:main",
        toWallet: "gemini:main",
        outQuantity: "0.998",
        feeQuantity: "0.002",
        subtype: "withdrawal",
        note: `matched with import:gemini:GEM10 (both exports name transaction ${hash})`,
      }),
    ]);
    expect(reasons(cs)).toEqual(["GEM11:unmatched_inflow"]);
    // Different hashes: two transfers, nothing paired.
    const elsewhere = gemini("GEM12", "2025-04-10T10:00:00Z", "0.998", `0x${"ef".repeat(32)}`);
    const apart = classifyAll([], ctxFor(), NO_OVERRIDES, [withdrawal, elsewhere]);
    expect(transfers(apart)).toEqual([]);
    expect(reasons(apart)).toEqual(["cb-10:unmatched_outflow", "GEM12:unmatched_inflow"]);
    // The user's unlink holds against the evidence.
    const unlinked = classifyAll(
      [],
      ctxFor(),
      {
        ...NO_OVERRIDES,
        links: { links: [], unlinks: [{ id: 4, a: "import:coinbase:cb-10", b: "import:gemini:GEM10" }] },
      },
      [withdrawal, deposit],
    );
    expect(transfers(unlinked)).toEqual([]);
  });

  test("a withdrawal naming a deposit address registered for another account pairs with that account's deposit", () => {
    // Gemini → Coinbase: Gemini's export names the destination, which the user registered as
    // coinbase:main's deposit address (wDeposit); Coinbase's export names nothing.
    const gemini = (id: string, time: string, eth: string, to: string): UnmatchedHalf => {
      const h = importedHalf("out", id, time, eth, { addresses: [to] });
      return {
        ...h,
        wallet: { ...h.wallet, chain: "import:gemini", address: "gemini:main", key: "gemini:main" },
        chain: "import:gemini",
        counterparty: to,
      };
    };
    const withdrawal = gemini(
      "GEM20",
      "2025-04-20T10:00:00Z",
      "1",
      DEPOSIT.toUpperCase().replace("0X", "0x"),
    );
    const deposit = importedHalf("in", "cb-20", "2025-04-20T10:40:00Z", "0.999");
    // An arrival of the same amount in the user's own wallet: not where the coins went.
    const arrival = tx(
      "0xAB20",
      "2025-04-20T10:05:00Z",
      [mv(wA, "native", (999n * E) / 1000n, "native", EXT)],
      {
        from: EXT,
      },
    );
    const cs = classifyAll([arrival], ctxFor(), NO_OVERRIDES, [withdrawal, deposit]);
    expect(transfers(cs)).toEqual([
      expect.objectContaining({
        wallet: "gemini:main",
        toWallet: "coinbase:main",
        outQuantity: "0.999",
        feeQuantity: "0.001",
        note: `matched with import:coinbase:cb-20 (the export names ${withdrawal.counterparty}, a deposit address of coinbase:main)`,
      }),
    ]);
    expect(reasons(cs)).toEqual(["0xAB20:unmatched_inflow"]);
    // Without Coinbase's export, the registered address alone makes it a transfer to the account.
    const alone = classifyAll([arrival], ctxFor(), NO_OVERRIDES, [withdrawal]);
    expect(transfers(alone)).toEqual([
      expect.objectContaining({ wallet: "gemini:main", toWallet: "coinbase:main", outQuantity: "1" }),
    ]);
    expect(reasons(alone)).toEqual(["0xAB20:unmatched_inflow"]);
    // A destination that is no registered deposit address pairs with neither.
    const elsewhere = gemini("GEM21", "2025-04-20T10:00:00Z", "1", EXT2);
    expect(transfers(classifyAll([], ctxFor(), NO_OVERRIDES, [elsewhere, deposit]))).toEqual([]);
    // The user's unlink holds against the address: both back in review.
    const unlinked = classifyAll(
      [],
      ctxFor(),
      {
        ...NO_OVERRIDES,
        links: { links: [], unlinks: [{ id: 5, a: "import:gemini:GEM20", b: "import:coinbase:cb-20" }] },
      },
      [withdrawal, deposit],
    );
    expect(transfers(unlinked)).toEqual([
      expect.objectContaining({ wallet: "gemini:main", toWallet: "coinbase:main", outQuantity: "1" }),
    ]);
    expect(reasons(unlinked)).toEqual(["cb-20:unmatched_inflow"]);
  });

  test("an unpaired imported half is a review item keyed by its import id, and follows decisions", () => {
    const withdrawal = importedHalf("out", "cb-4", "2025-04-04T10:00:00Z", "1.5");
    const [c] = classifyAll([], ctxFor(), NO_OVERRIDES, [withdrawal]);
    expect(c).toMatchObject({ chain: "import:coinbase", txHash: "cb-4", entries: [] });
    expect(c!.reviews.map((r) => r.reason)).toEqual(["unmatched_outflow"]);
    const decided = classifyAll(
      [],
      ctxFor(),
      {
        perTx: new Map([["import:coinbase:cb-4", { id: 3, action: { as: "spend" } as OverrideAction }]]),
        rules: [],
      },
      [withdrawal],
    );
    expect(rowsOf(decided)).toEqual([
      expect.objectContaining({
        id: "import:coinbase:cb-4:0",
        type: "spend",
        wallet: "coinbase:main",
        outQuantity: "1.5",
      }),
    ]);
    const bySetting = classifyAll([], ctxFor({ unmatchedOutflow: "spend" }), NO_OVERRIDES, [withdrawal]);
    expect(rowsOf(bySetting).map((r) => [r.type, r.outQuantity])).toEqual([["spend", "1.5"]]);
  });

  test("a ledger CSV transfer row (its row exists) only completes the arrival", () => {
    const arrive = tx("0xAB05", "2025-04-05T10:00:00Z", [mv(wA, "native", 10n * E, "native", EXT)], {
      from: EXT,
    });
    const legacy: UnmatchedHalf = {
      ...importedHalf("out", "cb-5", "2025-04-05T09:59:00Z", "10"),
      hasRow: true,
      toWallet: wA.key,
    };
    const cs = classifyAll([arrive], ctxFor(), NO_OVERRIDES, [legacy]);
    expect(cs.map((c) => [c.txHash, c.kind, c.entries.length, c.reviews.length])).toEqual([
      ["0xAB05", "self_transfer", 0, 0],
    ]);
  });
});

describe("income needs positive evidence", () => {
  test("a claim the wallet itself made (a bridge claim, a withdrawal, a refund) is reviewed, not income", () => {
    const claim = tx(
      "0x51",
      "2025-05-01T10:00:00Z",
      [mv(wA, TKN, 500n * E, "erc20", EXT), gas(wA, 10n ** 15n)],
      {
        from: A,
        to: EXT,
      },
    );
    const cs = classifyAll([claim], ctxFor(), NO_OVERRIDES);
    expect(rowsOf(cs).map((r) => r.type)).toEqual(["fee"]);
    expect(reasons(cs)).toEqual(["0x51:unmatched_inflow"]);
  });

  test("a bridge claim on the destination chain pairs with its departure instead of becoming income", () => {
    const BRIDGE_L2 = "0x4200000000000000000000000000000000000010";
    const depart = tx("0x52", "2025-05-02T10:00:00Z", [mv(wA, USDC, -1990_000_000n, "erc20", EXT)]);
    const claim = tx("0x53", "2025-05-02T11:00:00Z", [mv(wBase, USDC, 1990_000_000n, "erc20", BRIDGE_L2)], {
      chain: "base",
      from: A,
      to: BRIDGE_L2,
    });
    const cs = classifyAll([claim, depart], ctxFor(), NO_OVERRIDES);
    expect(rowsOf(cs).filter((r) => r.type === "income")).toEqual([]);
    expect(transfers(cs)).toEqual([
      expect.objectContaining({ wallet: `ethereum:${A}`, toWallet: `base:${A}`, outQuantity: "1990" }),
    ]);
    expect(reasons(cs)).toEqual([]);
  });
});

describe("same-transaction transfers need the chain's word", () => {
  test("through a contract that only forwards the coins: a transfer; through one that keeps some: review", () => {
    const FWD = "0x5555555555555555555555555555555555555555";
    const forwarded = tx("0x61", "2025-06-01T10:00:00Z", [
      mv(wA, "native", -E, "native", FWD),
      mv(wB, "native", E, "internal", FWD),
    ]);
    expect(transfers(classifyAll([forwarded], ctxFor(), NO_OVERRIDES))).toHaveLength(1);
    // A pays one party, B is paid by another in the same transaction: nothing says it is one transfer.
    const unrelated = tx("0x62", "2025-06-01T11:00:00Z", [
      mv(wA, "native", -E, "native", EXT),
      mv(wB, "native", E / 2n, "internal", EXT2),
    ]);
    const cs = classifyAll([unrelated], ctxFor(), NO_OVERRIDES);
    expect(transfers(cs)).toEqual([]);
    expect(reasons(cs)).toEqual(["0x62:unmatched_outflow", "0x62:unmatched_inflow"]);
  });
});

describe("order by chain position", () => {
  test("two transactions of the same second keep block order, not hash order", () => {
    const inBlock2 = tx(
      "0x01aa",
      "2025-07-01T00:00:00Z",
      [mv(wA, "native", -E, "native", B), mv(wB, "native", E, "native", A)],
      {
        blockNumber: 2n,
      },
    );
    const inBlock1 = tx("0xffaa", "2025-07-01T00:00:00Z", [mv(wA, "native", E, "native", EXT)], {
      blockNumber: 1n,
      txIndex: 5,
    });
    expect([inBlock2, inBlock1].sort(byChainPosition).map((t) => t.txHash)).toEqual(["0xffaa", "0x01aa"]);
    const cs = classifyAll([inBlock2, inBlock1], ctxFor(), NO_OVERRIDES);
    expect(cs.map((c) => c.txHash)).toEqual(["0xffaa", "0x01aa"]);
  });
});

describe("a review decision equals classification", () => {
  /**
   * Scenario transactions: each moves one asset out of (or into) one wallet from an outside party,
   * with or without gas; two days apart, so nothing pairs. Deciding every one in review (`review
   * set --as spend|income`) must give the ledger that the settings `unmatchedOutflow: spend` /
   * `unmatchedInflow: income` give.
   */
  const scenario = fc.array(
    fc.record({
      wallet: fc.constantFrom(wA, wB, wBase),
      asset: fc.constantFrom("native", TKN, USDC),
      direction: fc.constantFrom("in", "out"),
      amount: fc.bigInt({ min: 1n, max: 10n ** 21n }),
      gasWei: fc.option(fc.bigInt({ min: 1n, max: 10n ** 16n }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 12 },
  );
  test("decided in review vs configured in settings: identical ledgers", () => {
    fc.assert(
      fc.property(scenario, (specs) => {
        const txs = specs.map((s, k) => {
          const signed = s.direction === "out" ? -s.amount : s.amount;
          const moves = [mv(s.wallet, s.asset, signed, s.asset === "native" ? "native" : "erc20", EXT)];
          if (s.gasWei !== undefined && s.direction === "out") moves.push(gas(s.wallet, s.gasWei));
          const time = new Date(Date.parse("2025-01-01T00:00:00Z") + k * 2 * 86_400_000).toISOString();
          return tx(`0x${k.toString(16).padStart(4, "0")}`, time, moves, {
            chain: s.wallet.chain,
            from: s.direction === "out" ? s.wallet.address : EXT,
          });
        });
        const perTx = new Map(
          txs.map((t, k) => [
            `${t.chain}:${t.txHash}`,
            {
              id: k + 1,
              action: { as: specs[k]!.direction === "out" ? "spend" : "income" } as OverrideAction,
            },
          ]),
        );
        const decided = rowsOf(classifyAll(txs, ctxFor(), { perTx, rules: [] }));
        const configured = rowsOf(
          classifyAll(txs, ctxFor({ unmatchedOutflow: "spend", unmatchedInflow: "income" }), NO_OVERRIDES),
        );
        expect(decided).toEqual(configured);
        // Every gas went onto its spend row: no standalone fee rows.
        expect(decided.filter((r) => r.type === "fee")).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
