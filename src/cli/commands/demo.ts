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
      "run lotwise end to end on a local chain: sync, classify, price, ledger and gains into ./lotwise-demo",
    )
    .option("--dir <dir>", "where to write the results", "lotwise-demo")
    .option("--no-serve", "do not serve the dashboard afterwards (the dashboard is not part of this version)")
    .action(async (opts: { dir: string; serve: boolean }, command) => {
      await load();
      const common = runtime.createCommon(command);
      await runDemo({
        dir: opts.dir,
        out: runtime.out,
        err: (t) => void process.stderr.write(t),
        progress: common.progress,
        env: runtime.env,
        showProgress: common.config.progress,
      });
    });
};
