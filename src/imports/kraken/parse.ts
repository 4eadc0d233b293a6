import { Decimal, plain } from "../../utils/decimal.ts";
import { amountOf, required, signed } from "../common.ts";
import { hasColumns, type RowReader, rowProblems, rowsOf } from "../table.ts";
import { parseTime } from "../time.ts";
import type { ImportFormat, ImportRecord } from "../types.ts";

/**
 * Kraken "Ledgers" CSV (History → Export → Ledgers): every balance change, quoted,
 * `"txid","refid","time","type","subtype","aclass","asset","wallet","amount","fee","balance"`
 * (older exports have no `wallet`). A trade is two rows sharing a `refid` (one negative, one
 * positive amount; the fee on either, usually the quote currency); so is an instant buy
 * (`spend` + `receive`); an order filled from several wallets has one row per wallet and side,
 * summed. `amount` is signed; `fee` is paid on top (balance = before + amount − fee).
 * Times are UTC. Kraken writes its own asset codes: `XXBT`, `XETH`, `ZUSD`, staked `ETH2.S`, `DOT.S`.
 * A row with an empty `txid` is Kraken's pending duplicate of a deposit or withdrawal: skipped.
 */
/** Types whose rows pair by refid into one trade (`sale`: Kraken's label for app buys, a `spend`/`receive` pair). */
const PAIRED = new Set(["trade", "spend", "receive", "sale"]);
const INCOME = new Set(["staking", "dividend", "reward"]);
/**
 * `transfer` and `earn` subtypes that move coins between Kraken's own books (spot ↔ staking,
 * spot ↔ futures wallet, earn allocations and migrations): holdings unchanged, nothing to book.
 * Kraken also writes `transfer` with no subtype for credits of airdrops and forks and for moves
 * to or from its OTC desk, and `transfer`/`delistingconversion` when it converts a delisted coin:
 * those, and any subtype not listed here, are `review` rows (never skipped unseen).
 */
const INTERNAL_SUBTYPES = new Set([
  "spottostaking",
  "stakingfromspot",
  "stakingtospot",
  "spotfromstaking",
  "spottofutures",
  "spotfromfutures",
  "allocation",
  "deallocation",
  "autoallocation",
  "migration",
]);
/**
 * Rows of a margin position and balance corrections, read as a careful filer would:
 * - `rollover` (the position's periodic fee) and the fee of a `margin` row (opening or closing
 *   fee): a fee of the account, in the row's asset (a disposal of those units when not USD);
 * - the `amount` of a `margin` row (the position's realized profit or loss, in the pair's quote
 *   currency): a `review` row with Kraken's figure (lotwise does not compute margin gains and
 *   never books it as income);
 * - `settled` (a position settled by delivery): its two rows by refid are a purchase or sale at
 *   the amounts Kraken settled; anything else of it is a `review` row;
 * - `adjustment`: two rows by refid in two assets are a conversion by Kraken (a trade, with a
 *   review item to check it); the same asset under two codes is a relabel (skipped); a lone
 *   adjustment, and a `credit`, are `review` rows.
 */
const MARGIN = new Set(["margin", "rollover"]);
const GROUPED = new Set(["settled", "adjustment"]);
const KNOWN =
  "deposit, withdrawal, trade, spend, receive, sale, staking, dividend, reward, earn, transfer, margin, rollover, settled, adjustment, credit";

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
  looksLike: "a Kraken ledgers export",
  family: "kraken",
  isHeader: (cells) => hasColumns(cells, ["txid", "refid", "time", "type", "asset", "amount", "fee"]),
  parse: (table) => {
    const out: ImportRecord[] = [];
    const rows = rowsOf(table).filter((r) => r.get("txid") !== "");
    const groups = new Map<string, RowReader[]>();
    const groupKey = (r: RowReader) => {
      const type = r.get("type").toLowerCase();
      return PAIRED.has(type)
        ? `trade:${r.get("refid")}`
        : GROUPED.has(type)
          ? `${type}:${r.get("refid")}`
          : undefined;
    };
    for (const r of rows) {
      const key = groupKey(r);
      if (!key) continue;
      if (!r.get("refid")) r.fail("refid", "empty (a trade's two rows share a refid)");
      const g = groups.get(key) ?? [];
      g.push(r);
      groups.set(key, g);
    }
    const done = new Set<string>();
    /**
     * A trade-like record from a refid's rows: one negative and one positive amount, or, for an
     * order filled from several of Kraken's wallets (spot and earn), one row per wallet and side:
     * the rows of a side must hold one asset and are summed (taking only one of them would
     * understate the disposal). Fees, on any row, must be in one asset and are summed too.
     */
    const pairRecord = (r: RowReader, ref: string, g: RowReader[], time: Date): ImportRecord => {
      const outs = g.filter((x) => required(x, "amount").isNeg());
      const ins = g.filter((x) => required(x, "amount").gt(0));
      if (outs.length === 0 || ins.length === 0 || outs.length + ins.length !== g.length)
        r.fail(
          "refid",
          `'${ref}' has ${g.length} row(s) (lines ${g.map((x) => x.line).join(", ")}); a trade needs one negative and one positive amount`,
        );
      const sideAsset = (side: RowReader[], what: string) => {
        const assets = [...new Set(side.map((x) => krakenAsset(x.get("asset"))))];
        if (assets.length !== 1)
          r.fail(
            "refid",
            `'${ref}' has ${what} rows in ${assets.join(" and ")} (lines ${side.map((x) => x.line).join(", ")}); the rows of one side of a trade must hold one asset`,
          );
        return assets[0]!;
      };
      const oAsset = sideAsset(outs, "negative");
      const iAsset = sideAsset(ins, "positive");
      const sum = (side: RowReader[], f: (x: RowReader) => Decimal) =>
        side.reduce((acc, x) => acc.add(f(x)), new Decimal(0));
      const feeRows = g.filter((x) => !(signed(x, "fee") ?? new Decimal(0)).isZero());
      const feeAssets = [...new Set(feeRows.map((x) => krakenAsset(x.get("asset"))))];
      if (feeAssets.length > 1)
        r.fail(
          "fee",
          `refid '${ref}' has fees in ${feeAssets.join(" and ")} (lines ${feeRows.map((x) => x.line).join(", ")})`,
        );
      const feeAsset = feeAssets[0];
      const feeQ = sum(feeRows, (x) => signed(x, "fee")!);
      const oQ = sum(outs, (x) => required(x, "amount")).abs();
      const iQ = sum(ins, (x) => required(x, "amount"));
      const rec: ImportRecord = {
        line: Math.min(...g.map((x) => x.line)),
        id: ref,
        time,
        kind: oAsset === "USD" ? "buy" : iAsset === "USD" ? "sell" : "trade",
        out: amountOf(oAsset, oQ),
        in: amountOf(iAsset, iQ),
        fee: feeAsset === undefined ? undefined : amountOf(feeAsset, feeQ),
      };
      if (g.length > 2)
        rec.note = `Kraken order filled from ${g.length} ledger rows (lines ${g.map((x) => x.line).join(", ")}), summed`;
      if (oAsset === "USD") rec.usdValue = plain(oQ);
      if (iAsset === "USD") rec.usdValue = plain(iQ);
      if (feeAsset === "USD" && !feeQ.isZero()) rec.feeUsd = plain(feeQ.abs());
      // A fee in the crypto side of a USD trade is valued at the trade's own price (USD per unit,
      // before fees), to 8 places: the file prices the asset at that instant.
      else if (feeAsset !== undefined && !feeQ.isZero() && (oAsset === "USD" || iAsset === "USD")) {
        const [usd, qty] = oAsset === "USD" ? [oQ, iQ] : [iQ, oQ];
        if (feeAsset === (oAsset === "USD" ? iAsset : oAsset))
          rec.feeUsd = plain(feeQ.abs().mul(usd).div(qty).toDecimalPlaces(8, Decimal.ROUND_HALF_UP));
      }
      return rec;
    };
    /** Whether a refid's rows are one negative and one positive amount with at most one fee. */
    const cleanPair = (g: RowReader[]) =>
      g.length === 2 &&
      g.filter((x) => required(x, "amount").isNeg()).length === 1 &&
      g.filter((x) => required(x, "amount").gt(0)).length === 1 &&
      g.some((x) => (signed(x, "fee") ?? new Decimal(0)).isZero());
    const problems = rowProblems(table.file);
    for (const r of rows) {
      try {
        const type = r.get("type").toLowerCase();
        const subtype = r.get("subtype").toLowerCase();
        const time = parseTime(r.get("time"), r.where("time"));
        const asset = krakenAsset(r.get("asset"));
        if (!asset) r.fail("asset", "empty");
        const amount = required(r, "amount");
        const fee = signed(r, "fee") ?? new Decimal(0);
        const feeAmount = amountOf(asset, fee);
        const id = r.get("txid");
        const base = { line: r.line, id, time };
        const ref = r.get("refid");
        /** The row's fee as a fee record of its own (`<txid>#fee` when the row also has an amount). */
        const feeRecord = (what: string, subtypeLabel: string): ImportRecord | undefined =>
          feeAmount
            ? {
                ...base,
                id: amount.isZero() ? id : `${id}#fee`,
                kind: "fee",
                fee: feeAmount,
                ...(asset === "USD" ? { feeUsd: plain(fee.abs()) } : {}),
                subtype: subtypeLabel,
                note: `Kraken ${what} (refid ${ref})`,
              }
            : undefined;
        const figure = `${amount.gt(0) ? "+" : ""}${plain(amount)} ${asset}`;
        const where = `ledger ${id}, refid ${ref}, ${time.toISOString().replace(".000Z", "Z")}`;
        /** The row's amount as a `review` row with Kraken's figure. */
        const reviewRecord = (reason: string, headline: string, rest: string): ImportRecord => {
          const message = `${headline} (${where})${rest}`;
          return {
            ...base,
            kind: "review",
            ...(amount.gt(0) ? { in: amountOf(asset, amount) } : { out: amountOf(asset, amount) }),
            ...(asset === "USD" ? { usdValue: plain(amount.abs()) } : {}),
            subtype: reason,
            note: `${headline}: not booked (see its review item)`,
            review: {
              reason,
              message:
                `${message}\n` +
                (asset === "USD"
                  ? ""
                  : `The account's ${asset} changed by ${plain(amount)} outside the ledger: its lots do not show it.\n`) +
                "Once it is reported or recorded, close this item: lotwise review set <this row> --as ignore",
            },
          };
        };
        const push = (...recs: (ImportRecord | undefined)[]) => {
          for (const x of recs) if (x) out.push(x);
        };
        if (PAIRED.has(type)) {
          if (done.has(`trade:${ref}`)) continue;
          done.add(`trade:${ref}`);
          const rec = pairRecord(r, ref, groups.get(`trade:${ref}`)!, time);
          if (type !== "trade") rec.subtype = "instant_buy";
          out.push(rec);
          continue;
        }
        if (GROUPED.has(type)) {
          const key = `${type}:${ref}`;
          const g = groups.get(key)!;
          if (cleanPair(g)) {
            if (done.has(key)) continue;
            done.add(key);
            const rec = pairRecord(r, ref, g, time);
            const same = rec.out!.asset === rec.in!.asset;
            if (type === "adjustment" && same && rec.out!.quantity === rec.in!.quantity) continue; // a relabel
            if (type === "settled") {
              rec.subtype = "margin_settlement";
              rec.note = `Kraken settled a margin position by delivery (refid ${ref})`;
            } else {
              rec.subtype = "adjustment";
              rec.note = `Kraken adjustment read as a conversion (refid ${ref})`;
              rec.review = {
                reason: "exchange_adjustment",
                message: `Kraken adjusted ${rec.out!.quantity} ${rec.out!.asset} into ${rec.in!.quantity} ${rec.in!.asset} (refid ${ref}): read as a conversion (a disposal of ${rec.out!.asset}). Check it against Kraken's notice; if it was a correction, not a conversion, say so in your records.\nOnce checked, close this item: lotwise review set <this row> --as ignore`,
              };
            }
            out.push(rec);
            continue;
          }
          // Not a clean pair: each row on its own, its amount for review, its fee a fee.
          const what = type === "settled" ? "margin settlement" : "balance adjustment";
          push(
            amount.isZero()
              ? undefined
              : reviewRecord(
                  type === "settled" ? "margin_settlement" : "exchange_adjustment",
                  `Kraken ${what} of ${figure}`,
                  " with no opposite row to read it as a trade: lotwise does not book it.",
                ),
            feeRecord(`${what} fee`, type === "settled" ? "margin_fee" : "adjustment_fee"),
          );
          continue;
        }
        if (MARGIN.has(type)) {
          push(
            amount.isZero()
              ? undefined
              : reviewRecord(
                  "margin_pnl",
                  `Kraken margin position ${amount.gt(0) ? "profit" : "loss"} of ${figure}`,
                  ". lotwise does not compute margin gains and books none of it: report Kraken's figure as a gain or loss (its margin statement has the position's dates).",
                ),
            feeRecord(
              type === "rollover" ? "margin rollover fee" : "margin trading fee",
              type === "rollover" ? "margin_rollover" : "margin_fee",
            ),
          );
          continue;
        }
        if (type === "credit") {
          push(
            amount.isZero()
              ? undefined
              : reviewRecord(
                  "exchange_credit",
                  `Kraken credited ${figure}`,
                  ": lotwise does not guess whether it is income, a refund or a correction, and books none of it.",
                ),
            feeRecord("credit fee", "fee"),
          );
          continue;
        }
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
        if ((type === "earn" || type === "transfer") && subtype === "airdrop" && amount.gt(0)) {
          // Kraken's own label (e.g. the Flare distribution to XRP holders): income when received.
          out.push({
            ...base,
            kind: "income",
            in: amountOf(asset, amount),
            fee: feeAmount,
            subtype: "airdrop",
          });
          continue;
        }
        if (type === "earn" || type === "transfer") {
          if (INTERNAL_SUBTYPES.has(subtype)) continue;
          const headline =
            subtype === "delistingconversion"
              ? `Kraken converted a delisted coin: ${figure}`
              : subtype === ""
                ? `Kraken ${type} of ${figure} with no subtype`
                : `Kraken ${type} '${subtype}' of ${figure}`;
          const rest =
            subtype === "delistingconversion"
              ? ". Its other side has another refid, often days apart: lotwise does not guess the pair and books none of it. Record the conversion (a disposal of the delisted coin for what Kraken credited) in your records."
              : subtype === "" && type === "transfer"
                ? amount.gt(0)
                  ? ". Kraken writes this for credits of airdrops and forks (income when received) and for funds from its OTC desk: lotwise does not guess which and books none of it."
                  : ". Kraken writes this when it removes a delisted coin and for funds sent to its OTC desk: lotwise does not guess which and books none of it."
                : ": a subtype lotwise does not know; it books none of it.";
          push(
            amount.isZero()
              ? undefined
              : reviewRecord(
                  subtype === "delistingconversion" ? "exchange_delisting" : "exchange_transfer",
                  headline,
                  rest,
                ),
            feeRecord(`${type} fee`, "fee"),
          );
          continue;
        }
        r.fail("type", `unknown type '${r.get("type")}' (known: ${KNOWN})`);
      } catch (e) {
        problems.take(e);
      }
    }
    problems.throwIfAny();
    return out;
  },
};
