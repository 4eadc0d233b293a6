import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { silentLogger } from "../../src/logger.ts";
import { type ReplayServer, startSolanaReplay } from "../../test/solana-replay.ts";
import { createHttpTransport } from "../transport.ts";
import { getFinalizedSlot, isFinalized, SOLANA_COMMITMENT } from "./finality.ts";
import { createSolanaRpc, getSignaturesForAddress, getTransactions } from "./rpc.ts";

let server: ReplayServer;
beforeAll(async () => {
  server = await startSolanaReplay();
});
afterAll(async () => {
  await server?.close();
});

describe("finality", () => {
  test("every history call asks for commitment finalized", async () => {
    const configs: Record<string, unknown> = {};
    server.onAnswer((method, params, result) => {
      configs[method] = params.at(-1);
      return result;
    });
    const transport = createHttpTransport({ chain: "solana", url: server.url, logger: silentLogger });
    const rpc = createSolanaRpc({
      chain: "solana",
      url: server.url,
      transport,
      commitment: SOLANA_COMMITMENT,
    });
    // Newest recorded slot (the replay's chain head).
    expect(await getFinalizedSlot(rpc)).toBe(353107528n);
    await getSignaturesForAddress(rpc, "GAgnD5XviS4wN7GpcTBbgvtFAZnT6Lc1ehkbnP3qo1bz", { limit: 10 });
    await getTransactions(rpc, [
      "2kai9Wa4rc433U3Js87MqerFxqYpMkk1tvfEafzg2Z46W3TL1XfZQE2KJCGHMXqS5Jk5toTnXJaNH5d9yMPsbCZL",
    ]);
    server.onAnswer(undefined);
    expect(configs).toEqual({
      getSlot: { commitment: "finalized" },
      getSignaturesForAddress: { commitment: "finalized", limit: 10 },
      getTransaction: { encoding: "jsonParsed", maxSupportedTransactionVersion: 0, commitment: "finalized" },
    });
  });

  test("isFinalized() keeps finalized entries and those without a status", () => {
    expect(isFinalized({ confirmationStatus: "finalized" })).toBe(true);
    expect(isFinalized({ confirmationStatus: null })).toBe(true);
    expect(isFinalized({ confirmationStatus: "confirmed" })).toBe(false);
  });
});
