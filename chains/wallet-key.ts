/** The ledger's wallet string for a chain wallet (no dependencies: `wallets list` loads only this). */
export const walletKey = (chainId: string, address: string): string => `${chainId}:${address}`;
