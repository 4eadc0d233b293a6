import type { ChainListing } from "../../../chains/listing.ts";
import type { RegisterCommand } from "./types.ts";

export type { ChainListing };

export const register: RegisterCommand = (program, runtime) => {
  program
    .command("chains")
    .description("list supported chains: short names, and every EVM chain viem knows as evm:<chainId>")
    .option("--all", "every EVM chain viem knows (default: the short-named chains)")
    .option("--search <text>", "only chains whose name, id or viem name contains the text (implies --all)")
    .option("--json", "print JSON")
    .action(async (opts: { all?: boolean; search?: string; json?: boolean }, command) => {
      const { listChains } = await import("../../../chains/listing.ts");
      const { listEvmChains } = await import("../../../chains/registry.ts");
      const common = runtime.createCommon(command);
      const options = { nativeSymbols: common.config.nativeSymbols };
      const all = opts.all || opts.search !== undefined;
      const rows: ChainListing[] = listChains(
        { nativeSymbols: common.config.nativeSymbols, tokens: common.config.assets.tokens },
        { all: opts.all, search: opts.search },
      );
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
