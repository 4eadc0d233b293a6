/** Lido stETH (lowercase). Source: Lido docs, "Deployed contracts" (mainnet). */
export const STETH: Readonly<Record<string, readonly string[]>> = {
  ethereum: ["0xae7ab96520de3a18e5e111b5eaab095312d7fe84"],
};
