/**
 * `npm run bench -- history-start [--late-blocks=3000]`: what the first-activity search saves on a
 * wallet whose history starts late. On anvil (historical state kept), `late-blocks` empty blocks
 * are mined, then a fresh address gets its first ETH and tokens (20 token transfers, 5 sends);
 * its first sync runs twice on fresh in-memory databases — from block 0 (`--from-block 0`) and
 * from the block the search finds — and must store the same movements. The scenario is
 * evm-sync's late start, without the 10,000-transfer history before it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { configSchema } from "../src/config.ts";
import { startAnvil } from "../src/devchain/anvil.ts";
import { createDevClient, loadArtifacts } from "../src/devchain/contracts.ts";
import { lateStart } from "./evm-sync.bench.ts";

export default async function historyStartBench(args: string[]): Promise<void> {
  const anvil = await startAnvil({ gasLimit: 100_000_000n, args: ["--max-persisted-states", "1000000"] });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "lotwise-bench-"));
  try {
    const dev = createDevClient(anvil.url);
    const art = await loadArtifacts();
    const [deployer, ...others] = await dev.accounts();
    const config = configSchema.parse({ dataDir });
    const rows = await lateStart({ args, anvil: anvil.url, dev, art, deployer: deployer!, others, config });
    const width = Math.max(...rows.map((r) => r[0]!.length));
    for (const [k, v] of rows) console.log(`${k!.padEnd(width)}  ${v}`);
    console.log(
      `${"load".padEnd(width)}  ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")} (1/5/15 min)`,
    );
  } finally {
    await anvil.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
