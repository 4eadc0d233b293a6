import type { CheckReport, WalletCheck } from "../../check/types.ts";
import { collect, parseRpcFlags } from "../options.ts";
import type { RegisterCommand } from "./types.ts";

/** Human-readable lines of one wallet's check. */
export const formatWalletCheck = (w: WalletCheck): string => {
  if (w.skipped) return `${w.wallet}: not checked: ${w.skipped}\n`;
  const unit = w.chain === "solana" ? "slot" : "block";
  let out =
    `${w.wallet} at ${unit} ${w.height} (${w.method}): ${w.assets.length} asset${w.assets.length === 1 ? "" : "s"}, ` +
    `${w.differences === 0 ? "no differences" : `${w.differences} difference${w.differences === 1 ? "" : "s"}`}\n`;
  for (const a of w.assets) {
    if (a.difference === "0" && a.causes.length === 0) continue;
    const usd = a.differenceUsd !== null ? `≈ $${a.differenceUsd}` : "no price";
    const sign = a.difference.startsWith("-") ? "" : "+";
    const opening = a.opening ? `, opening ${a.opening}` : "";
    const diff = a.difference === "0" ? "no difference" : `difference ${sign}${a.difference} (${usd})`;
    out += `  ${a.symbol}: chain ${a.chain}${opening}, ledger ${a.ledger} (indexed ${a.indexed}), ${diff}\n`;
    for (const c of a.causes) out += `    - ${c.code}${c.amount ? ` (${c.amount})` : ""}: ${c.message}\n`;
  }
  return out;
};

export const register: RegisterCommand = (program, runtime) => {
  program
    .command("check")
    .description(
      "reconcile each wallet's ledger balances with the chain's own balances at the synced block or slot",
    )
    .option("--wallet <wallet>", "only this wallet (<chain>:<address>); repeatable", collect)
    .option(
      "--rpc <chain=url>",
      "JSON-RPC endpoint for a chain, e.g. ethereum=https://…; repeatable",
      collect,
    )
    .option("--json", "print the report as JSON")
    .action(async (opts: { wallet?: string[]; rpc?: string[]; json?: boolean }, command) => {
      const [{ openServices }, { runBalanceCheck, checkSummary }, { assertRpcNames }] = await Promise.all([
        import("../../services.ts"),
        import("../../check/run.ts"),
        import("../../../chains/registry.ts"),
      ]);
      const rpc = parseRpcFlags(opts.rpc);
      await runtime.load(command, { rpc });
      const common = runtime.createCommon(command, { rpc });
      assertRpcNames({ ...common.config.rpc, ...rpc }, { nativeSymbols: common.config.nativeSymbols });
      const services = await openServices(common);
      const task = common.progress.task("check", { unit: "wallets" });
      let done = 0;
      const report: CheckReport = await runBalanceCheck({
        services,
        wallets: opts.wallet,
        onWallet: () => task.update({ done: ++done }),
      });
      task.finish(`${report.differences} differences`);
      if (opts.json) {
        runtime.out(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      for (const w of report.wallets) runtime.out(formatWalletCheck(w));
      runtime.out(checkSummary(report));
    });
};
