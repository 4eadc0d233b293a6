import { UserInputError } from "../../errors.ts";
import type { RegisterCommand } from "./types.ts";

// Heavy modules load when a command runs, not when the CLI starts (keeps `--help` and `gains` fast).
let runDemo: typeof import("../../demo/run.ts").runDemo;
const load = async () => {
  ({ runDemo } = await import("../../demo/run.ts"));
};

export const register: RegisterCommand = (program, runtime) => {
  program
    .command("demo")
    .description(
      "run lotwise end to end on a local chain: sync, classify, price, ledger and gains into ./lotwise-demo, then serve the dashboard on it",
    )
    .option("--dir <dir>", "where to write the results", "lotwise-demo")
    .option("--no-serve", "stop after writing the files (default: serve the dashboard on the demo database)")
    .option("--port <port>", "the dashboard's port (default: 8080; 0 picks a free one)", "8080")
    .option("--host <host>", "address the dashboard listens on (default: 127.0.0.1)")
    .action(async (opts: { dir: string; serve: boolean; port: string; host?: string }, command) => {
      if (!/^\d{1,5}$/.test(opts.port) || Number(opts.port) > 65535)
        throw new UserInputError(`--port expects 0–65535, got '${opts.port}'`);
      await load();
      const common = runtime.createCommon(command);
      await runDemo({
        dir: opts.dir,
        out: runtime.out,
        err: (t) => void process.stderr.write(t),
        progress: common.progress,
        env: runtime.env,
        showProgress: common.config.progress,
        serve: opts.serve
          ? { port: Number(opts.port), ...(opts.host ? { host: opts.host } : {}) }
          : undefined,
      });
    });
};
