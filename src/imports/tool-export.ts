import type { LedgerRow } from "../ledger/types.ts";
import { formatCsvRow } from "../utils/csv.ts";
import { COINTRACKER_COLUMNS } from "./cointracker/parse.ts";
import { KOINLY_COLUMNS } from "./koinly/parse.ts";

/** Formats `lotwise ledger export --format` writes besides ledger CSV v1. */
export const TOOL_EXPORTS = ["koinly", "cointracker"] as const;
export type ToolExport = (typeof TOOL_EXPORTS)[number];

/** One movement as both tools see it: what was sent and received, a fee, a value and a label. */
type Flat = {
  time: Date;
  sent?: [string, string] | undefined;
  received?: [string, string] | undefined;
  fee?: [string, string] | undefined;
  /** USD value (Koinly's Net Worth). */
  worth?: string | undefined;
  /** Koinly label / CoinTracker tag. */
  koinly?: string | undefined;
  cointracker?: string | undefined;
  description: string;
  txHash?: string | undefined;
};

const INCOME: Record<string, [string, string]> = {
  staking: ["staking", "staking"],
  airdrop: ["airdrop", "airdrop"],
  mining: ["mining", "mined"],
  interest: ["lending interest", "interest"],
  fork: ["fork", "fork"],
  reward: ["reward", "staking"],
};

const hashOf = (tx: string | undefined) => {
  const first = tx?.split(";")[0];
  return first && /^0x[0-9a-fA-F]{64}$|^[1-9A-HJ-NP-Za-km-z]{64,88}$/.test(first) ? first : undefined;
};

/**
 * Ledger rows as Koinly/CoinTracker movements:
 * - `buy` sends `usd_value` USD and receives the asset; `sell` the reverse; `swap` both assets;
 * - `income` receives, labelled by subtype (staking, airdrop, mining, interest; else income/payment);
 * - `spend` and `gift` send (labels `cost`/`payment`, and `gift`, or `donation` or `lost` for a
 *   gift row of those subtypes, a theft as `lost`); a `fee` row sends its fee (`cost`);
 * - a `transfer` becomes two rows, the departure (with its fee) and the arrival, with the same
 *   transaction hash so either tool pairs them; the description names both wallets; one from a
 *   donor's account (`gift:…`, a gift received) is its arrival alone, labelled `gift`.
 * Every row's description starts with its wallet (`[coinbase:main]`).
 */
const flatten = (rows: readonly LedgerRow[]): Flat[] => {
  const out: Flat[] = [];
  for (const r of rows) {
    const time = new Date(r.time);
    const fee: [string, string] | undefined =
      r.feeAsset === "USD"
        ? r.feeUsd && r.feeUsd !== "0"
          ? [r.feeUsd, "USD"]
          : undefined
        : r.feeAsset && r.feeQuantity
          ? [r.feeQuantity, r.feeAsset]
          : undefined;
    const desc = `[${r.wallet}] ${r.type}${r.subtype ? ` ${r.subtype}` : ""}${r.note ? `: ${r.note}` : ""} (${r.id})`;
    const base = { time, fee, worth: r.usdValue, description: desc, txHash: hashOf(r.tx) };
    const o: [string, string] | undefined =
      r.outAsset && r.outQuantity ? [r.outQuantity, r.outAsset] : undefined;
    const i: [string, string] | undefined = r.inAsset && r.inQuantity ? [r.inQuantity, r.inAsset] : undefined;
    const usd: [string, string] | undefined = r.usdValue ? [r.usdValue, "USD"] : undefined;
    switch (r.type) {
      case "buy":
        out.push({ ...base, sent: usd, received: i });
        break;
      case "sell":
        out.push({ ...base, sent: o, received: usd });
        break;
      case "swap":
        out.push({ ...base, sent: o, received: i });
        break;
      case "income": {
        const [k, c] = INCOME[r.subtype ?? ""] ?? ["income", "payment"];
        out.push({ ...base, received: i, koinly: k, cointracker: c });
        break;
      }
      case "spend":
        out.push({ ...base, sent: o, koinly: "cost", cointracker: "payment" });
        break;
      case "gift": {
        // Both tools read `donation` and `lost` as they read `gift` (no gain); a theft is a loss.
        const label =
          r.subtype === "donation"
            ? "donation"
            : r.subtype === "lost" || r.subtype === "stolen"
              ? "lost"
              : "gift";
        out.push({ ...base, sent: o, koinly: label, cointracker: label });
        break;
      }
      case "fee":
        out.push({ ...base, fee: undefined, sent: fee, worth: r.feeUsd, koinly: "cost", cointracker: "" });
        break;
      case "transfer":
        if (r.wallet.startsWith("gift:")) {
          // A gift received (a review decision): the donor's account is not the user's, so only the
          // arrival is exported, labelled gift (not income; the donor's basis is for the user to add).
          out.push({
            ...base,
            fee: undefined,
            worth: undefined,
            received: o,
            koinly: "gift",
            cointracker: "gift",
            description: `[${r.toWallet}] gift received from ${r.wallet} (${r.id})`,
          });
          break;
        }
        out.push({
          ...base,
          worth: undefined,
          sent: o,
          description: `[${r.wallet}] transfer to ${r.toWallet} (${r.id})`,
        });
        out.push({
          ...base,
          fee: undefined,
          worth: undefined,
          received: o,
          description: `[${r.toWallet}] transfer from ${r.wallet} (${r.id})`,
        });
        break;
    }
  }
  return out;
};

const pad = (n: number) => String(n).padStart(2, "0");

/** The tool's CSV (header and rows) for `rows`. Cells are formula-escaped like every lotwise CSV. */
export const formatToolCsv = (format: ToolExport, rows: readonly LedgerRow[]): string => {
  const flat = flatten(rows);
  if (format === "koinly") {
    let text = formatCsvRow(KOINLY_COLUMNS);
    for (const f of flat) {
      const t = f.time;
      const date = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} UTC`;
      text += formatCsvRow([
        date,
        f.sent?.[0] ?? "",
        f.sent?.[1] ?? "",
        f.received?.[0] ?? "",
        f.received?.[1] ?? "",
        f.fee?.[0] ?? "",
        f.fee?.[1] ?? "",
        f.worth ?? "",
        f.worth ? "USD" : "",
        f.koinly ?? "",
        f.description,
        f.txHash ?? "",
      ]);
    }
    return text;
  }
  let text = formatCsvRow(COINTRACKER_COLUMNS);
  for (const f of flat) {
    const t = f.time;
    const date = `${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}/${t.getUTCFullYear()} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
    text += formatCsvRow([
      date,
      f.received?.[0] ?? "",
      f.received?.[1] ?? "",
      f.sent?.[0] ?? "",
      f.sent?.[1] ?? "",
      f.fee?.[0] ?? "",
      f.fee?.[1] ?? "",
      f.cointracker ?? "",
    ]);
  }
  return text;
};
