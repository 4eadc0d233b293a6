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
