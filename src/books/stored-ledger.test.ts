/**
 * The stored ledger as CSV bytes (`readStoredLedgerCsv`, what `lotwise gains` reads without
 * `--ledger`) against the row objects of `readStoredLedger` (what the other commands read), on
 * both databases: read back by the ledger reader, every cell the engine uses is the same (USD
 * values rounded to 8 places as exports round them, quoted and tricky cells, nulls and times
 * with milliseconds), in ledger order, with the same notes.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase, DATABASE_KINDS } from "../../test/services.ts";
import { streamLedgerBytes } from "../ledger/read.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { insertLedgerRows, type StoredRowInput } from "./store.ts";
import { readStoredLedger, readStoredLedgerCsv } from "./stored-ledger.ts";

/** USD values around the 8th place (half-up), with trailing zeros, whole and zero. */
const USD = ["1234.5", "0.123456785", "0.123456784999", "100.00000000", "7", "0", "0.000000005", "2.10"];

const rowsOf = (userId: number): StoredRowInput[] =>
  Array.from({ length: 40 }, (_, i) => {
    const group = Math.floor(i / 2);
    const ms = group === 3 ? 125 : 0;
    const time = new Date(Date.UTC(2025, 0, 1 + group) + ms).toISOString().replace(".000Z", "Z");
    const odd = i % 2 === 1;
    return {
      userId,
      seq: i % 2,
      origin: i % 3 === 0 ? "import:x" : "chain",
      priceSources: (i % 4 === 0 ? { usd_value: "file" } : {}) as Record<string, string>,
      warnings: i % 7 === 0 ? ["missing_price:FOO", "other"] : [],
      row: {
        id: `r${String(i).padStart(2, "0")}`,
        time,
        type: odd ? "sell" : "buy",
        wallet: i === 5 ? 'a "wallet", with a comma' : `evm:1:0x${i % 3}`,
        ...(odd
          ? { outAsset: "ETH", outQuantity: "0.000000000000000001" }
          : { inAsset: "ETH", inQuantity: "12345678901234567890.5" }),
        usdValue: USD[i % USD.length],
        ...(i % 5 === 0
          ? {
              feeAsset: "ETH",
              feeQuantity: "0.01",
              feeUsd: USD[(i + 3) % USD.length],
              lots: odd ? "r00:0.5;r02:0.25" : undefined,
              subtype: "staking",
              tx: `0x${i}`,
              note: "a note\nover two lines, with a comma",
            }
          : {}),
      },
    };
  });

/** The cells the tax engine reads. */
const engineCells = (r: LedgerRow) => [
  r.id,
  r.time,
  r.type,
  r.wallet,
  r.outAsset,
  r.outQuantity,
  r.inAsset,
  r.inQuantity,
  r.usdValue,
  r.feeAsset,
  r.feeQuantity,
  r.feeUsd,
  r.toWallet,
  r.lots,
  r.subtype,
];

describe.each(DATABASE_KINDS)("readStoredLedgerCsv on %s", (kind) => {
  let database: Database;
  let user: number;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    user = await ensureUser(database.db, "csv");
    const other = await ensureUser(database.db, "other");
    await insertLedgerRows(database.db, rowsOf(user));
    await insertLedgerRows(database.db, rowsOf(other).slice(0, 5));
  }, 60_000);
  afterAll(async () => {
    await database?.close();
  });

  test("the same engine cells and notes as readStoredLedger, in ledger order", async () => {
    const objects = await readStoredLedger(database.db, user);
    const { csv, notes } = await readStoredLedgerCsv(database.db, user);
    const read: LedgerRow[] = [];
    await streamLedgerBytes(csv, (row) => read.push({ ...row }), { source: "stored ledger" });
    expect(read.map(engineCells)).toEqual(objects.rows.map(engineCells));
    expect(read).toHaveLength(40);
    expect(notes).toEqual(objects.notes);
    expect(notes.missingPrices.map((m) => m.id)).toEqual(["r00", "r07", "r14", "r21", "r28", "r35"]);
    // Rounded as exports round: half-up at the 8th place, no trailing zeros.
    expect(read.slice(0, 8).map((r) => r.usdValue)).toEqual([
      "1234.5",
      "0.12345679",
      "0.12345678",
      "100",
      "7",
      "0",
      "0.00000001",
      "2.1",
    ]);
  });

  test("an empty stored ledger is a header only", async () => {
    const empty = await ensureUser(database.db, "empty");
    const { csv } = await readStoredLedgerCsv(database.db, empty);
    const read: LedgerRow[] = [];
    await streamLedgerBytes(csv, (row) => read.push(row), { source: "stored ledger" });
    expect(read).toEqual([]);
  });
});
