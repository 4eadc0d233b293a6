import { eq } from "drizzle-orm";
import { formatEther, type Hex } from "viem";
import { overrides, reviewItems } from "../../db/schema/index.ts";
import { upsertWallet } from "../../db/wallets.ts";
import { assetOptionsFromConfig, createAssetIdentity } from "../../src/assets/index.ts";
import { buildLedger, type Pricer } from "../../src/books/build.ts";
import { loadLedgerRows } from "../../src/books/store.ts";
import { DEFAULT_CLASSIFY_SETTINGS } from "../../src/classify/settings.ts";
import { configSchema } from "../../src/config.ts";
import { createDevClient } from "../../src/devchain/contracts.ts";
import { Decimal } from "../../src/utils/decimal.ts";
import { type Anvil, startAnvil } from "../anvil.ts";
import { createEvmHarness } from "../evm-harness.ts";
import { type Corpus, type Labelled, type LabelRow, playCorpus } from "./scenario.ts";

/** Test prices (not market data): ETH and stETH $3,000, TKA $12, USDC $1. */
const PRICES: Record<string, string> = { ETH: "3000", USDC: "1" };

export type CaseResult = {
  label: Labelled;
  ok: boolean;
  expected: Summary;
  actual: Summary;
};
export type CorpusRun = { corpus: Corpus; results: CaseResult[]; accuracy: number; anvil: Anvil };

/** A transaction's rows summarized for comparison: per (type, wallet, to, subtype), assets summed; fees per wallet and asset; review reasons. */
export type Summary = {
  rows: Record<string, { out: Record<string, string>; in: Record<string, string> }>;
  fees: Record<string, string>;
  reviews: string[];
};

const add = (m: Record<string, string>, k: string, v: string) => {
  m[k] = new Decimal(m[k] ?? "0").add(v).toFixed();
};
const sorted = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

/**
 * Plays the corpus on a fresh anvil, syncs the user's three wallets with the real EVM sync, builds
 * the ledger with the real classifier (the user has one rule: the rewards distributor pays
 * income) and compares every labelled transaction with its label.
 */
export const runCorpus = async (): Promise<CorpusRun> => {
  const anvil = await startAnvil({ timestamp: Math.floor(Date.parse("2025-06-01T00:00:00Z") / 1000) });
  let corpus: Corpus;
  try {
    corpus = await playCorpus(anvil.url);
  } catch (error) {
    await anvil.stop();
    throw error;
  }
  const { A, B, C, E } = corpus.accounts;
  const c = corpus.contracts;
  const h = await createEvmHarness({ addresses: [A, B, C] });
  try {
    for (const w of [A, B, C]) await h.sync(w, anvil.url);
    await upsertWallet(h.database.db, h.userId, {
      chain: "evm:31337",
      address: E,
      kind: "exchange",
      label: "coinbase:main",
    });
    await h.database.db.insert(overrides).values({
      userId: h.userId,
      rule: { counterparty: c.rewards, direction: "in" },
      action: { as: "income", subtype: "reward" },
    });
    const config = configSchema.parse({
      assets: {
        tokens: {
          "evm:31337:native": "ETH",
          [`evm:31337:${c.weth}`]: "ETH",
          [`evm:31337:${c.usdc}`]: "USDC",
        },
      },
    });
    const identity = createAssetIdentity(assetOptionsFromConfig(config));
    const pricer: Pricer = {
      prepare: async () => (leg) => {
        const usd =
          PRICES[leg.asset] ??
          (leg.asset === corpus.assets.TKA ? "12" : leg.asset === corpus.assets.stETH ? "3000" : undefined);
        return usd ? { usd: new Decimal(usd), source: "test", rank: 0 } : undefined;
      },
    };
    const lc = (a: string) => a.toLowerCase();
    await buildLedger({
      db: h.database.db,
      userId: h.userId,
      settings: DEFAULT_CLASSIFY_SETTINGS,
      contracts: {
        "evm:31337": {
          weth: [lc(c.weth!)],
          uniswapV2Routers: [lc(c.router!)],
          uniswapV3PositionManagers: [lc(c.npm!)],
          aavePools: [lc(c.lending!)],
          lido: [lc(c.steth!)],
          bridges: [lc(c.bridge!)],
        },
      },
      resolveAsset: identity.resolveMovementAsset,
      pricer,
    });
    const rows = await loadLedgerRows(h.database.db, h.userId);
    const reviews = await h.database.db.select().from(reviewItems).where(eq(reviewItems.userId, h.userId));
    const dev = createDevClient(anvil.url);
    const walletOf: Record<string, string> = {
      A: `evm:31337:${A}`,
      B: `evm:31337:${B}`,
      C: `evm:31337:${C}`,
    };
    const name = (w: string) =>
      w.replace(/^(aave-v3:)?([ABC])$/, (_m, p: string | undefined, x: string) => `${p ?? ""}${walletOf[x]}`);
    const asset = (k: string) => corpus.assets[k] ?? k;
    const results: CaseResult[] = [];
    for (const label of corpus.labelled) {
      const expected: Summary = { rows: {}, fees: {}, reviews: [...label.reviews].sort() };
      for (const r of label.rows) {
        // Subtypes a label leaves out are the defaults: a gas-only row is `network_fee`, a transfer
        // between wallets of one chain `transfer` when paired across transactions, else none.
        const subtype = r.subtype ?? (r.type === "fee" ? "network_fee" : "");
        const key = [r.type, name(r.wallet), r.to ? name(r.to) : "", subtype].join(" ");
        expected.rows[key] ??= { out: {}, in: {} };
        const e = expected.rows[key]!;
        for (const [k, v] of Object.entries(r.out ?? {})) add(e.out, asset(k), v);
        for (const [k, v] of Object.entries(r.in ?? {})) add(e.in, asset(k), v);
        for (const [k, v] of Object.entries(r.fee ?? {}))
          add(expected.fees, `${name(r.wallet)} ${asset(k)}`, v);
      }
      if (label.payer) {
        const rc = await dev.request<{ gasUsed: Hex; effectiveGasPrice: Hex }>("eth_getTransactionReceipt", [
          label.hash,
        ]);
        add(
          expected.fees,
          `${name(label.payer)} ETH`,
          formatEther(BigInt(rc.gasUsed) * BigInt(rc.effectiveGasPrice)),
        );
      }
      const actual: Summary = { rows: {}, fees: {}, reviews: [] };
      for (const r of rows.filter((x) => x.tx?.split(";")[0] === label.hash)) {
        const key = [r.type, r.wallet, r.toWallet ?? "", r.subtype ?? ""].join(" ");
        actual.rows[key] ??= { out: {}, in: {} };
        const e = actual.rows[key]!;
        if (r.outAsset && r.type !== "fee") add(e.out, r.outAsset, r.outQuantity!);
        if (r.inAsset) add(e.in, r.inAsset, r.inQuantity!);
        if (r.feeAsset) add(actual.fees, `${r.wallet} ${r.feeAsset}`, r.feeQuantity!);
      }
      actual.reviews = reviews
        .filter((x) => x.txHash === label.hash)
        .map((x) => x.reason)
        .sort();
      const norm = (s: Summary) =>
        JSON.stringify({
          rows: sorted(
            Object.fromEntries(
              Object.entries(s.rows).map(([k, v]) => [k, { out: sorted(v.out), in: sorted(v.in) }]),
            ),
          ),
          fees: sorted(s.fees),
          reviews: s.reviews,
        });
      results.push({ label, ok: norm(expected) === norm(actual), expected, actual });
    }
    const accuracy = results.filter((r) => r.ok).length / results.length;
    return { corpus, results, accuracy, anvil };
  } finally {
    await h.close();
  }
};

/** Row subtype labels omit the generic `swap`/transfer defaults: this normalizes a label row's key. */
export type { LabelRow };
