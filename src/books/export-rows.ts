import type { DbOrTx } from "../../db/client.ts";
import type { LedgerRow } from "../ledger/types.ts";
import { startOfYearIn } from "../tax/dates.ts";
import { exportUsd } from "../utils/decimal.ts";
import { loadLedgerRows, withPairedTx } from "./store.ts";

/** A stored ledger row as `loadLedgerRows` gives it. */
type StoredRow = Awaited<ReturnType<typeof loadLedgerRows>>[number];

/**
 * The rows of a ledger export (`lotwise ledger export`, `GET /v1/ledger.csv`): every row of the
 * user, or those up to the end of tax year `year`, which ends at midnight in `timeZone` (default
 * UTC) as `gains --tz` dates rows; each imported transfer names the chain transactions it was
 * paired with (`withPairedTx`).
 */
export const loadExportRows = async (
  db: DbOrTx,
  userId: number,
  year?: number | undefined,
  timeZone?: string | undefined,
): Promise<StoredRow[]> =>
  withPairedTx(
    db,
    userId,
    await loadLedgerRows(
      db,
      userId,
      year === undefined ? undefined : new Date(startOfYearIn(year + 1, timeZone)),
    ),
  );

/**
 * A stored row as ledger CSV v1 exports it: USD values to 8 places, as gains on the stored ledger
 * rounds them (so gains on the export equals the stored ledger's), and the `x_` columns of its
 * price sources, warnings and origin.
 */
export const exportRow = ({ warnings, priceSources, origin, ...r }: StoredRow): LedgerRow => ({
  ...r,
  ...(r.usdValue !== undefined ? { usdValue: exportUsd(r.usdValue) } : {}),
  ...(r.feeUsd !== undefined ? { feeUsd: exportUsd(r.feeUsd) } : {}),
  extra: {
    x_price_source: priceSources.usd_value ?? "",
    x_fee_price_source: priceSources.fee_usd ?? "",
    x_warnings: warnings.join(";"),
    x_origin: origin,
  },
});
