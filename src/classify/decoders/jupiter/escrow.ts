import type { EscrowChange } from "../../types.ts";
import { JUPITER_PROGRAMS } from "./constants.ts";

const ORDER_PROGRAMS = new Set<string>([
  JUPITER_PROGRAMS.limitOrder,
  JUPITER_PROGRAMS.limitOrderV2,
  JUPITER_PROGRAMS.dca,
]);

type RawTx = {
  transaction?: { message?: { instructions?: unknown[]; accountKeys?: unknown[] } };
  meta?: {
    preTokenBalances?: {
      accountIndex: number;
      mint: string;
      owner?: string;
      uiTokenAmount: { amount: string; decimals: number };
    }[];
    postTokenBalances?: {
      accountIndex: number;
      mint: string;
      owner?: string;
      uiTokenAmount: { amount: string; decimals: number };
    }[];
  } | null;
};

/**
 * Jupiter limit-order and DCA escrow changes of a raw `jsonParsed` transaction: the token balance
 * changes of accounts owned by an account that a top-level limit-order / DCA instruction lists
 * (the order or DCA account), with every account listed beside that owner (`parties`: the maker,
 * i.e. the user, is among them). The fee payer (the keeper that fills orders) is never an owner
 * here. Empty for any other transaction. Raw integers, exact.
 */
export const escrowChangesOf = (data: unknown): EscrowChange[] => {
  const tx = (data as RawTx) ?? {};
  const keys = (tx.transaction?.message?.accountKeys ?? []).map((k) =>
    typeof k === "string" ? k : ((k as { pubkey?: string }).pubkey ?? ""),
  );
  const feePayer = keys[0];
  const listed: string[][] = [];
  for (const ix of (tx.transaction?.message?.instructions ?? []) as Record<string, unknown>[]) {
    const program = typeof ix.programId === "string" ? ix.programId : undefined;
    if (!program || !ORDER_PROGRAMS.has(program) || !Array.isArray(ix.accounts)) continue;
    listed.push(ix.accounts.filter((a): a is string => typeof a === "string"));
  }
  if (listed.length === 0 || !tx.meta) return [];
  const byAccount = new Map<string, { owner: string; mint: string; decimals: number; amount: bigint }>();
  for (const [sign, list] of [
    [-1n, tx.meta.preTokenBalances ?? []],
    [1n, tx.meta.postTokenBalances ?? []],
  ] as const) {
    for (const b of list) {
      const account = keys[b.accountIndex];
      if (!account || !b.owner || b.owner === feePayer) continue;
      const was = byAccount.get(account) ?? {
        owner: b.owner,
        mint: b.mint,
        decimals: b.uiTokenAmount.decimals,
        amount: 0n,
      };
      was.amount += sign * BigInt(b.uiTokenAmount.amount);
      byAccount.set(account, was);
    }
  }
  const out: EscrowChange[] = [];
  for (const [account, c] of byAccount) {
    if (c.amount === 0n) continue;
    const parties = [...new Set(listed.filter((l) => l.includes(c.owner)).flat())].filter(
      (p) => p !== c.owner,
    );
    if (parties.length === 0) continue;
    out.push({ account, ...c, parties });
  }
  return out.sort((a, b) => a.account.localeCompare(b.account));
};
