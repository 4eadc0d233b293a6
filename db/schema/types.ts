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
