import http from "node:http";
import type { AddressInfo } from "node:net";
import { rpcCall } from "./anvil.ts";

/**
 * An Etherscan-compatible API (`module=account&action=txlist|txlistinternal`) answered from a real
 * anvil node: `txlist` from its blocks, `txlistinternal` from `trace_filter`. It pages as
 * Etherscan does (`sort=asc`, at most `offset` rows per answer, `page` numbers), checks `chainid` and
 * `apikey`, and can answer a few requests with Etherscan's rate-limit message (HTTP 200).
 */

export type FakeExplorer = {
  url: string;
  requests: { action: string; startblock: string; endblock: string; apikey: string | null }[];
  close: () => Promise<void>;
};

type Row = { blockNumber: string; hash: string; from: string; to: string; value: string };

export const startFakeExplorer = async (args: {
  rpcUrl: string;
  chainId: number;
  apiKey: string;
  /** Answers rate-limited (`Max rate limit reached`) this many times first. @defaultValue 0 */
  rateLimited?: number;
}): Promise<FakeExplorer> => {
  const requests: FakeExplorer["requests"] = [];
  let rateLimited = args.rateLimited ?? 0;

  const txlist = async (address: string, from: bigint, to: bigint): Promise<Row[]> => {
    const rows: Row[] = [];
    for (let n = from; n <= to; n++) {
      const block = await rpcCall<{
        transactions: { hash: string; from: string; to: string | null; value: string }[];
      } | null>(args.rpcUrl, "eth_getBlockByNumber", [`0x${n.toString(16)}`, true]);
      if (!block) break;
      for (const t of block.transactions) {
        if (t.from.toLowerCase() === address || t.to?.toLowerCase() === address) {
          rows.push({
            blockNumber: n.toString(),
            hash: t.hash,
            from: t.from,
            to: t.to ?? "",
            value: BigInt(t.value).toString(),
          });
        }
      }
    }
    return rows;
  };

  const txlistinternal = async (address: string, from: bigint, to: bigint): Promise<Row[]> => {
    const head = BigInt(await rpcCall<string>(args.rpcUrl, "eth_blockNumber"));
    const end = to < head ? to : head;
    if (from > end) return [];
    const rows = new Map<string, Row>();
    for (const side of ["fromAddress", "toAddress"]) {
      const traces = await rpcCall<
        {
          transactionHash: string;
          blockNumber: number;
          traceAddress: number[];
          action: { from: string; to: string; value?: string };
        }[]
      >(args.rpcUrl, "trace_filter", [
        { fromBlock: `0x${from.toString(16)}`, toBlock: `0x${end.toString(16)}`, [side]: [address] },
      ]);
      for (const t of traces) {
        if (t.traceAddress.length === 0) continue;
        rows.set(`${t.transactionHash}/${t.traceAddress.join("_")}`, {
          blockNumber: String(t.blockNumber),
          hash: t.transactionHash,
          from: t.action.from,
          to: t.action.to,
          value: BigInt(t.action.value ?? "0x0").toString(),
        });
      }
    }
    return [...rows.values()].sort((a, b) => Number(BigInt(a.blockNumber) - BigInt(b.blockNumber)));
  };

  const server = http.createServer(async (req, res) => {
    const q = new URL(req.url ?? "/", "http://x").searchParams;
    const send = (body: unknown) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    const action = q.get("action") ?? "";
    requests.push({
      action,
      startblock: q.get("startblock") ?? "",
      endblock: q.get("endblock") ?? "",
      apikey: q.get("apikey"),
    });
    if (q.get("apikey") !== args.apiKey)
      return send({ status: "0", message: "NOTOK", result: "Invalid API Key" });
    if (q.get("chainid") !== String(args.chainId))
      return send({ status: "0", message: "NOTOK", result: "Missing or unsupported chainid parameter" });
    if (rateLimited > 0) {
      rateLimited--;
      return send({
        status: "0",
        message: "NOTOK",
        result: "Max rate limit reached, please use API Key for higher rate limit",
      });
    }
    try {
      const address = (q.get("address") ?? "").toLowerCase();
      const from = BigInt(q.get("startblock") ?? "0");
      const to = BigInt(q.get("endblock") ?? "99999999");
      const all =
        action === "txlist"
          ? await txlist(address, from, to)
          : action === "txlistinternal"
            ? await txlistinternal(address, from, to)
            : undefined;
      if (!all) return send({ status: "0", message: "NOTOK", result: `unknown action ${action}` });
      const offset = Number(q.get("offset") ?? "10000");
      const start = (Number(q.get("page") ?? "1") - 1) * offset;
      const rows = all.slice(start, start + offset);
      if (rows.length === 0) return send({ status: "0", message: "No transactions found", result: [] });
      send({ status: "1", message: "OK", result: rows });
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v2/api`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
