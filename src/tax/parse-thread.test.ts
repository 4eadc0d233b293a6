/**
 * `lotwise gains --ledger` reading on a worker thread (src/tax/parse-thread.ts) must give exactly
 * what reading on the engine's thread gives: the same Form 8949 rows, gifts and summaries, or the
 * same error, on ledgers of several batches with rows of both paths (decoded by the thread, and
 * general: `lots` cells, quoted cells, amounts of more than 30 digits).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { streamLedgerFile } from "../ledger/read.ts";
import { createAsyncQueue } from "../utils/async-queue.ts";
import { computeGainsStream, type LedgerFeed } from "./gains.ts";
import { readLedgerOnThread } from "./parse-thread.ts";
import { ledgerThreadScript, startLedgerThread } from "./parse-thread-start.ts";
import type { Form8949Row, GainsOptions, GiftRow, Method, Scope } from "./types.ts";

const dir = mkdtempSync(path.join(tmpdir(), "lotwise-parse-thread-"));
const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype,tx,note";

/** The engine's own thread: the byte fast path with the general path behind it (as the CLI). */
const fileFeed =
  (file: string): LedgerFeed =>
  (h) =>
    streamLedgerFile(file, h.row, { source: "l.csv", onRaw: h.raw });

const threadFeed =
  (file: string): LedgerFeed =>
  (h) =>
    readLedgerOnThread(ledgerThreadScript()!, file, "l.csv", { batch: h.batch, threadIds: h.threadIds });

const run = async (feed: LedgerFeed, options: GainsOptions) => {
  const got: { form8949: [number, Form8949Row][]; gifts: [number, GiftRow][]; resets: number } = {
    form8949: [],
    gifts: [],
    resets: 0,
  };
  try {
    const report = await computeGainsStream(feed, options, {
      form8949: (y, r) => got.form8949.push([y, r]),
      gift: (y, g) => got.gifts.push([y, g]),
      reset: () => {
        got.form8949 = [];
        got.gifts = [];
        got.resets++;
      },
    });
    return { ...got, report };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

/**
 * `n` rows over 2024–2025 in two wallets: buys, sells, swaps, transfers, gifts and fees, every
 * 7th disposal naming its lots (specific identification), some quoted or very long cells.
 */
const ledger = (n: number, edit: (lines: string[]) => void = () => {}): string => {
  const lines = [HEADER];
  const wallets = ["coinbase:main", "ethereum:0xab"];
  // Per wallet, its lots holding at least 2 ETH, oldest first (a lot's `left` only falls, so one
  // that drops below 2 leaves for good): the rows need them, not a scan of every lot per row.
  const held = new Map<string, { id: string; left: number }[]>(wallets.map((w) => [w, []]));
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    const time = new Date(t0 + i * 60_000 * 37).toISOString();
    const w = wallets[i % 2]!;
    const open = held.get(w)!;
    const k = i % 10;
    if (open.length === 0 || k < 4) {
      const q = k === 1 ? "1.123456789012345678" : k === 2 ? "2" : "3.5";
      const usd = k === 3 ? "123456789012345678901234567890.5" : `${1000 + (i % 97)}.25`;
      lines.push(`b${i},${time},buy,${w},,,ETH,${q},${usd},USD,,1.5,,,,,`);
      if (Number(q) >= 2) open.push({ id: `b${i}`, left: Number(q) });
    } else if (k === 4 && i % 7 === 4) {
      const lot = open[0]!;
      lot.left -= 1;
      if (lot.left < 2) open.shift();
      lines.push(`s${i},${time},sell,${w},ETH,1,,,${2000 + (i % 13)},,,,,${lot.id}:1,,,`);
    } else if (k === 4 || k === 5) {
      lines.push(`s${i},${time},sell,${w},ETH,0.75,,,${1500 + (i % 31)}.5,ETH,0.01,20,,,,,`);
      open.length = 0;
    } else if (k === 6) {
      lines.push(`t${i},${time},transfer,${w},ETH,0.5,,,,ETH,0.001,2,${wallets[(i + 1) % 2]},,,,`);
    } else if (k === 7) {
      lines.push(`w${i},${time},swap,${w},ETH,0.25,BTC,0.01,600,,,,,,,,"a ""quoted"" note"`);
    } else if (k === 8) {
      lines.push(`g${i},${time},gift,${w},ETH,0.1,,,,,,,,,,,`);
    } else {
      lines.push(`f${i},${time},fee,${w},,,,,,ETH,0.002,4,,,,,`);
    }
  }
  edit(lines);
  const file = path.join(dir, `l${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
};

/**
 * `n` plain rows (every one decoded by the thread) over 2024–2025 in four wallets and three
 * assets: buys, swaps from one asset to another, transfers with a fee in another asset, fee rows,
 * sells and gifts, each taking part of what the wallet holds. Pools are found by the thread's
 * name numbers on this path: a wallet or asset mixed up there changes the rows.
 */
const namesLedger = (n: number): string => {
  const lines = [HEADER];
  const wallets = ["coinbase:main", "ethereum:0xab", "solana:Abc", "kraken:main"];
  const assets = ["ETH", "BTC", "SOL"];
  const held = new Map<string, number>();
  const has = (w: string, a: string) => held.get(`${w}|${a}`) ?? 0;
  const add = (w: string, a: string, q: number) => held.set(`${w}|${a}`, has(w, a) + q);
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    const time = new Date(t0 + i * 60_000 * 61).toISOString();
    const w = wallets[(i * 7) % 4]!;
    const a = assets[i % 3]!;
    const b = assets[(i + 1) % 3]!;
    const part = Math.floor(has(w, a) * 0.3 * 1e6) / 1e6;
    const k = (i * 13) % 10;
    if (k < 3 || part < 0.01) {
      lines.push(
        `b${i},${time},buy,${w},,,${a},${(1 + (i % 5)).toFixed(3)},${1000 + (i % 89)}.25,USD,,1.5,,,,,`,
      );
      add(w, a, 1 + (i % 5));
    } else if (k < 5) {
      lines.push(`w${i},${time},swap,${w},${a},${part},${b},0.5,${700 + (i % 41)},,,,,,,,`);
      add(w, a, -part);
      add(w, b, 0.5);
    } else if (k < 7 && has(w, b) > 0.01) {
      const to = wallets[(i * 7 + 1) % 4]!;
      lines.push(`t${i},${time},transfer,${w},${a},${part},,,,${b},0.001,2,${to},,,,`);
      add(w, a, -part);
      add(to, a, part);
      add(w, b, -0.001);
    } else if (k === 7 && has(w, b) > 0.01) {
      lines.push(`f${i},${time},fee,${w},,,,,,${b},0.002,4,,,,,`);
      add(w, b, -0.002);
    } else if (k === 8) {
      lines.push(`g${i},${time},gift,${w},${a},${part},,,,,,,,,,,`);
      add(w, a, -part);
    } else {
      lines.push(`s${i},${time},sell,${w},${a},${part},,,${1500 + (i % 31)}.5,${a},0.001,2,,,,,`);
      add(w, a, -part - 0.001);
    }
  }
  const file = path.join(dir, `n${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
};

const both = async (file: string, options: GainsOptions) => {
  const here = await run(fileFeed(file), options);
  const thread = await run(threadFeed(file), options);
  expect(thread).toEqual(here);
  return here;
};

describe("gains read on a thread", () => {
  const base: GainsOptions = { fromYear: 2024, toYear: 2025, source: "l.csv" };

  test("every method and scope: the same rows, gifts and summaries over several batches", async () => {
    const file = ledger(20_000);
    for (const method of ["fifo", "lifo", "hifo"] as Method[]) {
      for (const scope of ["transition", "universal", "wallet"] as Scope[]) {
        const r = await both(file, { ...base, method, scope, rowsFromYear: 2025 });
        expect("error" in r).toBe(false);
        if ("error" in r) continue;
        expect(r.form8949.length).toBeGreaterThan(1000);
        expect(r.gifts.length).toBeGreaterThan(100);
        // Specific identification rows (general path) are among them.
        expect(
          r.form8949.some(([, row]) => row.disposalId.startsWith("s") && row.lotId.startsWith("b")),
        ).toBe(true);
      }
    }
  });

  test("several wallets and assets, every row decoded on the thread: the same rows, gifts and summaries", async () => {
    const file = namesLedger(24_000);
    for (const method of ["fifo", "hifo"] as Method[]) {
      for (const scope of ["transition", "universal", "wallet"] as Scope[]) {
        const r = await both(file, { ...base, method, scope, rowsFromYear: 2025 });
        expect("error" in r).toBe(false);
        if ("error" in r) continue;
        expect(r.form8949.length).toBeGreaterThan(1000);
        expect(new Set(r.form8949.map(([, row]) => `${row.wallet} ${row.asset}`)).size).toBe(12);
        expect(r.report.warnings).toEqual([]);
      }
    }
  });

  test("skipLaterYears: later years' decoded rows are counted, not made; the same rows, gifts and summaries, their errors still stop the run", async () => {
    // 24,000 rows an hour apart from 2024-01-01: about 8,800 in 2024, the rest in 2025 and 2026.
    const file = namesLedger(24_000);
    const year: GainsOptions = { ...base, fromYear: 2024, toYear: 2024, scope: "wallet" };
    const all = await run(threadFeed(file), year);
    const skipped = await run(threadFeed(file), { ...year, skipLaterYears: true });
    if ("error" in all || "error" in skipped) throw new Error("unexpected error");
    expect(skipped.resets).toBe(0);
    expect(skipped.form8949).toEqual(all.form8949);
    expect(skipped.gifts).toEqual(all.gifts);
    expect(skipped.report.summaries).toEqual(all.report.summaries);
    expect(skipped.form8949.length).toBeGreaterThan(1000);
    // Positions stop at the end of 2024 (the rows after it are not applied).
    expect(skipped.report.positions).not.toEqual(all.report.positions);

    // A later year's row reusing an id, or with more fraction digits than the scales so far.
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    const last = lines.length - 1;
    const edited = (edit: (cells: string[]) => void) => {
      const copy = [...lines];
      const cells = copy[last]!.split(",");
      edit(cells);
      copy[last] = cells.join(",");
      const f = path.join(dir, `e${Math.random().toString(36).slice(2)}.csv`);
      writeFileSync(f, `${copy.join("\n")}\n`);
      return f;
    };
    const duplicate = edited((c) => {
      c[0] = "b0";
    });
    const error = await run(threadFeed(duplicate), { ...year, skipLaterYears: true });
    expect(error).toEqual({ error: `l.csv:${last + 1}: id: duplicate id "b0" (first on line 2)` });
    expect(await run(threadFeed(duplicate), year)).toEqual(error);
    const finer = edited((c) => {
      c[8] = "1234.125";
    });
    const fine = await run(threadFeed(finer), { ...year, skipLaterYears: true });
    if ("error" in fine) throw new Error(fine.error);
    expect(fine.form8949).toEqual(all.form8949);
    expect(fine.report.summaries).toEqual(all.report.summaries);
    // Later rows out of time order: still found (the second pass), as without the option.
    const swapped = [...lines];
    [swapped[last - 1], swapped[last]] = [swapped[last]!, swapped[last - 1]!];
    const unordered = path.join(dir, `u${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(unordered, `${swapped.join("\n")}\n`);
    const again = await run(threadFeed(unordered), { ...year, skipLaterYears: true });
    if ("error" in again) throw new Error(again.error);
    expect(again.resets).toBe(1);
    expect(again.form8949).toEqual(all.form8949);
  });

  test("a thread started ahead: the rows it read before being taken over come first, in order", async () => {
    const file = ledger(30_000);
    const started = startLedgerThread(ledgerThreadScript()!, file, "l.csv");
    // Let it read (and send) batches before anyone listens.
    for (let i = 0; i < 400 && started.early.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(started.early.length).toBeGreaterThan(0);
    let first = true;
    const early: LedgerFeed = (h) => {
      const s = first ? started : undefined;
      first = false;
      return readLedgerOnThread(
        ledgerThreadScript()!,
        file,
        "l.csv",
        { batch: h.batch, threadIds: h.threadIds },
        s,
      );
    };
    const options: GainsOptions = { ...base, scope: "wallet", rowsFromYear: 2025 };
    expect(await run(early, options)).toEqual(await run(fileFeed(file), options));
    expect(started.taken).toBe(true);
    // A started thread nobody takes over is stopped by its owner.
    const unused = startLedgerThread(ledgerThreadScript()!, file, "l.csv");
    await unused.worker.terminate();
  });

  test("a thread started without its input reads what it is given when taken over (bytes, or bytes in pieces as they arrive); the second pass reads a new one", async () => {
    const file = ledger(20_000, (lines) => {
      // Out of time order: the engine reads the ledger twice.
      const moved = lines.splice(9000, 1)[0]!;
      lines.splice(100, 0, moved);
    });
    const options: GainsOptions = { ...base, scope: "wallet", rowsFromYear: 2025 };
    const here = await run(fileFeed(file), options);
    expect("resets" in here && here.resets).toBe(1);
    const input = { bytes: gzipSync(readFileSync(file), { level: 1 }), gzip: true };
    const started = startLedgerThread(ledgerThreadScript()!, undefined, "stored ledger");
    // It waits: nothing is read before it has its input.
    await new Promise((r) => setTimeout(r, 300));
    expect(started.early).toEqual([]);
    const waiting: LedgerFeed = (h) =>
      readLedgerOnThread(
        ledgerThreadScript()!,
        input,
        "stored ledger",
        { batch: h.batch, threadIds: h.threadIds },
        started,
      );
    expect(await run(waiting, options)).toEqual(here);
    expect(started.taken).toBe(true);
    // Taken over at once, before it has loaded its script: the input waits for it.
    const atOnce = startLedgerThread(ledgerThreadScript()!, undefined, "stored ledger");
    const early = await run(
      (h) =>
        readLedgerOnThread(
          ledgerThreadScript()!,
          input,
          "stored ledger",
          { batch: h.batch, threadIds: h.threadIds },
          atOnce,
        ),
      options,
    );
    expect(early).toEqual(here);
    expect(atOnce.taken).toBe(true);
    // The bytes in pieces as they arrive (the stored ledger copied out of PostgreSQL), cut
    // anywhere, given while the thread already reads; on a started thread and on a new one.
    const bytes = readFileSync(file);
    const inPieces = (h: Parameters<LedgerFeed>[0], thread?: ReturnType<typeof startLedgerThread>) => {
      const pieces = createAsyncQueue<Buffer>();
      const reading = readLedgerOnThread(
        ledgerThreadScript()!,
        { pieces },
        "stored ledger",
        { batch: h.batch, threadIds: h.threadIds },
        thread,
      );
      void (async () => {
        for (let at = 0; at < bytes.length; at += 77_777) {
          pieces.push(bytes.subarray(at, Math.min(bytes.length, at + 77_777)));
          await new Promise((r) => setTimeout(r, 1));
        }
        pieces.end();
      })();
      return reading;
    };
    const waitingForPieces = startLedgerThread(ledgerThreadScript()!, undefined, "stored ledger");
    let firstPass = true;
    expect(
      await run((h) => {
        const t = firstPass ? waitingForPieces : undefined;
        firstPass = false;
        return inPieces(h, t);
      }, options),
    ).toEqual(here);
    expect(waitingForPieces.taken).toBe(true);
    // A failing source: the reader fails with its error.
    const failing = createAsyncQueue<Buffer>();
    failing.push(bytes.subarray(0, 100_000));
    failing.fail(new Error("copy failed"));
    const failed = await run(
      (h) =>
        readLedgerOnThread(ledgerThreadScript()!, { pieces: failing }, "stored ledger", {
          batch: h.batch,
          threadIds: h.threadIds,
        }),
      options,
    );
    expect("error" in failed && failed.error).toBe("copy failed");
    // One started for another source is not taken over.
    const other = startLedgerThread(ledgerThreadScript()!, undefined, "elsewhere");
    const read = await run(
      (h) =>
        readLedgerOnThread(
          ledgerThreadScript()!,
          input,
          "stored ledger",
          { batch: h.batch, threadIds: h.threadIds },
          other,
        ),
      options,
    );
    expect(read).toEqual(here);
    expect(other.taken).toBe(false);
    await other.worker.terminate();
  });

  test("the ledger's bytes instead of a file (the stored ledger), plain or gzip-compressed: the same", async () => {
    const file = ledger(20_000, (lines) => {
      const moved = lines.splice(9000, 1)[0]!;
      lines.splice(100, 0, moved);
    });
    const options = { ...base, scope: "wallet" as Scope, rowsFromYear: 2025 };
    const here = await run(fileFeed(file), options);
    expect("error" in here).toBe(false);
    const bytes = readFileSync(file);
    for (const input of [
      { bytes, gzip: false },
      { bytes: gzipSync(bytes, { level: 1 }), gzip: true },
    ]) {
      const onThread = await run(
        (h) =>
          readLedgerOnThread(ledgerThreadScript()!, input, "l.csv", {
            batch: h.batch,
            threadIds: h.threadIds,
          }),
        options,
      );
      expect(onThread).toEqual(here);
    }
    // An error names the source as the file's reader does.
    const bad = readFileSync(
      ledger(12_000, (l) => {
        l[9_500] = l[9_500]!.replace(",ETH,", ",ETH,-1,").replace(/,$/, "");
      }),
    );
    const r = await run(
      (h) =>
        readLedgerOnThread(ledgerThreadScript()!, { bytes: gzipSync(bad), gzip: true }, "stored ledger", {
          batch: h.batch,
          threadIds: h.threadIds,
        }),
      { ...base, scope: "wallet", source: "stored ledger" },
    );
    expect("error" in r && r.error).toMatch(/^stored ledger:9501: fee_quantity: "-1" is negative/);
  });

  test("batch buffers go back to the thread after each batch and are filled again: the same rows", async () => {
    // 100,000 rows: 13 batches, more than the thread reads ahead (8 here), so it fills returned
    // buffers, over rows of both paths (a general row leaves a decoded row's values in place).
    const file = ledger(100_000);
    const returned: boolean[] = [];
    const feed: LedgerFeed = (h) =>
      readLedgerOnThread(
        ledgerThreadScript()!,
        file,
        "l.csv",
        {
          batch: (batch, names) => {
            h.batch(batch, names);
            const buffer = batch.general.buffer;
            // Sent back once the call returns (`ThreadRowHandlers.batch`): detached on this side.
            queueMicrotask(() => returned.push(buffer.byteLength === 0));
          },
          threadIds: h.threadIds,
        },
        startLedgerThread(ledgerThreadScript()!, file, "l.csv", 8),
      );
    const options: GainsOptions = { ...base, method: "hifo", scope: "wallet", rowsFromYear: 2025 };
    const onThread = await run(feed, options);
    expect(onThread).toEqual(await run(fileFeed(file), options));
    expect(returned.length).toBeGreaterThan(12);
    expect(returned.every((r) => r)).toBe(true);
  });

  test("the first batches are small (512 rows, then twice as many each, up to 8,192): the caller starts sooner; the same rows", async () => {
    const file = namesLedger(20_000);
    const counts: number[] = [];
    const feed: LedgerFeed = (h) =>
      readLedgerOnThread(ledgerThreadScript()!, file, "l.csv", {
        batch: (batch, names) => {
          counts.push(batch.count);
          h.batch(batch, names);
        },
        threadIds: h.threadIds,
      });
    const options: GainsOptions = { ...base, scope: "wallet" };
    const onThread = await run(feed, options);
    expect(onThread).toEqual(await run(fileFeed(file), options));
    expect(counts).toEqual([512, 1024, 2048, 4096, 8192, 4128]);
  });

  test("rows out of time order: the second pass reads the thread again", async () => {
    const file = ledger(12_000, (lines) => {
      const moved = lines.splice(9000, 1)[0]!;
      lines.splice(100, 0, moved);
    });
    const r = await both(file, { ...base, scope: "wallet" });
    expect("resets" in r && r.resets).toBe(1);
  });

  test("errors: duplicate ids (both paths), lots naming no lot, a lot not yet acquired, bad rows and CSV syntax", async () => {
    const edits: ((lines: string[]) => void)[] = [
      (l) => {
        l[10_000] = l[10_000]!.replace(/^[a-z]\d+,/, "b0,");
      },
      (l) => {
        l[10_000] = `b0,${l[10_000]!.split(",").slice(1).join(",")}`.replace(/,,,,,$/, ',,,,,"q"');
      },
      (l) => {
        l.push(`x1,2025-12-31T00:00:00Z,sell,coinbase:main,ETH,1,,,5,,,,,nolot:1,,,`);
      },
      (l) => {
        // At the time of the row before it (in time order: the lot's message is of the first pass).
        const time = l[20]!.split(",")[1];
        l.splice(21, 0, `x2,${time},sell,coinbase:main,ETH,1,,,5,,,,,b9000:1,,,`);
      },
      (l) => {
        l[9_500] = l[9_500]!.replace(",ETH,", ",ETH,-1,").replace(/,$/, "");
      },
      (l) => {
        l[11_000] = `${l[11_000]!}"`;
      },
      (l) => {
        l[0] = l[0]!.replace("wallet", "wallets");
      },
    ];
    const messages: string[] = [];
    for (const edit of edits) {
      const r = await both(ledger(12_000, edit), { ...base, scope: "wallet" });
      expect("error" in r).toBe(true);
      if ("error" in r) messages.push(String(r.error).split("\n")[0]!);
    }
    expect(messages).toEqual([
      expect.stringMatching(/^l\.csv:10001: id: duplicate id "b0" \(first on line 2\)/),
      expect.stringMatching(/^l\.csv:10001: id: duplicate id "b0" \(first on line 2\)/),
      expect.stringMatching(/^l\.csv:12002: lots: no lot "nolot" in the ledger/),
      expect.stringMatching(/^l\.csv:22: lots: lot "b9000" is not a lot acquired before this row/),
      expect.stringMatching(/^l\.csv:9501: fee_quantity: "-1" is negative/),
      expect.stringMatching(/^l\.csv:11001: /),
      expect.stringMatching(/^l\.csv:1: /),
    ]);
  });
});
