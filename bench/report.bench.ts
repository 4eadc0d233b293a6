/**
 * `npm run bench report`: renders every report format for a tax year with many Form 8949 rows
 * (default 10,000 sales of one lot each, across boxes I and L) and prints the wall time and size
 * of each file. The PDF is the slow one: about 910 Form 8949 pages for 10,000 rows.
 *
 * Flags: `--rows=N` (default 10,000).
 */
import type { LedgerRow } from "../src/ledger/types.ts";
import { prepareReport, REPORT_FORMATS, renderReport } from "../src/reports/index.ts";

export default async (args: string[]): Promise<void> => {
  const rows = Number(args.find((a) => a.startsWith("--rows="))?.slice(7) ?? 10_000);
  // Half the lots are bought in 2023 (long-term sales), half in 2025 (short-term).
  const ledger: LedgerRow[] = [
    {
      id: "old",
      time: "2023-01-02T00:00:00Z",
      type: "buy",
      wallet: "w",
      inAsset: "ETH",
      inQuantity: String(rows),
      usdValue: String(rows * 1000),
    },
    {
      id: "new",
      time: "2025-01-02T00:00:00Z",
      type: "buy",
      wallet: "w",
      inAsset: "SOL",
      inQuantity: String(rows),
      usdValue: String(rows * 100),
    },
  ];
  for (let k = 0; k < rows; k++) {
    const asset = k % 2 === 0 ? "ETH" : "SOL";
    const second = String(k % 60).padStart(2, "0");
    const minute = String(Math.floor(k / 60) % 60).padStart(2, "0");
    const hour = String(Math.floor(k / 3600) % 24).padStart(2, "0");
    ledger.push({
      id: `s${k}`,
      time: `2025-06-${String(1 + Math.floor(k / 86400)).padStart(2, "0")}T${hour}:${minute}:${second}Z`,
      type: "sell",
      wallet: "w",
      outAsset: asset,
      outQuantity: "0.5",
      usdValue: `${(asset === "ETH" ? 600 : 40) + (k % 97)}.${String(k % 100).padStart(2, "0")}`,
    });
  }
  let t = performance.now();
  const input = prepareReport(ledger, { year: 2025, source: "bench" });
  console.log(
    `prepare (tax engine): ${input.rows.length} Form 8949 rows in ${Math.round(performance.now() - t)} ms`,
  );
  for (const format of REPORT_FORMATS) {
    t = performance.now();
    const file = await renderReport(format, input);
    const ms = Math.round(performance.now() - t);
    console.log(
      `${format.padEnd(8)} ${file.fileName.padEnd(20)} ${String(ms).padStart(6)} ms ${String(Math.round(file.bytes.length / 1024)).padStart(7)} KiB`,
    );
  }
};
