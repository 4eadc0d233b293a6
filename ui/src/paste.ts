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

/** Lower-cased chain name → lotwise chain id (`bsc` → `evm:56`), from `GET /v1/chains`. */
export type ChainNames = ReadonlyMap<string, string>;

/**
 * Every name the server accepts for each chain: its id, viem's export name, its display name and
 * `evm:<chainId>`, lower-cased (the server compares case-insensitively).
 */
export const chainNames = (
  chains: readonly { id: string; name: string; chainId: number | null; viemName: string | null }[],
): ChainNames => {
  const out = new Map<string, string>();
  for (const c of chains) {
    for (const n of [c.id, c.viemName, c.name, c.chainId !== null ? `evm:${c.chainId}` : null])
      if (n && !out.has(n.toLowerCase())) out.set(n.toLowerCase(), c.id);
  }
  return out;
};

/**
 * The lotwise chain id of a typed chain name: from `names` when the server's list has loaded
 * (any chain viem knows), else the short names and `evm:<id>` only.
 */
const chainOf = (typed: string, names: ChainNames | undefined): string | undefined => {
  const lower = typed.trim().toLowerCase();
  if (names) return names.get(lower) ?? (/^evm:\d{1,12}$/.test(lower) ? lower : undefined);
  return CHAIN.test(lower) ? lower : undefined;
};

export const parsePaste = (text: string, evmChain: string, names?: ChainNames): PastedItem[] => {
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
    const resolved = chain !== undefined ? chainOf(chain, names) : undefined;
    if (chain !== undefined && resolved === undefined)
      item = {
        input,
        problem: names
          ? `unknown chain '${chain}' (a short name, evm:<id>, solana, or any chain viem knows)`
          : `unknown chain '${chain}' (ethereum, base, arbitrum, optimism, polygon, evm:<id>, solana)`,
      };
    else if (EVM.test(address)) {
      const c = resolved ?? (evmChain.trim() ? chainOf(evmChain, names) : undefined);
      if (c === "solana") item = { input, problem: "a 0x address is not a Solana address" };
      else if (!evmChain.trim() && resolved === undefined)
        item = { input, problem: "choose the EVM chain of bare 0x addresses" };
      else if (!c) item = { input, problem: `unknown chain '${evmChain.trim()}' for bare 0x addresses` };
      else item = { input, spec: `${c}:${address}`, family: "evm", chain: c };
    } else if (BASE58.test(address)) {
      if (chain && resolved !== "solana")
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
