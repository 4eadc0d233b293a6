/**
 * Bridge contracts whose deposits (an outflow into them) or payouts (an inflow out of them) are
 * evidence that an outflow on one chain and an inflow on another are one transfer (lowercase).
 * Sources: each bridge's published deployment list (Optimism and Base "contract addresses",
 * Arbitrum "contract addresses", Across "contract addresses"). More can be declared per chain in
 * the configuration (`classify.contracts.<chain>.bridges`).
 */
export const BRIDGES: Readonly<Record<string, readonly string[]>> = {
  ethereum: [
    // OP Mainnet L1StandardBridge (proxy)
    "0x99c9fc46f92e8a1c0dec1b1747d010903e884be1",
    // Base L1StandardBridge (proxy)
    "0x3154cf16ccdb4c6d922629664174b904d80f2c35",
    // Arbitrum One delayed Inbox
    "0x4dbd4fc535ac27206064b68ffcf827b0a60bab3f",
    // Across SpokePool
    "0x5c7bcd6e7de5423a257d81b442095a1a6ced35c5",
  ],
  optimism: [
    // L2StandardBridge predeploy
    "0x4200000000000000000000000000000000000010",
  ],
  base: [
    // L2StandardBridge predeploy
    "0x4200000000000000000000000000000000000010",
  ],
};

/** Whether `address` is a known (or configured) bridge contract on `chain`. */
export const isBridge = (
  chain: string,
  address: string | null,
  configured?: readonly string[] | undefined,
): boolean => {
  if (!address) return false;
  const a = address.toLowerCase();
  return (BRIDGES[chain] ?? []).includes(a) || (configured ?? []).some((c) => c.toLowerCase() === a);
};
