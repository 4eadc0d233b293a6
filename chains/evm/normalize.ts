import { decodeAbiParameters } from "viem";
import { memoizeBounded } from "../../src/utils/memo.ts";
import type { MovementRow, TransactionRow } from "../store.ts";
import type { ChainInfo } from "../types.ts";
import { checksumAddress, hexToBig, TOPICS, topicAddress, WRAPPED_NATIVE, ZERO_ADDRESS } from "./abi.ts";
import type {
  BlockHeader,
  CallFrame,
  ParityTrace,
  RpcLog,
  RpcReceipt,
  RpcTransaction,
  TxTraces,
} from "./rpc.ts";

/**
 * Raw records → one wallet's transaction row and movements. Pure: no I/O, no clock.
 *
 * Movements (signed raw integer units, positive in, negative out), `evidence` / `evidenceIndex`:
 * - `native` `out`|`in`: the transaction's value, only when it succeeded;
 * - `internal` `<traceAddress a.b.c>:<out|in>`: value moved by a call, create or selfdestruct below
 *   the top level, when neither the frame nor any ancestor reverted;
 * - `erc20`, `erc721` `<logIndex>:<out|in>`; `erc1155` `<logIndex>.<position>:<out|in>`;
 * - `weth_deposit`, `weth_withdrawal` `<logIndex>:<in|out>`: WETH9-style wrap/unwrap (no Transfer log);
 * - `gas` `tx` (gasUsed × effectiveGasPrice) and `blob` (blobGasUsed × blobGasPrice), `l1_fee` `tx`
 *   (OP-stack receipts' `l1Fee`): negative, on the fee payer's wallet only, failed transactions too.
 * A transfer from the wallet to itself yields both an `out` and an `in` row.
 */

/** Token metadata normalize needs (from the tokens table). */
export type TokenInfo = { symbol: string | null; decimals: number | null };

export type NormalizeInput = {
  chain: Pick<ChainInfo, "id" | "chainId" | "nativeSymbol" | "nativeDecimals">;
  wallet: { id: number; address: string };
  tx: RpcTransaction;
  receipt: RpcReceipt;
  /** Full traces of the transaction; undefined when none were fetched (no call touches the wallet). */
  traces?: TxTraces | undefined;
  block: BlockHeader;
  /** The block is at or below finality. */
  final: boolean;
  /** By checksummed contract address. */
  tokens: ReadonlyMap<string, TokenInfo>;
  /** `decodeTokenTransfers(receipt.logs)`, when the caller has it already. */
  tokenTransfers?: readonly TokenTransfer[] | undefined;
};

export type Normalized = { transaction: TransactionRow; movements: MovementRow[] };

/** One value-moving step of a transaction, flattened from either trace format. */
export type FlatTrace = {
  /** Position in the call tree; `[]` is the transaction itself. */
  traceAddress: number[];
  /** `call`, `create`, `selfdestruct`, or `delegatecall`/`staticcall`/`callcode` (which move no value). */
  kind: string;
  from: string;
  /** Callee, created contract or selfdestruct beneficiary; undefined when unknown (failed create). */
  to: string | undefined;
  /** Wei. */
  value: bigint;
  /** This frame or an ancestor reverted, so nothing it did happened. */
  reverted: boolean;
};

const checksum = (a: string | null | undefined) => (a ? checksumAddress(a) : undefined);

/** Lowercase forms of the addresses (and topics) met, so a repeated one builds no new string. */
const lower = memoizeBounded((a) => a.toLowerCase(), 50_000);

const callKind = (parityCallType: string | undefined) => (parityCallType ?? "call").toLowerCase();

/** Flattens parity traces or a callTracer tree into depth-first `FlatTrace`s with revert propagation. */
export const flattenTraces = (traces: TxTraces): FlatTrace[] => {
  if (traces.format === "callTracer") {
    const out: FlatTrace[] = [];
    const walk = (frame: CallFrame, path: number[], parentReverted: boolean) => {
      const type = frame.type.toLowerCase();
      const reverted = parentReverted || frame.error !== undefined;
      const kind = type === "create2" ? "create" : type;
      out.push({
        traceAddress: path,
        kind,
        from: frame.from,
        to: frame.to,
        value: frame.value ? hexToBig(frame.value) : 0n,
        reverted,
      });
      for (const [i, child] of (frame.calls ?? []).entries()) walk(child, [...path, i], reverted);
    };
    walk(traces.frame, [], false);
    return out;
  }
  const failedPaths = new Set<string>();
  const sorted = [...traces.traces].sort((a, b) => compareTraceAddress(a.traceAddress, b.traceAddress));
  return sorted.map((t: ParityTrace): FlatTrace => {
    const key = t.traceAddress.join(".");
    let reverted = t.error !== undefined;
    for (let i = 0; i < t.traceAddress.length && !reverted; i++) {
      if (failedPaths.has(t.traceAddress.slice(0, i).join("."))) reverted = true;
    }
    if (reverted) failedPaths.add(key);
    if (t.type === "suicide") {
      return {
        traceAddress: t.traceAddress,
        kind: "selfdestruct",
        from: t.action.address ?? "",
        to: t.action.refundAddress,
        value: t.action.balance ? hexToBig(t.action.balance) : 0n,
        reverted,
      };
    }
    return {
      traceAddress: t.traceAddress,
      kind: t.type === "create" ? "create" : callKind(t.action.callType),
      from: t.action.from ?? "",
      to: t.type === "create" ? (t.result?.address ?? undefined) : t.action.to,
      value: t.action.value ? hexToBig(t.action.value) : 0n,
      reverted,
    };
  });
};

const compareTraceAddress = (a: number[], b: number[]) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
};

const MOVES_VALUE = new Set(["call", "create", "selfdestruct"]);

/** Internal (depth > 0) value transfers that really happened. */
export const internalTransfers = (flat: readonly FlatTrace[]): FlatTrace[] =>
  flat.filter(
    (t) => t.traceAddress.length > 0 && MOVES_VALUE.has(t.kind) && t.value > 0n && !t.reverted && t.to,
  );

const WORD_DATA = /^0x[0-9a-fA-F]{64}$/;
const TWO_WORDS_DATA = /^0x[0-9a-fA-F]{128}$/;

const word = (data: string, i: number) => data.slice(2 + 64 * i, 2 + 64 * (i + 1));

/** A decoded token transfer log (any standard). */
export type TokenTransfer = {
  evidence: "erc20" | "erc721" | "erc1155" | "weth_deposit" | "weth_withdrawal";
  index: string;
  contract: string;
  from: string;
  to: string;
  amount: bigint;
  tokenId?: string;
};

/** ERC-20/721/1155 transfers in a receipt's logs; malformed logs are skipped (their raw record stays). */
export const decodeTokenTransfers = (logs: readonly RpcLog[]): TokenTransfer[] => {
  const out: TokenTransfer[] = [];
  for (const log of logs) {
    const t0 = log.topics[0] == null ? undefined : lower(log.topics[0]);
    const logIndex = hexToBig(log.logIndex).toString();
    const contract = checksum(log.address)!;
    if (t0 === TOPICS.transfer) {
      const from = topicAddress(log.topics[1]);
      const to = topicAddress(log.topics[2]);
      if (!from || !to) continue;
      if (log.topics.length === 3 && WORD_DATA.test(log.data)) {
        out.push({ evidence: "erc20", index: logIndex, contract, from, to, amount: hexToBig(log.data) });
      } else if (log.topics.length === 4 && (log.data === "0x" || log.data === "")) {
        const tokenId = hexToBig(log.topics[3]!).toString();
        out.push({ evidence: "erc721", index: logIndex, contract, from, to, amount: 1n, tokenId });
      }
    } else if ((t0 === TOPICS.transferSingle || t0 === TOPICS.transferBatch) && log.topics.length === 4) {
      const from = topicAddress(log.topics[2]);
      const to = topicAddress(log.topics[3]);
      if (!from || !to) continue;
      let pairs: [bigint, bigint][];
      try {
        if (t0 === TOPICS.transferSingle) {
          if (!TWO_WORDS_DATA.test(log.data)) continue;
          pairs = [[hexToBig(`0x${word(log.data, 0)}`), hexToBig(`0x${word(log.data, 1)}`)]];
        } else {
          const [ids, values] = decodeAbiParameters(
            [{ type: "uint256[]" }, { type: "uint256[]" }],
            log.data as `0x${string}`,
          );
          if (ids.length !== values.length) continue;
          pairs = ids.map((id, i) => [id, values[i]!]);
        }
      } catch {
        continue;
      }
      for (const [i, [id, value]] of pairs.entries()) {
        out.push({
          evidence: "erc1155",
          index: `${logIndex}.${i}`,
          contract,
          from,
          to,
          amount: value,
          tokenId: id.toString(),
        });
      }
    } else if ((t0 === TOPICS.deposit || t0 === TOPICS.withdrawal) && log.topics.length === 2) {
      const holder = topicAddress(log.topics[1]);
      if (!holder || !WORD_DATA.test(log.data)) continue;
      const amount = hexToBig(log.data);
      out.push(
        t0 === TOPICS.deposit
          ? { evidence: "weth_deposit", index: logIndex, contract, from: contract, to: holder, amount }
          : { evidence: "weth_withdrawal", index: logIndex, contract, from: holder, to: contract, amount },
      );
    }
  }
  return out;
};

/**
 * Keeps a WETH-style Deposit/Withdrawal only when it is real wrapping: a known wrapped-native
 * contract, or the traces show the matching ETH flow; and never when the contract also logged the
 * equivalent mint/burn `Transfer` (WETH10-style), which already counts it.
 */
const isWrap = (
  t: TokenTransfer,
  all: readonly TokenTransfer[],
  input: NormalizeInput,
  flows: readonly { from: string; to: string; value: bigint }[],
): boolean => {
  const holder = t.evidence === "weth_deposit" ? t.to : t.from;
  const twin = all.some(
    (o) =>
      o.evidence === "erc20" &&
      o.contract === t.contract &&
      o.amount === t.amount &&
      (t.evidence === "weth_deposit"
        ? o.from === ZERO_ADDRESS && o.to === holder
        : o.from === holder && o.to === ZERO_ADDRESS),
  );
  if (twin) return false;
  if ((WRAPPED_NATIVE[input.chain.chainId ?? -1] ?? []).includes(t.contract)) return true;
  const c = t.contract.toLowerCase();
  const h = holder.toLowerCase();
  return flows.some((f) =>
    t.evidence === "weth_deposit"
      ? f.from === h && f.to === c && f.value === t.amount
      : f.from === c && f.to === h && f.value === t.amount,
  );
};

/** Normalizes one transaction for one wallet. */
export const normalizeTransaction = (input: NormalizeInput): Normalized => {
  const { chain, wallet, tx, receipt, block } = input;
  const me = lower(wallet.address);
  const success = receipt.status === undefined || hexToBig(receipt.status) === 1n;
  const blockNumber = hexToBig(receipt.blockNumber);
  const time = new Date(Number(hexToBig(block.timestamp)) * 1000);
  const txIndex = Number(hexToBig(receipt.transactionIndex));
  const created = receipt.contractAddress ?? undefined;
  const txTo = tx.to ?? created;
  const base = {
    walletId: wallet.id,
    chain: chain.id,
    txHash: tx.hash.toLowerCase(),
    blockNumber,
    blockHash: receipt.blockHash,
    txIndex,
    time,
    final: input.final,
  };
  const movements: MovementRow[] = [];
  const nativeAsset = `${chain.id}:native`;
  const native = { asset: nativeAsset, symbol: chain.nativeSymbol, decimals: chain.nativeDecimals };
  // One literal per row (no spreads): a sync builds thousands of them.
  const push = (
    evidence: string,
    evidenceIndex: string,
    amount: bigint,
    counterparty: string | undefined,
    asset: { asset: string; symbol: string | null; decimals: number | null },
    tokenId?: string,
  ) =>
    movements.push({
      walletId: base.walletId,
      chain: base.chain,
      txHash: base.txHash,
      blockNumber: base.blockNumber,
      blockHash: base.blockHash,
      txIndex: base.txIndex,
      time: base.time,
      final: base.final,
      evidence,
      evidenceIndex,
      amount,
      counterparty: counterparty ?? null,
      tokenId: tokenId ?? null,
      asset: asset.asset,
      symbol: asset.symbol,
      decimals: asset.decimals,
    });
  /** Adds the out and/or in rows of a transfer `from → to` that touches the wallet. */
  const transfer = (
    evidence: string,
    index: string,
    from: string,
    to: string | undefined,
    amount: bigint,
    asset: { asset: string; symbol: string | null; decimals: number | null },
    tokenId?: string,
  ) => {
    if (lower(from) === me) push(evidence, `${index}:out`, -amount, checksum(to), asset, tokenId);
    if (to != null && lower(to) === me) push(evidence, `${index}:in`, amount, checksum(from), asset, tokenId);
  };

  const value = hexToBig(tx.value);
  const flat = input.traces ? flattenTraces(input.traces) : [];
  const flows: { from: string; to: string; value: bigint }[] = [];
  if (success) {
    if (value > 0n) {
      transfer("native", "tx", tx.from, txTo, value, native);
      if (txTo) flows.push({ from: tx.from.toLowerCase(), to: txTo.toLowerCase(), value });
    }
    for (const t of internalTransfers(flat)) {
      transfer("internal", t.traceAddress.join("."), t.from, t.to, t.value, native);
      flows.push({ from: t.from.toLowerCase(), to: t.to!.toLowerCase(), value: t.value });
    }
    const tokenTransfers = input.tokenTransfers ?? decodeTokenTransfers(receipt.logs);
    for (const t of tokenTransfers) {
      if (lower(t.from) !== me && lower(t.to) !== me) continue;
      if (
        (t.evidence === "weth_deposit" || t.evidence === "weth_withdrawal") &&
        !isWrap(t, tokenTransfers, input, flows)
      )
        continue;
      const meta = input.tokens.get(t.contract);
      const nft = t.evidence === "erc721" || t.evidence === "erc1155";
      transfer(
        t.evidence,
        t.index,
        t.evidence === "weth_deposit" ? t.contract : t.from,
        t.evidence === "weth_withdrawal" ? t.contract : t.to,
        t.amount,
        {
          asset: `${chain.id}:${t.contract}`,
          symbol: meta?.symbol ?? null,
          decimals: nft ? 0 : (meta?.decimals ?? null),
        },
        t.tokenId,
      );
    }
  }

  const payer = lower(tx.from) === me;
  const gasPrice = receipt.effectiveGasPrice ?? tx.gasPrice;
  const gasFee = gasPrice !== undefined ? hexToBig(receipt.gasUsed) * hexToBig(gasPrice) : 0n;
  const blobFee =
    receipt.blobGasUsed && receipt.blobGasPrice
      ? hexToBig(receipt.blobGasUsed) * hexToBig(receipt.blobGasPrice)
      : 0n;
  const l1Fee = receipt.l1Fee ? hexToBig(receipt.l1Fee) : 0n;
  if (payer) {
    if (gasFee > 0n) push("gas", "tx", -gasFee, undefined, native);
    if (blobFee > 0n) push("gas", "blob", -blobFee, undefined, native);
    if (l1Fee > 0n) push("l1_fee", "tx", -l1Fee, undefined, native);
  }

  const input4 = tx.input.length >= 10 ? tx.input.slice(0, 10).toLowerCase() : null;
  const transaction: TransactionRow = {
    ...base,
    from: checksum(tx.from)!,
    to: checksum(tx.to) ?? null,
    status: success ? "success" : "failed",
    method: input4,
    feePayer: checksum(tx.from)!,
    details: {
      nonce: hexToBig(tx.nonce).toString(),
      type: tx.type ? Number(hexToBig(tx.type)) : 0,
      value: value.toString(),
      gasUsed: hexToBig(receipt.gasUsed).toString(),
      ...(gasPrice !== undefined ? { effectiveGasPrice: hexToBig(gasPrice).toString() } : {}),
      fee: (gasFee + blobFee + l1Fee).toString(),
      ...(l1Fee > 0n ? { l1Fee: l1Fee.toString() } : {}),
      ...(blobFee > 0n ? { blobFee: blobFee.toString() } : {}),
      ...(created ? { contractAddress: checksum(created) } : {}),
    },
  };
  return { transaction, movements };
};
