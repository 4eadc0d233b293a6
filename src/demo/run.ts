import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { getAddress } from "viem";
import { run } from "../cli/main.ts";
import { startAnvil } from "../devchain/index.ts";
import { UserInputError } from "../errors.ts";
import type { Progress } from "../ui/progress.ts";
import { playDemoHistory } from "./history.ts";
import { yearEndPriceFile } from "./prices.ts";

/** Genesis of the demo chain (before the first on-chain step, 2024-06-01). */
const GENESIS = "2024-05-30T00:00:00Z";

export type DemoArgs = {
  /** Folder for the results (and the demo's own embedded database). @defaultValue ./lotwise-demo */
  dir: string;
  /** stdout / stderr writers. */
  out: (text: string) => void;
  err: (text: string) => void;
  progress: Progress;
  /** Environment for the CLI steps (DATABASE_URL / REDIS_URL are dropped: the demo is embedded). */
  env: Record<string, string | undefined>;
  showProgress: boolean;
  /**
   * Serve the dashboard on the demo database afterwards (`lotwise serve` on this port, 0 for a
   * free one), printing its URL and an API key, until SIGINT/SIGTERM. The demo chain keeps running
   * meanwhile, so syncs started from the dashboard work. Undefined: stop after the files.
   */
  serve?: { port: number; host?: string } | undefined;
};

/**
 * `lotwise demo`: starts anvil from node_modules, plays a two-wallet history over the 2025 tax
 * year (plus a 2023 purchase), then runs lotwise's own commands against it on an embedded
 * database in `<dir>/.lotwise` with in-process jobs — wallets, the Coinbase import, sync (which
 * classifies, prices from the chain's pools and builds the ledger, then checks balances against
 * the chain), two review decisions, the balance check again (no differences left), the ledger export, the Coinbase Form 1099-DA import, `gains`, `reconcile`, a year-end price import and
 * `harvest` — and leaves `ledger.csv`, `form8949.csv`, `summary.json`, `discrepancies.csv`,
 * `reconciliation.json`, `harvest.csv` and `harvest.json` in `<dir>`.
 */
export const runDemo = async (args: DemoArgs): Promise<void> => {
  const dir = path.resolve(args.dir);
  const started = Date.now();
  await mkdir(dir, { recursive: true });
  // A fresh database each time, so the demo always shows the same thing.
  await rm(path.join(dir, ".lotwise"), { recursive: true, force: true });

  const chainTask = args.progress.task("demo chain", { unit: "steps" });
  const anvil = await startAnvil({ timestamp: Math.floor(Date.parse(GENESIS) / 1000) });
  try {
    const history = await playDemoHistory(anvil.url, (s) => chainTask.advance(1, s.what));
    chainTask.finish(`${history.steps.length} transactions on anvil`);
    const { accounts: acc, contracts: c } = history;

    const config = {
      dataDir: path.join(dir, ".lotwise"),
      rpc: { "evm:31337": anvil.url },
      assets: {
        weth: "same-as-eth",
        tokens: {
          // The local chain's native coin and WETH are ETH; its test stablecoin is USDC.
          "evm:31337:native": "ETH",
          [`evm:31337:${c.weth}`]: "ETH",
          [`evm:31337:${c.usdc}`]: "USDC",
          [`evm:31337:${c.lot}`]: { symbol: "LOT" },
        },
      },
      prices: {
        // The demo chain is offline: prices come from its own pools (and a stablecoin's peg).
        order: ["file", "stablecoin", "onchain"],
        onchain: { "evm:31337": { factory: c.factory, stablecoin: c.usdc, wrappedNative: c.weth } },
        onchainMinStableReserve: "1000",
      },
      classify: { contracts: { "evm:31337": { weth: [c.weth], uniswapV2Routers: [c.router] } } },
    };
    const configFile = path.join(dir, "lotwise.config.json");
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
    const coinbaseFile = path.join(dir, "coinbase.csv");
    await writeFile(coinbaseFile, history.coinbaseCsv);
    const formFile = path.join(dir, "coinbase-1099da-2025.csv");
    await writeFile(formFile, history.form1099daCsv);

    const env = { ...args.env };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    const lotwise = async (...argv: string[]) => {
      args.out(`\n$ lotwise ${argv.join(" ")}\n`);
      await lotwiseTo(args.out, ...argv);
    };
    const lotwiseTo = async (out: (text: string) => void, ...argv: string[]) => {
      const code = await run(
        ["--config", configFile, ...(args.showProgress ? [] : ["--no-progress"]), ...argv],
        env,
        { out, err: args.err },
      );
      if (code !== 0)
        throw new UserInputError(`demo step failed (exit ${code}): lotwise ${argv.join(" ")}`, {
          exitCode: 1,
        });
    };
    const payment = history.steps.find((s) => s.what.startsWith("cold pays a merchant"))!;
    const friend = history.steps.find((s) => s.what.startsWith("friend pays"))!;

    await lotwise("wallets", "add", `evm:31337:${acc.hot}`, "--label", "hot");
    await lotwise("wallets", "add", `evm:31337:${acc.cold}`, "--label", "cold");
    await lotwise(
      "wallets",
      "add",
      `evm:31337:${acc.coinbaseDeposit}`,
      "--exchange",
      "--label",
      "coinbase:main",
    );
    await lotwise("ledger", "import", coinbaseFile, "--name", "coinbase");
    await lotwise("sync");
    await lotwise("review", "list");
    await lotwise(
      "review",
      "set",
      `evm:31337:${payment.tx}`,
      "--as",
      "spend",
      "--subtype",
      "payment",
      "--note",
      "paid a merchant",
    );
    await lotwise(
      "review",
      "set",
      `evm:31337:${friend.tx}`,
      "--as",
      "income",
      "--subtype",
      "payment",
      "--note",
      "paid by a friend for work",
    );
    // The two decisions close the check's two differences; the dev chain's genesis pre-funding
    // of each wallet is a recognized opening balance, not a difference.
    await lotwise("check");
    await lotwise("ledger", "export", "--out", path.join(dir, "ledger.csv"), "--year", "2025");
    // Coinbase's 1099-DA: gains then routes the reported sales to boxes H/K, and reconcile explains each difference.
    await lotwise("forms", "import", formFile, "--account", "coinbase:main");
    await lotwise("gains", "--ledger", path.join(dir, "ledger.csv"), "--year", "2025", "--out", dir);
    await lotwise("reconcile", "--ledger", path.join(dir, "ledger.csv"), "--year", "2025", "--out", dir);
    // Year-end prices (the pools' closing prices) through the configured providers, then the
    // tax-loss harvesting plan as of the last day of the year.
    const pricesFile = path.join(dir, "year-end-prices.csv");
    await writeFile(pricesFile, yearEndPriceFile(history.closingPrices, `evm:31337:${getAddress(c.lot)}`));
    await lotwise("prices", "import", pricesFile, "--name", "year-end-prices.csv");
    await lotwise("harvest", "--ledger", path.join(dir, "ledger.csv"), "--as-of", "2025-12-31", "--out", dir);
    args.out(
      `\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s. Results in ${dir}:\n` +
        "  ledger.csv    the reconciled ledger (ledger CSV v1), every row with its transactions and price source\n" +
        "  form8949.csv  Form 8949 rows for 2025 (Coinbase's reported sales in box H, with codes B and E)\n" +
        "  summary.json  Schedule D totals, carryovers, ordinary income and warnings\n" +
        "  discrepancies.csv, reconciliation.json  Coinbase's Form 1099-DA against the books, explained\n" +
        "  harvest.csv   every open lot on 2025-12-31 at year-end prices, with its tax-loss harvesting figures\n" +
        "  harvest.json  the harvesting report: positions, year so far, candidates, plan\n" +
        `Explore further with: npx lotwise --config ${path.relative(process.cwd(), configFile)} review list\n` +
        (args.serve
          ? "(after Ctrl-C: the embedded database is open in one process at a time, here the dashboard's server)\n"
          : "(the demo chain stops with this command; its data stays in the demo database)\n"),
    );
    if (args.serve) {
      // A key of the user the CLI steps worked as, so the dashboard shows the demo's books.
      let issued = "";
      await lotwiseTo(
        (t) => {
          issued += t;
        },
        "users",
        "key",
        env.LOTWISE_USER ?? "default",
        "--label",
        "demo",
      );
      const key = /(lw_[\w-]+)/.exec(issued)?.[1];
      if (!key) throw new UserInputError(`demo: no API key issued (${issued.trim()})`, { exitCode: 1 });
      args.out(
        "\nThe dashboard on the demo database: open the URL below and sign in with this API key:\n" +
          `  ${key}\n` +
          "The demo chain keeps running for syncs from the dashboard; Ctrl-C stops both.\n\n",
      );
      await lotwiseTo(
        args.out,
        "serve",
        "--port",
        String(args.serve.port),
        ...(args.serve.host ? ["--host", args.serve.host] : []),
      );
    }
  } finally {
    await anvil.stop();
  }
};
