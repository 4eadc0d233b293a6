import { decodeAbiParameters } from "viem";
import type { DbOrTx } from "../../db/client.ts";
import { getTokens, saveTokens, type TokenRow } from "../store.ts";
import type { RpcTransport } from "../transport.ts";
import { hexToBig, SELECTORS } from "./abi.ts";
import type { TokenInfo } from "./normalize.ts";
import { ethCallSettled } from "./rpc.ts";

/**
 * Token metadata (symbol, name, decimals) by batched `eth_call`s, cached for good in the tokens
 * table: a token is asked about once per chain. Handles `bytes32` symbols (MKR, SAI), empty
 * answers and reverting contracts; what could not be read is named in `problem`.
 */

export type TokenStandard = "erc20" | "erc721" | "erc1155";

/** Longest symbol / name kept, in characters (spam tokens put whole URLs there). */
const MAX_TEXT = 64;

const clean = (s: string): string | undefined => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const t = s.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return t.length > 0 ? t.slice(0, MAX_TEXT) : undefined;
};

const utf8 = (hex: string): string | undefined => {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(hex, "hex"));
  } catch {
    return undefined;
  }
};

/**
 * Decodes an `eth_call` answer that should be a string: ABI `string`, or a `bytes32` padded with
 * zeros (pre-ERC-20-final tokens). Returns undefined for empty or undecodable answers.
 */
export const decodeTextResult = (data: string): string | undefined => {
  const hex = data.startsWith("0x") ? data.slice(2) : data;
  if (hex.length === 64) return clean(utf8(hex.replace(/(00)+$/, "")) ?? "");
  if (hex.length >= 128) {
    try {
      const [s] = decodeAbiParameters([{ type: "string" }], `0x${hex}`);
      return clean(s);
    } catch {
      return clean(utf8(hex.slice(0, 64).replace(/(00)+$/, "")) ?? "");
    }
  }
  return undefined;
};

/** Decodes a `decimals()` answer: a uint of at most 255; undefined otherwise. */
export const decodeDecimals = (data: string): number | undefined => {
  if (!/^0x[0-9a-fA-F]{64}$/.test(data)) return undefined;
  const n = hexToBig(data);
  return n <= 255n ? Number(n) : undefined;
};

/**
 * Reads metadata for tokens not yet in the tokens table, stores it, and returns every wanted
 * token's `TokenInfo` (keyed by checksummed address). NFTs (ERC-721/1155) skip `decimals`.
 */
export const ensureTokens = async (args: {
  db: DbOrTx;
  rpc: RpcTransport;
  chain: string;
  /** Checksummed contract → standard it was seen with. */
  wanted: ReadonlyMap<string, TokenStandard>;
}): Promise<Map<string, TokenInfo>> => {
  const { db, rpc, chain, wanted } = args;
  const known = await getTokens(db, chain, [...wanted.keys()]);
  const missing = [...wanted.keys()].filter((a) => !known.has(a));
  if (missing.length > 0) {
    const calls = missing.flatMap((address) => {
      const fields: (keyof typeof SELECTORS)[] =
        wanted.get(address) === "erc20" ? ["symbol", "name", "decimals"] : ["symbol", "name"];
      return fields.map((field) => ({ address, field, to: address, data: SELECTORS[field] }));
    });
    const answers = await ethCallSettled(rpc, calls, "latest");
    const rows = new Map<string, TokenRow & { problems: string[] }>();
    for (const address of missing) {
      rows.set(address, {
        chain,
        address,
        standard: wanted.get(address)!,
        symbol: null,
        name: null,
        decimals: null,
        problem: null,
        problems: [],
      });
    }
    calls.forEach((c, i) => {
      const row = rows.get(c.address)!;
      const answer = answers[i]!;
      const nft = row.standard !== "erc20";
      if (!answer.ok) {
        if (!nft) row.problems.push(`${c.field}() reverted`);
        return;
      }
      if (c.field === "decimals") {
        const d = decodeDecimals(answer.result);
        if (d === undefined) row.problems.push("decimals() answer is not a uint8");
        else row.decimals = d;
        return;
      }
      const text = decodeTextResult(answer.result);
      if (text === undefined) {
        if (!nft) row.problems.push(`${c.field}() answer is empty or not text`);
      } else row[c.field] = text;
    });
    const toSave = [...rows.values()].map(({ problems, ...row }) => ({
      ...row,
      problem: problems.length > 0 ? problems.join("; ") : null,
    }));
    await saveTokens(db, toSave);
    for (const r of toSave) {
      known.set(r.address, {
        ...r,
        symbol: r.symbol ?? null,
        name: r.name ?? null,
        decimals: r.decimals ?? null,
        updatedAt: new Date(),
      });
    }
  }
  return new Map(
    [...wanted.keys()].map((a) => {
      const r = known.get(a);
      return [a, { symbol: r?.symbol ?? null, decimals: r?.decimals ?? null }];
    }),
  );
};
