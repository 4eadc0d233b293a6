/**
 * The Solana replay server (`test/solana-replay.ts`) in a child process of its own, for the
 * `solana-sync` bench: a real node is another process, so the bench's process should spend its
 * CPU on the sync only. The child is forked with the parent's exec arguments (`--import tsx`),
 * so it runs the same sources. It sends `{ url }` once listening, then answers `stats`, `reset`
 * and `close` requests on the IPC channel; `stats` carries the child's own CPU time.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type ReplayOptions, type ReplayStats, startSolanaReplay } from "../test/solana-replay.ts";

type Request = { id: number; op: "stats" | "reset" | "close" };
type Reply = { id: number; stats?: ReplayStats; cpuSeconds?: number };

/** The replay server as the bench sees it across the process boundary. */
export type ReplayProcess = {
  url: string;
  /** The server's counters and the child's CPU seconds (user + system) since it started. */
  stats: () => Promise<{ stats: ReplayStats; cpuSeconds: number }>;
  resetStats: () => Promise<void>;
  close: () => Promise<void>;
};

const CHILD_FLAG = "--solana-replay-child";

/** Starts the replay server in a child process; resolves once it listens. */
export const startReplayProcess = async (options: ReplayOptions): Promise<ReplayProcess> => {
  const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, JSON.stringify(options)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { url: string }).url));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`replay process exited (${code}) before listening`)));
  });
  let nextId = 0;
  const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  child.on("message", (m) => {
    const r = m as Reply;
    waiting.get(r.id)?.resolve(r);
    waiting.delete(r.id);
  });
  // A request the child can no longer answer fails instead of hanging the bench.
  child.on("exit", (code) => {
    for (const w of waiting.values()) w.reject(new Error(`replay process exited (${code})`));
    waiting.clear();
  });
  const ask = (op: Request["op"]) =>
    new Promise<Reply>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      child.send({ id, op } satisfies Request);
    });
  return {
    url,
    stats: async () => {
      const r = await ask("stats");
      return { stats: r.stats!, cpuSeconds: r.cpuSeconds! };
    },
    resetStats: async () => {
      await ask("reset");
    },
    close: async () => {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      await ask("close");
      await exited;
    },
  };
};

if (process.argv[2] === CHILD_FLAG && process.send) {
  const server = await startSolanaReplay(JSON.parse(process.argv[3]!) as ReplayOptions);
  const send = (m: unknown) => process.send!(m);
  process.on("message", async (m: Request) => {
    if (m.op === "stats") {
      const cpu = process.cpuUsage();
      send({ id: m.id, stats: server.stats(), cpuSeconds: (cpu.user + cpu.system) / 1e6 } satisfies Reply);
    } else if (m.op === "reset") {
      server.resetStats();
      send({ id: m.id } satisfies Reply);
    } else {
      await server.close();
      send({ id: m.id } satisfies Reply);
      process.disconnect();
    }
  });
  send({ url: server.url });
}
