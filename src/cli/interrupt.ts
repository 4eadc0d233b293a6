/**
 * Ctrl-C (SIGINT) and SIGTERM for the CLI process: say what was kept and how to resume, close
 * what the command opened (databases, queues) within a grace period, then exit 130 (SIGINT) or
 * 143 (SIGTERM). Child processes (the demo's anvil) are killed by their owners' `exit` hooks,
 * which `process.exit` runs. A second signal exits at once.
 */

/** What an interrupted command kept and how to resume it, by command path (`ledger import`). */
const RESUME: Record<string, (ctx: { service: boolean }) => string> = {
  sync: ({ service }) =>
    "every sync step that finished is stored (each step commits on its own) and nothing half-done is kept; " +
    "run `lotwise sync` again to continue from there" +
    (service
      ? ". Jobs already queued keep running on the workers: `lotwise jobs list` shows them, `lotwise jobs cancel` removes them"
      : ""),
  demo: () =>
    "the demo chain (anvil) and the dashboard are stopped; the demo folder holds the results written so far " +
    "(all of them once the dashboard was being served); run `lotwise demo` again: it starts over",
  "ledger import": () =>
    "an import is stored in one transaction, so the file is either imported completely or not at all (`lotwise ledger imports` lists what is stored); " +
    "run the same command again (it replaces an earlier import of the same --name)",
  "prices import": () =>
    "a price file is stored in one transaction, so it is either imported completely or not at all; run the same command again",
  "ledger build": () =>
    "the ledger is rebuilt in steps that each commit; the next command that needs it finishes the rebuild",
};

/** The message printed when `command` (its path, e.g. `ledger import`) is interrupted by `signal`. */
export const interruptMessage = (command: string | undefined, signal: string, service: boolean): string => {
  const resume = command ? RESUME[command] : undefined;
  const what = command ? `lotwise ${command}` : "lotwise";
  return `${what}: interrupted (${signal}): ${resume ? resume({ service }) : "nothing half-written is kept; run the command again"}.`;
};

/** Commands with their own graceful shutdown on SIGINT/SIGTERM (drain, then exit 0). */
const OWN_SHUTDOWN = new Set(["worker", "serve"]);

/** Grace period for closing databases and queues before the process exits anyway, in ms. */
const CLOSE_GRACE_MS = 5_000;

/**
 * Installs the handlers; returns a function removing them. `command()` names the running
 * command, `close()` closes what it opened.
 */
export const installInterruptHandlers = (args: {
  command: () => string | undefined;
  service: () => boolean;
  close: () => Promise<void>;
  err: (text: string) => void;
}): (() => void) => {
  let interrupted = false;
  const handler = (signal: NodeJS.Signals) => {
    // `worker` and `serve` drain and exit 0 through their own graceful shutdown (src/shutdown.ts).
    if (OWN_SHUTDOWN.has(args.command()?.split(" ")[0] ?? "")) return;
    const code = signal === "SIGINT" ? 130 : 143;
    if (interrupted) process.exit(code);
    interrupted = true;
    args.err(`\n${interruptMessage(args.command(), signal, args.service())}\n`);
    const timer = setTimeout(() => process.exit(code), CLOSE_GRACE_MS);
    timer.unref();
    void args
      .close()
      .catch(() => {})
      .finally(() => process.exit(code));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
};
