/**
 * `importFormFile`: read a broker file from disk, check the account wallet, parse, store.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { parseWalletSpec } from "../../chains/registry.ts";
import type { DbOrTx } from "../../db/client.ts";
import type { AssetIdentity } from "../assets/index.ts";
import { UserInputError } from "../errors.ts";
import { hasControlCharacter } from "./fields.ts";
import { parseFormText } from "./parse.ts";
import { type ImportFormsResult, importForms, knownAccountWallets } from "./store.ts";
import type { FormFormat } from "./types.ts";

export type ImportFormFileArgs = {
  db: DbOrTx;
  userId: number;
  /** Path to read. */
  path: string;
  /** The name kept for `FILE:LINE` (as the user wrote it). @defaultValue `path` */
  file?: string | undefined;
  /** The ledger wallet of the account (`coinbase:main`, `ethereum:0x…`). */
  account: string;
  /** @defaultValue "auto" */
  format?: FormFormat | "auto" | undefined;
  identity?: AssetIdentity | undefined;
  /** Chain options for normalizing a `<chain>:<address>` account. */
  nativeSymbols?: Record<string, string> | undefined;
  /**
   * Whose words the account errors use: the CLI's (`--account`, `lotwise wallets add`) or the
   * HTTP API's (the `account` parameter, `POST /v1/wallets`, `PUT /v1/imports/{account}`).
   * @defaultValue "cli"
   */
  names?: "cli" | "api" | undefined;
};

/**
 * The account as the ledger names it: a `<chain>:<address>` in its canonical form (EIP-55), other
 * names (exchange accounts such as `coinbase:main`) as written.
 */
export const normalizeAccountWallet = (account: string, nativeSymbols?: Record<string, string>): string => {
  try {
    return parseWalletSpec(account.trim(), { nativeSymbols: { ...nativeSymbols } }).key;
  } catch {
    return account.trim();
  }
};

/**
 * Imports one broker file for an account wallet. Nothing is stored when the file has any
 * problem or the account is unknown.
 * @throws UserInputError (exit 2): unreadable file, unknown account (naming `lotwise wallets add`),
 * or `FormFileError` with every `FILE:LINE: column: problem`.
 */
export const importFormFile = async (
  args: ImportFormFileArgs,
): Promise<ImportFormsResult & { format: FormFormat; rows: number; accountWallet: string }> => {
  const file = args.file ?? args.path;
  if (hasControlCharacter(file)) throw new UserInputError("the file name contains a control character");
  let bytes: Buffer;
  try {
    bytes = await readFile(args.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserInputError(`${file}: no such file`);
    if (code === "EISDIR") throw new UserInputError(`${file}: is a directory, expected a CSV file`);
    if (code === "EACCES") throw new UserInputError(`${file}: permission denied`);
    throw e;
  }
  return importFormBytes({ ...args, file, bytes });
};

export type ImportFormBytesArgs = Omit<ImportFormFileArgs, "path"> & {
  /** The name kept for `FILE:LINE` (an upload's file name). */
  file: string;
  /** The file's bytes (UTF-8). */
  bytes: Buffer;
};

/**
 * Imports a broker file's bytes (an upload) for an account wallet: as `importFormFile`, without
 * the disk. @throws UserInputError as `importFormFile`.
 */
export const importFormBytes = async (
  args: ImportFormBytesArgs,
): Promise<ImportFormsResult & { format: FormFormat; rows: number; accountWallet: string }> => {
  const { file, bytes } = args;
  if (hasControlCharacter(file)) throw new UserInputError("the file name contains a control character");
  const accountWallet = normalizeAccountWallet(args.account, args.nativeSymbols);
  const api = args.names === "api";
  const flag = api ? "account" : "--account";
  if (accountWallet === "")
    throw new UserInputError(`${flag}: empty; name the account wallet, e.g. coinbase:main`);
  const known = await knownAccountWallets(args.db, args.userId);
  if (!known.has(accountWallet)) {
    const wallet = accountWallet.includes(":") ? accountWallet : "<chain>:<address>";
    throw new UserInputError(
      api
        ? `account ${accountWallet}: no such wallet or account. Add it first: POST /v1/wallets {"wallets": ["${wallet}"]} (a <chain>:<address> wallet, or an exchange account such as coinbase:main), or import its history: PUT /v1/imports/${accountWallet} (an exchange export) or PUT /v1/ledger/imports/{name} (a ledger naming it)`
        : `--account ${accountWallet}: no such wallet or account. Add it first: lotwise wallets add ${wallet} (a <chain>:<address> wallet, or an exchange account such as coinbase:main), or import its history: lotwise import FILE --account ${accountWallet} (an exchange export) or lotwise ledger import FILE --name NAME (a ledger naming it)`,
      {
        meta: known.size > 0 ? [`known wallets: ${[...known].sort().slice(0, 20).join(", ")}`] : [],
      },
    );
  }
  const parsed = parseFormText(bytes.toString("utf8"), {
    source: file,
    format: args.format,
    identity: args.identity,
  });
  const result = await importForms(args.db, {
    userId: args.userId,
    file,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    format: parsed.format,
    accountWallet,
    rows: parsed.rows,
  });
  return { ...result, format: parsed.format, rows: parsed.rows.length, accountWallet };
};
