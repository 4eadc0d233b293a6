import type { SyncWalletResult } from "../../../chains/types.ts";
import { BaseError, UserInputError } from "../../errors.ts";
import { collect, parseRpcFlags } from "../options.ts";
import type { RegisterCommand } from "./types.ts";

// Heavy modules load when a command runs, not when the CLI starts (keeps `--help` and `gains` fast).
let parseWalletSpec: typeof import("../../../chains/registry.ts").parseWalletSpec;
let walletKey: typeof import("../../../chains/registry.ts").walletKey;
let resolveChain: typeof import("../../../chains/registry.ts").resolveChain;
let assertRpcNames: typeof import("../../../chains/registry.ts").assertRpcNames;
let rpcUrlFor: typeof import("../../../chains/registry.ts").rpcUrlFor;
let listWallets: typeof import("../../../db/wallets.ts").listWallets;
let syncWalletJob: typeof import("../../../workers/processors/sync-wallet.ts").syncWalletJob;
let openServices: typeof import("../../services.ts").openServices;
let rebuildAndReport: typeof import("../rebuild.ts").rebuildAndReport;
let requireWorker: typeof import("../workers-check.ts").requireWorker;
let withWorkers: typeof import("../workers-check.ts").withWorkers;
let runBalanceCheck: typeof import("../../check/run.ts").runBalanceCheck;
let checkSummary: typeof import("../../check/run.ts").checkSummary;
const load = async () => {
  ({ requireWorker, withWorkers } = await import("../workers-check.ts"));
  ({ parseWalletSpec, walletKey, resolveChain, rpcUrlFor, assertRpcNames } = await import(
    "../../../chains/registry.ts"
  ));
  ({ listWallets } = await import("../../../db/wallets.ts"));
  ({ syncWalletJob } = await import("../../../workers/processors/sync-wallet.ts"));
  ({ openServices } = await import("../../services.ts"));
  ({ rebuildAndReport } = await import("../rebuild.ts"));
  ({ runBalanceCheck, checkSummary } = await import("../../check/run.ts"));
};

export const register: RegisterCommand = (program, runtime) => {
  program
    .command("sync")
    .description("index the full history of every wallet (or --wallet), incrementally")
    .option("--wallet <wallet>", "only this wallet (<chain>:<address>); repeatable", collect)
    .option(
      "--from-block <block>",
      "EVM: start a wallet's first sync at this block instead of searching for its first activity",
    )
    .option(
      "--rpc <chain=url>",
      "JSON-RPC endpoint for a chain, e.g. ethereum=https://…; repeatable",
      collect,
    )
    .option("--in-process", "run the jobs in this process even when REDIS_URL is set (no worker needed)")
    .action(
      async (
        opts: { wallet?: string[]; rpc?: string[]; inProcess?: boolean; fromBlock?: string },
        command,
      ) => {
        await load();
        if (opts.fromBlock !== undefined && !/^\d+$/.test(opts.fromBlock)) {
          throw new UserInputError(`--from-block: '${opts.fromBlock}' is not a block number`);
        }
        const rpc = parseRpcFlags(opts.rpc);
        await runtime.load(command, { rpc });
        const common = runtime.createCommon(command, { rpc });
        // A mistyped chain name (`etherum`) in the config or on --rpc is said, not ignored.
        assertRpcNames({ ...common.config.rpc, ...rpc }, { nativeSymbols: common.config.nativeSymbols });
        const services = await openServices(common, { inProcess: opts.inProcess === true });
        const { database, queue, userId } = services;

        // Exchange deposit addresses are labels for an exchange account, not wallets whose lots lotwise tracks.
        let targets = (await listWallets(database.db, userId)).filter((w) => w.kind === "own");
        if (opts.wallet?.length) {
          const wanted = opts.wallet.map(
            (s) => parseWalletSpec(s, { nativeSymbols: common.config.nativeSymbols }).key,
          );
          for (const key of wanted) {
            if (!targets.some((w) => walletKey(w.chain, w.address) === key)) {
              throw new UserInputError(`no such wallet: ${key} (add it with: lotwise wallets add ${key})`);
            }
          }
          targets = targets.filter((w) => wanted.includes(walletKey(w.chain, w.address)));
        }
        if (targets.length === 0)
          throw new UserInputError("no wallets to sync: lotwise wallets add <chain>:<address>");

        // In this process, a chain without an RPC endpoint is said once, before anything starts
        // (workers in service mode use their own configuration).
        if (!common.config.redisUrl || opts.inProcess) {
          const missing = new Map<string, string[]>();
          for (const w of targets) {
            const chain = resolveChain(w.chain, { nativeSymbols: common.config.nativeSymbols });
            if (rpc[w.chain] || rpcUrlFor(common.config.rpc, chain)) continue;
            missing.set(chain.id, [...(missing.get(chain.id) ?? []), walletKey(w.chain, w.address)]);
          }
          if (missing.size > 0) {
            throw new UserInputError(
              [...missing]
                .map(
                  ([chain, ws]) =>
                    `no RPC endpoint for ${chain} (${ws.length} wallet${ws.length === 1 ? "" : "s"}): pass --rpc ${chain}=URL or set rpc["${chain}"] in the config file`,
                )
                .join("\n") + "\nnothing was synced",
            );
          }
        }
        await requireWorker(services.queue, syncWalletJob);
        const runs = await Promise.all(
          targets.map(async (w) => {
            const key = walletKey(w.chain, w.address);
            const task = common.progress.task(`sync ${key}`);
            // A URL given on this command line travels as the job's secret, never in its stored data
            // (workers/bullmq.ts); without one, workers use their own configuration.
            const handle = await queue.enqueue(
              syncWalletJob,
              {
                walletId: w.id,
                ...(opts.fromBlock !== undefined ? { fromBlock: opts.fromBlock } : {}),
              },
              {
                ...(rpc[w.chain] ? { secrets: { rpcUrl: rpc[w.chain]! } } : {}),
                onProgress: (p) =>
                  task.update({
                    done: p.done,
                    ...(p.unit !== undefined ? { unit: p.unit } : {}),
                    ...(p.total !== undefined ? { total: p.total } : {}),
                    ...(p.detail !== undefined ? { detail: p.detail } : {}),
                  }),
              },
            );
            try {
              const result: SyncWalletResult = await withWorkers(
                services.queue,
                syncWalletJob,
                handle.result,
              );
              task.finish(`${result.transactions} txs, ${result.movements} movements`);
              return { key, result };
            } catch (error) {
              task.finish("failed");
              return { key, error };
            }
          }),
        );

        let failed = 0;
        for (const r of runs) {
          if ("result" in r && r.result) {
            const x = r.result;
            runtime.out(
              `${r.key}: ${x.transactions} transactions, ${x.movements} movements, ` +
                `${x.rpcCalls} RPC calls, ${x.cacheHits} cached${x.syncedTo ? `, final through ${x.syncedTo}` : ""}\n` +
                `${x.historyStart ? `  history from block ${x.historyStart.block}: ${x.historyStart.reason}\n` : ""}` +
                `${x.staking ? `  staking: ${x.staking.accounts} stake account(s), ${x.staking.rewards} new reward(s)${x.staking.throughEpoch !== undefined ? ` through epoch ${x.staking.throughEpoch}` : ""}\n` : ""}`,
            );
          } else {
            failed++;
            const e = (r as { error: unknown }).error;
            const msg = e instanceof BaseError ? e.shortMessage : e instanceof Error ? e.message : String(e);
            common.logger.error("sync failed", { wallet: r.key, error: msg });
          }
        }
        // The ledger follows the chain: rebuild what the new transactions changed (even after a partial failure).
        if (failed < runs.length) {
          await rebuildAndReport(services, runtime.out);
          // Then prove it: the synced wallets' ledger balances against the chain (differences become review items).
          const synced = runs.filter((r) => "result" in r).map((r) => r.key);
          try {
            const report = await runBalanceCheck({ services, wallets: synced });
            runtime.out(checkSummary(report));
          } catch (error) {
            const msg = error instanceof BaseError ? error.shortMessage : String(error);
            common.logger.warn("balance check failed (the sync itself succeeded)", { error: msg });
          }
        }
        if (failed > 0)
          throw new SyncFailedError(`${failed} of ${runs.length} wallet syncs failed (see above)`);
      },
    );
};

class SyncFailedError extends BaseError {
  override name = "SyncFailedError";
}
