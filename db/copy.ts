/**
 * `COPY … FROM` for bulk writes, on both drivers: PGlite reads the rows from a Blob
 * (`FROM '/dev/blob'`), PostgreSQL from the wire (`FROM STDIN`, the copy sub-protocol driven
 * through `pg`'s submittable interface). Several times faster than an `INSERT … SELECT` over a
 * JSON parameter on PGlite (the server parses no JSON and plans no query per chunk), and the
 * cheapest way into PostgreSQL.
 *
 * Rows are written in PostgreSQL's text format: tab-separated cells, `\N` for null, backslash,
 * tab, newline and carriage return escaped. Values are converted exactly as `bulkInsert`'s JSON
 * path converts them (booleans `t`/`f`, jsonb cells as JSON text, dates as ISO-8601 instants),
 * so both paths store the same rows.
 */
import { createRequire } from "node:module";
import { StringDecoder } from "node:string_decoder";
import type pg from "pg";
import type { BulkColumns } from "./bulk.ts";
import type { DbOrTx } from "./client.ts";

/**
 * The `pg` driver, loaded on first use: every command imports this module (through the stores),
 * and a command on the embedded database, or none (`--version`), has no use for `pg` (15 MB and
 * 0.09 s CPU to load here). The same module instance as `db/client.ts`'s `import("pg")`, so
 * `instanceof pg.Pool` holds for its pools.
 */
let pgDriver: typeof pg | undefined;
const loadPg = (): typeof pg => {
  pgDriver ??= createRequire(import.meta.url)("pg") as typeof pg;
  return pgDriver;
};
/** Whether `client` is a `pg` pool or client (`pg` is loaded only when `client` is not PGlite). */
const isPgPool = (client: unknown): client is pg.Pool => !isPglite(client) && client instanceof loadPg().Pool;
const isPgClient = (client: unknown): client is pg.Client =>
  !isPglite(client) && client instanceof loadPg().Client;

/** Rows per COPY statement on PGlite (one Blob each; bounds the memory of one statement). */
const PGLITE_COPY_ROWS = 20_000;
/** Bytes per CopyData message to PostgreSQL. */
const PG_CHUNK_BYTES = 1 << 16;

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
const escapeText = (s: string): string =>
  NEEDS_ESCAPE.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : s;

/** One cell in COPY text format (`copyLines` takes lines of them). */
export const copyTextCell = (v: unknown, type: BulkColumns[string]): string => {
  if (v === null || v === undefined) return "\\N";
  if (type === "jsonb") return escapeText(JSON.stringify(v));
  switch (typeof v) {
    case "string":
      return escapeText(v);
    case "boolean":
      return v ? "t" : "f";
    case "number":
    case "bigint":
      return String(v);
    default:
      return v instanceof Date ? v.toISOString() : escapeText(JSON.stringify(v));
  }
};

/** `rows` as lines of COPY text (no newline), pulled one at a time. */
function* copyLinesOf(
  names: readonly string[],
  types: readonly BulkColumns[string][],
  rows: Iterable<Record<string, unknown>>,
): Generator<string> {
  const cells: string[] = new Array(names.length);
  for (const r of rows) {
    for (let c = 0; c < names.length; c++) cells[c] = copyTextCell(r[names[c]!], types[c]!);
    yield cells.join("\t");
  }
}

/**
 * `lines` of COPY text joined `batch` lines a piece (each line ends with a newline), pulled one
 * at a time: a caller may hand a generator, so no row outlives its piece.
 */
function* copyPieces(lines: Iterable<string>, batch: number): Generator<string> {
  let piece: string[] = [];
  for (const line of lines) {
    piece.push(line);
    if (piece.length === batch) {
      yield `${piece.join("\n")}\n`;
      piece = [];
    }
  }
  if (piece.length > 0) yield `${piece.join("\n")}\n`;
}

export type PgliteLike = {
  query: (q: string, params?: unknown[], options?: { blob?: Blob }) => Promise<unknown>;
};

/** The driver client behind a drizzle database or transaction. */
export const clientOf = (db: DbOrTx): unknown =>
  (db as unknown as { session?: { client?: unknown } }).session?.client;

/** PGlite itself (`waitReady`) or one of its transactions (`rollback` and `listen`, no `release`). */
export const isPglite = (c: unknown): c is PgliteLike =>
  typeof c === "object" &&
  c !== null &&
  typeof (c as PgliteLike).query === "function" &&
  ("waitReady" in c || ("rollback" in c && "listen" in c));

/** Whether `db` (a database or transaction) runs on PGlite. */
export const onPglite = (db: DbOrTx): boolean => isPglite(clientOf(db));

/**
 * What every `COPY` submittable here shares as a `pg` query: sends its statement, settles once
 * (with the error it kept, else the server's) when the server is ready again or the query fails,
 * and ignores the messages a COPY does not get. Subclasses handle the copy data.
 */
abstract class CopySubmittable {
  callback: ((err: Error | null) => void) | undefined;
  protected error: Error | undefined;
  constructor(private readonly text: string) {}
  submit(connection: { query: (text: string) => void }): void {
    connection.query(this.text);
  }
  /** The client forgets the query on an error (no ReadyForQuery reaches it): settle here. */
  handleError(err: Error): void {
    this.settle(this.error ?? err);
  }
  handleReadyForQuery(): void {
    this.settle(this.error ?? null);
  }
  private settle(err: Error | null): void {
    const cb = this.callback;
    this.callback = undefined;
    cb?.(err);
  }
  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(_connection: unknown): void {}
  handleCopyData(_msg: { chunk: Buffer }): void {}
}

/** Submits `q` on `c`; resolves with `done()` once it settles without an error. */
const submitCopy = <T>(c: pg.ClientBase, q: CopySubmittable, done: () => T): Promise<T> =>
  new Promise((resolve, reject) => {
    q.callback = (err) => (err ? reject(err) : resolve(done()));
    c.query(q as unknown as pg.QueryConfig);
  });

/**
 * How to run work on a `pg` connection of `client` (what `clientOf` gives): a pool's checked-out
 * client, released after; or the client (or transaction's client) itself. undefined when the
 * database is not on `pg`.
 */
export const pgRunner = (
  client: unknown,
): (<T>(run: (c: pg.ClientBase) => Promise<T>) => Promise<T>) | undefined => {
  if (isPgPool(client))
    return async (run) => {
      const c = await client.connect();
      try {
        return await run(c);
      } finally {
        c.release();
      }
    };
  if (isPgClient(client) || (client && typeof client === "object" && "release" in client))
    return (run) => run(client as pg.ClientBase);
  return undefined;
};

/**
 * A `COPY … FROM STDIN` as a `pg` submittable: sends the statement, then the data when the
 * server asks for it, and settles when the server is ready again.
 */
class CopyFromStdin extends CopySubmittable {
  constructor(
    text: string,
    private readonly chunks: () => Iterable<string | Uint8Array>,
  ) {
    super(text);
  }
  override handleCopyInResponse(connection: {
    sendCopyFromChunk: (b: Buffer) => void;
    endCopyFrom: () => void;
    sendCopyFail: (m: string) => void;
  }): void {
    try {
      let pending = "";
      for (const c of this.chunks()) {
        if (typeof c !== "string") {
          if (pending !== "") connection.sendCopyFromChunk(Buffer.from(pending, "utf8"));
          pending = "";
          connection.sendCopyFromChunk(
            Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength),
          );
          continue;
        }
        pending += c;
        if (pending.length >= PG_CHUNK_BYTES) {
          connection.sendCopyFromChunk(Buffer.from(pending, "utf8"));
          pending = "";
        }
      }
      if (pending !== "") connection.sendCopyFromChunk(Buffer.from(pending, "utf8"));
      connection.endCopyFrom();
    } catch (e) {
      this.error = e as Error;
      connection.sendCopyFail((e as Error).message);
    }
  }
}

/** Runs `COPY … FROM STDIN` `statement` on `client`, sending `chunks` (text, or bytes as they are). */
export const copyPg = (
  client: pg.ClientBase,
  statement: string,
  chunks: () => Iterable<string | Uint8Array>,
): Promise<void> => submitCopy(client, new CopyFromStdin(statement, chunks), () => undefined);

/**
 * Writes `rows` into `table` with COPY when the driver allows it. `rows` may be any iterable (a
 * generator streams them: each batch of text is built from the rows as they come).
 * @returns false (nothing written, `rows` not read) when `db` is neither PGlite nor `pg`; the
 * caller inserts instead.
 */
export const copyRows = async (
  db: DbOrTx,
  table: string,
  columns: BulkColumns,
  rows: Iterable<Record<string, unknown>>,
  options: CopyOptions = {},
): Promise<boolean> => {
  const names = Object.keys(columns);
  const types = names.map((n) => columns[n]!);
  return copyLines(db, table, names, copyLinesOf(names, types, rows), options);
};

export type CopyOptions = {
  /**
   * `COPY … WITH (FREEZE)`: the rows go in frozen, so the first read after sets no hint bit on
   * them (on PGlite it wrote every page of a fresh 100,000-row table again). Only for a table
   * emptied by TRUNCATE (or made) in the same subtransaction: PostgreSQL refuses it otherwise
   * (`IndexRebuild.truncated`, db/deferred-indexes.ts, says when). Rows frozen are seen at once by
   * every other connection's snapshot: PGlite has no other connection.
   * @defaultValue false
   */
  freeze?: boolean | undefined;
  /**
   * COPY text made before the call (whole lines, each ending with a newline, as UTF-8 bytes: off
   * the JavaScript heap), sent before `lines`; each entry is let go (emptied) once sent.
   */
  leading?: Uint8Array[] | undefined;
};

const NO_BYTES = new Uint8Array(0);

/** `options.leading`'s bytes (each let go once handed over), then `rest`. */
function* leadingThen(
  leading: Uint8Array[] | undefined,
  rest: Iterable<string>,
): Generator<string | Uint8Array> {
  if (leading)
    for (let i = 0; i < leading.length; i++) {
      const bytes = leading[i]!;
      leading[i] = NO_BYTES;
      if (bytes.length > 0) yield bytes;
    }
  yield* rest;
}

/** `copy TABLE (names) from SOURCE [with (freeze)]`, for a SOURCE of `'/dev/blob'` (PGlite) or `stdin`. */
const copyFrom =
  (table: string, names: readonly string[], options: CopyOptions) =>
  (source: string): string =>
    `copy ${table} (${names.map((n) => `"${n}"`).join(", ")}) from ${source}${options.freeze ? " with (freeze)" : ""}`;

/**
 * `copyRows` for a caller that makes the COPY text lines itself (one line per row, cells as
 * `copyTextCell` prints them, tab-separated, no newline): no record object per row.
 * @returns false (nothing written, `lines` not read) when `db` is neither PGlite nor `pg`.
 */
export const copyLines = async (
  db: DbOrTx,
  table: string,
  names: readonly string[],
  lines: Iterable<string>,
  options: CopyOptions = {},
): Promise<boolean> => {
  const client = clientOf(db);
  const statement = copyFrom(table, names, options);
  if (isPglite(client)) {
    const leading = options.leading?.splice(0);
    if (leading && leading.length > 0)
      await client.query(statement("'/dev/blob'"), [], { blob: new Blob(leading) });
    for (const text of copyPieces(lines, PGLITE_COPY_ROWS))
      await client.query(statement("'/dev/blob'"), [], { blob: new Blob([text]) });
    return true;
  }
  const onPg = pgRunner(client);
  if (!onPg) return false;
  await onPg((c) =>
    copyPg(c, statement("stdin"), () => leadingThen(options.leading, copyPieces(lines, 1000))),
  );
  return true;
};

/**
 * COPY text already made (lines ending with a newline, UTF-8), e.g. on another thread, written in
 * one statement on PGlite (a `Blob` of the bytes). Only the embedded database's first ledger
 * import uses it (src/books/imports.ts: on PostgreSQL the import makes its COPY text on its own
 * thread, with `copyLines`).
 * @throws Error when `db` is not PGlite (nothing written).
 */
export const copyBytes = async (
  db: DbOrTx,
  table: string,
  names: readonly string[],
  bytes: Uint8Array,
  options: CopyOptions = {},
): Promise<void> => {
  const client = clientOf(db);
  if (!isPglite(client)) throw new Error(`copyBytes into ${table}: only on PGlite`);
  await client.query(copyFrom(table, names, options)("'/dev/blob'"), [], { blob: new Blob([bytes]) });
};

const UNESCAPES: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

/** One cell of COPY text output: undefined for `\N`, escapes undone. */
export const copyCell = (cell: string): string | undefined => {
  if (cell === "\\N") return undefined;
  if (!cell.includes("\\")) return cell;
  return cell.replace(/\\([bfnrtv\\]|[0-7]{1,3}|x[0-9a-fA-F]{1,2})/g, (_m, e: string) => {
    if (e.length === 1 && e in UNESCAPES) return UNESCAPES[e]!;
    if (e === "\\") return "\\";
    return String.fromCharCode(e[0] === "x" ? Number.parseInt(e.slice(1), 16) : Number.parseInt(e, 8));
  });
};

/**
 * The rows of `query` (trusted SQL, values inlined) as COPY text records, split into raw cells
 * (undo escapes with `copyCell`), through `COPY (…) TO '/dev/blob'` on PGlite: one result for
 * the whole query, no per-row protocol messages to decode (seconds saved on 100,000 rows).
 * @returns undefined when `db` is not PGlite; the caller queries instead.
 */
export const copyOutPglite = async (db: DbOrTx, query: string): Promise<string[][] | undefined> => {
  const client = clientOf(db);
  if (!isPglite(client)) return undefined;
  const result = (await client.query(`copy (${query}) to '/dev/blob'`)) as { blob?: Blob };
  const text = result.blob ? await result.blob.text() : "";
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((l) => l.split("\t"));
};

/**
 * The rows of `query` (trusted SQL) as raw binary cells, through `COPY (…) TO … (FORMAT binary)`
 * on PGlite: each cell the bytes of PostgreSQL's binary form (a `bytea` its bytes, a text its
 * UTF-8, an `integer` 4 bytes big-endian), null for SQL null. Bytes come out as they are (a
 * query's result would carry a `bytea` as hex text).
 * @returns undefined when `db` is not PGlite; the caller queries instead.
 */
export const copyOutBinaryPglite = async (
  db: DbOrTx,
  query: string,
): Promise<(Buffer | null)[][] | undefined> => {
  const client = clientOf(db);
  if (!isPglite(client)) return undefined;
  const result = (await client.query(`copy (${query}) to '/dev/blob' with (format binary)`)) as {
    blob?: Blob;
  };
  if (!result.blob) return [];
  const buf = Buffer.from(await result.blob.arrayBuffer());
  // Signature (11 bytes), flags (4), header extension (its length, 4, then its bytes).
  let at = 15;
  at += 4 + buf.readInt32BE(at);
  const rows: (Buffer | null)[][] = [];
  for (;;) {
    const count = buf.readInt16BE(at);
    at += 2;
    if (count === -1) return rows;
    const row: (Buffer | null)[] = [];
    for (let c = 0; c < count; c++) {
      const length = buf.readInt32BE(at);
      at += 4;
      if (length < 0) row.push(null);
      else {
        row.push(buf.subarray(at, at + length));
        at += length;
      }
    }
    rows.push(row);
  }
};

/** Type parsers that keep every value as the text PostgreSQL sent (`pg`'s `types` option). */
/** `value` as an SQL string literal, for the raw SQL that `selectCells` and `copyOutPglite` take. */
export const sqlLiteral = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/**
 * Whether `error` is PostgreSQL's `unique_violation` (23505), from either driver, possibly wrapped
 * by drizzle (`cause`, at most 5 levels).
 */
export const isUniqueViolation = (error: unknown): boolean => {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.code === "23505") return true;
    e = e.cause as typeof e;
  }
  return false;
};

const TEXT_TYPES = { getTypeParser: () => (value: string) => value };

/**
 * The rows of `query` (trusted SQL, values inlined) as text cells, `null` for SQL null, on
 * both drivers and without the query builder's per-row mapping: PGlite copies the whole result
 * out as one COPY text (`copyOutPglite`), PostgreSQL sends rows as arrays of unparsed text. For
 * large reads (a ledger build loads every transaction and movement): the caller converts the
 * few columns it needs. Cells are what PostgreSQL's text output prints (numbers, `t`/`f`, JSON).
 */
export const selectCells = async (db: DbOrTx, query: string): Promise<(string | null)[][]> => {
  const copied = await copyOutPglite(db, query);
  if (copied) {
    for (const cells of copied as (string | null)[][])
      for (let i = 0; i < cells.length; i++) {
        const c = cells[i]!;
        if (c.includes("\\")) cells[i] = copyCell(c) ?? null;
      }
    return copied;
  }
  return pgTextRows(clientOf(db), query, "selectCells");
};

/** A plain query's rows as the text PostgreSQL sent (arrays, no type parsing), on `pg`. */
const pgTextRows = async (client: unknown, query: string, what: string): Promise<(string | null)[][]> => {
  if (
    isPgPool(client) ||
    isPgClient(client) ||
    (client && typeof client === "object" && "release" in client)
  ) {
    const result = await (client as pg.ClientBase).query({
      text: query,
      rowMode: "array",
      types: TEXT_TYPES,
    });
    return result.rows as (string | null)[][];
  }
  throw new Error(`${what}: neither PGlite nor pg behind this database`);
};

/** Rows per packed value of `selectPacked` (a few MB of text each: far below any string limit). */
const PACK_ROWS = 10_000;
/** ASCII unit and record separators: between the cells of a packed row, and between rows. */
const UNIT = "\u001f";
const RECORD = "\u001e";

/**
 * `work_mem` of PGlite's server while it packs (`selectPacked`): its hash aggregate holds every
 * pack until the last row is read (41 MB for 100,000 import records), and at PostgreSQL's default
 * (4 MB) spilled them to temporary files: 0.44 s CPU instead of 0.27 s (bench imports' read of
 * them). Taken only as the packs grow; a larger read spills what is beyond it.
 */
const PACK_WORK_MEM = "64MB";

/**
 * The rows of a plain query (not COPY) as arrays of the text PostgreSQL sent, on either driver;
 * on PGlite with `work_mem` at `PACK_WORK_MEM` for the query (set back after it).
 */
const queryTextRows = async (db: DbOrTx, query: string): Promise<(string | null)[][]> => {
  const client = clientOf(db);
  if (isPglite(client)) {
    const setting = (await client.query("select current_setting('work_mem')", [], {
      rowMode: "array",
    } as never)) as { rows: string[][] };
    const before = setting.rows[0]![0]!;
    await client.query(`set work_mem = '${PACK_WORK_MEM}'`);
    try {
      const result = (await client.query(query, [], { rowMode: "array" } as never)) as {
        rows: (string | null)[][];
      };
      return result.rows;
    } finally {
      // Fails only in a transaction the query failed, whose rollback undoes the SET too.
      await client.query(`set work_mem = ${sqlLiteral(before)}`).catch(() => {});
    }
  }
  return pgTextRows(client, query, "selectPacked");
};

/**
 * The rows of `select <columns> <from>` (trusted SQL: `from` is the rest of the query, `from …
 * where …`) as text cells, in no particular order, for reads of many rows whose cells are never
 * null. The server joins each row's cells with a unit separator (U+001F) and rows with a record
 * separator (U+001E), `PACK_ROWS` rows a value: a handful of values come back instead of a row
 * each. On PGlite that is the difference: its COPY out hands every row to JavaScript on its own
 * (a write call, two copies), which costs more than reading the rows. A cell holding either
 * separator, or a null (`concat_ws` leaves it out), shows as a row of the wrong number of cells:
 * then the rows are read again with `selectCells`, so every value comes back as it is stored.
 */
export const selectPacked = async (
  db: DbOrTx,
  columns: readonly string[],
  from: string,
  /**
   * An integer column of the rows read (e.g. a serial key) to cut the packs by: the rows whose
   * values share a `PACK_ROWS`-wide range make a pack (at most `PACK_ROWS` rows when the column is
   * unique). Without it the rows are numbered (`row_number() over ()`), a window that spools every
   * row read (27 MB of import records: 0.15 s of a 0.4 s read on PGlite) before packing them.
   */
  packBy?: string,
): Promise<string[][]> => {
  const named = columns.map((c, k) => `${c} as c${k}`).join(", ");
  const cells = columns.map((_c, k) => `c${k}`).join(", ");
  const pack = packBy ? `(${packBy}) / ${PACK_ROWS}` : `row_number() over () / ${PACK_ROWS}`;
  const packs = await queryTextRows(
    db,
    `select string_agg(concat_ws(chr(31), ${cells}), chr(30))
       from (select ${named}, ${pack} as pack ${from}) packed
      group by pack`,
  );
  const rows: string[][] = [];
  for (const [pack] of packs) {
    if (pack === null || pack === undefined) continue;
    for (const line of pack.split(RECORD)) {
      const row = line.split(UNIT);
      if (row.length !== columns.length) {
        const plain = await selectCells(db, `select ${columns.join(", ")} ${from}`);
        if (plain.some((r) => r.includes(null)))
          throw new Error("selectPacked: a column read this way must not be null");
        return plain as string[][];
      }
      rows.push(row);
    }
  }
  return rows;
};

/** One line of COPY text output as cells (`\\N` null, escapes undone), as `forEachCells` hands them. */
const cellsOfLine = (line: string): (string | null)[] => {
  const cells: (string | null)[] = line.split("\t");
  // A line without a backslash has no escape and no null: one scan, not one per cell.
  if (!line.includes("\\")) return cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (c.includes("\\")) cells[i] = copyCell(c) ?? null;
  }
  return cells;
};

/**
 * Whether a COPY text line holds an escape: a backslash anywhere but in a `\N` (null) cell. A line
 * without one holds every cell as stored, tab-separated.
 */
const hasEscape = (line: string): boolean => {
  for (let k = line.indexOf("\\"); k !== -1; k = line.indexOf("\\", k + 1)) {
    const nullCell =
      line.charCodeAt(k + 1) === 78 &&
      (k === 0 || line.charCodeAt(k - 1) === 9) &&
      (k + 2 === line.length || line.charCodeAt(k + 2) === 9);
    if (!nullCell) return true;
  }
  return false;
};

/**
 * The cells of one COPY text line, read in order without an array of them (what `forEachRow`
 * hands over; the values are those `forEachCells` gives). A line without an escape is read in
 * place; any other is split and unescaped first. `same(prev)` gives `prev` itself when the cell
 * equals it, so a value repeated row after row (a chain, an asset) makes no new string.
 */
export class CellReader {
  private line = "";
  private pos = 0;
  private cells: (string | null)[] | undefined;
  private k = 0;
  /** Starts reading `line`. */
  reset(line: string): this {
    this.line = line;
    this.pos = 0;
    this.k = 0;
    this.cells = hasEscape(line) ? cellsOfLine(line) : undefined;
    return this;
  }
  /** The next cell (null for SQL null). */
  next(): string | null {
    if (this.cells) return this.cells[this.k++] ?? null;
    const { line, pos } = this;
    let end = line.indexOf("\t", pos);
    if (end === -1) end = line.length;
    this.pos = end + 1;
    // `\N`: the only backslash a line without escapes holds.
    if (end - pos === 2 && line.charCodeAt(pos) === 92) return null;
    return line.slice(pos, end);
  }
  /** The next cell, as `next` gives it; `prev` itself when equal to it. */
  same(prev: string | null): string | null {
    if (prev === null || prev === "\\N" || this.cells) {
      const c = this.next();
      return c === prev ? prev : c;
    }
    const { line, pos } = this;
    const end = pos + prev.length;
    if ((end === line.length || line.charCodeAt(end) === 9) && line.startsWith(prev, pos)) {
      this.pos = end + 1;
      return prev;
    }
    return this.next();
  }
}

/**
 * Calls `fn` with each line of `COPY (query) TO …` text output (no newline), in the query's order:
 * on PGlite the COPY text is cut a line at a time (a 200,000-row read keeps one text); on
 * PostgreSQL each line as it arrives.
 */
const forEachLine = async (db: DbOrTx, query: string, fn: (line: string) => void): Promise<void> => {
  const client = clientOf(db);
  if (!isPglite(client)) {
    await copyOutEach(db, query, fn);
    return;
  }
  const result = (await client.query(`copy (${query}) to '/dev/blob'`)) as { blob?: Blob };
  const text = result.blob ? await result.blob.text() : "";
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    fn(text.slice(start, end));
    start = end + 1;
  }
};

/**
 * Calls `fn` with the text cells of each row of `query` (trusted SQL), as `selectCells` reads
 * them, without holding every row's cells at once: on PGlite the COPY text is split a line at a
 * time (a 200,000-row read keeps one text, not millions of cell strings); on PostgreSQL a
 * `COPY (…) TO STDOUT` hands each row over as it arrives (no DataRow parsing or row objects, and
 * no cell outlives `fn` unless it keeps it). `fn` may keep the array. Rows come in the order the
 * query gives them.
 */
export const forEachCells = (
  db: DbOrTx,
  query: string,
  fn: (cells: (string | null)[]) => void,
): Promise<void> => forEachLine(db, query, (line) => fn(cellsOfLine(line)));

/**
 * `forEachCells` without a cell array per row: `fn` reads each row's cells in order from a
 * `CellReader` (one reader, reset for every row: `fn` must not keep it).
 */
export const forEachRow = (db: DbOrTx, query: string, fn: (row: CellReader) => void): Promise<void> => {
  const reader = new CellReader();
  return forEachLine(db, query, (line) => fn(reader.reset(line)));
};

/** How many times `char` (one UTF-16 unit) occurs in `text`. */
const countOf = (text: string, char: string): number => {
  let n = 0;
  for (let k = text.indexOf(char); k !== -1; k = text.indexOf(char, k + 1)) n++;
  return n;
};

/**
 * `forEachRow` of `select <columns> <from>` (trusted SQL, `from` the rest of the query) for reads
 * of many rows, without PGlite's COPY output: that hands every row to JavaScript as a Blob part of
 * its own (a write call and a copy each, then a read each: 0.3 s of reading 175,000 transactions
 * and movements). On PGlite the server joins the rows of each pack (the rows of one value of
 * `packBy`, an integer expression of the row: a handful of packs) into one value, lines as COPY
 * text prints them (cells tab-separated, `\N` for null) but with no escape: a pack is read only
 * when it holds exactly the tabs, newlines and backslashes of its rows' structure. One holding
 * more (a cell with a tab, a newline or a backslash), and every read on PostgreSQL, goes through
 * `forEachRow`, which reads the same cells. Rows come in no particular order.
 */
export const forEachPackedRow = async (
  db: DbOrTx,
  columns: readonly string[],
  from: string,
  packBy: string,
  fn: (row: CellReader) => void,
): Promise<void> => {
  const reader = new CellReader();
  await forEachPackedLine(db, columns, from, packBy, (line) => fn(reader.reset(line)));
};

/**
 * `forEachPackedRow` handing each row's COPY text line itself (no newline; read its cells with a
 * `CellReader`): on PGlite a slice of its pack's text, so a caller keeping lines keeps the packs'
 * text (a few bytes a line more), not a string of its own a line; else a line of `COPY … TO`
 * output (with its escapes: a `CellReader` undoes them).
 */
export const forEachPackedLine = async (
  db: DbOrTx,
  columns: readonly string[],
  from: string,
  packBy: string,
  fn: (line: string) => void,
): Promise<void> => {
  const plain = `select ${columns.join(", ")} ${from}`;
  if (!isPglite(clientOf(db))) return forEachLine(db, plain, fn);
  const named = columns.map((c, k) => `${c} as c${k}`).join(", ");
  // `concat` prints a value with its type's output function, as COPY does (a cast to text may
  // differ: `true::text` is `true`, COPY prints `t`).
  const cells = columns
    .map((_c, k) => `case when c${k} is null then '\\N' else concat(c${k}) end`)
    .join(", ");
  const nulls = columns.map((_c, k) => `c${k}`).join(", ");
  const packs = await queryTextRows(
    db,
    `select string_agg(concat_ws(chr(9), ${cells}), chr(10)), count(*), sum(num_nulls(${nulls}))
       from (select ${named}, (${packBy}) as pack ${from}) packed
      group by pack`,
  );
  // Every pack checked before any row is handed over: a read falls back whole or not at all.
  for (const [text, count, nullCells] of packs) {
    const rows = Number(count);
    if (
      countOf(text!, "\n") !== rows - 1 ||
      countOf(text!, "\t") !== rows * (columns.length - 1) ||
      countOf(text!, "\\") !== Number(nullCells)
    )
      return forEachLine(db, plain, fn);
  }
  for (const [text] of packs) {
    const t = text!;
    let start = 0;
    while (start <= t.length) {
      let end = t.indexOf("\n", start);
      if (end === -1) end = t.length;
      fn(t.slice(start, end));
      start = end + 1;
    }
  }
};

/**
 * A `COPY … TO STDOUT` (text format) as a `pg` submittable that hands each row's line to `fn`
 * as its data arrives (PostgreSQL sends a row per CopyData message; a line split across messages
 * is joined): no row object or DataRow parsing, and no row held after `fn` returns. An error `fn`
 * throws ends the read: the rest is skipped and the query fails with it.
 */
class CopyOutEach extends CopySubmittable {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";
  constructor(
    text: string,
    private readonly fn: (line: string) => void,
  ) {
    super(text);
  }
  override handleCopyData(msg: { chunk: Buffer }): void {
    if (this.error) return;
    try {
      const text = this.partial + this.decoder.write(msg.chunk);
      let start = 0;
      for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
        this.fn(text.slice(start, end));
        start = end + 1;
      }
      this.partial = start === 0 ? text : text.slice(start);
    } catch (e) {
      this.error = e as Error;
    }
  }
}

/** `forEachLine` on PostgreSQL: `COPY (query) TO STDOUT`, each line handed over as it arrives. */
const copyOutEach = async (db: DbOrTx, query: string, fn: (line: string) => void): Promise<void> => {
  const onPg = pgRunner(clientOf(db));
  if (!onPg) throw new Error("forEachCells: neither PGlite nor pg behind this database");
  await onPg((c) => submitCopy(c, new CopyOutEach(`copy (${query}) to stdout`, fn), () => undefined));
};

/** A `COPY … TO STDOUT` as a `pg` submittable: collects the data, settles when the server is ready. */
/** Bytes of the pieces `copyOutCsv` hands to `onPiece` (PostgreSQL sends one message per row). */
const PIECE_BYTES = 1 << 20;

class CopyToStdout extends CopySubmittable {
  readonly chunks: Buffer[] = [];
  /** Chunks not yet handed to `onPiece`, and their bytes. */
  private pending = 0;
  private bytes = 0;
  constructor(
    text: string,
    private readonly onPiece?: (piece: Buffer) => void,
  ) {
    super(text);
  }
  override handleCopyData(msg: { chunk: Buffer }): void {
    // A view into the driver's read buffer, which the next socket read overwrites: copied.
    this.chunks.push(Buffer.from(msg.chunk));
    this.bytes += msg.chunk.length;
    if (this.onPiece && this.bytes >= PIECE_BYTES) this.flush();
  }
  /** Hands the chunks received since the last piece to `onPiece`, as one piece. */
  flush(): void {
    if (!this.onPiece || this.pending === this.chunks.length) return;
    this.onPiece(Buffer.concat(this.chunks.slice(this.pending)));
    this.pending = this.chunks.length;
    this.bytes = 0;
  }
}

/**
 * The result of `query` (trusted SQL, values inlined) as CSV bytes with a header line
 * (`COPY (…) TO … WITH (FORMAT csv, HEADER)`: NULL an empty cell, an empty string `""`), on both
 * drivers: one Blob on PGlite, the copy sub-protocol on PostgreSQL. No per-row message or object.
 * `onPiece`, when given, also gets the bytes in order as they arrive, in pieces of about
 * `PIECE_BYTES` (on PGlite, all at once at the end); the last piece comes before the result.
 * @throws when `db` is neither PGlite nor `pg`.
 */
export const copyOutCsv = async (
  db: DbOrTx,
  query: string,
  onPiece?: (piece: Buffer) => void,
): Promise<Buffer> => {
  const client = clientOf(db);
  const statement = (target: string) => `copy (${query}) to ${target} with (format csv, header true)`;
  if (isPglite(client)) {
    const result = (await client.query(statement("'/dev/blob'"))) as { blob?: Blob };
    const all = result.blob ? Buffer.from(await result.blob.arrayBuffer()) : Buffer.alloc(0);
    if (all.length > 0) onPiece?.(all);
    return all;
  }
  const onPg = pgRunner(client);
  if (!onPg) throw new Error("copyOutCsv: neither PGlite nor pg behind this database");
  return onPg((c) => {
    const q = new CopyToStdout(statement("stdout"), onPiece);
    return submitCopy(c, q, () => {
      q.flush();
      return Buffer.concat(q.chunks);
    });
  });
};
