/**
 * `npm run bench evm-sync [-- --transfers=10000 --per-tx=4 --db=disk|memory]`: EVM sync speed on anvil.
 *
 * Builds a wallet with at least `transfers` ERC-20 transfers (an OpenZeppelin token's
 * `transferMany` does `per-tx` real transfers per transaction; 80% come in from other accounts, 20%
 * go out from the wallet), spread over blocks with empty blocks between them. Then measures:
 * a cold sync (transfers/s, HTTP round trips and JSON-RPC calls per transfer), a warm incremental
 * re-sync, and a full re-sync of the same address by another user (no cursor: every answer must
 * come from the database caches).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getAddress } from "viem";
import { syncEvmWallet } from "../chains/evm/sync.ts";
import { resolveChain } from "../chains/registry.ts";
import { createDbRpcCache } from "../chains/rpc-cache.ts";
import { createHttpTransport } from "../chains/transport.ts";
import type { SyncWalletResult, WalletRef } from "../chains/types.ts";
import { createDatabase, type Database } from "../db/client.ts";
import { ensureUser } from "../db/users.ts";
import { upsertWallet } from "../db/wallets.ts";
import { configSchema } from "../src/config.ts";
import { startAnvil } from "../src/devchain/anvil.ts";
import { createDevClient, loadArtifacts } from "../src/devchain/contracts.ts";
import { silentLogger } from "../src/logger.ts";
import { createShutdown } from "../src/shutdown.ts";
import { nullProgress } from "../src/ui/progress.ts";

const flag = (args: string[], name: string, fallback: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;

/** Transactions sent per JSON-RPC batch while building the history. */
const SEND_BATCH = 200;
/** Transactions per mined block. */
const TXS_PER_BLOCK = 25;
/** Empty blocks mined after each full block, so history spans many blocks. */
const GAP_BLOCKS = 20;

export default async function evmSyncBench(args: string[]): Promise<void> {
  const transfers = Number(flag(args, "transfers", "10000"));
  const perTx = Number(flag(args, "per-tx", "4"));
  const dbKind = flag(args, "db", "disk");
  const txCount = Math.ceil(transfers / perTx);

  const anvil = await startAnvil({ gasLimit: 100_000_000n });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "lotwise-bench-"));
  let database: Database | undefined;
  try {
    const dev = createDevClient(anvil.url);
    const art = await loadArtifacts();
    const [deployer, wallet, ...others] = await dev.accounts();
    const token = await dev.deploy(deployer!, art.TestToken, ["Bench", "BNCH", 10n ** 30n]);
    await dev.send({
      from: deployer!,
      to: token,
      data: dev.encode(art.TestToken, "transfer", [wallet, 10n ** 24n]),
    });

    const t0 = performance.now();
    await dev.request("evm_setAutomine", [false]);
    const calls = Array.from({ length: txCount }, (_, i) => {
      const out = i % 5 === 4; // 20% sent by the wallet
      const from = out ? wallet! : others[i % others.length]!;
      const to = out ? others[i % others.length]! : wallet!;
      return {
        from,
        to: token,
        data: dev.encode(art.TestToken, "transferMany", [to, 1n + BigInt(i % 7), BigInt(perTx)]),
        gas: "0x100000",
      };
    });
    // Fund the senders with tokens first (one transfer each, automined below).
    for (const o of others) {
      await dev.request("eth_sendTransaction", [
        { from: deployer, to: token, data: dev.encode(art.TestToken, "transfer", [o, 10n ** 24n]) },
      ]);
    }
    await dev.request("evm_mine");
    for (let i = 0; i < calls.length; i += TXS_PER_BLOCK) {
      const chunk = calls.slice(i, i + TXS_PER_BLOCK);
      for (let j = 0; j < chunk.length; j += SEND_BATCH) {
        await fetch(anvil.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(
            chunk
              .slice(j, j + SEND_BATCH)
              .map((c, k) => ({ jsonrpc: "2.0", id: k, method: "eth_sendTransaction", params: [c] })),
          ),
        });
      }
      await dev.request("evm_mine");
      await dev.request("anvil_mine", [`0x${GAP_BLOCKS.toString(16)}`]);
    }
    await dev.request("evm_setAutomine", [true]);
    const head = BigInt(await dev.request<string>("eth_blockNumber"));
    const buildSeconds = (performance.now() - t0) / 1000;

    database =
      dbKind === "memory"
        ? await createDatabase({ kind: "pglite" })
        : await createDatabase({ kind: "pglite", dir: path.join(dataDir, "pgdata") });
    await database.migrate();
    const config = configSchema.parse({ dataDir });
    const common = { config, logger: silentLogger, shutdown: createShutdown(), progress: nullProgress };
    const chain = resolveChain("evm:31337");
    const db = database.db;

    const run = async (w: WalletRef) => {
      const transport = createHttpTransport({
        chain: chain.id,
        url: anvil.url,
        logger: silentLogger,
        cache: createDbRpcCache(db, chain.id),
        concurrency: config.sync.concurrency,
      });
      const started = performance.now();
      const result: SyncWalletResult = await syncEvmWallet(
        {
          common,
          database: database!,
          wallet: w,
          chain,
          rpcUrl: anvil.url,
          signal: new AbortController().signal,
          reportProgress: () => {},
        },
        { transport },
      );
      return { result, seconds: (performance.now() - started) / 1000, stats: transport.stats() };
    };

    const alice = await ensureUser(db, "alice");
    const w = await upsertWallet(db, alice, { chain: chain.id, address: getAddress(wallet!) });
    const cold = await run(w);
    const warm = await run(w);
    const bob = await ensureUser(db, "bob");
    const resync = await run(await upsertWallet(db, bob, { chain: chain.id, address: getAddress(wallet!) }));

    const erc20 = await db.execute(
      `select count(*)::int as n from lotwise_sync.movements where wallet_id = ${w.id} and evidence = 'erc20'` as never,
    );
    const found = Number((erc20 as unknown as { rows: { n: number }[] }).rows[0]!.n);
    // Every transferMany transfer, plus the transfer that funded the wallet.
    const expected = txCount * perTx + 1;
    if (found !== expected) throw new Error(`expected ${expected} ERC-20 movements, stored ${found}`);

    const rows = [
      [
        "history",
        `${txCount} txs, ${found} ERC-20 transfers, ${head} blocks (built in ${buildSeconds.toFixed(1)} s)`,
      ],
      ["database", dbKind === "memory" ? "PGlite in memory" : "PGlite on disk"],
      ["cold sync", `${cold.seconds.toFixed(2)} s, ${(found / cold.seconds).toFixed(0)} transfers/s`],
      [
        "cold RPC",
        `${cold.stats.httpRequests} HTTP round trips (${(cold.stats.httpRequests / found).toFixed(4)}/transfer), ` +
          `${cold.stats.requests} JSON-RPC calls (${(cold.stats.requests / found).toFixed(3)}/transfer)`,
      ],
      ["cold calls by method", JSON.stringify(cold.stats.byMethod)],
      [
        "warm re-sync (cursor)",
        `${warm.seconds.toFixed(2)} s, ${warm.stats.requests} RPC calls (${JSON.stringify(warm.stats.byMethod)}), ${warm.stats.httpRequests} HTTP`,
      ],
      [
        "full re-sync (no cursor)",
        `${resync.seconds.toFixed(2)} s, ${resync.stats.requests} RPC calls (${JSON.stringify(resync.stats.byMethod)}), ` +
          `${resync.result.cacheHits} cache hits; final history: ${resync.stats.requests - (resync.stats.byMethod.eth_chainId ?? 0) - (resync.stats.byMethod.eth_blockNumber ?? 0)} calls`,
      ],
    ];
    const width = Math.max(...rows.map((r) => r[0]!.length));
    for (const [k, v] of rows) console.log(`${k!.padEnd(width)}  ${v}`);
  } finally {
    await database?.close();
    await anvil.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
