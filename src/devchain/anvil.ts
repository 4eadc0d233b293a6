import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/**
 * Starts anvil (Foundry's local EVM node) from the `@foundry-rs/anvil` npm package on a free
 * loopback port. Used by tests, benchmarks and `lotwise demo`; needs no internet and no PATH.
 */

export type Anvil = {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  chainId: number;
  /** The node's process id (benchmarks read its CPU time); undefined if the spawn gave none. */
  pid: number | undefined;
  /** Stops the node (SIGTERM, then SIGKILL after 2 s); safe to call twice. */
  stop: () => Promise<void>;
};

export type StartAnvilArgs = {
  /** @defaultValue 31337 */
  chainId?: number;
  /** Genesis block time, unix seconds (then blocks follow the wall clock unless told otherwise). */
  timestamp?: number;
  /** Block gas limit. @defaultValue anvil's (30,000,000) */
  gasLimit?: bigint;
  /** Extra command-line flags. */
  args?: string[];
  /** Milliseconds to wait for the node to listen. @defaultValue 15000 */
  startTimeoutMs?: number;
};

const PLATFORMS: Record<string, Record<string, string>> = {
  linux: { x64: "linux-amd64", arm64: "linux-arm64" },
  darwin: { x64: "darwin-amd64", arm64: "darwin-arm64" },
  win32: { x64: "win32-amd64" },
};

/** Path of the anvil binary shipped in the platform package `@foundry-rs/anvil-<os>-<arch>`. */
export const anvilBinary = (): string => {
  const platform = PLATFORMS[process.platform]?.[process.arch];
  if (!platform) throw new Error(`anvil has no binary for ${process.platform}/${process.arch}`);
  const require = createRequire(import.meta.url);
  const pkg = `@foundry-rs/anvil-${platform}`;
  let dir: string;
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(
      `${pkg} is not installed (it is an optional dependency of @foundry-rs/anvil): run npm ci`,
    );
  }
  const bin = path.join(dir, "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
  if (!existsSync(bin)) throw new Error(`anvil binary missing at ${bin}`);
  return bin;
};

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Starts anvil and resolves once it listens.
 * @throws Error with anvil's output when it exits or does not listen in time.
 */
export const startAnvil = async (args: StartAnvilArgs = {}): Promise<Anvil> => {
  const chainId = args.chainId ?? 31337;
  const flags = [
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--chain-id",
    String(chainId),
    ...(args.timestamp !== undefined ? ["--timestamp", String(args.timestamp)] : []),
    ...(args.gasLimit !== undefined ? ["--gas-limit", args.gasLimit.toString()] : []),
    ...(args.args ?? []),
  ];
  const child = spawn(anvilBinary(), flags, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`anvil did not start within ${args.startTimeoutMs ?? 15_000} ms:\n${output}`));
    }, args.startTimeoutMs ?? 15_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /Listening on [\d.]+:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        // Started: stop collecting. Kept on, this listener grew `output` with every line the
        // node logs and searched all of it again each time (quadratic in a long run's output).
        child.stdout!.off("data", onData);
        child.stderr!.off("data", onData);
        output = "";
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new Error(`anvil exited with code ${code}:\n${output}`));
    });
  });
  // Keep draining output so a chatty node never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    chainId,
    pid: child.pid,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill("SIGKILL"), 2000);
        child.once("exit", () => {
          clearTimeout(kill);
          running.delete(child);
          resolve();
        });
        child.kill("SIGTERM");
      });
      return stopped;
    },
  };
};
