/**
 * The stored ledger's engine CSV (`ENGINE_COLUMNS` of src/books/stored-ledger.ts, as one
 * `COPY … TO … (format csv, header true)` prints it) made from the rows being written instead of
 * read back: what `ledger import` saves as the ledger version's snapshot when its rows are the
 * whole ledger, so that the first `gains` after it reads the snapshot rather than copying 200,000
 * rows out (0.7-1.2 s of PGlite CPU).
 *
 * Byte-identical to the database's print only for values whose stored text is known: a row with a
 * value in any other form gives no line (`engineCsvLine` is undefined) and no snapshot is made.
 */
import { createGzip } from "node:zlib";
import type { LedgerRow } from "../ledger/types.ts";
import { exportUsd } from "../utils/decimal.ts";

/** The header line COPY prints for `ENGINE_COLUMNS` (their names, none needs quotes). */
export const ENGINE_CSV_HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype";

/**
 * A numeric's text that PostgreSQL prints back unchanged (`numeric_out` prints the digits given,
 * the scale included): no sign but `-`, no leading zero, no exponent. `-0…` is printed without
 * its sign: not canonical.
 */
const CANONICAL_NUMERIC = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const NEGATIVE_ZERO = /^-0(?:\.0+)?$/;

/**
 * A UTC instant with at most milliseconds, years 1000-9999 (`to_char`'s `YYYY` prints 4 digits):
 * what `TIME_TEXT` prints back is then the same text, `.000` dropped, any shorter fraction
 * padded to 3 digits. Other instants (offsets, microseconds) give no line.
 */
const CANONICAL_TIME =
  /^([1-9]\d{3}-(?:0[1-9]|1[0-2])-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d)(?:\.(\d{1,3}))?Z$/;

/** A text cell as COPY's CSV prints it: quoted when empty or holding `,`, `"`, CR or LF. */
const textCell = (v: string | undefined): string => {
  if (v === undefined) return "";
  if (v === "") return '""';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 44 || c === 34 || c === 10 || c === 13) return `"${v.replaceAll('"', '""')}"`;
  }
  return v;
};

/** A numeric cell, undefined when PostgreSQL would print `v` otherwise. */
const numericCell = (v: string | undefined): string | undefined => {
  if (v === undefined) return "";
  return CANONICAL_NUMERIC.test(v) && !NEGATIVE_ZERO.test(v) ? v : undefined;
};

/** `trim_scale(round(v, 8))` as PostgreSQL prints it (`exportUsd`: half-up, no trailing zeros). */
const usdCell = (v: string | undefined): string | undefined => {
  if (v === undefined) return "";
  if (numericCell(v) === undefined) return undefined;
  const out = exportUsd(v);
  // PostgreSQL has no negative zero: a value rounding to 0 prints `0`.
  return NEGATIVE_ZERO.test(out) ? "0" : out;
};

/** The row's instant as an order key (fixed width: text order is time order), and its cell. */
const timeOf = (time: string): { key: string; cell: string } | undefined => {
  const m = CANONICAL_TIME.exec(time);
  if (m === null) return undefined;
  const ms = (m[2] ?? "").padEnd(3, "0");
  return { key: `${m[1]}.${ms}`, cell: ms === "000" ? `${m[1]}Z` : `${m[1]}.${ms}Z` };
};

/**
 * The engine CSV line of `row` as it is stored (no newline), with its instant's order key;
 * undefined when a value is not in a form whose print is known.
 */
export const engineCsvLine = (row: LedgerRow): { key: string; line: string } | undefined => {
  const time = timeOf(row.time);
  if (time === undefined) return undefined;
  const outQuantity = numericCell(row.outQuantity);
  const inQuantity = numericCell(row.inQuantity);
  const usd = usdCell(row.usdValue);
  const feeQuantity = numericCell(row.feeQuantity);
  const feeUsd = usdCell(row.feeUsd);
  if (
    outQuantity === undefined ||
    inQuantity === undefined ||
    usd === undefined ||
    feeQuantity === undefined ||
    feeUsd === undefined
  )
    return undefined;
  return {
    key: time.key,
    line: `${textCell(row.id)},${time.cell},${textCell(row.type)},${textCell(row.wallet)},${textCell(row.outAsset)},${outQuantity},${textCell(row.inAsset)},${inQuantity},${usd},${textCell(row.feeAsset)},${feeQuantity},${feeUsd},${textCell(row.toWallet)},${textCell(row.lots)},${textCell(row.subtype)}`,
  };
};

/**
 * The engine CSV of rows given in their stored order (`seq` increasing), gzip-compressed (level
 * 1, on libuv's thread pool) as they come. Gives up (`done` is undefined) at the first row with
 * no line or out of ledger order (an earlier instant than the row before: the table orders by
 * time, then seq).
 */
export const createEngineCsvPacker = () => {
  const z = createGzip({ level: 1 });
  const out: Buffer[] = [];
  z.on("data", (b: Buffer) => out.push(b));
  const packed = new Promise<Buffer>((resolve, reject) => {
    z.on("end", () => resolve(Buffer.concat(out)));
    z.on("error", reject);
  });
  packed.catch(() => {});
  let lastKey = "";
  let ok = true;
  let rows = 0;
  z.write(ENGINE_CSV_HEADER);
  return {
    /** Adds a batch of rows, in order. */
    add: (batch: readonly LedgerRow[]) => {
      if (!ok) return;
      let text = "";
      for (const row of batch) {
        const made = engineCsvLine(row);
        if (made === undefined || made.key < lastKey) {
          ok = false;
          z.destroy();
          return;
        }
        lastKey = made.key;
        text += `\n${made.line}`;
      }
      rows += batch.length;
      z.write(text);
    },
    /** The compressed CSV and its row count, or undefined when a row could not be made. */
    done: async (): Promise<{ csv: Buffer; rows: number } | undefined> => {
      if (!ok) return undefined;
      // COPY ends every line, the last included, with a newline.
      z.end("\n");
      return { csv: await packed, rows };
    },
    /** Stops (the rows will not be saved). */
    fail: () => {
      ok = false;
      z.destroy();
    },
  };
};
