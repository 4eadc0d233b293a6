import { randomBytes } from "node:crypto";
import { closeSync, existsSync, openSync, statSync, writeSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import type { Command } from "commander";
import { snapshotFileOf } from "../../books/snapshot-file.ts";
import type { StoredLedgerCsv, StoredLedgerNotes } from "../../books/stored-ledger.ts";
import { UserInputError } from "../../errors.ts";
import { type RawLedgerRecord, streamLedgerBytes, streamLedgerFile } from "../../ledger/read.ts";
import type { LedgerRow } from "../../ledger/types.ts";
import { decodedId, TYPE_CODE } from "../../tax/decoded-batch.ts";
import { bigintToNumber } from "../../tax/exact-scale.ts";
import { createFeeCombiner, FEE_STATEMENT_HEADER, feeStatementLine } from "../../tax/fee-combine.ts";
import { type Form8949Thread, form8949ThreadScript, startForm8949Thread } from "../../tax/form8949-thread.ts";
import {
  encodeForm8949Line,
  encodeForm8949Parts,
  FORM_8949_HEADER,
  form8949Line,
  formatAllocationCsv,
  formatHumanSummary,
  formatSummaryJson,
  GIFTS_HEADER,
  giftLine,
  MAX_NUMBER_UNITS,
  maxForm8949LineBytes,
  maxForm8949PartsBytes,
} from "../../tax/format.ts";
import { computeGainsStream, FIRST_TAX_YEAR, type LedgerFeed, type ResettableSink } from "../../tax/gains.ts";
import { formatCents, parseUsdCents } from "../../tax/money.ts";
import { readLedgerOnThread } from "../../tax/parse-thread.ts";
import {
  type LedgerInput,
  ledgerThreadScript,
  type StartedLedgerThread,
  startLedgerThread,
  THREAD_MIN_BYTES,
  takeEarlyLedgerThread,
} from "../../tax/parse-thread-start.ts";
import {
  FILING_STATUSES,
  type FilingStatus,
  type Form8949Row,
  type GainsSummary,
  METHODS,
  type Method,
  SCOPES,
  type Scope,
} from "../../tax/types.ts";
import { createAsyncQueue } from "../../utils/async-queue.ts";
import { tzFlag, universalScopeWarning } from "../command-checks.ts";
import { commandCommon, commandServices } from "../command-services.ts";
import { formsRoutingFor } from "../forms-routing.ts";
import type { CliRuntime } from "../runtime.ts";
import type { RegisterCommand } from "./types.ts";

export type { StoredLedgerNotes } from "../../books/stored-ledger.ts";

/**
 * `lotwise gains`: reads a ledger (CSV v1), computes the tax years asked for and writes them.
 *
 * Layout: for `--year Y`, exactly `DIR/form8949.csv` and `DIR/summary.json`, plus `DIR/gifts.csv`
 * when the year has gifts. For `--years A-B`, the same files in `DIR/<year>/` for each year. The
 * Rev. Proc. 2024-28 allocation record, when an allocation happened, is `DIR/allocation.csv`.
 *
 * All or nothing: every file is written under a temporary name in its folder and renamed into
 * place only after the whole run succeeded; on any error the temporary files (and folders this
 * run created) are removed.
 */

type GainsFlags = {
  ledger?: string;
  year?: string;
  years?: string;
  method: string;
  scope: string;
  carryoverSt?: string;
  carryoverLt?: string;
  filingStatus: string;
  taxableIncome?: string;
  tz?: string;
  strict?: boolean;
  washSale?: boolean | string;
  combineFees?: boolean;
  out: string;
};

/**
 * Loads the user's stored (reconciled) ledger when `--ledger` is not given: brings it up to date
 * with the synced chain data (an incremental rebuild), then reads every row in ledger order.
 */
export const loadStoredLedger = async (args: {
  command: Command;
  runtime: CliRuntime;
  /** Return no rows instead of failing when the stored ledger is empty. */
  allowEmpty?: boolean;
}): Promise<{ rows: (LedgerRow & { origin: string })[]; notes: StoredLedgerNotes }> => {
  const [{ rebuildAndReport }, { readStoredLedger }] = await Promise.all([
    import("../rebuild.ts"),
    import("../../books/stored-ledger.ts"),
  ]);
  const services = await commandServices(args.command, args.runtime);
  await rebuildAndReport(services, () => {});
  const stored = await readStoredLedger(services.database.db, services.userId);
  if (stored.rows.length === 0 && !args.allowEmpty) throw storedLedgerEmpty(stored.notes.openReviews);
  return stored;
};

/** How errors and the reading thread name the stored ledger (`--ledger`'s are named by the file). */
const STORED_SOURCE = "stored ledger";
/**
 * Batches (8,192 rows, 1.3 MB each) the snapshot file's thread reads ahead of the engine at most:
 * 32 (about 42 MB, 262,144 rows), read while the database opens, before the engine takes any.
 */
const FILE_AHEAD = 32;

/**
 * The stored ledger has no rows. With open review items, what was synced or imported is waiting
 * for decisions (an unmatched inflow or outflow is not in the ledger until decided): say so, as
 * "add wallets and sync" would send a user who just did that in circles.
 */
export const storedLedgerEmpty = (openReviews = 0) =>
  new UserInputError(
    openReviews > 0
      ? `the stored ledger has no rows yet: ${openReviews} open review item(s) hold what was synced or imported until you decide them (lotwise review list), or pass --ledger FILE`
      : "the stored ledger is empty: add wallets and sync, or pass --ledger FILE",
  );

/**
 * `loadStoredLedger` as ledger CSV bytes (`readStoredLedgerCsv`: the columns the engine reads),
 * for the byte reader: no row object per row.
 */
const loadStoredLedgerCsv = async (args: {
  command: Command;
  runtime: CliRuntime;
  /** The rows' bytes as they arrive, when they are copied out of PostgreSQL (`readStoredLedgerCsv`). */
  onPiece?: (piece: Buffer) => void;
  /** The embedded database's snapshot file, and the digest of what a thread reads of it. */
  file?: { path: string; digest?: Promise<string | undefined> };
}): Promise<StoredLedgerCsv> => {
  const [{ rebuildAndReport }, { readStoredLedgerCsv }] = await Promise.all([
    import("../rebuild.ts"),
    import("../../books/stored-ledger.ts"),
  ]);
  const services = await commandServices(args.command, args.runtime);
  await rebuildAndReport(services, () => {});
  return readStoredLedgerCsv(services.database.db, services.userId, args.onPiece, args.file);
};

/** The allowed value `value` names, in any case (`FIFO`, `MFJ`, `Wallet`), as chain names are read. */
export const oneOf = <T extends string>(flag: string, value: string, allowed: readonly T[]): T => {
  const found = allowed.find((a) => a === value.toLowerCase());
  if (found === undefined) {
    throw new UserInputError(`${flag} must be one of ${allowed.join(", ")} (got "${value}")`);
  }
  return found;
};

export const usdFlag = (
  flag: string,
  value: string | undefined,
  allowNegative = false,
): bigint | undefined => {
  if (value === undefined) return undefined;
  const c = parseUsdCents(value, allowNegative);
  if (c === undefined) {
    const sign = allowNegative ? "negative allowed" : "not negative";
    throw new UserInputError(
      `${flag} expects a USD amount with at most 2 decimals (${sign}), got "${value}"`,
    );
  }
  return c;
};

/** `--wash-sale` alone: every asset; `--wash-sale A,B`: those assets only. */
const washSaleOption = (flag: boolean | string | undefined) => {
  if (flag === undefined || flag === false) return undefined;
  if (flag === true) return {};
  const assets = flag.split(",").map((a) => a.trim());
  if (assets.some((a) => a === ""))
    throw new UserInputError(`--wash-sale expects asset ids separated by commas, got "${flag}"`);
  return { assets };
};

const yearRange = (flags: GainsFlags): { from: number; to: number; multi: boolean } => {
  if (flags.year !== undefined && flags.years !== undefined)
    throw new UserInputError("give --year or --years, not both");
  if (flags.year !== undefined) {
    if (!/^\d{4}$/.test(flags.year)) throw new UserInputError(`--year expects YYYY, got "${flags.year}"`);
    const y = Number(flags.year);
    return { from: y, to: y, multi: false };
  }
  if (flags.years !== undefined) {
    const m = /^(\d{4})-(\d{4})$/.exec(flags.years);
    if (!m || Number(m[1]) > Number(m[2])) {
      throw new UserInputError(`--years expects A-B with A ≤ B, e.g. 2023-2025, got "${flags.years}"`);
    }
    return { from: Number(m[1]), to: Number(m[2]), multi: true };
  }
  throw new UserInputError("--year YYYY (or --years A-B) is required");
};

/**
 * Bytes buffered per file before a write. Lines are encoded into a fixed buffer as they come, so
 * no large string is ever built (a growing string would survive collections and slow them).
 */
const BUFFER_BYTES = 1 << 20;

/**
 * An output file being written under a temporary name. `thread`: its number on the Form 8949
 * writing thread, which writes all of it (header and rows), or -1 when this thread writes it.
 */
type TempFile = {
  file: string;
  tmp: string;
  fd: number;
  header: string;
  buffer: Buffer;
  used: number;
  thread: number;
};

/**
 * The files of one run. `add` opens a temporary file next to its final path; `commit` renames
 * them all into place; `abort` removes them and the folders this run created. With `writer`
 * (src/tax/form8949-thread.ts), the files opened with `onThread` (Form 8949's) are written by
 * that thread: their records go to it in call order.
 */
const createOutputSet = (writer?: Form8949Thread) => {
  const tag = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const files: TempFile[] = [];
  const createdDirs: string[] = [];

  const ensureDir = async (dir: string) => {
    const first = await mkdir(dir, { recursive: true });
    if (first !== undefined) createdDirs.push(first);
  };
  /** Files on the writing thread so far (its file numbers). */
  let threadFiles = 0;
  /** A record encoded here for a file on the writing thread (`encode`). */
  let scratch: Buffer | undefined;
  /**
   * Opens a temporary file for `file`, whose folder must exist. `onThread`: a Form 8949 file
   * the writing thread writes, when there is one (its header is `FORM_8949_HEADER`).
   */
  const addSync = (file: string, header = "", onThread = false): TempFile => {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${tag}.tmp`);
    const thread = onThread && writer !== undefined && threadFiles < 256 ? threadFiles++ : -1;
    const f: TempFile = {
      file,
      tmp,
      fd: openSync(tmp, "w"),
      header,
      buffer: Buffer.allocUnsafe(thread < 0 ? BUFFER_BYTES : 0),
      used: 0,
      thread,
    };
    files.push(f);
    if (thread >= 0) writer!.open(thread, f.fd);
    else write(f, header);
    return f;
  };
  const add = async (file: string, header = "", onThread = false): Promise<TempFile> => {
    await ensureDir(path.dirname(file));
    return addSync(file, header, onThread);
  };
  const flush = (f: TempFile) => {
    let done = 0;
    while (done < f.used) done += writeSync(f.fd, f.buffer, done, f.used - done);
    f.used = 0;
  };
  function write(f: TempFile, text: string) {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (f.used + text.length * 3 > f.buffer.length) {
      flush(f);
      if (text.length * 3 > f.buffer.length) {
        writeSync(f.fd, text);
        return;
      }
    }
    f.used += f.buffer.write(text, f.used);
  }
  /** Appends a Form 8949 record, encoded straight into the file's buffer. */
  const encode = (f: TempFile, row: Form8949Row) => {
    const room = maxForm8949LineBytes(row);
    if (f.thread >= 0) {
      if (room > BUFFER_BYTES) {
        const line = Buffer.from(form8949Line(row), "utf8");
        writer!.bytes(f.thread, line, 0, line.length);
      } else {
        scratch ??= Buffer.allocUnsafe(BUFFER_BYTES);
        writer!.bytes(f.thread, scratch, 0, encodeForm8949Line(scratch, 0, row));
      }
      return;
    }
    if (f.used + room > f.buffer.length) {
      flush(f);
      if (room > f.buffer.length) return write(f, form8949Line(row));
    }
    f.used = encodeForm8949Line(f.buffer, f.used, row);
  };
  /**
   * Appends the Form 8949 record of an engine row given as parts (`GainsSink.form8949Parts`).
   * @returns false (nothing written) when the row must be written from its object instead.
   */
  const encodeParts = (
    f: TempFile,
    disposalId: string,
    lotId: string,
    wallet: string,
    asset: string,
    units: bigint,
    scale: number,
    dateAcquired: string,
    dateSold: string,
    proceeds: number,
    costBasis: number,
    long: boolean,
  ): boolean => {
    if (f.thread >= 0)
      return writer!.parts(
        f.thread,
        disposalId,
        lotId,
        wallet,
        asset,
        units,
        scale,
        dateAcquired,
        dateSold,
        proceeds,
        costBasis,
        long,
      );
    // Units up to 2^53 − 1 (16 digits at most) go as a number: no string is made for them.
    const small = units <= MAX_NUMBER_UNITS;
    const digits = small ? "" : units.toString();
    const room = maxForm8949PartsBytes(disposalId, lotId, wallet, asset, small ? 16 : digits.length, scale);
    if (room > f.buffer.length) return false;
    if (f.used + room > f.buffer.length) flush(f);
    const end = encodeForm8949Parts(
      f.buffer,
      f.used,
      disposalId,
      lotId,
      wallet,
      asset,
      small ? bigintToNumber(units) : digits,
      scale,
      dateAcquired,
      dateSold,
      proceeds,
      costBasis,
      long,
    );
    if (end < 0) return false;
    f.used = end;
    return true;
  };
  /** Empties a file back to its header (the run is starting over). */
  const reset = (f: TempFile) => {
    if (f.thread >= 0) return writer!.reset(f.thread);
    closeSync(f.fd);
    f.fd = openSync(f.tmp, "w");
    f.used = 0;
    write(f, f.header);
  };
  const close = (f: TempFile) => {
    if (f.fd < 0) return;
    if (f.thread < 0) flush(f);
    closeSync(f.fd);
    f.fd = -1;
  };
  const commit = async () => {
    // Every row handed to the writing thread is written before its files close.
    await writer?.finish();
    for (const f of files) close(f);
    for (const f of files) await rename(f.tmp, f.file);
  };
  const abort = async () => {
    // The thread writes nothing more (into a descriptor closed below, perhaps reused).
    await writer?.stop();
    for (const f of files) {
      try {
        if (f.fd >= 0) closeSync(f.fd);
      } catch {}
      f.fd = -1;
      await rm(f.tmp, { force: true });
    }
    // Folders this run created hold nothing but what it wrote.
    for (const dir of createdDirs) await rm(dir, { recursive: true, force: true });
  };
  return { files, add, addSync, write, encode, encodeParts, reset, commit, abort };
};

/**
 * True when the year has a disposal, a gift, income or a warning about one of its own rows (a year
 * of buys and transfers only has nothing to report). A summary also lists the warnings of earlier
 * years (everything its figures rest on): those are not activity of this year.
 */
const hasActivity = (s: GainsSummary, hasGifts: boolean): boolean =>
  s.shortTerm.rows + s.longTerm.rows > 0 ||
  s.ordinaryIncome.total !== 0n ||
  hasGifts ||
  s.warnings.some((w) => w.date.startsWith(`${s.taxYear}-`));

/**
 * A ledger file the engine refused: read it again with the validating reader, which lists every
 * bad row (up to its limit) instead of the first; any other failure stands as it was.
 */
const allLedgerErrors = async (file: string, error: unknown): Promise<never> => {
  if (error instanceof UserInputError && error.message.startsWith(`${file}:`)) {
    const { readLedgerFile } = await import("../../ledger/read.ts");
    await readLedgerFile(file); // throws every problem when the file has any
  }
  throw error;
};

/** The size of `file` in bytes, 0 when it cannot be read (the reader then says why). */
const fileBytes = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

const FEE_TYPE = TYPE_CODE.get("fee");

/**
 * What the run says about the carryover into `from` when no flag gave it: computed from the
 * ledger's earlier years, or (none in the ledger) where to find it on last year's return.
 */
export const carryoverNote = (
  from: number,
  earliestPrior: number | undefined,
  carryoverIn: { shortTerm: bigint; longTerm: bigint },
): string =>
  earliestPrior !== undefined
    ? `Capital loss carryover into ${from} computed from the ledger's ${earliestPrior === from - 1 ? from - 1 : `${earliestPrior}–${from - 1}`}: ` +
      `short-term ${formatCents(carryoverIn.shortTerm)}, long-term ${formatCents(carryoverIn.longTerm)} ` +
      "(assuming each earlier year's taxable income absorbed its capital loss deduction; " +
      `--carryover-st/--carryover-lt override it with your ${from - 1} return's figures).`
    : `The ledger has no disposals before ${from}, so no carryover was computed. If your ${from - 1} return ` +
      `carries a capital loss over, give it: --carryover-st (line 8) and --carryover-lt (line 13) of the ` +
      `Capital Loss Carryover Worksheet in the ${from - 1} Schedule D instructions (Schedule D lines 6 and 14 of ${from}).`;

/** Optional outputs removed from an output folder when a run does not produce them (no stale record). */
const OPTIONAL_OUTPUTS = ["allocation.csv", "gifts.csv", "fee-statement.csv"];

export const register: RegisterCommand = (program, runtime) => {
  program
    .command("gains")
    .description("compute capital gains, Form 8949 and Schedule D from a ledger")
    .option("--ledger <file>", "ledger CSV v1 file (default: the stored ledger)")
    .option("--year <yyyy>", "the tax year")
    .option("--years <a-b>", "tax years A to B, carrying capital losses forward; writes DIR/<year>/")
    .option("--method <method>", `lot order: ${METHODS.join(", ")}`, "fifo")
    .option("--scope <scope>", `lot pools: ${SCOPES.join(", ")}`, "transition")
    // No commander default: without either flag the carryover is computed from the ledger.
    .option(
      "--carryover-st <usd>",
      "short-term capital loss carryover into the (first) year (default: computed from the ledger's earlier years; 0 when the other flag is given)",
    )
    .option(
      "--carryover-lt <usd>",
      "long-term capital loss carryover into the (first) year (default: computed from the ledger's earlier years; 0 when the other flag is given)",
    )
    .option("--filing-status <status>", `filing status: ${FILING_STATUSES.join(", ")}`, "single")
    .option(
      "--taxable-income <usd>",
      "Form 1040 line 15 of each year (default: large enough to use the full deduction)",
    )
    .option("--tz <zone>", "IANA time zone of the dates (default: UTC)")
    .option("--strict", "fail instead of warning when a row takes more than its pool holds")
    .option(
      "--wash-sale [assets]",
      "apply the wash-sale rule (IRC §1091) to these assets (comma-separated: tokenized securities), or to all to simulate the proposed extension",
    )
    .option(
      "--combine-fees",
      "combine network-fee disposals into one Form 8949 row per asset, day and term (code M, listed in DIR/fee-statement.csv; totals unchanged)",
    )
    .requiredOption(
      "--out <dir>",
      "output folder; - writes form8949.csv to standard output (the summary then goes to standard error)",
    )
    .action(async (flags: GainsFlags, command: Command) => {
      const years = yearRange(flags);
      // `--out -`: form8949.csv on stdout, as `ledger export --out -` writes CSV there. The run
      // writes into a private folder; every message goes to stderr so stdout is the CSV alone.
      const toStdout = flags.out === "-";
      if (toStdout && years.multi)
        throw new UserInputError(
          "--out - writes one year's form8949.csv: give --year, or a folder with --years",
        );
      const say = toStdout ? runtime.err : runtime.out;
      if (toStdout) flags.out = await mkdtemp(path.join(tmpdir(), "lotwise-gains-"));
      try {
        await runGains(flags, command, years, say, toStdout);
        if (toStdout) runtime.out(await readFile(path.join(flags.out, "form8949.csv"), "utf8"));
      } finally {
        if (toStdout) await rm(flags.out, { recursive: true, force: true });
      }
    });

  /** The gains run of `lotwise gains` into `flags.out`; `say` prints its messages. */
  const runGains = async (
    flags: GainsFlags,
    command: Command,
    years: ReturnType<typeof yearRange>,
    say: (text: string) => void,
    toStdout: boolean,
  ) => {
    {
      const method = oneOf<Method>("--method", flags.method, METHODS);
      const scope = oneOf<Scope>("--scope", flags.scope, SCOPES);
      const filingStatus = oneOf<FilingStatus>("--filing-status", flags.filingStatus, FILING_STATUSES);
      const carryoverSt = usdFlag("--carryover-st", flags.carryoverSt) ?? 0n;
      const carryoverLt = usdFlag("--carryover-lt", flags.carryoverLt) ?? 0n;
      // Without either flag, the carryover into the first year comes from the ledger's earlier
      // years: the run starts at FIRST_TAX_YEAR and reports only the years asked for.
      const carryoverGiven =
        command.getOptionValueSource("carryoverSt") === "cli" ||
        command.getOptionValueSource("carryoverLt") === "cli";
      const computeFrom = carryoverGiven ? years.from : FIRST_TAX_YEAR;
      /** Earliest year before the report with a disposal in the ledger. */
      let earliestPrior: number | undefined;
      const taxableIncome = usdFlag("--taxable-income", flags.taxableIncome, true);
      tzFlag(flags.tz);
      const scopeWarning = universalScopeWarning(scope, years.to);
      if (scopeWarning) say(scopeWarning);
      const ledger = flags.ledger;
      let notes: StoredLedgerNotes | undefined;
      let storedRows: (LedgerRow & { origin: string })[] = [];
      /** Rows the ledger holds (counted on the feed's last pass). */
      let ledgerRows = 0;
      /** Ids of `fee` rows (standalone fees), for --combine-fees. */
      const feeRowIds = new Set<string>();
      const noteRow = (row: LedgerRow) => {
        if (flags.combineFees && row.type === "fee") feeRowIds.add(row.id);
      };
      const noteRaw = (raw: RawLedgerRecord) => {
        if (!flags.combineFees) return;
        const t = raw.fields.indexOf("type");
        const id = raw.fields.indexOf("id");
        if (t < 0 || id < 0) return;
        if (raw.buf.toString("utf8", raw.starts[t]!, raw.ends[t]!) === "fee")
          feeRowIds.add(raw.buf.toString("utf8", raw.starts[id]!, raw.ends[id]!));
      };
      // A large file is read on a worker thread while this one runs the engine (2 cores). The
      // thread starts now: its start overlaps the set-up below (configuration, forms, files).
      const thread =
        ledger !== undefined && fileBytes(ledger) >= THREAD_MIN_BYTES ? ledgerThreadScript() : undefined;
      // The stored ledger's thread starts now too, without its input (read from the database
      // below, it is sent when the thread is taken over): the thread's start overlaps opening the
      // database. Stopped unused when the ledger is small or read as row objects (forms routing).
      const storedThread = ledger === undefined ? ledgerThreadScript() : undefined;
      // On the embedded database, the thread starts reading the snapshot's file (when there is
      // one) at once, while PGlite opens (about 0.3 s): its rows are used once the database says
      // the file is the current version's snapshot (src/books/snapshot-file.ts), else dropped.
      const snapshotFile =
        ledger === undefined ? snapshotFileOf(commandCommon(command, runtime).config) : undefined;
      const fromFile = storedThread !== undefined && snapshotFile !== undefined && existsSync(snapshotFile);
      // The CLI's entry may have started this file's thread already (startLedgerThreadForArgs).
      const early = takeEarlyLedgerThread();
      const earlyFits = early !== undefined && thread === early.script && ledger === early.input;
      if (early !== undefined && !earlyFits) void early.worker.terminate();
      const started =
        ledger !== undefined && thread !== undefined
          ? earlyFits
            ? early
            : startLedgerThread(thread, ledger, ledger)
          : storedThread !== undefined
            ? fromFile
              ? startLedgerThread(storedThread, { snapshotFile: snapshotFile! }, STORED_SOURCE, FILE_AHEAD)
              : startLedgerThread(storedThread, undefined, STORED_SOURCE)
            : undefined;
      /** Stops the started thread if the run ends without having read it. */
      const dropStarted = () => {
        if (started !== undefined && !started.taken) void started.worker.terminate();
      };
      // Imported Forms 1099-DA route their years' rows to boxes G/H/J/K (src/reconcile).
      const routing = await formsRoutingFor({
        command,
        runtime,
        ledgerFile: ledger,
        fromYear: years.from,
        toYear: years.to,
        method,
        scope,
      }).catch((e) => {
        dropStarted();
        throw e;
      });
      /** Reads `input` on a worker thread (script `thread`) while this one runs the engine (2 cores). */
      const readOnThread = (
        thread: string,
        input: LedgerInput,
        source: string,
        h: Parameters<LedgerFeed>[0],
        /** A thread started ahead for this input (`startLedgerThread`), if any. */
        started?: StartedLedgerThread,
      ): Promise<void> => {
        ledgerRows = 0;
        return readLedgerOnThread(
          thread,
          input,
          source,
          {
            batch: (batch, names) => {
              ledgerRows += batch.count;
              // Before the engine applies them: their Form 8949 rows come out during `h.batch`.
              if (flags.combineFees) {
                for (let i = 0, g = 0; i < batch.count; i++) {
                  if (batch.general[i] === 1) noteRow(batch.rows[g++]!);
                  else if (batch.type[i] === FEE_TYPE) feeRowIds.add(decodedId(batch, i));
                }
              }
              h.batch(batch, names);
            },
            threadIds: h.threadIds,
          },
          started,
        );
      };
      /** Saves the stored ledger's snapshot after the run, when this run copied the rows out. */
      let saveSnapshot: (() => Promise<void>) | undefined;
      const feed: LedgerFeed =
        ledger !== undefined && thread !== undefined
          ? (h) => readOnThread(thread, ledger, ledger, h, started).catch((e) => allLedgerErrors(ledger, e))
          : ledger !== undefined
            ? (h) => {
                ledgerRows = 0;
                return streamLedgerFile(
                  ledger,
                  (row) => {
                    ledgerRows++;
                    noteRow(row);
                    h.row(row);
                  },
                  {
                    onRaw: (raw) => {
                      // Before the engine applies it: its Form 8949 rows come out during `h.raw`.
                      noteRaw(raw);
                      const taken = h.raw(raw);
                      if (taken) ledgerRows++;
                      return taken;
                    },
                  },
                ).catch((e) => allLedgerErrors(ledger, e));
              }
            : routing
              ? async (h) => {
                  // Routing explains rows by their stored form: every row as an object. An empty
                  // ledger is a result here (every form row is form_only), as reconcile has it.
                  dropStarted();
                  const stored = await loadStoredLedger({ command, runtime, allowEmpty: true });
                  notes = stored.notes;
                  storedRows = stored.rows;
                  ledgerRows = stored.rows.length;
                  for (const row of stored.rows) {
                    noteRow(row);
                    h.row(row);
                  }
                }
              : async (h) => {
                  // The ledger CSV of the stored rows (its snapshot, or one COPY out), read as
                  // `--ledger` reads its export: on the thread when it is large.
                  // Copied out of PostgreSQL, the rows go to the thread as they arrive: it reads
                  // (and the engine runs) while the server still sends the rest.
                  const pieces = createAsyncQueue<Buffer>();
                  const script = ledgerThreadScript();
                  let streamed: Promise<void> | undefined;
                  const onPiece =
                    script === undefined
                      ? undefined
                      : (piece: Buffer) => {
                          if (streamed === undefined) {
                            streamed = readOnThread(script, { pieces }, STORED_SOURCE, h, started);
                            // Awaited below, once the copy is done; until then not unhandled.
                            streamed.catch(() => {});
                          }
                          pieces.push(piece);
                        };
                  let stored: StoredLedgerCsv;
                  try {
                    stored = await loadStoredLedgerCsv({
                      command,
                      runtime,
                      onPiece,
                      // Without the thread (dist/ not built) the file is neither read nor written.
                      ...(snapshotFile !== undefined && storedThread !== undefined
                        ? { file: { path: snapshotFile, ...(fromFile ? { digest: started!.digest } : {}) } }
                        : {}),
                    });
                  } catch (error) {
                    pieces.fail(error);
                    throw error;
                  }
                  pieces.end();
                  notes = stored.notes;
                  saveSnapshot = stored.save;
                  if (stored.onFile) {
                    await readOnThread(script!, started!.input!, STORED_SOURCE, h, started);
                    if (ledgerRows === 0) throw storedLedgerEmpty(stored.notes.openReviews);
                    return;
                  }
                  // The file's rows are not the snapshot's: its thread stops, unread.
                  if (fromFile) dropStarted();
                  if (streamed !== undefined) {
                    await streamed;
                    if (ledgerRows === 0) throw storedLedgerEmpty(stored.notes.openReviews);
                    return;
                  }
                  // gzip's last 4 bytes: the uncompressed length (modulo 2³²; a ledger is smaller).
                  const size = stored.gzip
                    ? stored.csv.readUInt32LE(stored.csv.length - 4)
                    : stored.csv.length;
                  if (size >= THREAD_MIN_BYTES && script !== undefined) {
                    const input = { bytes: stored.csv, gzip: stored.gzip };
                    await readOnThread(script, input, STORED_SOURCE, h, started);
                  } else {
                    dropStarted();
                    ledgerRows = 0;
                    await streamLedgerBytes(
                      stored.gzip ? gunzipSync(stored.csv) : stored.csv,
                      (row) => {
                        ledgerRows++;
                        noteRow(row);
                        h.row(row);
                      },
                      {
                        source: STORED_SOURCE,
                        onRaw: (raw) => {
                          noteRaw(raw);
                          const taken = h.raw(raw);
                          if (taken) ledgerRows++;
                          return taken;
                        },
                      },
                    );
                  }
                  if (ledgerRows === 0) throw storedLedgerEmpty(stored.notes.openReviews);
                };

      // Descriptions (Form 8949 column (a)) of chain asset ids use the display rules of
      // docs/prices.md: a configured or known symbol instead of `evm:31337:0x…`. The asset
      // identity module (and viem with it: about 0.3 s of start-up) is loaded only when a row
      // has such an id; rows that arrive while it loads wait, in order, in `waiting`.
      const config = commandCommon(command, runtime).config;
      let displaySymbol: ((asset: string) => string) | undefined;
      let identityLoad: Promise<void> | undefined;
      const loadIdentity = (): Promise<void> =>
        (identityLoad ??= import("../../assets/index.ts").then(
          ({ createAssetIdentity, assetOptionsFromConfig }) => {
            const identity = createAssetIdentity(assetOptionsFromConfig(config));
            displaySymbol = (asset) => identity.displaySymbol(asset);
          },
        ));
      const displayNames = new Map<string, string>();
      /** Sets the description of a row of a chain asset id (the identity is loaded). */
      const describe = (row: Form8949Row): Form8949Row => {
        if (!row.asset.includes(":")) return row;
        let name = displayNames.get(row.asset);
        if (name === undefined) {
          name = displaySymbol!(row.asset);
          displayNames.set(row.asset, name);
        }
        if (name !== row.asset) row.description = `${row.quantity} ${name}`;
        return row;
      };
      const combiner = flags.combineFees ? createFeeCombiner() : undefined;
      // Several years of a ledger large enough to be read on a thread: their Form 8949 rows are
      // written on a thread of their own (src/tax/form8949-thread.ts), off the engine's, which
      // sets the pace. 1,000,000 rows, --years 2022-2026: 1.3 million rows written, the engine's
      // thread about 0.5 s CPU less. One year writes a fifth of that: the thread's start and the
      // rows' hand-over cost about what they save there, and a third busy thread on two cores.
      const writerScript =
        ledger !== undefined && thread !== undefined && years.to > years.from
          ? form8949ThreadScript()
          : undefined;
      let writer: Form8949Thread | undefined;
      try {
        if (writerScript !== undefined) writer = startForm8949Thread(writerScript);
      } catch {
        // No thread (none could start): this one writes the rows, the same bytes.
      }
      const outputs = createOutputSet(writer);
      const dirOf = (year: number) => (years.multi ? path.join(flags.out, String(year)) : flags.out);
      try {
        const form8949 = new Map<number, TempFile>();
        for (let y = years.from; y <= years.to; y++) {
          form8949.set(y, await outputs.add(path.join(dirOf(y), "form8949.csv"), FORM_8949_HEADER, true));
        }
        // A year's gifts.csv opens on its first gift (its folder exists: form8949.csv is there).
        const gifts = new Map<number, TempFile>();
        const giftsFile = (y: number): TempFile => {
          let f = gifts.get(y);
          if (f === undefined) {
            f = outputs.addSync(path.join(dirOf(y), "gifts.csv"), GIFTS_HEADER);
            gifts.set(y, f);
          }
          return f;
        };
        /** A reported year's row, described, to its file (or the fee combiner). */
        const deliver = (year: number, row: Form8949Row) => {
          describe(row);
          if (combiner?.take(year, row, feeRowIds.has(row.disposalId))) return;
          outputs.encode(form8949.get(year)!, row);
        };
        /** Rows held, in order, while the asset identity loads. */
        let waiting: [number, Form8949Row][] | undefined;
        const flushWaiting = () => {
          if (waiting === undefined || displaySymbol === undefined) return;
          const rows = waiting;
          waiting = undefined;
          for (const [y, r] of rows) deliver(y, r);
        };
        /** The file of the last year `form8949Parts` wrote to. */
        let partsYear = -1;
        let partsFile: TempFile | undefined;
        const files: ResettableSink = {
          form8949: (year, row) => {
            // Earlier years only carry their loss carryover into the report (their rows stop at
            // the engine's totals: `rowsFromYear`); a shortfall row may still come here.
            if (year < years.from) return;
            if (displaySymbol === undefined && (waiting !== undefined || row.asset.includes(":"))) {
              if (waiting === undefined) {
                waiting = [];
                void loadIdentity().then(flushWaiting, () => {});
              }
              waiting.push([year, row]);
              return;
            }
            deliver(year, row);
          },
          // Rows straight to bytes when nothing above applies to them: no fee combining, no row
          // waiting, not a chain asset id (its description follows the display rules).
          // Called for every row: named parameters, not a rest array spread again (an array per
          // row and a varargs call), and the year's file looked up when the year changes.
          form8949Parts: (
            year,
            disposalId,
            lotId,
            wallet,
            asset,
            units,
            quantityScale,
            dateAcquired,
            dateSold,
            proceeds,
            costBasis,
            long,
          ) => {
            if (year < years.from) return true;
            if (combiner !== undefined || waiting !== undefined || asset.includes(":")) return false;
            if (year !== partsYear) {
              partsFile = form8949.get(year)!;
              partsYear = year;
            }
            return outputs.encodeParts(
              partsFile!,
              disposalId,
              lotId,
              wallet,
              asset,
              units,
              quantityScale,
              dateAcquired,
              dateSold,
              proceeds,
              costBasis,
              long,
            );
          },
          gift: (year, gift) => {
            if (year >= years.from) outputs.write(giftsFile(year), giftLine(gift));
          },
          reset: () => {
            if (waiting !== undefined) waiting.length = 0;
            combiner?.reset();
            for (const f of form8949.values()) outputs.reset(f);
            for (const f of gifts.values()) outputs.reset(f);
          },
        };
        const sink = routing ? routing.wrap(files) : files;
        const report = await computeGainsStream(
          feed,
          {
            fromYear: computeFrom,
            toYear: years.to,
            method,
            scope,
            carryoverIn: { shortTerm: carryoverSt, longTerm: carryoverLt },
            filingStatus,
            taxableIncome,
            strict: flags.strict ?? false,
            timeZone: flags.tz,
            washSale: washSaleOption(flags.washSale),
            source: ledger ?? "stored ledger",
            rowsFromYear: years.from,
            // The report reads the years' summaries and rows only (not positions or warnings
            // after the last year): rows after it are validated, not applied.
            skipLaterYears: true,
          },
          sink,
        );
        if (waiting !== undefined) {
          await loadIdentity();
          flushWaiting();
        }
        if (saveSnapshot) {
          // A cache for the next run: failing to write it fails nothing.
          await saveSnapshot().catch((error: unknown) =>
            commandCommon(command, runtime).logger.warn("stored ledger snapshot not saved", {
              error: error instanceof Error ? error.message : String(error),
            }),
          );
        }
        // The earliest year before the report with a Form 8949 row (it carried a loss over).
        earliestPrior = report.summaries.find(
          (s) => s.taxYear < years.from && s.shortTerm.rows + s.longTerm.rows > 0,
        )?.taxYear;
        // The years before the report only carried their loss carryover into it.
        const prior = report.summaries.filter((s) => s.taxYear < years.from).at(-1);
        report.summaries = report.summaries.filter((s) => s.taxYear >= years.from);
        const carryoverIn = prior?.carryoverOut ?? { shortTerm: carryoverSt, longTerm: carryoverLt };
        if (routing) {
          const routed = await routing.finish(
            report,
            ledger !== undefined ? { kind: "file", path: ledger } : { kind: "rows", rows: storedRows },
            { carryoverIn, filingStatus, taxableIncome },
          );
          if ([...routed.results.values()].some((r) => r.form8949.some((row) => row.asset.includes(":"))))
            await loadIdentity();
          for (const [year, r] of routed.results) for (const row of r.form8949) deliver(year, row);
          report.summaries = routed.summaries;
        }
        if (combiner) {
          // Combined fee rows go after the year's other rows; the statement lists what each replaces.
          for (let y = years.from; y <= years.to; y++) {
            const groups = combiner.finish(y);
            const parts = groups.filter((g) => g.parts.length > 0);
            for (const g of groups) outputs.encode(form8949.get(y)!, g.combined);
            if (parts.length === 0) continue;
            const f = await outputs.add(path.join(dirOf(y), "fee-statement.csv"), FEE_STATEMENT_HEADER);
            for (const g of parts) for (const p of g.parts) outputs.write(f, feeStatementLine(g.combined, p));
          }
        }
        if (notes) {
          // Loaded already by the stored ledger's read (not at start-up: it loads the database).
          const { storedLedgerWarnings } = await import("../../books/stored-ledger.ts");
          for (const s of report.summaries) s.warnings.push(...storedLedgerWarnings(notes, s.taxYear));
        }
        for (const s of report.summaries) {
          const f = await outputs.add(path.join(dirOf(s.taxYear), "summary.json"));
          outputs.write(f, formatSummaryJson(s));
        }
        // The allocation happens on 2025-01-01: a report of earlier years has none to record.
        if (years.to < 2025) report.allocation = undefined;
        if (report.allocation) {
          const f = await outputs.add(path.join(flags.out, "allocation.csv"));
          outputs.write(f, formatAllocationCsv(report.allocation));
        }
        await outputs.commit();

        // Optional outputs of an earlier run that this one did not write: in every folder it
        // wrote, and DIR's allocation.csv (with --years, DIR itself holds no other output).
        const written = new Set(outputs.files.map((f) => path.resolve(f.file)));
        const stale = new Set([path.resolve(flags.out, "allocation.csv")]);
        for (const dir of new Set(outputs.files.map((f) => path.dirname(f.file))))
          for (const name of OPTIONAL_OUTPUTS) stale.add(path.resolve(dir, name));
        for (const file of stale) if (!written.has(file)) await rm(file, { force: true });

        if (ledgerRows === 0) {
          say(
            `The ledger${ledger !== undefined ? ` ${ledger}` : ""} has no rows (only a header, or nothing synced yet): every figure below is 0.\n`,
          );
        } else if (!carryoverGiven) say(`${carryoverNote(years.from, earliestPrior, carryoverIn)}\n`);
        for (const s of report.summaries) {
          if (ledgerRows > 0 && !hasActivity(s, gifts.has(s.taxYear)))
            say(`${s.taxYear}: no disposals, gifts or income dated in this year in the ledger.\n`);
          say(`${formatHumanSummary(s)}\n`);
        }
        if (report.allocation) {
          const lots = new Set(report.allocation.map((e) => `${e.asset}\u0000${e.lotId}`)).size;
          say(
            `Rev. Proc. 2024-28 allocation on 2025-01-01: ${lots} lot(s) assigned to wallets; ${toStdout ? "its record is written with --out DIR" : `the record is ${path.join(flags.out, "allocation.csv")}`} (keep it with your books).\n`,
          );
        }
        say(
          toStdout
            ? "form8949.csv is on standard output; summary.json and the other files are written only with --out DIR\n"
            : `Wrote ${outputs.files.map((f) => f.file).join(", ")}\n`,
        );
      } catch (e) {
        await outputs.abort();
        throw e;
      } finally {
        dropStarted();
      }
    }
  };
};
