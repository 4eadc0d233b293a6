import { plain } from "../../utils/decimal.ts";
import { absPlain, addressIn, amountOf, digestIds, required, signed } from "../common.ts";
import { hasColumns, rowProblems, rowsOf } from "../table.ts";
import { parseTime } from "../time.ts";
import type { ImportFormat, ImportRecord } from "../types.ts";

/**
 * Robinhood account activity CSV (Account → Reports and statements → Reports):
 * `Activity Date,Process Date,Settle Date,Instrument,Description,Trans Code,Quantity,Price,Amount`.
 * Dates are `MM/DD/YYYY` without a time: a row is placed at 12:00 America/New_York of its
 * activity date (Robinhood's own zone). `Amount` is the cash side, negative in parentheses
 * (`($400.00)`); `Price` is per unit. Trans codes read here: `Buy`, `Sell`, `SEND` and `RECV`
 * (crypto sent to / received from an address, named in the description), `ACH` (cash),
 * `CINT`/`REWARD` (income). Rows with no quantity and another code (stock-only codes) are errors.
 * The export ends with a disclaimer row (`The data provided is for informational purposes only…`
 * in one cell, the others empty): that last row is skipped, the same text anywhere else is an error.
 */
/** Robinhood's closing notice: one non-empty cell, starting with this text. */
const isDisclaimer = (cells: readonly string[]): boolean => {
  const filled = cells.map((c) => c.trim()).filter((c) => c !== "");
  return filled.length === 1 && filled[0]!.startsWith("The data provided is for informational purposes only");
};

export const robinhood: ImportFormat = {
  name: "robinhood",
  label: "Robinhood crypto activity CSV",
  looksLike: "a Robinhood account activity export",
  family: "robinhood",
  isHeader: (cells) =>
    hasColumns(cells, [
      "Activity Date",
      "Instrument",
      "Description",
      "Trans Code",
      "Quantity",
      "Price",
      "Amount",
    ]),
  parse: (table) => {
    const out: ImportRecord[] = [];
    const digest = digestIds();
    // The disclaimer after the rows goes before rows are read (it may sit past the last column).
    const last = table.rows[table.rows.length - 1];
    const rows = rowsOf(
      last && isDisclaimer(last.cells) ? { ...table, rows: table.rows.slice(0, -1) } : table,
    );
    const problems = rowProblems(table.file);
    for (const r of rows) {
      try {
        const date = r.get("Activity Date");
        const time = parseTime(`${date} 12:00`, r.where("Activity Date"), "America/New_York");
        const code = r.get("Trans Code").toUpperCase();
        const asset = r.get("Instrument");
        const id = digest(r.cells);
        const base = { line: r.line, id, time, note: r.get("Description") || undefined };
        if (code === "ACH") {
          const amt = required(r, "Amount", "USD");
          out.push({
            ...base,
            kind: amt.gt(0) ? "fiat_deposit" : "fiat_withdrawal",
            [amt.gt(0) ? "in" : "out"]: amountOf("USD", amt),
          });
          continue;
        }
        if (!asset) r.fail("Instrument", "empty");
        const qty = required(r, "Quantity");
        switch (code) {
          case "BUY":
          case "SELL": {
            const cash = absPlain(signed(r, "Amount", "USD"));
            if (!cash) r.fail("Amount", `empty (a ${code.toLowerCase()} needs its USD amount)`);
            const usd = { asset: "USD", quantity: cash! };
            out.push({
              ...base,
              kind: code === "BUY" ? "buy" : "sell",
              out: code === "BUY" ? usd : amountOf(asset, qty),
              in: code === "BUY" ? amountOf(asset, qty) : usd,
              usdValue: cash,
            });
            break;
          }
          case "SEND":
          case "RECV": {
            const desc = r.get("Description");
            out.push({
              ...base,
              kind: code === "SEND" ? "withdrawal" : "deposit",
              [code === "SEND" ? "out" : "in"]: amountOf(asset, qty),
              address: addressIn(desc),
            });
            break;
          }
          case "CINT":
          case "REWARD": {
            const cash = signed(r, "Amount", "USD");
            out.push({
              ...base,
              kind: "income",
              in: amountOf(asset, qty),
              usdValue: cash ? plain(cash.abs()) : undefined,
              subtype: code === "CINT" ? "interest" : "reward",
            });
            break;
          }
          default:
            r.fail(
              "Trans Code",
              `'${r.get("Trans Code")}' is not a crypto activity (known: Buy, Sell, SEND, RECV, ACH, CINT, REWARD)`,
            );
        }
      } catch (e) {
        problems.take(e);
      }
    }
    problems.throwIfAny();
    return out;
  },
};
