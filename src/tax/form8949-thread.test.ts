/**
 * The Form 8949 writing thread (src/tax/form8949-thread.ts, built to dist/form8949-thread.js):
 * files opened here and written there hold exactly the records given, in order, also when the
 * engine's thread runs far ahead of it (it then waits), and a write that fails there is the run's
 * error.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { expect, test } from "vitest";
import { formatScaled } from "../ledger/decimal.ts";
import { form8949ThreadScript, startForm8949Thread } from "./form8949-thread.ts";
import { FORM_8949_HEADER } from "./format.ts";

const dir = mkdtempSync(path.join(tmpdir(), "lotwise-form8949-thread-"));

test("two files, 300,000 rows handed over faster than they are written (the ring's slots are reused), a record encoded here, a reset: each file as given", async () => {
  const script = form8949ThreadScript();
  expect(script).toBeDefined();
  const N = 300_000;
  // The rows and their lines first: the loop below then hands rows over as fast as the engine's
  // thread can (about 60 bytes each, 18 MB: more than the 8 MiB ring), ahead of the writing thread.
  const wallets = ["coinbase:main", "ethereum:0x1111"];
  const rows = Array.from({ length: N }, (_, i) => ({
    file: i % 3 === 0 ? 1 : 0,
    id: `s${i}`,
    lot: `b${i >> 1}`,
    // Small units (a number), then from 2^53 + 1 on (odd and even, past 2^64 from i = 149,346).
    units: i % 7 === 0 ? BigInt(i + 1) : 2n ** 53n + 1n + BigInt(i) * 123_456_789_012_345n,
    sold: i < 150_000 ? "2025-01-02" : "2025-06-30",
  }));
  const cents = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, "0")}`;
  const lines = rows.map((r, i) => {
    const quantity = formatScaled(r.units, 18);
    return (
      `${r.id},${r.lot},${wallets[i % 2]},ETH,${quantity},2024-03-01,${r.sold},${cents(i * 3)},${cents(i)},,,` +
      `${cents(i * 2)},${i >= 150_000 ? "long,L" : "short,I"},${quantity} ETH\n`
    );
  });
  const encoded = Buffer.from('"s,10",b1,w,ETH,1,,2025-01-02,0.00,0.00,,,0.00,short,I,1 ETH\n');
  const expected = [[FORM_8949_HEADER], [FORM_8949_HEADER]];
  // File 1 starts over before row 3,000.
  for (let i = 0; i < N; i++) {
    if (i === 3_000) expected[1] = [FORM_8949_HEADER];
    expected[rows[i]!.file]!.push(lines[i]!);
    if (i === 10) expected[0]!.push(encoded.toString());
  }

  const writer = startForm8949Thread(script!);
  const files = [path.join(dir, "a.csv"), path.join(dir, "b.csv")];
  const fds = files.map((f) => openSync(f, "w"));
  writer.open(0, fds[0]!);
  writer.open(1, fds[1]!);
  let declined = 0;
  for (let i = 0; i < N; i++) {
    const r = rows[i]!;
    if (i === 3_000) writer.reset(1);
    const taken = writer.parts(
      r.file,
      r.id,
      r.lot,
      wallets[i % 2]!,
      "ETH",
      r.units,
      18,
      "2024-03-01",
      r.sold,
      i * 3,
      i,
      i >= 150_000,
    );
    if (!taken) declined++;
    if (i === 10) writer.bytes(0, encoded, 0, encoded.length);
  }
  await writer.finish();
  for (const fd of fds) closeSync(fd);
  expect(declined).toBe(0);
  expect(readFileSync(files[0]!, "utf8")).toBe(expected[0]!.join(""));
  expect(readFileSync(files[1]!, "utf8")).toBe(expected[1]!.join(""));
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

test("a thread that dies (an uncaught error) while rows wait for it: the run fails, it does not wait forever", async () => {
  // The real thread, then an error nobody catches, before it writes anything.
  const script = path.join(dir, "dying-thread.mjs");
  writeFileSync(
    script,
    `import ${JSON.stringify(pathToFileURL(form8949ThreadScript()!).href)};\nthrow new Error("boom");\n`,
  );
  const writer = startForm8949Thread(script);
  const fd = openSync(path.join(dir, "dying.csv"), "w");
  writer.open(0, fd);
  // 200,000 rows: more than the ring holds (about 60 bytes each, 12 MB).
  for (let i = 0; i < 200_000; i++)
    writer.parts(0, `s${i}`, `b${i}`, "w", "ETH", 2n ** 60n, 18, "2025-01-01", "2025-01-02", i, i, false);
  await expect(writer.finish()).rejects.toThrow();
  closeSync(fd);
}, 30_000);
