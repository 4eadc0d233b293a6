/** Entry of `lotwise reconcile --ledger`'s worker thread (src/reconcile/file-thread.ts); built to `dist/reconcile-thread.js`. */
import { runReconcileThread } from "./file-thread.ts";

await runReconcileThread();
