import { expect, test } from "vitest";
import { gainsLedgerOfArgs } from "./parse-thread-start.ts";

test("gainsLedgerOfArgs reads the ledger of a plain `lotwise gains` command line only", () => {
  expect(gainsLedgerOfArgs(["gains", "--ledger", "l.csv", "--year", "2025"])).toBe("l.csv");
  expect(gainsLedgerOfArgs(["gains", "--year", "2025", "--ledger=a b.csv"])).toBe("a b.csv");
  // The last one wins, as in the option parser.
  expect(gainsLedgerOfArgs(["gains", "--ledger", "a.csv", "--ledger", "b.csv"])).toBe("b.csv");
  expect(gainsLedgerOfArgs(["gains", "--year", "2025"])).toBeUndefined();
  expect(gainsLedgerOfArgs(["gains", "--ledger"])).toBeUndefined();
  expect(gainsLedgerOfArgs(["gains", "--ledger", "l.csv", "--help"])).toBeUndefined();
  expect(gainsLedgerOfArgs(["gains", "-h", "--ledger", "l.csv"])).toBeUndefined();
  expect(gainsLedgerOfArgs(["gains", "--", "--ledger", "l.csv"])).toBeUndefined();
  // Another command, or options before the command: the command starts its own thread.
  expect(gainsLedgerOfArgs(["report", "--ledger", "l.csv"])).toBeUndefined();
  expect(gainsLedgerOfArgs(["--config", "c.json", "gains", "--ledger", "l.csv"])).toBeUndefined();
  expect(gainsLedgerOfArgs([])).toBeUndefined();
});
