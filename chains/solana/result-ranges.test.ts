import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { nextAnswer, quickResultRanges, resultRanges } from "./result-ranges.ts";

const bytes = (text: string) => Buffer.from(text, "utf8");
/** Each element's `result` as cut from `text` (undefined when absent). */
const cut = (text: string, from = 0) => {
  const body = bytes(text);
  const r = resultRanges(body, from);
  if (!r) return undefined;
  return [...r.starts].map((s, i) => (s < 0 ? undefined : body.subarray(s, r.ends[i]!).toString("utf8")));
};

describe("resultRanges()", () => {
  test("cuts each answer's result as the node wrote it, whatever the key order and spacing", () => {
    const text =
      ' \n[ {"jsonrpc":"2.0","id":0,"result":{"a":[1,2,{"b":"}]\\"{"}],"c":null}} ,\r\n' +
      '{"result" : [ "x" , -1.5e3 ] , "id" : 1}, {"id":2,"error":{"code":-32005,"message":"behind"}},' +
      '{"id":3,"result":null},{"id":4,"result":"a \\\\"}, 7, {} ]\t';
    expect(cut(text)).toEqual([
      '{"a":[1,2,{"b":"}]\\"{"}],"c":null}',
      '[ "x" , -1.5e3 ]',
      undefined,
      "null",
      '"a \\\\"',
      undefined,
      undefined,
    ]);
    expect(cut("[]")).toEqual([]);
  });

  test("gives each element's own range and where the array ends", () => {
    const text = ' [ {"id":0,"result":[1]} , 7,"s" ,{}]  ';
    const body = bytes(text);
    const r = resultRanges(body)!;
    const elements = [...r.elementStarts].map((s, i) => text.slice(s, r.elementEnds[i]!));
    expect(elements).toEqual(['{"id":0,"result":[1]}', "7", '"s"', "{}"]);
    expect(text.slice(0, r.end).endsWith("]")).toBe(true);
    expect(text.slice(r.end)).toBe("  ");
    expect(resultRanges(bytes("[]"))).toMatchObject({ elementStarts: new Int32Array(0), end: 2 });
  });

  test("starts after a byte order mark; multi-byte characters keep their bytes", () => {
    const text = '\ufeff[{"result":{"memo":"naïve ☃ 𝄞"}}]';
    expect(cut(text, 3)).toEqual(['{"memo":"naïve ☃ 𝄞"}']);
  });

  test("a repeated result key counts at its last occurrence, as JSON.parse keeps it", () => {
    const text = '[{"result":1,"id":0,"result":{"x":2}}]';
    expect(cut(text)).toEqual(['{"x":2}']);
    expect(JSON.parse(text)[0].result).toEqual({ x: 2 });
  });

  test("gives up on a body that is not an array, and on escaped keys", () => {
    expect(cut('{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"no"}}')).toBeUndefined();
    expect(cut('[{"res\\u0075lt":{"x":1}}]')).toBeUndefined();
    expect(cut('[{"result":"unterminated]')).toBeUndefined();
  });

  test("any JSON answers, compact or indented: each cut parses to the parsed result", () => {
    const answer = fc.record(
      {
        id: fc.nat(),
        result: fc.jsonValue(),
        error: fc.record({ code: fc.integer(), message: fc.string() }),
      },
      { requiredKeys: ["id"] },
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(answer, fc.jsonValue())),
        fc.constantFrom(undefined, 1, "\t"),
        (list, space) => {
          const text = JSON.stringify(list, null, space);
          const parsed = JSON.parse(text) as unknown[];
          const isObject = (a: unknown): a is object =>
            typeof a === "object" && a !== null && !Array.isArray(a);
          // Only an answer key written with an escape stops the scan.
          const escapedKey = parsed.some(
            (a) => isObject(a) && Object.keys(a).some((k) => JSON.stringify(k).includes("\\")),
          );
          const cuts = cut(text);
          expect(cuts === undefined).toBe(escapedKey);
          if (!cuts) return;
          expect(cuts).toHaveLength(parsed.length);
          parsed.forEach((a, i) => {
            const has = isObject(a) && "result" in a;
            expect(cuts![i] === undefined).toBe(!has);
            if (has) expect(JSON.parse(cuts![i]!)).toEqual((a as { result: unknown }).result);
          });
        },
      ),
    );
  });
});

describe("quickResultRanges()", () => {
  const same = (text: string, from = 0) => {
    const q = quickResultRanges(bytes(text), from);
    expect(q).toBeDefined();
    expect(q).toEqual(resultRanges(bytes(text), from));
  };

  test("the compact shape nodes write, result or id first: the same ranges as the full scan", () => {
    same('[{"jsonrpc":"2.0","result":{"a":[1,"}]"]},"id":0},{"jsonrpc":"2.0","result":null,"id":12}]');
    same(
      '\ufeff [{"jsonrpc":"2.0","id":0,"result":{"memo":"naïve ☃"}},{"jsonrpc":"2.0","id":1,"result":[]}]\n',
      3,
    );
    same('[{"jsonrpc":"2.0","id":7,"result":{"x":1}}]');
  });

  test("any other shape is left to the full scan", () => {
    for (const text of [
      "[]",
      '[{"jsonrpc":"2.0","id":0,"error":{"code":1,"message":"no"}}]',
      '[ {"jsonrpc":"2.0","id":0,"result":{}}]',
      '[{"jsonrpc":"2.0","id":0,"result":{}} ,{"jsonrpc":"2.0","id":1,"result":{}}]',
      '[{"jsonrpc":"2.0","id":01,"result":{}}]',
      '[{"jsonrpc":"2.0","result":{},"id":"a"}]',
      '[{"jsonrpc":"2.0","result":{}}]',
      '{"jsonrpc":"2.0","id":0,"result":{}}',
      '[{"jsonrpc":"2.0","id":0,"result":{}}] x',
    ])
      expect(quickResultRanges(bytes(text)), text).toBeUndefined();
  });

  test("a result holding the next answer's start is cut wrong: a guess that parsing refutes", () => {
    // Not in a string (its quotes would be escaped): an object of the same shape inside the result.
    const text =
      '[{"jsonrpc":"2.0","id":0,"result":{"list":[{"a":1},{"jsonrpc":"2.0","id":1,"result":{}}]}},{"jsonrpc":"2.0","id":1,"result":{}}]';
    const body = bytes(text);
    const q = quickResultRanges(body)!;
    const cut = body.subarray(q.starts[0]!, q.ends[0]!).toString();
    expect(() => JSON.parse(cut)).toThrow(SyntaxError);
    expect(resultRanges(body)!.starts).not.toEqual(q.starts);
  });
});

test("nextAnswer finds where the next answer starts as indexOf of the whole separator does", () => {
  const NEXT = ',{"jsonrpc":"2.0",';
  // Texts made of the separator, parts of it (the word searched for without what is around it)
  // and other bytes, searched from every position.
  const part = fc.constantFrom(NEXT, "jsonrpc", '{"jsonrpc":"2.0"', ',{"jsonrpc"', "rpc", '"', ",", "x", "é");
  fc.assert(
    fc.property(fc.array(part, { maxLength: 12 }), (parts) => {
      const body = Buffer.from(parts.join(""), "utf8");
      for (let from = 0; from <= body.length; from++)
        expect(nextAnswer(body, from)).toBe(body.indexOf(Buffer.from(NEXT, "latin1"), from));
    }),
  );
});
