import { amountOf, digestIds, signed, toolRowKind } from "../common.ts";
import { hasColumns, rowProblems, rowsOf } from "../table.ts";
import { parseTime } from "../time.ts";
import type { ImportFormat, ImportRecord } from "../types.ts";

/** CoinTracker CSV columns (all required, no others, any order); the order `ledger export --format cointracker` writes. */
export const COINTRACKER_COLUMNS = [
  "Date",
  "Received Quantity",
  "Received Currency",
  "Sent Quantity",
  "Sent Currency",
  "Fee Amount",
  "Fee Currency",
  "Tag",
] as const;

const INCOME_TAGS: Record<string, string> = {
  staking: "staking",
  stake: "staking",
  airdrop: "airdrop",
  fork: "fork",
  mined: "mining",
  interest: "interest",
  payment: "income",
  income: "income",
};
const SPEND_TAGS = new Set(["gift", "lost", "donation", "payment", "margin fee"]);

/**
 * CoinTracker CSV: dates `MM/DD/YYYY HH:MM:SS` in UTC (time optional), exactly the eight columns
 * above. It carries no values: every row is priced by lotwise's price sources.
 */
export const cointracker: ImportFormat = {
  name: "cointracker",
  label: "CoinTracker CSV",
  looksLike: "a CoinTracker CSV",
  family: "any",
  isHeader: (cells) => cells.length === COINTRACKER_COLUMNS.length && hasColumns(cells, COINTRACKER_COLUMNS),
  nearMiss: (cells) => {
    if (!hasColumns(cells, COINTRACKER_COLUMNS)) return undefined;
    const known = new Set(COINTRACKER_COLUMNS.map((c) => c.toLowerCase()));
    const extra = cells.filter((c) => !known.has(c.trim().toLowerCase()));
    const shown = extra.map((c) => (c === "" ? "(an empty header cell)" : `'${c}'`)).join(", ");
    return `this looks like a CoinTracker CSV with other columns too (${shown || "a column twice"}): CoinTracker CSV has exactly its eight columns (${COINTRACKER_COLUMNS.join(", ")}); remove the others`;
  },
  parse: (table) => {
    const out: ImportRecord[] = [];
    const digest = digestIds();
    const problems = rowProblems(table.file);
    for (const r of rowsOf(table)) {
      try {
        const sCur = r.get("Sent Currency");
        const rCur = r.get("Received Currency");
        const fCur = r.get("Fee Currency");
        const o = amountOf(sCur, signed(r, "Sent Quantity", sCur));
        const i = amountOf(rCur, signed(r, "Received Quantity", rCur));
        const f = amountOf(fCur, signed(r, "Fee Amount", fCur));
        if (r.get("Sent Quantity") && !sCur) r.fail("Sent Currency", "empty while Sent Quantity is given");
        if (r.get("Received Quantity") && !rCur)
          r.fail("Received Currency", "empty while Received Quantity is given");
        const tag = r.get("Tag").toLowerCase();
        const kind = toolRowKind(
          r,
          "Sent Quantity",
          { o, i, f },
          { income: INCOME_TAGS[tag] !== undefined, spend: SPEND_TAGS.has(tag) },
        );
        out.push({
          line: r.line,
          id: digest(r.cells),
          time: parseTime(r.get("Date"), r.where("Date")),
          kind,
          out: o,
          in: i,
          fee: f,
          usdValue: kind === "buy" ? o!.quantity : kind === "sell" ? i!.quantity : undefined,
          feeUsd: f?.asset === "USD" ? f.quantity : undefined,
          // `payment` is income when received, a spend when sent: the income subtype only on income.
          subtype: (kind === "income" ? INCOME_TAGS[tag] : undefined) ?? (tag || undefined),
        });
      } catch (e) {
        problems.take(e);
      }
    }
    problems.throwIfAny();
    return out;
  },
};
