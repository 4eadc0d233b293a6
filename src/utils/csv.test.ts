import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  CsvSyntaxError,
  createCsvByteParser,
  createCsvParser,
  escapeFormula,
  formatCsvCell,
  formatCsvRow,
  isFormulaLike,
  parseCsv,
} from "./csv.ts";

const cellsOf = (text: string) => parseCsv(text).map((r) => r.cells);
const linesOf = (text: string) => parseCsv(text).map((r) => r.line);

/** Parses `text` fed in pieces cut at `cuts` (positions). */
const parseInPieces = (text: string, cuts: number[]) => {
  const out: { cells: string[]; line: number }[] = [];
  const p = createCsvParser((cells, line) => out.push({ cells: [...cells], line }));
  let from = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    p.write(text.slice(from, c));
    from = c;
  }
  p.write(text.slice(from));
  p.end();
  return out;
};

describe("parseCsv()", () => {
  test("plain records, with or without a final newline", () => {
    expect(cellsOf("a,b,c\n1,2,3\n")).toEqual([
      ["a", "b", "c"],
      ["1", "2", "3"],
    ]);
    expect(cellsOf("a,b\n1,2")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  test("empty cells, trailing separators and a single empty quoted cell", () => {
    expect(cellsOf("a,,c,\n")).toEqual([["a", "", "c", ""]]);
    expect(cellsOf('""\n')).toEqual([[""]]);
    expect(cellsOf(",\n")).toEqual([["", ""]]);
  });

  test("quoted cells: separators, escaped quotes and line breaks are data", () => {
    expect(cellsOf('"a,b","say ""hi""","x\ny"\n')).toEqual([["a,b", 'say "hi"', "x\ny"]]);
    expect(cellsOf('"a\r\nb",c\r\n')).toEqual([["a\r\nb", "c"]]);
  });

  test("line numbers are where each record starts, counting lines inside quoted cells", () => {
    const text = 'h1,h2\n1,"two\nlines"\n\n3,"x\r\ny\r\nz"\r\n4,4\n';
    expect(linesOf(text)).toEqual([1, 2, 5, 8]);
    expect(cellsOf(text)[3]).toEqual(["4", "4"]);
  });

  test("CRLF, LF and lone CR all end records; blank lines are skipped but counted", () => {
    expect(parseCsv("a\r\nb\rc\n\nd")).toEqual([
      { cells: ["a"], line: 1 },
      { cells: ["b"], line: 2 },
      { cells: ["c"], line: 3 },
      { cells: ["d"], line: 5 },
    ]);
  });

  test("a UTF-8 byte order mark at the start is dropped", () => {
    expect(cellsOf("\uFEFFid,x\n1,2\n")[0]).toEqual(["id", "x"]);
  });

  test("malformed input is an error naming the record's line and the cell", () => {
    const errorOf = (text: string) => {
      try {
        parseCsv(text);
      } catch (e) {
        return e as CsvSyntaxError;
      }
      throw new Error("no error");
    };
    const open = errorOf('a,b\n1,"never closed\n2,3\n');
    expect(open).toBeInstanceOf(CsvSyntaxError);
    expect([open.line, open.cell, open.reason]).toEqual([2, 1, "quoted cell is never closed"]);
    const inner = errorOf('a,b\nx,ab"c\n');
    expect([inner.line, inner.cell]).toEqual([2, 1]);
    expect(inner.reason).toMatch(/quote/);
    const after = errorOf('a\n"x"y,z\n');
    expect([after.line, after.cell]).toEqual([2, 0]);
    expect(after.reason).toMatch(/after the closing quote/);
  });

  test("property: records are the same however the text is cut into pieces", () => {
    const cell = fc.oneof(
      fc.string({ unit: fc.constantFrom("a", "b", ",", '"', "\n", "\r", " ", "é", "=") }),
      fc.stringMatching(/^[a-z0-9.]{0,6}$/),
    );
    const table = fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(table, fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (rows, cutSeeds, crlf) => {
        // Rows of one empty cell would print as blank lines, which the parser skips by design.
        const kept = rows.filter((r) => !(r.length === 1 && r[0] === ""));
        let text = kept.map((r) => formatCsvRow(r, { escapeFormulas: false })).join("");
        if (crlf) text = text.replace(/\n(?=(?:[^"]*"[^"]*")*[^"]*$)/g, "\r\n");
        const cuts = cutSeeds.map((s) => (text.length === 0 ? 0 : s % (text.length + 1)));
        const whole = parseCsv(text);
        expect(whole.map((r) => r.cells)).toEqual(kept);
        expect(parseInPieces(text, cuts)).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });
});

describe("formatCsvCell()", () => {
  test("quotes only cells that need it", () => {
    expect(formatCsvCell("plain")).toBe("plain");
    expect(formatCsvCell("a,b")).toBe('"a,b"');
    expect(formatCsvCell('say "hi"')).toBe('"say ""hi"""');
    expect(formatCsvCell("two\nlines")).toBe('"two\nlines"');
    expect(formatCsvCell("")).toBe("");
  });

  test("defuses formula-like cells but keeps plain decimal numbers", () => {
    expect(formatCsvCell("=SUM(A1:A2)")).toBe("'=SUM(A1:A2)");
    expect(formatCsvCell("+1+2")).toBe("'+1+2");
    expect(formatCsvCell("@cmd")).toBe("'@cmd");
    expect(formatCsvCell("-1+2")).toBe("'-1+2");
    expect(formatCsvCell("\tx")).toBe("'\tx");
    expect(formatCsvCell("-12.50")).toBe("-12.50");
    expect(formatCsvCell("-3")).toBe("-3");
    expect(formatCsvCell('=HYPERLINK("x","y")')).toBe('"\'=HYPERLINK(""x"",""y"")"');
    expect(formatCsvCell("=1", { escapeFormulas: false })).toBe("=1");
  });

  test("isFormulaLike() and escapeFormula()", () => {
    expect(isFormulaLike("-0.01")).toBe(false);
    expect(isFormulaLike("-")).toBe(true);
    expect(isFormulaLike("-1e5")).toBe(true);
    expect(isFormulaLike("a=b")).toBe(false);
    expect(escapeFormula("ok")).toBe("ok");
  });

  test("formatCsvRow() joins cells and ends with a newline; the parser reads it back", () => {
    const row = ["id", "a,b", 'q"', "=x", "-5.25"];
    const line = formatCsvRow(row);
    expect(line).toBe('id,"a,b","q""",\'=x,-5.25\n');
    expect(cellsOf(line)).toEqual([["id", "a,b", 'q"', "'=x", "-5.25"]]);
  });
});

/** Runs the byte parser over `text` cut at `cuts`, with or without the plain fast path. */
const parseBytes = (text: string, cuts: number[], plain: boolean) => {
  const out: { cells: string[]; line: number }[] = [];
  const bytes = Buffer.from(text, "utf8");
  const p = createCsvByteParser({
    record: (cells, line) => out.push({ cells: [...cells], line }),
    plain: plain
      ? (buf, start, end, line) => {
          out.push({ cells: buf.toString("utf8", start, end).split(","), line });
          return true;
        }
      : undefined,
  });
  let from = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    const at = Math.min(c, bytes.length);
    p.write(bytes.subarray(from, at));
    from = at;
  }
  p.write(bytes.subarray(from));
  p.end();
  return out;
};

const errorText = (f: () => unknown): string => {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof CsvSyntaxError) return `${e.line}:${e.cell}:${e.reason}`;
    throw e;
  }
};

describe("createCsvByteParser()", () => {
  test("plain lines go to the fast path; quoted records and lone CRs through the text parser", () => {
    const seen: string[] = [];
    const p = createCsvByteParser({
      record: (cells, line) => seen.push(`record ${line}: ${cells.join("|")}`),
      plain: (buf, start, end, line) => {
        seen.push(`plain ${line}: ${buf.toString("utf8", start, end)}`);
        return line !== 4;
      },
    });
    p.write(Buffer.from('\uFEFFa,b\r\n"x\ny",2\nc,3\n\nd\re,é\n'));
    p.end();
    expect(seen).toEqual([
      "plain 1: a,b",
      "record 2: x\ny|2",
      "plain 4: c,3",
      "record 4: c|3",
      "record 6: d",
      "plain 7: e,é",
    ]);
  });

  test("a plain line cut by a chunk's start is joined alone; the rest of the chunk is read in place", () => {
    const seen: string[] = [];
    const chunks: Buffer[] = [];
    const p = createCsvByteParser({
      record: (cells, line) => seen.push(`record ${line}: ${cells.join("|")}`),
      plain: (buf, start, end, line) => {
        seen.push(`plain ${line}: ${buf.toString("utf8", start, end)}`);
        chunks.push(buf as Buffer);
        return true;
      },
    });
    const second = Buffer.from('c,4\nd,5\n"e\n",6\nf');
    p.write(Buffer.from("a,1\nb,"));
    p.write(Buffer.from("2"));
    p.write(second);
    p.write(Buffer.from(",7\r\ng,8"));
    p.end();
    expect(seen).toEqual([
      "plain 1: a,1",
      "plain 2: b,2c,4",
      "plain 3: d,5",
      "record 4: e\n|6",
      "plain 6: f,7",
      "record 7: g|8", // the last line, without its LF: the text parser (as always)
    ]);
    // `d,5` was read from the written chunk itself, not from a copy of it.
    expect(chunks[2]!.buffer).toBe(second.buffer);
  });

  test("`buffer` is told each buffer before `plain` gets a line of it (joined, in place)", () => {
    let announced: Buffer | undefined;
    const seen: string[] = [];
    const p = createCsvByteParser({
      record: (cells, line) => seen.push(`record ${line}: ${cells.join("|")}`),
      plain: (buf, start, end, line) => {
        seen.push(
          `plain ${line}: ${buf.toString("utf8", start, end)}${buf === announced ? "" : " (not told)"}`,
        );
        return true;
      },
      buffer: (buf) => {
        announced = buf;
      },
    });
    p.write(Buffer.from("a,1\nb,"));
    p.write(Buffer.from("2"));
    p.write(Buffer.from("c,4\nd,5\n"));
    p.write(Buffer.from("e,6\nf,7"));
    p.end();
    expect(seen).toEqual([
      "plain 1: a,1",
      "plain 2: b,2c,4",
      "plain 3: d,5",
      "plain 4: e,6",
      "record 5: f|7",
    ]);
  });

  test("property: same records, lines and errors as the text parser, however the bytes are cut", () => {
    const text = fc.array(
      fc.oneof(
        fc.constantFrom("a", "b1", ",", ",", '"', '""', "\n", "\r\n", "\r", "é", "€", " "),
        fc.stringMatching(/^[a-z0-9.]{1,8}$/),
      ),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (parts, cuts, bom) => {
        const t = (bom ? "\uFEFF" : "") + parts.join("");
        const n = Buffer.byteLength(t);
        const cutsAt = cuts.map((c) => c % (n + 1));
        const expected = errorText(() => parseCsv(t));
        const viaBytes = errorText(() => parseBytes(t, cutsAt, true));
        expect(viaBytes).toBe(expected);
        if (expected === "ok") {
          expect(parseBytes(t, cutsAt, true)).toEqual(parseCsv(t));
          expect(parseBytes(t, cutsAt, false)).toEqual(parseCsv(t));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
