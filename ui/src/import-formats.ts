/**
 * The formats the dashboard offers for an exchange export, with what each reads: `auto` and the
 * server's `--format` values (src/imports/registry.ts `FORMAT_NAMES`, checked by
 * src/imports/registry.test.ts).
 */
export const IMPORT_FORMAT_CHOICES = [
  ["auto", "detect from the header"],
  ["coinbase", "Coinbase transaction history"],
  ["coinbase-raw", "Coinbase raw transaction report"],
  ["kraken", "Kraken ledgers"],
  ["gemini", "Gemini transaction history"],
  ["robinhood", "Robinhood crypto activity"],
  ["koinly", "Koinly Universal CSV"],
  ["cointracker", "CoinTracker CSV"],
  ["ledger", "ledger CSV v1"],
] as const;
