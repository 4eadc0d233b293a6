import { UserInputError } from "../../errors.ts";
import type { RegisterCommand } from "./types.ts";

/** Heavy modules (viem, the database) load only when a wallets command runs, keeping `--help` fast. */
const deps = async () => {
  const [registry, db, services] = await Promise.all([
    import("../../../chains/registry.ts"),
    import("../../../db/wallets.ts"),
    import("../../services.ts"),
  ]);
  return { ...registry, ...db, ...services };
};

export const register: RegisterCommand = (program, runtime) => {
  const wallets = program.command("wallets").description("add, list and remove wallets");

  wallets
    .command("add")
    .description("add wallets as <chain>:<address> (ethereum:0x…, evm:31337:0x…, solana:<address>)")
    .argument("<wallet...>", "wallets to add")
    .option("--label <label>", "a name for the wallet")
    .option(
      "--exchange",
      "the address is an exchange deposit address (sends to it are transfers to that account)",
    )
    .action(async (specs: string[], opts: { label?: string; exchange?: boolean }, command) => {
      const { parseWalletSpec, upsertWallet, findWallet, openServices } = await deps();
      const common = runtime.createCommon(command);
      const chainOptions = { nativeSymbols: common.config.nativeSymbols };
      // Validate every spec before touching the database: a typo adds nothing. A bare 0x address
      // stands for every configured EVM chain where it has activity.
      const parsed = [];
      for (const s of specs) {
        if (/^0x[0-9a-fA-F]{40}$/.test(s)) {
          const { evmChainsWithActivity } = await import("../wallet-activity.ts");
          const found = await evmChainsWithActivity(s, common);
          for (const chain of found.active) parsed.push(parseWalletSpec(`${chain}:${s}`, chainOptions));
          runtime.out(`${s}: ${found.summary}\n`);
        } else parsed.push(parseWalletSpec(s, chainOptions));
      }
      const { database, userId } = await openServices(common);
      for (const p of parsed) {
        const before = await findWallet(database.db, userId, p.chain.id, p.address);
        await upsertWallet(database.db, userId, {
          chain: p.chain.id,
          address: p.address,
          ...(opts.label !== undefined ? { label: opts.label } : {}),
          ...(opts.exchange ? { kind: "exchange" as const } : {}),
        });
        if (!before) runtime.out(`added ${p.key}\n`);
        else {
          const changes = [
            opts.label !== undefined && opts.label !== before.label ? `label '${opts.label}'` : "",
            opts.exchange && before.kind !== "exchange" ? "kind exchange" : "",
          ].filter((x) => x !== "");
          runtime.out(
            changes.length > 0
              ? `${p.key} already exists: set ${changes.join(", ")}\n`
              : `${p.key} already exists (nothing changed)\n`,
          );
        }
      }
    });

  wallets
    .command("list")
    .description("list wallets")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }, command) => {
      // Listing needs no chain registry (viem): only the database.
      const [{ listWallets }, { walletKey }, { openServices }] = await Promise.all([
        import("../../../db/wallets.ts"),
        import("../../../chains/wallet-key.ts"),
        import("../../services.ts"),
      ]);
      const common = runtime.createCommon(command);
      const { database, userId } = await openServices(common);
      const rows = await listWallets(database.db, userId);
      if (opts.json) {
        runtime.out(
          `${JSON.stringify(
            rows.map((r) => ({
              wallet: walletKey(r.chain, r.address),
              chain: r.chain,
              address: r.address,
              label: r.label,
              kind: r.kind,
            })),
            null,
            2,
          )}\n`,
        );
        return;
      }
      if (rows.length === 0) {
        runtime.out("no wallets yet: lotwise wallets add <chain>:<address>\n");
        return;
      }
      for (const r of rows) {
        runtime.out(
          `${walletKey(r.chain, r.address)}${r.label ? `  ${r.label}` : ""}${r.kind !== "own" ? `  (${r.kind})` : ""}\n`,
        );
      }
    });

  wallets
    .command("remove")
    .description("remove wallets and their synced data")
    .argument("<wallet...>", "wallets to remove")
    .action(async (specs: string[], _opts, command) => {
      const { parseWalletSpec, removeWallet, openServices } = await deps();
      const common = runtime.createCommon(command);
      const parsed = specs.map((s) => parseWalletSpec(s, { nativeSymbols: common.config.nativeSymbols }));
      const { database, userId } = await openServices(common);
      for (const p of parsed) {
        const removed = await removeWallet(database.db, userId, p.chain.id, p.address);
        if (!removed) throw new UserInputError(`no such wallet: ${p.key}`);
        runtime.out(`removed ${p.key}\n`);
      }
    });
};
