import { defineConfig } from "vitest/config";
import SlowFirstSequencer from "./test/sequencer.ts";

export default defineConfig({
  test: {
    include: [
      "src/**/*.test.ts",
      "chains/**/*.test.ts",
      "workers/**/*.test.ts",
      "db/**/*.test.ts",
      "test/**/*.test.ts",
      "ui/**/*.test.ts",
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
