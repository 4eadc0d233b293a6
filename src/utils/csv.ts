/**
 * RFC 4180 CSV: a streaming parser that reports physical line numbers, and a writer that quotes
 * when needed and defuses spreadsheet formula injection.
 *
 * Parser rules:
 * - Records end at an unquoted LF, CRLF or lone CR. A line with no characters at all is skipped
 *   (it still counts as a line), so a trailing newline or blank lines between records are harmless.
 * - A cell is quoted when its first character is `"`; inside, `""` is a quote and line breaks are
 *   data. After the closing quote only a separator or the end of the record may follow.
 * - A `"` inside an unquoted cell and a quoted cell left open at the end of the input are errors
 *   (`CsvSyntaxError`), never guessed at.
 * - `line` is the 1-based physical line where the record *starts*: a quoted cell may span lines,
 *   and the next record's number accounts for them.
 * - A UTF-8 byte order mark at the very start of the input is dropped.
 */

import type { Bytes } from "./bytes.ts";

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

/** A CSV syntax error at `line` (where the record starts), in the cell at 0-based index `cell`. */
export class CsvSyntaxError extends Error {
  override name = "CsvSyntaxError";
  readonly line: number;
  readonly cell: number;
  readonly reason: string;
  constructor(reason: string, line: number, cell: number) {
    super(`line ${line}: ${reason}`);
    this.reason = reason;
    this.line = line;
    this.cell = cell;
  }
}

/** Receives each record's cells and the physical line it starts on. */
export type CsvRecordHandler = (cells: string[], line: number) => void;

export type CsvParser = {
  /** Feeds the next piece of text; complete records are handed to the handler synchronously. */
  write: (chunk: string) => void;
  /** Flushes the last record (which needs no trailing newline). @throws CsvSyntaxError */
  end: () => void;
};

/**
 * Creates a push parser. `write` may split the text anywhere (inside a quoted cell, between CR
 * and LF); records come out the same as for the whole text at once.
 *
 * @throws CsvSyntaxError from `write` or `end` on malformed input.
 */
export const createCsvParser = (onRecord: CsvRecordHandler): CsvParser => {
  let pending = "";
  let line = 1;
  let started = false;

  /**
   * Parses complete records of `pending`; returns the index where the unfinished tail starts.
   * `final` means no more text follows, so the tail is the last record.
   */
  const parse = (final: boolean): number => {
    const s = pending;
    const n = s.length;
    let pos = 0;
    // Next LF, CR and quote at or after `pos` (n when none): each found once per text, so the
    // scan stays linear however many lines there are.
    let nextLf = -1;
    let nextCr = -1;
    let nextQuote = -1;
    while (pos < n) {
      if (nextLf < pos) nextLf = indexOrEnd(s, "\n", pos);
      if (nextCr < pos) nextCr = indexOrEnd(s, "\r", pos);
      if (nextQuote < pos) nextQuote = indexOrEnd(s, '"', pos);
      // Fast path: a whole line without quotes and without a lone CR is one record, and
      // `split` (native) cuts it into cells.
      if (nextQuote > nextLf && (nextCr >= nextLf || nextCr === nextLf - 1) && (nextLf < n || final)) {
        const end = nextCr === nextLf - 1 ? nextCr : nextLf;
        if (end > pos) onRecord(s.slice(pos, end).split(","), line);
        line++;
        pos = nextLf + 1;
        continue;
      }
      if (nextLf >= n && !final && nextQuote >= n) return pos;
      const startLine = line;
      let c = s.charCodeAt(pos);
      // Blank line: skip it but count it.
      if (c === LF || c === CR) {
        if (c === CR) {
          if (pos + 1 >= n && !final) return pos; // maybe CRLF split across chunks
          if (s.charCodeAt(pos + 1) === LF) pos++;
        }
        pos++;
        line++;
        continue;
      }
      const cells: string[] = [];
      let i = pos;
      let lines = 0; // line breaks inside quoted cells of this record
      let complete = false;
      for (;;) {
        if (i >= n) {
          // The record runs to the end of the text.
          if (!final) return pos;
          cells.push("");
          complete = true;
          break;
        }
        c = s.charCodeAt(i);
        if (c === QUOTE) {
          let value = "";
          let from = i + 1;
          for (;;) {
            const q = s.indexOf('"', from);
            if (q < 0) {
              if (!final) return pos;
              throw new CsvSyntaxError("quoted cell is never closed", startLine, cells.length);
            }
            lines += countLineBreaks(s, from, q);
            if (q + 1 < n && s.charCodeAt(q + 1) === QUOTE) {
              value += s.slice(from, q + 1);
              from = q + 2;
              continue;
            }
            if (q + 1 >= n && !final) return pos; // a `""` may be split across chunks
            value += s.slice(from, q);
            i = q + 1;
            break;
          }
          cells.push(value);
          if (i >= n) {
            if (!final) return pos;
            complete = true;
            break;
          }
          c = s.charCodeAt(i);
          if (c === COMMA) {
            i++;
            if (i >= n && final) {
              cells.push("");
              complete = true;
              break;
            }
            continue;
          }
          if (c === LF || c === CR) break;
          throw new CsvSyntaxError(
            "text after the closing quote of a quoted cell",
            startLine,
            cells.length - 1,
          );
        }
        // Unquoted cell: runs to the next comma or line break.
        const from = i;
        while (i < n) {
          c = s.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE)
            throw new CsvSyntaxError('a quote (") inside an unquoted cell', startLine, cells.length);
          i++;
        }
        if (i >= n) {
          if (!final) return pos;
          cells.push(s.slice(from, i));
          complete = true;
          break;
        }
        cells.push(s.slice(from, i));
        if (c === COMMA) {
          i++;
          if (i >= n && final) {
            cells.push("");
            complete = true;
            break;
          }
          continue;
        }
        break; // line break
      }
      if (!complete) {
        // `i` is at the record's line break.
        if (s.charCodeAt(i) === CR) {
          if (i + 1 >= n && !final) return pos;
          if (s.charCodeAt(i + 1) === LF) i++;
        }
        i++;
        lines++;
      }
      line = startLine + lines;
      pos = i;
      onRecord(cells, startLine);
    }
    return pos;
  };

  return {
    write: (chunk) => {
      if (chunk.length === 0) return;
      if (!started) {
        started = true;
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      }
      pending = pending.length === 0 ? chunk : pending + chunk;
      const consumed = parse(false);
      pending = consumed >= pending.length ? "" : pending.slice(consumed);
    },
    end: () => {
      if (pending.length > 0) parse(true);
      pending = "";
    },
  };
};

const indexOrEnd = (s: string, needle: string, from: number): number => {
  const i = s.indexOf(needle, from);
  return i < 0 ? s.length : i;
};

const countLineBreaks = (s: string, from: number, to: number): number => {
  let k = 0;
  for (let j = from; j < to; j++) {
    const c = s.charCodeAt(j);
    if (c === LF) k++;
    else if (c === CR && s.charCodeAt(j + 1) !== LF) k++;
  }
  return k;
};

/** Parses a whole CSV text. @throws CsvSyntaxError */
export const parseCsv = (text: string): { cells: string[]; line: number }[] => {
  const out: { cells: string[]; line: number }[] = [];
  const parser = createCsvParser((cells, line) => out.push({ cells, line }));
  parser.write(text);
  parser.end();
  return out;
};

export type CsvWriteOptions = {
  /**
   * Prefix cells that a spreadsheet would run as a formula with `'`. @defaultValue true
   * @dev A cell is "formula-like" when it starts with `=`, `+`, `-`, `@`, tab or CR (OWASP's
   * list). Plain decimal numbers such as `-12.50` are exempt: a loss in a gain column must stay a
   * number, and a number cannot carry a formula.
   */
  escapeFormulas?: boolean;
};

const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * True when a spreadsheet could read `value` as a formula: it starts with `=`, `+`, `-`, `@`,
 * tab or CR and is not a plain decimal number.
 */
export const isFormulaLike = (value: string): boolean => {
  if (value.length === 0) return false;
  const c = value.charCodeAt(0);
  // = + - @ \t \r
  if (c !== 61 && c !== 43 && c !== 45 && c !== 64 && c !== 9 && c !== 13) return false;
  return !PLAIN_NUMBER.test(value);
};

/** `value` with a leading `'` when it is formula-like (see `isFormulaLike`), else unchanged. */
export const escapeFormula = (value: string): string => (isFormulaLike(value) ? `'${value}` : value);

const needsQuotes = (v: string): boolean => {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === QUOTE || c === COMMA || c === LF || c === CR) return true;
  }
  return false;
};

/** One cell: formula-escaped (unless disabled), then quoted when it holds `"`, `,`, CR or LF. */
export const formatCsvCell = (value: string, options?: CsvWriteOptions): string => {
  const v = options?.escapeFormulas === false ? value : escapeFormula(value);
  return needsQuotes(v) ? `"${v.replaceAll('"', '""')}"` : v;
};

/** One record followed by `\n` (LF line ends; RFC 4180 readers accept them). */
export const formatCsvRow = (cells: readonly string[], options: CsvWriteOptions = {}): string => {
  let out = "";
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) out += ",";
    out += formatCsvCell(cells[i] ?? "", options);
  }
  return `${out}\n`;
};

/** Handlers of `createCsvByteParser`. */
export type CsvByteHandlers = {
  /** A record's cells (decoded as UTF-8) and the line it starts on. */
  record: CsvRecordHandler;
  /**
   * Optional fast path for a plain record: one line without quotes or lone CRs, whose bytes are
   * `buf[start, end)` (line break excluded). Return `true` when handled, `false` to receive the
   * record through `record` instead.
   */
  plain?: (buf: Bytes, start: number, end: number, line: number) => boolean;
  /**
   * Called with each buffer before `plain` gets lines of it (once per buffer, so that `plain`
   * need not check which buffer it reads: code that runs once per buffer in a function called per
   * line has no type feedback when V8 optimizes that function, which then deoptimizes at the next
   * buffer).
   */
  buffer?: (buf: Buffer) => void;
};

export type CsvByteParser = {
  write: (chunk: Bytes) => void;
  /** @throws CsvSyntaxError */
  end: () => void;
};

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * The parser of `createCsvParser` over raw bytes (UTF-8), for large files: plain lines are found
 * with native searches and can be handled without decoding (`plain`); records with quotes or lone
 * CRs go through the text parser. Records, line numbers and errors are the same as for the text.
 *
 * @throws CsvSyntaxError from `write` or `end` on malformed input.
 */
export const createCsvByteParser = (handlers: CsvByteHandlers): CsvByteParser => {
  let pending: Buffer = EMPTY;
  let line = 1;
  let started = false;

  /** Parses a complex record's text with the text parser, lines counted from `line`. */
  const complex = (text: string) => {
    const base = line - 1;
    try {
      const p = createCsvParser((cells, l) => handlers.record(cells, base + l));
      p.write(text);
      p.end();
    } catch (e) {
      if (e instanceof CsvSyntaxError) throw new CsvSyntaxError(e.reason, base + e.line, e.cell);
      throw e;
    }
  };

  /**
   * `n` is `buf.length`, read by the caller: this function runs once per chunk, so V8 optimizes it
   * from its loop (OSR) while the lines before the loop have run only once, before V8 kept any
   * record of them; a property read there made the optimized code be thrown away on the next
   * chunk (and the chunk read unoptimized until it was compiled again).
   */
  const parse = (buf: Buffer, n: number, final: boolean): number => {
    let pos = 0;
    let nextLf = -1;
    let nextCr = -1;
    let nextQuote = -1;
    while (pos < n) {
      if (nextLf < pos) nextLf = byteIndexOrEnd(buf, n, LF, pos);
      if (nextCr < pos) nextCr = byteIndexOrEnd(buf, n, CR, pos);
      if (nextQuote < pos) nextQuote = byteIndexOrEnd(buf, n, QUOTE, pos);
      if (nextLf >= n && !final) return pos;
      if (nextQuote > nextLf && (nextCr >= nextLf || nextCr === nextLf - 1)) {
        const end = nextCr === nextLf - 1 ? nextCr : nextLf;
        if (end > pos && !(handlers.plain?.(buf, pos, end, line) ?? false)) {
          handlers.record(buf.toString("utf8", pos, end).split(","), line);
        }
        line++;
        pos = nextLf + 1;
        continue;
      }
      // A record with quotes or a lone CR: find where it ends (a line break outside quotes).
      let i = pos;
      let quoted = false;
      let breaks = 0;
      let end = -1;
      for (; i < n; i++) {
        const c = buf[i]!;
        if (c === QUOTE) quoted = !quoted;
        else if (c === LF || c === CR) {
          if (quoted) {
            if (c === LF || buf[i + 1] !== LF) breaks++;
            continue;
          }
          if (c === CR) {
            if (i + 1 >= n && !final) return pos;
            if (buf[i + 1] === LF) i++;
          }
          end = i + 1;
          break;
        }
      }
      if (end < 0) {
        if (!final) return pos;
        end = n;
      }
      complex(buf.toString("utf8", pos, end));
      line += breaks + (end === n && !isBreak(buf[n - 1]) ? 0 : 1);
      pos = end;
    }
    return pos;
  };

  return {
    write: (chunk) => {
      if (chunk.length === 0) return;
      if (started && pending.length > 0) {
        // The record cut by the chunk's start, when it is one plain line (no quote, no CR): joined
        // alone (what was pending and the chunk up to its first LF) and parsed, so that the chunk
        // is not copied whole behind it (1 MiB per chunk of a large file).
        const lf = chunk.indexOf(LF, 0);
        if (lf >= 0 && isPlainLine(pending, 0, pending.length) && isPlainLine(chunk, 0, lf)) {
          const joined = Buffer.concat([pending, chunk.subarray(0, lf + 1)]);
          pending = EMPTY;
          handlers.buffer?.(joined);
          parse(joined, joined.length, false); // one plain record and its LF: consumed whole
          chunk = chunk.subarray(lf + 1);
          if (chunk.length === 0) return;
        }
      }
      let buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      if (!started) {
        if (buf.length < 3 && buf[0] === 0xef) {
          pending = buf;
          return;
        }
        started = true;
        if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      }
      handlers.buffer?.(buf);
      const consumed = parse(buf, buf.length, false);
      pending = consumed >= buf.length ? EMPTY : Buffer.from(buf.subarray(consumed));
    },
    end: () => {
      if (
        !started &&
        pending.length > 0 &&
        pending[0] === 0xef &&
        pending[1] === 0xbb &&
        pending[2] === 0xbf
      ) {
        pending = pending.subarray(3);
      }
      started = true;
      if (pending.length > 0) {
        handlers.buffer?.(pending);
        parse(pending, pending.length, true);
      }
      pending = EMPTY;
    },
  };
};

const isBreak = (c: number | undefined): boolean => c === LF || c === CR;

/** Whether `buf[start, end)` holds no quote, CR or LF (a plain line's bytes, without its LF). */
const isPlainLine = (buf: Bytes, start: number, end: number): boolean => {
  for (let k = start; k < end; k++) {
    const c = buf[k]!;
    if (c === QUOTE || c === CR || c === LF) return false;
  }
  return true;
};

/**
 * The index of `byte` in `buf` from `from`, or `n` (`buf.length`, passed in: not found runs once
 * per chunk, see `parse`).
 */
const byteIndexOrEnd = (buf: Buffer, n: number, byte: number, from: number): number => {
  const i = buf.indexOf(byte, from);
  return i < 0 ? n : i;
};
