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
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import type { LedgerRow } from "../ledger/types.ts";
import { formatCsvCell } from "../utils/csv.ts";
import { exportUsd } from "../utils/decimal.ts";
import { createGzipCollector } from "../utils/gzip-collect.ts";

const gunzipAsync = promisify(gunzip);

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
 * `TIME_TEXT`'s print of an instant given as `YYYY-MM-DDTHH:MM:SS[.f{1,3}]Z` (UTC, at most
 * milliseconds, as the reader validated it, years 1000-9999: `to_char`'s `YYYY` prints 4 digits):
 * the same text, `.000` dropped, a shorter fraction padded to 3 digits. Undefined for any other
 * form (an offset, microseconds, a lowercase `t` or `z`, a leap second).
 */
const timeCell = (t: string): string | undefined => {
  const n = t.length;
  if (
    n < 20 ||
    n > 24 ||
    n === 21 ||
    t.charCodeAt(10) !== 84 || // T
    t.charCodeAt(n - 1) !== 90 || // Z
    t.charCodeAt(0) === 48 || // a year before 1000
    t.charCodeAt(17) > 53 // a 60th second
  )
    return undefined;
  if (n === 20) return t;
  if (t.charCodeAt(19) !== 46) return undefined; // .
  if (n === 24) return t.endsWith(".000Z") ? `${t.slice(0, 19)}Z` : t;
  const ms = t.slice(20, n - 1).padEnd(3, "0");
  return ms === "000" ? `${t.slice(0, 19)}Z` : `${t.slice(0, 20)}${ms}Z`;
};

/**
 * Whether instant `a` is before `b`, both as `timeCell` prints them (the same second: a
 * millisecond fraction after none).
 */
const before = (a: string, b: string): boolean => {
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // At index 19 one has `Z` (no fraction: .000) and the other `.`: the fraction is later.
    if (i === 19) return x === 90;
    return x < y;
  }
  return false;
};

/** No formula escape: COPY prints a cell as it is stored. */
const NO_FORMULA_ESCAPE = { escapeFormulas: false } as const;
/**
 * A text cell as COPY's CSV prints it: quoted when holding `,`, `"`, CR or LF (`formatCsvCell`),
 * and quoted when empty too (an unquoted empty cell is NULL).
 */
const textCell = (v: string | undefined): string =>
  v === undefined ? "" : v === "" ? '""' : formatCsvCell(v, NO_FORMULA_ESCAPE);

/** A numeric cell, undefined when PostgreSQL would print `v` otherwise. */
const numericCell = (v: string | undefined): string | undefined => {
  if (v === undefined) return "";
  return CANONICAL_NUMERIC.test(v) && !(v.charCodeAt(0) === 45 && NEGATIVE_ZERO.test(v)) ? v : undefined;
};

/** `trim_scale(round(v, 8))` as PostgreSQL prints it (`exportUsd`: half-up, no trailing zeros). */
const usdCell = (v: string | undefined): string | undefined => {
  if (v === undefined) return "";
  if (numericCell(v) === undefined) return undefined;
  const point = v.indexOf(".");
  if (point < 0) return v;
  // At most 8 places (almost every value): nothing to round, trailing zeros (and a bare point)
  // dropped, with no decimal object.
  if (v.length - point - 1 <= 8) {
    let end = v.length;
    while (v.charCodeAt(end - 1) === 48) end--;
    if (end === point + 1) end = point;
    const out = v.slice(0, end);
    return out === "-0" ? "0" : out;
  }
  const out = exportUsd(v);
  // PostgreSQL has no negative zero: a value rounding to 0 prints `0`.
  return NEGATIVE_ZERO.test(out) ? "0" : out;
};

/** The cells of the line being made (one array for every line: no array per row). */
const cells = new Array<string>(15);

/**
 * The engine CSV line of `row` as it is stored (no newline), its instant printed as `time`
 * (`timeCell`); undefined when a value is not in a form whose print is known.
 */
const engineCsvLine = (row: LedgerRow, time: string): string | undefined => {
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
  cells[0] = textCell(row.id);
  cells[1] = time;
  cells[2] = textCell(row.type);
  cells[3] = textCell(row.wallet);
  cells[4] = textCell(row.outAsset);
  cells[5] = outQuantity;
  cells[6] = textCell(row.inAsset);
  cells[7] = inQuantity;
  cells[8] = usd;
  cells[9] = textCell(row.feeAsset);
  cells[10] = feeQuantity;
  cells[11] = feeUsd;
  cells[12] = textCell(row.toWallet);
  cells[13] = textCell(row.lots);
  cells[14] = textCell(row.subtype);
  return cells.join(",");
};

/** Separates the ids of a kept batch in `createEngineCsvPacker` (never in an id: PostgreSQL text holds no NUL). */
const ID_SEP = "\u0000";

/**
 * The header and the first lines of `csv` (an engine CSV as a snapshot holds it, not compressed)
 * when those lines are the rows `ids` names, in order (each string a batch's ids joined by
 * `ID_SEP`; `count` ids in all): the text up to the last of them (no newline after it) and that
 * line's `time` cell. Undefined when the text does not start so. Cells are read as COPY quotes
 * them: a quoted cell may hold commas, quotes (doubled) and line breaks.
 */
export const snapshotPrefix = (
  csv: string,
  ids: readonly string[],
  count: number,
): { text: string; lastTime: string } | undefined => {
  if (!csv.startsWith(`${ENGINE_CSV_HEADER}\n`)) return undefined;
  let pos = ENGINE_CSV_HEADER.length + 1;
  // The next quote at or after `pos` (-1: none left): looked up again only once passed, so a file
  // without quotes is scanned once, not once a line.
  let quote = csv.indexOf('"', pos);
  let lastTime = "";
  let seen = 0;
  for (const batch of ids) {
    for (const id of batch.split(ID_SEP)) {
      const nl = csv.indexOf("\n", pos);
      if (nl < 0) return undefined;
      if (quote >= 0 && quote < pos) quote = csv.indexOf('"', pos);
      let cellId: string;
      let end: number;
      let timeStart: number;
      if (quote < 0 || quote > nl) {
        // No quote in the line: cells end at commas.
        const comma = csv.indexOf(",", pos);
        if (comma < 0 || comma > nl) return undefined;
        cellId = csv.slice(pos, comma);
        timeStart = comma + 1;
        end = nl;
      } else {
        const line = quotedLine(csv, pos);
        if (line === undefined) return undefined;
        ({ id: cellId, timeStart, end } = line);
      }
      if (cellId !== id) return undefined;
      const timeEnd = csv.indexOf(",", timeStart);
      if (timeEnd < 0 || timeEnd > end) return undefined;
      lastTime = csv.slice(timeStart, timeEnd);
      pos = end + 1;
      seen++;
    }
  }
  if (seen !== count || seen === 0) return undefined;
  return { text: csv.slice(0, pos - 1), lastTime };
};

/**
 * A line holding a quote, from `pos`: its first cell (unquoted), where its second begins and the
 * index of the newline that ends it (outside quotes); undefined when the text ends first.
 */
const quotedLine = (csv: string, pos: number): { id: string; timeStart: number; end: number } | undefined => {
  let id: string | undefined;
  let timeStart = -1;
  let cellStart = pos;
  let quoted = false;
  for (let i = pos; i < csv.length; i++) {
    const c = csv.charCodeAt(i);
    if (quoted) {
      if (c === 34) {
        if (csv.charCodeAt(i + 1) === 34) i++;
        else quoted = false;
      }
      continue;
    }
    if (c === 34) quoted = true;
    else if (c === 44 || c === 10) {
      if (id === undefined) {
        const cell = csv.slice(cellStart, i);
        id = cell.charCodeAt(0) === 34 ? cell.slice(1, -1).replaceAll('""', '"') : cell;
        timeStart = i + 1;
      }
      if (c === 10) return { id, timeStart, end: i };
      cellStart = i + 1;
    }
  }
  return undefined;
};

/**
 * Renders batches of rows given in their stored order into engine CSV lines: each batch's text is
 * its lines, each after a newline (joined once, no string grown a line at a time); undefined at a
 * row with no line or out of ledger order (an earlier instant than the row before: the table
 * orders by time, then seq), and for every batch after it.
 */
export const createEngineCsvRenderer = () => {
  /** The `time` cell of the last row rendered (or followed), "" before the first. */
  let lastTime = "";
  let ok = true;
  const render = (batch: readonly LedgerRow[]): string | undefined => {
    if (!ok) return undefined;
    const lines = new Array<string>(batch.length + 1);
    lines[0] = "";
    for (let i = 0; i < batch.length; i++) {
      const row = batch[i]!;
      const time = timeCell(row.time);
      const line = time === undefined || before(time, lastTime) ? undefined : engineCsvLine(row, time);
      if (line === undefined) {
        ok = false;
        return undefined;
      }
      lastTime = time!;
      lines[i + 1] = line;
    }
    return lines.join("\n");
  };
  /** The next batch follows a row whose `time` cell is `time` (rendered elsewhere). */
  const follow = (time: string): void => {
    lastTime = time;
  };
  return Object.assign(render, { follow });
};

/**
 * Rows rendered into engine CSV lines by every packer of this process, for tests to tell a
 * re-import that renders none (only ever added to).
 */
export const renderedRows = { count: 0 };

/**
 * The engine CSV of rows given in their stored order (`seq` increasing), gzip-compressed (level
 * 1, on libuv's thread pool) as they come. Gives up (`done` is undefined) at the first row with
 * no line or out of ledger order (an earlier instant than the row before: the table orders by
 * time, then seq).
 *
 * `earlier` (optional) gives the ledger's snapshot as it was before the rows were written
 * (gzip-compressed; undefined: none), for leading batches stored as they were (`defer`): those
 * are not rendered; when a later batch is (`start`), their lines are taken from that snapshot,
 * where they must come first, named by their ids in order (else no snapshot is made). A ledger
 * nothing changed in then costs no rendering at all.
 */
export const createEngineCsvPacker = (earlier?: () => Promise<Buffer | undefined>) => {
  const { stream: z, done: packed } = createGzipCollector();
  let ok = true;
  let rows = 0;
  /** The header (or a snapshot's lines) was written: batches are rendered from now on. */
  let started = false;
  /** The ids of the deferred batches (one string a batch), and how many rows. */
  let deferred: string[] = [];
  let deferredRows = 0;
  const giveUp = () => {
    ok = false;
    z.destroy();
  };
  const render = createEngineCsvRenderer();
  /** Writes a batch's lines; resolves once the compressor took in the earlier batches. */
  const write = async (text: string | Uint8Array, count: number): Promise<void> => {
    rows += count;
    renderedRows.count += count;
    if (!z.write(text)) await new Promise((resolve) => z.once("drain", resolve));
  };
  /**
   * Writes the header, or the earlier snapshot's lines of the deferred rows (one read and one
   * gunzip, on libuv's thread pool). Idempotent.
   */
  const start = async (): Promise<void> => {
    if (started || !ok) return;
    started = true;
    if (deferredRows === 0) {
      z.write(ENGINE_CSV_HEADER);
      return;
    }
    const ids = deferred;
    deferred = [];
    const compressed = await earlier?.();
    const prefix =
      compressed === undefined
        ? undefined
        : snapshotPrefix((await gunzipAsync(compressed)).toString("utf8"), ids, deferredRows);
    if (prefix === undefined) return giveUp();
    render.follow(prefix.lastTime);
    rows += deferredRows;
    z.write(prefix.text);
  };
  return {
    /**
     * Leaves `batch` (rows stored exactly as they were) unrendered for now, when nothing was
     * rendered yet and an earlier snapshot can give its lines: true; else false (`add` it).
     */
    defer: (batch: readonly LedgerRow[]): boolean => {
      if (started || earlier === undefined || !ok) return false;
      deferred.push(batch.map((r) => r.id).join(ID_SEP));
      deferredRows += batch.length;
      return true;
    },
    start,
    /**
     * Adds a batch of rows, in order, after `start`; resolves once the compressor took in the
     * earlier batches (at most one batch's text waits in memory).
     */
    add: async (batch: readonly LedgerRow[]): Promise<void> => {
      if (!ok) return;
      if (!started) await start();
      if (!ok) return;
      const text = render(batch);
      if (text === undefined) return giveUp();
      await write(text, batch.length);
    },
    /**
     * `add` for a batch of `count` rows rendered elsewhere (`createEngineCsvRenderer` on the
     * import thread, which saw every row before them: `lines` starts with a newline), undefined
     * when a row had no line. The rows must follow the ones added or deferred before.
     */
    addRendered: async (lines: Uint8Array | undefined, count: number): Promise<void> => {
      if (!ok) return;
      if (!started) await start();
      if (!ok) return;
      if (lines === undefined) return giveUp();
      await write(lines, count);
    },
    /** The compressed CSV and its row count, or undefined when a row could not be made. */
    done: async (): Promise<{ csv: Buffer; rows: number } | undefined> => {
      await start();
      if (!ok) return undefined;
      // COPY ends every line, the last included, with a newline.
      z.end("\n");
      return { csv: await packed, rows };
    },
    /** Stops (the rows will not be saved). */
    fail: giveUp,
  };
};
