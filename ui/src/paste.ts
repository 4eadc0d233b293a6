/**
 * Reads pasted wallet addresses as they are typed: one item per line (commas and spaces also
 * separate), each `<chain>:<address>` or a bare address. A bare `0x` address takes the chosen EVM
 * chain; a bare base58 key is a Solana address. The server validates again (EIP-55 checksums,
 * chain names) and rejects the whole paste if any item is bad, so this only saves a round trip.
 */
export type PastedItem = {
  /** What was typed. */
  input: string;
  /** `<chain>:<address>` to send, when the item looks valid. */
  spec?: string;
  family?: "evm" | "solana";
  chain?: string;
  problem?: string;
};

const EVM = /^0x[0-9a-fA-F]{40}$/;
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;
export const KNOWN_CHAINS = ["ethereum", "base", "arbitrum", "optimism", "polygon", "solana"] as const;
const CHAIN = /^(ethereum|base|arbitrum|optimism|polygon|solana|evm:\d{1,12})$/i;

export const parsePaste = (text: string, evmChain: string): PastedItem[] => {
  const items = text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const seen = new Set<string>();
  return items.map((input): PastedItem => {
    const i = input.lastIndexOf(":");
    const prefixed = i > 0;
    const chain = prefixed ? input.slice(0, i).toLowerCase() : undefined;
    const address = prefixed ? input.slice(i + 1) : input;
    let item: PastedItem;
    if (chain !== undefined && !CHAIN.test(chain))
      item = {
        input,
        problem: `unknown chain '${chain}' (ethereum, base, arbitrum, optimism, polygon, evm:<id>, solana)`,
      };
    else if (EVM.test(address)) {
      const c = chain ?? evmChain.trim().toLowerCase();
      if (c === "solana") item = { input, problem: "a 0x address is not a Solana address" };
      else if (!c || !CHAIN.test(c)) item = { input, problem: "choose the EVM chain of bare 0x addresses" };
      else item = { input, spec: `${c}:${address}`, family: "evm", chain: c };
    } else if (BASE58.test(address)) {
      if (chain && chain !== "solana")
        item = { input, problem: `a base58 key is a Solana address, not ${chain}` };
      else item = { input, spec: `solana:${address}`, family: "solana", chain: "solana" };
    } else if (address.startsWith("0x"))
      item = { input, problem: `an EVM address is 0x and 40 hex digits (this has ${address.length - 2})` };
    else item = { input, problem: "not an EVM (0x…) or Solana (base58) address" };
    if (item.spec) {
      const k = item.family === "evm" ? item.spec.toLowerCase() : item.spec;
      if (seen.has(k)) item = { ...item, spec: undefined, problem: "repeated above" };
      else seen.add(k);
    }
    return item;
  });
};
