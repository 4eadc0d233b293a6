import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP JSON-RPC proxy on loopback between the worker and a real node (anvil), injecting
 * bounded numbers of faults: HTTP 429 and 503, requests held until the client times out, dropped
 * connections, garbled bodies, provider-style "range too large" refusals of `eth_getLogs` /
 * `trace_filter`, and "method not found" for chosen methods. Every call is recorded.
 */

export type RangeStyle = "alchemy" | "quicknode" | "results";

export type FaultPlan = {
  /** Requests answered with HTTP 429 (with `Retry-After: 0`). */
  status429?: number;
  /** Requests answered with HTTP 503. */
  status503?: number;
  /** Requests held without an answer for `holdMs`, then dropped (the client times out first). */
  timeouts?: number;
  /** @defaultValue 1500 */
  holdMs?: number;
  /** Requests whose connection is destroyed before any answer. */
  drops?: number;
  /** Requests answered 200 with a body that is not JSON. */
  garbled?: number;
  /** A fault hits every `every`-th request while budgets last. @defaultValue 3 */
  every?: number;
  /** `eth_getLogs` / `trace_filter` ranges above this many blocks are refused (unbounded count). */
  maxRange?: number;
  /** Refusal wording, cycled: stated limit (quicknode), suggested range (alchemy), or result count. @defaultValue all three */
  rangeStyles?: RangeStyle[];
  /** Methods answered with JSON-RPC -32601 "Method not found". */
  unsupported?: string[];
  /** Delay before forwarding each request, in milliseconds (makes a sync slow enough to kill). */
  delayMs?: number;
  /**
   * A pruned (non-archive) node: state queries (`eth_getBalance`, `eth_getTransactionCount`,
   * `eth_getCode`, `eth_call`) at a block number below this are answered "missing trie node".
   */
  prunedBelow?: bigint;
};

export type RecordedCall = { method: string; params: unknown[]; refused?: string };

export type FaultProxy = {
  url: string;
  /** Faults injected so far, by kind. */
  injected: Record<string, number>;
  /** Every JSON-RPC call that reached the proxy, in order (faulted HTTP requests excluded). */
  calls: RecordedCall[];
  close: () => Promise<void>;
};

type Item = { jsonrpc?: string; id?: unknown; method: string; params?: unknown[] };

/** Methods that read account state at a block given as their second parameter. */
const STATE_METHODS = new Set(["eth_getBalance", "eth_getTransactionCount", "eth_getCode", "eth_call"]);

const rangeOf = (item: Item): { from: bigint; to: bigint } | undefined => {
  if (item.method !== "eth_getLogs" && item.method !== "trace_filter") return undefined;
  const f = item.params?.[0] as { fromBlock?: string; toBlock?: string } | undefined;
  if (!f?.fromBlock || !f.toBlock || !f.fromBlock.startsWith("0x") || !f.toBlock.startsWith("0x"))
    return undefined;
  return { from: BigInt(f.fromBlock), to: BigInt(f.toBlock) };
};

const refusal = (style: RangeStyle, r: { from: bigint }, max: number) => {
  const hex = (n: bigint) => `0x${n.toString(16)}`;
  switch (style) {
    case "alchemy":
      return {
        code: -32602,
        message:
          "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the " +
          `response size. Based on your parameters, this block range should work: [${hex(r.from)}, ${hex(r.from + BigInt(max) - 1n)}]`,
      };
    case "quicknode":
      return { code: -32614, message: `eth_getLogs is limited to a ${max.toLocaleString("en-US")} range` };
    case "results":
      return { code: -32005, message: "query returned more than 10000 results" };
  }
};

export const startFaultProxy = async (target: string, plan: FaultPlan = {}): Promise<FaultProxy> => {
  const budgets: Record<string, number> = {
    status429: plan.status429 ?? 0,
    status503: plan.status503 ?? 0,
    timeouts: plan.timeouts ?? 0,
    drops: plan.drops ?? 0,
    garbled: plan.garbled ?? 0,
  };
  const injected: Record<string, number> = {};
  const calls: RecordedCall[] = [];
  const every = plan.every ?? 3;
  const styles = plan.rangeStyles ?? ["quicknode", "alchemy", "results"];
  let requests = 0;
  let refusals = 0;
  let nextKind = 0;
  const held = new Set<http.ServerResponse>();

  const pickFault = (): string | undefined => {
    const kinds = Object.keys(budgets).filter((k) => budgets[k]! > 0);
    if (kinds.length === 0 || requests % every !== 0) return undefined;
    const kind = kinds[nextKind++ % kinds.length]!;
    budgets[kind]!--;
    injected[kind] = (injected[kind] ?? 0) + 1;
    return kind;
  };

  const forward = async (items: Item[], batch: boolean): Promise<unknown[]> => {
    if (items.length === 0) return [];
    const res = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(batch ? items : items[0]),
    });
    const json = (await res.json()) as unknown;
    return Array.isArray(json) ? json : [json];
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      requests++;
      const fault = pickFault();
      if (fault === "drops") return req.socket.destroy();
      if (fault === "timeouts") {
        held.add(res);
        setTimeout(() => {
          held.delete(res);
          req.socket.destroy();
        }, plan.holdMs ?? 1500);
        return;
      }
      if (fault === "status429") return res.writeHead(429, { "retry-after": "0" }).end("rate limited");
      if (fault === "status503") return res.writeHead(503).end("unavailable");
      if (fault === "garbled")
        return res.writeHead(200, { "content-type": "application/json" }).end('{"jsonrpc":"2.0",');
      try {
        if (plan.delayMs) await new Promise((r) => setTimeout(r, plan.delayMs));
        const parsed = JSON.parse(Buffer.concat(chunks).toString()) as Item | Item[];
        const batch = Array.isArray(parsed);
        const items = batch ? parsed : [parsed];
        const local = new Map<Item, unknown>();
        for (const item of items) {
          const call: RecordedCall = { method: item.method, params: item.params ?? [] };
          calls.push(call);
          const range = rangeOf(item);
          const stateBlock = STATE_METHODS.has(item.method) ? item.params?.[1] : undefined;
          if (
            plan.prunedBelow !== undefined &&
            typeof stateBlock === "string" &&
            stateBlock.startsWith("0x") &&
            BigInt(stateBlock) < plan.prunedBelow
          ) {
            call.refused = "pruned";
            local.set(item, {
              jsonrpc: "2.0",
              id: item.id,
              error: {
                code: -32000,
                message: `missing trie node ${"ab".repeat(32)} (path ) state is not available`,
              },
            });
          } else if (plan.unsupported?.includes(item.method)) {
            call.refused = "unsupported";
            local.set(item, {
              jsonrpc: "2.0",
              id: item.id,
              error: { code: -32601, message: "Method not found" },
            });
          } else if (
            range &&
            plan.maxRange !== undefined &&
            range.to - range.from + 1n > BigInt(plan.maxRange)
          ) {
            call.refused = "range";
            const style = styles[refusals++ % styles.length]!;
            local.set(item, { jsonrpc: "2.0", id: item.id, error: refusal(style, range, plan.maxRange) });
          }
        }
        const forwarded = await forward(
          items.filter((i) => !local.has(i)),
          batch,
        );
        const byId = new Map((forwarded as { id: unknown }[]).map((a) => [a.id, a]));
        const answers = items.map((i) => local.get(i) ?? byId.get(i.id));
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify(batch ? answers : answers[0]));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    injected,
    calls,
    close: async () => {
      for (const res of held) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
