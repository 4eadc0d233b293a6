import { describe, expect, test } from "vitest";
import { workerExecArgv } from "./worker-argv.ts";

describe("workerExecArgv()", () => {
  test("drops tsx in each of its forms, keeps every other option", () => {
    expect(workerExecArgv(["--import", "tsx"])).toEqual([]);
    expect(workerExecArgv(["--import=tsx", "--max-old-space-size=4096"])).toEqual([
      "--max-old-space-size=4096",
    ]);
    expect(workerExecArgv(["--require", "tsx/cjs", "--import", "tsx/esm", "--enable-source-maps"])).toEqual([
      "--enable-source-maps",
    ]);
    expect(
      workerExecArgv(["--loader", "file:///app/node_modules/tsx/dist/loader.mjs", "--cpu-prof"]),
    ).toEqual(["--cpu-prof"]);
    expect(workerExecArgv(["-r", "/app/node_modules/tsx/dist/cjs/index.cjs"])).toEqual([]);
  });

  test("another loader, or a module merely named like tsx, stays", () => {
    const kept = [
      "--import",
      "./preload.js",
      "--import",
      "tsx-like",
      "--require",
      "mytsx",
      "--conditions",
      "tsx",
    ];
    expect(workerExecArgv(kept)).toEqual(kept);
    expect(workerExecArgv(["--import"])).toEqual(["--import"]);
  });

  test("defaults to this process's options", () => {
    expect(workerExecArgv()).toEqual(workerExecArgv(process.execArgv));
  });
});
