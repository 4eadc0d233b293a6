/** Entry of `lotwise ledger import`'s file thread (src/books/import-thread.ts); built to `dist/import-thread.js`. */
import { runImportThread } from "./import-thread-run.ts";

await runImportThread();
