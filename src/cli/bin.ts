#!/usr/bin/env node
import { startLedgerThreadForArgs } from "../tax/parse-thread-start.ts";
import { stoppedBeforeReady } from "./commands/stop-before-ready.ts";
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
// `serve` stopped before it was ready has closed what it holds: exit now, not when the clients its
// start-up was still opening give up (see stop-before-ready.ts).
if (stoppedBeforeReady()) process.exit();
