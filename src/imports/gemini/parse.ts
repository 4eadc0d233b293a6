import { plain } from "../../utils/decimal.ts";
import { amountOf, assetCode, digestIds, signed } from "../common.ts";
import { hasColumns, rowProblems, rowsOf } from "../table.ts";
import { parseTime } from "../time.ts";
import type { ImportFormat, ImportRecord } from "../types.ts";

/**
 * Gemini "Transaction history" (saved as CSV): `Date`, `Time (UTC)`, `Type`, `Symbol`,
 * `Specification`, then per currency `<C> Amount <C>`, `Trading Fee (<C>) <C>`, `<C> Balance <C>`,
 * then `Trade ID`, `Order ID`, `Tx Hash`, `Deposit Destination`, `Withdrawal Destination`.
 * Amounts are written like `$1,150.00`, `0.5 ETH` or, negative, `($1,150.00)`. Types: `Buy`,
 * `Sell` (Symbol `ETHUSD`, `ETHBTC`), `Credit` (deposit), `Debit` (withdrawal),
 * `Interest Credit`, `Staking Reward`, `Administrative Credit` (income).
 */
export const gemini: ImportFormat = {
  name: "gemini",
  label: "Gemini transaction history CSV",
  looksLike: "a Gemini transaction history export",
  family: "gemini",
  isHeader: (cells) => hasColumns(cells, ["Date", "Time (UTC)", "Type", "Symbol", "Specification"]),
  parse: (table) => {
    const currencies = table.header
      .map((h) => /^(\w+) Amount \1$/i.exec(h)?.[1])
      .filter((c): c is string => Boolean(c));
    const digest = digestIds();
    const out: ImportRecord[] = [];
    const problems = rowProblems(table.file);
    for (const r of rowsOf(table)) {
      try {
        const time = parseTime(`${r.get("Date")} ${r.get("Time (UTC)")}`.trim(), r.where("Date"), "UTC");
        const type = r.get("Type");
        const moves = currencies
          .map((c) => ({
            asset: assetCode(c),
            q: signed(r, `${c} Amount ${c}`, c),
            fee: signed(r, `Trading Fee (${c}) ${c}`, c),
          }))
          .filter((m) => (m.q && !m.q.isZero()) || (m.fee && !m.fee.isZero()));
        const id = r.get("Trade ID") || r.get("Tx Hash") || digest(r.cells);
        const base = { line: r.line, id, time, note: r.get("Specification") || undefined };
        const feeMove = moves.find((m) => m.fee && !m.fee.isZero());
        const fee = feeMove ? amountOf(feeMove.asset, feeMove.fee) : undefined;
        const t = type.toLowerCase();
        if (t === "buy" || t === "sell") {
          const o = moves.find((m) => m.q?.isNeg());
          const i = moves.find((m) => m.q?.gt(0));
          if (!o || !i) r.fail("Type", `a ${type} needs one negative and one positive amount column`);
          const rec: ImportRecord = {
            ...base,
            kind: o!.asset === "USD" ? "buy" : i!.asset === "USD" ? "sell" : "trade",
            out: amountOf(o!.asset, o!.q),
            in: amountOf(i!.asset, i!.q),
            fee,
          };
          if (o!.asset === "USD") rec.usdValue = plain(o!.q!.abs());
          if (i!.asset === "USD") rec.usdValue = plain(i!.q!.abs());
          if (fee?.asset === "USD") rec.feeUsd = fee.quantity;
          out.push(rec);
          continue;
        }
        const one = moves.find((m) => m.q && !m.q.isZero());
        if (!one) r.fail("Type", `a ${type} row with no amount`);
        const q = one!.q!;
        if (t === "credit" || t === "debit") {
          const isIn = t === "credit";
          if (isIn !== q.gt(0))
            r.fail(
              `${one!.asset} Amount ${one!.asset}`,
              `a ${type} with a ${q.isNeg() ? "negative" : "positive"} amount`,
            );
          const fiat = one!.asset === "USD";
          out.push({
            ...base,
            kind: fiat ? (isIn ? "fiat_deposit" : "fiat_withdrawal") : isIn ? "deposit" : "withdrawal",
            [isIn ? "in" : "out"]: amountOf(one!.asset, q),
            txHash: r.get("Tx Hash") || undefined,
            // A deposit's "Deposit Destination" is Gemini's own address, not the source: only withdrawals name the other side.
            address: isIn ? undefined : r.get("Withdrawal Destination") || undefined,
          });
          continue;
        }
        if (/interest|reward|administrative credit|staking/i.test(type)) {
          out.push({
            ...base,
            kind: "income",
            in: amountOf(one!.asset, q),
            subtype: /staking/i.test(type) ? "staking" : /interest/i.test(type) ? "interest" : "reward",
          });
          continue;
        }
        r.fail(
          "Type",
          `unknown type '${type}' (known: Buy, Sell, Credit, Debit, Interest Credit, Staking Reward, Administrative Credit)`,
        );
      } catch (e) {
        problems.take(e);
      }
    }
    problems.throwIfAny();
    return out;
  },
};
