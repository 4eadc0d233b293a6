/** Entry of the ledger reading thread (src/tax/parse-thread.ts); built to `dist/ledger-thread.js`. */
import { runLedgerThread } from "./parse-thread.ts";

await runLedgerThread();
