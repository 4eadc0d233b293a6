/**
 * The Form 8949 writing thread (src/tax/form8949-thread.ts, built to dist/form8949-thread.js):
 * files opened here and written there hold exactly the records given, in order, also when the
 * engine's thread runs far ahead of it (it then waits), and a write that fails there is the run's
 * error.
 */
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { formatScaled } from "../ledger/decimal.ts";
import { form8949ThreadScript, startForm8949Thread } from "./form8949-thread.ts";
import { FORM_8949_HEADER } from "./format.ts";

const dir = mkdtempSync(path.join(tmpdir(), "lotwise-form8949-thread-"));

test("two files, 300,000 rows (far more than the thread may lag behind), a record encoded here, a reset: each file as given", async () => {
  const script = form8949ThreadScript();
  expect(script).toBeDefined();
  const writer = startForm8949Thread(script!);
  const files = [path.join(dir, "a.csv"), path.join(dir, "b.csv")];
  const fds = files.map((f) => openSync(f, "w"));
  writer.open(0, fds[0]!);
  writer.open(1, fds[1]!);
  const expected = [FORM_8949_HEADER, FORM_8949_HEADER];
  // Rows go to both files; file 1 starts over after its first 1,000 rows.
  for (let i = 0; i < 300_000; i++) {
    const file = i % 3 === 0 ? 1 : 0;
    if (i === 3_000) {
      writer.reset(1);
      expected[1] = FORM_8949_HEADER;
    }
    // Small units (a number), then from 2^53 + 1 on (odd and even, past 2^64 from i = 149,346).
    const units = i % 7 === 0 ? BigInt(i + 1) : 2n ** 53n + 1n + BigInt(i) * 123_456_789_012_345n;
    const taken = writer.parts(
      file,
      `s${i}`,
      `b${i >> 1}`,
      i % 2 === 0 ? "coinbase:main" : "ethereum:0x1111",
      "ETH",
      units,
      18,
      "2024-03-01",
      i < 150_000 ? "2025-01-02" : "2025-06-30",
      i * 3,
      i,
      i >= 150_000,
    );
    expect(taken).toBe(true);
    const quantity = formatScaled(units, 18);
    const cents = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, "0")}`;
    expected[file] +=
      `s${i},b${i >> 1},${i % 2 === 0 ? "coinbase:main" : "ethereum:0x1111"},ETH,${quantity},2024-03-01,` +
      `${i < 150_000 ? "2025-01-02" : "2025-06-30"},${cents(i * 3)},${cents(i)},,,${cents(i * 2)},` +
      `${i >= 150_000 ? "long,L" : "short,I"},${quantity} ETH\n`;
    if (i === 10) {
      const line = Buffer.from('"s,10",b1,w,ETH,1,,2025-01-02,0.00,0.00,,,0.00,short,I,1 ETH\n');
      writer.bytes(0, line, 0, line.length);
      expected[0] += line.toString();
    }
  }
  await writer.finish();
  for (const fd of fds) closeSync(fd);
  expect(readFileSync(files[0]!, "utf8")).toBe(expected[0]);
  expect(readFileSync(files[1]!, "utf8")).toBe(expected[1]);
}, 60_000);

test("a write that fails on the thread (a descriptor opened for reading) rejects finish with the system error", async () => {
  const file = path.join(dir, "read-only.csv");
  closeSync(openSync(file, "w"));
  const fd = openSync(file, "r");
  const writer = startForm8949Thread(form8949ThreadScript()!);
  writer.open(0, fd);
  writer.parts(0, "s1", "b1", "w", "ETH", 1n, 0, "2025-01-01", "2025-01-02", 1, 1, false);
  await expect(writer.finish()).rejects.toMatchObject({ code: "EBADF", syscall: "write" });
  closeSync(fd);
});
