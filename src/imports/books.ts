import { createHash } from "node:crypto";
import path from "node:path";
import { and, eq, notInArray } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { importRecords } from "../../db/schema/index.ts";
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
 *   spend or fee, valued from the file where it gives USD values.
 * A row's review item is left out once the user decided the row with `--as ignore` (`decided`:
 * the per-transaction decisions, keyed `<chain>:<tx>`); another decision leaves it open and says so.
 */
export const loadImportedBooks = async (
  db: DbOrTx,
  userId: number,
  decided?: ReadonlyMap<string, { action: { as: string } }>,
): Promise<ImportedBooks> => {
  const rows = await db
    .select({
      account: importRecords.account,
      externalId: importRecords.externalId,
      file: importRecords.file,
      time: importRecords.time,
      kind: importRecords.kind,
      fingerprint: importRecords.fingerprint,
      data: importRecords.data,
    })
    .from(importRecords)
    .where(
      and(
        eq(importRecords.userId, userId),
        notInArray(importRecords.kind, ["fiat_deposit", "fiat_withdrawal"]),
      ),
    );
  rows.sort(
    (a, b) =>
      a.time.getTime() - b.time.getTime() ||
      a.account.localeCompare(b.account) ||
      a.externalId.localeCompare(b.externalId),
  );
  const halves: UnmatchedHalf[] = [];
  const classifications: TxClassification[] = [];
  const fileValues = new Map<Leg, UnitPrice>();
  const digest = createHash("sha256");
  for (const r of rows) {
    digest.update(`${r.account}\u0000${r.externalId}\u0000${r.fingerprint}\n`);
    const d = r.data as StoredData;
    const kind = r.kind as ImportKind;
    const chain = `import:${r.account}`;
    const source = `file:${path.basename(r.file)}`;
    const fileValue = (leg: Leg, usd: string | undefined) => {
      if (leg.asset === "USD")
        fileValues.set(leg, { usd: new Decimal(1), total: leg.quantity, source, rank: -1 });
      else if (usd !== undefined)
        fileValues.set(leg, {
          usd: new Decimal(usd).div(leg.quantity),
          total: new Decimal(usd),
          source,
          rank: -1,
        });
    };
    const reviews: ReviewDraft[] = [];
    if (d.review) {
      const decision = decided?.get(`${chain}:${r.externalId}`)?.action.as;
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
        txHash: r.externalId,
        time: r.time,
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
        wallet: accountWallet(r.account),
        leg: legOf(a),
        counterparty: d.address ?? null,
        chain,
        txHash: r.externalId,
        time: r.time,
      });
      continue;
    }
    const outs = d.out ? [legOf(d.out)] : [];
    const ins = d.in ? [legOf(d.in)] : [];
    const fee = d.fee ? legOf(d.fee) : undefined;
    for (const leg of [...outs, ...ins]) fileValue(leg, d.usdValue);
    if (fee) fileValue(fee, d.feeUsd);
    const entry: Entry =
      kind === "fee"
        ? { kind: "fee", wallet: r.account, outs: [], ins: [], fee, subtype: d.subtype, note: d.note }
        : {
            kind: "trade",
            wallet: r.account,
            outs,
            ins,
            ...(fee ? { fee } : {}),
            ...(kind === "sell" ? { sell: true } : {}),
            subtype: d.subtype ?? (kind === "income" ? "income" : undefined),
            note: d.note,
          };
    classifications.push({
      chain,
      txHash: r.externalId,
      time: r.time,
      blockNumber: 0n,
      kind,
      source: "import",
      entries: [entry],
      reviews,
      unmatched: [],
    });
  }
  return { halves, classifications, fileValues, fingerprint: digest.digest("hex") };
};
