/** Entry of the API's gains worker thread (src/api/gains-thread.ts); built to `dist/gains-thread.js`. */
import { runGainsThread } from "./gains-thread.ts";

await runGainsThread();
