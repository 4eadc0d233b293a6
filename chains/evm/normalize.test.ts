import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { encodeAbiParameters, getAddress } from "viem";
import { describe, expect, test } from "vitest";
import { addressTopic, TOPICS } from "./abi.ts";
import {
  decodeTokenTransfers,
  flattenTraces,
  internalTransfers,
  type NormalizeInput,
  normalizeTransaction,
} from "./normalize.ts";
import type { BlockHeader, CallFrame, ParityTrace, RpcLog, RpcReceipt, RpcTransaction } from "./rpc.ts";

/**
 * normalize.ts on real mainnet transactions (test/fixtures/evm/mainnet-txs.json: transaction,
 * receipt and callTracer frame as the node returned them) and on synthetic receipts for what
 * mainnet fixtures lack (OP-stack L1 fee, blobs, ERC-1155 batches, parity traces).
 * Expected amounts are read from the fixture fields, not computed by the code under test.
 */

type Fixture = {
  blocks: Record<string, BlockHeader>;
  transactions: Record<
    string,
    { block: string; tx: RpcTransaction; receipt: RpcReceipt; callTracer: CallFrame }
  >;
};
const fixture = JSON.parse(
  readFileSync(
    path.join(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/evm/mainnet-txs.json"),
    "utf8",
  ),
) as Fixture;

const ETH = { id: "ethereum", chainId: 1, nativeSymbol: "ETH", nativeDecimals: 18 };
const ROUTER = getAddress("0x7a250d5630b4cf539739df2c5dacb4c659f2488d");
const WETH = getAddress("0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2");

const run = (hash: string, wallet: string, opts: { traces?: boolean } = {}) => {
  const f = fixture.transactions[hash]!;
  return normalizeTransaction({
    chain: ETH,
    wallet: { id: 7, address: getAddress(wallet) },
    tx: f.tx,
    receipt: f.receipt,
    traces: opts.traces === false ? undefined : { format: "callTracer", frame: f.callTracer },
    block: fixture.blocks[f.block]!,
    final: true,
    tokens: new Map([[WETH, { symbol: "WETH", decimals: 18 }]]),
  });
};

const summary = (n: ReturnType<typeof run>) =>
  n.movements.map((m) => [m.evidence, m.evidenceIndex, m.asset, m.amount, m.counterparty]);

const fee = (hash: string) => {
  const { tx, receipt } = fixture.transactions[hash]!;
  return BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice ?? tx.gasPrice!);
};

describe("normalizeTransaction() on mainnet transactions", () => {
  const SWAP_TOKENS_FOR_ETH = "0x4db8dbf73aad53584a6335223bd5c8f6173918eb35ffd85ebf9e15427503e62b";
  const SWAP_ETH_FOR_TOKENS = "0x64791913f8cb013690967e7385ab31b274650161054de5fd3275498a7bedde33";

  test("Uniswap swapExactTokensForETH, seller's view: token out, internal ETH in, pre-London gas", () => {
    const seller = "0x73dbe803ced34c0d4cf64ca9f2eff348fd365781";
    const n = run(SWAP_TOKENS_FOR_ETH, seller);
    const pair = getAddress("0xc139d8450177c0b8c3788608518687b585f7ae5a");
    expect(summary(n)).toEqual([
      ["internal", "4:in", "ethereum:native", 95065171891532395n, ROUTER],
      [
        "erc20",
        "82:out",
        `ethereum:${getAddress("0xb8baa0e4287890a5f79863ab62b7f175cecbd433")}`,
        -58485581049409678987n,
        pair,
      ],
      // No effectiveGasPrice before London: the transaction's gasPrice applies.
      ["gas", "tx", "ethereum:native", -(0x1af21n * 0xa7a358200n), null],
    ]);
    expect(-n.movements[2]!.amount).toBe(fee(SWAP_TOKENS_FOR_ETH));
    expect(n.transaction).toMatchObject({
      walletId: 7,
      chain: "ethereum",
      txHash: SWAP_TOKENS_FOR_ETH,
      blockNumber: 11098450n,
      txIndex: 92,
      status: "success",
      method: "0x18cbafe5",
      from: getAddress(seller),
      to: ROUTER,
      feePayer: getAddress(seller),
      time: new Date(0x5f8ff241 * 1000),
    });
  });

  test("the same swap from the router's view: WETH in, unwrap (known WETH), ETH in and out, no gas", () => {
    const n = run(SWAP_TOKENS_FOR_ETH, ROUTER);
    const v = 95065171891532395n;
    expect(summary(n)).toEqual([
      ["internal", "3.0:in", "ethereum:native", v, WETH],
      ["internal", "4:out", "ethereum:native", -v, getAddress("0x73dbe803ced34c0d4cf64ca9f2eff348fd365781")],
      ["erc20", "83:in", `ethereum:${WETH}`, v, getAddress("0xc139d8450177c0b8c3788608518687b585f7ae5a")],
      ["weth_withdrawal", "86:out", `ethereum:${WETH}`, -v, WETH],
    ]);
    const net = (asset: string) =>
      n.movements.filter((m) => m.asset === asset).reduce((s, m) => s + m.amount, 0n);
    expect(net("ethereum:native")).toBe(0n);
    expect(net(`ethereum:${WETH}`)).toBe(0n);
  });

  test("Uniswap swapExactETHForTokens: the router's wrap is recognized by its ETH flow", () => {
    const buyer = "0x71e10c259adb82685b3718a8419064b79b83c691";
    const bought = run(SWAP_ETH_FOR_TOKENS, buyer);
    expect(summary(bought)).toEqual([
      ["native", "tx:out", "ethereum:native", -0x87727c4a0fd0000n, ROUTER],
      [
        "erc20",
        "24:in",
        `ethereum:${getAddress("0x2cf75e5500c449b0f26b1dc0b466f83e1b3bbe0f")}`,
        390558070743106358449n,
        getAddress("0xcb65d42112834a5c3411e7deb98dc8b335487ed5"),
      ],
      ["gas", "tx", "ethereum:native", -fee(SWAP_ETH_FOR_TOKENS), null],
    ]);
    const router = run(SWAP_ETH_FOR_TOKENS, ROUTER);
    expect(router.movements.map((m) => [m.evidence, m.amount])).toEqual([
      ["native", 610000000000000000n],
      ["internal", -610000000000000000n],
      ["weth_deposit", 610000000000000000n],
      ["erc20", -610000000000000000n],
    ]);
  });

  test("a failed transaction moves nothing but its gas", () => {
    const hash = "0xde6e1087048f7abe6cef88eaf784f73f300fde402b02531210ed956d3b3f52f8";
    const n = run(hash, "0x3bcbd698b591468dcc31aa13969f2e7f8259f409");
    expect(n.transaction.status).toBe("failed");
    expect(summary(n)).toEqual([["gas", "tx", "ethereum:native", -fee(hash), null]]);
  });

  test("plain ETH transfer (London, effectiveGasPrice): sender pays value and gas, recipient gets value", () => {
    const hash = "0xf121c8c07ed51b6ac2d11fe3f0892bff2221ec9168280d12581ea8ff45e71421";
    const from = getAddress("0xf60c2ea62edbfe808163751dd0d8693dcb30019c");
    const to = getAddress("0x96ab1539b95acec4f9926df3f3410d059414a737");
    expect(summary(run(hash, from))).toEqual([
      ["native", "tx:out", "ethereum:native", -0x6fa4defa1110000n, to],
      ["gas", "tx", "ethereum:native", -(0x5208n * 0x5625b7f400n), null],
    ]);
    expect(summary(run(hash, to))).toEqual([
      ["native", "tx:in", "ethereum:native", 0x6fa4defa1110000n, from],
    ]);
    expect(run(hash, to).transaction.method).toBeNull();
  });

  test("a wallet that only receives internal ETH sees it, and nothing without traces", () => {
    const hash = "0x9b267d41b0342bf4623ab22384f25e1b0eb3a6ea8101940e5174559816dd03ed";
    const to = "0x267be1c1d684f78cb4f6a176c4911b741e4ffdc0";
    const withTraces = run(hash, to);
    expect(withTraces.movements.map((m) => [m.evidence, m.evidenceIndex, m.amount])).toEqual([
      ["internal", "0:in", 1868258243136318998n],
    ]);
    expect(run(hash, to, { traces: false }).movements).toEqual([]);
  });
});

// ---- synthetic receipts ----------------------------------------------------------------------

const ME = getAddress("0x1111111111111111111111111111111111111111");
const OTHER = getAddress("0x2222222222222222222222222222222222222222");
const TOKEN = getAddress("0x3333333333333333333333333333333333333333");
const HASH = `0x${"ab".repeat(32)}`;
const BLOCK_HASH = `0x${"cd".repeat(32)}`;
const word = (n: bigint) => `0x${n.toString(16).padStart(64, "0")}`;

const synthetic = (over: {
  tx?: Partial<RpcTransaction>;
  receipt?: Partial<RpcReceipt>;
  logs?: Partial<RpcLog>[];
  traces?: NormalizeInput["traces"];
  chainId?: number;
}) => {
  const logs = (over.logs ?? []).map(
    (l, i): RpcLog => ({
      address: TOKEN,
      topics: [],
      data: "0x",
      logIndex: `0x${i.toString(16)}`,
      transactionHash: HASH,
      transactionIndex: "0x0",
      blockNumber: "0x10",
      blockHash: BLOCK_HASH,
      ...l,
    }),
  );
  return normalizeTransaction({
    chain: { id: "base", chainId: over.chainId ?? 8453, nativeSymbol: "ETH", nativeDecimals: 18 },
    wallet: { id: 1, address: ME },
    tx: {
      hash: HASH,
      blockHash: BLOCK_HASH,
      blockNumber: "0x10",
      transactionIndex: "0x0",
      from: ME,
      to: OTHER,
      value: "0x0",
      input: "0x",
      nonce: "0x1",
      ...over.tx,
    },
    receipt: {
      transactionHash: HASH,
      blockHash: BLOCK_HASH,
      blockNumber: "0x10",
      transactionIndex: "0x0",
      from: ME,
      to: OTHER,
      status: "0x1",
      gasUsed: "0x5208",
      effectiveGasPrice: "0x3b9aca00",
      contractAddress: null,
      logs,
      ...over.receipt,
    },
    traces: over.traces,
    block: { number: "0x10", hash: BLOCK_HASH, parentHash: BLOCK_HASH, timestamp: "0x65000000" },
    final: false,
    tokens: new Map([[TOKEN, { symbol: "TOK", decimals: 6 }]]),
  });
};

describe("normalizeTransaction() fees", () => {
  test("OP-stack receipts: execution gas plus the L1 data fee, as separate movements", () => {
    const n = synthetic({ receipt: { l1Fee: "0x2a0f", l1GasPrice: "0x1", l1GasUsed: "0x640" } });
    expect(summary(n)).toEqual([
      ["gas", "tx", "base:native", -(0x5208n * 0x3b9aca00n), null],
      ["l1_fee", "tx", "base:native", -0x2a0fn, null],
    ]);
    expect(n.transaction.details).toMatchObject({
      fee: (0x5208n * 0x3b9aca00n + 0x2a0fn).toString(),
      l1Fee: "10767",
    });
    expect(n.movements.every((m) => m.final === false)).toBe(true);
  });

  test("blob transactions pay blobGasUsed × blobGasPrice on top; a blobGasPrice alone (anvil) is no fee", () => {
    const blob = synthetic({ tx: { type: "0x3" }, receipt: { blobGasUsed: "0x20000", blobGasPrice: "0x3" } });
    expect(blob.movements.find((m) => m.evidenceIndex === "blob")?.amount).toBe(-(0x20000n * 3n));
    const anvilLike = synthetic({ receipt: { blobGasPrice: "0x1" } });
    expect(anvilLike.movements.map((m) => m.evidenceIndex)).toEqual(["tx"]);
  });

  test("someone else's transaction costs the wallet nothing", () => {
    const n = synthetic({
      tx: { from: OTHER, to: ME, value: "0x5" },
      receipt: { from: OTHER, l1Fee: "0x99" },
    });
    expect(summary(n)).toEqual([["native", "tx:in", "base:native", 5n, OTHER]]);
  });
});

describe("normalizeTransaction() token logs", () => {
  const transfer = (from: string, to: string, value: bigint): Partial<RpcLog> => ({
    topics: [TOPICS.transfer, addressTopic(from), addressTopic(to)],
    data: word(value),
  });

  test("ERC-20 both ways, a self-transfer as out + in, zero-value spam kept as a fact", () => {
    const n = synthetic({
      logs: [
        transfer(OTHER, ME, 10n),
        transfer(ME, OTHER, 3n),
        transfer(ME, ME, 4n),
        transfer(OTHER, ME, 0n),
      ],
    });
    expect(
      n.movements
        .filter((m) => m.evidence === "erc20")
        .map((m) => [m.evidenceIndex, m.amount, m.symbol, m.decimals]),
    ).toEqual([
      ["0:in", 10n, "TOK", 6],
      ["1:out", -3n, "TOK", 6],
      ["2:out", -4n, "TOK", 6],
      ["2:in", 4n, "TOK", 6],
      ["3:in", 0n, "TOK", 6],
    ]);
  });

  test("ERC-721 by its four topics; malformed Transfer logs are skipped", () => {
    const n = synthetic({
      logs: [
        { topics: [TOPICS.transfer, addressTopic(OTHER), addressTopic(ME), word(77n)], data: "0x" },
        { topics: [TOPICS.transfer, addressTopic(OTHER), addressTopic(ME)], data: "0x1234" }, // data not 32 bytes
        {
          topics: [TOPICS.transfer, `0xff${addressTopic(OTHER).slice(4)}`, addressTopic(ME)],
          data: word(1n),
        }, // dirty topic
        { topics: [TOPICS.transfer, addressTopic(OTHER)], data: word(1n) }, // too few topics
      ],
    });
    expect(
      n.movements
        .filter((m) => m.evidence !== "gas")
        .map((m) => [m.evidence, m.amount, m.tokenId, m.decimals]),
    ).toEqual([["erc721", 1n, "77", 0]]);
  });

  test("ERC-1155 TransferSingle and TransferBatch, one movement per id", () => {
    const batchData = encodeAbiParameters(
      [{ type: "uint256[]" }, { type: "uint256[]" }],
      [
        [1n, 2n],
        [10n, 20n],
      ],
    );
    const n = synthetic({
      logs: [
        {
          topics: [TOPICS.transferSingle, addressTopic(OTHER), addressTopic(OTHER), addressTopic(ME)],
          data: `${word(5n)}${word(3n).slice(2)}`,
        },
        {
          topics: [TOPICS.transferBatch, addressTopic(ME), addressTopic(ME), addressTopic(OTHER)],
          data: batchData,
        },
      ],
    });
    expect(
      n.movements.filter((m) => m.evidence === "erc1155").map((m) => [m.evidenceIndex, m.amount, m.tokenId]),
    ).toEqual([
      ["0.0:in", 3n, "5"],
      ["1.0:out", -10n, "1"],
      ["1.1:out", -20n, "2"],
    ]);
  });

  test("WETH-style Deposit counts only with the matching ETH flow, and never next to a mint Transfer", () => {
    const deposit: Partial<RpcLog> = { topics: [TOPICS.deposit, addressTopic(ME)], data: word(9n) };
    // A vault's Deposit(address,uint256) without ETH going in: not a wrap.
    expect(synthetic({ logs: [deposit] }).movements.some((m) => m.evidence === "weth_deposit")).toBe(false);
    // The wallet sent 9 wei to the contract: a wrap.
    const wrap = synthetic({ tx: { to: TOKEN, value: "0x9" }, logs: [deposit] });
    expect(wrap.movements.find((m) => m.evidence === "weth_deposit")).toMatchObject({
      amount: 9n,
      counterparty: TOKEN,
    });
    // WETH10-style: the mint Transfer already counts it.
    const twin = synthetic({
      tx: { to: TOKEN, value: "0x9" },
      logs: [deposit, transfer("0x0000000000000000000000000000000000000000", ME, 9n)],
    });
    expect(twin.movements.filter((m) => m.asset === `base:${TOKEN}`).map((m) => m.evidence)).toEqual([
      "erc20",
    ]);
    // The canonical Base WETH needs no proof.
    const known = synthetic({
      logs: [
        {
          address: "0x4200000000000000000000000000000000000006",
          topics: [TOPICS.withdrawal, addressTopic(ME)],
          data: word(2n),
        },
      ],
    });
    expect(known.movements.find((m) => m.evidence === "weth_withdrawal")?.amount).toBe(-2n);
  });

  test("a failed transaction's value and logs are ignored", () => {
    const n = synthetic({
      tx: { value: "0x5" },
      receipt: { status: "0x0" },
      logs: [transfer(ME, OTHER, 1n)],
    });
    expect(n.movements.map((m) => m.evidence)).toEqual(["gas"]);
  });

  test("a contract creation's value goes to the created contract", () => {
    const created = getAddress("0x4444444444444444444444444444444444444444");
    const n = synthetic({ tx: { to: null, value: "0x7" }, receipt: { to: null, contractAddress: created } });
    expect(n.movements[0]).toMatchObject({ evidence: "native", amount: -7n, counterparty: created });
    expect(n.transaction).toMatchObject({
      to: null,
      details: expect.objectContaining({ contractAddress: created }),
    });
  });
});

describe("flattenTraces()", () => {
  const parity = (
    traceAddress: number[],
    action: ParityTrace["action"],
    extra: Partial<ParityTrace> = {},
  ): ParityTrace => ({
    type: "call",
    action: { callType: "call", value: "0x0", ...action },
    traceAddress,
    subtraces: 0,
    blockNumber: 16,
    blockHash: BLOCK_HASH,
    transactionHash: HASH,
    ...extra,
  });

  test("parity traces: reverted ancestors undo children; selfdestruct and create move value; delegatecall does not", () => {
    const flat = flattenTraces({
      format: "parity",
      traces: [
        parity([], { from: OTHER, to: TOKEN }),
        parity([0], { from: TOKEN, to: TOKEN }, { error: "Reverted" }),
        parity([0, 0], { from: TOKEN, to: ME, value: "0x5" }),
        parity([1], { from: TOKEN, to: ME, value: "0x6", callType: "delegatecall" }),
        parity([2], { address: TOKEN, refundAddress: ME, balance: "0x7" }, { type: "suicide" }),
        parity([3], { from: ME, value: "0x8" }, { type: "create", result: { address: OTHER } }),
      ],
    });
    expect(
      internalTransfers(flat).map((t) => [t.traceAddress.join("."), t.kind, t.from, t.to, t.value]),
    ).toEqual([
      ["2", "selfdestruct", TOKEN, ME, 7n],
      ["3", "create", ME, OTHER, 8n],
    ]);
  });

  test("property: a call tree gives the same transfers as callTracer frames and as parity traces", () => {
    const addresses = [ME, OTHER, TOKEN].map((a) => a.toLowerCase());
    type Tree = {
      to: number;
      value: number;
      fail: boolean;
      kind: "CALL" | "DELEGATECALL" | "STATICCALL";
      calls: Tree[];
    };
    const treeOf = (depth: number): fc.Arbitrary<Tree> =>
      fc.record({
        to: fc.integer({ min: 0, max: 2 }),
        value: fc.integer({ min: 0, max: 3 }),
        fail: fc.boolean(),
        kind: fc.constantFrom("CALL" as const, "DELEGATECALL" as const, "STATICCALL" as const),
        calls: depth === 0 ? fc.constant([]) : fc.array(treeOf(depth - 1), { maxLength: 3 }),
      });
    const tree = treeOf(3);
    fc.assert(
      fc.property(tree, (root) => {
        const toFrame = (t: Tree, from: string): CallFrame => ({
          type: t.kind,
          from,
          to: addresses[t.to]!,
          value: `0x${t.value.toString(16)}`,
          ...(t.fail ? { error: "execution reverted" } : {}),
          calls: t.calls.map((c) => toFrame(c, addresses[t.to]!)),
        });
        const toParity = (t: Tree, from: string, at: number[]): ParityTrace[] => [
          parity(
            at,
            {
              from,
              to: addresses[t.to]!,
              value: `0x${t.value.toString(16)}`,
              callType: t.kind.toLowerCase(),
            },
            t.fail ? { error: "Reverted" } : {},
          ),
          ...t.calls.flatMap((c, i) => toParity(c, addresses[t.to]!, [...at, i])),
        ];
        const a = internalTransfers(
          flattenTraces({ format: "callTracer", frame: toFrame(root, addresses[0]!) }),
        );
        // Parity clients list traces in any order: shuffle by reversing.
        const b = internalTransfers(
          flattenTraces({ format: "parity", traces: toParity(root, addresses[0]!, []).reverse() }),
        );
        expect(b).toEqual(a);
      }),
    );
  });
});

describe("decodeTokenTransfers()", () => {
  test("reads every ERC-20 Transfer of a real receipt", () => {
    const { receipt } =
      fixture.transactions["0x64791913f8cb013690967e7385ab31b274650161054de5fd3275498a7bedde33"]!;
    expect(decodeTokenTransfers(receipt.logs).map((t) => [t.evidence, t.index, t.amount])).toEqual([
      ["weth_deposit", "22", 610000000000000000n],
      ["erc20", "23", 610000000000000000n],
      ["erc20", "24", 390558070743106358449n],
    ]);
  });
});
