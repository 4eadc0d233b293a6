import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client.ts";
import { importRecords, movements, reviewItems, transactions, wallets } from "../../db/schema/index.ts";
import { ensureUser } from "../../db/users.ts";
import { ROOT } from "../../test/cli.ts";
import { createTestDatabase } from "../../test/services.ts";
import { buildLedger, type Pricer } from "../books/build.ts";
import { setLink, setTxDecision } from "../books/decisions.ts";
import { loadLedgerRows } from "../books/store.ts";
import { DEFAULT_CLASSIFY_SETTINGS } from "../classify/settings.ts";
import { UserInputError } from "../errors.ts";
import { Decimal } from "../utils/decimal.ts";
import { listAccounts, removeAccount } from "./accounts.ts";
import { importFile } from "./run.ts";
import { storeImport } from "./store.ts";
import { formatToolCsv } from "./tool-export.ts";

const SAMPLES = path.join(ROOT, "test", "samples", "imports");
const W = "0x1111111111111111111111111111111111111111";
const HOT = "0xc0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";
const OTHER = "0xd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0";
const ARRIVAL = `0x${"aa".repeat(32)}`;
const DEPARTURE = `0x${"bb".repeat(32)}`;
const SEND_ID = "65a0c1f0e4b0a1000000001f";
const RECEIVE_ID = "65a0c1f0e4b0a10000000020";

/** Fixed test prices per whole unit (only legs without a file value reach it). */
const PRICES: Record<string, string> = { ETH: "3000", BTC: "95000", USDC: "1" };
const pricer: Pricer = {
  prepare: async () => (leg) =>
    PRICES[leg.asset] ? { usd: new Decimal(PRICES[leg.asset]!), source: "test", rank: 0 } : undefined,
};

describe("lotwise import: storage, ledger and matching", () => {
  let database: Database;
  let userId: number;
  let dir: string;
  beforeAll(async () => {
    database = await createTestDatabase("pglite");
    userId = await ensureUser(database.db, "importer");
    dir = await mkdtemp(path.join(tmpdir(), "lotwise-i17-"));
    const [w] = await database.db
      .insert(wallets)
      .values({ userId, chain: "ethereum", address: W })
      .returning();
    // The withdrawal's arrival (0.999 ETH: 0.001 went to the network) and a later departure of 0.4 ETH.
    const tx = (
      hash: string,
      time: string,
      block: bigint,
      from: string,
      to: string,
      amount: bigint,
      cp: string,
    ) => ({
      tx: {
        walletId: w!.id,
        chain: "ethereum",
        txHash: hash,
        blockNumber: block,
        time: new Date(time),
        from,
        to,
        status: "success",
      },
      move: {
        walletId: w!.id,
        chain: "ethereum",
        txHash: hash,
        evidence: "native",
        evidenceIndex: "0",
        blockNumber: block,
        time: new Date(time),
        asset: "ethereum:native",
        symbol: "ETH",
        decimals: 18,
        amount,
        counterparty: cp,
      },
    });
    const a = tx(ARRIVAL, "2025-02-03T10:04:00Z", 100n, HOT, W, 999n * 10n ** 15n, HOT);
    const d = tx(DEPARTURE, "2025-02-10T09:50:00Z", 200n, W, OTHER, -4n * 10n ** 17n, OTHER);
    await database.db.insert(transactions).values([a.tx, d.tx]);
    await database.db.insert(movements).values([a.move, d.move]);
  });
  afterAll(async () => {
    await database?.close();
  });

  const build = () =>
    buildLedger({
      db: database.db,
      userId,
      settings: DEFAULT_CLASSIFY_SETTINGS,
      resolveAsset: ({ chainAsset, symbol }) =>
        chainAsset.endsWith(":native")
          ? { asset: "ETH", symbol: "ETH" }
          : { asset: chainAsset, symbol: symbol ?? chainAsset },
      pricer,
    });
  const load = (name: string, account: string, file = path.join(SAMPLES, name), format?: string) =>
    importFile(database.db, { userId, path: file, file: name, account, format, windowHours: 24 });
  const rows = async () => loadLedgerRows(database.db, userId);
  const reviews = async () =>
    (await database.db.select().from(reviewItems).where(eq(reviewItems.userId, userId))).map(
      (r) => `${r.chain}:${r.txHash} ${r.reason}`,
    );
  const errorOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      expect(e).toBeInstanceOf(UserInputError);
      return (e as Error).message;
    }
    throw new Error("no error");
  };

  it("a missing file or a folder is a sentence naming the path as given, not Node's message", async () => {
    expect(await errorOf(load("nope.csv", "main", "nope.csv"))).toBe(
      "nope.csv: no such file or folder; check the path",
    );
    expect(await errorOf(load(".", "main", "."))).toBe(". is a folder; give a file name");
  });

  it("imports a Coinbase history into its account, valued from the file, and matches both transfers", async () => {
    const r = await load("coinbase.csv", "main");
    expect(r).toMatchObject({
      account: "coinbase:main",
      format: "coinbase",
      detected: true,
      rows: 10,
      added: 10,
    });
    await build();
    const ledger = await rows();
    const byId = (id: string) => ledger.find((x) => x.id === id)!;
    const cb = (id: string) => byId(`import:coinbase:main:${id}:0`);
    expect(cb("65a0c1f0e4b0a1000000001b")).toMatchObject({
      type: "buy",
      wallet: "coinbase:main",
      inAsset: "ETH",
      inQuantity: "2",
      usdValue: "4000",
      feeAsset: "USD",
      feeUsd: "20",
      priceSources: { usd_value: "file:coinbase.csv", fee_usd: "file:coinbase.csv" },
    });
    expect(cb("65a0c1f0e4b0a1000000001d")).toMatchObject({
      type: "swap",
      outAsset: "ETH",
      outQuantity: "0.5",
      inAsset: "USDC",
      inQuantity: "1596.5",
      usdValue: "1600",
    });
    expect(cb("65a0c1f0e4b0a1000000001e")).toMatchObject({
      type: "income",
      subtype: "staking",
      usdValue: "4.65",
    });
    expect(cb("65a0c1f0e4b0a10000000022")).toMatchObject({
      type: "sell",
      outQuantity: "0.5",
      usdValue: "1150",
      feeUsd: "8.62",
    });
    // The Send names the wallet as its destination: one transfer carrying the lots, the 0.001 gap its fee.
    expect(byId(`ethereum:${ARRIVAL}:0`)).toMatchObject({
      type: "transfer",
      wallet: "coinbase:main",
      toWallet: `ethereum:${W}`,
      outAsset: "ETH",
      outQuantity: "0.999",
      feeAsset: "ETH",
      feeQuantity: "0.001",
      subtype: "withdrawal",
    });
    expect(byId(`ethereum:${ARRIVAL}:0`).note).toContain(
      `matched with import:coinbase:main:${SEND_ID} (the import names ${W} as the destination)`,
    );
    // The Receive has no evidence: paired on amount and time, said so, and listed for confirmation.
    const back = byId(`ethereum:${DEPARTURE}:0`);
    expect(back).toMatchObject({
      type: "transfer",
      wallet: `ethereum:${W}`,
      toWallet: "coinbase:main",
      outQuantity: "0.4",
      subtype: "deposit",
    });
    expect(back.note).toContain("matched by amount and time");
    expect(await reviews()).toContain(`ethereum:${DEPARTURE} confirm_match`);
    // Fiat deposits and withdrawals have no ledger rows.
    expect(ledger.filter((x) => x.id.includes("65a0c1f0e4b0a1000000001a"))).toEqual([]);
  });

  it("stores nothing twice: the same file, an overlapping export, an edited one", async () => {
    const again = await load("coinbase.csv", "coinbase:main");
    expect(again).toMatchObject({ added: 0, replaced: 0, unchanged: 10 });
    expect((await build()).mode).toBe("unchanged");
    // A later export overlapping the first: its last three rows plus a new one; one buy's fee corrected.
    const lines = readFileSync(path.join(SAMPLES, "coinbase.csv"), "utf8").split("\n");
    const later = [
      ...lines.slice(0, 4),
      ...lines.slice(11, 14),
      '65a0c1f0e4b0a10000000024,2025-03-20 12:00:00 UTC,Buy,ETH,0.1,USD,"$2,000.00",$200.00,$201.50,$1.50,Bought 0.1 ETH',
    ].join("\n");
    const edited = later.replace('"$1,141.38",$8.62', '"$1,142.38",$7.62');
    const file = path.join(dir, "coinbase-later.csv");
    writeFileSync(file, edited);
    const r = await load("coinbase-later.csv", "coinbase:main", file);
    expect(r).toMatchObject({ rows: 4, added: 1, replaced: 1, unchanged: 2 });
    const n = await database.db
      .select()
      .from(importRecords)
      .where(eq(importRecords.account, "coinbase:main"));
    expect(n).toHaveLength(11);
    expect((await build()).mode).toBe("incremental");
    const sell = (await rows()).find((x) => x.id === "import:coinbase:main:65a0c1f0e4b0a10000000022:0")!;
    expect(sell.feeUsd).toBe("7.62");
  });

  it("keeps an unlink across re-imports and rebuilds, and a link pairs by hand", async () => {
    await setLink({
      db: database.db,
      userId,
      windowHours: 24,
      a: `ethereum:${DEPARTURE}`,
      b: `import:coinbase:main:${RECEIVE_ID}`,
      unlink: true,
    });
    await build();
    expect((await rows()).find((x) => x.id === `ethereum:${DEPARTURE}:0`)).toBeUndefined();
    expect(await reviews()).toEqual(
      expect.arrayContaining([
        `ethereum:${DEPARTURE} unmatched_outflow`,
        `import:coinbase:main:${RECEIVE_ID} unmatched_inflow`,
      ]),
    );
    await load("coinbase.csv", "coinbase:main");
    await build();
    expect((await rows()).find((x) => x.id === `ethereum:${DEPARTURE}:0`)).toBeUndefined();
    await setLink({ db: database.db, userId, windowHours: 24, a: DEPARTURE, b: RECEIVE_ID, unlink: false });
    await build();
    const linked = (await rows()).find((x) => x.id === `ethereum:${DEPARTURE}:0`)!;
    expect(linked).toMatchObject({ type: "transfer", toWallet: "coinbase:main" });
    expect(linked.note).toContain("linked by you");
    // A row of the export that is no withdrawal or deposit (a buy) has nothing to pair: refused.
    const buy = await errorOf(
      setLink({
        db: database.db,
        userId,
        windowHours: 24,
        a: DEPARTURE,
        b: "65a0c1f0e4b0a1000000001b",
        unlink: false,
      }),
    );
    expect(buy).toContain(
      "import:coinbase:main:65a0c1f0e4b0a1000000001b is a buy in the export, not a withdrawal or deposit",
    );
  });

  it("refuses the wrong account type and a bad row, storing nothing from the file", async () => {
    expect(await errorOf(load("kraken-ledgers.csv", "coinbase:main"))).toContain(
      "--account coinbase:main is a coinbase account, but the file is a Kraken ledgers CSV",
    );
    // An exchange lotwise reads no export of is still not Coinbase; a tool export may describe it.
    expect(await errorOf(load("coinbase.csv", "binance:main"))).toContain(
      "--account binance:main is a binance account, but the file is a Coinbase transaction history CSV: use --account coinbase:<name>",
    );
    expect(await load("koinly.csv", "binance:main")).toMatchObject({ added: 5 });
    expect(await errorOf(load("coinbase.csv", `ethereum:${W}`))).toContain("is a blockchain wallet");
    // A chain's name before the colon is a wallet even without an address after it.
    for (const account of ["ethereum:main", "solana:main", "evm:8453:main"])
      expect(await errorOf(load("koinly.csv", account))).toContain(
        `--account ${account} is a blockchain wallet`,
      );
    expect(await errorOf(load("koinly.csv", "coinbase:main", undefined, "koinly"))).toContain(
      "--account coinbase:main holds coinbase imports, but the file is a Koinly universal CSV",
    );
    const wrong = await errorOf(load("coinbase.csv", "coinbase:main", undefined, "kraken"));
    expect(wrong).toContain("coinbase.csv: unknown format: no header of a Kraken ledgers CSV");
    // The registry's detectors name what the file is (after its preamble lines).
    expect(wrong).toContain(
      "this looks like a Coinbase transaction history export: use --format coinbase (or auto)",
    );
    // With --format auto the list names every format lotwise import reads, ledger CSV v1 included.
    const unknown = path.join(dir, "unknown.csv");
    writeFileSync(unknown, "when,what,how much\n2025-01-01,buy,1\n");
    expect(await errorOf(load("unknown.csv", "coinbase:main", unknown))).toContain(
      "koinly (Koinly universal CSV), cointracker (CoinTracker CSV), ledger (ledger CSV v1)",
    );
    const prices = path.join(dir, "p.csv");
    writeFileSync(prices, "asset,time,usd\nETH,2025-01-01T00:00:00Z,3000\n");
    expect(await errorOf(load("p.csv", "coinbase:main", prices))).toContain(
      "this looks like a USD price file; use `lotwise prices import p.csv`",
    );
    const before = (await database.db.select().from(importRecords)).length;
    const bad = readFileSync(path.join(SAMPLES, "kraken-ledgers.csv"), "utf8").replace(
      "0.0170000000",
      '"0,017"',
    );
    const file = path.join(dir, "kraken-bad.csv");
    writeFileSync(file, bad);
    expect(await errorOf(load("kraken-bad.csv", "kraken:main", file))).toMatch(
      /^kraken-bad\.csv:8: amount: not a number .*: '0,017'$/,
    );
    // Every bad row at once, as the ledger reader lists them: before, only the first (line 6).
    const lines = readFileSync(path.join(SAMPLES, "coinbase.csv"), "utf8").split("\n");
    const bad2 = lines.map((l, i) =>
      i === 5 || i === 7 ? l.replace(/^([^,]*,[^,]*,[^,]*,[^,]*,)[^,]*/, "$11.2.3") : l,
    );
    const twice = path.join(dir, "coinbase-bad2.csv");
    writeFileSync(twice, bad2.join("\n"));
    const both = (await errorOf(load("coinbase-bad2.csv", "coinbase:main", twice))).split("\n");
    expect(both).toEqual([
      "coinbase-bad2.csv:6: Quantity Transacted: not a number: '1.2.3'",
      "coinbase-bad2.csv:8: Quantity Transacted: not a number: '1.2.3'",
    ]);
    expect((await database.db.select().from(importRecords)).length).toBe(before);
    // A line's problem is printed as it is (no `lotwise: ` prefix), as the ledger, price and
    // Form 1099-DA readers print theirs; a problem of the whole file keeps the prefix.
    const located = await load("kraken-bad.csv", "kraken:main", file).catch((e: unknown) => e);
    expect(located).toBeInstanceOf(UserInputError);
    expect((located as UserInputError).located).toBe(true);
    const whole = await load("coinbase.csv", `ethereum:${W}`).catch((e: unknown) => e);
    expect((whole as UserInputError).located).toBe(false);
    expect((await database.db.select().from(importRecords)).length).toBe(before);
  });

  it("takes ledger CSV v1 too, and keeps each account to one kind of file", async () => {
    const file = path.join(dir, "ledger.csv");
    writeFileSync(
      file,
      "id,time,type,wallet,in_asset,in_quantity,usd_value\nl1,2025-01-02T00:00:00Z,buy,cb:old,BTC,0.1,9000\n",
    );
    const r = await load("ledger.csv", "old", file);
    expect(r).toMatchObject({ account: "ledger:old", format: "ledger", detected: true, added: 1 });
    expect(await errorOf(load("coinbase.csv", "ledger:old"))).toContain(
      "--account ledger:old holds ledger CSV imports, but the file is a Coinbase transaction history CSV",
    );
    // The same file again adds nothing and says so; an edited row is replaced.
    expect(await load("ledger.csv", "old", file)).toMatchObject({
      added: 0,
      replaced: 0,
      unchanged: 1,
      removed: 0,
    });
    writeFileSync(
      file,
      "id,time,type,wallet,in_asset,in_quantity,usd_value\nl1,2025-01-02T00:00:00Z,buy,cb:old,BTC,0.1,9100\nl2,2025-01-03T00:00:00Z,buy,cb:old,BTC,0.1,9200\n",
    );
    expect(await load("ledger.csv", "old", file)).toMatchObject({ added: 1, replaced: 1, unchanged: 0 });
    writeFileSync(
      file,
      "id,time,type,wallet,in_asset,in_quantity,usd_value\nl1,2025-01-02T00:00:00Z,buy,cb:old,BTC,0.1,9100\n",
    );
    expect(await load("ledger.csv", "old", file)).toMatchObject({
      added: 0,
      replaced: 0,
      unchanged: 1,
      removed: 1,
    });
    // Listed with its rows; removing the account removes them (as for an exchange's rows).
    const listed = (await listAccounts(database.db, userId)).find((a) => a.name === "ledger:old");
    expect(listed).toEqual({ name: "ledger:old", family: "ledger", rows: 1 });
    expect(await removeAccount(database.db, { userId, name: "ledger:old", windowHours: 24 })).toBe(1);
    expect((await rows()).filter((x) => x.id === "l1")).toEqual([]);
    expect((await listAccounts(database.db, userId)).map((a) => a.name)).not.toContain("ledger:old");
  });

  it("replaces the time span of an export without ids, and prices rows the file does not value", async () => {
    const r = await load("cointracker.csv", "ct");
    expect(r).toMatchObject({ account: "cointracker:ct", added: 4 });
    const text = readFileSync(path.join(SAMPLES, "cointracker.csv"), "utf8").replace(
      "01/20/2025 08:00:00,0.01,ETH",
      "01/20/2025 08:00:00,0.02,ETH",
    );
    const file = path.join(dir, "ct2.csv");
    writeFileSync(file, text);
    const again = await load("ct2.csv", "cointracker:ct", file);
    expect(again).toMatchObject({ added: 1, unchanged: 3, removed: 1 });
    const stored = await database.db
      .select()
      .from(importRecords)
      .where(and(eq(importRecords.userId, userId), eq(importRecords.account, "cointracker:ct")));
    expect(stored).toHaveLength(4);
    await build();
    const income = (await rows()).find((x) => x.wallet === "cointracker:ct" && x.type === "income")!;
    // No value in CoinTracker's file: 0.02 ETH × $3,000 from the price source.
    expect(income).toMatchObject({ inQuantity: "0.02", usdValue: "60", priceSources: { usd_value: "test" } });
  });

  it("reads a Koinly or CoinTracker gift, donation, loss or theft as a gift row (nothing realized), a cost as a spend", async () => {
    const koinly = path.join(dir, "koinly-gifts.csv");
    writeFileSync(
      koinly,
      [
        "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,Net Worth Amount,Net Worth Currency,Label,Description,TxHash",
        "2025-05-01 10:00 UTC,1000,USD,0.5,ETH,,,1000,USD,,buy,",
        "2025-05-02 10:00 UTC,0.1,ETH,,,,,300,USD,gift,to my sister,",
        "2025-05-03 10:00 UTC,0.1,ETH,,,,,300,USD,Donation,to a charity,",
        "2025-05-04 10:00 UTC,0.1,ETH,,,,,300,USD,cost,a purchase,",
        "2025-05-05 10:00 UTC,0.05,ETH,,,,,150,USD,Lost,seed phrase gone,",
        "2025-05-06 10:00 UTC,0.05,ETH,,,,,150,USD,stolen,,",
      ].join("\n"),
    );
    expect(await load("koinly-gifts.csv", "koinly:gifts", koinly)).toMatchObject({ added: 6 });
    const ct = path.join(dir, "ct-gifts.csv");
    writeFileSync(
      ct,
      [
        "Date,Received Quantity,Received Currency,Sent Quantity,Sent Currency,Fee Amount,Fee Currency,Tag",
        "05/01/2025 10:00:00,0.5,ETH,1000,USD,,,",
        "05/02/2025 10:00:00,,,0.1,ETH,,,gift",
        "05/03/2025 10:00:00,,,0.1,ETH,,,donation",
        "05/04/2025 10:00:00,,,0.1,ETH,,,payment",
        "05/05/2025 10:00:00,,,0.05,ETH,,,lost",
      ].join("\n"),
    );
    expect(await load("ct-gifts.csv", "cointracker:gifts", ct)).toMatchObject({ added: 5 });
    await build();
    for (const account of ["koinly:gifts", "cointracker:gifts"]) {
      const sent = (await rows())
        .filter((x) => x.wallet === account && x.outAsset === "ETH")
        .map((x) => `${x.type} ${x.subtype ?? ""}`);
      expect(sent).toEqual([
        "gift gift",
        "gift donation",
        `spend ${account.startsWith("koinly") ? "cost" : "payment"}`,
        "gift lost",
        ...(account.startsWith("koinly") ? ["gift stolen"] : []),
      ]);
    }
    // A loss realizes nothing (it was sold for nothing, not at its $150 value), and says why.
    const lost = (await rows()).filter((x) => x.subtype === "lost" || x.subtype === "stolen");
    expect(lost.map((x) => [x.wallet, x.note])).toEqual([
      [
        "cointracker:gifts",
        "lost: the lots leave and nothing is realized (no proceeds); a personal casualty or theft loss is not deductible for 2018-2025",
      ],
      [
        "koinly:gifts",
        "seed phrase gone; lost: the lots leave and nothing is realized (no proceeds); a personal casualty or theft loss is not deductible for 2018-2025",
      ],
      [
        "koinly:gifts",
        "stolen: the lots leave and nothing is realized (no proceeds); a personal casualty or theft loss is not deductible for 2018-2025",
      ],
    ]);
    expect(lost.every((x) => x.usdValue === null || x.usdValue === undefined)).toBe(true);
  });

  it("rebuilds incrementally after a later export without ids, and names its rows in links", async () => {
    const header =
      "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,Net Worth Amount,Net Worth Currency,Label,Description,TxHash";
    const buy = "2025-02-10 09:00 UTC,1000,USD,0.5,ETH,,,1000,USD,,buy,";
    const send = "2025-02-10 10:30 UTC,0.4,ETH,,,,,,,,to a wallet,";
    const first = path.join(dir, "koinly-1.csv");
    writeFileSync(first, `${header}\n${buy}\n`);
    expect(await load("koinly-1.csv", "koinly:k", first)).toMatchObject({ added: 1 });
    await build();
    // The later, overlapping export adds a row: the next build redoes the range from it less the
    // window, which holds the first row too (incremental).
    const later = path.join(dir, "koinly-2.csv");
    writeFileSync(later, `${header}\n${buy}\n${send}\n`);
    expect(await load("koinly-2.csv", "koinly:k", later)).toMatchObject({ added: 1, unchanged: 1 });
    await build();
    const [sent] = await database.db
      .select({ id: importRecords.externalId })
      .from(importRecords)
      .where(and(eq(importRecords.account, "koinly:k"), eq(importRecords.kind, "withdrawal")));
    // The row is named as review list prints it, and the link's build is incremental too.
    await setLink({
      db: database.db,
      userId,
      windowHours: 24,
      a: `import:koinly:k:${sent!.id}`,
      b: `ethereum:${DEPARTURE}`,
      unlink: true,
    });
    await build();
    expect((await reviews()).filter((r) => r.startsWith(`import:koinly:k:${sent!.id} `))).toEqual([
      `import:koinly:k:${sent!.id} unmatched_outflow`,
    ]);
  });

  it("drops the review items of rows stored as row:<digest> (earlier imports) once a re-import replaces them", async () => {
    // A withdrawal stored by an earlier import, under the id form it wrote then.
    const legacy = "row:0123456789abcdef01234567";
    await storeImport(database.db, {
      userId,
      account: "koinly:old",
      family: "any",
      format: "koinly",
      file: "old.csv",
      records: [
        {
          line: 2,
          id: legacy,
          time: new Date("2025-06-01T10:00:00Z"),
          kind: "withdrawal",
          out: { asset: "ETH", quantity: "0.1" },
        },
      ],
    });
    await build();
    expect(await reviews()).toContain(`import:koinly:old:${legacy} unmatched_outflow`);
    const header =
      "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,Net Worth Amount,Net Worth Currency,Label,Description,TxHash";
    const file = path.join(dir, "koinly-old.csv");
    writeFileSync(file, `${header}\n2025-06-01 10:00 UTC,0.1,ETH,,,,,,,,out,\n`);
    expect(await load("koinly-old.csv", "koinly:old", file)).toMatchObject({ added: 1, removed: 1 });
    await build();
    const open = (await reviews()).filter((r) => r.startsWith("import:koinly:old:"));
    expect(open).toHaveLength(1);
    expect(open[0]).toMatch(/^import:koinly:old:row-[0-9a-f]{24} unmatched_outflow$/);
    // Nothing stale is left to redo: the next build has nothing to do.
    expect((await build()).mode).toBe("unchanged");
  });

  it("imports Coinbase's raw transaction report: ids kept, values from its USD columns, idempotent", async () => {
    // Its own user: no chain wallets, so nothing here pairs with the transfers above.
    const raw = await ensureUser(database.db, "raw-report");
    const RAW = "coinbase-raw.csv";
    const id = (n: string) => `3f1c2a10-6b1e-5c4d-9e8f-0a1b2c3d4e${n}`;
    const loadRaw = (account: string, file = path.join(SAMPLES, RAW), name = RAW, format?: string) =>
      importFile(database.db, { userId: raw, path: file, file: name, account, format, windowHours: 24 });
    const first = await loadRaw("main");
    expect(first).toMatchObject({
      account: "coinbase:main",
      format: "coinbase-raw",
      label: "Coinbase raw transaction report CSV",
      detected: true,
      rows: 11,
      added: 11,
    });
    // `--format coinbase` reads both Coinbase reports.
    expect(await loadRaw("coinbase:main", undefined, undefined, "coinbase")).toMatchObject({
      format: "coinbase-raw",
      detected: false,
      added: 0,
      replaced: 0,
      unchanged: 11,
    });
    const stored = await database.db
      .select({ id: importRecords.externalId })
      .from(importRecords)
      .where(eq(importRecords.userId, raw));
    expect(stored.map((r) => r.id).sort()).toEqual(
      [...["01", "02", "03", "04", "05", "06", "07", "08", "09", "0a"].map(id), `${id("02")}#2`].sort(),
    );
    await buildLedger({
      db: database.db,
      userId: raw,
      settings: DEFAULT_CLASSIFY_SETTINGS,
      resolveAsset: ({ chainAsset, symbol }) => ({ asset: chainAsset, symbol: symbol ?? chainAsset }),
      pricer,
    });
    const ledger = await loadLedgerRows(database.db, raw);
    const row = (n: string) => ledger.find((x) => x.id === `import:coinbase:main:${n}:0`)!;
    const fromFile = { usd_value: `file:${RAW}` };
    expect(row(id("01"))).toMatchObject({
      type: "buy",
      inAsset: "ETH",
      inQuantity: "2",
      usdValue: "4020",
      priceSources: fromFile,
    });
    expect(row(id("01")).feeUsd ?? undefined).toBeUndefined();
    expect(row(`${id("02")}#2`)).toMatchObject({ type: "buy", inQuantity: "0.004", usdValue: "381.9" });
    expect(row(id("03"))).toMatchObject({
      type: "sell",
      outQuantity: "0.5",
      usdValue: "1592.4",
      priceSources: fromFile,
    });
    expect(row(id("04"))).toMatchObject({ type: "buy", inAsset: "USDC", usdValue: "1600" });
    expect(row(id("05"))).toMatchObject({ type: "income", usdValue: "4.65", priceSources: fromFile });
    // Interest Coinbase has no value for: 0.015 USDC × $1 from the price source, not the file's 0.
    expect(row(id("08"))).toMatchObject({
      type: "income",
      usdValue: "0.015",
      priceSources: { usd_value: "test" },
    });
    expect(row(id("0a"))).toMatchObject({ type: "sell", usdValue: "1141.38" });
    // The Send and Receive have no wallet to pair with: review items, no ledger rows, no $0 basis.
    expect(ledger.some((x) => x.id.includes(id("07")))).toBe(false);
    const items = (await database.db.select().from(reviewItems).where(eq(reviewItems.userId, raw))).map(
      (r) => `${r.txHash} ${r.reason}`,
    );
    expect(items).toEqual(
      expect.arrayContaining([`${id("06")} unmatched_outflow`, `${id("07")} unmatched_inflow`]),
    );

    // The transaction history of the same account is refused: the same activity under other ids.
    expect(
      await errorOf(loadRaw("coinbase:main", path.join(SAMPLES, "coinbase.csv"), "coinbase.csv")),
    ).toContain(
      "--account coinbase:main holds rows of another coinbase report (--format coinbase-raw), but the file is a Coinbase transaction history CSV",
    );
    // A bad row stops the file with FILE:LINE: column: problem and stores nothing of it.
    const before = (await database.db.select().from(importRecords).where(eq(importRecords.userId, raw)))
      .length;
    const bad = path.join(dir, "raw-bad.csv");
    writeFileSync(
      bad,
      `${readFileSync(path.join(SAMPLES, RAW), "utf8")}3f1c2a10-6b1e-5c4d-9e8f-0a1b2c3d4e0b,Sell,2025-03-09T12:00:00Z,,,,,ETH,0.1,"$2,00.00"\n`,
    );
    expect(await errorOf(loadRaw("coinbase:main", bad, "raw-bad.csv"))).toBe(
      "raw-bad.csv:13: Proceeds (excl. fees and/or spread) (USD): not a number (a ',' is read only as a thousands separator between groups of three digits): '$2,00.00'",
    );
    expect((await database.db.select().from(importRecords).where(eq(importRecords.userId, raw))).length).toBe(
      before,
    );
  });

  it("books Kraken's margin fees, lists profits, losses and lone adjustments for review, and an ignore closes one", async () => {
    const margin = await ensureUser(database.db, "margin-trader");
    const r = await importFile(database.db, {
      userId: margin,
      path: path.join(SAMPLES, "kraken-margin.csv"),
      file: "kraken-margin.csv",
      account: "main",
      windowHours: 24,
    });
    expect(r).toMatchObject({ account: "kraken:main", format: "kraken", rows: 13, added: 13 });
    const rebuild = () =>
      buildLedger({
        db: database.db,
        userId: margin,
        settings: DEFAULT_CLASSIFY_SETTINGS,
        resolveAsset: ({ chainAsset, symbol }) => ({ asset: chainAsset, symbol: symbol ?? chainAsset }),
        pricer,
      });
    await rebuild();
    const ledger = await loadLedgerRows(database.db, margin);
    const row = (id: string) => ledger.find((x) => x.id === `import:kraken:main:${id}:0`);
    expect(row("LROL01-AAAAA-EEEEEE")).toMatchObject({
      type: "fee",
      subtype: "margin_rollover",
      feeAsset: "USD",
      feeUsd: "1.16",
      priceSources: { fee_usd: "file:kraken-margin.csv" },
    });
    // The BTC rollover fee is a disposal of 0.000012 BTC, valued by the price source (× $95,000).
    expect(row("LROL02-AAAAA-FFFFFF")).toMatchObject({
      type: "fee",
      feeAsset: "BTC",
      feeQuantity: "0.000012",
      feeUsd: "1.14",
      priceSources: { fee_usd: "test" },
    });
    expect(row("LMRG04-AAAAA-IIIIII#fee")).toMatchObject({ type: "fee", feeUsd: "2.41" });
    expect(row("TMPOS3-JJJJJ-KKKKKK")).toMatchObject({
      type: "buy",
      subtype: "margin_settlement",
      inQuantity: "0.025",
      usdValue: "2150",
      feeUsd: "3.44",
    });
    expect(row("AADJ02-NNNNN-OOOOOO")).toMatchObject({
      type: "sell",
      outQuantity: "0.001",
      usdValue: "85.3",
    });
    // Profits, losses, the dust adjustment and the credit: no ledger rows, never income.
    for (const id of [
      "LMRG02-AAAAA-GGGGGG",
      "LMRG04-AAAAA-IIIIII",
      "LADJ01-AAAAA-LLLLLL",
      "LCRD01-AAAAA-QQQQQQ",
    ])
      expect(row(id)).toBeUndefined();
    expect(ledger.filter((x) => x.type === "income")).toEqual([]);
    const items = async () =>
      (await database.db.select().from(reviewItems).where(eq(reviewItems.userId, margin)))
        .map((x) => `${x.txHash} ${x.reason}`)
        .sort();
    expect(await items()).toEqual([
      "AADJ02-NNNNN-OOOOOO exchange_adjustment",
      "LADJ01-AAAAA-LLLLLL exchange_adjustment",
      "LCRD01-AAAAA-QQQQQQ exchange_credit",
      "LMDP02-AAAAA-CCCCCC unmatched_inflow",
      "LMRG02-AAAAA-GGGGGG margin_pnl",
      "LMRG04-AAAAA-IIIIII margin_pnl",
    ]);
    // Reported: `--as ignore` closes the item; another decision leaves it open and says why.
    await setTxDecision({
      db: database.db,
      userId: margin,
      windowHours: 24,
      ref: "import:kraken:main:LMRG02-AAAAA-GGGGGG",
      action: { as: "ignore" },
    });
    await setTxDecision({
      db: database.db,
      userId: margin,
      windowHours: 24,
      ref: "LMRG04-AAAAA-IIIIII",
      action: { as: "income" },
    });
    await rebuild();
    expect(await items()).not.toContain("LMRG02-AAAAA-GGGGGG margin_pnl");
    const [loss] = await database.db
      .select()
      .from(reviewItems)
      .where(and(eq(reviewItems.userId, margin), eq(reviewItems.txHash, "LMRG04-AAAAA-IIIIII")));
    expect(loss!.message).toContain(
      "(your decision --as income does not apply to this row: close the item with --as ignore)",
    );
    expect((await loadLedgerRows(database.db, margin)).filter((x) => x.type === "income")).toEqual([]);
  });

  it("exports Koinly and CoinTracker files from the ledger", async () => {
    const ledger = await rows();
    const koinly = formatToolCsv("koinly", ledger).split("\n");
    expect(koinly[0]).toBe(
      "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,Net Worth Amount,Net Worth Currency,Label,Description,TxHash",
    );
    expect(koinly).toContain(
      "2025-01-10 15:30:00 UTC,4000,USD,2,ETH,20,USD,4000,USD,,[coinbase:main] buy: Bought 2 ETH for 4020 USD (import:coinbase:main:65a0c1f0e4b0a1000000001b:0),",
    );
    const ct = formatToolCsv("cointracker", ledger).split("\n");
    expect(ct[0]).toBe(
      "Date,Received Quantity,Received Currency,Sent Quantity,Sent Currency,Fee Amount,Fee Currency,Tag",
    );
    expect(ct).toContain("02/01/2025 08:00:00,0.0015,ETH,,,,,staking");
    // A transfer is a departure and an arrival.
    expect(ct).toContain("02/03/2025 10:04:00,,,0.999,ETH,0.001,ETH,");
    expect(ct).toContain("02/03/2025 10:04:00,0.999,ETH,,,,,");
  });

  it("pairs a Coinbase withdrawal with a Gemini deposit when both exports name the transaction", async () => {
    // Its own user: the accounts and rows of the tests above stay as they are.
    const user = await ensureUser(database.db, "exchange-to-exchange");
    const hash = `0x${"9a".repeat(32)}`;
    const coinbase = path.join(dir, "cb-x2x.csv");
    writeFileSync(
      coinbase,
      [
        "ID,Timestamp,Transaction Type,Asset,Quantity Transacted,Price Currency,Price at Transaction,Subtotal,Total (inclusive of fees and/or spread),Fees and/or Spread,Notes",
        'x2x-buy,2025-06-01 10:00:00 UTC,Buy,ETH,2,USD,"$2,500.00","$5,000.00","$5,000.00",$0.00,Bought 2 ETH for 5000 USD',
        `x2x-send,2025-06-02 10:00:00 UTC,Send,ETH,-1,USD,"$2,600.00","$2,600.00","$2,600.00",$0.00,Sent 1 ETH to 0x5555555555555555555555555555555555555555 (${hash})`,
      ].join("\n"),
    );
    const gemini = path.join(dir, "gem-x2x.csv");
    const header = readFileSync(path.join(SAMPLES, "gemini.csv"), "utf8").split("\n")[0]!;
    const cells = header.split(",").map(() => "");
    const set = (column: string, value: string) => {
      cells[header.split(",").indexOf(column)] = value;
    };
    set("Date", "2025-06-02");
    set("Time (UTC)", "10:12:00.000");
    set("Type", "Credit");
    set("Symbol", "ETH");
    set("Specification", "Deposit (ETH)");
    set("ETH Amount ETH", "0.999 ETH");
    set("ETH Balance ETH", "0.999 ETH");
    // Gemini's id for a transfer is its hash, here as an export may write it (upper-case hex).
    const geminiHash = hash.toUpperCase().replace("0X", "0x");
    set("Tx Hash", geminiHash);
    writeFileSync(gemini, `${header}\n${cells.join(",")}\n`);
    const into = (file: string, account: string) =>
      importFile(database.db, {
        userId: user,
        path: file,
        file: path.basename(file),
        account,
        windowHours: 24,
      });
    expect(await into(coinbase, "coinbase:x2x")).toMatchObject({ added: 2 });
    expect(await into(gemini, "gemini:x2x")).toMatchObject({ added: 1 });
    await buildLedger({
      db: database.db,
      userId: user,
      settings: DEFAULT_CLASSIFY_SETTINGS,
      resolveAsset: ({ chainAsset, symbol }) => ({ asset: chainAsset, symbol: symbol ?? chainAsset }),
      pricer,
    });
    const transfer = (await loadLedgerRows(database.db, user)).filter((r) => r.type === "transfer");
    expect(transfer).toEqual([
      expect.objectContaining({
        wallet: "coinbase:x2x",
        toWallet: "gemini:x2x",
        outAsset: "ETH",
        outQuantity: "0.999",
        feeQuantity: "0.001",
        subtype: "withdrawal",
        note: `matched with import:gemini:x2x:${geminiHash} (both exports name transaction ${hash})`,
      }),
    ]);
    const open = await database.db.select().from(reviewItems).where(eq(reviewItems.userId, user));
    expect(open.map((r) => r.reason)).toEqual([]);
  });
});
