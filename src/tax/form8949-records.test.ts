/**
 * The records that carry Form 8949 rows to the writing thread (src/tax/form8949-records.ts): what
 * the reader writes from them must be, byte for byte, what the engine's thread writes itself
 * (`form8949Line`), in call order per file, across chunk boundaries, resets and rows declined.
 */
import fc from "fast-check";
import { expect, test } from "vitest";
import { formatScaled } from "../ledger/decimal.ts";
import { formatCsvCell } from "../utils/csv.ts";
import { createRecordReader, createRecordWriter } from "./form8949-records.ts";
import { FORM_8949_HEADER, form8949Line, isPlainAssetCell } from "./format.ts";
import type { Form8949Row } from "./types.ts";

/** Files as the reader writes them: positioned writes and truncation, in memory. */
const memoryFiles = () => {
  const files = new Map<number, Buffer>();
  const io = {
    write: (fd: number, buf: Uint8Array, offset: number, length: number, position: number) => {
      const old = files.get(fd) ?? Buffer.alloc(0);
      const next = Buffer.alloc(Math.max(old.length, position + length));
      old.copy(next);
      next.set(buf.subarray(offset, offset + length), position);
      files.set(fd, next);
      return length;
    },
    truncate: (fd: number, length: number) => {
      files.set(fd, (files.get(fd) ?? Buffer.alloc(0)).subarray(0, length));
    },
  };
  return { files, io };
};

type PartsRow = {
  file: number;
  disposalId: string;
  lotId: string;
  wallet: string;
  asset: string;
  units: bigint;
  scale: number;
  dateAcquired: string;
  dateSold: string;
  proceeds: number;
  costBasis: number;
  long: boolean;
};

/** The `Form8949Row` a parts row stands for (`GainsSink.form8949Parts`). */
const rowOf = (p: PartsRow): Form8949Row => {
  const quantity = formatScaled(p.units, p.scale);
  return {
    disposalId: p.disposalId,
    lotId: p.lotId,
    wallet: p.wallet,
    asset: p.asset,
    quantity,
    dateAcquired: p.dateAcquired,
    dateSold: p.dateSold,
    proceeds: BigInt(p.proceeds),
    costBasis: BigInt(p.costBasis),
    adjustmentCode: "",
    adjustment: undefined,
    gain: BigInt(p.proceeds - p.costBasis),
    term: p.long ? "long" : "short",
    box: p.long ? "L" : "I",
    description: `${quantity} ${p.asset}`,
  };
};

/**
 * Whether a parts row is declined: units of 2^128 or more, an asset that is not its own cell, an
 * id that is not its own cell in ASCII of at most 255 characters or that starts as a formula
 * would (even a plain number such as `-1`, which `formatCsvCell` leaves as it is).
 */
const mayDecline = (p: PartsRow): boolean =>
  p.units >= 2n ** 128n ||
  formatCsvCell(p.asset) !== p.asset ||
  [p.disposalId, p.lotId].some(
    (id) =>
      formatCsvCell(id) !== id ||
      [...id].some((c) => c.charCodeAt(0) > 0x7f) ||
      id.length > 255 ||
      /^[=+\-@\t\r]/.test(id),
  );

const text = fc.string({
  unit: fc.constantFrom("a", "Z", "1", ",", '"', "\n", "=", "-", "+", "@", "é", "€", " ", ":"),
  maxLength: 12,
});
const plainId = fc.stringMatching(/^[a-z][a-z0-9:]{0,14}$/);
const partsRow = fc.record({
  file: fc.integer({ min: 0, max: 1 }),
  disposalId: fc.oneof({ weight: 4, arbitrary: plainId }, { weight: 1, arbitrary: text }),
  lotId: fc.oneof({ weight: 4, arbitrary: plainId }, { weight: 1, arbitrary: text }),
  wallet: fc.oneof(fc.constantFrom("coinbase:main", "ethereum:0x1111"), text),
  asset: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom("ETH", "BTC", "USDC") },
    { weight: 1, arbitrary: text },
  ),
  units: fc.oneof(
    fc.bigInt({ min: 1n, max: 2n ** 53n - 1n }),
    fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n + 1000n }),
    fc.bigInt({ min: 2n ** 64n - 1000n, max: 2n ** 130n }),
    fc.bigInt({ min: 1n, max: 1000n }).map((u) => u * 10n ** 18n),
  ),
  scale: fc.constantFrom(0, 6, 8, 18, 24),
  dateAcquired: fc.constantFrom("2024-01-31", "2025-02-01", "2025-12-31", ""),
  dateSold: fc.constantFrom("2025-02-01", "2025-12-31"),
  proceeds: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  costBasis: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  long: fc.boolean(),
});
/** What the engine's thread does: a row as parts, a record it encoded (`bytes`), or a reset of a file. */
const step = fc.oneof(
  { weight: 12, arbitrary: partsRow.map((p) => ({ kind: "parts" as const, p })) },
  { weight: 2, arbitrary: partsRow.map((p) => ({ kind: "bytes" as const, p })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 1 }).map((file) => ({ kind: "reset" as const, file })) },
);

test("property: the reader writes each file as the engine's thread would (rows in call order, resets, declined rows)", () => {
  fc.assert(
    fc.property(
      fc.array(step, { maxLength: 60 }),
      fc.constantFrom(1024, 4096, 1 << 18),
      (steps, chunkBytes) => {
        const { files, io } = memoryFiles();
        const reader = createRecordReader(io);
        // One chunk, filled again once applied (as the thread's ring reuses its slots).
        const chunk = new Uint8Array(chunkBytes);
        const writer = createRecordWriter(
          () => chunk,
          (c, used) => reader.apply(c, used),
          isPlainAssetCell,
        );
        // File 0 is fd 10, file 1 fd 11.
        const expected = [FORM_8949_HEADER, FORM_8949_HEADER];
        writer.open(0, 10);
        writer.open(1, 11);
        for (const s of steps) {
          if (s.kind === "reset") {
            writer.reset(s.file);
            expected[s.file] = FORM_8949_HEADER;
            continue;
          }
          const p = s.p;
          const line = form8949Line(rowOf(p));
          const taken =
            s.kind === "parts" &&
            writer.parts(
              p.file,
              p.disposalId,
              p.lotId,
              p.wallet,
              p.asset,
              p.units,
              p.scale,
              p.dateAcquired,
              p.dateSold,
              p.proceeds,
              p.costBasis,
              p.long,
            );
          // Declined exactly when it must be; then the caller encodes it (as the CLI does).
          if (s.kind === "parts") expect(taken).toBe(!mayDecline(p));
          if (!taken) {
            const bytes = Buffer.from(line, "utf8");
            writer.bytes(p.file, bytes, 0, bytes.length);
          }
          expected[p.file] += line;
        }
        writer.flush();
        reader.flush();
        expect(files.get(10)?.toString("utf8")).toBe(expected[0]);
        expect(files.get(11)?.toString("utf8")).toBe(expected[1]);
      },
    ),
    { numRuns: 400 },
  );
});

test("a record longer than a chunk, and one longer than the reader's file buffer, arrive whole and in order", () => {
  const { files, io } = memoryFiles();
  const reader = createRecordReader(io);
  const writer = createRecordWriter(
    () => new Uint8Array(1024),
    (chunk, used) => reader.apply(chunk, used),
    isPlainAssetCell,
  );
  writer.open(0, 3);
  const long = Buffer.from(`${"x".repeat(3000)}\n`);
  const huge = Buffer.from(`${"y".repeat(1_500_000)}\n`);
  expect(writer.parts(0, "s1", "b1", "w", "ETH", 5n, 1, "2025-01-01", "2025-01-02", 100, 50, false)).toBe(
    true,
  );
  writer.bytes(0, long, 0, long.length);
  writer.bytes(0, huge, 0, huge.length);
  expect(writer.parts(0, "s2", "b1", "w", "ETH", 2n ** 70n, 18, "2025-01-01", "2025-01-03", 7, 9, true)).toBe(
    true,
  );
  writer.flush();
  reader.flush();
  expect(files.get(3)?.toString("utf8")).toBe(
    `${FORM_8949_HEADER}s1,b1,w,ETH,0.5,2025-01-01,2025-01-02,1.00,0.50,,,0.50,short,I,0.5 ETH\n${long}${huge}` +
      "s2,b1,w,ETH,1180.591620717411303424,2025-01-01,2025-01-03,0.07,0.09,,,-0.02,long,L,1180.591620717411303424 ETH\n",
  );
});
