import { defineConfig } from "vitest/config";
import SlowFirstSequencer from "./test/sequencer.ts";

export default defineConfig({
  test: {
    // Two projects that differ only in isolation (each inherits everything below, `extends: true`).
    // - unit: the tests next to the code. They share one process per worker (`isolate: false`):
    //   every file in its own process started Vitest and imported the same modules again, about
    //   0.85 s of CPU a file (all 101 files of this project: 235 → 149 s of CPU). They hold no
    //   module state a later file could see (no mocks, fake timers or environment changes; their
    //   databases, servers and chains are their own and closed in their hooks).
    // - e2e (test/): child processes, browsers and chains per file, each file in a fresh process.
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: [
            "src/**/*.test.ts",
            "chains/**/*.test.ts",
            "workers/**/*.test.ts",
            "db/**/*.test.ts",
            "ui/**/*.test.ts",
          ],
          isolate: false,
        },
      },
      { extends: true, test: { name: "e2e", include: ["test/**/*.test.ts"], isolate: false } },
    ],
    // No test may reach the internet: any non-loopback connection fails the test (test/no-network.mjs).
    setupFiles: ["test/setup.ts"],
    // CLI children run dist/ (as users do): rebuilt here first when a source is newer (test/build.ts).
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // `expect.poll` waits for a condition that must come true (none polls for a negative). Vitest's
    // default gives it 1 s: on a loaded machine the dashboard's pages answer later than that.
    expect: { poll: { timeout: 15_000 } },
    // Two cores: files in two forks; suites that share real services use unique names per test.
    pool: "forks",
    // Slow files first, so no one file runs alone at the end (test/sequencer.ts).
    sequence: { sequencer: SlowFirstSequencer },
    maxWorkers: 2,
  },
});
