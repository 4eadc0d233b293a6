/** Entry of the Solana transaction thread (tx-thread.ts); built to `dist/solana-tx-thread.js`. */
import { runTxThread } from "./tx-thread.ts";

runTxThread();
