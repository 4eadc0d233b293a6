import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { isChainName, parseWalletSpec, walletKey } from "../../../chains/registry.ts";
import type { WalletRef } from "../../../chains/types.ts";
import { wallets } from "../../../db/schema/index.ts";
import { findWallet, listWallets, upsertWallet } from "../../../db/wallets.ts";
import { UserInputError } from "../../errors.ts";
import { declareAccount, isAccountSpec } from "../../imports/accounts.ts";
import { ApiError, notFound } from "../errors.ts";
import { errors, IdParam, iso } from "../schemas.ts";
import type { RegisterRoutes } from "../types.ts";

const Wallet = z
  .object({
    id: z.number().int(),
    wallet: z.string().describe("<chain>:<address>, as in the ledger"),
    chain: z.string(),
    address: z.string().describe("canonical: EIP-55 checksummed (EVM) or base58 (Solana)"),
    label: z.string(),
    kind: z
      .enum(["own", "exchange"])
      .describe("exchange: an exchange deposit address; its label names the account"),
  })
  .meta({ id: "Wallet" });

const Kind = z.enum(["own", "exchange"]);
/** Most wallets one request may add. */
const MAX_PASTE = 200;

const toWallet = (w: WalletRef) => ({
  id: w.id,
  wallet: walletKey(w.chain, w.address),
  chain: w.chain,
  address: w.address,
  label: w.label,
  kind: (w.kind === "exchange" ? "exchange" : "own") as "own" | "exchange",
});

const BASE58_KEY = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

/**
 * Splits pasted text into wallet specs: one per line, comma or space. A bare address takes
 * `chain`; a bare base58 key without `chain` is a Solana address. An exchange account
 * (`coinbase:main`, as `lotwise wallets add` takes it) is returned apart, in `accounts`.
 */
export const parsePastedWallets = (
  input: string | string[],
  chain: string | undefined,
  nativeSymbols: Record<string, string>,
) => {
  const items = (Array.isArray(input) ? input : input.split(/[\s,;]+/)).map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UserInputError("wallets: nothing to add");
  if (items.length > MAX_PASTE)
    throw new UserInputError(`wallets: at most ${MAX_PASTE} per request, got ${items.length}`);
  const problems: string[] = [];
  const isChain = (name: string) => isChainName(name, { nativeSymbols });
  const accounts = items.filter((item) => isAccountSpec(item, isChain));
  const parsed = items.flatMap((item, i) => {
    if (accounts.includes(item)) return [];
    const bare = !item.includes(":");
    const spec = bare ? (chain ? `${chain}:${item}` : BASE58_KEY.test(item) ? `solana:${item}` : item) : item;
    try {
      if (bare && !chain && !BASE58_KEY.test(item))
        throw new UserInputError(`'${item}' has no chain: write <chain>:<address> or pass chain`);
      return [parseWalletSpec(spec, { nativeSymbols })];
    } catch (error) {
      problems.push(`item ${i + 1}: ${error instanceof UserInputError ? error.shortMessage : String(error)}`);
      return [];
    }
  });
  if (problems.length > 0)
    throw new UserInputError(
      `${problems.length} of ${items.length} wallets are invalid (none added): ${problems.join("; ")}`,
    );
  return { parsed, accounts: [...new Set(accounts)] };
};

export const registerWallets: RegisterRoutes = (app, ctx) => {
  const db = ctx.database.db;
  const { nativeSymbols } = ctx.common.config;

  app.get(
    "/wallets",
    {
      schema: {
        tags: ["wallets"],
        summary: "List your wallets and exchange deposit addresses",
        response: { 200: z.object({ wallets: z.array(Wallet) }), ...errors },
      },
    },
    async (request) => ({ wallets: (await listWallets(db, request.userId)).map(toWallet) }),
  );

  app.post(
    "/wallets",
    {
      schema: {
        tags: ["wallets"],
        summary: "Add one or many wallets at once (pasted text or a list)",
        description:
          "Each item is `<chain>:<address>` (ethereum, base, arbitrum, optimism, polygon, evm:<chainId>, solana) or a bare address with `chain`; a bare base58 key is a Solana address. An item `<exchange>:<name>` (coinbase:main) declares an exchange account, as `lotwise wallets add coinbase:main` does: its exports go to PUT /imports/{account} and its Form 1099-DA to POST /forms/imports; declared accounts are listed by GET /imports. Every item is validated for its chain first: one bad item adds nothing and the error lists each bad item. Adding an existing wallet updates its label/kind.",
        body: z.object({
          wallets: z.union([z.string().max(100_000), z.array(z.string().max(200)).max(MAX_PASTE)]),
          chain: z.string().max(40).optional().describe("chain of bare addresses"),
          label: z.string().max(200).optional(),
          kind: Kind.optional().describe("exchange: deposit addresses of an exchange account named by label"),
        }),
        response: {
          201: z.object({
            wallets: z.array(Wallet),
            added: z.number().int(),
            existing: z.number().int(),
            accounts: z
              .array(z.object({ name: z.string(), added: z.boolean() }))
              .describe(
                "exchange accounts declared (<exchange>:<name>, e.g. coinbase:main): added false when it already existed",
              ),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      if (b.kind === "exchange" && !b.label)
        throw new UserInputError(
          "an exchange deposit address needs a label naming the account, e.g. coinbase:main",
        );
      const { parsed, accounts } = parsePastedWallets(b.wallets, b.chain, nativeSymbols);
      if (b.kind === "exchange" && accounts.length > 0)
        throw new UserInputError(
          `${accounts[0]} is an exchange account: kind exchange marks a deposit address (add it as <chain>:<address> with label ${accounts[0]})`,
        );
      const declared: { name: string; added: boolean }[] = [];
      for (const name of accounts)
        declared.push({ name, added: await declareAccount(db, request.userId, name) });
      let added = 0;
      const out: WalletRef[] = [];
      for (const p of parsed) {
        const before = await findWallet(db, request.userId, p.chain.id, p.address);
        if (!before) added++;
        out.push(
          await upsertWallet(db, request.userId, {
            chain: p.chain.id,
            address: p.address,
            ...(b.label !== undefined ? { label: b.label } : {}),
            ...(b.kind !== undefined ? { kind: b.kind } : {}),
          }),
        );
      }
      reply.status(201);
      return { wallets: out.map(toWallet), added, existing: out.length - added, accounts: declared };
    },
  );

  const owned = async (userId: number, id: number) => {
    const [w] = await db
      .select()
      .from(wallets)
      .where(and(eq(wallets.id, id), eq(wallets.userId, userId)));
    if (!w) throw notFound(`wallet ${id}`);
    return w;
  };

  app.get(
    "/wallets/:id",
    {
      schema: {
        tags: ["wallets"],
        summary: "One wallet",
        params: IdParam,
        response: { 200: Wallet.extend({ createdAt: z.string() }), ...errors },
      },
    },
    async (request) => {
      const w = await owned(request.userId, request.params.id);
      return { ...toWallet(w), createdAt: iso(w.createdAt)! };
    },
  );

  app.patch(
    "/wallets/:id",
    {
      schema: {
        tags: ["wallets"],
        summary: "Change a wallet's label or kind",
        params: IdParam,
        body: z.object({ label: z.string().max(200).optional(), kind: Kind.optional() }),
        response: { 200: Wallet, ...errors },
      },
    },
    async (request) => {
      const w = await owned(request.userId, request.params.id);
      const label = request.body.label ?? w.label;
      const kind = request.body.kind ?? (w.kind as "own" | "exchange");
      if (kind === "exchange" && !label)
        throw new ApiError(400, "invalid_input", "an exchange deposit address needs a label");
      const [row] = await db
        .update(wallets)
        .set({ label, kind })
        .where(and(eq(wallets.id, w.id), eq(wallets.userId, request.userId)))
        .returning();
      return toWallet(row!);
    },
  );

  app.delete(
    "/wallets/:id",
    {
      schema: {
        tags: ["wallets"],
        summary: "Remove a wallet and its synced data (the ledger is rebuilt by the next sync)",
        params: IdParam,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const w = await owned(request.userId, request.params.id);
      await db.delete(wallets).where(and(eq(wallets.id, w.id), eq(wallets.userId, request.userId)));
      return reply.status(204).send(null);
    },
  );
};
