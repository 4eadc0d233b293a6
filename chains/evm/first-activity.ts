import { getAddress, pad } from "viem";
import { isMethodUnsupported, RpcRangeError, type RpcTransport } from "../transport.ts";
import { hexToBig, TOPICS } from "./abi.ts";
import type { Explorer } from "./explorer.ts";

/**
 * Where a wallet's history starts, so the first sync does not scan every block from genesis.
 *
 * In order of preference:
 * 1. a block the user gives (`lotwise sync --from-block N`);
 * 2. the explorer's first transaction of the address (normal, internal, token), when one is
 *    configured;
 * 3. on a node that answers historical state (an archive node): a binary search for the first
 *    block where the address has a nonce or a balance (`eth_getTransactionCount` and
 *    `eth_getBalance` at historical blocks, one batched round trip per step, ~log2(head) steps),
 *    then one `eth_getLogs` probe for token transfers to or from it before that block (a wallet
 *    that only ever received tokens has nonce 0 and no ETH);
 * 4. otherwise block 0, with a warning.
 *
 * Limits (also in chains/evm/README.md): the state search assumes that once an address has a
 * nonce or a balance it keeps one (true for externally owned accounts; a contract wallet that is
 * emptied by an internal call and later refilled would look younger); token activity older than
 * the found block is only ruled out when the node accepts the whole range in one `eth_getLogs`
 * (when it refuses, the scan starts at 0 and the reason says so).
 */

/** `cache`: the address was already scanned for another wallet (sync.ts reuses that start). */
export type StartMethod = "from-block" | "explorer" | "state" | "genesis" | "cache";

/** Where the scan of a wallet starts and why (stored with the cursor, shown by `lotwise sync`). */
export type HistoryStart = {
  /** Decimal block number. */
  block: string;
  method: StartMethod;
  reason: string;
};

const hex = (n: bigint) => `0x${n.toString(16)}`;

/** True for the errors a pruned (non-archive) node gives for old state. */
const isMissingState = (error: unknown): boolean =>
  /missing trie node|header not found|state (is )?not available|pruned|historical state|not an archive|unknown block|state histories|required historical state|block height is \d+ but requested was|BlockOutOfRange/i.test(
    error instanceof Error ? error.message : String(error),
  );

/** Has the address sent a transaction or held value by `block`? */
const activeAt = async (rpc: RpcTransport, address: string, block: bigint): Promise<boolean> => {
  const [nonce, balance] = await rpc.batch<string>([
    { method: "eth_getTransactionCount", params: [address, hex(block)] },
    { method: "eth_getBalance", params: [address, hex(block)] },
  ]);
  return hexToBig(nonce!) > 0n || hexToBig(balance!) > 0n;
};

/** The first block of a token transfer to or from `address` in [0, before), if the node answers in one range. */
const firstTokenLog = async (
  rpc: RpcTransport,
  address: string,
  before: bigint,
): Promise<{ block: bigint | undefined } | { refused: string }> => {
  if (before <= 0n) return { block: undefined };
  const me = pad(address.toLowerCase() as `0x${string}`);
  const { transfer, transferSingle, transferBatch } = TOPICS;
  const filters = [
    [[transfer, transferSingle, transferBatch], me],
    [[transfer, transferSingle, transferBatch], null, me],
    [[transferSingle, transferBatch], null, null, me],
  ];
  try {
    const answers = await rpc.batch<{ blockNumber: string }[]>(
      filters.map((topics) => ({
        method: "eth_getLogs",
        params: [{ fromBlock: "0x0", toBlock: hex(before - 1n), topics }],
      })),
    );
    let first: bigint | undefined;
    for (const logs of answers) {
      for (const l of logs) {
        const b = hexToBig(l.blockNumber);
        if (first === undefined || b < first) first = b;
      }
    }
    return { block: first };
  } catch (error) {
    if (error instanceof RpcRangeError) return { refused: error.message };
    throw error;
  }
};

/**
 * Finds where to start scanning `address` (see the module comment). Never throws for a node that
 * lacks historical state or methods: it falls back to block 0 and says why.
 */
export const findHistoryStart = async (args: {
  rpc: RpcTransport;
  address: string;
  head: bigint;
  fromBlock?: bigint | undefined;
  explorer?: Explorer | undefined;
}): Promise<HistoryStart> => {
  const { rpc, head } = args;
  const address = getAddress(args.address);
  if (args.fromBlock !== undefined) {
    return { block: args.fromBlock.toString(), method: "from-block", reason: "given with --from-block" };
  }
  if (args.explorer?.firstBlock) {
    try {
      const first = await args.explorer.firstBlock({ from: 0n, to: head });
      if (first !== undefined) {
        return {
          block: first.toString(),
          method: "explorer",
          reason: `the explorer's first transaction is in block ${first}`,
        };
      }
    } catch {
      // fall through to the node
    }
  }
  try {
    if (!(await activeAt(rpc, address, head))) {
      // Nonce 0 and no balance now: a token-only wallet, or one never used. Logs decide.
      const tokens = await firstTokenLog(rpc, address, head + 1n);
      if ("refused" in tokens)
        return genesis("the address has no nonce or balance and the node refused a whole-range log query");
      if (tokens.block === undefined) {
        return {
          block: head.toString(),
          method: "state",
          reason: `no nonce, balance or token transfer up to block ${head}`,
        };
      }
      return {
        block: tokens.block.toString(),
        method: "state",
        reason: `first token transfer in block ${tokens.block} (no nonce or ETH)`,
      };
    }
    // The node must answer historical state: probe the genesis side first.
    let lo = 0n;
    let hi = head;
    if (await activeAt(rpc, address, 0n)) {
      return { block: "0", method: "state", reason: "the address holds value at genesis (block 0)" };
    }
    // Invariant: inactive at lo, active at hi.
    while (hi - lo > 1n) {
      const mid = lo + (hi - lo) / 2n;
      if (await activeAt(rpc, address, mid)) hi = mid;
      else lo = mid;
    }
    const tokens = await firstTokenLog(rpc, address, hi);
    if ("refused" in tokens) {
      return genesis(
        `first nonce or balance in block ${hi}, but the node refused to rule out earlier token transfers in one log query`,
      );
    }
    if (tokens.block !== undefined) {
      return {
        block: tokens.block.toString(),
        method: "state",
        reason: `first token transfer in block ${tokens.block}, before its first nonce or balance (block ${hi})`,
      };
    }
    return {
      block: hi.toString(),
      method: "state",
      reason: `first nonce or balance in block ${hi} (archive state search)`,
    };
  } catch (error) {
    if (isMissingState(error) || isMethodUnsupported(error)) {
      return genesis("the node cannot answer historical state (not an archive node): scanning from block 0");
    }
    throw error;
  }
};

const genesis = (reason: string): HistoryStart => ({ block: "0", method: "genesis", reason });
