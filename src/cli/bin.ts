#!/usr/bin/env node
import { exitQuietlyOnEpipe } from "./epipe.ts";
import { run } from "./main.ts";

// `lotwise … | head`: a reader that stops early ends the command quietly (see epipe.ts).
exitQuietlyOnEpipe(process.stdout, (code) => process.exit(code));
// The real process: Ctrl-C / SIGTERM say what was kept and stop child processes (see main.ts).
process.exitCode = await run(process.argv.slice(2), process.env, { handleSignals: true });
