/** Test access to the dev chain's anvil launcher (runtime code lives in src/devchain). */
export { type Anvil, anvilBinary, type StartAnvilArgs, startAnvil } from "../src/devchain/anvil.ts";

/** A JSON-RPC call to a test node (no retries); throws on a JSON-RPC error. */
export const rpcCall = async <T = unknown>(
  url: string,
  method: string,
  params: unknown[] = [],
): Promise<T> => {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
};

/**
 * Sends a plain transaction from an unlocked account so that it is mined at `time` (unix
 * seconds), and waits for its receipt: the next `evm_setNextBlockTimestamp` cannot land before
 * this transaction is mined (on a loaded machine anvil's automine may lag the RPC reply).
 * @throws when the block's timestamp is not `time` or the receipt does not come within 10 s.
 */
export const sendAt = async (
  url: string,
  tx: { from: string; to: string; value: bigint; gasPrice?: bigint },
  time: number,
): Promise<string> => {
  await rpcCall(url, "evm_setNextBlockTimestamp", [time]);
  const hash = await rpcCall<string>(url, "eth_sendTransaction", [
    {
      from: tx.from,
      to: tx.to,
      value: `0x${tx.value.toString(16)}`,
      gasPrice: `0x${(tx.gasPrice ?? 0n).toString(16)}`,
      gas: "0x5208",
    },
  ]);
  for (let i = 0; i < 200; i++) {
    const receipt = await rpcCall<{ blockNumber: string } | null>(url, "eth_getTransactionReceipt", [hash]);
    if (receipt) {
      const block = await rpcCall<{ timestamp: string }>(url, "eth_getBlockByNumber", [
        receipt.blockNumber,
        false,
      ]);
      if (Number(BigInt(block.timestamp)) !== time)
        throw new Error(`anvil mined ${hash} at ${BigInt(block.timestamp)}, not at ${time}`);
      return hash;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`anvil did not mine ${hash} within 10 s`);
};
