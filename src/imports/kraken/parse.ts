import { Decimal, plain } from "../../utils/decimal.ts";
import { amountOf, required, signed } from "../common.ts";
import { hasColumns, type RowReader, rowsOf } from "../table.ts";
import { parseTime } from "../time.ts";
import type { ImportFormat, ImportRecord } from "../types.ts";

/**
 * Kraken "Ledgers" CSV (History → Export → Ledgers): every balance change, quoted,
 * `"txid","refid","time","type","subtype","aclass","asset","wallet","amount","fee","balance"`
 * (older exports have no `wallet`). A trade is two rows sharing a `refid` (one negative, one
 * positive amount; the fee on either, usually the quote currency); so is an instant buy
 * (`spend` + `receive`). `amount` is signed; `fee` is paid on top (balance = before + amount − fee).
 * Times are UTC. Kraken writes its own asset codes: `XXBT`, `XETH`, `ZUSD`, staked `ETH2.S`, `DOT.S`.
 * A row with an empty `txid` is Kraken's pending duplicate of a deposit or withdrawal: skipped.
 */
const PAIRED = new Set(["trade", "spend", "receive"]);
const INCOME = new Set(["staking", "dividend", "reward"]);
/**
 * Moves between Kraken's own books (spot ↔ staking, earn allocations): holdings unchanged. Other
 * types (margin, rollover, settled, adjustment, …) change holdings in ways lotwise does not read
 * yet: they stop the import rather than being skipped.
 */
const INTERNAL = new Set(["transfer", "earn"]);

/** Kraken asset code → ledger asset (`XXBT` → `BTC`, `ZUSD` → `USD`, `ETH2.S` → `ETH`). */
export const krakenAsset = (code: string): string => {
  let c = code
    .trim()
    .toUpperCase()
    .replace(/\.(S|M|P|F|B|HOLD)$/, "");
  if (c.length === 4 && (c.startsWith("X") || c.startsWith("Z"))) c = c.slice(1);
  if (c === "XBT") return "BTC";
  if (c === "XDG") return "DOGE";
  if (c === "ETH2") return "ETH";
  return c;
};

export const kraken: ImportFormat = {
  name: "kraken",
  label: "Kraken ledgers CSV",
  family: "kraken",
  isHeader: (cells) => hasColumns(cells, ["txid", "refid", "time", "type", "asset", "amount", "fee"]),
  parse: (table) => {
    const out: ImportRecord[] = [];
    const rows = rowsOf(table).filter((r) => r.get("txid") !== "");
    const groups = new Map<string, RowReader[]>();
    for (const r of rows) {
      const type = r.get("type").toLowerCase();
      if (PAIRED.has(type)) {
        const ref = r.get("refid");
        if (!ref) r.fail("refid", "empty (a trade's two rows share a refid)");
        const g = groups.get(ref) ?? [];
        g.push(r);
        groups.set(ref, g);
      }
    }
    const done = new Set<string>();
    for (const r of rows) {
      const type = r.get("type").toLowerCase();
      const subtype = r.get("subtype").toLowerCase();
      const time = parseTime(r.get("time"), r.where("time"));
      const asset = krakenAsset(r.get("asset"));
      if (!asset) r.fail("asset", "empty");
      const amount = required(r, "amount");
      const fee = signed(r, "fee") ?? new Decimal(0);
      const feeAmount = amountOf(asset, fee);
      if (PAIRED.has(type)) {
        const ref = r.get("refid");
        if (done.has(ref)) continue;
        done.add(ref);
        const g = groups.get(ref)!;
        const outs = g.filter((x) => required(x, "amount").isNeg());
        const ins = g.filter((x) => required(x, "amount").gt(0));
        if (outs.length !== 1 || ins.length !== 1)
          r.fail(
            "refid",
            `'${ref}' has ${g.length} row(s) (lines ${g.map((x) => x.line).join(", ")}); a trade needs one negative and one positive amount`,
          );
        const o = outs[0]!;
        const i = ins[0]!;
        const oAsset = krakenAsset(o.get("asset"));
        const iAsset = krakenAsset(i.get("asset"));
        const oFee = signed(o, "fee") ?? new Decimal(0);
        const iFee = signed(i, "fee") ?? new Decimal(0);
        if (!oFee.isZero() && !iFee.isZero())
          r.fail("fee", `refid '${ref}' has a fee on both rows (lines ${o.line}, ${i.line})`);
        const feeRow = oFee.isZero() ? i : o;
        const feeQ = oFee.isZero() ? iFee : oFee;
        const oQ = required(o, "amount").abs();
        const iQ = required(i, "amount");
        const rec: ImportRecord = {
          line: Math.min(o.line, i.line),
          id: ref,
          time,
          kind: oAsset === "USD" ? "buy" : iAsset === "USD" ? "sell" : "trade",
          out: amountOf(oAsset, oQ),
          in: amountOf(iAsset, iQ),
          fee: amountOf(krakenAsset(feeRow.get("asset")), feeQ),
          subtype: type === "trade" ? undefined : "instant_buy",
        };
        if (oAsset === "USD") rec.usdValue = plain(oQ);
        if (iAsset === "USD") rec.usdValue = plain(iQ);
        if (feeQ && !feeQ.isZero() && krakenAsset(feeRow.get("asset")) === "USD")
          rec.feeUsd = plain(feeQ.abs());
        out.push(rec);
        continue;
      }
      const id = r.get("txid");
      const base = { line: r.line, id, time };
      if (type === "deposit" || type === "withdrawal") {
        const fiat = asset === "USD";
        const isIn = type === "deposit";
        if (isIn !== amount.gt(0)) r.fail("amount", `a ${type} with amount ${r.get("amount")}`);
        // A withdrawal's fee leaves the account too: what left is |amount| + fee (same asset).
        const moved = isIn ? amount : amount.abs().add(fee);
        out.push({
          ...base,
          kind: fiat ? (isIn ? "fiat_deposit" : "fiat_withdrawal") : isIn ? "deposit" : "withdrawal",
          [isIn ? "in" : "out"]: amountOf(asset, moved),
          ...(isIn && feeAmount ? { fee: feeAmount } : {}),
        });
        continue;
      }
      if (INCOME.has(type) || (type === "earn" && subtype === "reward")) {
        out.push({
          ...base,
          kind: "income",
          in: amountOf(asset, amount),
          fee: feeAmount,
          subtype: "staking",
        });
        continue;
      }
      if (INTERNAL.has(type)) continue;
      r.fail(
        "type",
        `unknown type '${r.get("type")}' (known: deposit, withdrawal, trade, spend, receive, staking, earn, transfer)`,
      );
    }
    return out;
  },
};
