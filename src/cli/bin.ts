#!/usr/bin/env node
import { run } from "./main.ts";

// The real process: Ctrl-C / SIGTERM say what was kept and stop child processes (see main.ts).
process.exitCode = await run(process.argv.slice(2), process.env, { handleSignals: true });
