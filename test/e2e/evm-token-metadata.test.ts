import { getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  createHttpTransport,
  RpcProviderError,
  type RpcRequest,
  type RpcTransport,
} from "../../chains/transport.ts";
import { movements, tokens } from "../../db/schema/index.ts";
import { createDevClient, loadArtifacts } from "../../src/devchain/contracts.ts";
import { silentLogger } from "../../src/logger.ts";
import { type Anvil, startAnvil } from "../anvil.ts";
import { createEvmHarness, type EvmHarness } from "../evm-harness.ts";

/**
 * Token metadata in a sync of several chunks (chains/evm/sync.ts, `tokensOf`): the token's
 * `eth_call`s go out once per run, as soon as the first chunk's answers are in — before the next
 * chunks' requests, not queued behind them while the first chunk waits to be normalized.
 */

/** Token transfers to the wallet: more than one chunk (the first holds about 100 transactions). */
const TRANSFERS = 240;
/** Transactions per mined block. */
const PER_BLOCK = 20;

let anvil: Anvil;
let harness: EvmHarness;
let wallet: string;
let token: string;

beforeAll(async () => {
  anvil = await startAnvil({ gasLimit: 100_000_000n });
  const dev = createDevClient(anvil.url);
  const art = await loadArtifacts();
  const [deployer, w] = await dev.accounts();
  wallet = getAddress(w!);
  token = getAddress(await dev.deploy(deployer!, art.TestToken, ["Meta", "META", 10n ** 24n]));
  await dev.request("evm_setAutomine", [false]);
  for (let i = 0; i < TRANSFERS; i += PER_BLOCK) {
    const body = Array.from({ length: PER_BLOCK }, (_, k) => ({
      jsonrpc: "2.0",
      id: k,
      method: "eth_sendTransaction",
      params: [
        {
          from: deployer,
          to: token,
          data: dev.encode(art.TestToken, "transfer", [wallet, BigInt(i + k + 1)]),
          gas: "0x30000",
        },
      ],
    }));
    await fetch(anvil.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await dev.request("evm_mine");
  }
  await dev.request("evm_setAutomine", [true]);
  harness = await createEvmHarness({ addresses: [wallet] });
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await anvil?.stop();
});

/**
 * `inner`, recording the methods of every batch in the order the batches are handed to it;
 * `failFirst`: the first batch holding that method fails (a garbled answer: the step is retried).
 */
const recording = (
  inner: RpcTransport,
  failFirst?: string,
): { transport: RpcTransport; batches: string[][] } => {
  const batches: string[][] = [];
  let failed = false;
  const note = (requests: readonly RpcRequest[]) => {
    batches.push(requests.map((r) => r.method));
    if (failFirst && !failed && requests.some((r) => r.method === failFirst)) {
      failed = true;
      throw new RpcProviderError(`${failFirst}: garbled answer (test)`);
    }
  };
  return {
    batches,
    transport: {
      ...inner,
      batch: async (requests) => {
        note(requests);
        return inner.batch(requests);
      },
      batchSettled: async (requests) => {
        note(requests);
        return inner.batchSettled(requests);
      },
      request: async (method, params, options) => {
        note([{ method, params }]);
        return inner.request(method, params, options);
      },
    },
  };
};

describe("token metadata in a sync of several chunks", () => {
  test("is asked for once, before the second chunk's transactions", async () => {
    const { transport, batches } = recording(
      createHttpTransport({ chain: "evm:31337", url: anvil.url, logger: silentLogger }),
    );
    await harness.sync(wallet, anvil.url, { transport });

    const txBatches = batches
      .map((methods, at) => ({ methods, at }))
      .filter((b) => b.methods.includes("eth_getTransactionByHash"));
    // Two chunks at least (one batch each), or the test shows nothing.
    expect(txBatches.length).toBeGreaterThanOrEqual(2);
    const calls = batches.flat().filter((m) => m === "eth_call");
    expect(calls).toHaveLength(3); // symbol, name, decimals: once per run
    const asked = batches.findIndex((methods) => methods.includes("eth_call"));
    expect(asked).toBeGreaterThan(txBatches[0]!.at);
    expect(asked).toBeLessThan(txBatches[1]!.at);

    const rows = await harness.database.db.select().from(movements);
    expect(rows).toHaveLength(TRANSFERS);
    expect(rows.reduce((sum, r) => sum + r.amount, 0n)).toBe(BigInt((TRANSFERS * (TRANSFERS + 1)) / 2));
    const [meta] = await harness.database.db.select().from(tokens);
    expect(meta).toMatchObject({ address: token, symbol: "META", name: "Meta", decimals: 18 });
  });

  test("a failed ask is asked again when the step is retried, with the same rows", async () => {
    const fresh = await createEvmHarness({ addresses: [wallet] });
    try {
      const { transport, batches } = recording(
        createHttpTransport({ chain: "evm:31337", url: anvil.url, logger: silentLogger }),
        "eth_call",
      );
      await fresh.sync(wallet, anvil.url, { transport });
      // 3 refused, then 3 answered (not a retry of a remembered failure, which would end the sync).
      expect(batches.flat().filter((m) => m === "eth_call")).toHaveLength(6);
      const rows = await fresh.database.db.select().from(movements);
      expect(rows).toHaveLength(TRANSFERS);
      const [meta] = await fresh.database.db.select().from(tokens);
      expect(meta).toMatchObject({ address: token, symbol: "META", name: "Meta", decimals: 18 });
    } finally {
      await fresh.close();
    }
  });
});
