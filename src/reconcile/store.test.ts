/**
 * Stored forms on PGlite and PostgreSQL: idempotent imports, corrections, removal, the account
 * check, and the same reconciliation (byte for byte) on both databases.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../db/client.ts";
import { ensureUser } from "../../db/users.ts";
import { upsertWallet } from "../../db/wallets.ts";
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind } from "../../test/services.ts";
import { importLedgerRows } from "../books/imports.ts";
import { loadLedgerRows } from "../books/store.ts";
import { parseLedgerCsv } from "../ledger/read.ts";
import { formatForm8949Csv } from "../tax/format.ts";
import { importFormFile } from "./import-file.ts";
import { parseFormText } from "./parse.ts";
import { reconcile } from "./run.ts";
import { importForms, knownAccountWallets, listFormImports, loadFormRows, removeForms } from "./store.ts";
import { formatDiscrepanciesCsv, formatReconciliationJson } from "./write.ts";

const samples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/samples/forms");
const work = mkdtempSync(path.join(tmpdir(), "lotwise-forms-"));
const file = (name: string, text: string) => {
  const p = path.join(work, name);
  writeFileSync(p, text);
  return p;
};

const FORM = [
  "broker,account,asset_name,units,date_sold,proceeds,cost_basis,transaction_id",
  "Coinbase,9,ETH,1,2025-03-04,3000,2000,T-1",
  "Coinbase,9,ETH,0.5,2025-04-04,1500,,T-2",
  "Coinbase,9,BTC,0.1,2025-05-05,6000,,",
].join("\n");

/** Outputs of one scenario per database kind, compared across kinds at the end. */
const outputs = new Map<DatabaseKind, string>();

describe.each(DATABASE_KINDS)("stored forms on %s", (kind) => {
  let database: Database;
  let userId: number;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    userId = await ensureUser(database.db, "forms");
  });
  afterAll(async () => {
    await database?.close();
  });

  test("the account must exist: a registered wallet, an exchange label, or a wallet of the stored ledger", async () => {
    const p = file("a.csv", FORM);
    await expect(
      importFormFile({ db: database.db, userId, path: p, account: "coinbase:main" }),
    ).rejects.toThrow(
      /--account coinbase:main: no such wallet or account\. Add it first: lotwise wallets add/,
    );
    // Every command it names runs as written: `ledger import` requires --name.
    await expect(
      importFormFile({ db: database.db, userId, path: p, account: "coinbase:main" }),
    ).rejects.toThrow(/or lotwise ledger import FILE --name NAME \(a ledger naming it\)$/);
    expect(await loadFormRows(database.db, userId)).toEqual([]);
    await upsertWallet(database.db, userId, {
      chain: "ethereum",
      address: "0x4444444444444444444444444444444444444444",
      label: "coinbase:main",
      kind: "exchange",
    });
    await importLedgerRows(database.db, {
      userId,
      name: "kraken",
      file: "k.csv",
      rows: parseLedgerCsv(
        "id,time,type,wallet,in_asset,in_quantity,usd_value\nk1,2025-01-01T00:00:00Z,buy,kraken:main,ETH,1,100",
      ),
    });
    expect([...(await knownAccountWallets(database.db, userId))].sort()).toEqual([
      "coinbase:main",
      "ethereum:0x4444444444444444444444444444444444444444",
      "kraken:main",
    ]);
  });

  test("importing the same file twice stores nothing new; a corrected form replaces the earlier rows", async () => {
    const p = file("b.csv", FORM);
    const first = await importFormFile({
      db: database.db,
      userId,
      path: p,
      file: "b.csv",
      account: "coinbase:main",
    });
    expect(first).toMatchObject({
      inserted: 3,
      replaced: 0,
      unchanged: 0,
      format: "1099da",
      taxYears: [2025],
    });
    const again = await importFormFile({
      db: database.db,
      userId,
      path: p,
      file: "b.csv",
      account: "coinbase:main",
    });
    expect(again).toMatchObject({ importId: undefined, inserted: 0, replaced: 0, unchanged: 3 });
    expect(await loadFormRows(database.db, userId)).toHaveLength(3);

    // CORRECTED: T-1's proceeds change; T-2 and the BTC row are unchanged (the BTC row has no id:
    // its asset, date and units identify it).
    const corrected = file(
      "b-corrected.csv",
      FORM.replace("2025-03-04,3000,2000,T-1", "2025-03-04,3010,2000,T-1"),
    );
    const c = await importFormFile({
      db: database.db,
      userId,
      path: corrected,
      file: "b-corrected.csv",
      account: "coinbase:main",
    });
    expect(c).toMatchObject({ inserted: 1, replaced: 1, unchanged: 2 });
    const rows = await loadFormRows(database.db, userId);
    expect(rows.map((r) => [r.sourceFile, r.line, r.transactionId ?? "", r.proceeds]).sort()).toEqual([
      ["b-corrected.csv", 2, "T-1", "3010"],
      ["b.csv", 3, "T-2", "1500"],
      ["b.csv", 4, "", "6000"],
    ]);
    const imports = await listFormImports(database.db, userId);
    expect(
      imports.map((i) => [i.file, i.rows, i.brokers, i.brokerAccounts, i.taxYears, i.accountWallet]),
    ).toEqual([
      ["b.csv", 2, ["Coinbase"], ["9"], [2025], "coinbase:main"],
      ["b-corrected.csv", 1, ["Coinbase"], ["9"], [2025], "coinbase:main"],
    ]);
  });

  test("a file with any problem stores nothing", async () => {
    const before = await loadFormRows(database.db, userId);
    const bad = file("bad.csv", `${FORM}\nCoinbase,9,ETH,1,2025-13-01,1,,T-9`);
    await expect(
      importFormFile({ db: database.db, userId, path: bad, file: "bad.csv", account: "coinbase:main" }),
    ).rejects.toThrow('bad.csv:5: date_sold: "2025-13-01" is not a calendar date');
    expect(await loadFormRows(database.db, userId)).toEqual(before);
  });

  test("remove by row, by import, by broker account, by account wallet", async () => {
    const rows = await loadFormRows(database.db, userId);
    const btc = rows.find((r) => r.asset === "BTC")!;
    expect(await removeForms(database.db, userId, { rowIds: [btc.id] })).toBe(1);
    const imports = await listFormImports(database.db, userId);
    expect(await removeForms(database.db, userId, { importId: imports[1]!.id })).toBe(1);
    // The import emptied by the removal is gone too.
    expect((await listFormImports(database.db, userId)).map((i) => i.file)).toEqual(["b.csv"]);
    expect(await removeForms(database.db, userId, { broker: "Coinbase", brokerAccount: "8" })).toBe(0);
    expect(await removeForms(database.db, userId, { accountWallet: "coinbase:main" })).toBe(1);
    expect(await listFormImports(database.db, userId)).toEqual([]);
  });

  test("the sample 1099-DA reconciled from the stored ledger (same output on both databases)", async () => {
    const u = await ensureUser(database.db, "sample");
    await importLedgerRows(database.db, {
      userId: u,
      name: "coinbase",
      file: "ledger-coinbase-2025.csv",
      rows: parseLedgerCsv(readFileSync(path.join(samples, "ledger-coinbase-2025.csv"), "utf8")),
    });
    const imported = await importFormFile({
      db: database.db,
      userId: u,
      path: path.join(samples, "coinbase-1099da-2025.csv"),
      file: "coinbase-1099da-2025.csv",
      account: "coinbase:main",
    });
    expect(imported.inserted).toBe(5);
    const stored = await loadLedgerRows(database.db, u);
    const run = await reconcile({
      db: database.db,
      userId: u,
      year: 2025,
      ledger: { kind: "rows", rows: stored.map(({ warnings: _w, priceSources: _p, ...r }) => r) },
    });
    expect(run.discrepancies.map((d) => d.class)).toEqual([
      "basis_differs",
      "proceeds_differ",
      "term_differs",
      "form_only",
      "matched",
      "ledger_only",
    ]);
    // −310.42 + 65.60 + 0 − 130.00 − 80.00 (worked out in src/cli/commands/reconcile.test.ts).
    expect(run.gain).toBe(-45482n);
    expect(run.discrepancies[0]!.explanation).toContain(
      "(tx 0x9b2c4e6f8a0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f60718293a4b)",
    );
    expect(run.discrepancies[5]!.explanation).toContain("(cb-5, imported as 'coinbase')");
    outputs.set(
      kind,
      formatForm8949Csv(run.form8949) +
        formatDiscrepanciesCsv(run.discrepancies) +
        formatReconciliationJson(run),
    );
  });

  test("rows parsed and stored come back the same", async () => {
    const u = await ensureUser(database.db, "roundtrip");
    await importLedgerRows(database.db, {
      userId: u,
      name: "x",
      file: "x.csv",
      rows: parseLedgerCsv(
        "id,time,type,wallet,in_asset,in_quantity,usd_value\nx1,2025-01-01T00:00:00Z,buy,coinbase:main,ETH,1,100",
      ),
    });
    const text = readFileSync(path.join(samples, "coinbase-1099da-2025.csv"), "utf8");
    const parsed = parseFormText(text, { source: "s.csv" }).rows;
    await importForms(database.db, {
      userId: u,
      file: "s.csv",
      sha256: "x",
      format: "1099da",
      accountWallet: "coinbase:main",
      rows: parsed,
    });
    const back = await loadFormRows(database.db, u, { withRaw: true });
    expect(
      back.map(({ id: _i, importId: _m, accountWallet: _a, sourceFile: _s, taxYear: _t, ...r }) => r),
    ).toEqual(parsed);
  });
});

describe("PGlite and PostgreSQL", () => {
  test("give the same reconciliation output", () => {
    expect(outputs.get("pglite")).toBeDefined();
    expect(outputs.get("pglite")).toBe(outputs.get("postgres"));
  });
});
