import { matchingWindowHours } from "../../classify/settings.ts";
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
    .description(
      "add wallets as <chain>:<address> (ethereum:0x…, evm:31337:0x…, solana:<address>; chain names are case-insensitive), a bare 0x… address (added on every configured EVM chain where it has activity), or exchange accounts as <exchange>:<name> (coinbase:main)",
    )
    .argument("<wallet...>", "wallets to add")
    .option("--label <label>", "a name for the wallet")
    .option(
      "--exchange",
      "the address is an exchange deposit address (sends to it are transfers to that account)",
    )
    .action(async (specs: string[], opts: { label?: string; exchange?: boolean }, command) => {
      const { parseWalletSpec, isChainName, upsertWallet, findWallet, openServices } = await deps();
      const common = runtime.createCommon(command);
      const chainOptions = { nativeSymbols: common.config.nativeSymbols };
      // Validate every spec before touching the database: a typo adds nothing. A bare 0x address
      // stands for every configured EVM chain where it has activity.
      const { isAccountSpec } = await import("../../imports/accounts.ts");
      const isChain = (name: string) => isChainName(name, chainOptions);
      const parsed = [];
      const accounts: string[] = [];
      for (const s of specs) {
        if (isAccountSpec(s, isChain)) {
          if (opts.exchange)
            throw new UserInputError(
              `${s} is an exchange account: --exchange marks a deposit address (add it as <chain>:<address> --exchange --label ${s})`,
            );
          accounts.push(s);
        } else if (/^0x[0-9a-fA-F]{40}$/.test(s)) {
          const { evmChainsWithActivity } = await import("../wallet-activity.ts");
          const found = await evmChainsWithActivity(s, common);
          for (const chain of found.active) parsed.push(parseWalletSpec(`${chain}:${s}`, chainOptions));
          runtime.out(`${s}: ${found.summary}\n`);
        } else parsed.push(parseWalletSpec(s, chainOptions));
      }
      const { database, userId } = await openServices(common);
      if (accounts.length > 0) {
        const { declareAccount } = await import("../../imports/accounts.ts");
        for (const a of accounts) {
          const added = await declareAccount(database.db, userId, a);
          runtime.out(
            added
              ? `added exchange account ${a} (import its history: lotwise import FILE --account ${a}; its Form 1099-DA: lotwise forms import FILE --account ${a})\n`
              : `${a} already exists (nothing changed)\n`,
          );
        }
      }
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
      const [{ listWallets }, { walletKey }, { openServices }, { listAccounts, DECLARED_FAMILY }] =
        await Promise.all([
          import("../../../db/wallets.ts"),
          import("../../../chains/wallet-key.ts"),
          import("../../services.ts"),
          import("../../imports/accounts.ts"),
        ]);
      const common = runtime.createCommon(command);
      const { database, userId } = await openServices(common);
      const rows = await listWallets(database.db, userId);
      const accounts = await listAccounts(database.db, userId);
      if (opts.json) {
        runtime.out(
          `${JSON.stringify(
            [
              ...rows.map((r) => ({
                wallet: walletKey(r.chain, r.address),
                chain: r.chain,
                address: r.address,
                label: r.label,
                kind: r.kind,
              })),
              // Exchange accounts (declared or holding imports): no chain, no address.
              ...accounts.map((a) => ({
                wallet: a.name,
                chain: null,
                address: null,
                label: "",
                kind: "account",
                holds: a.family === DECLARED_FAMILY ? null : a.family,
                importedRows: a.rows,
              })),
            ],
            null,
            2,
          )}\n`,
        );
        return;
      }
      if (rows.length === 0 && accounts.length === 0) {
        runtime.out("no wallets yet: lotwise wallets add <chain>:<address>\n");
        return;
      }
      for (const r of rows) {
        runtime.out(
          `${walletKey(r.chain, r.address)}${r.label ? `  ${r.label}` : ""}${r.kind !== "own" ? `  (${r.kind})` : ""}\n`,
        );
      }
      for (const a of accounts) {
        const holds =
          a.family === DECLARED_FAMILY
            ? "nothing imported yet"
            : `${a.rows} ${a.family === "any" ? "tool" : a.family} rows`;
        runtime.out(`${a.name}  (exchange account: ${holds})\n`);
      }
    });

  wallets
    .command("remove")
    .description("remove wallets and their synced data, or exchange accounts and their imported rows")
    .argument("<wallet...>", "wallets to remove")
    .action(async (specs: string[], _opts, command) => {
      const { parseWalletSpec, isChainName, removeWallet, openServices } = await deps();
      const { isAccountSpec, removeAccount } = await import("../../imports/accounts.ts");
      const common = runtime.createCommon(command);
      const chainOptions = { nativeSymbols: common.config.nativeSymbols };
      const isChain = (name: string) => isChainName(name, chainOptions);
      const parsed = specs.map((s) =>
        isAccountSpec(s, isChain) ? { account: s } : { wallet: parseWalletSpec(s, chainOptions) },
      );
      const services = await openServices(common);
      const { database, userId } = services;
      let rebuild = false;
      for (const p of parsed) {
        if (p.account !== undefined) {
          const rows = await removeAccount(database.db, {
            userId,
            name: p.account,
            windowHours: matchingWindowHours(common.config.classify),
          });
          runtime.out(
            `removed exchange account ${p.account}${rows ? ` and its ${rows} imported rows` : ""}\n`,
          );
          if (rows > 0) rebuild = true;
          continue;
        }
        const w = p.wallet!;
        const removed = await removeWallet(database.db, userId, w.chain.id, w.address);
        if (!removed) throw new UserInputError(`no such wallet: ${w.key}`);
        runtime.out(`removed ${w.key}\n`);
      }
      if (rebuild) {
        const { rebuildAndReport } = await import("../rebuild.ts");
        await rebuildAndReport(services, runtime.out);
      }
    });
};
