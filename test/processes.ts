/** Real lotwise processes for service tests: `serve` and `worker` children with captured logs. */
import { type ChildProcess, spawn } from "node:child_process";
import { BIN } from "./cli.ts";

export type LotwiseProcess = {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output: () => string;
  /** Resolves when the output matches `pattern` (rejects after `timeoutMs` or when the process exits). */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal name) once the process ended. */
  exited: Promise<number | string>;
};

/**
 * Starts `node dist/cli.js …args` with only the given lotwise settings in its environment
 * (the developer's DATABASE_URL / REDIS_URL / LOTWISE_* never leak in).
 */
export const spawnLotwise = (
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): LotwiseProcess => {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(base))
    if (k === "DATABASE_URL" || k === "REDIS_URL" || k.startsWith("LOTWISE_")) delete base[k];
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...base, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      resolve(code ?? signal ?? "unknown");
      for (const w of waiters) w();
    }),
  );
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  return {
    child,
    output: () => out,
    exited,
    waitFor: (pattern, timeoutMs = 90_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            done();
            resolve(m);
          } else if (ended) {
            done();
            reject(new Error(`process exited before ${pattern}:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${pattern}:\n${out}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
};

/** Reads a server-sent-event stream until an event named `until` (or the stream ends). */
export const readSse = async (
  url: string,
  headers: Record<string, string>,
  until: string,
  timeoutMs = 120_000,
): Promise<{ event: string; data: unknown }[]> => {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok || !res.body) throw new Error(`SSE ${url}: HTTP ${res.status} ${await res.text()}`);
  const events: { event: string; data: unknown }[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let i = buffer.indexOf("\n\n");
    while (i >= 0) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) {
        events.push({ event, data: JSON.parse(data) });
        if (event === until) return events;
      }
      i = buffer.indexOf("\n\n");
    }
  }
  return events;
};
