import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseLedgerCsv } from "../../src/ledger/read.ts";
import { ensureTypesBuilt } from "../build.ts";
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
    work = mkdtempSync(path.join(tmpdir(), "lotwise pack "));
    // The JavaScript in dist/ is fresh (vitest's globalSetup); the declarations too once this
    // emitted them if a source is newer (`npm ci` left them fresh), then pack without `prepare`,
    // which would rebuild dist/ under the feet of CLI tests running meanwhile.
    ensureTypesBuilt();
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
    // drizzle-kit's schema snapshots (db/migrations/meta/NNNN_snapshot.json, a megabyte) are for
    // generating migrations; applying them reads only the journal and the SQL files.
    expect(files.filter((f) => f.endsWith("_snapshot.json"))).toEqual([]);
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
    // The declarations resolve through package.json `exports` and type the call above. TypeScript's
    // own lib files (lib.es2022.d.ts …) are not checked (`--skipDefaultLibCheck`: 4.6 → 3.3 s of
    // CPU); every other declaration file is, lotwise's and @types/node's included.
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const check = sh(
      process.execPath,
      [
        tsc,
        "--noEmit",
        "--strict",
        "--skipDefaultLibCheck",
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

  /**
   * A program with no Node.js types (`"types": []`: a browser or bundler project, or one that lists
   * its types) type-checks against the declarations, which name no Node.js type such as `Buffer`,
   * under `nodenext` and `bundler` resolution; the bytes they then take (a `Uint8Array`, not a
   * `Buffer`) work at run time.
   */
  test("lotwise/engine and lotwise/ledger type-check without @types/node, and take a Uint8Array", () => {
    const program = (T: { gain: string; row: string; rows: string; types: string }) =>
      [
        'import { computeGains, formatCents } from "lotwise/engine";',
        'import { streamLedgerBytes } from "lotwise/ledger";',
        T.types,
        `const rows${T.rows} = [];`,
        `await streamLedgerBytes(new TextEncoder().encode(${JSON.stringify(LEDGER)}), (r) => rows.push({ ...r }), { source: "ledger.csv" });`,
        'const r = computeGains(rows, { year: 2025, method: "fifo", scope: "universal" });',
        `const row = r.form8949[0]${T.row};`,
        `const gain${T.gain} = formatCents(row.gain);`,
        "console.log(r.form8949.length, gain, row.term);",
        "export {};",
        "",
      ].join("\n");
    writeFileSync(
      path.join(app, "bytes.mts"),
      program({
        gain: ": string",
        row: "!",
        rows: ": LedgerRow[]",
        types: 'import type { LedgerRow } from "lotwise/ledger";',
      }),
    );
    writeFileSync(path.join(app, "bytes.mjs"), program({ gain: "", row: "", rows: "", types: "" }));
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    for (const [module, resolution] of [
      ["nodenext", "nodenext"],
      ["esnext", "bundler"],
    ] as const) {
      const config = `tsconfig.${resolution}.json`;
      writeFileSync(
        path.join(app, config),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            skipDefaultLibCheck: true,
            module,
            moduleResolution: resolution,
            target: "es2022",
            types: [],
          },
          files: ["bytes.mts"],
        }),
      );
      const check = sh(process.execPath, [tsc, "-p", config], app, 300_000);
      expect(check.stdout + check.stderr, resolution).toBe("");
      expect(check.code, resolution).toBe(0);
    }
    const run = sh(process.execPath, ["bytes.mjs"], app);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("1 500.00 short\n");
  });

  /**
   * `lotwise demo`, the README's first command, as a user runs it from the install: a local chain,
   * the whole pipeline, files on disk. (The demo's only run with --no-serve in the suite; the
   * dashboard demo is test/e2e/demo-dashboard.test.ts.)
   */
  test("lotwise demo --no-serve from the install plays the history, syncs, classifies, prices and writes the ledger, Form 8949, summary and harvest plan", () => {
    const r = sh(
      path.join(app, "node_modules", ".bin", "lotwise"),
      ["demo", "--no-serve", "--no-progress"],
      app,
    );
    // Its only diagnostic: the first step creates the embedded database.
    expect(r.stderr).toBe(
      `info  setting up the embedded database in ${path.join(app, "lotwise-demo", ".lotwise", "pgdata")} (first run; takes a few seconds)\n`,
    );
    expect(r.code).toBe(0);
    expect(readdirSync(path.join(app, "lotwise-demo"))).toContain("ledger.csv");
    const dir = path.join(app, "lotwise-demo");
    for (const step of [
      "wallets add",
      "ledger import",
      "sync",
      "review list",
      "review set",
      "check",
      "ledger export",
      "forms import",
      "gains",
      "reconcile",
      "prices import",
      "harvest",
    ]) {
      expect(r.stdout).toContain(`$ lotwise ${step}`);
    }

    // The balance check after the sync: anvil's 10,000 ETH genesis pre-funding of each wallet is a
    // recognized opening balance; the two differences are the two transactions waiting for review
    // (0.05 ETH from the friend, 200 USDC to the merchant). After the decisions, none is left.
    expect(r.stdout).toMatch(
      /check: 2 wallets, 7 assets against the chain: 2 differences \(≈ \$[\d.]+; lotwise check for details\), 2 opening balances recognized\n/,
    );
    expect(r.stdout).toMatch(
      /ETH at block \d+: chain [\d.]+, opening balance 10000 \(kept out of the ledger\), ledger [\d.]+, difference 0\.05 /,
    );
    expect(r.stdout).toMatch(/USDC at block \d+: chain [\d.]+, ledger [\d.]+, difference -200 /);
    const checkOut = r.stdout.slice(r.stdout.indexOf("$ lotwise check"));
    expect(checkOut).toMatch(
      /ETH: chain [\d.]+, opening 10000, ledger [\d.]+ \(indexed [\d.]+\), no difference\n/,
    );
    expect(checkOut).toContain(
      "check: 2 wallets, 7 assets against the chain: no differences, 2 opening balances recognized\n",
    );

    const ledger = parseLedgerCsv(readFileSync(path.join(dir, "ledger.csv"), "utf8"), "ledger.csv");
    // Every row built from chain data names its transaction and where its USD values came from.
    for (const row of ledger.filter((x) => x.extra?.x_origin === "chain")) {
      expect(row.tx, row.id).toMatch(/^0x[0-9a-f]{64}/);
      if (row.usdValue !== undefined)
        expect(row.extra?.x_price_source, row.id).toMatch(/^(onchain:evm:31337:|stablecoin|file:)/);
      expect(row.extra?.x_warnings ?? "", row.id).toBe("");
    }
    const types = new Set(ledger.map((x) => x.type));
    for (const t of ["buy", "transfer", "swap", "fee", "income", "spend"]) expect(types, t).toContain(t);
    expect(ledger.some((x) => x.subtype === "lp_deposit")).toBe(true);
    expect(ledger.some((x) => x.subtype === "lp_withdrawal")).toBe(true);
    // The Coinbase deposit address is an exchange account: the 1,000 USDC sent there is a transfer to it.
    expect(
      ledger.some(
        (x) =>
          x.type === "transfer" &&
          x.toWallet === "coinbase:main" &&
          x.outAsset === "USDC" &&
          x.outQuantity === "1000",
      ),
    ).toBe(true);

    const summary = JSON.parse(readFileSync(path.join(dir, "summary.json"), "utf8"));
    expect(summary).toMatchObject({ tax_year: 2025, method: "fifo", scope: "transition", warnings: [] });
    // ETH bought in 2023 and sold in 2025 is long term; the 2025 purchase is short term.
    expect(Number(summary.long_term.proceeds)).toBeGreaterThan(0);
    expect(Number(summary.short_term.proceeds)).toBeGreaterThan(0);
    expect(summary.ordinary_income.total).not.toBe("0.00");
    const form = readFileSync(path.join(dir, "form8949.csv"), "utf8").trim().split("\n");
    expect(form.length).toBeGreaterThan(10);
    // The 2023 Coinbase lot moved to the hot wallet on 2025-01-01 (Rev. Proc. 2024-28 record).
    expect(readFileSync(path.join(dir, "allocation.csv"), "utf8")).toContain("cb-1");

    // Coinbase's 1099-DA differs twice. cb-6: 0.4 ETH of the 2025-03-10 buy (2,750 + 10 fee:
    // basis 0.4 × 2,760 = 1,104) sold for 1,640 − 6.50 fee = 1,633.50; the form says 1,640: E, −6.50.
    // cb-7: 500 USDC that came from the hot wallet, reported with basis 0: B on box H, (g) 0.
    expect(form).toContain(
      "cb-6,cb-5,coinbase:main,ETH,0.4,2025-03-10,2025-08-20,1640.00,1104.00,E,-6.50,529.50,short,H,0.4 ETH",
    );
    const usdcSale = form.find((l) => l.startsWith("cb-7,"));
    expect(usdcSale).toMatch(
      /^cb-7,[^,]+,coinbase:main,USDC,500,2025-\d\d-\d\d,2025-12-18,500\.00,\d+\.\d\d,B,0\.00,/,
    );
    expect(usdcSale).toMatch(/,short,H,500 USDC$/);
    const discrepancies = readFileSync(path.join(dir, "discrepancies.csv"), "utf8");
    expect(discrepancies).toContain("proceeds_differ,Coinbase,DEMO-4417,");
    expect(discrepancies).toContain("basis_differs,Coinbase,DEMO-4417,");
    expect(discrepancies).toMatch(
      /Coinbase reports basis \$0\.00 for 500 USDC sold 2025-12-18: these units came in from your wallet evm:31337:0x[0-9a-fA-F]{40} on 2025-12-15 \(tx 0x[0-9a-f]{64}\)/,
    );
    const rec = JSON.parse(readFileSync(path.join(dir, "reconciliation.json"), "utf8"));
    expect(rec).toMatchObject({ complete: true, accounts: ["coinbase:main"] });
    expect(rec.classes.proceeds_differ.count).toBe(1);
    expect(rec.classes.basis_differs.count).toBe(1);
    expect(rec.adjustment_by_code.E).toBe("-6.50");
    // Column (h) equals lotwise gains (the routed summary).
    const cents = (v: string) => BigInt(v.replace(".", ""));
    expect(cents(rec.gain)).toBe(cents(summary.short_term.gain) + cents(summary.long_term.gain));
    expect(rec.gain).toBe(rec.books_gain);
    expect(summary.schedule_d.line_2.rows).toBe(2);

    // The harvest step: open lots at the pools' year-end prices (imported, then read through the
    // configured providers); ETH bought at $3,400 in January ended the year near $2,300.
    const harvest = JSON.parse(readFileSync(path.join(dir, "harvest.json"), "utf8"));
    expect(harvest).toMatchObject({ as_of: "2025-12-31T23:59:59.999Z", tax_year: 2025, scope: "transition" });
    const eth = harvest.prices.find((p: { asset: string }) => p.asset === "ETH");
    expect(eth.source).toBe("file:year-end-prices.csv");
    expect(Number(eth.usd)).toBeGreaterThan(2000);
    expect(Number(eth.usd)).toBeLessThan(2600);
    expect(harvest.prices.filter((p: { missing?: string }) => p.missing !== undefined)).toEqual([]);
    const below = harvest.lots.filter((l: { unrealized: string | null }) => Number(l.unrealized) < 0);
    expect(
      below.some((l: { lot_id: string; asset: string }) => l.lot_id === "cb-3" && l.asset === "ETH"),
    ).toBe(true);
    expect(harvest.candidates.length).toBeGreaterThan(0);
    // The year so far has gains, so harvesting the January ETH saves tax this year.
    expect(Number(harvest.year_so_far.net)).toBeGreaterThan(0);
    expect(Number(harvest.plan.tax_saved)).toBeGreaterThan(0);
    // Two ETH lots are below cost: the January hot-wallet lot (cb-3) and the rest of the March
    // Coinbase buy (cb-5, 0.6 ETH at $2,760); the plan sells both pools.
    const planLots = harvest.plan.sales.map((s: { lots: string }) => s.lots).join(";");
    expect(planLots).toMatch(/cb-3:/);
    expect(planLots).toMatch(/cb-5:0\.6/);
    const csv = readFileSync(path.join(dir, "harvest.csv"), "utf8").trim().split("\n");
    expect(csv.length - 1).toBe(harvest.lots.length);
    expect(r.stdout).toContain("Tax-loss harvesting as of 2025-12-31");
  }, 600_000);
});
