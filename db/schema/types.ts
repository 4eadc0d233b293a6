import { customType } from "drizzle-orm/pg-core";
import { packJson, unpackJson, unpackJsonHex } from "../packed-json.ts";

/**
 * An exact integer of up to 78 digits (uint256 and signed amounts in raw token units), stored as
 * `numeric(78,0)` and read back as `bigint`. Never a JavaScript number.
 */
export const bigintNumeric = customType<{ data: bigint; driverData: string }>({
  dataType: () => "numeric(78,0)",
  toDriver: (value) => value.toString(),
  fromDriver: (value) => BigInt(String(value)),
});

/**
 * An exact decimal (USD amounts, token quantities in whole units), stored as `numeric` without a
 * fixed scale and read back as the decimal string Postgres prints (no exponent, no float).
 */
export const decimalNumeric = customType<{ data: string; driverData: string }>({
  dataType: () => "numeric",
  toDriver: (value) => value,
  fromDriver: (value) => String(value),
});

/**
 * A PostgreSQL transaction id (`xid8`: 64 bits, never wraps), read and written as its decimal
 * text. Ordered: a row stamped with `pg_current_xact_id()` has an id at or above the `xmin` of
 * any snapshot that could not see it, which makes it an index-scannable "written since" mark.
 */
export const xid8 = customType<{ data: string; driverData: string }>({
  dataType: () => "xid8",
  toDriver: (value) => value,
  fromDriver: (value) => String(value),
});

/**
 * Bytes (`bytea`), read and written as a `Buffer`. Large values go in and out through COPY in
 * binary format on PGlite (src/books/ledger-snapshot.ts): its parameters and results carry bytea
 * as hex text, seconds for a few megabytes.
 */
export const bytes = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => "bytea",
});

/**
 * A PostgreSQL snapshot (`pg_snapshot`, text `xmin:xmax:xip,…`): which transactions' rows it saw
 * (`pg_visible_in_snapshot`). Read and written as its text.
 */
export const pgSnapshot = customType<{ data: string; driverData: string }>({
  dataType: () => "pg_snapshot",
  toDriver: (value) => value,
  fromDriver: (value) => String(value),
});

/**
 * A JSON value stored as its text (`text`, not `jsonb`): node answers are written once and read
 * back whole, so the database never parses them into jsonb's binary form (the bulk of a sync's
 * write cost on PGlite). Reads parse the text in JavaScript; writers that have the text already
 * (chains/store.ts) store it as it came. Rows written as jsonb before were converted to their
 * JSON text by the migration that made the column text (0007 for raw records and the RPC cache,
 * 0010 for imported exchange rows).
 */
export const jsonText = customType<{ data: unknown; driverData: string }>({
  dataType: () => "text",
  toDriver: (value) => JSON.stringify(value),
  fromDriver: (value) => (typeof value === "string" ? JSON.parse(value) : value),
});

/**
 * A JSON value stored as `bytea`: its JSON text in UTF-8, compressed when long
 * (db/packed-json.ts; the first byte tells which). Raw node answers since migration 0011, which
 * converted the text rows to their UTF-8 bytes. Bulk writers send the bytes by binary COPY
 * (chains/store.ts); raw SQL readers select `encode(col, 'hex')` and decode with `unpackJsonHex`.
 * A reference to a part of a blob (db/raw-blobs.ts, Solana transactions since migration 0017)
 * cannot be read here (it throws): select it with `packedJsonSql`, read it with `packedCellReader`.
 */
export const packedJson = customType<{ data: unknown; driverData: Buffer }>({
  dataType: () => "bytea",
  toDriver: (value) => packJson(value),
  fromDriver: (value: unknown) =>
    typeof value === "string" ? unpackJsonHex(value) : unpackJson(value as Uint8Array),
});
