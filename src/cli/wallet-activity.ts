import { resolveChain } from "../../chains/registry.ts";
import { createHttpTransport, describeEndpoint } from "../../chains/transport.ts";
import type { ChainInfo } from "../../chains/types.ts";
import type { Common } from "../common.ts";
import { BaseError, UserInputError } from "../errors.ts";

/** keccak256("Transfer(address,address,uint256)"): ERC-20 and ERC-721 transfers. */
const TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

/** An address as a 32-byte log topic (left-padded, lower case). */
const addressTopic = (address: string): string => `0x${address.slice(2).toLowerCase().padStart(64, "0")}`;

/**
 * Where a bare `0x…` address has activity: every EVM chain with a configured RPC endpoint
 * (`rpc` in the config, `LOTWISE_RPC_*`) is asked for the address's transaction count and native
 * balance; a chain where either is above zero counts as active. An address with neither (one that
 * only ever received tokens) is active when the node finds a token `Transfer` log to it
 * (`eth_getLogs` over the whole chain, topic 2 = the address); a node that refuses so wide a
 * query leaves the chain "not checked", with its answer in the summary.
 * @throws UserInputError when no EVM endpoint is configured, or no chain shows activity.
 */
export const evmChainsWithActivity = async (
  address: string,
  common: Common,
): Promise<{ active: string[]; summary: string }> => {
  const { config } = common;
  const chains = new Map<string, { chain: ChainInfo; url: string }>();
  for (const [name, url] of Object.entries(config.rpc)) {
    let chain: ChainInfo;
    try {
      chain = resolveChain(name, { nativeSymbols: config.nativeSymbols });
    } catch {
      continue;
    }
    if (chain.family === "evm" && !chains.has(chain.id)) chains.set(chain.id, { chain, url });
  }
  if (chains.size === 0) {
    throw new UserInputError(
      `${address}: a bare address needs a chain (ethereum:${address}, evm:<chain id>:${address}): ` +
        "no EVM RPC endpoint is configured to look for its activity",
    );
  }
  const results = await Promise.all(
    [...chains.values()].map(async ({ chain, url }) => {
      const rpc = createHttpTransport({
        chain: chain.id,
        url,
        logger: common.logger,
        maxAttempts: 2,
        timeoutMs: Math.min(config.sync.timeoutMs, 15_000),
      });
      try {
        const [count, balance] = await Promise.all([
          rpc.request<string>("eth_getTransactionCount", [address, "latest"]),
          rpc.request<string>("eth_getBalance", [address, "latest"]),
        ]);
        if (BigInt(count) > 0n || BigInt(balance) > 0n) return { id: chain.id, active: true };
        // Tokens only: ERC-20 and ERC-721 `Transfer(from, to, …)` logs with `to` = the address.
        const logs = await rpc.request<unknown[]>("eth_getLogs", [
          { fromBlock: "0x0", toBlock: "latest", topics: [TRANSFER_TOPIC, null, addressTopic(address)] },
        ]);
        return { id: chain.id, active: logs.length > 0 };
      } catch (error) {
        const why = error instanceof BaseError ? error.shortMessage : (error as Error).message;
        return { id: chain.id, active: false, error: `${describeEndpoint(url)}: ${why}` };
      }
    }),
  );
  const active = results.filter((r) => r.active).map((r) => r.id);
  const idle = results.filter((r) => !r.active && !r.error).map((r) => r.id);
  const failed = results.filter((r) => r.error).map((r) => `${r.id} (${r.error})`);
  const summary = [
    active.length ? `activity on ${active.join(", ")}` : "",
    idle.length ? `none on ${idle.join(", ")}` : "",
    failed.length ? `not checked: ${failed.join("; ")}` : "",
  ]
    .filter((x) => x !== "")
    .join("; ");
  if (active.length === 0) {
    throw new UserInputError(
      `${address}: no activity on the configured EVM chains (${summary}); add it with its chain: <chain>:${address}`,
    );
  }
  return { active, summary };
};
