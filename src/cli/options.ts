import { UserInputError } from "../errors.ts";

/** Collects a repeatable option into an array (commander's `argParser` accumulator). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * Parses repeatable `--rpc <chain>=<url>` values into a map.
 * @throws UserInputError naming the value that is not `<chain>=<url>`.
 */
export const parseRpcFlags = (values: readonly string[] = []): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf("=");
    if (i <= 0 || i === v.length - 1) {
      // Never echo the value: it may hold an API key.
      throw new UserInputError("--rpc expects <chain>=<url>, e.g. --rpc ethereum=https://…");
    }
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
};
