import { resolveChain } from "../../chains/registry.ts";
import { createHttpTransport, describeEndpoint } from "../../chains/transport.ts";
import type { ChainInfo } from "../../chains/types.ts";
import type { Common } from "../common.ts";
import { BaseError, UserInputError } from "../errors.ts";

/**
 * Where a bare `0x…` address has activity: every EVM chain with a configured RPC endpoint
 * (`rpc` in the config, `LOTWISE_RPC_*`) is asked for the address's transaction count and native
 * balance; a chain where either is above zero counts as active. (An address that only ever
 * received tokens has neither: add it as `<chain>:0x…`.)
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
        return { id: chain.id, active: BigInt(count) > 0n || BigInt(balance) > 0n };
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
