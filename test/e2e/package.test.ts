import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { NO_NETWORK, ROOT } from "../cli.ts";

/**
 * The published package, as a user gets it: `npm pack` (which runs `prepare`: the build), the
 * tarball installed into an empty folder with nothing else in it, then the CLI and the engine
 * library used from there. npm installs from its cache only (`--offline`; `npm ci` filled it).
 */
const HEADER =
  "id,time,type,wallet,out_asset,out_quantity,in_asset,in_quantity,usd_value,fee_asset,fee_quantity,fee_usd,to_wallet,lots,subtype";
// Buy 2 ETH for $2,000 and sell 1 for $1,500 five months later: basis $1,000, short-term gain $500.
const LEDGER = [
  HEADER,
  "b1,2025-01-10T00:00:00Z,buy,cb:main,,,ETH,2,2000,,,,,,",
  "s1,2025-06-01T00:00:00Z,sell,cb:main,ETH,1,,,1500,,,,,,",
  "",
].join("\n");

type Run = { code: number | null; stdout: string; stderr: string };
const sh = (cmd: string, args: string[], cwd: string, timeoutMs = 600_000): Run => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const k of Object.keys(env))
    if (k === "DATABASE_URL" || k === "REDIS_URL" || k.startsWith("LOTWISE_") || k.startsWith("npm_"))
      delete env[k];
  // lotwise children cannot reach the internet either (test/no-network.mjs exits them with 97).
  env.NODE_OPTIONS = `${env.NODE_OPTIONS ? `${env.NODE_OPTIONS} ` : ""}--import ${NO_NETWORK}`;
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
};

/**
 * An app that depends on the tarball only, with a lockfile pinning lotwise's dependencies to the
 * versions of this repository's lockfile (its non-development entries): `npm ci --offline` then
 * installs from npm's cache alone, which the repository's own `npm ci` filled. (`npm install
 * --offline` would need registry metadata that `npm ci` never downloads.)
 */
const writeInstallLock = (app: string, tarball: string, integrity: string) => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const manifest = {
    name: "lotwise-package-test",
    private: true,
    dependencies: { lotwise: `file:${tarball}` },
  };
  const packages: Record<string, unknown> = {
    "": manifest,
    "node_modules/lotwise": {
      version: pkg.version,
      resolved: `file:${tarball}`,
      integrity,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages))
    if (key.startsWith("node_modules/") && !entry.dev) packages[key] = entry;
  writeFileSync(path.join(app, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    path.join(app, "package-lock.json"),
    `${JSON.stringify({ name: manifest.name, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
};

describe("npm package", () => {
  let work: string;
  let app: string;
  let files: string[] = [];
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), "lotwise-pack-"));
    // The JavaScript in dist/ is fresh (vitest's globalSetup); add the declarations, then pack
    // without `prepare`, which would rebuild dist/ under the feet of CLI tests running meanwhile.
    const types = sh(process.execPath, ["scripts/build.mjs", "--types-only"], ROOT);
    expect(types.code, types.stdout + types.stderr).toBe(0);
    const pack = sh("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], ROOT);
    expect(pack.code, pack.stderr).toBe(0);
    // npm prints the lifecycle scripts' output before the JSON.
    const json = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("[\n"))) as {
      filename: string;
      integrity: string;
      files: { path: string }[];
    }[];
    files = json[0]!.files.map((f) => f.path);
    app = path.join(work, "app");
    mkdirSync(app);
    writeInstallLock(app, `../${json[0]!.filename}`, json[0]!.integrity);
    const install = sh("npm", ["ci", "--offline", "--no-audit", "--no-fund"], app);
    expect(install.code, install.stderr).toBe(0);
  }, 900_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("the tarball holds the build, migrations and contracts; no tests, fixtures or TypeScript sources", () => {
    for (const f of [
      "package.json",
      "README.md",
      "dist/cli.js",
      "dist/engine.js",
      "dist/ledger.js",
      "dist/types/src/tax/index.d.ts",
      "db/migrations/meta/_journal.json",
      "db/migrations/0000_init.sql",
      "src/devchain/contracts/TestToken.sol",
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => /\.test\.|(^|\/)(test|fixtures|bench)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("dist/.") || f.endsWith(".tgz"))).toEqual([]);
    // The folder holds the install and nothing else.
    expect(readdirSync(app).sort()).toEqual(["node_modules", "package-lock.json", "package.json"]);
  });

  test("npx lotwise --version and gains --ledger run from the install", () => {
    const version = sh("npx", ["--offline", "lotwise", "--version"], app);
    expect(version.stderr).toBe("");
    expect(version.stdout).toBe(
      `${JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version}\n`,
    );

    writeFileSync(path.join(app, "ledger.csv"), LEDGER);
    const lotwise = path.join(app, "node_modules", ".bin", "lotwise");
    const gains = sh(lotwise, ["gains", "--ledger", "ledger.csv", "--year", "2025", "--out", "out"], app);
    expect(gains.stderr).toBe("");
    expect(gains.code).toBe(0);
    expect(readFileSync(path.join(app, "out", "form8949.csv"), "utf8")).toBe(
      [
        "disposal_id,lot_id,wallet,asset,quantity,date_acquired,date_sold,proceeds,cost_basis,adjustment_code,adjustment_amount,gain,term,box,description",
        "s1,b1,cb:main,ETH,1,2025-01-10,2025-06-01,1500.00,1000.00,,,500.00,short,I,1 ETH",
        "",
      ].join("\n"),
    );
  });

  test("lotwise/engine and lotwise/ledger work from another program, with types", () => {
    writeFileSync(path.join(app, "ledger.csv"), LEDGER);
    // The same program in TypeScript (type-checked) and JavaScript (run): `T` holds the types.
    const program = (T: { gain: string; row: string }) =>
      [
        'import { readFileSync } from "node:fs";',
        'import { computeGains, formatCents } from "lotwise/engine";',
        'import { parseLedgerCsv } from "lotwise/ledger";',
        'const rows = parseLedgerCsv(readFileSync("ledger.csv", "utf8"));',
        'const r = computeGains(rows, { year: 2025, method: "fifo", scope: "universal" });',
        `const row = r.form8949[0]${T.row};`,
        `const gain${T.gain} = formatCents(row.gain);`,
        "console.log(r.form8949.length, gain, row.term);",
        "",
      ].join("\n");
    writeFileSync(path.join(app, "use.mts"), program({ gain: ": string", row: "!" }));
    writeFileSync(path.join(app, "use.mjs"), program({ gain: "", row: "" }));
    // The declarations resolve through package.json `exports` and type the call above.
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const check = sh(
      process.execPath,
      [
        tsc,
        "--noEmit",
        "--strict",
        "--module",
        "nodenext",
        "--target",
        "es2022",
        "--types",
        "node",
        "--typeRoots",
        path.join(ROOT, "node_modules", "@types"),
        "use.mts",
      ],
      app,
      300_000,
    );
    expect(check.stdout + check.stderr).toBe("");
    expect(check.code).toBe(0);
    const run = sh(process.execPath, ["use.mjs"], app);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("1 500.00 short\n");
  });

  test("lotwise demo --no-serve runs from the install", () => {
    const demo = sh(
      path.join(app, "node_modules", ".bin", "lotwise"),
      ["demo", "--no-serve", "--no-progress"],
      app,
    );
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toContain("$ lotwise gains");
    expect(demo.stdout).toContain("$ lotwise harvest");
    expect(readdirSync(path.join(app, "lotwise-demo"))).toContain("ledger.csv");
  }, 600_000);
});
