import { coinbase } from "./coinbase/parse.ts";
import { coinbaseRaw } from "./coinbase/raw.ts";
import { cointracker } from "./cointracker/parse.ts";
import { gemini } from "./gemini/parse.ts";
import { koinly } from "./koinly/parse.ts";
import { kraken } from "./kraken/parse.ts";
import { robinhood } from "./robinhood/parse.ts";
import type { ImportFormat } from "./types.ts";

/**
 * Every import format, in detection order (`--format auto` takes the first whose header matches).
 * `ledger` (ledger CSV v1) is handled by `src/books/imports.ts` and listed here by name only.
 */
export const IMPORT_FORMATS: readonly ImportFormat[] = [
  coinbase,
  coinbaseRaw,
  kraken,
  gemini,
  robinhood,
  koinly,
  cointracker,
];

/** `--format` values: the formats above, `ledger` and `auto`. */
export const FORMAT_NAMES = [...IMPORT_FORMATS.map((f) => f.name), "ledger"] as const;

export const formatByName = (name: string): ImportFormat | undefined =>
  IMPORT_FORMATS.find((f) => f.name === name.toLowerCase());

/** What `--format NAME` reads: that format and its variants (`coinbase` → both Coinbase reports). */
export const formatsNamed = (name: string): ImportFormat[] =>
  IMPORT_FORMATS.filter((f) => f.name === name.toLowerCase() || f.variantOf === name.toLowerCase());
