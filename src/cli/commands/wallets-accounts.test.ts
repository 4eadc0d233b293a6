/**
 * Exchange accounts as wallets: `lotwise wallets add coinbase:main` declares one, so a Form
 * 1099-DA can be tied to it before its history is imported; `wallets list` shows it and
 * `wallets remove` takes it (and what was imported into it) away.
 */
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { runInProcess } from "../../../test/cli.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const dir = mkdtempSync(path.join(tmpdir(), "lotwise-accounts-"));
for (const f of ["forms/coinbase-1099da-2025.csv", "imports/coinbase.csv", "imports/kraken-ledgers.csv"])
  copyFileSync(path.join(root, "test/samples", f), path.join(dir, path.basename(f)));

const lotwise = (...args: string[]) =>
  runInProcess(
    ["--no-progress", ...args],
    { LOTWISE_DATA_DIR: path.join(dir, "data") },
    { seed: path.join(dir, "data") },
  );
const at = (f: string) => path.join(dir, f);

test("declare, tie a 1099-DA, import, list and remove an exchange account", {
  timeout: 120_000,
}, async () => {
  // Before the account exists, the form is refused with the command that creates it.
  const refused = await lotwise(
    "forms",
    "import",
    at("coinbase-1099da-2025.csv"),
    "--account",
    "coinbase:main",
  );
  expect(refused.code).toBe(2);
  expect(refused.err).toContain("lotwise wallets add coinbase:main");

  const added = await lotwise("wallets", "add", "coinbase:main");
  expect(added.code, added.err).toBe(0);
  expect(added.out).toContain("added exchange account coinbase:main");
  expect((await lotwise("wallets", "add", "coinbase:main")).out).toBe(
    "coinbase:main already exists (nothing changed)\n",
  );
  // A mistyped chain before an address stays an error, never an account.
  const typo = await lotwise("wallets", "add", "etherem:0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  expect(typo.code).toBe(2);
  expect(typo.err).toContain("unknown chain 'etherem'");

  const form = await lotwise("forms", "import", at("coinbase-1099da-2025.csv"), "--account", "coinbase:main");
  expect(form.code, form.err).toBe(0);

  expect((await lotwise("wallets", "list")).out).toBe(
    "coinbase:main  (exchange account: nothing imported yet)\n",
  );

  // The first import decides what the account holds; another exchange's file is then refused.
  const imported = await lotwise("import", at("coinbase.csv"), "--account", "coinbase:main");
  expect(imported.code, imported.err).toBe(0);
  const list = JSON.parse((await lotwise("wallets", "list", "--json")).out) as {
    wallet: string;
    kind: string;
    holds: string | null;
    importedRows: number;
  }[];
  expect(list).toHaveLength(1);
  expect(list[0]).toMatchObject({ wallet: "coinbase:main", kind: "account", holds: "coinbase" });
  expect(list[0]!.importedRows).toBeGreaterThan(0);
  const other = await lotwise("import", at("kraken-ledgers.csv"), "--account", "coinbase:main");
  expect(other.code).toBe(2);

  const ledgerBefore = await lotwise("ledger", "export", "--out", at("before.csv"));
  expect(ledgerBefore.code, ledgerBefore.err).toBe(0);
  const removed = await lotwise("wallets", "remove", "coinbase:main");
  expect(removed.code, removed.err).toBe(0);
  expect(removed.out).toContain(
    `removed exchange account coinbase:main and its ${list[0]!.importedRows} imported rows`,
  );
  expect((await lotwise("wallets", "list")).out).toBe(
    "no wallets yet: lotwise wallets add <chain>:<address>\n",
  );
  // The ledger was rebuilt without the account's rows.
  expect(readFileSync(at("before.csv"), "utf8")).toContain(",coinbase:main,");
  expect((await lotwise("ledger", "export", "--out", at("after.csv"))).code).toBe(0);
  expect(readFileSync(at("after.csv"), "utf8")).not.toContain("coinbase:main");
  expect((await lotwise("wallets", "remove", "coinbase:main")).code).toBe(2);
});

test("wallets add --help says what a bare 0x address does", async () => {
  // Before: the help named <chain>:<address> and accounts only, so the bare-address form was
  // found by accident.
  const help = await lotwise("wallets", "add", "--help");
  expect(help.code).toBe(0);
  expect(help.out.replace(/\s+/g, " ")).toContain(
    "a bare 0x… address (added on every configured EVM chain where it has activity)",
  );
});
