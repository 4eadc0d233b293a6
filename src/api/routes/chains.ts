import { z } from "zod";
import { type ChainListing, listChains } from "../../../chains/listing.ts";
import { errors } from "../schemas.ts";
import type { RegisterRoutes } from "../types.ts";

const Chain = z
  .object({
    id: z.string().describe("lotwise's chain id: a short name, evm:<chainId> or solana"),
    name: z.string(),
    chainId: z.number().int().nullable(),
    viemName: z.string().nullable().describe("viem's export name (bsc), also accepted as a chain name"),
    nativeSymbol: z.string(),
    pricedAs: z.string().nullable().describe("the asset the native coin is priced as; null: never priced"),
    testnet: z.boolean(),
    multicall3: z.string().nullable(),
    explorer: z.string().nullable(),
  })
  .meta({ id: "Chain" });

/** `GET /v1/chains`: what `lotwise chains --json` prints; the dashboard checks pasted chain names with it. */
export const registerChains: RegisterRoutes = (app, ctx) => {
  const { nativeSymbols, assets } = ctx.common.config;
  let everyChain: ChainListing[] | undefined;
  app.get(
    "/chains",
    {
      schema: {
        tags: ["wallets"],
        summary: "The chains wallets can be on: short names, Solana, and every EVM chain viem knows",
        querystring: z.object({
          all: z
            .enum(["true", "false"])
            .default("true")
            .describe("false: only the short-named chains and Solana"),
          search: z.string().max(100).optional().describe("id, name, viem name or chain id contains this"),
        }),
        response: { 200: z.object({ chains: z.array(Chain) }), ...errors },
      },
    },
    async (request) => {
      const { all, search } = request.query as { all: "true" | "false"; search?: string };
      const options = { nativeSymbols, tokens: assets.tokens };
      if (search !== undefined) return { chains: listChains(options, { search }) };
      if (all === "false") return { chains: listChains(options) };
      everyChain ??= listChains(options, { all: true });
      return { chains: everyChain };
    },
  );
};
