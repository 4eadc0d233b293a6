import { spawnSync } from "node:child_process";
import { EventEmitter } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { exitQuietlyOnEpipe } from "./epipe.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const errnoError = (code: string) => Object.assign(new Error(code), { code });

describe("stdout closed by its reader (EPIPE)", () => {
  test("EPIPE exits 0; another error is still thrown", () => {
    const stream = new EventEmitter();
    const exits: number[] = [];
    exitQuietlyOnEpipe(stream, (code) => exits.push(code));
    stream.emit("error", errnoError("EPIPE"));
    expect(exits).toEqual([0]);
    expect(() => stream.emit("error", errnoError("EIO"))).toThrow("EIO");
    expect(exits).toEqual([0]);
  });

  test("the real binary piped into a reader that stops after one line: no stack trace, exit 0", () => {
    // Every chain viem knows: far more than one pipe write, so writes go on after `head` exits.
    const pipeline = `set -o pipefail; "${process.execPath}" bin/lotwise.js chains --all | head -n 1`;
    const r = spawnSync("bash", ["-c", pipeline], {
      cwd: root,
      encoding: "utf8",
    });
    expect(r.stdout.split("\n")[0]).toMatch(/^chain\s+name/);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
