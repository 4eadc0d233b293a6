import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { decimalNumeric, jsonText, pgSnapshot } from "./types.ts";

/**
 * The chain ledger rows of a position account (`positionAccount` in
 * src/classify/decoders/position.ts: `aave-v3:`, `lido:`, `uniswap-v2:`), as SQL over
 * `ledger_rows`: the predicate of `ledger_rows_position_idx`, and the condition of the ledger
 * build's query (the planner uses the index only for this very expression).
 */
export const POSITION_ROWS_SQL = `(origin = 'chain' and (wallet like 'aave-v3:%' or wallet like 'lido:%' or wallet like 'uniswap-v2:%' or to_wallet like 'aave-v3:%' or to_wallet like 'lido:%' or to_wallet like 'uniswap-v2:%'))`;

/** User-facing state: users, wallets, classifications, overrides, prices, ledger, 1099-DA, reports. */
export const app = pgSchema("lotwise_app");

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

export const users = app.table(
  "users",
  {
    id: serial("id").primaryKey(),
    /** Login / CLI name; the CLI's default user is `default`. */
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_name_uq").on(t.name)],
);

export const apiKeys = app.table(
  "api_keys",
  {
    id: serial("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    label: text("label").notNull().default(""),
    /** SHA-256 of the key, hex; the key itself is shown once and never stored. */
    keyHash: text("key_hash").notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("api_keys_hash_uq").on(t.keyHash)],
);

export const wallets = app.table(
  "wallets",
  {
    id: serial("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Chain id string: `ethereum`, `base`, `arbitrum`, `optimism`, `polygon`, `evm:<chainId>`, `solana`. */
    chain: text("chain").notNull(),
    /** Canonical address: EIP-55 checksummed for EVM, base58 for Solana. */
    address: text("address").notNull(),
    label: text("label").notNull().default(""),
    /** `own` (the user's wallet) or `exchange` (an exchange deposit address the user labelled). */
    kind: text("kind").notNull().default("own"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("wallets_user_chain_address_uq").on(t.userId, t.chain, t.address)],
);

/** The classification of one transaction for one user, recomputed after each sync. */
export const classifications = app.table(
  "classifications",
  {
    /** No foreign key, as in `ledger_rows`: a user's deletion is cascaded by `users_cascade_derived`. */
    userId: integer("user_id").notNull(),
    chain: text("chain").notNull(),
    txHash: text("tx_hash").notNull(),
    /** `self_transfer`, `swap`, `defi`, `income`, `sale`, `spend`, `fee`, `spam`, `unknown`, … */
    kind: text("kind").notNull(),
    /** Decoder or rule that produced it, e.g. `uniswap-v2:swap`, `override:42`. */
    source: text("source").notNull(),
    /** True when the user must look at it (also listed in `review_items`). */
    uncertain: boolean("uncertain").notNull().default(false),
    details: jsonb("details").notNull().default(sql`'{}'::jsonb`),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "classifications_pk", columns: [t.userId, t.chain, t.txHash] }),
    // Partial: the few classifications a build reads by kind, not every one of the user's.
    index("classifications_import_idx").on(t.userId).where(sql`${t.chain} like 'import:%'`),
    index("classifications_lp_idx")
      .on(t.userId)
      .where(sql`(${t.details} ? 'lpDecrease' or ${t.details} ? 'lpCollect')`),
  ],
);

/** User overrides: per transaction (`tx_hash` set) or a rule (`rule` set). They survive re-syncs. */
export const overrides = app.table(
  "overrides",
  {
    id: serial("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    chain: text("chain"),
    txHash: text("tx_hash"),
    /** Rule matcher, e.g. `{ "counterparty": "0x…", "asset": "…" }`; null for per-transaction overrides. */
    rule: jsonb("rule"),
    /** What to apply, e.g. `{ "kind": "income", "subtype": "airdrop" }`. */
    action: jsonb("action").notNull(),
    note: text("note").notNull().default(""),
    createdAt: createdAt(),
  },
  (t) => [index("overrides_user_tx_idx").on(t.userId, t.chain, t.txHash)],
);

export const reviewItems = app.table(
  "review_items",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    chain: text("chain").notNull(),
    txHash: text("tx_hash").notNull(),
    /** Machine code of the reason, e.g. `unmatched_transfer`, `missing_price`, `unknown_contract`. */
    reason: text("reason").notNull(),
    message: text("message").notNull(),
    /** `open` or `resolved`. */
    status: text("status").notNull().default("open"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ name: "review_items_pk", columns: [t.userId, t.chain, t.txHash, t.reason] })],
);

/** USD prices per asset and instant, with where each came from. */
export const prices = app.table(
  "prices",
  {
    /** Canonical ledger asset id (`ETH`, `USDC`, `evm:31337:0x…`). */
    asset: text("asset").notNull(),
    time: timestamp("time", { withTimezone: true }).notNull(),
    /** USD per one whole unit. */
    usd: decimalNumeric("usd").notNull(),
    /** `file:<name>`, `stablecoin`, `onchain:<pool>`, `defillama`, `coingecko`. */
    source: text("source").notNull(),
    fetchedAt: timestamp("fetched_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: "prices_pk", columns: [t.asset, t.time, t.source] })],
);

/** The reconciled ledger (ledger CSV v1 rows), per user, in file order `seq`. */
export const ledgerRows = app.table(
  "ledger_rows",
  {
    /**
     * No foreign key: a key checks the user row for every row a build writes (about half of a
     * bulk write). Deleting a user still deletes its rows: `users_cascade_derived` (migration 0009).
     */
    userId: integer("user_id").notNull(),
    id: text("id").notNull(),
    /** Order among rows with the same time (file order): transaction index × 1000 + row index. */
    seq: integer("seq").notNull(),
    /** `chain` for rows built from synced wallets (rebuilt freely); `import:<name>` for rows the user imported. */
    origin: text("origin").notNull().default("chain"),
    time: timestamp("time", { withTimezone: true }).notNull(),
    type: text("type").notNull(),
    wallet: text("wallet").notNull(),
    outAsset: text("out_asset"),
    outQuantity: decimalNumeric("out_quantity"),
    inAsset: text("in_asset"),
    inQuantity: decimalNumeric("in_quantity"),
    usdValue: decimalNumeric("usd_value"),
    feeAsset: text("fee_asset"),
    feeQuantity: decimalNumeric("fee_quantity"),
    feeUsd: decimalNumeric("fee_usd"),
    toWallet: text("to_wallet"),
    lots: text("lots"),
    subtype: text("subtype"),
    tx: text("tx"),
    note: text("note"),
    /** Where each USD figure came from: `{ "usd_value": "…", "fee_usd": "…" }`. */
    priceSources: jsonb("price_sources").notNull().default(sql`'{}'::jsonb`),
    warnings: jsonb("warnings").notNull().default(sql`'[]'::jsonb`),
  },
  (t) => [
    primaryKey({ name: "ledger_rows_pk", columns: [t.userId, t.id] }),
    index("ledger_rows_user_time_idx").on(t.userId, t.time, t.seq),
    // Partial (a build writes no entry for a chain row): the user's imported rows, and the chain
    // rows of position accounts (src/classify/decoders/position.ts POSITION_PROTOCOLS; a protocol
    // added there needs a migration that widens this predicate, or positionsBefore scans).
    index("ledger_rows_imported_idx").on(t.userId).where(sql`${t.origin} <> 'chain'`),
    index("ledger_rows_position_idx").on(t.userId, t.time).where(sql.raw(POSITION_ROWS_SQL)),
  ],
);

/**
 * Per user: how far the chain part of the ledger is built, and with which settings, so a rebuild
 * after a sync only redoes transactions from the earliest new one on.
 */
export const ledgerState = app.table("ledger_state", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** Hash of the classification settings, rules, wallets and asset mappings the ledger was built with. */
  inputsHash: text("inputs_hash").notNull(),
  builtAt: timestamp("built_at", { withTimezone: true }).notNull().defaultNow(),
  /**
   * Hash of the per-transaction decisions, links and imported halves: when it changed, a dirty
   * mark (below) says from when; without one the next build is a full one.
   */
  changesHash: text("changes_hash"),
  /** Earliest instant a change since the last build affects (prices, decisions, imports); null when none. */
  dirtyFrom: timestamp("dirty_from", { withTimezone: true }),
  /** When the latest dirty mark was made (a mark made during a build survives it). */
  dirtyAt: timestamp("dirty_at", { withTimezone: true }),
  /**
   * The snapshot the last build started from: the next one reads only the `transactions` and
   * `removed_transactions` rows it did not see (`inserted_xid` / `removed_xid` from its `xmin` on,
   * an index range, then `pg_visible_in_snapshot`). Null until a build records it (the next build
   * is then a full one).
   */
  seenSnapshot: pgSnapshot("seen_snapshot"),
});

/**
 * One imported broker file (a Form 1099-DA CSV or a broker's gain/loss report), tied to the
 * account wallet whose ledger rows it reports. Its rows are in `form1099da_rows`.
 */
export const form1099daImports = app.table(
  "form1099da_imports",
  {
    id: serial("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The file name as given on the command line (for `FILE:LINE` in reports). */
    file: text("file").notNull(),
    /** SHA-256 of the file's bytes, hex: the same file imported again stores nothing new. */
    sha256: text("sha256").notNull(),
    /** `1099da` (1099-DA CSV v1) or `coinbase-gainloss`. */
    format: text("format").notNull(),
    /** The ledger wallet of the account, e.g. `coinbase:main`. */
    accountWallet: text("account_wallet").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("form1099da_imports_user_idx").on(t.userId)],
);

/** Rows of an imported broker Form 1099-DA (one per reported transaction, or per tax lot of one). */
export const form1099daRows = app.table(
  "form1099da_rows",
  {
    id: serial("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    importId: integer("import_id")
      .notNull()
      .references(() => form1099daImports.id, { onDelete: "cascade" }),
    /** The ledger wallet whose disposals the row reports, e.g. `coinbase:main`. */
    accountWallet: text("account_wallet").notNull(),
    /** Filer's name. */
    broker: text("broker").notNull(),
    /** The broker's account number (not a wallet address). */
    brokerAccount: text("broker_account").notNull(),
    taxYear: integer("tax_year").notNull(),
    /** File the row came from, as given on the command line. */
    sourceFile: text("source_file").notNull(),
    /** Physical line in that file (1-based, the header counts), for `FILE:LINE` in reports. */
    sourceLine: integer("source_line").notNull(),
    /** Broker's transaction id (not on the form itself; brokers' supplements carry it). */
    transactionId: text("transaction_id"),
    /**
     * What identifies the reported transaction for corrections: `tx:<transaction id>`, else
     * `<asset>|<date sold>|<units>`. A later import with the same broker, account and key replaces it.
     */
    transactionKey: text("transaction_key").notNull(),
    /** Hash of the row's reported values: an unchanged row is not replaced. */
    fingerprint: text("fingerprint").notNull(),
    /** Applicable checkbox on Form 8949: `G`, `H`, `J`, `K`, `Y` (`X` is stored as `Y`), or null. */
    checkbox: text("checkbox"),
    /** Box 1a: DTI or `999999999`. */
    assetCode: text("asset_code"),
    /** Box 1b as written on the form. */
    assetName: text("asset_name").notNull(),
    /** Canonical ledger asset id box 1b maps to (`ETH`, `USDC`, `base:0x…`). */
    asset: text("asset").notNull(),
    /** Box 1c, whole units. */
    units: decimalNumeric("units").notNull(),
    /** Box 1d: `YYYY-MM-DD`, `VARIOUS`, or null. */
    dateAcquired: text("date_acquired"),
    /** Box 1e: `YYYY-MM-DD`. */
    dateSold: text("date_sold").notNull(),
    /** Box 1f, USD, net of transaction costs. */
    proceeds: decimalNumeric("proceeds").notNull(),
    /** Box 1g, USD; null when not reported (0 is a reported basis of zero). */
    costBasis: decimalNumeric("cost_basis"),
    /** Box 1h, USD. */
    accruedMarketDiscount: decimalNumeric("accrued_market_discount"),
    /** Box 1i, USD. */
    washSaleDisallowed: decimalNumeric("wash_sale_disallowed"),
    /** Box 2: basis reported to the IRS. */
    basisReported: boolean("basis_reported"),
    /** Box 4, USD. */
    federalWithheld: decimalNumeric("federal_withheld"),
    /** Box 6: `short`, `long`, `ordinary` or null when the broker does not say. */
    term: text("term"),
    /** Box 9: noncovered security. */
    noncovered: boolean("noncovered"),
    /** Box 12a, units transferred in. */
    transferredInUnits: decimalNumeric("transferred_in_units"),
    /** Box 12b, `YYYY-MM-DD`. */
    transferredInDate: text("transferred_in_date"),
    /** The row's cells as read, by column name. */
    raw: jsonb("raw").notNull(),
  },
  (t) => [
    index("form1099da_rows_user_year_idx").on(t.userId, t.taxYear),
    index("form1099da_rows_key_idx").on(t.userId, t.broker, t.brokerAccount, t.transactionKey),
    index("form1099da_rows_import_idx").on(t.importId),
  ],
);

export const reconciliationResults = app.table(
  "reconciliation_results",
  {
    id: serial("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    formRowId: integer("form_row_id").references(() => form1099daRows.id, { onDelete: "cascade" }),
    /** Ledger disposal ids matched to the form row. */
    disposalIds: jsonb("disposal_ids").notNull().default(sql`'[]'::jsonb`),
    /** `matched`, `differs`, `missing_on_chain`, `missing_on_form`. */
    status: text("status").notNull(),
    box: text("box"),
    adjustmentCode: text("adjustment_code"),
    adjustmentAmount: decimalNumeric("adjustment_amount"),
    explanation: text("explanation").notNull().default(""),
    createdAt: createdAt(),
  },
  (t) => [index("reconciliation_results_user_idx").on(t.userId)],
);

/** Generated reports (gains runs, harvest scans), kept so the API and dashboard can list them. */
export const reports = app.table(
  "reports",
  {
    id: serial("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** `gains`, `harvest`, `reconcile`. */
    kind: text("kind").notNull(),
    taxYear: integer("tax_year"),
    params: jsonb("params").notNull().default(sql`'{}'::jsonb`),
    result: jsonb("result").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("reports_user_kind_idx").on(t.userId, t.kind)],
);

/**
 * An exchange or tool account the user imported history into (`lotwise import --account`). Its
 * name is the ledger wallet of its rows (`coinbase:main`); `family` is the exchange whose exports
 * it holds (`coinbase`, `kraken`, …) or `any` for tool formats: a file of another exchange is refused.
 */
export const importAccounts = app.table(
  "import_accounts",
  {
    id: serial("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    family: text("family").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("import_accounts_user_name_uq").on(t.userId, t.name)],
);

/**
 * One row of an imported exchange or tool export (`src/imports/types.ts` `ImportRecord`), keyed by
 * the exchange's own id within the account: importing the same or an overlapping export again
 * stores nothing twice, an edited row replaces the stored one.
 */
export const importRecords = app.table(
  "import_records",
  {
    id: serial("id").primaryKey(),
    /**
     * No foreign key, as in `ledger_rows`: a key checks the user row for every imported row (about
     * a third of storing a 100,000-row export on PGlite). A user's deletion still deletes them:
     * `users_cascade_derived` (migration 0014).
     */
    userId: integer("user_id").notNull(),
    /** The account (ledger wallet), e.g. `coinbase:main`. */
    account: text("account").notNull(),
    /** The exchange's id for the row, or `row:<digest>` for formats without ids. */
    externalId: text("external_id").notNull(),
    /** `coinbase`, `kraken`, … (the parser that read it). */
    format: text("format").notNull(),
    /** File name as given on the command line, and the row's physical line in it. */
    file: text("file").notNull(),
    line: integer("line").notNull(),
    time: timestamp("time", { withTimezone: true }).notNull(),
    /** `buy`, `sell`, `trade`, `income`, `spend`, `fee`, `withdrawal`, `deposit`, `fiat_deposit`, `fiat_withdrawal`, `review` (kept for review, no ledger row). */
    kind: text("kind").notNull(),
    /** SHA-256 of the row's values (not its line): an unchanged row is not rewritten. */
    fingerprint: text("fingerprint").notNull(),
    /** The record: amounts, USD values, transaction hash, address, subtype, note. */
    /** The record less its line, id, time and kind, as JSON text (read back whole; never queried inside). */
    data: jsonText("data").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    // The only index: every read of import records is by user and account (a build reads all of
    // a user's and sorts them itself). A (user, time) index, read by no query, went in 0013.
    uniqueIndex("import_records_user_account_ext_uq").on(t.userId, t.account, t.externalId),
  ],
);
