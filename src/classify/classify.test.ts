import { encodeAbiParameters, pad } from "viem";
import { describe, expect, test } from "vitest";
import { buildRows } from "../books/rows.ts";
import { computeGains } from "../tax/gains.ts";
import {
  A,
  AUSDC,
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
  PAIR,
  TKN,
  tx,
  USDC,
  wA,
  wB,
  wBase,
} from "./classify.test-support.ts";
import { classifyAll } from "./classify.ts";
import { SUPPLY_TOPIC, WITHDRAW_TOPIC } from "./decoders/aave-v3/constants.ts";
import { MINT_TOPIC, SYNC_TOPIC } from "./decoders/uniswap-v2/constants.ts";
import type { EvmLog } from "./types.ts";

const POOL = "0x87870bca3f3fd6335c3f4ce8392d69350b4fa4e2";

describe("classification", () => {
  test("a transfer between two of the user's wallets is a transfer, gas on the sender's row", () => {
    const t = tx("0xa1", "2025-02-01T10:00:00Z", [
      mv(wA, "native", -E, "native", B),
      mv(wB, "native", E, "native", A),
      gas(wA, 21000n * 10n ** 9n),
    ]);
    const [c] = classifyAll([t], ctxFor(), NO_OVERRIDES);
    expect(c!.kind).toBe("self_transfer");
    const { rows } = buildRows([c!], lookup);
    expect(rows).toEqual([
      expect.objectContaining({
        id: "ethereum:0xa1:0",
        type: "transfer",
        wallet: `ethereum:${A}`,
        toWallet: `ethereum:${B}`,
        outAsset: "ETH",
        outQuantity: "1",
        feeAsset: "ETH",
        feeQuantity: "0.000021",
        feeUsd: "0.042",
        tx: "0xa1",
      }),
    ]);
  });

  test("one asset out and another in is a swap valued by the better-priced side", () => {
    const t = tx("0xa2", "2025-02-02T10:00:00Z", [
      mv(wA, USDC, -1_000_000_000n, "erc20", PAIR),
      mv(wA, TKN, 1900n * E, "erc20", PAIR),
      gas(wA, 10n ** 15n),
    ]);
    const [c] = classifyAll([t], ctxFor(), NO_OVERRIDES);
    expect(c!.kind).toBe("swap");
    const { rows } = buildRows([c!], lookup);
    // USDC (rank 0) is the better-priced side: 1,000 × $1.
    expect(rows).toEqual([
      expect.objectContaining({
        type: "swap",
        outAsset: "USDC",
        outQuantity: "1000",
        inAsset: `ethereum:${TKN}`,
        inQuantity: "1900",
        usdValue: "1000",
        feeUsd: "2",
      }),
    ]);
  });

  test("each NFT token id is its own asset: selling token 8 disposes token 8's lot, not the collection's oldest", () => {
    const NFT = "0x8888888888888888888888888888888888888888";
    const nft = (w: typeof wA, id: string, amount: bigint, evidence = "erc721") => ({
      ...mv(w, NFT, amount, evidence, EXT),
      decimals: 0,
      symbol: "PUNK",
      tokenId: id,
    });
    const txs = [
      // Token 7 for 1,000 USDC, then token 8 for 5,000 USDC; token 8 sold for 6,000 USDC.
      tx("0xn1", "2025-01-01T10:00:00Z", [mv(wA, USDC, -1_000_000_000n, "erc20", EXT), nft(wA, "7", 1n)]),
      tx("0xn2", "2025-02-01T10:00:00Z", [mv(wA, USDC, -5_000_000_000n, "erc20", EXT), nft(wA, "8", 1n)]),
      tx("0xn3", "2025-03-01T10:00:00Z", [nft(wA, "8", -1n), mv(wA, USDC, 6_000_000_000n, "erc20", EXT)]),
      // 3 units of ERC-1155 id 2 in: its own asset too.
      tx("0xn4", "2025-03-02T10:00:00Z", [
        mv(wA, USDC, -30_000_000n, "erc20", EXT),
        nft(wA, "2", 3n, "erc1155"),
      ]),
    ];
    const { rows } = buildRows(classifyAll(txs, ctxFor(), NO_OVERRIDES), lookup);
    const asset = (id: string) => `ethereum:${NFT}#${id}`;
    expect(rows.map((r) => [r.type, r.outAsset, r.outQuantity, r.inAsset, r.inQuantity, r.usdValue])).toEqual(
      [
        ["swap", "USDC", "1000", asset("7"), "1", "1000"],
        ["swap", "USDC", "5000", asset("8"), "1", "5000"],
        ["swap", asset("8"), "1", "USDC", "6000", "6000"],
        ["swap", "USDC", "30", asset("2"), "3", "30"],
      ],
    );
    // FIFO over the collection would have sold token 7 (basis $1,000, gain $5,000).
    const gains = computeGains(rows, { year: 2025, method: "fifo", scope: "universal" });
    const sold = gains.form8949.filter((r) => r.asset.startsWith("ethereum:"));
    expect(sold.map((r) => [r.asset, r.quantity, r.proceeds, r.costBasis])).toEqual([
      [asset("8"), "1", 600000n, 500000n],
    ]);
  });

  test("an approval or a failed transaction is a fee row", () => {
    const approve = tx("0xa3", "2025-02-03T10:00:00Z", [gas(wA, 5n * 10n ** 14n)], { method: "0x095ea7b3" });
    const failed = tx("0xa4", "2025-02-03T11:00:00Z", [gas(wA, 10n ** 15n)], { status: "failed" });
    const cs = classifyAll([approve, failed], ctxFor(), NO_OVERRIDES);
    const { rows } = buildRows(cs, lookup);
    expect(rows.map((r) => [r.type, r.subtype, r.feeAsset, r.feeQuantity, r.feeUsd])).toEqual([
      ["fee", "approval", "ETH", "0.0005", "1"],
      ["fee", "failed_tx", "ETH", "0.001", "2"],
    ]);
  });

  test("an unmatched outflow goes to review, never a phantom sale; a rule or a setting decides it", () => {
    const t = tx("0xa5", "2025-02-04T10:00:00Z", [mv(wA, TKN, -10n * E, "erc20", EXT), gas(wA, 10n ** 15n)]);
    const [c] = classifyAll([t], ctxFor(), NO_OVERRIDES);
    expect(c!.kind).toBe("unmatched");
    expect(c!.reviews.map((r) => r.reason)).toEqual(["unmatched_outflow"]);
    const { rows } = buildRows([c!], lookup);
    expect(rows.map((r) => r.type)).toEqual(["fee"]);

    const rule = {
      id: 7,
      match: { counterparty: EXT.toUpperCase().replace("0X", "0x") },
      action: { as: "spend" as const },
    };
    const [byRule] = classifyAll([t], ctxFor(), { perTx: new Map(), rules: [rule] });
    expect(byRule!.reviews).toEqual([]);
    // The gas rides on the spend's row, exactly as when classification knew it was a spend.
    expect(
      buildRows([byRule!], lookup).rows.map((r) => [r.type, r.outQuantity, r.usdValue, r.feeQuantity]),
    ).toEqual([["spend", "10", "5", "0.001"]]);

    const [bySetting] = classifyAll([t], ctxFor({ unmatchedOutflow: "spend" }), NO_OVERRIDES);
    expect(bySetting!.reviews.map((r) => r.reason)).toEqual(["unmatched_outflow"]);
    expect(buildRows([bySetting!], lookup).rows.map((r) => [r.type, r.feeQuantity])).toEqual([
      ["spend", "0.001"],
    ]);
  });

  test("an inflow decided as a gift received is not income: it arrives with no basis and a missing-basis warning", () => {
    const got = tx("0xa7", "2025-02-06T10:00:00Z", [mv(wA, "native", 2n * E, "native", EXT)], { from: EXT });
    const sell = tx("0xa8", "2025-03-06T10:00:00Z", [mv(wA, "native", -E, "native", EXT2)]);
    const decided = {
      perTx: new Map([["ethereum:0xa7", { id: 1, action: { as: "gift" as const } }]]),
      rules: [],
    };
    const cs = classifyAll([got, sell], ctxFor({ unmatchedOutflow: "spend" }), decided);
    expect(cs[0]!.reviews).toEqual([]);
    const { rows } = buildRows(cs, lookup);
    expect(rows.filter((r) => r.type === "income")).toEqual([]);
    expect(rows[0]).toEqual(
      expect.objectContaining({
        type: "transfer",
        wallet: `gift:ethereum:${EXT}`,
        toWallet: `ethereum:${A}`,
        outAsset: "ETH",
        outQuantity: "2",
        subtype: "gift_received",
      }),
    );
    // The donor's basis (IRC 1015) is unknown: no ordinary income, the sale reports basis 0 and says so.
    for (const scope of ["universal", "wallet", "transition"] as const) {
      const gains = computeGains(rows, { year: 2025, method: "fifo", scope });
      expect(gains.summary.ordinaryIncome.total).toBe(0n);
      const sale = gains.form8949.filter((r) => r.disposalId === "ethereum:0xa8:0");
      expect(sale.map((r) => [r.quantity, r.proceeds, r.costBasis])).toEqual([["1", 200000n, 0n]]);
      expect(gains.warnings.some((w) => w.code === "missing_basis")).toBe(true);
    }
  });

  test("a decision or rule that cannot apply to a half (income on an outflow) leaves it in review, never drops it", () => {
    const pay = tx("0xa9", "2025-02-07T10:00:00Z", [
      mv(wA, TKN, -10n * E, "erc20", EXT),
      gas(wA, 10n ** 15n),
    ]);
    const perTx = {
      perTx: new Map([["ethereum:0xa9", { id: 1, action: { as: "income" as const } }]]),
      rules: [],
    };
    // A rule without a direction, e.g. "what this distributor pays me is income": a payment to it
    // is not income and must not vanish.
    const byRule = {
      perTx: new Map(),
      rules: [{ id: 2, match: { counterparty: EXT }, action: { as: "income" as const } }],
    };
    for (const decided of [perTx, byRule]) {
      const [c] = classifyAll([pay], ctxFor(), decided);
      expect(c!.reviews.map((r) => r.reason)).toEqual(["unmatched_outflow"]);
      expect(buildRows([c!], lookup).rows.map((r) => r.type)).toEqual(["fee"]);
    }
  });

  test("a bridge: an outflow into a bridge contract and a smaller inflow on another chain within the window is a transfer with the gap as fee", () => {
    // Base's L1StandardBridge on Ethereum: the evidence that the two halves are one transfer.
    const out = tx("0xb1", "2025-03-01T10:00:00Z", [
      mv(wA, "native", -E, "native", "0x3154Cf16ccdb4C6d922629664174b904d80F2C35"),
      gas(wA, 10n ** 15n),
    ]);
    const arrive = tx(
      "0xb2",
      "2025-03-01T10:20:00Z",
      [mv(wBase, "native", 995n * 10n ** 15n, "internal", EXT)],
      { from: EXT },
    );
    const cs = classifyAll([arrive, out], ctxFor(), NO_OVERRIDES);
    expect(cs.map((c) => c.kind)).toEqual(["self_transfer", "self_transfer"]);
    expect(cs.flatMap((c) => c.reviews)).toEqual([]);
    const { rows } = buildRows(cs, lookup);
    // The transfer row carries the bridge gap as its fee; the send's gas is a fee row after it.
    expect(rows).toEqual([
      expect.objectContaining({
        type: "transfer",
        wallet: `ethereum:${A}`,
        toWallet: `base:${A}`,
        outQuantity: "0.995",
        feeAsset: "ETH",
        feeQuantity: "0.005",
        feeUsd: "10",
        subtype: "bridge",
        tx: "0xb1;0xb2",
        note: "matched with base:0xb2 (bridge contract 0x3154Cf16ccdb4C6d922629664174b904d80F2C35 on ethereum)",
      }),
      expect.objectContaining({ type: "fee", feeQuantity: "0.001", subtype: "network_fee" }),
    ]);
  });

  test("sends to a labelled exchange deposit address are transfers to that exchange account", () => {
    const t = tx("0xa6", "2025-02-05T10:00:00Z", [
      mv(wA, USDC, -500_000_000n, "erc20", DEPOSIT),
      gas(wA, 10n ** 15n),
    ]);
    const [c] = classifyAll([t], ctxFor(), NO_OVERRIDES);
    expect(buildRows([c!], lookup).rows).toEqual([
      expect.objectContaining({
        type: "transfer",
        toWallet: "coinbase:main",
        outAsset: "USDC",
        outQuantity: "500",
      }),
    ]);
  });

  test("adding Uniswap V2 liquidity is two swaps into the LP token, split by value", () => {
    const logs: EvmLog[] = [
      { address: PAIR, topics: [SYNC_TOPIC], data: "0x", logIndex: 3 },
      { address: PAIR, topics: [MINT_TOPIC, pad(A)], data: "0x", logIndex: 4 },
    ];
    const t = tx(
      "0xa7",
      "2025-02-06T10:00:00Z",
      [
        mv(wA, USDC, -3_000_000_000n, "erc20", PAIR),
        mv(wA, TKN, -2000n * E, "erc20", PAIR),
        mv(wA, PAIR, 100n * E, "erc20", "0x0000000000000000000000000000000000000000"),
      ],
      { logs },
    );
    const [c] = classifyAll([t], ctxFor(), NO_OVERRIDES);
    expect(c!.source).toBe("decoder:uniswap-v2:lp_deposit");
    const { rows } = buildRows([c!], lookup);
    // Values: USDC 3,000 × $1 = 3,000; TKN 2,000 × $0.50 = 1,000 → LP split 75 / 25.
    expect(rows.map((r) => [r.type, r.outAsset, r.outQuantity, r.inQuantity, r.usdValue, r.subtype])).toEqual(
      [
        ["swap", "USDC", "3000", "75", "3000", "lp_deposit"],
        ["swap", `ethereum:${TKN}`, "2000", "25", "1000", "lp_deposit"],
      ],
    );
  });

  /** USDC's reserve topic in Aave v3 events. */
  const reserveTopic = pad(USDC.toLowerCase() as `0x${string}`);
  /** Wallet A supplies 1,000 USDC to Aave v3 on 2025-04-01 (its Supply log), sent to `to`. */
  const aaveSupply = (hash: string, to: string) =>
    tx(
      hash,
      "2025-04-01T00:00:00Z",
      [
        mv(wA, USDC, -1_000_000_000n, "erc20", AUSDC),
        mv(wA, AUSDC, 1_000_000_000n, "erc20", "0x0000000000000000000000000000000000000000"),
      ],
      {
        logs: [
          {
            address: POOL,
            topics: [SUPPLY_TOPIC, reserveTopic, pad(A), pad("0x0")],
            data: encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [A, 1_000_000_000n]),
            logIndex: 1,
          },
        ],
        to,
      },
    );

  test("Aave supply and withdraw: principal moves to a position account, the excess is interest", () => {
    const withdrawLog: EvmLog = {
      address: POOL,
      topics: [WITHDRAW_TOPIC, reserveTopic, pad(A), pad(A)],
      data: "0x",
      logIndex: 1,
    };
    const supply = aaveSupply("0xc1", POOL);
    const withdraw = tx(
      "0xc2",
      "2025-10-01T00:00:00Z",
      [
        mv(wA, AUSDC, -1_025_000_000n, "erc20", "0x0000000000000000000000000000000000000000"),
        mv(wA, USDC, 1_025_000_000n, "erc20", AUSDC),
      ],
      { logs: [withdrawLog], to: POOL },
    );
    const cs = classifyAll([supply, withdraw], ctxFor(), NO_OVERRIDES);
    const { rows } = buildRows(cs, lookup);
    expect(rows.map((r) => [r.type, r.wallet, r.toWallet, r.outQuantity ?? r.inQuantity, r.subtype])).toEqual(
      [
        ["transfer", `ethereum:${A}`, `aave-v3:ethereum:${A}`, "1000", "deposit"],
        ["income", `aave-v3:ethereum:${A}`, undefined, "25", "interest"],
        ["transfer", `aave-v3:ethereum:${A}`, `ethereum:${A}`, "1025", "withdrawal"],
      ],
    );
  });

  test("a protocol called through another contract is found by its logs' address (the transaction's `to` is the router)", () => {
    const [c] = classifyAll([aaveSupply("0xc3", EXT)], ctxFor(), NO_OVERRIDES);
    expect(c!.source.startsWith("decoder:aave-v3")).toBe(true);
    expect(buildRows([c!], lookup).rows.map((r) => [r.type, r.toWallet, r.outQuantity, r.subtype])).toEqual([
      ["transfer", `aave-v3:ethereum:${A}`, "1000", "deposit"],
    ]);
  });

  test("unsolicited spam tokens are excluded and listed", () => {
    const SPAM = "0x8888888888888888888888888888888888888888";
    const m = { ...mv(wA, SPAM, 1000n * E, "erc20", EXT), symbol: "Visit claim-usdc.com" };
    const [c] = classifyAll([tx("0xd1", "2025-05-01T00:00:00Z", [m], { from: EXT })], ctxFor(), NO_OVERRIDES);
    expect(c!.kind).toBe("spam");
    expect(c!.entries).toEqual([]);
    expect(c!.reviews[0]!.reason).toBe("spam");
  });

  test("a missing price is a warning and a review item, never a silent zero", () => {
    const ODD = "0xabababababababababababababababababababab";
    const t = tx("0xe1", "2025-06-01T00:00:00Z", [mv(wA, ODD, -5n * E, "erc20", EXT)]);
    const [c] = classifyAll([t], ctxFor({ unmatchedOutflow: "spend" }), NO_OVERRIDES);
    const { rows, missing } = buildRows([c!], lookup);
    expect(rows[0]).toMatchObject({
      type: "spend",
      usdValue: "0",
      warnings: [`missing_price:ethereum:${ODD}`],
    });
    expect(rows[0]!.note).toMatch(/missing price/);
    expect(missing).toHaveLength(1);
  });
});
