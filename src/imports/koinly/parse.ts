import { plain } from "../../utils/decimal.ts";
import { amountOf, digestIds, isUsd, signed, toolRowKind } from "../common.ts";
import { hasColumns, rowProblems, rowsOf } from "../table.ts";
import { parseTime } from "../time.ts";
import type { ImportFormat, ImportRecord } from "../types.ts";

/** Koinly Universal CSV columns, in Koinly's order (also what `ledger export --format koinly` writes). */
export const KOINLY_COLUMNS = [
  "Date",
  "Sent Amount",
  "Sent Currency",
  "Received Amount",
  "Received Currency",
  "Fee Amount",
  "Fee Currency",
  "Net Worth Amount",
  "Net Worth Currency",
  "Label",
  "Description",
  "TxHash",
] as const;

/** Koinly labels on incoming rows that make them income, and the subtype each becomes. */
const INCOME_LABELS: Record<string, string> = {
  reward: "reward",
  staking: "staking",
  airdrop: "airdrop",
  mining: "mining",
  income: "income",
  salary: "income",
  "lending interest": "interest",
  "loan interest": "interest",
  "other income": "income",
  fork: "fork",
};
/** Labels on outgoing rows that make them spends (not transfers to another wallet). */
const SPEND_LABELS = new Set(["cost", "gift", "donation", "lost", "stolen", "margin fee", "payment"]);

/**
 * Koinly Universal CSV: one row per transaction, dates in UTC (`2025-01-10 14:30 UTC`), a send
 * (Sent only), a receive (Received only) or a trade (both). The optional `Net Worth` is the
 * row's value; lotwise takes it as the FMV when its currency is USD.
 */
export const koinly: ImportFormat = {
  name: "koinly",
  label: "Koinly universal CSV",
  looksLike: "a Koinly universal CSV",
  family: "any",
  isHeader: (cells) =>
    hasColumns(cells, ["Date", "Sent Amount", "Sent Currency", "Received Amount", "Received Currency"]),
  parse: (table) => {
    const out: ImportRecord[] = [];
    const digest = digestIds();
    const problems = rowProblems(table.file);
    for (const r of rowsOf(table)) {
      try {
        const sCur = r.get("Sent Currency");
        const rCur = r.get("Received Currency");
        const sent = signed(r, "Sent Amount", sCur);
        const recv = signed(r, "Received Amount", rCur);
        if (sent && !sCur) r.fail("Sent Currency", "empty while Sent Amount is given");
        if (recv && !rCur) r.fail("Received Currency", "empty while Received Amount is given");
        const fCur = r.get("Fee Currency");
        const fee = signed(r, "Fee Amount", fCur);
        if (fee && !fee.isZero() && !fCur) r.fail("Fee Currency", "empty while Fee Amount is given");
        const worthCur = r.get("Net Worth Currency") || "USD";
        const worth = signed(r, "Net Worth Amount", worthCur);
        const worthUsd = worth && isUsd(worthCur) ? plain(worth.abs()) : undefined;
        const label = r.get("Label").toLowerCase();
        const o = amountOf(sCur, sent);
        const i = amountOf(rCur, recv);
        const f = amountOf(fCur, fee);
        const kind = toolRowKind(
          r,
          "Sent Amount",
          { o, i, f },
          { income: INCOME_LABELS[label] !== undefined, spend: SPEND_LABELS.has(label) },
        );
        const usdValue = kind === "buy" ? o!.quantity : kind === "sell" ? i!.quantity : worthUsd;
        out.push({
          line: r.line,
          id: digest(r.cells),
          time: parseTime(r.get("Date"), r.where("Date")),
          kind,
          out: o,
          in: i,
          fee: f,
          usdValue,
          feeUsd: f?.asset === "USD" ? f.quantity : undefined,
          txHash: r.get("TxHash") || undefined,
          subtype: INCOME_LABELS[label] ?? (label || undefined),
          note: r.get("Description") || undefined,
        });
      } catch (e) {
        problems.take(e);
      }
    }
    problems.throwIfAny();
    return out;
  },
};
