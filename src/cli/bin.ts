#!/usr/bin/env node
import { startLedgerThreadForArgs } from "../tax/parse-thread-start.ts";
import { exitQuietlyOnEpipe } from "./epipe.ts";

const args = process.argv.slice(2);
// `lotwise gains --ledger FILE`: the file's reading thread starts before the CLI's modules load
// (main.ts is imported below, not statically), so its start and first batches overlap them.
startLedgerThreadForArgs(args);
const { run } = await import("./main.ts");
// `lotwise … | head`: a reader that stops early ends the command quietly (see epipe.ts).
exitQuietlyOnEpipe(process.stdout, (code) => process.exit(code));
// The real process: Ctrl-C / SIGTERM say what was kept and stop child processes (see main.ts).
process.exitCode = await run(args, process.env, { handleSignals: true });
