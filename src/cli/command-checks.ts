import { UserInputError } from "../errors.ts";
import { isTimeZone } from "../tax/dates.ts";
import { universalScopeRule } from "../tax/scope-rule.ts";
import type { Scope } from "../tax/types.ts";

/**
 * The warning of `--scope universal` for a tax year from 2025 on (gains, report, reconcile): one
 * pool for every wallet is no longer the rule then. Undefined for any other scope or an earlier year.
 */
export const universalScopeWarning = (scope: Scope, lastYear: number): string | undefined => {
  const rule = universalScopeRule(scope, lastYear);
  return rule === undefined ? undefined : `Warning: --${rule}. Use universal only to compare.\n`;
};

/**
 * `--out -` of a command that writes a folder of files (report, reconcile, harvest): refused
 * with what to do, instead of a folder named "-". (`gains --out -` and `ledger export --out -`
 * write their CSV to standard output.)
 */
export const folderOut = (command: string, out: string | undefined, files: string): void => {
  if (out === "-")
    throw new UserInputError(
      `--out -: lotwise ${command} writes ${files}, so --out takes a folder (for CSV on standard output: lotwise gains --out - or lotwise ledger export --out -)`,
    );
};

/** `--tz ZONE` (gains, report, ledger export): refused unless an IANA time zone; undefined when absent. */
export const tzFlag = (tz: string | undefined): string | undefined => {
  if (tz !== undefined && !isTimeZone(tz))
    throw new UserInputError(`--tz: unknown time zone "${tz}" (use an IANA name such as America/New_York)`);
  return tz;
};
