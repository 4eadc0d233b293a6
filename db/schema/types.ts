import { customType } from "drizzle-orm/pg-core";

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
 * A PostgreSQL snapshot (`pg_snapshot`, text `xmin:xmax:xip,…`): which transactions' rows it saw
 * (`pg_visible_in_snapshot`). Read and written as its text.
 */
export const pgSnapshot = customType<{ data: string; driverData: string }>({
  dataType: () => "pg_snapshot",
  toDriver: (value) => value,
  fromDriver: (value) => String(value),
});
