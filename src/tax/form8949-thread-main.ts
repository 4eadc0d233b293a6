/** Entry of the Form 8949 writing thread (src/tax/form8949-thread.ts); built to `dist/form8949-thread.js`. */
import { runForm8949Thread } from "./form8949-thread.ts";

runForm8949Thread();
