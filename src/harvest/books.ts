/**
 * Runs the tax engine on a ledger as of an instant, optionally with extra rows appended (a plan's
 * or a what-if's sales): the same engine, the same rules as `lotwise gains` on that ledger.
 */
import type { LedgerRow } from "../ledger/types.ts";
import { computeGainsStream, type GainsReport, type LedgerFeed } from "../tax/gains.ts";
import type { Form8949Row, GainsOptions } from "../tax/types.ts";

export type BooksRun = {
  report: GainsReport;
  /** Form 8949 rows of the extra rows' disposals (and their `:fee` disposals), in order. */
  extraRows: Form8949Row[];
};

/**
 * The books as of `options.until`, with `extra` appended after the ledger's rows (each at its own
 * time; rows after `until` are validated and left out).
 * @throws UserInputError as `computeGainsStream`.
 */
export const runBooks = async (
  feed: LedgerFeed,
  options: GainsOptions,
  extra: readonly LedgerRow[] = [],
): Promise<BooksRun> => {
  const ids = new Set(extra.map((r) => r.id));
  const extraRows: Form8949Row[] = [];
  const isExtra = (id: string) => ids.has(id) || (id.endsWith(":fee") && ids.has(id.slice(0, -4)));
  const withExtra: LedgerFeed =
    extra.length === 0
      ? feed
      : async (h) => {
          await feed(h);
          for (const r of extra) h.row({ ...r });
        };
  const report = await computeGainsStream(withExtra, options, {
    form8949: (_year, row) => {
      if (ids.size > 0 && isExtra(row.disposalId)) extraRows.push(row);
    },
    gift: () => {},
    reset: () => {
      extraRows.length = 0;
    },
  });
  return { report, extraRows };
};
