import type { ChainInfo } from "../../../chains/types.ts";
import type { RegisterCommand } from "./types.ts";

/** One chain as `lotwise chains` shows it (also its `--json` shape). */
export type ChainListing = {
  /** lotwise's chain id: a short name, `evm:<chainId>` or `solana`. */
  id: string;
  name: string;
  chainId: number | null;
  /** viem's export name for it (`bsc`), for searching. */
  viemName: string | null;
  nativeSymbol: string;
  /** The canonical asset the native coin is priced as (`ETH`, `BNB`), or null (never priced). */
  pricedAs: string | null;
  testnet: boolean;
  multicall3: string | null;
  explorer: string | null;
};

const listing = (c: ChainInfo, pricedAs: string | undefined): ChainListing => ({
  id: c.id,
  name: c.name,
  chainId: c.chainId ?? null,
  viemName: c.viemName ?? null,
  nativeSymbol: c.nativeSymbol,
  pricedAs: pricedAs ?? null,
  testnet: Boolean(c.testnet),
  multicall3: c.multicall3?.address ?? null,
  explorer: c.explorer?.url ?? null,
});

export const register: RegisterCommand = (program, runtime) => {
  program
    .command("chains")
    .description("list supported chains: short names, and every EVM chain viem knows as evm:<chainId>")
    .option("--all", "every EVM chain viem knows (default: the short-named chains)")
    .option("--search <text>", "only chains whose name, id or viem name contains the text (implies --all)")
    .option("--json", "print JSON")
    .action(async (opts: { all?: boolean; search?: string; json?: boolean }, command) => {
      const { knownChains, listEvmChains } = await import("../../../chains/registry.ts");
      const { canonicalAsset } = await import("../../assets/identity.ts");
      const common = runtime.createCommon(command);
      const options = { nativeSymbols: common.config.nativeSymbols };
      const assetOptions = {
        nativeSymbols: common.config.nativeSymbols,
        tokens: common.config.assets.tokens,
      };
      const pricedAs = (c: ChainInfo) => {
        const id = `${c.id}:native`;
        const asset = canonicalAsset(id, assetOptions);
        return asset === id ? undefined : asset;
      };
      const all = opts.all || opts.search !== undefined;
      let chains: ChainInfo[] = all
        ? [...knownChains().filter((c) => c.family === "solana"), ...listEvmChains(options)]
        : [...knownChains()];
      if (opts.search !== undefined) {
        const q = opts.search.toLowerCase();
        chains = chains.filter((c) =>
          [c.id, c.name, c.viemName ?? "", String(c.chainId ?? "")].some((s) => s.toLowerCase().includes(q)),
        );
      }
      const rows = chains.map((c) => listing(c, pricedAs(c)));
      if (opts.json) {
        runtime.out(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const table = [
        ["chain", "name", "native", "priced as", "multicall3", "explorer"],
        ...rows.map((r) => [
          r.id,
          r.testnet ? `${r.name} [testnet]` : r.name,
          r.nativeSymbol,
          r.pricedAs ?? "—",
          r.multicall3 ? "yes" : "—",
          r.explorer ?? "—",
        ]),
      ];
      const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      for (const row of table)
        runtime.out(
          `${row
            .map((cell, i) => cell.padEnd(widths[i]!))
            .join("  ")
            .trimEnd()}\n`,
        );
      if (!all) {
        runtime.out(
          `\nAny EVM chain viem knows works as evm:<chainId> (${listEvmChains(options).length} chains): ` +
            "lotwise chains --all, or --search <name>. Names are case-insensitive; testnets are never priced.\n",
        );
      }
    });
};
