import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import type { Abi, Hex } from "viem";
import { PACKAGE_ROOT } from "../package-root.ts";

/**
 * Compiles the dev-chain contracts (`src/devchain/contracts/*.sol`, importing OpenZeppelin) with
 * the `solc` npm package (WebAssembly, offline). The output is cached on disk, keyed by the
 * compiler version, settings and every source's hash, so only the first run pays the ~5 s
 * compile. Works outside vitest and with production dependencies only (`lotwise demo`).
 */

export type CompiledContract = { abi: Abi; bytecode: Hex };

const require = createRequire(import.meta.url);

/** Folder of the Solidity sources (in the package, also when running from `dist/`). */
export const CONTRACTS_DIR = path.join(PACKAGE_ROOT, "src", "devchain", "contracts");

/** EVM version compiled for: anvil's default hardfork supports it, and so do all test nodes. */
const EVM_VERSION = "cancun";

const cacheDir = (): string => {
  const candidates = [
    path.join(path.dirname(require.resolve("solc/package.json")), "..", ".cache", "lotwise-solc"),
    path.join(os.tmpdir(), "lotwise-solc"),
  ];
  for (const dir of candidates) {
    try {
      mkdirSync(dir, { recursive: true });
      return dir;
    } catch {
      // not writable: try the next one
    }
  }
  throw new Error("no writable folder for the solc cache");
};

/** Resolves `@openzeppelin/…` imports from node_modules. */
const findImports = (importPath: string): { contents: string } | { error: string } => {
  try {
    const [scope, name, ...rest] = importPath.split("/");
    const pkgDir = path.dirname(require.resolve(`${scope}/${name}/package.json`));
    return { contents: readFileSync(path.join(pkgDir, ...rest), "utf8") };
  } catch (error) {
    return { error: `cannot import ${importPath}: ${(error as Error).message}` };
  }
};

type SolcOutput = {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
};

/**
 * Compiles every contract in `dir` (default `CONTRACTS_DIR`; tests pass their own), or returns
 * the cached result.
 * @returns artifacts by contract name (`TestToken`, `Forwarder`, …).
 * @throws Error listing the compiler errors.
 */
export const compileContracts = async (
  dir: string = CONTRACTS_DIR,
): Promise<Record<string, CompiledContract>> => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".sol"))
    .sort();
  const sources = Object.fromEntries(
    files.map((f) => [f, { content: readFileSync(path.join(dir, f), "utf8") }]),
  );
  const input = {
    language: "Solidity",
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: EVM_VERSION,
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const solcVersion = (require("solc/package.json") as { version: string }).version;
  const key = createHash("sha256")
    .update(solcVersion)
    .update(JSON.stringify(input))
    .digest("hex")
    .slice(0, 32);
  const file = path.join(cacheDir(), `${key}.json`);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, CompiledContract>;
  } catch {
    // not cached yet
  }
  const solc = (await import("solc")).default as { compile: (input: string, opts: object) => string };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  const out: Record<string, CompiledContract> = {};
  for (const f of files) {
    for (const [name, c] of Object.entries(output.contracts[f] ?? {})) {
      out[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
    }
  }
  // Write then rename: parallel test workers never read a half-written file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(out));
  renameSync(tmp, file);
  return out;
};
