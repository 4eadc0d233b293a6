import { getAddress } from "viem";
import { resolveChain } from "../../chains/registry.ts";
import { parseChainAssetId } from "./identity.ts";
import { REBASING_TOKENS } from "./registry.ts";

/**
 * Chain asset ids (`<chain>:<checksummed token>`) whose balances change with no Transfer event:
 * the registry's (`REBASING_TOKENS`) and those declared `rebasing: true` in `assets.tokens`.
 */
export const rebasingAssets = (tokens: Readonly<Record<string, unknown>>): Set<string> => {
  const out = new Set<string>();
  for (const t of REBASING_TOKENS) out.add(`${t.chain}:${getAddress(t.address)}`);
  for (const [id, v] of Object.entries(tokens)) {
    if (typeof v !== "object" || !v || !(v as { rebasing?: boolean }).rebasing) continue;
    const ref = parseChainAssetId(id);
    if (ref && ref.family === "evm" && ref.address !== "native") {
      out.add(`${resolveChain(ref.chain).id}:${getAddress(ref.address)}`);
    }
  }
  return out;
};
