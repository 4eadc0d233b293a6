import { createHash } from "node:crypto";
import path from "node:path";
import type { DbOrTx } from "../../db/client.ts";
import { selectPacked } from "../../db/copy.ts";
import type { UnitPrice } from "../books/rows.ts";
import type {
  Entry,
  Leg,
  ReviewDraft,
  TxClassification,
  UnmatchedHalf,
  WalletInfo,
} from "../classify/types.ts";
import { Decimal } from "../utils/decimal.ts";
import type { Amount, ImportKind, ImportRecord } from "./types.ts";

/** What the ledger build takes from imported exchange rows. */
export type ImportedBooks = {
  /** Deposits and withdrawals: halves for the matcher (`src/classify/match.ts`). */
  halves: UnmatchedHalf[];
  /** Trades, income, spends and fees: one classification each, keyed `import:<account>:<id>`. */
  classifications: TxClassification[];
  /** USD values the files give, per leg: the FMV source (`file:<file name>`) before any price provider. */
  fileValues: Map<Leg, UnitPrice>;
  /** Digest of every row (changes force a rebuild when no dirty mark describes them). */
  fingerprint: string;
};

type StoredData = Omit<ImportRecord, "line" | "id" | "time" | "kind">;

const legOf = (a: Amount): Leg => ({
  asset: a.asset,
  chainAsset: "import:native",
  chain: "import",
  quantity: new Decimal(a.quantity),
  symbol: a.asset,
});

/**
 * A file's USD value for a leg: `total` as the file gives it; the unit price (`usd`) is made on
 * first read only, since ledger rows take `total` as is (an exact division per row otherwise).
 */
class FileValue implements UnitPrice {
  readonly total: Decimal;
  readonly source: string;
  readonly rank = -1;
  readonly #quantity: Decimal;
  #usd: Decimal | undefined;
  constructor(total: Decimal, quantity: Decimal, source: string) {
    this.total = total;
    this.#quantity = quantity;
    this.source = source;
  }
  get usd(): Decimal {
    this.#usd ??= this.total.div(this.#quantity);
    return this.#usd;
  }
}

/**
 * Tool labels (Koinly, CoinTracker) on a sent row whose lots leave with nothing realized: a gift
 * or donation is given away; a loss or theft is written off the same way (Koinly: "Gift / Lost /
 * Donation (no gain)"), not sold at its value, since nothing was received for it.
 */
const REMOVED_UNREALIZED = new Set(["gift", "donation", "lost", "stolen"]);

/** The row's note, with why a lost or stolen row realizes nothing. */
const lossNote = (subtype: string, note: string | undefined): string | undefined => {
  if (subtype !== "lost" && subtype !== "stolen") return note;
  const why = `${subtype}: the lots leave and nothing is realized (no proceeds); a personal casualty or theft loss is not deductible for 2018-2025`;
  return note ? `${note}; ${why}` : why;
};

/** An exchange account as the matcher sees it: an "own" holder of lots named by its ledger wallet. */
const accountWallet = (account: string): WalletInfo => ({
  id: -1,
  chain: "import",
  address: account,
  key: account,
  kind: "own",
  label: account,
});

/**
 * Loads every imported exchange row of the user and turns it into what the ledger build needs
 * (fiat deposits and withdrawals have no ledger effect and are left out):
 * - `withdrawal` / `deposit` → a half for the matcher, with the export's transaction hash and
 *   address as evidence; paired, the chain side's transfer carries the lots; unpaired, a review item;
 * - `review` → no entry, only its review item (a margin profit or loss the exchange reports);
 * - every other kind → an entry in the account: a buy (USD out), sell (USD in), trade, income,
 *   spend or fee, valued from the file where it gives USD values; a spend labelled `gift`,
 *   `donation`, `lost` or `stolen` (Koinly, CoinTracker) is a gift row: the lots leave and
 *   nothing is realized.
 * A row's review item is left out once the user decided the row with `--as ignore` (`decided`:
 * the per-transaction decisions, keyed `<chain>:<tx>`); another decision leaves it open and says so.
 */
export const loadImportedBooks = async (
  db: DbOrTx,
  userId: number,
  decided?: ReadonlyMap<string, { action: { as: string } }>,
): Promise<ImportedBooks> => {
  // Text cells packed by the server (db/copy.ts `selectPacked`): a handful of values instead of a
  // row each (on PGlite, COPY out hands every one of 100,000 rows to JavaScript on its own).
  const cells = await selectPacked(
    db,
    [
      "account",
      "external_id",
      "file",
      "floor(extract(epoch from time) * 1000)::int8",
      "kind",
      "fingerprint",
      "data",
    ],
    `from lotwise_app.import_records
      where user_id = ${Number(userId)} and kind not in ('fiat_deposit', 'fiat_withdrawal')`,
    // Packs cut by the serial key: no window numbering every row first.
    "id",
  );
  // Time order (ms), then account and id: row numbers sorted, each row's time read once.
  const times = new Float64Array(cells.length);
  for (let k = 0; k < cells.length; k++) times[k] = Number(cells[k]![3]);
  const order = (x: string, y: string) => (x === y ? 0 : x.localeCompare(y));
  const sorted = Array.from(cells.keys()).sort(
    (a, b) =>
      times[a]! - times[b]! || order(cells[a]![0]!, cells[b]![0]!) || order(cells[a]![1]!, cells[b]![1]!),
  );
  const halves: UnmatchedHalf[] = [];
  const classifications: TxClassification[] = [];
  const fileValues = new Map<Leg, UnitPrice>();
  const digest = createHash("sha256");
  // The digest's input in pieces of many rows (the same bytes as one update per row, fewer calls).
  let pending: string[] = [];
  // Per account and per file: the chain name and the FMV source (rows share a handful).
  const chains = new Map<string, string>();
  const sources = new Map<string, string>();
  const ONE = new Decimal(1);
  const fileValue = (leg: Leg, usd: string | undefined, source: string) => {
    if (leg.asset === "USD") fileValues.set(leg, { usd: ONE, total: leg.quantity, source, rank: -1 });
    else if (usd !== undefined) fileValues.set(leg, new FileValue(new Decimal(usd), leg.quantity, source));
  };
  for (const k of sorted) {
    const c = cells[k]!;
    const account = c[0]!;
    const externalId = c[1]!;
    const file = c[2]!;
    const time = new Date(times[k]!);
    pending.push(account, "\u0000", externalId, "\u0000", c[5]!, "\n");
    if (pending.length >= 6000) {
      digest.update(pending.join(""));
      pending = [];
    }
    const d = JSON.parse(c[6]!) as StoredData;
    const kind = c[4] as ImportKind;
    let chain = chains.get(account);
    if (chain === undefined) {
      chain = `import:${account}`;
      chains.set(account, chain);
    }
    let source = sources.get(file);
    if (source === undefined) {
      source = `file:${path.basename(file)}`;
      sources.set(file, source);
    }
    const reviews: ReviewDraft[] = [];
    if (d.review) {
      const decision = decided?.get(`${chain}:${externalId}`)?.action.as;
      if (decision !== "ignore")
        reviews.push({
          reason: d.review.reason,
          message:
            decision === undefined
              ? d.review.message
              : `${d.review.message}\n(your decision --as ${decision} does not apply to this row: close the item with --as ignore)`,
        });
    }
    if (kind === "review") {
      classifications.push({
        chain,
        txHash: externalId,
        time,
        blockNumber: 0n,
        kind: "review",
        source: "import",
        entries: [],
        reviews,
        unmatched: [],
      });
      continue;
    }
    if (kind === "withdrawal" || kind === "deposit") {
      const a = (kind === "withdrawal" ? d.out : d.in)!;
      halves.push({
        direction: kind === "withdrawal" ? "out" : "in",
        imported: true,
        evidence: {
          ...(d.txHash ? { txHashes: [d.txHash] } : {}),
          ...(d.address ? { addresses: [d.address] } : {}),
        },
        wallet: accountWallet(account),
        leg: legOf(a),
        counterparty: d.address ?? null,
        chain,
        txHash: externalId,
        time,
      });
      continue;
    }
    const outs = d.out ? [legOf(d.out)] : [];
    const ins = d.in ? [legOf(d.in)] : [];
    const fee = d.fee ? legOf(d.fee) : undefined;
    for (const leg of outs) fileValue(leg, d.usdValue, source);
    for (const leg of ins) fileValue(leg, d.usdValue, source);
    if (fee) fileValue(fee, d.feeUsd, source);
    const entry: Entry =
      kind === "fee"
        ? { kind: "fee", wallet: account, outs: [], ins: [], fee, subtype: d.subtype, note: d.note }
        : kind === "spend" && d.subtype !== undefined && REMOVED_UNREALIZED.has(d.subtype)
          ? // A tool's gift, donation, lost or stolen label: gone, nothing realized (as the tools read it).
            {
              kind: "gift",
              wallet: account,
              outs,
              ins: [],
              ...(fee ? { fee } : {}),
              subtype: d.subtype,
              note: lossNote(d.subtype, d.note),
            }
          : {
              kind: "trade",
              wallet: account,
              outs,
              ins,
              ...(fee ? { fee } : {}),
              ...(kind === "sell" ? { sell: true } : {}),
              subtype: d.subtype ?? (kind === "income" ? "income" : undefined),
              note: d.note,
            };
    classifications.push({
      chain,
      txHash: externalId,
      time,
      blockNumber: 0n,
      kind,
      source: "import",
      entries: [entry],
      reviews,
      unmatched: [],
    });
  }
  digest.update(pending.join(""));
  return { halves, classifications, fileValues, fingerprint: digest.digest("hex") };
};
