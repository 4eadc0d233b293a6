/**
 * `lotwise gains --ledger FILE --years A-B` with a file of 4 MiB or more writes its Form 8949 rows
 * on a thread of their own (src/tax/form8949-thread.ts); `--year Y` writes them on the engine's
 * thread. Each year's files must be the same either way: rows as parts and rows encoded by the
 * engine's thread (a chain asset id's description, a formula-like id), gifts, combined fees, a
 * run that starts over (a row out of time order), and a bad row: nothing written.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { runInProcess } from "../../../test/cli.ts";

const work = mkdtempSync(path.join(tmpdir(), "lotwise-gains-writer-"));
const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype";
/**
 * A chain asset id: its Form 8949 rows wait for the asset identity (loaded for its description)
 * and are encoded by the engine's thread.
 */
const USDC = "evm:1:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48";

/**
 * Every half hour of 2024 and 2025 a buy and a sell of ETH (about 4.9 MB); now and then a buy and
 * sell of a chain asset id, a sell whose id starts with `-`, a network fee, a gift; `edit` changes
 * the lines (header first) before they are written.
 */
const ledger = (name: string, edit: (lines: string[]) => void = () => {}): string => {
  const lines = [HEADER];
  const start = Date.UTC(2024, 0, 1);
  const at = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
  for (let h = 0; h < 2 * 365 * 48; h++) {
    const t = start + h * 1_800_000;
    const usd = (1000 + (h % 977)).toString();
    const wallet = h % 5 === 0 ? "ethereum:0x1111111111111111111111111111111111111111" : "cb:main";
    lines.push(`b${h},${at(t)},buy,${wallet},,,ETH,1.25,${usd},USD,,1.5,,,`);
    lines.push(
      `${h % 40 === 0 ? "-" : ""}s${h},${at(t + 600_000)},sell,${wallet},ETH,0.75,,,${usd}.37,USD,,0.5,,,`,
    );
    if (h % 50 === 0) {
      lines.push(`u${h},${at(t + 700_000)},buy,${wallet},,,${USDC},250.5,250.5,,,,,,`);
      lines.push(`v${h},${at(t + 800_000)},sell,${wallet},${USDC},100.25,,,100.31,,,,,,`);
    }
    if (h % 30 === 0) lines.push(`f${h},${at(t + 900_000)},fee,${wallet},,,,,,ETH,0.001,2.5,,,`);
    if (h % 60 === 0) lines.push(`g${h},${at(t + 1_000_000)},gift,${wallet},ETH,0.05,,,,,,,,,`);
  }
  edit(lines);
  const file = path.join(work, name);
  writeFileSync(file, `${lines.join("\n")}\n`);
  expect(readFileSync(file).length).toBeGreaterThanOrEqual(4 << 20);
  return file;
};

/** Every file under `dir`, relative path → text. */
const filesOf = (dir: string): Map<string, string> => {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) {
      const full = path.join(e.parentPath, e.name);
      out.set(path.relative(dir, full), readFileSync(full, "utf8"));
    }
  }
  return out;
};

/** `--years 2024-2025` against `--year 2024` and `--year 2025`: each year's files the same. */
const sameAsSingleYears = async (file: string, flags: string[]) => {
  const multi = path.join(work, `${path.basename(file)}-${flags.join("")}-years`);
  const r = await runInProcess(["gains", "--ledger", file, "--years", "2024-2025", "--out", multi, ...flags]);
  expect(r.code, r.err).toBe(0);
  const years = filesOf(multi);
  for (const y of [2024, 2025]) {
    const single = path.join(work, `${path.basename(file)}-${flags.join("")}-${y}`);
    const s = await runInProcess(["gains", "--ledger", file, "--year", String(y), "--out", single, ...flags]);
    expect(s.code, s.err).toBe(0);
    const one = filesOf(single);
    for (const name of [
      "form8949.csv",
      "gifts.csv",
      ...(flags.includes("--combine-fees") ? ["fee-statement.csv"] : []),
    ]) {
      expect(one.get(name), `${y}/${name}`).toBeDefined();
      expect(years.get(path.join(String(y), name)), `${y}/${name}`).toBe(one.get(name));
    }
  }
  return years;
};

test("a ledger of 4 MiB or more, --years: the same files per year as --year (parts, rows encoded here, gifts)", async () => {
  const years = await sameAsSingleYears(ledger("plain.csv"), []);
  const form = years.get(path.join("2025", "form8949.csv"))!;
  // Both kinds of rows are there: parts, and rows encoded here (a chain asset id, an escaped id).
  expect(form.split("\n").length).toBeGreaterThan(17_000);
  expect(form).toMatch(new RegExp(`^v\\d+,u\\d+,[^,]+,${USDC},[\\d.]+,.*,[\\d.]+ ${USDC}$`, "m"));
  expect(form).toMatch(/^'-s\d+,b\d+,/m);
}, 120_000);

test("--combine-fees, and a row out of time order (the run starts over): the same files per year", async () => {
  const file = ledger("unordered.csv", (lines) => {
    // A buy of 2024 placed last: the run starts over after every other row was applied.
    lines.push("late,2024-06-01T00:00:00Z,buy,cb:main,,,ETH,3,3000,USD,,1,,,");
  });
  const years = await sameAsSingleYears(file, ["--combine-fees"]);
  expect(years.get(path.join("2025", "form8949.csv"))).toMatch(/network fees; see statement/);
  expect(years.get(path.join("2024", "form8949.csv"))).toMatch(/,late,/);
}, 120_000);

test("a bad row: exit code 2, the row named, no folder written", async () => {
  const file = ledger("bad.csv", (lines) =>
    lines.push("x1,2025-12-31T23:00:00Z,sell,cb:main,ETH,1e3,,,5,,,,,,"),
  );
  const out = path.join(work, "bad-out");
  const r = await runInProcess(["gains", "--ledger", file, "--years", "2024-2025", "--out", out]);
  expect(r.code).toBe(2);
  expect(r.err).toContain("out_quantity");
  expect(existsSync(out)).toBe(false);
}, 120_000);
