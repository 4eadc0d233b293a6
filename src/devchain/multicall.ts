import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Hex } from "viem";
import { MULTICALL3_CANONICAL } from "../../chains/evm/balances.ts";
import type { DevClient } from "./contracts.ts";

/**
 * Multicall3's creation code as viem ships it (`constants/contracts.js`, used by viem's
 * "deployless" multicall; not a public export, so it is read from the package file).
 */
const multicall3CreationCode = (): Hex => {
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve("viem/package.json"));
  const source = readFileSync(path.join(root, "_esm", "constants", "contracts.js"), "utf8");
  const m = /multicall3Bytecode\s*=\s*'(0x[0-9a-f]+)'/.exec(source);
  if (!m) throw new Error("viem no longer ships multicall3Bytecode in constants/contracts.js");
  return m[1] as Hex;
};

/**
 * Puts Multicall3 on a dev chain at its canonical address (0xcA11…CA11), as on most public
 * chains: deploys the real Multicall3 from viem's artifact, then copies the deployed runtime code
 * to the canonical address (`anvil_setCode`) and mines a block, so reads at that block and later
 * find it.
 * @returns the canonical address.
 */
export const installMulticall3 = async (client: DevClient, from: `0x${string}`): Promise<string> => {
  const receipt = await client.send({ from, data: multicall3CreationCode() });
  const code = await client.request<Hex>("eth_getCode", [receipt.contractAddress, "latest"]);
  await client.request("anvil_setCode", [MULTICALL3_CANONICAL, code]);
  await client.request("evm_mine", []);
  return MULTICALL3_CANONICAL;
};
