/**
 * The I/O floor of a ledger command: `node bench/io-floor.js FILE` reads FILE line by line and
 * splits every line into its fields, nothing more, and prints the line and field counts. Plain
 * JavaScript (no TypeScript loader), so its time is node's start plus the read. Benchmarks run
 * it as a child process, like the CLI, and print their figures as ratios against it.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

let lines = 0;
let fields = 0;
for await (const line of createInterface({ input: createReadStream(process.argv[2]), crlfDelay: Infinity })) {
  lines++;
  fields += line.split(",").length;
}
console.log(`${lines} lines, ${fields} fields`);
