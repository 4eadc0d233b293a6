import { UserInputError } from "../errors.ts";
import { parseInstant } from "../ledger/instant.ts";

const END_OF_DAY_MS = 86_400_000 - 1;

/**
 * The as-of instant: `--as-of` (an instant with an offset, or a date meaning the end of that UTC
 * day), else the end of `--year` when it is past, else now.
 */
export const resolveAsOf = (
  flags: { asOf?: string; year?: string },
  now: Date,
  /** How errors name the two options: the CLI's flags, or the API's body fields. */
  names: { asOf: string; year: string } = { asOf: "--as-of", year: "--year" },
): Date => {
  let asOf: Date | undefined;
  if (flags.asOf !== undefined) {
    const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(flags.asOf);
    if (d) {
      const ms = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]));
      const back = new Date(ms);
      if (back.getUTCDate() !== Number(d[3]) || back.getUTCMonth() !== Number(d[2]) - 1)
        throw new UserInputError(`${names.asOf}: "${flags.asOf}" is not a calendar date`);
      asOf = new Date(ms + END_OF_DAY_MS);
    } else {
      const i = parseInstant(flags.asOf);
      if (!i)
        throw new UserInputError(
          `${names.asOf} expects a date (YYYY-MM-DD, meaning the end of that UTC day) or an instant with an offset (2025-12-20T15:00:00Z), got "${flags.asOf}"`,
        );
      asOf = new Date(i.ms);
    }
  }
  if (flags.year !== undefined) {
    if (!/^\d{4}$/.test(flags.year))
      throw new UserInputError(`${names.year} expects YYYY, got "${flags.year}"`);
    const y = Number(flags.year);
    if (asOf !== undefined) {
      if (asOf.getUTCFullYear() !== y)
        throw new UserInputError(`${names.asOf} ${flags.asOf} is not in ${names.year} ${flags.year}`);
    } else if (y > now.getUTCFullYear()) {
      throw new UserInputError(
        `${names.year} ${y} has not started yet (give ${names.asOf} to plan at a date)`,
      );
    } else if (y < now.getUTCFullYear()) asOf = new Date(Date.UTC(y, 11, 31) + END_OF_DAY_MS);
  }
  return asOf ?? now;
};
